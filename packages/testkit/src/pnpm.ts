/** Running pnpm from a test: the one that runs the test, the one on PATH, or the pinned one through npx. */
import { readFileSync } from 'node:fs';
import { fixturePath } from './fixtures.js';
import { tryRun } from './tools.js';

export function pnpmCommand(): [string, string[]] {
  const exec = process.env['npm_execpath'];
  if (exec && /pnpm/.test(exec)) return [process.execPath, [exec]];
  if (tryRun('pnpm', ['--version']).status === 0) return ['pnpm', []];
  const pinned = JSON.parse(readFileSync(fixturePath('package.json'), 'utf8')).packageManager as string;
  return ['npx', ['--yes', pinned]];
}
