/**
 * Serving a mounted FUSE descriptor: in the calling thread (reads wait in
 * libuv's pool), or in N worker threads that each open the image from a spec
 * and block in read(2) on the device, so requests are answered in parallel and
 * the main thread's event loop is never held.
 */
import { closeSync, existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { FileSystem } from '@x/fsimage';
import { ERRNO } from './abi.js';
import { InFlight, type SessionEnd, sendReply, serveOnEventLoop } from './loop.js';
import { cloneFuseDevice } from './mount.js';
import { encodeError, ReplyBuffer } from './reply.js';
import { FuseSession, type SessionInit } from './session.js';
import { type ImageSpec, openSpec } from './spec.js';
import type { WorkerData, WorkerMessage } from './worker-protocol.js';

/**
 * Serving threads when not told: two, or one on a single core. Measured on two
 * cores (README, "Threads"): a second thread keeps one slow request from
 * holding up every other caller and speeds up parallel readers; more gained
 * nothing there, and each thread holds its own open image and caches.
 */
export function defaultThreadCount(): number {
  return Math.min(2, Math.max(1, availableParallelism()));
}

/** Times a serving thread that died unexpectedly is replaced, over a whole session. */
const MAX_RESPAWNS = 8;

export interface ServeFuseOptions {
  /** The descriptor `mountFuse` returned. */
  fd: number;
  /** 0: serve in this thread; N ≥ 1: N worker threads. Default: `defaultThreadCount()`. */
  threads?: number;
  /** The file system to serve in this thread (threads: 0 only). */
  fileSystem?: FileSystem;
  /** How each thread opens the image (required when threads ≥ 1). */
  spec?: ImageSpec;
  onLog?: (line: string) => void;
  /** Told once the kernel and the server agree on the protocol. */
  onInit?: (init: SessionInit) => void;
  /** Largest READ in bytes (default 1 MiB). */
  maxRead?: number;
  /** Seconds the kernel may cache names and attributes (default one day). */
  cacheSeconds?: number;
  /** Give each thread its own descriptor (FUSE_DEV_IOC_CLONE) instead of sharing one. */
  cloneFd?: boolean;
  /** The built worker script (default: `fuse-worker.js` beside this module, or in dist/). */
  workerScript?: string | URL;
}

export interface FuseServer {
  /** Serving threads (0: the calling thread). */
  readonly threads: number;
  /** Settles when the session ends: the file system was unmounted, or DESTROY came. */
  readonly ended: Promise<SessionEnd>;
}

export async function serveFuse(options: ServeFuseOptions): Promise<FuseServer> {
  const threads = options.threads ?? defaultThreadCount();
  if (!Number.isInteger(threads) || threads < 0) throw new RangeError(`threads must be a whole number ≥ 0`);
  const log = options.onLog ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (threads === 0) return serveInThread(options, log);
  if (!options.spec) {
    throw new TypeError('serving in worker threads needs an image spec: a FileSystem cannot cross threads');
  }
  return serveInWorkers(options, options.spec, threads, log);
}

async function serveInThread(options: ServeFuseOptions, log: (line: string) => void): Promise<FuseServer> {
  let fs = options.fileSystem;
  const owned = !fs;
  if (!fs) {
    if (!options.spec) throw new TypeError('serveFuse needs a fileSystem or an image spec');
    fs = await openSpec(options.spec, (w) => log(`fsimage: ${w}`));
  }
  const session = new FuseSession(fs, {
    maxRead: options.maxRead,
    cacheSeconds: options.cacheSeconds,
    log,
    onInit: options.onInit,
  });
  const ended = serveOnEventLoop(options.fd, session, log).finally(() => {
    if (owned) fs.close();
  });
  return { threads: 0, ended };
}

function workerScript(options: ServeFuseOptions): URL | string {
  if (options.workerScript) return options.workerScript;
  // Built: this module is in dist/ beside the worker. From source: the worker is in dist/.
  const beside = new URL('./fuse-worker.js', import.meta.url);
  return existsSync(beside) ? beside : new URL('../../dist/fuse-worker.js', import.meta.url);
}

interface Thread {
  worker: Worker;
  ready: Promise<void>;
  exited: Promise<void>;
  finished: boolean;
}

async function serveInWorkers(
  options: ServeFuseOptions,
  spec: ImageSpec,
  count: number,
  log: (line: string) => void,
): Promise<FuseServer> {
  const script = workerScript(options);
  if (script instanceof URL && script.protocol === 'file:' && !existsSync(script)) {
    throw new Error(`the FUSE worker script ${script.pathname} is missing; build the package first`);
  }
  let cloneFailed = false;
  const descriptor = (): { fd: number; ownsFd: boolean } => {
    if (!options.cloneFd || cloneFailed) return { fd: options.fd, ownsFd: false };
    try {
      return { fd: cloneFuseDevice(options.fd), ownsFd: true };
    } catch (e) {
      cloneFailed = true;
      log(
        `fuse: cannot clone the device descriptor (${e instanceof Error ? e.message : String(e)}); sharing it`,
      );
      return { fd: options.fd, ownsFd: false };
    }
  };

  let settle!: (end: SessionEnd) => void;
  const ended = new Promise<SessionEnd>((resolve) => {
    settle = resolve;
  });
  const live = new Set<Thread>();
  let respawns = 0;
  let firstEnd: SessionEnd | undefined;
  const requests: number[] = [];
  let running = false;

  const start = (): Thread => {
    const { fd, ownsFd } = descriptor();
    const inFlight = new InFlight();
    const data: WorkerData = {
      fd,
      spec,
      maxRead: options.maxRead,
      cacheSeconds: options.cacheSeconds,
      inFlight: inFlight.memory,
    };
    const worker = new Worker(script, { workerData: data });
    let onReady!: () => void;
    let onFailed!: (e: Error) => void;
    const thread: Thread = {
      worker,
      finished: false,
      ready: new Promise<void>((resolve, reject) => {
        onReady = resolve;
        onFailed = reject;
      }),
      exited: new Promise<void>((resolve) => worker.once('exit', () => resolve())),
    };
    // A failure before `ready` is reported through `ready`; never an unhandled rejection.
    thread.ready.catch(() => {});
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'ready') onReady();
      else if (m.type === 'failed')
        onFailed(new Error(`serving thread could not open the image: ${m.message}`));
      else if (m.type === 'log') log(m.line);
      else if (m.type === 'init') options.onInit?.(m.init);
      else if (m.type === 'ended') {
        thread.finished = true;
        firstEnd ??= m.end;
        requests.push(...(m.end.requests ?? []));
      }
    });
    worker.on('error', (e) => {
      onFailed(e);
      log(`fuse: serving thread failed: ${e.message}`);
    });
    worker.on('exit', () => {
      live.delete(thread);
      const lost = inFlight.pending();
      if (lost) {
        // The thread died answering this request: answer it, or its caller waits forever.
        log(`fuse: a serving thread stopped while answering a request; answering it EIO`);
        const rb = new ReplyBuffer(0);
        sendReply(fd, rb, encodeError(rb, lost, ERRNO.EIO), log);
      }
      if (ownsFd) closeSync(fd);
      if (running && !thread.finished && firstEnd === undefined && respawns < MAX_RESPAWNS) {
        // A thread died mid-session (a bug, or memory): replace it so the mount keeps answering.
        respawns++;
        log(`fuse: a serving thread stopped unexpectedly; starting another (${respawns}/${MAX_RESPAWNS})`);
        const next = start();
        next.ready.then(
          () => next.worker.postMessage('go'),
          () => {},
        );
        return;
      }
      if (live.size === 0 && running) {
        const end = firstEnd ?? { reason: 'failed', message: 'all serving threads stopped' };
        settle({ ...end, requests });
      }
    });
    live.add(thread);
    return thread;
  };

  const first = Array.from({ length: count }, start);
  try {
    await Promise.all(first.map((t) => t.ready));
  } catch (e) {
    // Nobody reads the device yet: stop the threads that did open the image, then report.
    for (const t of first) t.worker.postMessage('stop');
    await Promise.all(first.map((t) => t.exited));
    throw e;
  }
  running = true;
  for (const t of first) t.worker.postMessage('go');
  return { threads: count, ended };
}
