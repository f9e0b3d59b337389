/**
 * One lock for the device and mount tables: a file created with O_EXCL that
 * names its holder (pid, start time, a nonce). A waiter retries with short
 * sleeps up to a timeout. A lock whose holder has died is taken over: it is
 * renamed aside, and removed only if what was renamed is still the dead
 * holder's record (otherwise it is put back), so two waiters breaking the same
 * stale lock cannot throw out a live one.
 */
import {
  closeSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { LofiError } from '../errors.js';
import { currentProcess, isProcessAlive, type ProcessIdentity } from './process-identity.js';

export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;
/** A lock file still empty after this long was left by a writer that died between create and write. */
const EMPTY_LOCK_GRACE_MS = 2_000;

interface Holder extends ProcessIdentity {
  nonce: string;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Block this thread for `ms` milliseconds (the tables are synchronous). */
export function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function parseHolder(text: string): Holder | undefined {
  try {
    const v = JSON.parse(text) as Partial<Holder>;
    if (typeof v.pid === 'number' && typeof v.startTime === 'number' && typeof v.nonce === 'string') {
      return { pid: v.pid, startTime: v.startTime, nonce: v.nonce };
    }
  } catch {
    // Not (yet) a complete record.
  }
  return undefined;
}

function readRaw(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function isStale(path: string, raw: string): boolean {
  const holder = parseHolder(raw);
  if (holder) return !isProcessAlive(holder);
  try {
    return Date.now() - statSync(path).mtimeMs > EMPTY_LOCK_GRACE_MS;
  } catch {
    return false;
  }
}

/** Move a dead holder's lock out of the way; put it back if it turned out to be a live one. */
function breakStale(path: string, raw: string): void {
  const aside = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.stale`;
  try {
    renameSync(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const moved = readRaw(aside);
  if (moved !== raw) {
    try {
      linkSync(aside, path);
    } catch {
      // Someone holds a newer lock already; the one moved aside is lost to its holder.
    }
  }
  unlinkSync(aside);
}

export class StateLock {
  private held: string | undefined;

  constructor(
    readonly path: string,
    private readonly timeoutMs = DEFAULT_LOCK_TIMEOUT_MS,
  ) {}

  acquire(): void {
    if (this.held !== undefined) throw new Error(`lock ${this.path} is already held by this object`);
    const me: Holder = { ...currentProcess(), nonce: Math.random().toString(36).slice(2) };
    const record = JSON.stringify(me);
    const deadline = Date.now() + this.timeoutMs;
    let delay = 1;
    for (;;) {
      try {
        const fd = openSync(this.path, 'wx', 0o600);
        try {
          writeSync(fd, record);
        } finally {
          closeSync(fd);
        }
        this.held = record;
        return;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST') {
          throw new LofiError(
            code === 'EACCES' ? 'EACCES' : 'EIO',
            `cannot create lock ${this.path}: ${code}`,
            {
              cause: e,
            },
          );
        }
      }
      const raw = readRaw(this.path);
      if (raw === undefined) continue;
      if (isStale(this.path, raw)) {
        breakStale(this.path, raw);
        continue;
      }
      if (Date.now() >= deadline) {
        const holder = parseHolder(raw);
        throw new LofiError(
          'ETIMEDOUT',
          `the state lock ${this.path} has been held by pid ${holder?.pid ?? '?'} for more than ${this.timeoutMs} ms`,
        );
      }
      sleepSync(delay + Math.random() * delay);
      delay = Math.min(delay * 2, 20);
    }
  }

  release(): void {
    if (this.held === undefined) return;
    // Only remove the lock if it is still ours.
    if (readRaw(this.path) === this.held) unlinkSync(this.path);
    this.held = undefined;
  }

  /** Run `fn` holding the lock. */
  with<T>(fn: () => T): T {
    this.acquire();
    try {
      return fn();
    } finally {
      this.release();
    }
  }
}
