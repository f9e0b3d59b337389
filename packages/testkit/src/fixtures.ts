/** Third-party images from shared/fixtures/thirdparty, decompressed into temporary files. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
/** The workspace root (packages/testkit/{src,dist} → ../../..). */
const workspaceRoot = resolve(here, '../../..');

export function thirdPartyDir(): string {
  const dir = process.env['XVM_SHARED_DIR']
    ? join(process.env['XVM_SHARED_DIR'], 'fixtures/thirdparty')
    : resolve(workspaceRoot, '../shared/fixtures/thirdparty');
  if (!existsSync(dir)) throw new Error(`third-party fixtures not found at ${dir} (set XVM_SHARED_DIR)`);
  return dir;
}

/** Path of a fixture committed in this repository, relative to the workspace root. */
export function fixturePath(relative: string): string {
  return resolve(workspaceRoot, relative);
}

let scratch: string | undefined;

/** Decompress `shared/fixtures/thirdparty/<rel>.gz` into a temporary file and return its path. */
export function thirdPartyImage(rel: string): string {
  scratch ??= mkdtempSync(join(tmpdir(), 'xvm-fixtures-'));
  const out = join(scratch, rel.replaceAll('/', '_'));
  if (!existsSync(out)) writeFileSync(out, gunzipSync(readFileSync(join(thirdPartyDir(), `${rel}.gz`))));
  return out;
}
