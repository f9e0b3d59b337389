/**
 * A short, bounded coverage-guided run of fuzz/disk-label.mjs (partition tables), from seeds
 * made by real tools. Any input must give a typed error or a correct result:
 * a crash or a hang fails the test, with the saved input named. Long
 * campaigns: `pnpm fuzz` (FUZZ_SECONDS, default 600).
 */
import { fileURLToPath } from 'node:url';
import { runFuzzer } from '@x/fuzz';
import { tempDir } from '@x/testkit';
import { expect, it } from 'vitest';

it('survives a short fuzzing campaign without a crash or a hang', async () => {
  const report = await runFuzzer({
    target: fileURLToPath(new URL('../fuzz/disk-label.mjs', import.meta.url)),
    seconds: Number(process.env['FUZZ_TEST_SECONDS'] ?? 15),
    crashesDir: tempDir('fuzz-crashes-'),
    log: () => {},
  });
  expect(report.crashes.map((c) => `${c.key}: ${c.message} (${c.path})`)).toEqual([]);
  expect(report.hangs.map((c) => `${c.key}: ${c.message} (${c.path})`)).toEqual([]);
  expect(report.runs).toBeGreaterThan(500);
  expect(report.features).toBeGreaterThan(100);
}, 120_000);
