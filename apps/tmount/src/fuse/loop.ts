/**
 * The serving loop: read a request from the device, let the session answer,
 * write the reply. Two forms: a blocking one for worker threads, and one on
 * the event loop whose reads wait in libuv's thread pool.
 */
import { read, writeSync } from 'node:fs';
import { ERRNO, PAGE_SIZE, STRUCTS } from './abi.js';
import { MAX_WRITE } from './init.js';
import { ReplyBuffer } from './reply.js';
import type { FuseSession } from './session.js';

/** Room for the largest request the kernel may send (it checks against max_write). */
export const REQUEST_BUFFER_SIZE = MAX_WRITE + PAGE_SIZE;

export type EndReason = 'unmounted' | 'destroyed' | 'failed';

export interface SessionEnd {
  reason: EndReason;
  /** What went wrong, when `failed`. */
  message?: string;
  /** Requests read from the device, per serving thread (one entry when served in-thread). */
  requests?: number[];
}

/** Errors that mean the connection is gone: unmounted, or aborted. */
const GONE = new Set(['ENODEV', 'ECONNABORTED', 'EBADF']);
/** A read to simply try again: interrupted, or the request it would have got was withdrawn. */
const RETRY = new Set(['EINTR', 'EAGAIN', 'ENOENT']);

function codeOf(e: unknown): string {
  return (e as NodeJS.ErrnoException | null)?.code ?? '';
}

/**
 * Write one reply. ENOENT means the request was interrupted and already
 * finished by the kernel: nothing to do. A reply the kernel refuses (EINVAL) is
 * replaced by EIO, so that no caller waits forever for an answer.
 */
export function sendReply(
  fd: number,
  rb: ReplyBuffer,
  length: number,
  log: (line: string) => void,
): 'sent' | 'gone' {
  try {
    writeSync(fd, rb.bytes, 0, length);
    return 'sent';
  } catch (e) {
    const code = codeOf(e);
    if (code === 'ENOENT') return 'sent';
    if (GONE.has(code)) return 'gone';
    log(`fuse: reply of ${length} bytes refused (${code || String(e)}); answering EIO`);
    const out = STRUCTS.fuse_out_header;
    if (length === out.size && rb.view.getInt32(out.fields.error, true) === -ERRNO.EIO) return 'sent';
    rb.view.setUint32(out.fields.len, out.size, true);
    rb.view.setInt32(out.fields.error, -ERRNO.EIO, true);
    return sendReply(fd, rb, out.size, log);
  }
}

function answer(
  fd: number,
  session: FuseSession,
  request: Uint8Array,
  rb: ReplyBuffer,
  log: (line: string) => void,
): 'serving' | 'gone' | 'destroyed' {
  let length: number;
  try {
    length = session.handle(request, rb);
  } catch (e) {
    // The session answers every failure itself; reaching here is a bug in this layer.
    log(`fuse: request not answered: ${e instanceof Error ? e.message : String(e)}`);
    return 'serving';
  }
  if (length > 0 && sendReply(fd, rb, length, log) === 'gone') return 'gone';
  return session.ended ? 'destroyed' : 'serving';
}

/** Serve until the connection ends, blocking this thread in read(2). */
export function serveBlocking(
  fd: number,
  session: FuseSession,
  log: (line: string) => void,
  readSync: (fd: number, buf: Uint8Array) => number,
  inFlight?: InFlight,
): SessionEnd {
  const request = new Uint8Array(REQUEST_BUFFER_SIZE);
  const header = new DataView(request.buffer);
  const rb = new ReplyBuffer(session.replyCapacity);
  let count = 0;
  const end = (reason: EndReason, message?: string): SessionEnd => ({ reason, message, requests: [count] });
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, request);
    } catch (e) {
      const code = codeOf(e);
      if (RETRY.has(code)) continue;
      if (GONE.has(code)) return end('unmounted');
      return end('failed', `reading ${fd}: ${code || String(e)}`);
    }
    if (n === 0) return end('unmounted');
    count++;
    if (inFlight && n >= UNIQUE_END)
      inFlight.begin(header.getUint32(UNIQUE, true), header.getUint32(UNIQUE + 4, true));
    const state = answer(fd, session, request.subarray(0, n), rb, log);
    inFlight?.end();
    if (state === 'gone') return end('unmounted');
    if (state === 'destroyed') return end('destroyed');
  }
}

const UNIQUE = STRUCTS.fuse_in_header.fields.unique;
const UNIQUE_END = UNIQUE + 8;

/**
 * The request a serving thread is answering, in memory the server shares: if
 * the thread dies mid-request, the server answers it with EIO, so its caller
 * is not left waiting. The kernel never uses unique id 0.
 */
export class InFlight {
  private readonly slot: Uint32Array;
  constructor(readonly memory: SharedArrayBuffer = new SharedArrayBuffer(8)) {
    this.slot = new Uint32Array(memory);
  }
  begin(lo: number, hi: number): void {
    Atomics.store(this.slot, 1, hi);
    Atomics.store(this.slot, 0, lo);
  }
  end(): void {
    Atomics.store(this.slot, 0, 0);
    Atomics.store(this.slot, 1, 0);
  }
  /** The unanswered request's id, if any. */
  pending(): { uniqueLo: number; uniqueHi: number } | null {
    const lo = Atomics.load(this.slot, 0);
    const hi = Atomics.load(this.slot, 1);
    return lo === 0 && hi === 0 ? null : { uniqueLo: lo, uniqueHi: hi };
  }
}

/**
 * Serve on the event loop: each read waits in libuv's thread pool, so this
 * thread stays free between requests. Whoever uses the mount must then not
 * block this same thread (run `ls`, `cat` … as asynchronous child processes).
 */
export function serveOnEventLoop(
  fd: number,
  session: FuseSession,
  log: (line: string) => void,
): Promise<SessionEnd> {
  const request = Buffer.alloc(REQUEST_BUFFER_SIZE);
  const rb = new ReplyBuffer(session.replyCapacity);
  let count = 0;
  return new Promise((resolve) => {
    const end = (reason: EndReason, message?: string): void =>
      resolve({ reason, message, requests: [count] });
    const next = (): void => {
      read(fd, request, 0, request.length, null, (err, n) => {
        if (err) {
          const code = codeOf(err);
          if (RETRY.has(code)) return next();
          if (GONE.has(code)) return end('unmounted');
          return end('failed', `reading ${fd}: ${code || String(err)}`);
        }
        if (n === 0) return end('unmounted');
        count++;
        const state = answer(fd, session, request.subarray(0, n), rb, log);
        if (state === 'gone') return end('unmounted');
        if (state === 'destroyed') return end('destroyed');
        next();
      });
    };
    next();
  });
}
