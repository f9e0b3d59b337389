/**
 * Feedback from V8's precise block coverage, read through the inspector
 * protocol of the worker's own isolate.
 *
 * `Profiler.takePreciseCoverage` returns, per script, the source ranges of
 * every function that ran since the previous call (and of the uncalled
 * functions nested in those), each range with an execution count, and resets
 * the counters. Ranges nest; a position's count is that of the innermost
 * range around it. V8 leaves out a block whose count equals its parent's and
 * merges neighbours with equal counts, so a block that starts running exactly
 * as often as its function makes its range vanish rather than appear. To see
 * that, each script keeps every range boundary it has ever reported, and the
 * feedback is computed over the elementary intervals between known
 * boundaries: a feature is (script, interval start, hit-count bucket).
 */
import { Session } from 'node:inspector';
import { FuzzError } from './errors.js';

/** Hit counts grouped as libFuzzer groups its edge counters. */
const BUCKET_FLOORS = [1, 2, 3, 4, 8, 16, 32, 128] as const;

/** The bucket index (0-7) of a positive count. */
export function bucketOf(count: number): number {
  let bucket = 0;
  while (bucket + 1 < BUCKET_FLOORS.length && count >= BUCKET_FLOORS[bucket + 1]!) bucket++;
  return bucket;
}

const OFFSET_BITS = 27;
const SLOT_BITS = 21;

/**
 * One number per feature, exact in a double: 21 bits of script, 27 of source
 * offset, 3 of bucket.
 */
export function featureOf(slot: number, offset: number, bucket: number): number {
  const position = (offset % 2 ** OFFSET_BITS) + slot * 2 ** OFFSET_BITS;
  return position * 8 + bucket;
}

/** A script's slot: a hash of its URL, so that every worker numbers it the same. */
export function slotOf(url: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < url.length; i++) {
    h ^= url.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % 2 ** SLOT_BITS;
}

interface CoverageRange {
  startOffset: number;
  endOffset: number;
  count: number;
}

interface ScriptCoverage {
  scriptId: string;
  url: string;
  functions: { ranges: CoverageRange[] }[];
}

/** The boundaries a script has reported so far, kept sorted. */
class ScriptBoundaries {
  readonly slot: number;
  private readonly known = new Set<number>();
  sorted: number[] = [];

  constructor(url: string) {
    this.slot = slotOf(url);
  }

  learn(ranges: readonly CoverageRange[]): void {
    let added = false;
    for (const r of ranges) {
      for (const offset of [r.startOffset, r.endOffset]) {
        if (!this.known.has(offset)) {
          this.known.add(offset);
          added = true;
        }
      }
    }
    if (added) this.sorted = [...this.known].sort((a, b) => a - b);
  }

  /** Index of the first boundary at or after `offset`. */
  indexOf(offset: number): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Call the inspector synchronously: a session on the thread's own isolate answers before post returns. */
function postSync<T>(session: Session, method: string, params?: object): T {
  let answered = false;
  let failure: Error | null = null;
  let answer: unknown;
  session.post(method, params ?? {}, (err, result) => {
    answered = true;
    failure = err;
    answer = result;
  });
  if (!answered) throw new FuzzError('EENGINE', `the inspector did not answer ${method} synchronously`);
  if (failure) throw failure;
  return answer as T;
}

export class CoverageCollector {
  private readonly session = new Session();
  /** Per V8 script id: the script's boundaries, or null when it is not under test. */
  private readonly scripts = new Map<string, ScriptBoundaries | null>();
  private inScope: (url: string) => boolean;

  constructor(inScope: (url: string) => boolean) {
    this.inScope = inScope;
  }

  /** Start counting. Must run before the code under test is loaded, so that it is compiled with block counters. */
  start(): void {
    this.session.connect();
    postSync(this.session, 'Profiler.enable');
    postSync(this.session, 'Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  }

  /** Which scripts count as feedback; decided once per script, when it first reports. */
  setScope(inScope: (url: string) => boolean): void {
    this.inScope = inScope;
    this.scripts.clear();
  }

  /** Zero the counters (after loading, after seeding). */
  reset(): void {
    postSync(this.session, 'Profiler.takePreciseCoverage');
  }

  /** The features of everything that ran since the last call; resets the counters. */
  collect(): number[] {
    const { result } = postSync<{ result: ScriptCoverage[] }>(this.session, 'Profiler.takePreciseCoverage');
    const features: number[] = [];
    for (const script of result) {
      const boundaries = this.boundariesOf(script);
      if (boundaries) featuresOfScript(script, boundaries, features);
    }
    return features;
  }

  private boundariesOf(script: ScriptCoverage): ScriptBoundaries | null {
    let entry = this.scripts.get(script.scriptId);
    if (entry === undefined) {
      entry = this.inScope(script.url) ? new ScriptBoundaries(script.url) : null;
      this.scripts.set(script.scriptId, entry);
    }
    return entry;
  }
}

function featuresOfScript(script: ScriptCoverage, boundaries: ScriptBoundaries, out: number[]): void {
  const ranges: CoverageRange[] = [];
  for (const fn of script.functions) for (const r of fn.ranges) ranges.push(r);
  if (ranges.length === 0) return;
  boundaries.learn(ranges);
  // Outer ranges before the ranges they contain.
  ranges.sort((a, b) => a.startOffset - b.startOffset || b.endOffset - a.endOffset);
  const points = boundaries.sorted;
  const open: CoverageRange[] = [];
  let next = 0;
  let k = boundaries.indexOf(ranges[0]!.startOffset);
  while (k < points.length - 1) {
    const at = points[k]!;
    while (open.length > 0 && open[open.length - 1]!.endOffset <= at) open.pop();
    while (next < ranges.length && ranges[next]!.startOffset <= at) {
      const r = ranges[next++]!;
      if (r.endOffset > at) open.push(r);
    }
    if (open.length === 0) {
      // Between reported functions: skip to the next range.
      if (next >= ranges.length) return;
      k = boundaries.indexOf(ranges[next]!.startOffset);
      continue;
    }
    const count = open[open.length - 1]!.count;
    if (count > 0) out.push(featureOf(boundaries.slot, at, bucketOf(count)));
    k++;
  }
}
