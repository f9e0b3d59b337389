/**
 * Signal system calls: rt_sigaction, rt_sigprocmask, rt_sigpending,
 * sigaltstack, rt_sigreturn, and kill/tgkill/tkill, which can only reach
 * the process itself (the host's other processes are out of bounds).
 */
import { Reg } from '../../machine-interface.js';
import { ERRNO } from '../errno.js';
import type { LinuxProcess } from '../process.js';
import { regNumber, type SyscallArgs } from '../registers.js';
import { defaultAction, NSIG, SIG, UNBLOCKABLE } from '../signal-numbers.js';
import { SI, SIG_DFL, SIG_IGN, setAltStack, sigreturn } from '../signals.js';
import type { SyscallRow } from './types.js';

/** The kernel's sigset_t is 64 bits on x86-64. */
const SIGSET_SIZE = 8;
/** struct sigaction as the kernel takes it: handler, flags, restorer, mask. */
const SIGACTION_SIZE = 32;

function rtSigaction(p: LinuxProcess, a: SyscallArgs): number {
  const signo = a.int(0);
  const act = a.ptr(1);
  const oldact = a.ptr(2);
  if (a.ulong(3) !== SIGSET_SIZE) return -ERRNO.EINVAL;
  if (signo < 1 || signo > NSIG) return -ERRNO.EINVAL;
  if (act !== 0 && (signo === SIG.SIGKILL || signo === SIG.SIGSTOP)) return -ERRNO.EINVAL;
  const current = p.signals.actions[signo]!;
  let next: typeof current | undefined;
  if (act !== 0) {
    const v = new DataView(p.mem.read(act, SIGACTION_SIZE).buffer);
    next = {
      handler: Number(v.getBigInt64(0, true)),
      flags: Number(v.getBigUint64(8, true) & 0xffffffffn),
      restorer: Number(v.getBigInt64(16, true)),
      mask: v.getBigUint64(24, true) & ~UNBLOCKABLE,
    };
  }
  if (oldact !== 0) {
    const out = new Uint8Array(SIGACTION_SIZE);
    const v = new DataView(out.buffer);
    v.setBigInt64(0, BigInt(current.handler), true);
    v.setBigUint64(8, BigInt(current.flags >>> 0), true);
    v.setBigInt64(16, BigInt(current.restorer), true);
    v.setBigUint64(24, current.mask, true);
    p.mem.write(oldact, out);
  }
  if (next) {
    p.signals.actions[signo] = next;
    // POSIX: setting a signal to be ignored discards it if pending.
    const nowIgnored =
      next.handler === SIG_IGN || (next.handler === SIG_DFL && defaultAction(signo) === 'ignore');
    if (nowIgnored) {
      const pending = p.signals.pending;
      for (let i = pending.length - 1; i >= 0; i--) if (pending[i]!.signo === signo) pending.splice(i, 1);
    }
  }
  return 0;
}

const SIG_HOW = { BLOCK: 0, UNBLOCK: 1, SETMASK: 2 } as const;

function rtSigprocmask(p: LinuxProcess, a: SyscallArgs): number {
  const how = a.int(0);
  const set = a.ptr(1);
  const oldset = a.ptr(2);
  if (a.ulong(3) !== SIGSET_SIZE) return -ERRNO.EINVAL;
  const old = p.signals.blocked;
  let next = old;
  if (set !== 0) {
    const mask = p.mem.readU64(set);
    if (how === SIG_HOW.BLOCK) next = old | mask;
    else if (how === SIG_HOW.UNBLOCK) next = old & ~mask;
    else if (how === SIG_HOW.SETMASK) next = mask;
    else return -ERRNO.EINVAL;
  }
  if (oldset !== 0) p.mem.writeU64(oldset, old);
  p.signals.blocked = next & ~UNBLOCKABLE;
  return 0;
}

function rtSigpending(p: LinuxProcess, a: SyscallArgs): number {
  if (a.ulong(1) > SIGSET_SIZE) return -ERRNO.EINVAL;
  p.mem.writeU64(a.ptr(0), p.signals.pendingMask() & p.signals.blocked);
  return 0;
}

/** sigaltstack(ss, old_ss) with stack_t { void *ss_sp; int ss_flags; size_t ss_size; }. */
function sigaltstack(p: LinuxProcess, a: SyscallArgs): number {
  const s = p.signals;
  const sp = regNumber(p.cpu, Reg.RSP);
  const old = { ...s.altstack, flags: s.altStackFlags(sp) | (s.altstack.flags & 0x80000000) };
  if (a.ptr(0) !== 0) {
    const v = new DataView(p.mem.read(a.ptr(0), 24).buffer);
    const r = setAltStack(s, sp, {
      sp: Number(v.getBigInt64(0, true)),
      flags: v.getUint32(8, true),
      size: Number(v.getBigUint64(16, true)),
    });
    if (r < 0) return r;
  }
  if (a.ptr(1) !== 0) {
    const out = new Uint8Array(24);
    const v = new DataView(out.buffer);
    v.setBigInt64(0, BigInt(old.sp), true);
    v.setUint32(8, old.flags >>> 0, true);
    v.setBigUint64(16, BigInt(old.size), true);
    p.mem.write(a.ptr(1), out);
  }
  return 0;
}

/** Send `signo` to the process itself; 0 only checks that it could be sent. */
function signalSelf(p: LinuxProcess, signo: number, code: number, how: string): number {
  if (signo < 0 || signo > NSIG) return -ERRNO.EINVAL;
  if (signo !== 0) p.raise(signo, code, how);
  return 0;
}

function kill(p: LinuxProcess, a: SyscallArgs): number {
  const pid = a.int(0);
  const signo = a.int(1);
  // Ourselves: our pid, or our process group (0 or -pid).
  if (pid === p.pid || pid === 0 || pid === -p.pid) return signalSelf(p, signo, SI.USER, 'sent by kill');
  if (signo < 0 || signo > NSIG) return -ERRNO.EINVAL;
  // -1 is every process but the caller: none that x86-run lets the guest reach.
  if (pid === -1) return -ERRNO.ESRCH;
  // The host's other processes are out of bounds.
  return -ERRNO.EPERM;
}

function tgkill(p: LinuxProcess, a: SyscallArgs): number {
  const tgid = a.int(0);
  const tid = a.int(1);
  if (tgid <= 0 || tid <= 0) return -ERRNO.EINVAL;
  if (tgid !== p.pid || tid !== p.pid) return -ERRNO.ESRCH;
  return signalSelf(p, a.int(2), SI.TKILL, 'sent by tgkill');
}

function tkill(p: LinuxProcess, a: SyscallArgs): number {
  const tid = a.int(0);
  if (tid <= 0) return -ERRNO.EINVAL;
  if (tid !== p.pid) return -ERRNO.ESRCH;
  return signalSelf(p, a.int(1), SI.TKILL, 'sent by tkill');
}

export const SIGNAL_SYSCALLS: readonly SyscallRow[] = [
  ['rt_sigaction', rtSigaction, ['sig', 'x', 'x', 'u']],
  ['rt_sigprocmask', rtSigprocmask, ['d', 'x', 'x', 'u']],
  ['rt_sigpending', rtSigpending, ['x', 'u']],
  ['sigaltstack', sigaltstack, ['x', 'x']],
  [
    'rt_sigreturn',
    (p) => {
      sigreturn(p);
      return undefined;
    },
  ],
  ['kill', kill, ['d', 'sig']],
  ['tgkill', tgkill, ['d', 'd', 'sig']],
  ['tkill', tkill, ['d', 'sig']],
];
