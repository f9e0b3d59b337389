/**
 * The x86-run command line without the engine: option parsing, PATH lookup,
 * exit statuses for programs that cannot run, and what it does when the CPU
 * stops without the program exiting (a stand-in CPU that only halts).
 */
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@x/testkit';
import { describe, expect, it } from 'vitest';
import { findProgram, type X86RunEngine, x86RunMain } from '../src/linux/cli.js';
import { compileC, FakeCpu } from './linux-helpers.js';

const fakeEngine: X86RunEngine = {
  createCpu: (memory, mmu) => new FakeCpu(memory, mmu),
  hwcap: (profile) => (profile === 'baseline' ? 0x078bfbff : undefined),
  profiles: ['baseline'],
};

function runCli(argv: string[], env: NodeJS.ProcessEnv = { PATH: '/usr/bin:/bin' }) {
  const dir = tempDir('x86-run-cli-');
  const [out, err] = ['out', 'err'].map((n) => openSync(join(dir, n), 'w+'));
  try {
    const status = x86RunMain(argv, fakeEngine, { stdin: 0, stdout: out!, stderr: err!, env, cwd: dir });
    return {
      status,
      stdout: readFileSync(join(dir, 'out'), 'utf8'),
      stderr: readFileSync(join(dir, 'err'), 'utf8'),
      dir,
    };
  } finally {
    closeSync(out!);
    closeSync(err!);
  }
}

describe('x86-run', () => {
  it('prints its usage for --help (0) and for bad options (2)', () => {
    expect(runCli(['--help'])).toMatchObject({
      status: 0,
      stdout: expect.stringMatching(/^Usage: x86-run /),
    });
    expect(runCli(['--frobnicate', 'x'])).toMatchObject({
      status: 2,
      stderr: expect.stringMatching(/^x86-run: unknown option --frobnicate\nUsage/),
    });
    expect(runCli([])).toMatchObject({ status: 2, stderr: expect.stringMatching(/no program given/) });
    expect(runCli(['--cpuid'])).toMatchObject({
      status: 2,
      stderr: expect.stringMatching(/--cpuid needs a value/),
    });
    expect(runCli(['--memory', '3X', 'x'])).toMatchObject({ status: 2 });
    expect(runCli(['--cpuid', 'pentium', '/bin/busybox'])).toMatchObject({
      status: 2,
      stderr: 'x86-run: unknown CPUID profile pentium (known: baseline)\n',
    });
  });

  it('answers 127 for a program it cannot find and 126 for one it cannot run', () => {
    expect(runCli(['no-such-program-here'])).toMatchObject({
      status: 127,
      stderr: 'x86-run: no-such-program-here: not found\n',
    });
    const dir = tempDir('x86-run-cli-');
    writeFileSync(join(dir, 'script'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
    expect(runCli([join(dir, 'script')])).toMatchObject({
      status: 126,
      stderr: expect.stringMatching(/not an ELF file/),
    });
    const dynamic = compileC('dynamic', 'int main(void) { return 0; }\n', { flags: ['-O2'] });
    expect(runCli([dynamic])).toMatchObject({
      status: 126,
      stderr: expect.stringMatching(/dynamically linked/),
    });
  });

  it('finds a program in PATH as execvp does, and stops options at the program name', () => {
    expect(findProgram('busybox', { PATH: '/nonexistent:/bin' }, '/')).toEqual({
      file: '/bin/busybox',
      execfn: '/bin/busybox',
    });
    expect(findProgram('./x', {}, '/tmp')).toEqual({ file: '/tmp/x', execfn: './x' });
    expect(findProgram('no-such-program-here', { PATH: '/bin' }, '/')).toBeUndefined();
    // Everything after PROGRAM is the program's, even what looks like an option; the
    // stand-in CPU never runs it, so the process ends when the CPU halts.
    const r = runCli(['--memory=64M', 'busybox', '--stats']);
    expect(r.status).toBe(128 + 9);
    expect(r.stderr).toMatch(/^x86-run: busybox killed by SIGKILL \(the CPU halted; rip 0x40ebf0\)\n$/);
  });
});
