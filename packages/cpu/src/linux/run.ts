/**
 * runLinuxProgram: execve and the process's whole life in one call. The
 * program is loaded into its own page tables in a fresh PhysicalMemory, the
 * initial stack is built as the kernel builds it, the CPU starts at the
 * entry point in user mode with paging on, and the runtime answers its
 * system calls and exceptions until it exits or a signal kills it.
 */
import { randomFillSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CR0, CR4, EFER, Mmu, PageTables, PhysicalMemory } from '@x/mmu';
import { type GuestCpu, Reg, StopReason } from '../machine-interface.js';
import { AddressSpace, TASK_SIZE } from './address-space.js';
import { hwcapFor } from './cpuid-profile.js';
import { loadElf, parseElf } from './elf.js';
import { errnoFromHost, errnoName } from './errno.js';
import { LinuxRunError } from './errors.js';
import { LinuxProcess, type ProcessExit } from './process.js';
import { hex64, setRegNumber } from './registers.js';
import { initialFxState, MAX_SIGFRAME_SIZE } from './sigframe.js';
import { SIG } from './signal-numbers.js';
import { buildInitialStack, STACK_SIZE } from './stack.js';
import { FdTable } from './syscalls/fd-table.js';
import { HostFile, hostFdInfo, O } from './syscalls/open-file.js';
import { byteString } from './syscalls/paths.js';

export interface LinuxRunOptions {
  /** The program file on the host. */
  path: string;
  /** The file name execve was given, for AT_EXECFN (default `path`). */
  execfn?: string;
  /** argv, argv[0] included. */
  argv: readonly string[];
  /** The environment as KEY=VALUE strings. */
  env: readonly string[];
  /** Host descriptors that become the guest's 0, 1 and 2 (default: the host's own stdio). They are never closed. */
  stdin?: number;
  stdout?: number;
  stderr?: number;
  /** Makes the engine: x86-run passes `new Cpu({ memory, mmu, … })`. */
  createCpu: (memory: PhysicalMemory, mmu: Mmu) => GuestCpu;
  /** Guest RAM in bytes (default 1 GiB). */
  memoryBytes?: number;
  /** Print the statistics line to stderr when the program ends. */
  stats?: boolean;
  /** Print each system call, strace-style, to stderr (or to this function). */
  trace?: boolean | ((line: string) => void);
  /** CPUID profile for AT_HWCAP when the CPU cannot be asked (default "baseline"). */
  cpuidProfile?: string;
  /** AT_HWCAP (CPUID.1:EDX) to advertise, overriding what the CPU or profile says. */
  hwcap?: number;
  /** The current directory (default the host's). */
  cwd?: string;
  /** Fills AT_RANDOM's 16 bytes (default: crypto random). */
  random?: (bytes: Uint8Array) => void;
  /** Instructions per `cpu.run` slice (default 10 million). */
  slice?: number;
}

export interface LinuxRunStats {
  instructions: number;
  /** From the engine's `stats.blocksTranslated`, when it has one. */
  blocksTranslated: number | undefined;
  /** From the engine's `stats.regionsInWasm`, when it has one. */
  regionsInWasm: number | undefined;
  wallSeconds: number;
  /** Guest instructions per second, in millions. */
  mips: number;
  syscalls: number;
  /** System calls answered ENOSYS because x86-run does not implement them, by name. */
  unknownSyscalls: Map<string, number>;
  /** Guest pages that ended up with a frame. */
  residentPages: number;
}

export interface LinuxRunResult {
  /** What a shell sees: the exit code, or 128 + the signal number. */
  status: number;
  exit: ProcessExit;
  stats: LinuxRunStats;
}

/** The mmap area starts below the stack and its gap (mmap_base without randomisation). */
const MMAP_BASE = TASK_SIZE - Math.max(STACK_SIZE + 256 * 4096, 128 << 20);
const DEFAULT_MEMORY = 1 << 30;
const DEFAULT_SLICE = 10_000_000;

