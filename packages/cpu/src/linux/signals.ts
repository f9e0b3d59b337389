/**
 * Signals: how the kernel turns CPU exceptions into signals
 * (arch/x86/kernel/traps.c, arch/x86/mm/fault.c), queues and delivers them
 * (kernel/signal.c), builds the rt_sigframe on the guest stack and takes it
 * down again in rt_sigreturn (arch/x86/kernel/signal.c, signal_64.c,
 * fpu/signal.c). A signal without a handler takes its default action; a
 * fatal one ends the run with 128 + the signal number.
 */
import { AccessKind, PFEC } from '@x/mmu';
import { type GuestCpu, Reg, Vector } from '../machine-interface.js';
import { TASK_SIZE } from './address-space.js';
import { ERRNO } from './errno.js';
import { GuestFault } from './errors.js';
import { hex64, regNumber, setRegNumber } from './registers.js';
import {
  FRAME,
  FXSAVE,
  initialFxState,
  readSigcontext,
  SIGINFO,
  STACK_T,
  UC,
  UCONTEXT,
  writeFxSwBytes,
  writeSigcontext,
} from './sigframe.js';
import { defaultAction, NSIG, SIG, SIGRTMIN, sigmaskBit, signalName, UNBLOCKABLE } from './signal-numbers.js';

export const SIG_DFL = 0;
export const SIG_IGN = 1;

/** sa_flags bits (x86-64). */
export const SA = {
  NOCLDSTOP: 0x1,
  NOCLDWAIT: 0x2,
  SIGINFO: 0x4,
  RESTORER: 0x04000000,
  ONSTACK: 0x08000000,
  RESTART: 0x10000000,
  NODEFER: 0x40000000,
  RESETHAND: 0x80000000,
} as const;

/** sigaltstack ss_flags. */
export const SS = { ONSTACK: 1, DISABLE: 2, AUTODISARM: 0x80000000 } as const;
/** The smallest alternate stack sigaltstack accepts. */
export const MINSIGSTKSZ = 2048;

/** si_code values. */
export const SI = { USER: 0, KERNEL: 0x80, QUEUE: -1, TKILL: -6 } as const;
export const SEGV = { MAPERR: 1, ACCERR: 2, PKUERR: 4 } as const;
export const FPE = {
  INTDIV: 1,
  INTOVF: 2,
  FLTDIV: 3,
  FLTOVF: 4,
  FLTUND: 5,
  FLTRES: 6,
  FLTINV: 7,
  FLTSUB: 8,
} as const;
export const ILL_ILLOPN = 2;
export const BUS_ADRALN = 1;
export const BUS_ADRERR = 2;
export const TRAP = { BRKPT: 1, TRACE: 2 } as const;

const EFLAGS_TF = 0x100;
const EFLAGS_DF = 0x400;
const EFLAGS_RF = 0x10000;
/** The x86-64 ABI's red zone below rsp, which a signal frame must not touch. */
const RED_ZONE = 128;

export interface SigAction {
  /** SIG_DFL, SIG_IGN or the handler's address. */
  handler: number;
  flags: number;
  restorer: number;
  mask: bigint;
}

/** A signal on its way: the siginfo fields and the context the frame and the final message need. */
export interface SignalInfo {
  signo: number;
  code: number;
  /** _sigfault._addr */
  addr?: number;
  /** _kill._pid and _uid */
  pid?: number;
  uid?: number;
  pkey?: number;
  /** What sigcontext's trapno, err and cr2 say (the thread's trap state). */
  trapno?: number;
  err?: number;
  cr2?: number;
  /** How to describe it if it kills the process: `#PF error 0x6 at 0x0; rip 0x401000`. */
  detail: string;
}

/** The signal half of a process: dispositions, mask, pending queue, alternate stack. */
export class SignalState {
  readonly actions: SigAction[] = Array.from({ length: NSIG + 1 }, () => ({
    handler: SIG_DFL,
    flags: 0,
    restorer: 0,
    mask: 0n,
  }));
  blocked = 0n;
  readonly pending: SignalInfo[] = [];
  altstack = { sp: 0, size: 0, flags: SS.DISABLE as number };

  pendingMask(): bigint {
    let mask = 0n;
    for (const s of this.pending) mask |= sigmaskBit(s.signo);
    return mask;
  }

