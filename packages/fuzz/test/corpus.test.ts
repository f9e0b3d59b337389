/**
 * The corpus: what is kept, how it is saved, how a saved corpus seeds the
 * next campaign, and what counts as new coverage.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFuzzer } from '@x/fuzz';
import { describe, expect, it } from 'vitest';
import { fixture, scratch, sha1 } from './helpers.js';

describe('corpus directory', () => {
  it('receives every newly kept input under its SHA-1, and seeds the next campaign', async () => {
    const corpusDir = scratch();
    const first = await runFuzzer({ target: fixture('chain.mjs'), runs: 4000, seed: 11, corpusDir });
    const files = readdirSync(corpusDir);
    expect(first.newCorpusFiles).toBeGreaterThan(3);
    expect(files).toHaveLength(first.newCorpusFiles);
    // The seed plus what was kept.
    expect(first.corpusSize).toBe(first.newCorpusFiles + 1);
    for (const name of files) {
      const data = readFileSync(join(corpusDir, name));
      expect(name).toBe(sha1(data));
      expect(data.length).toBeLessThanOrEqual(first.maxLen);
    }

    // The first campaign got past the magic, and kept the input that did (checked from the layout).
    const kept = files.map((name) => readFileSync(join(corpusDir, name)));
    expect(kept.some((data) => data.length >= 16 && data.subarray(0, 4).toString('latin1') === 'XVM1')).toBe(
      true,
    );

    // A campaign that only replays the saved corpus and the seed starts with all of it, and
    // with more coverage than the seed alone gives; it writes nothing it already has.
    const replay = await runFuzzer({
      target: fixture('chain.mjs'),
      runs: files.length + 1,
      seed: 12,
      corpusDir,
    });
    const seedOnly = await runFuzzer({
      target: fixture('chain.mjs'),
      runs: 1,
      seed: 12,
      corpusDir: scratch(),
    });
    expect(replay.runs).toBe(files.length + 1);
    expect(replay.corpusSize).toBe(files.length + 1);
    expect(replay.newCorpusFiles).toBe(0);
    expect(readdirSync(corpusDir)).toHaveLength(files.length);
    expect(seedOnly.corpusSize).toBe(1);
    expect(replay.features).toBeGreaterThan(seedOnly.features);
  });

  it('counts a branch that runs exactly as often as its function as new coverage', async () => {
    // V8 reports no range for such a block (it merges into its function's), so
    // only the boundaries remembered from the runs that skipped it reveal it.
    const corpusDir = scratch();
    const report = await runFuzzer({ target: fixture('branch.mjs'), runs: 3000, seed: 2, corpusDir });
    const kept = readdirSync(corpusDir).map((name) => [...readFileSync(join(corpusDir, name))]);
    expect(kept.some((data) => data[0] === 0x80)).toBe(true);
    expect(report.crashes).toEqual([]);
  });
});
