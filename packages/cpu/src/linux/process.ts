/**
 * One guest Linux process (a single thread): its address space, file
 * descriptors, signal state, credentials and limits, and the two hooks the
 * engine calls, `syscall` and `exception`. The system-call table dispatches
 * to the handlers in syscalls/; signals.ts does the rest of the exception
 * work.
 */
import { channel } from 'node:diagnostics_channel';
import { PAGE_SIZE } from '@x/mmu';
import { type GuestCpu, Reg } from '../machine-interface.js';
import { type AddressSpace, FaultResult } from './address-space.js';
import { ERRNO } from './errno.js';
import { GuestFault } from './errors.js';
import { hex64, SyscallArgs, setRegNumber } from './registers.js';
import { defaultAction, SIG, signalName } from './signal-numbers.js';
import {
  deliverPending,
  handleException,
  type SignalInfo,
  SignalState,
  type SignalTarget,
  sendSignal,
} from './signals.js';
import type { FdTable } from './syscalls/fd-table.js';
import { syscallName } from './syscalls/numbers.js';
import { WouldBlockForever } from './syscalls/open-file.js';
import { SYSCALL_TABLE } from './syscalls/table.js';
import { completeArgs, formatArgs, formatResult, formatSignal } from './trace.js';
import { UserMemory } from './user-memory.js';

export type ProcessExit =
  | { kind: 'exit'; code: number }
  | { kind: 'signal'; signal: number; name: string; detail: string; core: boolean };

export interface ProcessIdentity {
  pid: number;
  ppid: number;
  uid: number;
  gid: number;
}

/** Counters for --stats. */
export interface SyscallStats {
  total: number;
  /** Calls x86-run does not implement (answered ENOSYS), by name. */
  unknown: Map<string, number>;
}

export interface ProcessSetup {
  cpu: GuestCpu;
  space: AddressSpace;
  fds: FdTable;
  identity: ProcessIdentity;
  /** The program's real path (for /proc/self/exe), as a byte string. */
  exePath: string;
  /** Current directory, as a byte string. */
  cwd: string;
  brkStart: number;
  /** Where top-down mmap allocation starts (mmap_base). */
  mmapBase: number;
  trace?: ((line: string) => void) | undefined;
}

/**
 * Every system call is published here as { pid, number, name, result } once
 * it returns: free when nobody subscribes (the DTrace-probe convention of
 * the workspace), and what a debugger or profiler would attach to.
 */
export const syscallChannel = channel('x86-run:syscall');

/** RLIMIT_* resource numbers. */
export const RLIMIT = {
  CPU: 0,
  FSIZE: 1,
  DATA: 2,
  STACK: 3,
  CORE: 4,
  NOFILE: 7,
  AS: 9,
  NLIMITS: 16,
} as const;
export const RLIM_INFINITY = 0xffffffffffffffffn;

export class LinuxProcess implements SignalTarget {
  readonly cpu: GuestCpu;
  readonly space: AddressSpace;
  readonly mem: UserMemory;
  readonly fds: FdTable;
  readonly signals = new SignalState();
  readonly args: SyscallArgs;
  readonly pid: number;
  readonly ppid: number;
  readonly uid: number;
  readonly gid: number;
  readonly exePath: string;
  cwd: string;
  umask = 0o022;
  readonly brkStart: number;
  brk: number;
  readonly mmapBase: number;
  /** The thread name (prctl PR_SET_NAME), 15 bytes at most. */
  comm: string;
  /** set_tid_address and set_robust_list values (nothing reads them in a single thread). */
  clearChildTid = 0;
  robustList = 0;
  readonly rlimits = new Map<number, { cur: bigint; max: bigint }>();
  exit: ProcessExit | null = null;
  readonly stats: SyscallStats = { total: 0, unknown: new Map() };
  trace: ((line: string) => void) | undefined;

  constructor(setup: ProcessSetup) {
    this.cpu = setup.cpu;
    this.space = setup.space;
    this.mem = new UserMemory(setup.space);
    this.fds = setup.fds;
    this.args = new SyscallArgs(setup.cpu);
    this.pid = setup.identity.pid;
    this.ppid = setup.identity.ppid;
    this.uid = setup.identity.uid;
    this.gid = setup.identity.gid;
    this.exePath = setup.exePath;
    this.cwd = setup.cwd;
    this.brkStart = setup.brkStart;
    this.brk = setup.brkStart;
    this.mmapBase = setup.mmapBase;
    this.trace = setup.trace;
    this.comm = (setup.exePath.split('/').pop() ?? '').slice(0, 15);
    for (let r = 0; r < RLIMIT.NLIMITS; r++) this.rlimits.set(r, { cur: RLIM_INFINITY, max: RLIM_INFINITY });
    this.rlimits.set(RLIMIT.STACK, { cur: 8n << 20n, max: RLIM_INFINITY });
    this.rlimits.set(RLIMIT.CORE, { cur: 0n, max: RLIM_INFINITY });
    this.rlimits.set(RLIMIT.NOFILE, { cur: BigInt(setup.fds.limit), max: 4096n });
    this.rlimits.set(5 /* RSS */, { cur: RLIM_INFINITY, max: RLIM_INFINITY });
    this.rlimits.set(8 /* MEMLOCK */, { cur: 8n << 20n, max: 8n << 20n });
  }

