/**
 * Faults (test/programs/fault-*.c, frame in fault.h): each variant is run
 *   handler  a SA_SIGINFO handler prints the signal, si_code, si_addr and what
 *            Linux put in the signal frame (trap number, error code, cr2, rip,
 *            rflags, segments, masks, registers, FP state), then _exit(0);
 *   resume   the handler edits the saved context and returns (rt_sigreturn);
 *   default  no handler: natively the process dies by the signal.
 * Natively now: the handler output names the expected signal and is the
 * same twice; resume continues; default dies by that signal.
 * Under x86-run (once it is built): handler and resume output byte for byte
 * what Linux gave; default exits with 128+signal, names the signal on
 * stderr, and printed the same before dying.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type CompiledSet, compiledPath, compilePrograms, LIBCS } from './support/compile.js';
import { FAULT_PROGRAMS } from './support/programs.js';
import {
  describeResult,
  EMULATED_TIMEOUT,
  requireX86Run,
  runEmulated,
  runNative,
  signalNumber,
} from './support/run.js';

let compiled: CompiledSet;

beforeAll(async () => {
  compiled = await compilePrograms(FAULT_PROGRAMS);
}, 300_000);

const cases = FAULT_PROGRAMS.flatMap((p) =>
  LIBCS.flatMap((libc) =>
    Object.entries(p.variants).map(([variant, signal]) => ({ program: p.name, libc, variant, signal })),
  ),
);

describe('fault programs, natively', () => {
  for (const c of cases) {
    it(`${c.program} ${c.variant} (${c.libc}): the handler sees ${c.signal}, resume continues, default dies`, () => {
      const path = compiledPath(compiled, c.program, c.libc);
      const a = runNative(path, { args: ['handler', c.variant] });
      expect(a.status, describeResult(a)).toBe(0);
      expect(a.stdout).toContain(`${c.variant} handler: start\n`);
      expect(a.stdout).toMatch(new RegExp(`^signal ${signalNumber(c.signal)} ${c.signal} code `, 'm'));
      expect(runNative(path, { args: ['handler', c.variant] })).toEqual(a);

      const r = runNative(path, { args: ['resume', c.variant] });
      expect(r.status, describeResult(r)).toBe(0);
      expect(r.stdout).toContain(`${c.variant}: resumed, rax 0x5eed, mask 0x200\n`);

      const d = runNative(path, { args: ['default', c.variant], noCoreDump: true });
      expect(d.signal, describeResult(d)).toBe(c.signal);
      expect(d.stdout.startsWith(`${c.variant} default: start\n`), d.stdout).toBe(true);
    });
  }
});

describe('fault programs under x86-run', () => {
  beforeAll(requireX86Run);
  for (const c of cases) {
    it(
      `${c.program} ${c.variant} (${c.libc}): the same signal frame, sigreturn and death as on Linux`,
      () => {
        const path = compiledPath(compiled, c.program, c.libc);
        for (const mode of ['handler', 'resume']) {
          const expected = runNative(path, { args: [mode, c.variant] });
          const actual = runEmulated(path, { args: [mode, c.variant] });
          expect(actual.error, describeResult(actual)).toBeUndefined();
          expect(actual.stdout, `${mode}: stdout`).toBe(expected.stdout);
          expect(actual.stderr, `${mode}: stderr`).toBe(expected.stderr);
          expect(actual.status, `${mode}: ${describeResult(actual)}`).toBe(expected.status);
        }
        const native = runNative(path, { args: ['default', c.variant], noCoreDump: true });
        expect(native.signal).toBe(c.signal);
        const actual = runEmulated(path, { args: ['default', c.variant] });
        expect(actual.status, describeResult(actual)).toBe(128 + signalNumber(c.signal));
        expect(actual.stderr).toContain(c.signal);
        expect(actual.stdout).toBe(native.stdout);
      },
      3 * EMULATED_TIMEOUT,
    );
  }
});