  /** on_sig_stack: is `sp` on the alternate stack (which grows down from sp + size)? */
  onAltStack(sp: number): boolean {
    if (this.altstack.flags & SS.AUTODISARM) return false;
    return sp > this.altstack.sp && sp - this.altstack.sp <= this.altstack.size;
  }

  /** sas_ss_flags. */
  altStackFlags(sp: number): number {
    if (!this.altstack.size) return SS.DISABLE;
    return this.onAltStack(sp) ? SS.ONSTACK : 0;
  }
}

/** What the signal code needs of the process. */
export interface SignalTarget {
  readonly cpu: GuestCpu;
  readonly signals: SignalState;
  readonly pid: number;
  readonly uid: number;
  readonly exited: boolean;
  writeUser(address: number, bytes: Uint8Array): void;
  readUser(address: number, length: number): Uint8Array;
  /** Classify a user fault address: is there an area at all? */
  hasArea(address: number): boolean;
  /** Resolve a not-present fault by demand paging: 'mapped', 'maperr', 'accerr', 'bus' (past a shared file's end) or 'oom'. */
  demandPage(address: number, kind: number): 'mapped' | 'maperr' | 'accerr' | 'bus' | 'oom';
  /** Look at code bytes for a message (never faults). */
  peekCode(address: number, length: number): Uint8Array | undefined;
  killed(signal: number, detail: string): void;
  /** A signal leaves the queue to be handled or to kill (what strace shows as `--- SIGSEGV {…} ---`). */
  dequeued?(info: SignalInfo): void;
}

const hex = hex64;

/** Synchronous signals are dequeued first (SYNCHRONOUS_MASK in kernel/signal.c). */
const SYNCHRONOUS = [SIG.SIGSEGV, SIG.SIGBUS, SIG.SIGILL, SIG.SIGTRAP, SIG.SIGFPE, SIG.SIGSYS];

function ignored(state: SignalState, signo: number): boolean {
  const h = state.actions[signo]!.handler;
  return h === SIG_IGN || (h === SIG_DFL && defaultAction(signo) === 'ignore');
}

/** Queue a signal (kill, tgkill, SIGPIPE). A standard signal already pending is not queued twice. */
export function sendSignal(t: SignalTarget, info: SignalInfo): void {
  const s = t.signals;
  if (info.signo !== SIG.SIGKILL && ignored(s, info.signo) && (s.blocked & sigmaskBit(info.signo)) === 0n)
    return;
  if (info.signo < SIGRTMIN && s.pending.some((p) => p.signo === info.signo)) return;
  s.pending.push(info);
}

/**
 * force_sig_info: a synchronous fault cannot be blocked or ignored; if it
 * is, the disposition goes back to the default, which kills.
 */
export function forceSignal(t: SignalTarget, info: SignalInfo): void {
  const s = t.signals;
  const bit = sigmaskBit(info.signo);
  const blocked = (s.blocked & bit) !== 0n;
  if (blocked || s.actions[info.signo]!.handler === SIG_IGN) {
    s.actions[info.signo]!.handler = SIG_DFL;
    s.blocked &= ~bit;
  }
  s.pending.push(info);
}

function dequeue(s: SignalState): SignalInfo | undefined {
  const deliverable = (p: SignalInfo) => (s.blocked & sigmaskBit(p.signo)) === 0n;
  let pick = -1;
  for (let i = 0; i < s.pending.length; i++) {
    const p = s.pending[i]!;
    if (!deliverable(p)) continue;
    const sync = SYNCHRONOUS.includes(p.signo as (typeof SYNCHRONOUS)[number]);
    if (pick < 0) {
      pick = i;
      continue;
    }
    const best = s.pending[pick]!;
    const bestSync = SYNCHRONOUS.includes(best.signo as (typeof SYNCHRONOUS)[number]);
    if ((sync && !bestSync) || (sync === bestSync && p.signo < best.signo)) pick = i;
  }
  return pick < 0 ? undefined : s.pending.splice(pick, 1)[0];
}

