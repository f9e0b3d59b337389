/**
 * tmount's places in the state directory it shares with @x/lofi: mount points
 * it chose itself (`mnt/`), and the log of its mount daemons (`log/`).
 */
import { existsSync, mkdirSync, rmdirSync } from 'node:fs';
import { basename, join, resolve, sep } from 'node:path';
import { ensureStateDirectory, stateDirectory } from '@x/lofi';

export function autoMountRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDirectory(env), 'mnt');
}

export function logFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDirectory(env), 'log', 'tmount.log');
}

/** A new empty directory under `mnt/` named after the image (`disc.iso`, `disc.iso-2` …). */
export function makeAutoMountPoint(image: string, env: NodeJS.ProcessEnv = process.env): string {
  const state = stateDirectory(env);
  ensureStateDirectory(state);
  const root = autoMountRoot(env);
  mkdirSync(root, { recursive: true, mode: 0o755 });
  const base = basename(image).replace(/[^\w.+-]/g, '_') || 'image';
  for (let n = 1; ; n++) {
    const dir = join(root, n === 1 ? base : `${base}-${n}`);
    try {
      mkdirSync(dir, { mode: 0o755 });
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** Whether tmount chose this mount point (so it removes it again). */
export function isAutoMountPoint(mountPoint: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return resolve(mountPoint).startsWith(autoMountRoot(env) + sep);
}

/** Remove a mount point tmount made, once it is no longer mounted and empty. */
export function removeAutoMountPoint(mountPoint: string, env: NodeJS.ProcessEnv = process.env): void {
  if (!isAutoMountPoint(mountPoint, env) || !existsSync(mountPoint)) return;
  try {
    rmdirSync(mountPoint);
  } catch {
    // Still mounted, or something was put there: leave it.
  }
}
