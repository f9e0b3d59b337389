/**
 * What a target can do to its worker besides throwing: loop forever, exhaust
 * the heap, hold gigabytes of array buffer. Each is a finding, saved with its
 * input, and the campaign goes on to the end of its budget. And what a target
 * calls expected is no finding at all.
 */
import { readFileSync } from 'node:fs';
import { runFuzzer } from '@x/fuzz';
import { describe, expect, it } from 'vitest';
import { fixture, importFixture, scratch, u32le } from './helpers.js';

/** Walk the toy directory records of hang.mjs by hand, for at most `steps` steps: does it stop? */
function walkStops(data: Uint8Array, steps: number): boolean {
  let at = 0;
  for (let i = 0; i < steps; i++) {
    if (at >= data.length) return true;
    if (data[at] === 0) return false;
    at += data[at]!;
  }
  return false;
}

describe('hangs', () => {
  it('stops a worker stuck in a loop, reports where it was stuck, and keeps to the time budget', async () => {
    const crashesDir = scratch();
    const seconds = 4;
    const started = performance.now();
    const report = await runFuzzer({
      target: fixture('hang.mjs'),
      seconds,
      timeoutMs: 250,
      seed: 3,
      crashesDir,
    });
    const elapsed = (performance.now() - started) / 1000;

    expect(report.stoppedBy).toBe('seconds');
    // The budget, plus at most one stack reading (0.5 s) and the workers' shutdown.
    expect(elapsed).toBeLessThan(seconds + 2);
    expect(report.crashes).toEqual([]);
    // Every hang is the same loop: one finding, seen several times, each time in a new worker.
    expect(report.hangs).toHaveLength(1);
    const hang = report.hangs[0]!;
    expect(hang.key).toMatch(/^hang at fuzz \(file:\/\/.*\/hang\.mjs:\d+:\d+\)$/);
    expect(hang.count).toBeGreaterThanOrEqual(2);
    // A new worker for each hang but perhaps the last, cut short by the budget.
    expect(report.workerRestarts).toBeGreaterThanOrEqual(hang.count - 1);
    expect(report.workerRestarts).toBeLessThanOrEqual(hang.count);
    expect(report.runs).toBeGreaterThan(hang.count);

    const saved = new Uint8Array(readFileSync(hang.path!));
    expect(saved).toEqual(hang.input);
    expect(hang.path!).toMatch(/\/hang-[0-9a-f]{40}$/);
    expect(readFileSync(`${hang.path}.txt`, 'utf8')).toMatch(/at fuzz \(.*hang\.mjs/);
    // The input has a zero-length record on the walk: the walker never gets past it.
    expect(walkStops(saved, 10_000)).toBe(false);
    // The seed itself walks to the end.
    const target = await importFixture<{ seeds(): Uint8Array[] }>('hang.mjs');
    expect(walkStops(target.seeds()[0]!, 10_000)).toBe(true);
  });
});

describe('memory', () => {
  it('reports a heap blown up by a count from the input as an out-of-memory crash, and goes on', async () => {
    const report = await runFuzzer({
      target: fixture('heap.mjs'),
      seconds: 6,
      memoryLimitMb: 64,
      timeoutMs: 10_000,
      seed: 1,
      crashesDir: scratch(),
    });
    expect(report.stoppedBy).toBe('seconds');
    expect(report.hangs).toEqual([]);
    expect(report.crashes.map((c) => c.key)).toEqual(['out of memory (JS heap)']);
    const oom = report.crashes[0]!;
    expect(oom.reason).toBe('out of memory');
    expect(report.workerRestarts).toBeGreaterThanOrEqual(oom.count - 1);
    expect(report.workerRestarts).toBeLessThanOrEqual(oom.count);
    expect(report.runs).toBeGreaterThan(oom.count);
    // A count of entries that cannot fit in 64 MiB (each entry is an object, a string and an array).
    const saved = new Uint8Array(readFileSync(oom.path!));
    expect(u32le(saved, 0)).toBeGreaterThan(65_536);
  });

  it('reports array buffers sized by the input beyond the limit as an out-of-memory crash', async () => {
    const report = await runFuzzer({
      target: fixture('table.mjs'),
      runs: 400,
      memoryLimitMb: 64,
      seed: 1,
      crashesDir: scratch(),
    });
    expect(report.stoppedBy).toBe('runs');
    expect(report.runs).toBe(400);
    expect(report.crashes.length).toBeGreaterThanOrEqual(1);
    for (const crash of report.crashes) {
      expect(crash.reason).toBe('out of memory');
      expect(crash.key).toMatch(/^out of memory \((array buffers|allocation failed)/);
      expect(u32le(new Uint8Array(readFileSync(crash.path!)), 0)).toBeGreaterThan(64 * 2 ** 20);
    }
  });
});

describe('expected errors', () => {
  interface ToyReader {
    fuzz(data: Uint8Array): number;
    seeds(): Uint8Array[];
    ToyError: new (...args: never[]) => Error;
  }

  it('are not crashes when the target judges them expected, and are when it does not', async () => {
    const target = await importFixture<ToyReader>('expected.mjs');
    const seed = target.seeds()[0]!;
    // The errors are real: a cut image and a bad magic throw ToyErrors.
    expect(target.fuzz(seed)).toBe(4);
    expect(() => target.fuzz(seed.subarray(0, 6))).toThrow(target.ToyError);
    expect(() => target.fuzz(Uint8Array.from([...seed].map((b, i) => (i === 0 ? 0 : b))))).toThrow(
      target.ToyError,
    );

    const judged = await runFuzzer({ target: fixture('expected.mjs'), runs: 3000, seed: 5 });
    const unjudged = await runFuzzer({ target: fixture('unjudged.mjs'), runs: 3000, seed: 5 });
    expect(judged.crashes).toEqual([]);
    expect(judged.hangs).toEqual([]);
    expect(unjudged.crashes.length).toBeGreaterThanOrEqual(1);
    for (const crash of unjudged.crashes) expect(crash.key).toMatch(/^ToyError at /);
  });
});
