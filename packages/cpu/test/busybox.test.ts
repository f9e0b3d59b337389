/**
 * Debian's busybox-static (/bin/busybox: glibc, static, stripped: a real
 * program nobody wrote for this test) under x86-run: echo, sha256sum, md5sum,
 * sort, wc, seq, expr on files and on standard input must print exactly what
 * they print natively and exit with the same status (expr's errors and false
 * results included). Natively, each case is run now to check that the
 * cases themselves are sound and deterministic.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool, tempDir } from '@x/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeResult, EMULATED_TIMEOUT, requireX86Run, runEmulated, runNative } from './support/run.js';

interface Case {
  name: string;
  args: (dir: string) => string[];
  input?: string;
  /** Expected exit status natively (and so under x86-run). */
  status?: number;
}

const CASES: readonly Case[] = [
  { name: 'echo', args: () => ['echo', 'hello', 'world'] },
  { name: 'echo -n', args: () => ['echo', '-n', 'no newline'] },
  { name: 'echo -e escapes', args: () => ['echo', '-e', 'tab\\there\\nnew line\\x41\\0101'] },
  {
    name: 'sha256sum files',
    args: (d) => ['sha256sum', `${d}/words.txt`, `${d}/numbers.txt`, `${d}/binary.bin`, `${d}/empty`],
  },
  { name: 'sha256sum stdin', args: () => ['sha256sum'], input: 'abc\n'.repeat(1000) },
  { name: 'sha256sum -c', args: (d) => ['sha256sum', '-c', `${d}/sums.txt`] },
  {
    name: 'md5sum files',
    args: (d) => ['md5sum', `${d}/words.txt`, `${d}/numbers.txt`, `${d}/binary.bin`, `${d}/empty`],
  },
  { name: 'md5sum missing file', args: (d) => ['md5sum', `${d}/missing`], status: 1 },
  { name: 'sort', args: (d) => ['sort', `${d}/words.txt`] },
  { name: 'sort -r -u', args: (d) => ['sort', '-r', '-u', `${d}/words.txt`] },
  { name: 'sort -n', args: (d) => ['sort', '-n', `${d}/numbers.txt`] },
  { name: 'sort -k2,2n -t,', args: (d) => ['sort', '-t', ',', '-k', '2,2n', `${d}/table.csv`] },
  { name: 'sort stdin', args: () => ['sort'], input: 'pear\napple\nfig\n\nbanana\n' },
  { name: 'wc', args: (d) => ['wc', `${d}/words.txt`, `${d}/numbers.txt`, `${d}/binary.bin`] },
  { name: 'wc -l', args: (d) => ['wc', '-l', `${d}/words.txt`] },
  { name: 'wc -c stdin', args: () => ['wc', '-c'], input: 'x'.repeat(12345) },
  { name: 'seq', args: () => ['seq', '10'] },
  { name: 'seq -s', args: () => ['seq', '-s', ',', '3', '7', '100'] },
  { name: 'seq negative and descending', args: () => ['seq', '--', '-3', '2', '4'] },
  { name: 'seq descending', args: () => ['seq', '5', '-1', '1'] },
  { name: 'seq floating point', args: () => ['seq', '0.5', '0.25', '3'] },
  { name: 'seq -w', args: () => ['seq', '-w', '8', '12'] },
  { name: 'expr arithmetic', args: () => ['expr', '3', '*', '(', '4', '+', '5', ')', '-', '100', '/', '7'] },
  { name: 'expr 64-bit', args: () => ['expr', '9223372036854775807', '-', '1'] },
  { name: 'expr modulo', args: () => ['expr', '-17', '%', '5'] },
  { name: 'expr length', args: () => ['expr', 'length', 'hello world'] },
  { name: 'expr match', args: () => ['expr', 'abcdef', ':', 'a\\(.c\\)'] },
  { name: 'expr comparison false', args: () => ['expr', '2', '>', '3'], status: 1 },
  { name: 'expr division by zero', args: () => ['expr', '10', '/', '0'], status: 2 },
];

let busybox: string;
let dir: string;

beforeAll(() => {
  busybox = requireTool('busybox');
  dir = tempDir('xvm-busybox-');
  let state = 7;
  const next = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state;
  };
  const words = Array.from({ length: 2000 }, () =>
    Array.from({ length: 1 + (next() % 9) }, () => String.fromCharCode(97 + (next() % 26))).join(''),
  );
  writeFileSync(join(dir, 'words.txt'), `${words.join('\n')}\n`);
  const numbers = Array.from({ length: 1000 }, () => String((next() % 200001) - 100000));
  writeFileSync(join(dir, 'numbers.txt'), `${numbers.join('\n')}\n`);
  const rows = Array.from({ length: 300 }, (_, i) => `row${i},${next() % 1000},${words[i]}`);
  writeFileSync(join(dir, 'table.csv'), `${rows.join('\n')}\n`);
  writeFileSync(join(dir, 'binary.bin'), Buffer.from(Array.from({ length: 70000 }, () => next() & 0xff)));
  writeFileSync(join(dir, 'empty'), '');
  const sums = runNative(busybox, {
    args: ['sha256sum', 'words.txt', 'numbers.txt', 'binary.bin'],
    cwd: dir,
  });
  writeFileSync(join(dir, 'sums.txt'), sums.stdout, 'latin1');
});

describe('busybox cases, natively', () => {
  for (const c of CASES)
    it(`busybox ${c.name}`, () => {
      const options = {
        args: c.args(dir),
        input: c.input === undefined ? undefined : Buffer.from(c.input),
        cwd: dir,
      };
      const a = runNative(busybox, options);
      expect(a.error, describeResult(a)).toBeUndefined();
      expect(a.signal, describeResult(a)).toBeNull();
      expect(a.status, describeResult(a)).toBe(c.status ?? 0);
      const b = runNative(busybox, options);
      expect(b).toEqual(a);
    });
});

describe('busybox under x86-run', () => {
  beforeAll(requireX86Run);
  for (const c of CASES)
    it(
      `busybox ${c.name} prints what it prints natively`,
      () => {
        const options = {
          args: c.args(dir),
          input: c.input === undefined ? undefined : Buffer.from(c.input),
          cwd: dir,
        };
        const expected = runNative(busybox, options);
        const actual = runEmulated(busybox, options);
        expect(actual.error, describeResult(actual)).toBeUndefined();
        expect(actual.stdout).toBe(expected.stdout);
        expect(actual.stderr).toBe(expected.stderr);
        expect(actual.status, describeResult(actual)).toBe(expected.status);
      },
      EMULATED_TIMEOUT + 30_000,
    );
});
