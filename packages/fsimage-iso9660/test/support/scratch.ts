/** Temporary directories for one test file, removed when its tests are done. */
import { rmSync } from 'node:fs';
import { tempDir, tryRun } from '@x/testkit';
import { afterAll } from 'vitest';

const made: string[] = [];

export function scratchDir(prefix: string): string {
  const dir = tempDir(prefix);
  made.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of made.splice(0)) {
    // Trees extracted from images keep their read-only directories.
    tryRun('chmod', ['-R', 'u+w', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});
