/**
 * The vitest settings every package shares. When XVM_TEST_REPORT_DIR is set
 * (by `npm test`), each package also writes a JSON report there, which the
 * test command sums into one closing line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export function packageTestConfig(packageDir: string) {
  const name = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).name as string;
  const reportDir = process.env['XVM_TEST_REPORT_DIR'];
  return defineConfig({
    test: {
      include: ['test/**/*.test.ts'],
      testTimeout: 120_000,
      hookTimeout: 120_000,
      reporters: reportDir ? ['default', 'json'] : ['default'],
      outputFile: reportDir ? { json: join(reportDir, `${name.replace('/', '+')}.json`) } : undefined,
    },
  });
}
