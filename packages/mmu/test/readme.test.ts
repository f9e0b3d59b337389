/** The README's example runs against the sources and prints what the README says it prints. */
import { readFileSync } from 'node:fs';
import { formatWithOptions } from 'node:util';
import { expect, it } from 'vitest';
import * as mmu from '../src/index.js';

it('README example prints the output shown', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const example = readme.slice(readme.indexOf('## Example'));
  const [, code, printed] = /```js\n([\s\S]*?)```[\s\S]*?```\n([\s\S]*?)```/.exec(example) ?? [];
  expect(code).toContain("from './dist/index.js'");
  const body = code!.replace(/import\s*\{[^}]*\}\s*from\s*'\.\/dist\/index\.js';/, '');
  const lines: string[] = [];
  const console = { log: (...args: unknown[]) => lines.push(formatWithOptions({ colors: false }, ...args)) };
  const names = Object.keys(mmu);
  new Function('console', ...names, body)(console, ...names.map((n) => (mmu as Record<string, unknown>)[n]));
  expect(lines.join('\n')).toBe(printed!.trimEnd());
});
