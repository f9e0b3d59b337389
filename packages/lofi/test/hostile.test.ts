/**
 * Damaged and crafted tables: every fault is a LabelError with a code, or a
 * warning when the rest is still readable; never another exception, never a
 * partition outside the image, never a hang.
 */
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  type ByteReader,
  FileByteReader,
  isLabelError,
  type LabelErrorCode,
  MemoryByteReader,
  parseGpt,
  parseMbr,
  parseSmi,
  parseVtoc,
  readDiskLabel,
} from '../src/index.js';
import { blankImage, copyImage, imageBytes, readBytes, sfdisk, writeBytes } from './helpers/images.js';
import { writeVtoc } from './helpers/vtoc-writer.js';

function codeOf(fn: () => unknown): LabelErrorCode | 'none' | 'other' {
  try {
    fn();
    return 'none';
  } catch (e) {
    return isLabelError(e) ? e.code : 'other';
  }
}

function readImage(image: string, options = {}) {
  const reader = new FileByteReader(image);
  try {
    return readDiskLabel(reader, options);
  } finally {
    reader.close();
  }
}

/** p1, then an extended p2 with three logicals; returns the image and its EBR sectors. */
function logicalsDisk(name: string): { image: string; ebrs: number[]; extStart: number } {
  const image = blankImage(name, 32 << 20);
  sfdisk(
    image,
    [
      'label: dos',
      'start=2048, size=4096, type=83',
      'start=6144, type=5',
      'size=2048',
      'size=2048',
      'size=2048',
      '',
    ].join('\n'),
  );
  const ebrs: number[] = [];
  const extStart = 6144;
  let ebr = extStart;
  for (;;) {
    ebrs.push(ebr);
    const link = readBytes(image, ebr * 512 + 446 + 16, 16);
    if (link.readUInt32LE(12) === 0) break;
    ebr = extStart + link.readUInt32LE(8);
  }
  expect(ebrs).toHaveLength(3);
  return { image, ebrs, extStart };
}

/** Set the "next EBR" link of the EBR at `ebr` to `relative` sectors from the extended partition's start. */
function setLink(image: string, ebr: number, relative: number, sectors = 4096): void {
  const entry = readBytes(image, ebr * 512 + 446 + 16, 16);
  entry[4] = 0x05;
  entry.writeUInt32LE(relative, 8);
  entry.writeUInt32LE(sectors, 12);
  writeBytes(image, ebr * 512 + 446 + 16, entry);
}

function resealGpt(image: string, patch: (header: Buffer) => void): void {
  const header = readBytes(image, 512, 92);
  patch(header);
  header.writeUInt32LE(0, 16);
  header.writeUInt32LE(crc32(header), 16);
  writeBytes(image, 512, header);
}

function gptDisk(name: string): string {
  const image = blankImage(name, 8 << 20);
  sfdisk(image, ['label: gpt', 'size=2048, name=a', 'size=2048, name=b', ''].join('\n'));
  return image;
}