  get exited(): boolean {
    return this.exit !== null;
  }

  /** End the process: the engine stops before the next instruction. */
  terminate(exit: ProcessExit): void {
    if (this.exit) return;
    this.exit = exit;
    this.cpu.requestStop();
    this.trace?.(
      exit.kind === 'exit'
        ? `+++ exited with ${exit.code} +++`
        : `+++ killed by ${exit.name}${exit.core ? ' (core dumped)' : ''} +++`,
    );
  }

  dequeued(info: SignalInfo): void {
    this.trace?.(formatSignal(info));
  }

  /** A signal from the process to itself (kill, tgkill, raise, SIGPIPE). */
  raise(signo: number, code: number, how: string): void {
    const info: SignalInfo = {
      signo,
      code,
      pid: this.pid,
      uid: this.uid,
      detail: `${how}; rip ${hex64(this.cpu.rip)}`,
    };
    sendSignal(this, info);
  }

  /** The `syscall` hook: dispatch, set rax (and rcx/r11 as the instruction does), then deliver signals. */
  onSyscall(): boolean {
    const cpu = this.cpu;
    const nr = this.args.number;
    const spec = nr >= 0 ? SYSCALL_TABLE[nr] : undefined;
    this.stats.total++;
    const tracing = this.trace !== undefined;
    const shown = tracing && spec?.args ? formatArgs(spec.args, this.args, this.mem) : [];
    const name = spec?.name ?? syscallName(nr);
    if (tracing && (name === 'exit' || name === 'exit_group'))
      this.trace!(`${name}(${shown.join(', ')}) = ?`);
    let result: number | undefined;
    if (!spec) {
      result = -ERRNO.ENOSYS;
      this.stats.unknown.set(name, (this.stats.unknown.get(name) ?? 0) + 1);
    } else {
      result = this.call(spec.handler);
    }
    if (result !== undefined) {
      setRegNumber(cpu, Reg.RAX, result);
      setRegNumber(cpu, Reg.RCX, cpu.rip);
      setRegNumber(cpu, Reg.R11, cpu.getRflags() >>> 0);
    }
    if (syscallChannel.hasSubscribers) syscallChannel.publish({ pid: this.pid, number: nr, name, result });
    if (tracing && name !== 'exit' && name !== 'exit_group') {
      if (spec?.args) completeArgs(shown, spec.args, this.args, this.mem, result ?? 0);
      const suffix = spec ? '' : ' (not implemented)';
      this.trace!(
        `${name}(${shown.join(', ')}) = ${formatResult(result, spec?.hexResult ?? false)}${suffix}`,
      );
    }
    deliverPending(this);
    return true;
  }

  /** The `exception` hook. */
  onException(vector: number, errorCode: number | undefined, address: number): boolean {
    return handleException(this, vector, errorCode, address);
  }

  private call(handler: (p: LinuxProcess, a: SyscallArgs) => number | undefined): number | undefined {
    try {
      return handler(this, this.args);
    } catch (e) {
      if (e instanceof GuestFault) return -ERRNO.EFAULT;
      if (e instanceof WouldBlockForever) {
        this.killed(SIG.SIGKILL, `deadlock: ${e.message}; rip ${hex64(this.cpu.rip)}`);
        return undefined;
      }
      throw e;
    }
  }

  // SignalTarget

  writeUser(address: number, bytes: Uint8Array): void {
    this.mem.write(address, bytes);
  }

  readUser(address: number, length: number): Uint8Array {
    return this.mem.read(address, length);
  }

  hasArea(address: number): boolean {
    return address >= 0 && this.space.vmas.find(address) !== undefined;
  }

  demandPage(address: number, kind: number): 'mapped' | 'maperr' | 'accerr' | 'bus' | 'oom' {
    switch (this.space.fault(address, kind)) {
      case FaultResult.Mapped:
        return 'mapped';
      case FaultResult.AccErr:
        return 'accerr';
      case FaultResult.BusErr:
        return 'bus';
      case FaultResult.OutOfMemory:
        return 'oom';
      default:
        return 'maperr';
    }
  }

  peekCode(address: number, length: number): Uint8Array | undefined {
    try {
      const inPage = Math.min(length, PAGE_SIZE - (address % PAGE_SIZE));
      return this.space.peek(address, inPage);
    } catch {
      return undefined;
    }
  }

  killed(signal: number, detail: string): void {
    const core = defaultAction(signal) === 'core';
    this.terminate({ kind: 'signal', signal, name: signalName(signal), detail, core });
  }
}
