/**
 * A short, bounded coverage-guided run of fuzz/fuse-request.mjs (the FUSE request decoder and session), from seeds
 * made by real tools: any input must give a typed error or a correct result.
 * Long campaigns: `pnpm fuzz` (FUZZ_SECONDS, default 600).
 */
import { fileURLToPath } from 'node:url';
import { fuzzCheck } from '@x/fuzz';
import { expect, it } from 'vitest';

it('survives a short fuzzing campaign without a crash or a hang', async () => {
  const check = await fuzzCheck(fileURLToPath(new URL('../fuzz/fuse-request.mjs', import.meta.url)));
  expect(check.findings).toEqual([]);
  expect(check.runs).toBeGreaterThan(500);
  expect(check.features).toBeGreaterThan(100);
}, 120_000);
