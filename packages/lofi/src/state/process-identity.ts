/**
 * Is the process that wrote a record still running? A pid alone is not
 * enough: pids are reused. On Linux the start time in /proc/<pid>/stat (field
 * 22, clock ticks since boot) pins the process down; elsewhere kill(pid, 0)
 * is the best there is.
 */
import { existsSync, readFileSync } from 'node:fs';

export interface ProcessIdentity {
  pid: number;
  /** Start time from /proc/<pid>/stat, or 0 where there is no /proc. */
  startTime: number;
}

const hasProc = existsSync('/proc/self/stat');

interface ProcStat {
  state: string;
  startTime: number;
}

function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2 is the command name in parentheses and may itself hold spaces and ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = rest[0] ?? '';
  const startTime = Number(rest[19]);
  return Number.isSafeInteger(startTime) ? { state, startTime } : undefined;
}

let self: ProcessIdentity | undefined;

/** This process, as records name it. */
export function currentProcess(): ProcessIdentity {
  self ??= { pid: process.pid, startTime: hasProc ? (readProcStat(process.pid)?.startTime ?? 0) : 0 };
  return { ...self };
}

/** A running process as records name it; undefined if there is no such process. */
export function processIdentity(pid: number): ProcessIdentity | undefined {
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  if (hasProc) {
    const stat = readProcStat(pid);
    return stat ? { pid, startTime: stat.startTime } : undefined;
  }
  return isProcessAlive({ pid, startTime: 0 }) ? { pid, startTime: 0 } : undefined;
}

export function isProcessAlive(id: ProcessIdentity): boolean {
  if (!Number.isSafeInteger(id.pid) || id.pid <= 0) return false;
  if (hasProc) {
    const stat = readProcStat(id.pid);
    if (!stat) return false;
    // A zombie has exited; only its parent has not reaped it yet.
    if (stat.state === 'Z' || stat.state === 'X') return false;
    return id.startTime === 0 || stat.startTime === id.startTime;
  }
  try {
    process.kill(id.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
