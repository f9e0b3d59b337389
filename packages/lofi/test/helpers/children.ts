/** Other processes using the tables at the same time as the test; they run the built package (dist/). */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export function builtEntryPath(): string {
  return join(packageDir, 'dist', 'index.js');
}

/** The built entry point (the test task builds the package first). */
function builtEntry(): string {
  const entry = builtEntryPath();
  if (!existsSync(entry))
    throw new Error(`${entry} is missing: build the package first (pnpm --filter @x/lofi build)`);
  return entry;
}

export interface Child {
  process: ChildProcess;
  /** Resolves with the exit code (or signal) and everything printed. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** Resolves with the first line of stdout. */
  firstLine: Promise<string>;
}

/** Run an ES module snippet in a new Node process; `lofi` in it is the built package. */
export function spawnModule(body: string, env: NodeJS.ProcessEnv = process.env): Child {
  const code = `import * as lofi from ${JSON.stringify(builtEntry())};\n${body}`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let resolveLine: (line: string) => void;
  const firstLine = new Promise<string>((r) => {
    resolveLine = r;
  });
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    const nl = stdout.indexOf('\n');
    if (nl >= 0) resolveLine(stdout.slice(0, nl));
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((r) => child.on('close', (code, signal) => r({ code, signal, stdout, stderr })));
  return { process: child, done, firstLine };
}

/** A process that just stays alive until killed. */
export function idleProcess(): Child {
  return spawnModule("console.log('up'); setInterval(() => {}, 1000);");
}
