/**
 * Hostile input: bytes of real images patched the way the Rock Ridge / SUSP
 * length underflows fixed in Xen in 2026 (XSA-497) were triggered, damaged
 * records and zisofs data, truncations and bit flips. Every call must return a
 * result or throw an FsError (never anything else), and finish.
 */
import { readFileSync } from 'node:fs';
import { type BlockSource, MemoryBlockSource } from '@x/fsimage';
import { makeTree } from '@x/testkit';
import { describe, expect, it } from 'vitest';
import { scratchDir } from './support/scratch.js';
import '../src/index.js';
import { codes, exercise, type Outcome } from './support/exercise.js';
import { genisoimage, xorrisoNative } from './support/images.js';
import { putBoth32, rawRecord, rawRecords } from './support/raw.js';

const LONG_NAME = `${'L'.repeat(200)}.txt`;

const src = makeTree(scratchDir('iso9660-hostile-'), {
  'file.txt': 'hello\n',
  'sub/inner.txt': 'inner\n',
  [LONG_NAME]: 'long name\n',
  link: { symlink: 'sub/inner.txt' },
  'text.txt': 'compress me, compress me, compress me.\n'.repeat(5000),
  // Enough entries to fill more than one sector of their directory.
  ...Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`many/entry-${i}.txt`, `${i}\n`])),
});
const base = readFileSync(genisoimage(src, ['-R', '-J']));
const zisofs = readFileSync(xorrisoNative(['-map', src, '/', '-set_filter_r', '--zisofs', '/', '--']));

function patched(image: Buffer, patch: (b: Buffer) => void): BlockSource {
  const copy = Buffer.from(image);
  patch(copy);
  return new MemoryBlockSource(copy);
}

function entry(image: Buffer, name: string, signature: string) {
  const found = rawRecord(image, name).entries.find((e) => e.signature === signature);
  if (!found) throw new Error(`no ${signature} entry for ${name}`);
  return found;
}

/**
 * The damage is reported as a typed EFSCORRUPTED error, or, where a listing
 * survives it, as the warning that lists the damaged entry under its ISO 9660
 * name (its use then fails with a typed error of its own).
 */
function expectCorruption(outcome: Outcome, pattern: RegExp): void {
  expect(outcome.mounted).toBe(true);
  const messages = [
    ...outcome.errors.map((e) => `${e.code}: ${e.message}`),
    ...outcome.warnings
      .filter((w) => w.includes('listed under its ISO 9660 name'))
      .map((w) => `EFSCORRUPTED: ${w}`),
  ];
  expect(
    messages.some((m) => m.startsWith('EFSCORRUPTED') && pattern.test(m)),
    messages.join('\n'),
  ).toBe(true);
  if (messages.length > outcome.errors.length) expect(codes(outcome)).toContain('EFSCORRUPTED');
}

describe('the unpatched image', () => {
  it('reads without errors, as the source has it', () => {
    const outcome = exercise(new MemoryBlockSource(base));
    expect(outcome.errors).toEqual([]);
    expect(new TextDecoder().decode(outcome.files.get(`/${LONG_NAME}`))).toBe('long name\n');
    expect(outcome.links.get('/link')).toBe('sub/inner.txt');
    // The cases below rely on the long name living in a continuation area.
    expect(rawRecord(base, LONG_NAME).entries.map((e) => e.signature)).toContain('CE');
  });
});

