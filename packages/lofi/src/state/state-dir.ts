/**
 * Where the device and mount tables live: `$XVM_STATE_DIR`, else
 * `$XDG_STATE_HOME/xvm`, else `~/.local/state/xvm`. Created private (0700); a
 * directory others can write to is refused, since whoever can replace the
 * table decides which file a device reads.
 */
import { mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { LofiError } from '../errors.js';

export function stateDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env['XVM_STATE_DIR'];
  if (explicit) return resolve(explicit);
  const xdg = env['XDG_STATE_HOME'];
  // The XDG base-directory rules ignore a relative XDG_STATE_HOME.
  if (xdg && isAbsolute(xdg)) return join(xdg, 'xvm');
  return join(env['HOME'] || homedir(), '.local', 'state', 'xvm');
}

export function ensureStateDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new LofiError('EACCES', `cannot create the state directory ${dir}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const st = statSync(dir);
  if (!st.isDirectory()) throw new LofiError('EACCES', `the state directory ${dir} is not a directory`);
  if ((st.mode & 0o022) !== 0) {
    throw new LofiError(
      'EACCES',
      `the state directory ${dir} is writable by others (mode ${(st.mode & 0o777).toString(8)}); make it 0700`,
    );
  }
}
