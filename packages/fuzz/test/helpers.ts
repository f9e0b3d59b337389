/** Paths of the toy targets, and scratch directories. */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll } from 'vitest';

const scratchDirs: string[] = [];

afterAll(() => {
  for (const dir of scratchDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

/** Import a toy target in the test's own process, to check a saved input against it. */
export async function importFixture<T>(name: string): Promise<T> {
  return (await import(pathToFileURL(fixture(name)).href)) as T;
}

/** A temporary directory, removed after the test file's tests. */
export function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'xvm-fuzz-test-'));
  scratchDirs.push(dir);
  return dir;
}

export function sha1(data: Uint8Array): string {
  return createHash('sha1').update(data).digest('hex');
}

export function u32le(data: Uint8Array, at: number): number {
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(at, true);
}