/** Control registers of a 64-bit Linux process: long mode, paging with NX and WP, SSE enabled, syscall on. */
function enableLongMode(mmu: Mmu, root: number): void {
  mmu.setCr4(CR4.PAE | CR4.PGE | CR4.OSFXSR | CR4.OSXMMEXCPT);
  mmu.setEfer(EFER.SCE | EFER.LME | EFER.LMA | EFER.NXE);
  mmu.setCr3(root);
  mmu.setCr0((CR0.PE | CR0.MP | CR0.ET | CR0.NE | CR0.WP | CR0.AM | CR0.PG) >>> 0);
}

function readProgram(file: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const errno = errnoFromHost(e);
    throw new LinuxRunError('IO', `${file}: cannot read the program (${errnoName(errno)})`, {
      path: file,
      cause: e,
    });
  }
}

/** The guest's descriptor for an inherited host one: its flags from /proc, and the host's own file offset. */
function inherited(hostFd: number, fallbackMode: number): HostFile {
  const info = hostFdInfo(hostFd);
  const flags = info ? info.flags & ~O.CLOEXEC : fallbackMode;
  return new HostFile(hostFd, flags | O.LARGEFILE, false, true);
}

function traceWriter(options: LinuxRunOptions, stderr: number): ((line: string) => void) | undefined {
  if (typeof options.trace === 'function') return options.trace;
  if (!options.trace) return undefined;
  return (line) => {
    try {
      fs.writeSync(stderr, `${line}\n`);
    } catch {}
  };
}

