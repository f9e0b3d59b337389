/**
 * Running a static x86-64 program natively and under x86-run, the same way:
 * the same path, arguments, standard input, working directory and a small
 * fixed environment, with a timeout; the result keeps stdout and stderr as
 * bytes (latin1 strings map each byte to one character, so comparing the
 * strings compares the bytes), the exit status and the signal.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';

/** The built x86-run (the test command builds the package first). */
export const X86_RUN = new URL('../../dist/bin/x86-run.js', import.meta.url).pathname;

/** The comparisons need the built command; its absence is a failure, not a reason to skip. */
export function requireX86Run(): void {
  if (!existsSync(X86_RUN)) throw new Error(`${X86_RUN} is missing: build the package first (pnpm build)`);
}

/** The environment both runs get: small, fixed, and free of anything host-specific. */
export const RUN_ENV: Readonly<Record<string, string>> = {
  PATH: '/usr/bin:/bin',
  LC_ALL: 'C',
  TZ: 'UTC',
  HOME: '/nonexistent',
  XVM_TEST: 'cpu-programs',
};

export interface RunOptions {
  args?: readonly string[];
  input?: Buffer;
  cwd?: string;
  /** Milliseconds; the process is killed with SIGKILL after it. */
  timeout?: number;
  /** x86-run's --cpuid profile. */
  cpuid?: string;
}

export interface ProgramResult {
  /** Exit status, or null when killed by a signal. */
  status: number | null;
  /** The signal that ended the process natively (x86-run itself exits with 128+n instead). */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Set when the process could not be started or ran past the timeout. */
  error?: string;
}

export const NATIVE_TIMEOUT = 60_000;
export const EMULATED_TIMEOUT = Number(process.env['XVM_X86RUN_TIMEOUT_MS'] ?? 600_000);

function spawnResult(
  cmd: string,
  argv: readonly string[],
  options: RunOptions,
  timeout: number,
): ProgramResult {
  const r = spawnSync(cmd, argv, {
    cwd: options.cwd,
    input: options.input ?? Buffer.alloc(0),
    env: { ...RUN_ENV },
    timeout,
    killSignal: 'SIGKILL',
    maxBuffer: 512 << 20,
  });
  const result: ProgramResult = {
    status: r.status,
    signal: r.signal,
    stdout: (r.stdout ?? Buffer.alloc(0)).toString('latin1'),
    stderr: (r.stderr ?? Buffer.alloc(0)).toString('latin1'),
  };
  if (r.error) result.error = String(r.error);
  return result;
}

/**
 * Run natively: the program itself is spawned (not through a shell, which
 * would add PWD to the environment). With `noCoreDump` (for programs that die
 * by a signal) it goes through `sh -c 'ulimit -c 0; exec "$0" "$@"'` so that
 * nothing is left behind; the program keeps its path as argv[0].
 */
export function runNative(
  program: string,
  options: RunOptions & { noCoreDump?: boolean } = {},
): ProgramResult {
  const timeout = options.timeout ?? NATIVE_TIMEOUT;
  if (options.noCoreDump)
    return spawnResult(
      '/bin/sh',
      ['-c', 'ulimit -c 0; exec "$0" "$@"', program, ...(options.args ?? [])],
      options,
      timeout,
    );
  return spawnResult(program, options.args ?? [], options, timeout);
}

/** Run under x86-run: node dist/bin/x86-run.js [--cpuid P] PROGRAM ARGS... */
export function runEmulated(program: string, options: RunOptions = {}): ProgramResult {
  const x86run = [X86_RUN, ...(options.cpuid ? ['--cpuid', options.cpuid] : [])];
  return spawnResult(
    process.execPath,
    [...x86run, program, ...(options.args ?? [])],
    options,
    options.timeout ?? EMULATED_TIMEOUT,
  );
}

/** Signal number by name (SIGSEGV → 11). */
export function signalNumber(name: string): number {
  const n = (constants.signals as Record<string, number>)[name];
  if (n === undefined) throw new Error(`unknown signal ${name}`);
  return n;
}

/** The flags line of /proc/cpuinfo: what the host CPU can run. */
let hostFlagsCache: Set<string> | undefined;
export function hostCpuFlags(): Set<string> {
  if (!hostFlagsCache) {
    const text = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
    const line = /^flags\s*:(.*)$/m.exec(text)?.[1] ?? '';
    hostFlagsCache = new Set(line.trim().split(/\s+/));
  }
  return hostFlagsCache;
}

export function hostHas(flags: readonly string[] | undefined): boolean {
  const have = hostCpuFlags();
  return (flags ?? []).every((f) => have.has(f));
}

/** A one-line account of a result, for assertion messages. */
export function describeResult(r: ProgramResult): string {
  const tail = (s: string) => (s.length > 2000 ? `…${s.slice(-2000)}` : s);
  return `status ${r.status} signal ${r.signal}${r.error ? ` error ${r.error}` : ''}\nstderr: ${tail(r.stderr)}`;
}
