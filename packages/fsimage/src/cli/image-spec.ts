/** Parsing the `IMG[:PATH]` operands and `-o OFFSET` values of the CLI. */
import { existsSync, statSync } from 'node:fs';
import { FsError } from '../errors.js';

export interface ImageSpec {
  image: string;
  path: string;
}

function isFile(p: string): boolean {
  return existsSync(p) && !statSync(p).isDirectory();
}

/**
 * Split `IMG:PATH`. An image name may itself contain ':', so the split is at
 * the first ':' whose left side names an existing file.
 */
export function parseImageSpec(arg: string): ImageSpec {
  if (isFile(arg)) return { image: arg, path: '/' };
  for (let i = arg.indexOf(':'); i >= 0; i = arg.indexOf(':', i + 1)) {
    const image = arg.slice(0, i);
    if (isFile(image)) return { image, path: arg.slice(i + 1) || '/' };
  }
  const image = arg.includes(':') ? arg.slice(0, arg.indexOf(':')) : arg;
  throw new FsError('ENOENT', 'no such image file', { path: image });
}

const UNITS: Record<string, number> = {
  '': 1,
  b: 512,
  s: 512,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

/** `1048576`, `0x100000`, `2048s` (512-byte sectors), `1M`, `64k`. */
export function parseOffset(text: string): number {
  const m = /^(0x[0-9a-f]+|\d+)([bskmgt]?)$/i.exec(text.trim());
  if (!m) throw new FsError('EINVAL', `bad offset "${text}" (bytes, or with a unit: 2048s, 64k, 1M)`);
  const value = Number(m[1]) * UNITS[m[2]!.toLowerCase()]!;
  if (!Number.isSafeInteger(value)) throw new FsError('EINVAL', `offset "${text}" is too large`);
  return value;
}
