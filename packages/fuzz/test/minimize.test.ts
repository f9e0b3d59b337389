/** Crash minimisation: the smallest input that contains the crashing byte is that byte alone. */
import { readFileSync } from 'node:fs';
import { runFuzzer } from '@x/fuzz';
import { describe, expect, it } from 'vitest';
import { fixture, importFixture, scratch } from './helpers.js';

describe('minimize', () => {
  it('shrinks a crashing input to the one byte that matters, and saves it next to the crash', async () => {
    const target = await importFixture<{ seeds(): Uint8Array[]; fuzz(d: Uint8Array): void }>('contains.mjs');
    const seed = target.seeds()[0]!;
    expect(seed.length).toBe(200);
    expect(() => target.fuzz(seed)).toThrow(TypeError);

    const report = await runFuzzer({
      target: fixture('contains.mjs'),
      runs: 200,
      seed: 1,
      minimize: true,
      crashesDir: scratch(),
    });
    expect(report.crashes).toHaveLength(1);
    const crash = report.crashes[0]!;
    expect(crash.key).toMatch(/^TypeError at fuzz \(.*contains\.mjs:\d+:\d+\)$/);
    expect(crash.input.length).toBeGreaterThan(1);
    expect(crash.minimized?.input).toEqual(Uint8Array.from([0xab]));
    expect(crash.minimized?.path).toBe(`${crash.path}.min`);
    expect([...readFileSync(crash.minimized!.path!)]).toEqual([0xab]);
  });
});
