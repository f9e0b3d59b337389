/**
 * A short campaign as a check, for test suites: run a target for a few
 * seconds and describe every crash and hang found, so that a test can expect
 * that list to be empty and name the saved inputs when it is not.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFuzzer } from './engine.js';

export interface FuzzCheck {
  runs: number;
  features: number;
  /** One line per crash or hang: what it was and where its input was saved. */
  findings: string[];
}

export async function fuzzCheck(target: string, options: { seconds?: number } = {}): Promise<FuzzCheck> {
  const report = await runFuzzer({
    target,
    seconds: options.seconds ?? 15,
    crashesDir: mkdtempSync(join(tmpdir(), 'fuzz-findings-')),
    log: () => {},
  });
  const findings = [...report.crashes, ...report.hangs].map(
    (f) => `${f.kind}: ${f.key}: ${f.message} (${f.path})`,
  );
  return { runs: report.runs, features: report.features, findings };
}