describe('XSA-497: SUSP and Rock Ridge lengths', () => {
  const ce = () => entry(base, LONG_NAME, 'CE').position;
  const cases: Array<[string, (b: Buffer) => void, RegExp]> = [
    [
      'a CE area that runs past its block',
      (b) => putBoth32(b, ce() + 12, 2000),
      /does not fit in a 2048-byte block/,
    ],
    [
      'a CE offset beyond its block',
      (b) => putBoth32(b, ce() + 12, 4096),
      /does not fit in a 2048-byte block/,
    ],
    [
      'a CE length larger than a block',
      (b) => putBoth32(b, ce() + 20, 5000),
      /does not fit in a 2048-byte block/,
    ],
    ['a CE block outside the image', (b) => putBoth32(b, ce() + 4, 0x7fffffff), /outside the image/],
    // A CE cut short leaves the rest of it to be read as the next entry.
    [
      'a CE entry of the wrong length',
      (b) => (b[ce() + 2] = 20),
      /CE entry .* is not 28|shorter than its 4-byte header/,
    ],
    [
      'a CE area that continues into itself',
      (b) => {
        // The area becomes exactly one CE entry that names the area itself.
        const at = ce();
        const area = b.readUInt32LE(at + 4) * 2048 + b.readUInt32LE(at + 12);
        putBoth32(b, at + 20, 28);
        b.copy(b, area, at, at + 28);
      },
      /continuation chain loops/,
    ],
    [
      'a SUSP entry running past its area',
      (b) => (b[entry(b, 'file.txt', 'NM').position + 2] = 250),
      /runs past/,
    ],
    [
      'a zero-length SUSP entry',
      (b) => (b[entry(b, 'file.txt', 'PX').position + 2] = 0),
      /shorter than its 4-byte header/,
    ],
    [
      'a SUSP entry of length 3',
      (b) => (b[entry(b, 'file.txt', 'PX').position + 2] = 3),
      /shorter than its 4-byte header/,
    ],
    [
      'an SL component running past its entry',
      (b) => (b[entry(b, 'link', 'SL').position + 6] = 250),
      /SL entry .* component at offset \d+ runs past the entry/,
    ],
    [
      'a PX entry too short for its fields',
      (b) => {
        const px = entry(b, 'file.txt', 'PX').position;
        // Shorten PX and turn the bytes it gives up into padding entries, so that only PX is wrong.
        b[px + 2] = 20;
        b.write('PD', px + 20, 'latin1');
        b[px + 22] = 16;
        b[px + 23] = 1;
      },
      /PX entry .* is shorter than 36/,
    ],
  ];
  for (const [name, patch, expected] of cases) {
    it(`${name}: a typed error`, () => {
      expectCorruption(exercise(patched(base, patch)), expected);
    });
  }

  it('a continuation chain longer than limits.maxChainLength: Rock Ridge is given up with a warning', () => {
    // The root's own record continues into a CE area, so the limit is met while mounting.
    const outcome = exercise(new MemoryBlockSource(base), {}, { maxChainLength: 0 });
    expect(outcome.warnings.join('\n')).toMatch(/Rock Ridge not used: .*more than 0 continuation areas/);
    expect(outcome.errors).toEqual([]);
  });

  it("a damaged CE in the root's own record: Rock Ridge is given up with a warning, the Joliet names are right", () => {
    const outcome = exercise(
      patched(base, (b) => {
        const root = rawRecords(b)[0]!.entries.find((e) => e.signature === 'CE')!.position;
        putBoth32(b, root + 12, 3000);
      }),
    );
    expect(outcome.errors).toEqual([]);
    expect(outcome.warnings.join('\n')).toMatch(/Rock Ridge not used: .*does not fit/);
    expect(new TextDecoder().decode(outcome.files.get('/file.txt'))).toBe('hello\n');
  });
});

describe('damaged directory records', () => {
  const record = (b: Buffer, name: string) => rawRecord(b, name).position;
  const cases: Array<[string, (b: Buffer) => void, RegExp]> = [
    [
      'a record shorter than 34 bytes',
      (b) => (b[record(b, 'file.txt')] = 20),
      /length 20 is shorter than 34/,
    ],
    [
      'a record running past its sector',
      (b) => {
        // The last record of the first sector of "many" grows into the next sector.
        const end = (rawRecord(b, 'many').extent + 1) * 2048;
        const last = Math.max(
          ...rawRecords(b)
            .filter((r) => r.position < end && r.position > end - 2048)
            .map((r) => r.position),
        );
        expect(end - last + 2).toBeLessThanOrEqual(255);
        b[last] = end - last + 2;
      },
      /runs past the end of its sector/,
    ],
    [
      'an identifier longer than its record',
      (b) => (b[record(b, 'file.txt') + 32] = 200),
      /file identifier length 200/,
    ],
    [
      'both-endian halves that disagree',
      (b) => b.writeUInt32LE(b.readUInt32LE(record(b, 'file.txt') + 10) + 1, record(b, 'file.txt') + 10),
      /both-endian field disagrees/,
    ],
    [
      'file data past the end of the image',
      (b) => putBoth32(b, record(b, 'file.txt') + 2, 0x00ffffff),
      /runs past the end of the image/,
    ],
    [
      'a directory past the end of the image',
      (b) => putBoth32(b, record(b, 'sub') + 10, 0xfffff800),
      /runs past the end of the image/,
    ],
    [
      'a multi-extent flag without a final extent',
      (b) => (b[record(b, LONG_NAME) + 25]! |= 0x80),
      /multi-extent file .* ends without its final extent/,
    ],
    [
      'a Rock Ridge type that contradicts the record',
      (b) => {
        // S_IFREG → S_IFDIR in both halves of the PX mode.
        const px = entry(b, 'file.txt', 'PX').position;
        b[px + 5] = 0x41;
        b[px + 10] = 0x41;
      },
      /mode says dir/,
    ],
    [
      'a relocation link outside the image',
      (b) => {
        // The link's SL entry becomes a CL entry (same length) pointing nowhere.
        const sl = entry(b, 'link', 'SL').position;
        b.write('CL', sl, 'latin1');
        putBoth32(b, sl + 4, 0x7ffffff);
      },
      /relocated directory block \d+ is outside the image/,
    ],
  ];
  for (const [name, patch, expected] of cases) {
    it(`${name}: a typed error`, () => {
      expectCorruption(exercise(patched(base, patch)), expected);
    });
  }

  it('inode numbers that name no record are refused', () => {
    const outcome = exercise(new MemoryBlockSource(base));
    const volume = outcome.volume!;
    const dataOfFile = rawRecord(base, 'file.txt').extent * 2048;
    for (const ino of [0, -5, 1.5, Number.NaN, 2 ** 60, base.length, base.length - 3, dataOfFile]) {
      expect(() => volume.stat(ino), String(ino)).toThrow(expect.objectContaining({ name: 'FsError' }));
    }
  });
});

