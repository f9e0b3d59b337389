/** Building source trees for images in tests: files, directories, symlinks, modes and times. */
import {
  chmodSync,
  lutimesSync,
  mkdirSync,
  mkdtempSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export type TreeSpec = Record<
  string,
  | string
  | Uint8Array
  | { content: string | Uint8Array; mode?: number; mtime?: number }
  | { symlink: string; mtime?: number }
  | { dir: true; mode?: number; mtime?: number }
>;

export function tempDir(prefix = 'xvm-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Create the tree under `root`. Keys are relative paths; parents are made as
 * needed. Times (seconds since the epoch) are applied last, deepest first, so
 * creating children does not disturb a directory's mtime.
 */
export function makeTree(root: string, spec: TreeSpec): string {
  const times: Array<[string, number, boolean]> = [];
  mkdirSync(root, { recursive: true });
  for (const [rel, value] of Object.entries(spec)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    if (typeof value === 'string' || value instanceof Uint8Array) {
      writeFileSync(p, value);
    } else if ('symlink' in value) {
      symlinkSync(value.symlink, p);
      if (value.mtime !== undefined) times.push([p, value.mtime, true]);
    } else if ('dir' in value) {
      mkdirSync(p, { recursive: true });
      if (value.mode !== undefined) chmodSync(p, value.mode);
      if (value.mtime !== undefined) times.push([p, value.mtime, false]);
    } else {
      writeFileSync(p, value.content);
      if (value.mode !== undefined) chmodSync(p, value.mode);
      if (value.mtime !== undefined) times.push([p, value.mtime, false]);
    }
  }
  times.sort((a, b) => b[0].length - a[0].length);
  for (const [p, t, link] of times) (link ? lutimesSync : utimesSync)(p, t, t);
  return root;
}
