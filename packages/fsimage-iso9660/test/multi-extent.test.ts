/**
 * Multi-extent files (ISO 9660 level 3): a file over 4 GiB is recorded as
 * several extents, each with its own directory record. To keep the test's disk
 * writes small, the source is a sparse file with a few written windows, and
 * xorriso writes the image to a pipe that `cp --sparse=always` turns into a
 * sparse file: the image is real, but its zero runs occupy no disk blocks.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { type FileSystem, openImage } from '@x/fsimage';
import { requireTool, run } from '@x/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDir } from './support/scratch.js';
import '../src/index.js';
import { work } from './support/images.js';
import { isoinfoListing } from './support/isoinfo.js';

const GiB = 2 ** 30;
const SIZE = 4 * GiB + 3 * 2 ** 20 + 17;
/** libisofs's largest extent: 4 GiB minus one block. */
const EXTENT = 0xfffff800;

/** Written windows: the start, both sides of the extent boundary, and the end. */
const WINDOWS: Array<[number, number]> = [
  [0, 70_000],
  [EXTENT - 40_000, 80_000],
  [SIZE - 50_000, 50_000],
];

function pattern(at: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = ((at + i) * 2654435761) >>> 24;
  return b;
}

function readHost(path: string, at: number, length: number): Buffer {
  const fd = openSync(path, 'r');
  const b = Buffer.alloc(length);
  readSync(fd, b, 0, length, at);
  closeSync(fd);
  return b;
}

describe('a 4 GiB + 3 MiB file in two extents (xorriso -iso-level 3)', () => {
  let src: string;
  let file: string;
  let image: string;
  let fs: FileSystem;

  beforeAll(() => {
    requireTool('xorriso');
    src = scratchDir('iso9660-big-');
    file = join(src, 'huge.bin');
    const fd = openSync(file, 'w');
    for (const [at, length] of WINDOWS) writeSync(fd, pattern(at, length), 0, length, at);
    closeSync(fd);
    run('truncate', ['-s', String(SIZE), file]);
    image = join(work, 'multi-extent.iso');
    run('bash', [
      '-o',
      'pipefail',
      '-c',
      `xorriso -as mkisofs -quiet -iso-level 3 -R -J "$1" | cp --sparse=always /dev/stdin "$2"`,
      'build',
      src,
      image,
    ]);
    fs = openImage(image);
  }, 120_000);
  afterAll(() => fs?.close());

  it('is recorded as several directory records, as isoinfo lists them', () => {
    const records = isoinfoListing(image, ['-R'])
      .get('/')!
      .filter((e) => e.name === 'huge.bin');
    expect(records.length).toBeGreaterThan(1);
    expect(records.reduce((sum, r) => sum + r.size, 0)).toBe(SIZE);
    expect(records[0]!.size).toBe(EXTENT);
  });

  it('is one file of the whole size', () => {
    expect(fs.readdir('/').map((e) => e.name)).toEqual(['huge.bin']);
    expect(fs.stat('/huge.bin').size).toBe(SIZE);
  });

  for (const tree of ['Rock Ridge', 'Joliet'] as const) {
    it(`reads across the extents (${tree})`, () => {
      const view = tree === 'Joliet' ? openImage(image, { options: { norock: true } }) : fs;
      const ino = view.resolve('/huge.bin');
      const reads: Array<[number, number]> = [
        ...WINDOWS,
        [EXTENT - 1, 2],
        [EXTENT - 2 ** 20, 2 ** 21],
        [2 * GiB, 4096],
        [SIZE - 10, 100],
      ];
      for (const [at, length] of reads) {
        const buf = new Uint8Array(length);
        const n = view.read(ino, buf, at);
        expect(n).toBe(Math.min(length, SIZE - at));
        expect(Buffer.from(buf.subarray(0, n)).equals(readHost(file, at, n)), `bytes at ${at}`).toBe(true);
      }
      expect(view.read(ino, new Uint8Array(10), SIZE)).toBe(0);
      if (view !== fs) view.close();
    });
  }
});
