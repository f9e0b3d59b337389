/**
 * Clocks, sleeping and randomness: clock_gettime and friends from the
 * host's clocks (there is no vDSO, so libc asks the kernel every time),
 * nanosleep that blocks the emulator as it blocks the program, getrandom
 * from node's CSPRNG.
 */
import { randomFillSync } from 'node:crypto';
import { ERRNO } from '../errno.js';
import type { LinuxProcess } from '../process.js';
import type { SyscallArgs } from '../registers.js';
import { sleepMs } from './open-file.js';
import type { SyscallRow } from './types.js';

export const CLOCK = {
  REALTIME: 0,
  MONOTONIC: 1,
  PROCESS_CPUTIME_ID: 2,
  THREAD_CPUTIME_ID: 3,
  MONOTONIC_RAW: 4,
  REALTIME_COARSE: 5,
  MONOTONIC_COARSE: 6,
  BOOTTIME: 7,
  REALTIME_ALARM: 8,
  BOOTTIME_ALARM: 9,
  TAI: 11,
} as const;
const TIMER_ABSTIME = 1;
const NS = 1_000_000_000n;

const origin = BigInt(Math.round(performance.timeOrigin * 1e6));

export function realtimeNs(): bigint {
  return origin + BigInt(Math.round(performance.now() * 1e6));
}

export function monotonicNs(): bigint {
  return process.hrtime.bigint();
}

function cpuNs(): bigint {
  const u = process.cpuUsage();
  return BigInt(u.user + u.system) * 1000n;
}

/** The reading of a clock in nanoseconds, or undefined for a clock id Linux does not have. */
export function clockNs(clock: number): bigint | undefined {
  switch (clock) {
    case CLOCK.REALTIME:
    case CLOCK.REALTIME_COARSE:
    case CLOCK.REALTIME_ALARM:
      return realtimeNs();
    case CLOCK.TAI:
      return realtimeNs() + 37n * NS;
    case CLOCK.MONOTONIC:
    case CLOCK.MONOTONIC_RAW:
    case CLOCK.MONOTONIC_COARSE:
    case CLOCK.BOOTTIME:
    case CLOCK.BOOTTIME_ALARM:
      return monotonicNs();
    case CLOCK.PROCESS_CPUTIME_ID:
    case CLOCK.THREAD_CPUTIME_ID:
      return cpuNs();
    default:
      return undefined;
  }
}

function timespec(ns: bigint): Uint8Array {
  const out = new Uint8Array(16);
  const v = new DataView(out.buffer);
  v.setBigInt64(0, ns / NS, true);
  v.setBigInt64(8, ns % NS, true);
  return out;
}

/** A struct timespec as nanoseconds, or -EINVAL for a negative or unnormalised one. */
export function readTimespec(p: LinuxProcess, address: number): bigint | number {
  const v = new DataView(p.mem.read(address, 16).buffer);
  const sec = v.getBigInt64(0, true);
  const nsec = v.getBigInt64(8, true);
  if (sec < 0n || nsec < 0n || nsec >= NS) return -ERRNO.EINVAL;
  return sec * NS + nsec;
}

/** Sleep until a clock reaches `deadline`. */
export function sleepUntilNs(deadline: bigint, clock: () => bigint): void {
  for (;;) {
    const left = deadline - clock();
    if (left <= 0n) return;
    sleepMs(Number(left) / 1e6);
  }
}

function clockGettime(p: LinuxProcess, a: SyscallArgs): number {
  const ns = clockNs(a.int(0));
  if (ns === undefined) return -ERRNO.EINVAL;
  p.mem.write(a.ptr(1), timespec(ns));
  return 0;
}

function clockGetres(p: LinuxProcess, a: SyscallArgs): number {
  const clock = a.int(0);
  if (clockNs(clock) === undefined) return -ERRNO.EINVAL;
  const coarse = clock === CLOCK.REALTIME_COARSE || clock === CLOCK.MONOTONIC_COARSE;
  if (a.ptr(1) !== 0) p.mem.write(a.ptr(1), timespec(coarse ? 4_000_000n : 1n));
  return 0;
}

function gettimeofday(p: LinuxProcess, a: SyscallArgs): number {
  const ns = realtimeNs();
  if (a.ptr(0) !== 0) {
    const out = new Uint8Array(16);
    const v = new DataView(out.buffer);
    v.setBigInt64(0, ns / NS, true);
    v.setBigInt64(8, (ns % NS) / 1000n, true);
    p.mem.write(a.ptr(0), out);
  }
  if (a.ptr(1) !== 0) p.mem.write(a.ptr(1), new Uint8Array(8)); // struct timezone: UTC
  return 0;
}

function time(p: LinuxProcess, a: SyscallArgs): number {
  const seconds = Number(realtimeNs() / NS);
  if (a.ptr(0) !== 0) p.mem.writeU64(a.ptr(0), seconds);
  return seconds;
}

function nanosleep(p: LinuxProcess, a: SyscallArgs): number {
  const ns = readTimespec(p, a.ptr(0));
  if (typeof ns === 'number') return ns;
  sleepUntilNs(monotonicNs() + ns, monotonicNs);
  return 0;
}

function clockNanosleep(p: LinuxProcess, a: SyscallArgs): number {
  const clock = a.int(0);
  if (clock === CLOCK.THREAD_CPUTIME_ID) return -ERRNO.EINVAL;
  if (clockNs(clock) === undefined) return -ERRNO.EINVAL;
  const ns = readTimespec(p, a.ptr(2));
  if (typeof ns === 'number') return ns;
  const read = () => clockNs(clock)!;
  sleepUntilNs(a.int(1) & TIMER_ABSTIME ? ns : read() + ns, read);
  return 0;
}

const GRND = { NONBLOCK: 1, RANDOM: 2, INSECURE: 4 } as const;

function getrandom(p: LinuxProcess, a: SyscallArgs): number {
  const flags = a.uint(2);
  if (flags & ~(GRND.NONBLOCK | GRND.RANDOM | GRND.INSECURE)) return -ERRNO.EINVAL;
  if (flags & GRND.INSECURE && flags & GRND.RANDOM) return -ERRNO.EINVAL;
  const length = Math.min(a.ulong(1), 0x1ffffff);
  const bytes = new Uint8Array(length);
  randomFillSync(bytes);
  p.mem.write(a.ptr(0), bytes);
  return length;
}

export const TIME_SYSCALLS: readonly SyscallRow[] = [
  ['clock_gettime', clockGettime, ['d', 'x']],
  ['clock_getres', clockGetres, ['d', 'x']],
  ['gettimeofday', gettimeofday, ['x', 'x']],
  ['time', time, ['x']],
  ['nanosleep', nanosleep, ['x', 'x']],
  ['clock_nanosleep', clockNanosleep, ['d', 'd', 'x', 'x']],
  ['getrandom', getrandom, ['out', 'u', 'x']],
];
