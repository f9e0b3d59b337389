/**
 * The C test programs (test/programs, described in its README): compiled in
 * the test run with gcc (glibc) and musl-gcc, both static. Natively each must
 * compile without a warning and print the same bytes twice in a row; under
 * x86-run each must print exactly what it printed natively, on stdout and
 * stderr, and exit with the same status. sha256 is also checked against
 * sha256sum. Programs that need CPU features beyond the x86-64 baseline run
 * only on hosts that have them, and under x86-run with a CPUID profile that
 * advertises them.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool, run, tempDir } from '@x/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CompiledSet, compiledPath, compilePrograms, LIBCS, type Libc } from './support/compile.js';
import { PROGRAMS, type ProgramSpec, type RunContext, SHA_FIXTURES } from './support/programs.js';
import {
  describeResult,
  EMULATED_TIMEOUT,
  hostHas,
  type ProgramResult,
  requireX86Run,
  runEmulated,
  runNative,
} from './support/run.js';

let compiled: CompiledSet;
let fixtures: string;
let scratch: string;
let fresh = 0;

beforeAll(async () => {
  fixtures = tempDir('xvm-cpu-fixtures-');
  scratch = tempDir('xvm-cpu-scratch-');
  for (const [file, size] of Object.entries(SHA_FIXTURES)) {
    // Deterministic contents: the same bytes in every run.
    const bytes = Buffer.alloc(size);
    for (let i = 0; i < size; i++) bytes[i] = (i * 131 + (i >> 8) * 7 + 17) & 0xff;
    writeFileSync(join(fixtures, file), bytes);
  }
  compiled = await compilePrograms(PROGRAMS);
}, 300_000);

function context(spec: ProgramSpec, libc: Libc): RunContext {
  return {
    fixtures,
    freshPath: () => join(scratch, `${spec.name}-${libc}-${++fresh}`),
    self: compiledPath(compiled, spec.name, libc),
  };
}

/** Arguments are made once per comparison, so both runs of it see the same ones (a fresh path each pair). */
function invocation(spec: ProgramSpec, libc: Libc) {
  const ctx = context(spec, libc);
  return {
    program: ctx.self,
    options: { args: spec.args?.(ctx) ?? [], input: spec.input?.(ctx), cwd: scratch },
  };
}

function expectSameRun(actual: ProgramResult, expected: ProgramResult, what: string) {
  expect(actual.error, `${what}: ${describeResult(actual)}`).toBeUndefined();
  expect(actual.stdout, `${what}: stdout`).toBe(expected.stdout);
  expect(actual.stderr, `${what}: stderr`).toBe(expected.stderr);
  expect({ status: actual.status, signal: actual.signal }, `${what}: ${describeResult(actual)}`).toEqual({
    status: expected.status,
    signal: expected.signal,
  });
}

function checkOracle(spec: ProgramSpec, out: string, args: readonly string[], input: Buffer | undefined) {
  if (spec.oracle !== 'sha256sum') return;
  requireTool('sha256sum');
  const expected = input
    ? run('sh', ['-c', 'sha256sum -'], { input: input.toString('latin1') })
    : run('sha256sum', [...args]);
  expect(out).toBe(expected);
}

describe('test programs, natively', () => {
  for (const spec of PROGRAMS)
    for (const libc of LIBCS) {
      const skip = !hostHas(spec.hostFlags);
      it.skipIf(skip)(`${spec.name} (${libc}) compiles cleanly and prints the same twice`, () => {
        const first = invocation(spec, libc);
        const a = runNative(first.program, first.options);
        expect(a.error, describeResult(a)).toBeUndefined();
        expect(a.signal, describeResult(a)).toBeNull();
        expect(a.status, describeResult(a)).toBe(spec.status ?? 0);
        expect(a.stdout.length).toBeGreaterThan(0);
        const second = invocation(spec, libc);
        const b = runNative(second.program, second.options);
        // fileio gets a fresh path each time; nothing printed depends on it.
        expectSameRun(b, a, 'second native run');
        checkOracle(spec, a.stdout, first.options.args, first.options.input);
      });
    }
});

describe('test programs under x86-run', () => {
  beforeAll(requireX86Run);
  for (const spec of PROGRAMS)
    for (const libc of LIBCS) {
      const skip = !hostHas(spec.hostFlags);
      it.skipIf(skip)(
        `${spec.name} (${libc}) prints under x86-run${spec.cpuid ? ` --cpuid ${spec.cpuid}` : ''} what it prints natively`,
        () => {
          const native = invocation(spec, libc);
          const expected = runNative(native.program, native.options);
          const emulated = invocation(spec, libc);
          const actual = runEmulated(emulated.program, { ...emulated.options, cpuid: spec.cpuid });
          expectSameRun(actual, expected, 'x86-run');
          checkOracle(spec, actual.stdout, emulated.options.args, emulated.options.input);
        },
        EMULATED_TIMEOUT + 30_000,
      );
    }
});
