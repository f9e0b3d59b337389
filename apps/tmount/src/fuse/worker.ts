/**
 * A serving thread: opens the image from its spec, reports ready, and on the
 * go-ahead loops on a blocking read of the FUSE descriptor until the session
 * ends. Blocking here keeps the main thread's event loop free.
 */
import { readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { FileSystem } from '@x/fsimage';
import { InFlight, serveBlocking } from './loop.js';
import { FuseSession } from './session.js';
import { type ImageSpec, openSpec } from './spec.js';
import type { WorkerData, WorkerMessage } from './worker-protocol.js';

const port = parentPort!;
const data = workerData as WorkerData;
const post = (message: WorkerMessage): void => port.postMessage(message);
const log = (line: string): void => post({ type: 'log', line });

function nextMessage(): Promise<unknown> {
  return new Promise((resolve) => port.once('message', resolve));
}

async function main(spec: ImageSpec): Promise<void> {
  let fs: FileSystem;
  try {
    fs = await openSpec(spec, (w) => log(`fsimage: ${w}`));
  } catch (e) {
    post({ type: 'failed', message: e instanceof Error ? e.message : String(e) });
    return;
  }
  post({ type: 'ready' });
  if ((await nextMessage()) !== 'go') {
    fs.close();
    return;
  }
  const session = new FuseSession(fs, {
    maxRead: data.maxRead,
    cacheSeconds: data.cacheSeconds,
    log,
    onInit: (init) => post({ type: 'init', init }),
  });
  const inFlight = new InFlight(data.inFlight);
  const end = serveBlocking(
    data.fd,
    session,
    log,
    (fd, buf) => readSync(fd, buf, 0, buf.length, null),
    inFlight,
  );
  fs.close();
  post({ type: 'ended', end });
}

void main(data.spec);
