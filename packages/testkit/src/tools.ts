/** Running the real tools tests compare against (genisoimage, sfdisk, partx …). */
import { spawnSync } from 'node:child_process';

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Run a command to completion; never throws. */
export function tryRun(
  cmd: string,
  args: string[],
  options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
): RunResult {
  const r = spawnSync(cmd, args, {
    cwd: options.cwd,
    input: options.input,
    env: options.env ?? process.env,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  if (r.error) return { status: 127, stdout: '', stderr: String(r.error) };
  return { status: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
}

/** Run a command and return its stdout; throws with its stderr if it fails. */
export function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
): string {
  const r = tryRun(cmd, args, options);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/**
 * Fail loudly when a tool the test compares against is missing: a test that
 * silently skips its oracle proves nothing. The test command installs them.
 */
export function requireTool(name: string): string {
  const r = tryRun('sh', ['-c', `command -v ${name}`]);
  const path = r.stdout.trim();
  if (r.status !== 0 || !path) {
    throw new Error(`required tool "${name}" is not installed (the test command installs it: npm test)`);
  }
  return path;
}
