/**
 * Compiling the C test programs: each once per test run (per test file, which
 * compiles only what it runs), with both C libraries, as static executables:
 *   glibc  gcc -static -O2 -Wall -Werror
 *   musl   musl-gcc -static -O2 -Wall -Werror   (Debian's musl-tools)
 * A missing compiler is a failure, not a skip (requireTool): CI installs both.
 * Compilations run in parallel; a program that fails to compile is reported
 * with the compiler's messages by the tests that use it.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { requireTool, tempDir } from '@x/testkit';
import { PROGRAMS_DIR } from './programs.js';

export type Libc = 'glibc' | 'musl';
export const LIBCS: readonly Libc[] = ['glibc', 'musl'];

const COMPILER: Record<Libc, string> = { glibc: 'gcc', musl: 'musl-gcc' };
export const BASE_CFLAGS = ['-static', '-O2', '-Wall', '-Werror'];

export interface CompileRequest {
  name: string;
  source: string;
  cflags?: readonly string[];
}

export type Compiled = { ok: true; path: string } | { ok: false; error: string };

/** name → libc → result */
export type CompiledSet = Map<string, Record<Libc, Compiled>>;

function compileOne(cc: string, source: string, out: string, cflags: readonly string[]): Promise<Compiled> {
  const args = [...BASE_CFLAGS, ...cflags, '-o', out, join(PROGRAMS_DIR, source), '-lm'];
  return new Promise((resolve) => {
    const child = spawn(cc, args, { cwd: PROGRAMS_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (e) => resolve({ ok: false, error: `${cc}: ${e.message}` }));
    child.on('close', (code) => {
      if (code === 0 && output.trim() === '') resolve({ ok: true, path: out });
      else resolve({ ok: false, error: `${cc} ${args.join(' ')} exited ${code}:\n${output}` });
    });
  });
}

/** Run `jobs` with at most `limit` at a time. */
async function pool<T>(jobs: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

/**
 * Compile every request with both C libraries into a new temporary directory.
 * Outputs are named NAME.glibc and NAME.musl. Programs that share a source
 * (sha256 and sha256-stdin) are compiled once.
 */
export async function compilePrograms(requests: readonly CompileRequest[]): Promise<CompiledSet> {
  for (const libc of LIBCS) requireTool(COMPILER[libc]);
  const dir = tempDir('xvm-cpu-programs-');
  const bySource = new Map<string, CompileRequest>();
  for (const r of requests) {
    const key = `${r.source} ${(r.cflags ?? []).join(' ')}`;
    if (!bySource.has(key)) bySource.set(key, r);
  }
  const jobs: Array<() => Promise<[string, Libc, Compiled]>> = [];
  for (const [key, r] of bySource)
    for (const libc of LIBCS)
      jobs.push(async () => [
        key,
        libc,
        await compileOne(COMPILER[libc], r.source, join(dir, `${r.name}.${libc}`), r.cflags ?? []),
      ]);
  const done = await pool(jobs, Math.max(2, availableParallelism()));
  const byKey = new Map<string, Record<Libc, Compiled>>();
  for (const [key, libc, result] of done) {
    const entry = byKey.get(key) ?? ({} as Record<Libc, Compiled>);
    entry[libc] = result;
    byKey.set(key, entry);
  }
  const set: CompiledSet = new Map();
  for (const r of requests) set.set(r.name, byKey.get(`${r.source} ${(r.cflags ?? []).join(' ')}`)!);
  return set;
}

/** The path of a compiled program, or an error carrying the compiler's messages. */
export function compiledPath(set: CompiledSet, name: string, libc: Libc): string {
  const entry = set.get(name)?.[libc];
  if (!entry) throw new Error(`${name} (${libc}) was not compiled`);
  if (!entry.ok) throw new Error(entry.error);
  return entry.path;
}