/** Deliver what is pending and not blocked (the kernel does so on every return to user mode). */
export function deliverPending(t: SignalTarget): void {
  const s = t.signals;
  for (let guard = 0; guard <= NSIG && !t.exited; guard++) {
    const info = dequeue(s);
    if (!info) return;
    const action = s.actions[info.signo]!;
    if (info.signo === SIG.SIGKILL || action.handler === SIG_DFL) {
      const what = defaultAction(info.signo);
      // A stop signal would stop us for good: nobody can send SIGCONT to a lone process.
      if (what === 'ignore' || what === 'continue' || what === 'stop') continue;
      t.dequeued?.(info);
      t.killed(info.signo, info.detail);
      return;
    }
    if (action.handler === SIG_IGN) continue;
    t.dequeued?.(info);
    const handler = { ...action };
    if (action.flags & SA.RESETHAND) action.handler = SIG_DFL;
    if (!setupFrame(t, info, handler)) {
      // force_sigsegv: a frame that cannot be written kills with SIGSEGV.
      if (info.signo === SIG.SIGSEGV) s.actions[SIG.SIGSEGV]!.handler = SIG_DFL;
      forceSignal(t, {
        signo: SIG.SIGSEGV,
        code: SI.KERNEL,
        detail: `cannot build the ${signalName(info.signo)} frame`,
      });
      continue;
    }
    let mask = s.blocked | handler.mask;
    if (!(handler.flags & SA.NODEFER)) mask |= sigmaskBit(info.signo);
    s.blocked = mask & ~UNBLOCKABLE;
  }
}

/** Build the rt_sigframe and enter the handler (get_sigframe, x64_setup_rt_frame). False if the frame cannot be written. */
function setupFrame(t: SignalTarget, info: SignalInfo, action: SigAction): boolean {
  const { cpu, signals: s } = t;
  if (!(action.flags & SA.RESTORER)) return false; // x86-64 has no vDSO trampoline to fall back on here
  const originalSp = regNumber(cpu, Reg.RSP);
  const nested = s.onAltStack(originalSp);
  let sp = originalSp - RED_ZONE;
  let entering = false;
  if (action.flags & SA.ONSTACK && s.altStackFlags(sp) === 0) {
    sp = s.altstack.sp + s.altstack.size;
    entering = true;
  }
  const fpstate = Math.floor((sp - FXSAVE.size) / FXSAVE.align) * FXSAVE.align;
  sp = Math.floor((fpstate - FRAME.size) / 16) * 16 - 8;
  if ((nested || entering) && !(sp > s.altstack.sp && sp - s.altstack.sp <= s.altstack.size)) return false;

  const fx = new Uint8Array(FXSAVE.size);
  cpu.saveFxState(fx);
  writeFxSwBytes(fx);

  const frame = new Uint8Array(FRAME.size);
  const view = new DataView(frame.buffer);
  const uc = FRAME.uc;
  view.setBigUint64(FRAME.pretcode, BigInt(action.restorer), true);
  view.setBigUint64(uc + UCONTEXT.flags, BigInt(UC.SIGCONTEXT_SS | UC.STRICT_RESTORE_SS), true);
  view.setBigUint64(uc + UCONTEXT.stack + STACK_T.sp, BigInt(s.altstack.sp), true);
  view.setUint32(uc + UCONTEXT.stack + STACK_T.flags, s.altstack.flags >>> 0, true);
  view.setBigUint64(uc + UCONTEXT.stack + STACK_T.size, BigInt(s.altstack.size), true);
  writeSigcontext(view, uc + UCONTEXT.mcontext, cpu, {
    err: info.err ?? 0,
    trapno: info.trapno ?? 0,
    oldmask: s.blocked,
    cr2: info.cr2 ?? 0,
    fpstate,
  });
  view.setBigUint64(uc + UCONTEXT.sigmask, s.blocked, true);
  writeSiginfo(view, FRAME.info, info);
  try {
    t.writeUser(fpstate, fx);
    t.writeUser(sp, frame);
  } catch (e) {
    if (e instanceof GuestFault) return false;
    throw e;
  }
  if (s.altstack.flags & SS.AUTODISARM) s.altstack = { sp: 0, size: 0, flags: SS.DISABLE };

  setRegNumber(cpu, Reg.RDI, info.signo);
  setRegNumber(cpu, Reg.RSI, sp + FRAME.info);
  setRegNumber(cpu, Reg.RDX, sp + FRAME.uc);
  setRegNumber(cpu, Reg.RAX, 0);
  setRegNumber(cpu, Reg.RSP, sp);
  cpu.rip = action.handler;
  cpu.setRflags((cpu.getRflags() & ~(EFLAGS_DF | EFLAGS_RF | EFLAGS_TF)) >>> 0);
  // fpu__clear_user_states: the handler starts with a fresh FPU.
  cpu.restoreFxState(initialFxState());
  return true;
}

