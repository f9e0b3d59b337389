/** The fuzzer's own failures are FuzzErrors with a code, not findings. */
import { FuzzError, runFuzzer } from '@x/fuzz';
import { describe, expect, it } from 'vitest';
import { fixture } from './helpers.js';

async function failure(run: Promise<unknown>): Promise<FuzzError> {
  try {
    await run;
  } catch (e) {
    if (e instanceof FuzzError) return e;
    throw e;
  }
  throw new Error('the campaign did not fail');
}

describe('FuzzError', () => {
  it('names a missing target, a module without fuzz(), and failing seeds', async () => {
    const missing = await failure(runFuzzer({ target: fixture('absent.mjs'), runs: 1 }));
    expect(missing.code).toBe('ETARGET');
    expect(missing.message).toContain('absent.mjs');

    const noFuzz = await failure(runFuzzer({ target: fixture('nofuzz.mjs'), runs: 1 }));
    expect(noFuzz.code).toBe('ETARGET');
    expect(noFuzz.message).toContain('does not export a function fuzz');

    const badSeeds = await failure(runFuzzer({ target: fixture('badseeds.mjs'), runs: 1 }));
    expect(badSeeds.code).toBe('ETARGET');
    expect(badSeeds.message).toContain('mkisofs is not installed');
  });

  it('rejects budgets and sizes that are not positive numbers', async () => {
    for (const options of [
      { runs: 0 },
      { runs: 1.5 },
      { seconds: -1 },
      { jobs: 0 },
      { maxLen: 0 },
      { seed: -1 },
    ]) {
      const e = await failure(runFuzzer({ target: fixture('chain.mjs'), ...options }));
      expect(e.code).toBe('EUSAGE');
    }
  });
});
