/** Messages between the server and its serving threads. */
import type { SessionEnd } from './loop.js';
import type { SessionInit } from './session.js';
import type { ImageSpec } from './spec.js';

export interface WorkerData {
  /** The `/dev/fuse` descriptor this thread reads (shared, or its own clone). */
  fd: number;
  spec: ImageSpec;
  maxRead: number | undefined;
  cacheSeconds: number | undefined;
  /** Where the thread notes the request it is answering (see InFlight). */
  inFlight: SharedArrayBuffer;
}

/** Thread → server. The server answers `ready` with `'go'` or `'stop'`. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'log'; line: string }
  | { type: 'init'; init: SessionInit }
  | { type: 'ended'; end: SessionEnd };