export function writeSiginfo(view: DataView, at: number, info: SignalInfo): void {
  view.setInt32(at + SIGINFO.signo, info.signo, true);
  view.setInt32(at + SIGINFO.errno, 0, true);
  view.setInt32(at + SIGINFO.code, info.code, true);
  if (info.pid !== undefined) {
    view.setInt32(at + SIGINFO.pid, info.pid, true);
    view.setUint32(at + SIGINFO.uid, info.uid ?? 0, true);
  } else if (info.addr !== undefined) {
    view.setBigUint64(at + SIGINFO.addr, BigInt.asUintN(64, BigInt(info.addr)), true);
    if (info.pkey !== undefined) view.setUint32(at + SIGINFO.pkey, info.pkey, true);
  }
}

/**
 * rt_sigreturn: the frame sits 8 bytes below rsp (the handler's `ret`
 * popped pretcode). Restores the mask, every register, the FPU and the
 * alternate stack; a frame that cannot be read gives SIGSEGV.
 */
export function sigreturn(t: SignalTarget): void {
  const { cpu, signals: s } = t;
  const frameAt = regNumber(cpu, Reg.RSP) - 8;
  try {
    const frame = t.readUser(frameAt, FRAME.size);
    const view = new DataView(frame.buffer);
    const uc = FRAME.uc;
    s.blocked = view.getBigUint64(uc + UCONTEXT.sigmask, true) & ~UNBLOCKABLE;
    const fpstate = readSigcontext(view, uc + UCONTEXT.mcontext, cpu);
    if (fpstate === 0) {
      cpu.restoreFxState(initialFxState());
    } else {
      const fx = t.readUser(fpstate, FXSAVE.size);
      const mxcsr = new DataView(fx.buffer).getUint32(FXSAVE.mxcsr, true);
      if (mxcsr & 0xffff0000) throw new GuestFault(fpstate); // fxrstor would #GP on reserved MXCSR bits
      cpu.restoreFxState(fx);
    }
    // restore_altstack: errors other than EFAULT are ignored.
    const ssSp = Number(view.getBigInt64(uc + UCONTEXT.stack + STACK_T.sp, true));
    const ssFlags = view.getUint32(uc + UCONTEXT.stack + STACK_T.flags, true);
    const ssSize = Number(view.getBigUint64(uc + UCONTEXT.stack + STACK_T.size, true));
    setAltStack(s, regNumber(cpu, Reg.RSP), { sp: ssSp, flags: ssFlags, size: ssSize });
  } catch (e) {
    if (!(e instanceof GuestFault)) throw e;
    forceSignal(t, {
      signo: SIG.SIGSEGV,
      code: SI.KERNEL,
      detail: `bad rt_sigreturn frame at ${hex(frameAt)}`,
    });
  }
}

/** do_sigaltstack's "set" half; returns 0 or a negative errno. */
export function setAltStack(
  s: SignalState,
  sp: number,
  ss: { sp: number; flags: number; size: number },
): number {
  if (s.onAltStack(sp)) return -ERRNO.EPERM;
  const mode = ss.flags & ~SS.AUTODISARM;
  if (mode !== SS.DISABLE && mode !== SS.ONSTACK && mode !== 0) return -ERRNO.EINVAL;
  if (mode === SS.DISABLE) {
    s.altstack = { sp: 0, size: 0, flags: ss.flags >>> 0 };
    return 0;
  }
  if (ss.size < MINSIGSTKSZ) return -ERRNO.ENOMEM;
  s.altstack = { sp: ss.sp, size: ss.size, flags: ss.flags >>> 0 };
  return 0;
}

/** The si_code of a SIMD floating-point exception (fpu__exception_code): the unmasked flag that is set. */
function fpeCode(flags: number, masks: number): number {
  const err = flags & ~masks;
  if (err & 0x001) return FPE.FLTINV;
  if (err & 0x004) return FPE.FLTDIV;
  if (err & 0x008) return FPE.FLTOVF;
  if (err & 0x012) return FPE.FLTUND;
  if (err & 0x020) return FPE.FLTRES;
  return 0;
}

