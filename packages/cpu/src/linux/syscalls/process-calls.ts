/**
 * Process-level calls: exit, identities, uname, arch_prctl, thread
 * bookkeeping (set_tid_address, robust lists, rseq, futex in a process with
 * one thread), resource limits, sysinfo, prctl and scheduling.
 */
import * as os from 'node:os';
import { ERRNO } from '../errno.js';
import type { LinuxProcess } from '../process.js';
import type { SyscallArgs } from '../registers.js';
import { isUserPointer } from '../user-memory.js';
import { sleepMs, WouldBlockForever } from './open-file.js';
import { monotonicNs, readTimespec, realtimeNs, sleepUntilNs } from './time.js';
import type { SyscallRow } from './types.js';

function exitGroup(p: LinuxProcess, a: SyscallArgs): undefined {
  p.terminate({ kind: 'exit', code: a.int(0) & 0xff });
  return undefined;
}

const UTS_FIELD = 65;

function uname(p: LinuxProcess, a: SyscallArgs): number {
  const fields = ['Linux', os.hostname(), os.release(), os.version(), 'x86_64', '(none)'];
  const out = new Uint8Array(UTS_FIELD * fields.length);
  fields.forEach((f, i) => {
    out.set(Buffer.from(f, 'utf8').subarray(0, UTS_FIELD - 1), i * UTS_FIELD);
  });
  p.mem.write(a.ptr(0), out);
  return 0;
}

/** arch_prctl codes (arch/x86/include/uapi/asm/prctl.h). */
export const ARCH = { SET_GS: 0x1001, SET_FS: 0x1002, GET_FS: 0x1003, GET_GS: 0x1004 } as const;

function archPrctl(p: LinuxProcess, a: SyscallArgs): number {
  const code = a.int(0);
  const addr = a.long(1);
  switch (code) {
    case ARCH.SET_FS:
    case ARCH.SET_GS:
      // A base must be a canonical user address (TASK_SIZE_MAX).
      if (!isUserPointer(addr)) return -ERRNO.EPERM;
      if (code === ARCH.SET_FS) p.cpu.fsBase = addr;
      else p.cpu.gsBase = addr;
      return 0;
    case ARCH.GET_FS:
      p.mem.writeU64(addr, p.cpu.fsBase);
      return 0;
    case ARCH.GET_GS:
      p.mem.writeU64(addr, p.cpu.gsBase);
      return 0;
    default:
      return -ERRNO.EINVAL;
  }
}

/** prlimit64(pid, resource, new, old): struct rlimit64 { u64 cur, max }. */
function prlimit(
  p: LinuxProcess,
  pid: number,
  resource: number,
  newAddress: number,
  oldAddress: number,
): number {
  if (pid !== 0 && pid !== p.pid) return -ERRNO.ESRCH;
  const limit = p.rlimits.get(resource);
  if (!limit) return -ERRNO.EINVAL;
  let next: { cur: bigint; max: bigint } | undefined;
  if (newAddress !== 0) {
    const raw = new DataView(p.mem.read(newAddress, 16).buffer);
    next = { cur: raw.getBigUint64(0, true), max: raw.getBigUint64(8, true) };
    if (next.cur > next.max) return -ERRNO.EINVAL;
    if (next.max > limit.max) return -ERRNO.EPERM;
  }
  if (oldAddress !== 0) {
    const out = new Uint8Array(16);
    const v = new DataView(out.buffer);
    v.setBigUint64(0, limit.cur, true);
    v.setBigUint64(8, limit.max, true);
    p.mem.write(oldAddress, out);
  }
  if (next) {
    p.rlimits.set(resource, next);
    if (resource === 7 /* NOFILE */) p.fds.limit = Number(next.cur > 65536n ? 65536n : next.cur);
  }
  return 0;
}

/** struct sysinfo (112 bytes). */
function sysinfo(p: LinuxProcess, a: SyscallArgs): number {
  const out = new Uint8Array(112);
  const v = new DataView(out.buffer);
  const memory = p.space.memory;
  const used = memory.framesOwnedBy(p.space.owner) * 4096;
  v.setBigInt64(0, BigInt(Math.floor(os.uptime())), true);
  os.loadavg().forEach((l, i) => {
    v.setBigUint64(8 + i * 8, BigInt(Math.round(l * 65536)), true);
  });
  v.setBigUint64(32, BigInt(memory.bytes), true);
  v.setBigUint64(40, BigInt(Math.max(0, memory.bytes - used)), true);
  v.setUint16(80, 1, true);
  v.setUint32(104, 1, true);
  p.mem.write(a.ptr(0), out);
  return 0;
}

const PR = {
  SET_PDEATHSIG: 1,
  GET_PDEATHSIG: 2,
  GET_DUMPABLE: 3,
  SET_DUMPABLE: 4,
  SET_NAME: 15,
  GET_NAME: 16,
  GET_TIMERSLACK: 30,
  SET_NO_NEW_PRIVS: 38,
  GET_NO_NEW_PRIVS: 39,
} as const;