describe('hostile MBR chains', () => {
  it('detects an EBR chain that loops', () => {
    const { image, ebrs, extStart } = logicalsDisk('loop.img');
    setLink(image, ebrs[2]!, ebrs[1]! - extStart);
    expect(codeOf(() => readImage(image))).toBe('EBR_LOOP');
  });

  it('detects an EBR that links to itself', () => {
    const { image, ebrs, extStart } = logicalsDisk('self-loop.img');
    setLink(image, ebrs[0]!, ebrs[0]! - extStart);
    expect(codeOf(() => readImage(image))).toBe('EBR_LOOP');
  });

  it('rejects an EBR outside the extended partition', () => {
    const { image, ebrs } = logicalsDisk('ebr-outside.img');
    setLink(image, ebrs[1]!, 1 << 30);
    expect(codeOf(() => readImage(image))).toBe('OUTSIDE_CONTAINER');
  });

  it('rejects a logical partition that leaves its extended partition', () => {
    const { image, ebrs } = logicalsDisk('logical-outside.img');
    const entry = readBytes(image, ebrs[1]! * 512 + 446, 16);
    entry.writeUInt32LE(1 << 24, 12);
    writeBytes(image, ebrs[1]! * 512 + 446, entry);
    expect(codeOf(() => readImage(image))).toBe('OUTSIDE_CONTAINER');
  });

  it('bounds the number of EBRs followed', () => {
    const { image } = logicalsDisk('long-chain.img');
    expect(codeOf(() => readImage(image, { maxEbrs: 2 }))).toBe('LIMIT');
    expect(readImage(image, { maxEbrs: 3 }).partitions).toHaveLength(5);
  });

  it('stops at an EBR without a signature, with a warning', () => {
    const { image, ebrs } = logicalsDisk('no-sig.img');
    writeBytes(image, ebrs[2]! * 512 + 510, Uint8Array.of(0, 0));
    const l = readImage(image);
    expect(l.partitions.map((p) => p.name)).toEqual(['p1', 'p2', 'p5', 'p6']);
    expect(l.warnings).toEqual([
      `the EBR at sector ${ebrs[2]} has no 55 AA signature; logical partitions stop there`,
    ]);
  });

  it('rejects a primary partition past the end of a truncated image', () => {
    const image = copyImage(logicalsDisk('trunc-base.img').image, 'truncated.img');
    const bytes = imageBytes(image).subarray(0, 4 << 20);
    expect(codeOf(() => readDiskLabel(new MemoryByteReader(bytes)))).toBe('OUT_OF_RANGE');
    const listed = readDiskLabel(new MemoryByteReader(bytes), { beyondEnd: 'warn' });
    expect(listed.partitions.find((p) => p.name === 'p2')?.beyondEnd).toBe(true);
  });
});

describe('hostile GPT headers', () => {
  it('refuses an entry array larger than the limit and uses the backup', () => {
    const image = gptDisk('huge-count.img');
    resealGpt(image, (h) => h.writeUInt32LE(0xffffffff, 80));
    const l = readImage(image);
    expect(l.warnings[0]).toMatch(
      /4294967295 entries of 128 bytes exceed the \d+-byte limit\); using the backup/,
    );
    expect(l.partitions).toHaveLength(2);
  });

  it('refuses entry sizes that are not 128 × 2^n', () => {
    for (const size of [0, 100, 129, 1 << 20]) {
      const image = gptDisk(`entry-size-${size}.img`);
      resealGpt(image, (h) => h.writeUInt32LE(size, 84));
      expect(readImage(image).warnings[0]).toMatch(/partition entry size \d+ is not 128 × 2\^n/);
    }
  });

  it('refuses a header that says it is somewhere else, or has an impossible size', () => {
    const moved = gptDisk('my-lba.img');
    resealGpt(moved, (h) => h.writeBigUInt64LE(7n, 24));
    expect(readImage(moved).warnings[0]).toMatch(/says it is at LBA 7/);
    const big = gptDisk('header-size.img');
    resealGpt(big, (h) => h.writeUInt32LE(4096, 12));
    expect(readImage(big).warnings[0]).toMatch(/header size 4096 is not between 92 and 512/);
  });

  it('gives BAD_GPT for a GPT cut short before its entries', () => {
    const bytes = imageBytes(gptDisk('cut.img')).subarray(0, 1536);
    expect(codeOf(() => readDiskLabel(new MemoryByteReader(bytes)))).toBe('BAD_GPT');
  });

  it('gives BAD_ENTRY for an entry that ends before it starts', () => {
    const image = gptDisk('backwards.img');
    const entries = readBytes(image, 1024, 128 * 128);
    entries.writeBigUInt64LE(10n, 40);
    writeBytes(image, 1024, entries);
    resealGpt(image, (h) => h.writeUInt32LE(crc32(entries), 88));
    // The backup still has the good entry, but the primary is intact and wins.
    expect(codeOf(() => readImage(image))).toBe('BAD_ENTRY');
  });
});