interface TrapRule {
  signo: number;
  code: number;
  /** si_addr: the instruction's address, or none. */
  addr: 'rip' | 'none';
  name: string;
}

/** Exceptions other than #PF, #MF and #XM, as traps.c maps them for user mode. */
const TRAPS: Record<number, TrapRule> = {
  [Vector.DE]: { signo: SIG.SIGFPE, code: FPE.INTDIV, addr: 'rip', name: '#DE' },
  [Vector.DB]: { signo: SIG.SIGTRAP, code: TRAP.TRACE, addr: 'rip', name: '#DB' },
  [Vector.BP]: { signo: SIG.SIGTRAP, code: SI.KERNEL, addr: 'none', name: '#BP' },
  [Vector.OF]: { signo: SIG.SIGSEGV, code: SI.KERNEL, addr: 'none', name: '#OF' },
  [Vector.BR]: { signo: SIG.SIGSEGV, code: SI.KERNEL, addr: 'none', name: '#BR' },
  [Vector.UD]: { signo: SIG.SIGILL, code: ILL_ILLOPN, addr: 'rip', name: '#UD' },
  [Vector.NM]: { signo: SIG.SIGSEGV, code: SI.KERNEL, addr: 'none', name: '#NM' },
  [Vector.TS]: { signo: SIG.SIGSEGV, code: SI.KERNEL, addr: 'none', name: '#TS' },
  [Vector.NP]: { signo: SIG.SIGBUS, code: SI.KERNEL, addr: 'none', name: '#NP' },
  [Vector.SS]: { signo: SIG.SIGBUS, code: SI.KERNEL, addr: 'none', name: '#SS' },
  [Vector.GP]: { signo: SIG.SIGSEGV, code: SI.KERNEL, addr: 'none', name: '#GP' },
  [Vector.AC]: { signo: SIG.SIGBUS, code: BUS_ADRALN, addr: 'none', name: '#AC' },
};

/** Fault-class exceptions: the processor saves RFLAGS with RF set (SDM vol. 3, 17.3.1.1), and Linux's frame shows it. */
const FAULTS = new Set<number>([
  Vector.DE,
  Vector.BR,
  Vector.UD,
  Vector.NM,
  Vector.TS,
  Vector.NP,
  Vector.SS,
  Vector.GP,
  Vector.PF,
  Vector.MF,
  Vector.AC,
  Vector.XM,
]);

function markFault(cpu: GuestCpu): void {
  cpu.setRflags((cpu.getRflags() | EFLAGS_RF) >>> 0);
}

/** Vectors whose hardware exceptions push an error code: without one, they came from `int n`. */
const WITH_ERROR_CODE = new Set<number>([8, 10, 11, 12, 13, 14, 17, 21]);

/**
 * Whether the hook was called for a software interrupt rather than an
 * exception: int n, int3 (0xcc) or icebp (0xf1). The engine reports both
 * alike, with rip after the instruction for the former, so the bytes before
 * rip tell them apart.
 */
function softwareInterrupt(
  t: SignalTarget,
  vector: number,
  errorCode: number | undefined,
): 'int' | 'int3' | 'icebp' | undefined {
  if (errorCode !== undefined) return undefined;
  if (vector >= 32 || WITH_ERROR_CODE.has(vector)) return 'int';
  const rip = t.cpu.rip;
  const before = rip >= 2 ? t.peekCode(rip - 2, 2) : undefined;
  if (!before || before.length < 2) return undefined;
  if (vector === Vector.BP && before[1] === 0xcc) return 'int3';
  if (vector === Vector.DB && before[1] === 0xf1) return 'icebp';
  if (before[0] === 0xcd && before[1] === vector) return 'int';
  return undefined;
}

/**
 * The exception hook: a #PF in an area that allows the access is demand
 * paging (map the page, retry); anything else becomes the signal Linux
 * would send, delivered at once. Always returns true: the guest never sees
 * the IDT.
 */
