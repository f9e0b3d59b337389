/**
 * zisofs: xorriso compresses files itself (`-set_filter_r --zisofs`), in the
 * original format at each block size and in zisofs2 (ZF version 2 and the Z2
 * signature). Content read through the plugin must equal the source files.
 */
import { type FileSystem, openImage } from '@x/fsimage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../src/index.js';
import { readFileSync } from 'node:fs';
import { expectSameTree } from './support/compare.js';
import { xorrisoNative } from './support/images.js';
import { isoinfoListing } from './support/isoinfo.js';
import { richTree } from './support/trees.js';

const ZISOFS_MAGIC = [0x37, 0xe4, 0x53, 0x96, 0xc9, 0xdb, 0xd6, 0x07];
const ZISOFS2_MAGIC = [0xef, 0x22, 0x55, 0xa1, 0xbc, 0x1b, 0x95, 0xa0];

const src = richTree({ longLink: true });

function compressedImage(settings: string): string {
  return xorrisoNative([
    '-zisofs',
    settings,
    '-joliet',
    'on',
    '-map',
    src,
    '/',
    '-set_filter_r',
    '--zisofs',
    '/',
    '--',
  ]);
}

describe.each([
  ['zisofs, 32 KiB blocks', 'block_size=32k', ZISOFS_MAGIC],
  ['zisofs, 64 KiB blocks', 'block_size=64k', ZISOFS_MAGIC],
  ['zisofs, 128 KiB blocks', 'block_size=128k', ZISOFS_MAGIC],
  ['zisofs2 (ZF version 2)', 'version_2=on:block_size_v2=128k', ZISOFS2_MAGIC],
  ['zisofs2 (Z2 entry)', 'version_2=on:susp_z2=on:block_size_v2=64k', ZISOFS2_MAGIC],
])('%s', (_name, settings, magic) => {
  let image: string;
  let fs: FileSystem;
  beforeAll(() => {
    image = compressedImage(settings);
    fs = openImage(image);
  });
  afterAll(() => fs.close());

  it('reads every file as the source has it', () => {
    expectSameTree(fs, { root: src, modes: true, owners: true, fileLinks: true });
  });

  it('reads windows that cross block boundaries', () => {
    const whole = readFileSync(`${src}/text.txt`);
    const ino = fs.resolve('/text.txt');
    for (const [at, length] of [
      [0, 1],
      [32_760, 20],
      [65_530, 70_000],
      [131_000, 69_000],
      [199_990, 100],
    ] as Array<[number, number]>) {
      const buf = new Uint8Array(length);
      const n = fs.read(ino, buf, at);
      expect(n).toBe(Math.min(length, whole.length - at));
      expect(Buffer.from(buf.subarray(0, n)).equals(whole.subarray(at, at + n))).toBe(true);
    }
  });

  it('with nocompress, shows the recorded bytes: the zisofs header, at the size isoinfo lists', () => {
    const raw = openImage(image, { options: { nocompress: true } });
    const listed = new Map(
      isoinfoListing(image, ['-R'])
        .get('/')!
        .map((e) => [e.name, e.size]),
    );
    for (const name of ['text.txt', 'zeros.bin']) {
      const bytes = raw.readFile(`/${name}`);
      expect([...bytes.subarray(0, 8)], `${name} is compressed`).toEqual(magic);
      expect(bytes.length).toBe(listed.get(name));
      expect(bytes.length).toBeLessThan(fs.stat(`/${name}`).size);
    }
    raw.close();
  });
});

describe('zisofs limits', () => {
  it('refuses a block that would inflate beyond the decompression ratio limit', () => {
    const fs = openImage(compressedImage('block_size=32k'), { limits: { maxDecompressionRatio: 2 } });
    // Repeated text compresses far better than 2:1.
    expect(() => fs.readFile('/text.txt')).toThrow(expect.objectContaining({ code: 'EFSCORRUPTED' }));
    // Files that are not compressed are unaffected.
    expect(fs.readFile('/random.bin').length).toBe(300_000);
    fs.close();
  });
});
