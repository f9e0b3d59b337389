#!/usr/bin/env node
/**
 * How long readDiskLabel takes on the third-party test images (and a Solaris
 * VTOC disk built here in memory), from memory and from a file. One line per
 * figure; a few seconds in all. Run after `pnpm build`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { FileByteReader, MemoryByteReader, readDiskLabel } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = process.env.XVM_SHARED_DIR
  ? join(process.env.XVM_SHARED_DIR, 'fixtures/thirdparty')
  : resolve(here, '../../../../shared/fixtures/thirdparty');

/** An MBR with one 0xBF partition holding a VTOC of three slices, laid out by hand. */
function solarisDisk() {
  const disk = Buffer.alloc(4 << 20);
  const entry = 446;
  disk[entry + 4] = 0xbf;
  disk.writeUInt32LE(2048, entry + 8);
  disk.writeUInt32LE(4096, entry + 12);
  disk.writeUInt16LE(0xaa55, 510);
  const vtoc = Buffer.alloc(512);
  vtoc.writeUInt32LE(0x600ddeee, 12);
  vtoc.writeUInt32LE(1, 16);
  vtoc.writeUInt16LE(512, 28);
  vtoc.writeUInt16LE(16, 30);
  for (const [slot, tag, start, size] of [
    [0, 2, 16, 2048],
    [1, 3, 2064, 1024],
    [2, 5, 0, 4096],
  ]) {
    vtoc.writeUInt16LE(tag, 72 + slot * 12);
    vtoc.writeUInt32LE(start, 72 + slot * 12 + 4);
    vtoc.writeUInt32LE(size, 72 + slot * 12 + 8);
  }
  vtoc.writeUInt16LE(0xdabe, 508);
  let x = 0;
  for (let off = 0; off < 510; off += 2) x ^= vtoc.readUInt16LE(off);
  vtoc.writeUInt16LE(x, 510);
  vtoc.copy(disk, 2048 * 512 + 512);
  return disk;
}

function time(label, iterations, fn) {
  for (let i = 0; i < Math.min(200, iterations); i++) fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  const ns = Number(process.hrtime.bigint() - start) / iterations;
  console.log(`${label.padEnd(66)} ${(ns / 1000).toFixed(2).padStart(8)} µs/op  (${iterations} iterations)`);
}

const images = [
  ['dfvfs/mbr.raw', 'mbr + logical'],
  ['dfvfs/tsk_volume_system.raw', 'mbr + logical'],
  ['util-linux/gpt.img', 'gpt, 5 entries'],
  ['util-linux/sun.img', 'smi (listed)'],
].map(([rel, what]) => [rel, what, gunzipSync(readFileSync(join(fixtures, `${rel}.gz`)))]);
images.push(['solaris-vtoc (built here)', 'mbr + vtoc', solarisDisk()]);

const scratch = mkdtempSync(join(tmpdir(), 'lofi-bench-'));
try {
  for (const [name, what, bytes] of images) {
    const memory = new MemoryByteReader(bytes);
    time(`readDiskLabel ${name} [${what}], memory`, 20_000, () =>
      readDiskLabel(memory, { beyondEnd: 'warn' }),
    );
    const path = join(scratch, name.replaceAll('/', '_'));
    writeFileSync(path, bytes);
    const file = new FileByteReader(path);
    time(`readDiskLabel ${name} [${what}], file`, 5_000, () => readDiskLabel(file, { beyondEnd: 'warn' }));
    file.close();
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
