/**
 * Helpers for the Linux runtime's tests: a stand-in CPU (registers only, no
 * execution) so that system calls and signal delivery can be tested without
 * the engine, a process built around it, and C programs compiled for the test.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CR0, CR4, EFER, Mmu, PageTables, PhysicalMemory } from '@x/mmu';
import { requireTool, run, tempDir } from '@x/testkit';
import { AddressSpace } from '../src/linux/address-space.js';
import { LinuxProcess } from '../src/linux/process.js';
import { setRegNumber } from '../src/linux/registers.js';
import { FdTable } from '../src/linux/syscalls/fd-table.js';
import { HostFile, O } from '../src/linux/syscalls/open-file.js';
import { byteString } from '../src/linux/syscalls/paths.js';
import { PROT } from '../src/linux/vma.js';
import { bigFromHalves, type CpuHooks, type GuestCpu, Reg, StopReason } from '../src/machine-interface.js';

/** A CPU that holds registers and nothing else: the hooks are called by the tests. */
export class FakeCpu implements GuestCpu {
  readonly r = new Int32Array(32);
  readonly xmm = new Int32Array(64);
  rip = 0;
  fsBase = 0;
  gsBase = 0;
  kernelGsBase = 0;
  mxcsr = 0x1f80;
  cpl = 3;
  hooks: CpuHooks = {};
  rflags = 0x202;
  readonly fx = new Uint8Array(512);
  stopRequested = false;
  readonly instructions = 0;

  constructor(
    readonly memory: PhysicalMemory,
    readonly mmu: Mmu,
  ) {}

  getRflags(): number {
    return this.rflags;
  }

  setRflags(value: number): void {
    this.rflags = value >>> 0;
  }

  getReg(index: number): bigint {
    return bigFromHalves(this.r[2 * index]!, this.r[2 * index + 1]!);
  }

  setReg(index: number, value: bigint): void {
    const v = BigInt.asUintN(64, value);
    this.r[2 * index] = Number(v & 0xffffffffn) | 0;
    this.r[2 * index + 1] = Number(v >> 32n) | 0;
  }

  run(): StopReason {
    return StopReason.Halt;
  }

  requestStop(): void {
    this.stopRequested = true;
  }

  saveFxState(into: Uint8Array): void {
    into.set(this.fx);
  }

  restoreFxState(from: Uint8Array): void {
    this.fx.set(from.subarray(0, 512));
  }
}

/** Long mode with paging, as runLinuxProgram sets it up. */
export function longModeMmu(memory: PhysicalMemory, tables: PageTables): Mmu {
  const mmu = new Mmu(memory);
  mmu.setCr4(CR4.PAE | CR4.PGE | CR4.OSFXSR | CR4.OSXMMEXCPT);
  mmu.setEfer(EFER.SCE | EFER.LME | EFER.LMA | EFER.NXE);
  mmu.setCr3(tables.root);
  mmu.setCr0((CR0.PE | CR0.WP | CR0.PG) >>> 0);
  return mmu;
}

/** Where tests put their buffers: an anonymous read-write area. */
export const SCRATCH = 0x10000000;
export const SCRATCH_SIZE = 1 << 20;
export const BRK_START = 0x600000;

export interface TestProcess {
  proc: LinuxProcess;
  cpu: FakeCpu;
  space: AddressSpace;
  memory: PhysicalMemory;
  mmu: Mmu;
}

/** A process with a scratch area and a stack, stdio on the given host descriptors. */
export function makeProcess(
  options: { stdio?: [number, number, number]; trace?: (line: string) => void } = {},
) {
  const memory = new PhysicalMemory({ bytes: 32 << 20 });
  const tables = new PageTables(memory, 0);
  const mmu = longModeMmu(memory, tables);
  const space = new AddressSpace(memory, mmu, tables, 0);
  const cpu = new FakeCpu(memory, mmu);
  space.map(SCRATCH, SCRATCH_SIZE, PROT.READ | PROT.WRITE, { kind: 'anon' });
  space.map(0x7ffffff00000, 0x100000, PROT.READ | PROT.WRITE, { kind: 'stack', name: '[stack]' });
  setRegNumber(cpu, Reg.RSP, 0x7fffffffe000);
  const fds = new FdTable();
  const [i, o, e] = options.stdio ?? [0, 1, 2];
  fds.install(new HostFile(i, O.RDONLY, false, true));
  fds.install(new HostFile(o, O.WRONLY, false, true));
  fds.install(new HostFile(e, O.WRONLY, false, true));
  const proc = new LinuxProcess({
    cpu,
    space,
    fds,
    identity: { pid: 4242, ppid: 1, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 },
    exePath: '/opt/guest/program',
    cwd: byteString(process.cwd()),
    brkStart: BRK_START,
    mmapBase: 0x7ffff7fff000,
    trace: options.trace,
  });
  return { proc, cpu, space, memory, mmu } satisfies TestProcess;
}

/** Make a system call as the `syscall` instruction would, and return rax as a signed number. */
export function syscall(t: TestProcess, nr: number, ...args: Array<number | bigint>): number {
  const regs = [Reg.RDI, Reg.RSI, Reg.RDX, Reg.R10, Reg.R8, Reg.R9];
  t.cpu.setReg(Reg.RAX, BigInt(nr));
  args.forEach((v, i) => {
    t.cpu.setReg(regs[i]!, BigInt(v));
  });
  t.proc.onSyscall();
  return Number(BigInt.asIntN(64, t.cpu.getReg(Reg.RAX)));
}

/** Write a NUL-terminated string into guest memory. */
export function putString(t: TestProcess, address: number, s: string): number {
  t.proc.mem.write(address, Buffer.from(`${s}\0`, 'utf8'));
  return address;
}

/** Compile a C program with gcc (or musl-gcc); returns the executable's path. */
export function compileC(
  name: string,
  source: string,
  options: { compiler?: string; flags?: string[]; dir?: string } = {},
): string {
  const compiler = options.compiler ?? 'gcc';
  requireTool(compiler);
  const dir = options.dir ?? tempDir('x86-run-');
  const src = join(dir, `${name}.c`);
  const out = join(dir, name);
  writeFileSync(src, source);
  run(compiler, [...(options.flags ?? ['-static', '-O2']), '-o', out, src]);
  return out;
}