function prctl(p: LinuxProcess, a: SyscallArgs): number {
  switch (a.int(0)) {
    case PR.SET_NAME: {
      const raw = p.mem.read(a.ptr(1), 16);
      const end = raw.indexOf(0);
      p.comm = Buffer.from(raw.subarray(0, Math.min(end < 0 ? 15 : end, 15))).toString('latin1');
      return 0;
    }
    case PR.GET_NAME: {
      const out = new Uint8Array(16);
      out.set(Buffer.from(p.comm, 'latin1').subarray(0, 15));
      p.mem.write(a.ptr(1), out);
      return 0;
    }
    case PR.SET_PDEATHSIG:
    case PR.SET_DUMPABLE:
    case PR.SET_NO_NEW_PRIVS:
      return 0;
    case PR.GET_PDEATHSIG:
      p.mem.writeU32(a.ptr(1), 0);
      return 0;
    case PR.GET_DUMPABLE:
      return 1;
    case PR.GET_NO_NEW_PRIVS:
      return 0;
    case PR.GET_TIMERSLACK:
      return 50000;
    default:
      return -ERRNO.EINVAL;
  }
}

export const FUTEX = {
  WAIT: 0,
  WAKE: 1,
  REQUEUE: 3,
  CMP_REQUEUE: 4,
  WAKE_OP: 5,
  WAIT_BITSET: 9,
  WAKE_BITSET: 10,
  PRIVATE_FLAG: 128,
  CLOCK_REALTIME: 256,
} as const;

/**
 * futex with one thread: a WAIT whose value changed returns EAGAIN, one
 * with a timeout sleeps it out, one without could only be ended by another
 * thread; WAKE finds no waiters. WAKE_OP still performs its operation.
 */
function futex(p: LinuxProcess, a: SyscallArgs): number {
  const uaddr = a.ptr(0);
  const op = a.int(1);
  const cmd = op & ~(FUTEX.PRIVATE_FLAG | FUTEX.CLOCK_REALTIME);
  const val = a.uint(2);
  if (uaddr % 4 !== 0) return -ERRNO.EINVAL;
  switch (cmd) {
    case FUTEX.WAIT:
    case FUTEX.WAIT_BITSET: {
      if (cmd === FUTEX.WAIT_BITSET && a.uint(5) === 0) return -ERRNO.EINVAL;
      if (p.mem.readU32(uaddr) !== val) return -ERRNO.EAGAIN;
      const timeout = a.ptr(3);
      if (timeout === 0) throw new WouldBlockForever('futex wait that only another thread could wake');
      const t = readTimespec(p, timeout);
      if (typeof t === 'number') return t;
      if (cmd === FUTEX.WAIT) sleepMs(Number(t) / 1e6);
      else sleepUntilNs(t, op & FUTEX.CLOCK_REALTIME ? realtimeNs : monotonicNs);
      return -ERRNO.ETIMEDOUT;
    }
    case FUTEX.WAKE:
    case FUTEX.WAKE_BITSET:
    case FUTEX.REQUEUE:
      return 0;
    case FUTEX.CMP_REQUEUE:
      return p.mem.readU32(uaddr) === a.uint(5) ? 0 : -ERRNO.EAGAIN;
    case FUTEX.WAKE_OP: {
      const uaddr2 = a.ptr(4);
      const encoded = a.uint(5);
      const operation = (encoded >>> 28) & 7;
      let oparg = (encoded << 8) >> 20;
      if ((encoded >>> 28) & 8) oparg = 1 << (oparg & 31);
      const old = p.mem.readU32(uaddr2);
      const next = [oparg, old + oparg, old | oparg, old & ~oparg, old ^ oparg][operation];
      if (next === undefined) return -ERRNO.ENOSYS;
      p.mem.writeU32(uaddr2, next >>> 0);
      return 0;
    }
    default:
      return -ERRNO.ENOSYS;
  }
}

function schedGetaffinity(p: LinuxProcess, a: SyscallArgs): number {
  const pid = a.int(0);
  const length = a.uint(1);
  if (pid !== 0 && pid !== p.pid) return -ERRNO.ESRCH;
  if (length < 8 || length % 8 !== 0) return -ERRNO.EINVAL;
  // One thread, one CPU: what the emulator runs the guest on.
  const mask = new Uint8Array(8);
  mask[0] = 1;
  p.mem.write(a.ptr(2), mask);
  return 8;
}

/** struct rusage: two timevals and fourteen longs. */
function getrusage(p: LinuxProcess, a: SyscallArgs): number {
  const who = a.int(0);
  if (who !== 0 && who !== -1 && who !== 1) return -ERRNO.EINVAL;
  const out = new Uint8Array(144);
  const v = new DataView(out.buffer);
  if (who !== -1) {
    const usage = process.cpuUsage();
    v.setBigInt64(0, BigInt(Math.floor(usage.user / 1e6)), true);
    v.setBigInt64(8, BigInt(usage.user % 1e6), true);
    v.setBigInt64(16, BigInt(Math.floor(usage.system / 1e6)), true);
    v.setBigInt64(24, BigInt(usage.system % 1e6), true);
    v.setBigInt64(32, BigInt(p.space.residentPages * 4), true); // ru_maxrss in KiB
  }
  p.mem.write(a.ptr(1), out);
  return 0;
}