describe('damaged zisofs content', () => {
  const data = () => rawRecord(zisofs, 'text.txt').extent * 2048;
  const zf = () => entry(zisofs, 'text.txt', 'ZF').position;
  const cases: Array<[string, (b: Buffer) => void, RegExp]> = [
    ['a wrong magic number', (b) => (b[data()] ^= 0xff), /no zisofs magic/],
    ['a header that disagrees with ZF', (b) => (b[data() + 13] = 16), /disagrees with its ZF entry/],
    [
      'a block pointer past the data',
      (b) => b.writeUInt32LE(0x7fffffff, data() + 20),
      /out of order or past/,
    ],
    ['a block pointer going backwards', (b) => b.writeUInt32LE(17, data() + 20), /out of order or past/],
    ['a block size the format does not allow', (b) => (b[zf() + 7] = 20), /block size 2\^20/],
    [
      'a compressed block that is not zlib',
      (b) => b.fill(0x55, data() + b.readUInt32LE(data() + 16), data() + b.readUInt32LE(data() + 16) + 16),
      /does not inflate/,
    ],
    [
      'an uncompressed size larger than the pointer table',
      (b) => putBoth32(b, zf() + 8, 0x7fffffff),
      /do not fit|disagrees/,
    ],
  ];
  for (const [name, patch, expected] of cases) {
    it(`${name}: a typed error`, () => {
      expectCorruption(exercise(patched(zisofs, patch)), expected);
    });
  }

  it('an unknown compression algorithm: ENOTSUP', () => {
    const outcome = exercise(patched(zisofs, (b) => b.write('xz', zf() + 4, 'latin1')));
    expect(codes(outcome)).toEqual(['ENOTSUP']);
  });
});

describe('truncations and bit flips', () => {
  it('an image cut anywhere gives results or typed errors', () => {
    const cuts = [
      0,
      100,
      16 * 2048,
      16 * 2048 + 200,
      17 * 2048,
      20 * 2048,
      base.length >> 1,
      base.length - 2048,
      base.length - 1,
    ];
    for (const cut of cuts) {
      const outcome = exercise(new MemoryBlockSource(base.subarray(0, cut)));
      if (cut <= 16 * 2048 + 200) expect(outcome.mounted, `cut at ${cut}`).toBe(false);
    }
  });

  it('random bit flips in directory records and SUSP areas give results or typed errors, quickly', () => {
    // Every byte of every record of the tree and of the areas its entries sit in.
    const targets: number[] = [];
    for (const r of rawRecords(base)) {
      for (let i = 0; i < base[r.position]!; i++) targets.push(r.position + i);
      for (const e of r.entries) for (let i = 0; i < e.length; i++) targets.push(e.position + i);
    }
    let seed = 0x9e3779b9;
    const random = (n: number) => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return Math.floor((seed / 2 ** 32) * n);
    };
    const started = Date.now();
    let caught = 0;
    for (let round = 0; round < 400; round++) {
      const outcome = exercise(
        patched(base, (b) => {
          for (let i = 1 + random(3); i > 0; i--) b[targets[random(targets.length)]!]! ^= 1 << random(8);
        }),
      );
      if (outcome.errors.length > 0 || outcome.warnings.length > 0) caught++;
    }
    // Flips in names, dates and padding change nothing detectable; many others must be caught.
    expect(caught).toBeGreaterThan(100);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('random bytes behind a primary volume descriptor give typed errors', () => {
    let seed = 12345;
    for (let round = 0; round < 50; round++) {
      const b = Buffer.alloc(64 * 2048);
      for (let i = 0; i < b.length; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        b[i] = seed >>> 24;
      }
      base.copy(b, 16 * 2048, 16 * 2048, 17 * 2048);
      exercise(new MemoryBlockSource(b));
    }
  });
});