describe('any input', () => {
  it('handles images too small to hold anything', () => {
    for (const n of [0, 1, 511, 512, 513, 1023, 4097]) {
      const bytes = new Uint8Array(n);
      if (n >= 512) bytes.set([0x55, 0xaa], 510);
      const l = readDiskLabel(new MemoryByteReader(bytes));
      expect(l.partitions).toEqual([]);
    }
  });

  it('turns whatever a reader throws into LabelError IO', () => {
    const failing: ByteReader = {
      size: 1 << 20,
      read() {
        throw Object.assign(new Error('device went away'), { code: 'EIO' });
      },
    };
    const weird: ByteReader = {
      size: 1 << 20,
      read() {
        throw 42;
      },
    };
    for (const reader of [failing, weird]) {
      for (const parse of [readDiskLabel, parseMbr, parseGpt, parseSmi])
        expect(codeOf(() => parse(reader))).toBe('IO');
      expect(codeOf(() => parseVtoc(reader, { name: 'p1', start: 0, size: 1 << 20 }))).toBe('IO');
    }
    expect(codeOf(() => readDiskLabel({ size: -1, read() {} }))).toBe('IO');
  });

  it('survives random damage to real tables: LabelError or a label inside the image', () => {
    const seeds: Uint8Array[] = [];
    seeds.push(imageBytes(logicalsDisk('fuzz-mbr.img').image).subarray(0, 4 << 20));
    seeds.push(imageBytes(gptDisk('fuzz-gpt.img')));
    const vtoc = blankImage('fuzz-vtoc.img', 4 << 20);
    sfdisk(vtoc, ['label: dos', 'start=2048, size=4096, type=bf', ''].join('\n'));
    writeVtoc(vtoc, 2048 * 512, {
      slices: [
        { slot: 0, tag: 2, flag: 0, start: 16, sectors: 2048 },
        { slot: 2, tag: 5, flag: 0, start: 0, sectors: 4096 },
      ],
    });
    seeds.push(imageBytes(vtoc));
    const sun = blankImage('fuzz-sun.img', 8 << 20);
    sfdisk(sun, ['label: sun', 'start=0, size=4096, type=83', ''].join('\n'));
    seeds.push(imageBytes(sun));

    // A small deterministic PRNG (xorshift32), so a failure can be replayed.
    let state = 0x2545f491;
    const next = () => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) / 2 ** 32;
    };
    const counts = { ok: 0, error: 0 };
    for (const seed of seeds) {
      const bytes = Uint8Array.from(seed);
      // Damage the places tables live: the first 34 sectors, the EBR area, the last 33 sectors.
      const regions = [
        [0, 34 * 512],
        [6144 * 512, 6144 * 512 + 8192],
        [bytes.length - 33 * 512, bytes.length],
      ].filter(([a, b]) => b! <= bytes.length && a! < b!);
      for (let round = 0; round < 400; round++) {
        const saved: Array<[number, number]> = [];
        const n = 1 + Math.floor(next() * 8);
        for (let i = 0; i < n; i++) {
          const [a, b] = regions[Math.floor(next() * regions.length)]!;
          const at = a! + Math.floor(next() * (b! - a!));
          saved.push([at, bytes[at]!]);
          bytes[at] = next() < 0.5 ? Math.floor(next() * 256) : bytes[at]! ^ (1 << Math.floor(next() * 8));
        }
        const started = performance.now();
        try {
          const l = readDiskLabel(new MemoryByteReader(bytes));
          for (const p of l.partitions) expect(p.start + p.size).toBeLessThanOrEqual(bytes.length);
          counts.ok++;
        } catch (e) {
          if (!isLabelError(e)) throw e;
          counts.error++;
        }
        expect(performance.now() - started).toBeLessThan(250);
        for (const [at, value] of saved.reverse()) bytes[at] = value;
      }
    }
    expect(counts.ok + counts.error).toBe(seeds.length * 400);
    expect(counts.ok).toBeGreaterThan(0);
    expect(counts.error).toBeGreaterThan(0);
  });
});