export function handleException(
  t: SignalTarget,
  vector: number,
  errorCode: number | undefined,
  address: number,
): boolean {
  const rip = t.cpu.rip;
  const err = errorCode ?? 0;
  let info: SignalInfo;
  if (vector === Vector.PF) {
    const kind = err & PFEC.I ? AccessKind.Execute : err & PFEC.W ? AccessKind.Write : AccessKind.Read;
    let code: number = t.hasArea(address) ? SEGV.ACCERR : SEGV.MAPERR;
    if ((err & (PFEC.P | PFEC.RSVD)) === 0) {
      const r = t.demandPage(address, kind);
      if (r === 'mapped') return true;
      if (r === 'oom') {
        t.killed(SIG.SIGKILL, `out of guest memory at ${hex(address)}; rip ${hex(rip)}`);
        return true;
      }
      if (r === 'bus') {
        markFault(t.cpu);
        forceSignal(t, {
          signo: SIG.SIGBUS,
          code: BUS_ADRERR,
          addr: address,
          trapno: Vector.PF,
          err,
          cr2: address,
          detail: `#PF error ${hex(err)} at ${hex(address)} past the end of a shared file; rip ${hex(rip)}`,
        });
        deliverPending(t);
        return true;
      }
      code = r === 'accerr' ? SEGV.ACCERR : SEGV.MAPERR;
    }
    markFault(t.cpu);
    if (err & PFEC.PK) code = SEGV.PKUERR;
    // sanitize_error_code: user accesses to kernel addresses always look like protection faults.
    const reported = address < 0 || address >= TASK_SIZE ? err | PFEC.P : err;
    info = {
      signo: SIG.SIGSEGV,
      code,
      addr: address,
      trapno: Vector.PF,
      err: reported,
      cr2: address,
      detail: `#PF error ${hex(reported)} at ${hex(address)}; rip ${hex(rip)}`,
    };
  } else if (vector === Vector.MF || vector === Vector.XM) {
    const fx = new Uint8Array(FXSAVE.size);
    t.cpu.saveFxState(fx);
    const v = new DataView(fx.buffer);
    const code =
      vector === Vector.XM
        ? fpeCode(t.cpu.mxcsr & 0x3f, (t.cpu.mxcsr >> 7) & 0x3f)
        : fpeCode(v.getUint16(FXSAVE.fsw, true), v.getUint16(FXSAVE.fcw, true));
    const name = vector === Vector.XM ? '#XM' : '#MF';
    markFault(t.cpu);
    info = { signo: SIG.SIGFPE, code, addr: rip, trapno: vector, err: 0, detail: `${name}; rip ${hex(rip)}` };
  } else {
    const software = softwareInterrupt(t, vector, errorCode);
    // `int n` through a gate user mode may not use (Linux opens only 3 and 4 to it) is a #GP.
    const refused = software === 'int' && vector !== Vector.BP && vector !== Vector.OF;
    let rule = TRAPS[vector];
    let trapno = vector;
    let e = err;
    let at = rip;
    if (refused) {
      // The #GP carries the IDT error code and points at the int instruction.
      rule = TRAPS[Vector.GP]!;
      trapno = Vector.GP;
      e = vector * 8 + 2;
      at = rip - 2;
      t.cpu.rip = at;
    } else if (!rule) {
      rule = TRAPS[Vector.GP]!;
    }
    let code = rule.code;
    // A #DB after a single step (TF) is TRAP_TRACE; icebp and breakpoints are TRAP_BRKPT (DR6 decides in Linux).
    if (vector === Vector.DB && !refused) code = t.cpu.getRflags() & EFLAGS_TF ? TRAP.TRACE : TRAP.BRKPT;
    if (FAULTS.has(trapno)) markFault(t.cpu);
    let detail = `${rule.name}${errorCode !== undefined || refused ? ` error ${hex(e)}` : ''}; rip ${hex(at)}`;
    if (vector === Vector.UD) {
      const bytes = t.peekCode(rip, 8);
      if (bytes) detail += `: ${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`;
    }
    if (software === 'int') detail = `int ${hex(vector)}: ${detail}`;
    info = { signo: rule.signo, code, trapno, err: e, detail };
    if (rule.addr === 'rip') info.addr = at;
    else if (code !== SI.KERNEL) info.addr = 0;
  }
  forceSignal(t, info);
  deliverPending(t);
  return true;
}
