/**
 * The proof that the engine is coverage-guided: a crash behind a chain of
 * nested checks (magic, length field, record offset, record byte) is found
 * from a seed that has only the right length, and the same engine with the
 * feedback switched off (mutating the seed blindly, same budget, same
 * random seed) does not find it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { runFuzzer } from '@x/fuzz';
import { describe, expect, it } from 'vitest';
import { fixture, importFixture, scratch, sha1, u32le } from './helpers.js';

const BUDGET = 50_000;
const SEED = 1;

interface ChainTarget {
  fuzz(data: Uint8Array): void;
  seeds(): Uint8Array[];
  ChainReached: new (...args: unknown[]) => Error;
}

describe('coverage guidance', () => {
  it('finds the crash behind the chain of checks, which blind mutation does not', async () => {
    const crashesDir = scratch();
    const guided = await runFuzzer({
      target: fixture('chain.mjs'),
      runs: BUDGET,
      seed: SEED,
      crashesDir,
      stopOnFinding: true,
    });
    const blind = await runFuzzer({
      target: fixture('chain.mjs'),
      runs: BUDGET,
      seed: SEED,
      feedback: false,
    });

    expect(blind.stoppedBy).toBe('runs');
    expect(blind.runs).toBe(BUDGET);
    expect(blind.crashes).toEqual([]);
    expect(blind.corpusSize).toBe(1);

    expect(guided.stoppedBy).toBe('finding');
    expect(guided.runs).toBeLessThan(BUDGET);
    expect(guided.corpusSize).toBeGreaterThan(4);
    expect(guided.crashes).toHaveLength(1);
    const crash = guided.crashes[0]!;
    expect(crash.reason).toBe('exception');
    expect(crash.key).toMatch(/^ChainReached at fuzz \(file:\/\/.*\/chain\.mjs:\d+:\d+\)$/);

    // Saved under its hash, with a note holding the stack.
    const saved = new Uint8Array(readFileSync(crash.path!));
    expect(saved).toEqual(crash.input);
    expect(basename(crash.path!)).toBe(`crash-${sha1(saved)}`);
    expect(readFileSync(`${crash.path}.txt`, 'utf8')).toContain('ChainReached: record at');

    // Every stage of the chain holds for it, checked here from the layout, not by the target.
    expect(Buffer.from(saved.subarray(0, 4)).toString('latin1')).toBe('XVM1');
    expect(u32le(saved, 4)).toBe(saved.length - 8);
    const record = saved[8]!;
    expect(record).toBeGreaterThanOrEqual(9);
    expect(record).toBeLessThan(saved.length);
    expect(saved[record]).toBe(0x80);

    // The seed had nothing but the length; the target itself throws on the saved input.
    const target = await importFixture<ChainTarget>('chain.mjs');
    expect(target.seeds()).toEqual([new Uint8Array(16)]);
    expect(() => target.fuzz(saved)).toThrow(target.ChainReached);
  });

  it('repeats a campaign exactly given one job and the same seed', async () => {
    const runs = [scratch(), scratch()];
    const reports = [];
    for (const corpusDir of runs) {
      reports.push(await runFuzzer({ target: fixture('chain.mjs'), runs: 3000, seed: 7, corpusDir }));
    }
    const [a, b] = reports;
    expect(a!.newCorpusFiles).toBeGreaterThan(0);
    expect(b!.features).toBe(a!.features);
    expect(b!.corpusSize).toBe(a!.corpusSize);
    const names = runs.map((dir) => readdirSync(dir).sort());
    expect(names[1]).toEqual(names[0]);
  });
});