/** Load and run a static x86-64 Linux program to its end. */
export function runLinuxProgram(options: LinuxRunOptions): LinuxRunResult {
  const started = performance.now();
  const file = readProgram(options.path);
  const image = parseElf(file, options.path);
  const memoryBytes = options.memoryBytes ?? DEFAULT_MEMORY;
  if (!Number.isInteger(memoryBytes) || memoryBytes <= 0 || memoryBytes % 4096 !== 0) {
    throw new LinuxRunError('EINVAL', `memory size ${memoryBytes} is not a positive multiple of 4096`);
  }
  const memory = new PhysicalMemory({ bytes: memoryBytes });
  const mmu = new Mmu(memory);
  const tables = new PageTables(memory, 0);
  const space = new AddressSpace(memory, mmu, tables, 0);
  let exePath: string;
  try {
    exePath = fs.realpathSync(options.path);
  } catch {
    exePath = path.resolve(options.path);
  }
  let program: ReturnType<typeof loadElf>;
  try {
    program = loadElf(space, image, file, byteString(exePath));
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOMEM') {
      throw new LinuxRunError('ENOMEM', `${options.path}: guest memory is too small for the program`, {
        cause: e,
      });
    }
    throw e;
  }
  enableLongMode(mmu, tables.root);
  const cpu = options.createCpu(memory, mmu);
  const invalidate = (cpu as unknown as { invalidateCode?: (pa: number, length: number) => void })
    .invalidateCode;
  if (typeof invalidate === 'function') space.onWrite = (pa, length) => invalidate.call(cpu, pa, length);

  const random = new Uint8Array(16);
  (options.random ?? randomFillSync)(random);
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const stack = buildInitialStack(space, {
    argv: options.argv,
    env: options.env,
    execfn: options.execfn ?? options.path,
    program,
    hwcap: options.hwcap ?? hwcapFor(cpu, options.cpuidProfile ?? 'baseline'),
    hwcap2: 0,
    random,
    minSigStackSize: MAX_SIGFRAME_SIZE,
    uid,
    euid: process.geteuid?.() ?? uid,
    gid,
    egid: process.getegid?.() ?? gid,
    executableStack: image.executableStack,
  });

  const stdio = [options.stdin ?? 0, options.stdout ?? 1, options.stderr ?? 2] as const;
  const fds = new FdTable();
  fds.install(inherited(stdio[0], O.RDONLY));
  fds.install(inherited(stdio[1], O.WRONLY));
  fds.install(inherited(stdio[2], O.WRONLY));
  const proc = new LinuxProcess({
    cpu,
    space,
    fds,
    identity: { pid: process.pid, ppid: process.ppid, uid, gid },
    exePath: byteString(exePath),
    cwd: byteString(options.cwd !== undefined ? path.resolve(options.cwd) : process.cwd()),
    brkStart: program.brkStart,
    mmapBase: MMAP_BASE,
    trace: traceWriter(options, stdio[2]),
  });

  // ELF_PLAT_INIT: every register zero but rsp; the entry point in user mode.
  cpu.r.fill(0);
  setRegNumber(cpu, Reg.RSP, stack.sp);
  cpu.rip = program.entry;
  cpu.setRflags(0x202);
  cpu.cpl = 3;
  cpu.fsBase = 0;
  cpu.gsBase = 0;
  cpu.mxcsr = 0x1f80;
  cpu.restoreFxState(initialFxState());
  cpu.hooks = {
    syscall: () => proc.onSyscall(),
    exception: (_cpu, vector, errorCode, address) => proc.onException(vector, errorCode, address),
  };

  const slice = options.slice ?? DEFAULT_SLICE;
  try {
    while (!proc.exit) {
      // A user-mode hlt is a #GP, so a halt means the engine has nothing left to run: nothing would wake it.
      if (cpu.run(slice) === StopReason.Halt && !proc.exit) {
        proc.killed(SIG.SIGKILL, `the CPU halted; rip ${hex64(cpu.rip)}`);
      }
    }
  } finally {
    fds.closeAll();
  }

  const wallSeconds = (performance.now() - started) / 1000;
  const engine = (cpu as unknown as { stats?: { blocksTranslated?: unknown; regionsInWasm?: unknown } })
    .stats;
  const blocks = engine?.blocksTranslated;
  const wasm = engine?.regionsInWasm;
  const stats: LinuxRunStats = {
    instructions: cpu.instructions,
    blocksTranslated: typeof blocks === 'number' ? blocks : undefined,
    regionsInWasm: typeof wasm === 'number' ? wasm : undefined,
    wallSeconds,
    mips: wallSeconds > 0 ? cpu.instructions / wallSeconds / 1e6 : 0,
    syscalls: proc.stats.total,
    unknownSyscalls: proc.stats.unknown,
    residentPages: space.residentPages,
  };
  const exit = proc.exit!;
  if (options.stats) writeStats(stdio[2], stats);
  return { status: exit.kind === 'exit' ? exit.code : 128 + exit.signal, exit, stats };
}

/** The --stats report. */
export function formatStats(stats: LinuxRunStats): string {
  const lines = [
    `x86-run: ${stats.instructions} instructions, ` +
      `${stats.blocksTranslated ?? '?'} blocks translated` +
      `${stats.regionsInWasm === undefined ? '' : ` (${stats.regionsInWasm} to WebAssembly)`}, ` +
      `${stats.wallSeconds.toFixed(3)} s, ${stats.mips >= 100 ? stats.mips.toFixed(0) : stats.mips.toPrecision(3)} MIPS, ` +
      `${stats.syscalls} system calls, ${stats.residentPages * 4} KiB resident`,
  ];
  if (stats.unknownSyscalls.size > 0) {
    const list = [...stats.unknownSyscalls].sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} ×${n}`);
    lines.push(`x86-run: unknown system calls: ${list.join(', ')}`);
  } else {
    lines.push('x86-run: unknown system calls: none');
  }
  return `${lines.join('\n')}\n`;
}

function writeStats(fd: number, stats: LinuxRunStats): void {
  try {
    fs.writeSync(fd, formatStats(stats));
  } catch {}
}