/** times: struct tms in clock ticks (USER_HZ = 100); the result is ticks since boot. */
function times(p: LinuxProcess, a: SyscallArgs): number {
  if (a.ptr(0) !== 0) {
    const usage = process.cpuUsage();
    const out = new Uint8Array(32);
    const v = new DataView(out.buffer);
    v.setBigInt64(0, BigInt(Math.floor(usage.user / 10000)), true);
    v.setBigInt64(8, BigInt(Math.floor(usage.system / 10000)), true);
    p.mem.write(a.ptr(0), out);
  }
  return Math.floor(os.uptime() * 100);
}

function ids(p: LinuxProcess, a: SyscallArgs, id: number): number {
  for (let i = 0; i < 3; i++) p.mem.writeU32(a.ptr(i), id);
  return 0;
}

export const PROCESS_SYSCALLS: readonly SyscallRow[] = [
  ['exit', exitGroup, ['d']],
  ['exit_group', exitGroup, ['d']],
  ['getpid', (p) => p.pid],
  ['gettid', (p) => p.pid],
  ['getppid', (p) => p.ppid],
  ['getuid', (p) => p.uid],
  ['geteuid', (p) => p.uid],
  ['getgid', (p) => p.gid],
  ['getegid', (p) => p.gid],
  ['getresuid', (p, a) => ids(p, a, p.uid), ['x', 'x', 'x']],
  ['getresgid', (p, a) => ids(p, a, p.gid), ['x', 'x', 'x']],
  ['getgroups', (_p, a) => (a.int(0) < 0 ? -ERRNO.EINVAL : 0), ['d', 'x']],
  ['setuid', (p, a) => (a.uint(0) === p.uid ? 0 : -ERRNO.EPERM), ['d']],
  ['setgid', (p, a) => (a.uint(0) === p.gid ? 0 : -ERRNO.EPERM), ['d']],
  ['getpgrp', (p) => p.pid],
  ['getpgid', (p, a) => (a.int(0) === 0 || a.int(0) === p.pid ? p.pid : -ERRNO.ESRCH), ['d']],
  ['getsid', (p, a) => (a.int(0) === 0 || a.int(0) === p.pid ? p.pid : -ERRNO.ESRCH), ['d']],
  [
    'setpgid',
    (p, a) =>
      (a.int(0) === 0 || a.int(0) === p.pid) && (a.int(1) === 0 || a.int(1) === p.pid) ? 0 : -ERRNO.EPERM,
    ['d', 'd'],
  ],
  ['setsid', () => -ERRNO.EPERM],
  ['wait4', () => -ERRNO.ECHILD, ['d', 'x', 'x', 'x']],
  ['waitid', () => -ERRNO.ECHILD, ['d', 'd', 'x', 'x', 'x']],
  ['uname', uname, ['x']],
  ['arch_prctl', archPrctl, ['x', 'x']],
  [
    'set_tid_address',
    (p, a) => {
      p.clearChildTid = a.ptr(0);
      return p.pid;
    },
    ['x'],
  ],
  [
    'set_robust_list',
    (p, a) => {
      if (a.ulong(1) !== 24) return -ERRNO.EINVAL; // sizeof(struct robust_list_head)
      p.robustList = a.ptr(0);
      return 0;
    },
    ['x', 'u'],
  ],
  // glibc registers rseq when it can and carries on when the kernel says ENOSYS.
  ['rseq', () => -ERRNO.ENOSYS, ['x', 'u', 'd', 'x']],
  ['prlimit64', (p, a) => prlimit(p, a.int(0), a.int(1), a.ptr(2), a.ptr(3)), ['d', 'd', 'x', 'x']],
  ['getrlimit', (p, a) => prlimit(p, 0, a.int(0), 0, a.ptr(1)), ['d', 'x']],
  ['setrlimit', (p, a) => prlimit(p, 0, a.int(0), a.ptr(1), 0), ['d', 'x']],
  ['sysinfo', sysinfo, ['x']],
  ['prctl', prctl, ['d', 'x', 'x', 'x', 'x']],
  ['futex', futex, ['x', 'd', 'u', 'x', 'x', 'x']],
  ['sched_getaffinity', schedGetaffinity, ['d', 'u', 'x']],
  ['sched_setaffinity', (p, a) => (a.int(0) === 0 || a.int(0) === p.pid ? 0 : -ERRNO.ESRCH), ['d', 'u', 'x']],
  ['sched_yield', () => 0],
  ['getrusage', getrusage, ['d', 'x']],
  ['times', times, ['x']],
  ['getpriority', () => 20, ['d', 'd']],
  ['setpriority', () => 0, ['d', 'd', 'd']],
  [
    'getcpu',
    (p, a) => {
      if (a.ptr(0)) p.mem.writeU32(a.ptr(0), 0);
      if (a.ptr(1)) p.mem.writeU32(a.ptr(1), 0);
      return 0;
    },
    ['x', 'x', 'x'],
  ],
];
