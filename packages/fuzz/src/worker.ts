/**
 * An execution worker: loads the target once, then runs it on one input per
 * request and answers with the outcome and the coverage features this worker
 * had not seen before. The engine times each request and terminates the
 * worker when one runs too long or it dies of its heap limit.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CoverageCollector } from './coverage.js';
import { FuzzError } from './errors.js';
import type {
  FatalMessage,
  ReadyMessage,
  RunRequest,
  RunResult,
  ThrownValue,
  WorkerInit,
} from './protocol.js';
import { defaultScope, describe, type LoadedTarget, loadTarget, seedsOf } from './target.js';

const init = workerData as WorkerInit;
const port = parentPort!;

/** Features reported by runs that did not crash: the engine has them all. */
const seen = new Set<number>();
/** Per feature, how many runs reached it: what makes a feature rare. */
const hits = new Map<number, number>();

/** Count this run's features; returns the hit count of the rarest. */
function countHits(features: readonly number[]): number {
  let rarest = 0;
  for (const f of features) {
    const n = (hits.get(f) ?? 0) + 1;
    hits.set(f, n);
    if (rarest === 0 || n < rarest) rarest = n;
  }
  return rarest;
}

function flatten(e: unknown): ThrownValue {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: typeof e, message: String(e), stack: undefined };
}

/** V8's words when a typed array's backing store cannot be had: the input asked for too much memory. */
function isAllocationFailure(e: unknown): boolean {
  return e instanceof RangeError && /Array buffer allocation failed/.test(e.message);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** What a thrown value makes of a run: an expected error, a crash, or an allocation V8 refused. */
function judge(target: LoadedTarget, thrown: unknown): Pick<RunResult, 'outcome' | 'error' | 'oomCause'> {
  if (isAllocationFailure(thrown))
    return { outcome: 'oom', oomCause: 'allocation failed', error: flatten(thrown) };
  try {
    if (target.isExpected?.(thrown) === true) return { outcome: 'ok' };
  } catch (judging) {
    // isExpected itself failed: that is the crash to report.
    return { outcome: 'crash', error: flatten(judging) };
  }
  return { outcome: 'crash', error: flatten(thrown) };
}

async function execute(target: LoadedTarget, collector: CoverageCollector | null, request: RunRequest) {
  let verdict: Pick<RunResult, 'outcome' | 'error' | 'oomCause'> = { outcome: 'ok' };
  try {
    // Called without a receiver, so that stack frames name it "fuzz", not "Object.fuzz".
    const fuzz = target.fuzz;
    const returned = fuzz(request.data);
    if (isThenable(returned)) await returned;
  } catch (e) {
    verdict = judge(target, e);
  }
  const all = collector ? collector.collect() : [];
  const rarest = countHits(all);
  const fresh: number[] = [];
  for (const f of all) if (!seen.has(f)) fresh.push(f);
  if (verdict.outcome === 'ok') {
    for (const f of fresh) seen.add(f);
    const held = process.memoryUsage().arrayBuffers;
    if (held > init.memoryLimitBytes) {
      verdict = {
        outcome: 'oom',
        oomCause: 'array buffers',
        error: {
          name: 'OutOfMemory',
          message: `${Math.round(held / 2 ** 20)} MiB of array buffers held after the run`,
          stack: undefined,
        },
      };
    }
  }
  const result: RunResult = {
    type: 'result',
    id: request.id,
    ...verdict,
    features: Float64Array.from(fresh),
    featureCount: all.length,
    rarest,
  };
  port.postMessage(result);
}

async function main(): Promise<void> {
  const collector = init.coverage ? new CoverageCollector(() => false) : null;
  collector?.start();
  const target = await loadTarget(init.targetUrl);
  collector?.setScope(target.covers ?? defaultScope(init.fuzzerUrl));
  const seeds = init.wantSeeds ? await seedsOf(target) : [];
  collector?.reset();
  // One request at a time: the next waits for the previous, even an async one.
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (request: RunRequest) => {
    queue = queue.then(() => execute(target, collector, request));
  });
  const ready: ReadyMessage = {
    type: 'ready',
    seeds,
    dictionary: target.dictionary,
    hasIsExpected: target.isExpected !== undefined,
  };
  port.postMessage(ready);
}

main().catch((e: unknown) => {
  const message = e instanceof FuzzError ? e.message : `worker failed to start: ${describe(e)}`;
  const fatal: FatalMessage = { type: 'fatal', message };
  port.postMessage(fatal);
});
