/**
 * Solaris x86 VTOC inside an fdisk partition. No Debian tool writes one, so
 * the test writes it (helpers/vtoc-writer.ts, from the dk_label layout) into
 * a 0xBF partition made by sfdisk; libblkid reads the same VTOC from the old
 * 0x82 type only, so partx is run on a copy retyped to 0x82.
 */
import { run } from '@x/testkit';
import { describe, expect, it } from 'vitest';
import { FileByteReader, findPartition, parseVtoc, readDiskLabel } from '../src/index.js';
import { blankImage, copyImage, sfdisk } from './helpers/images.js';
import { expectSameTable, partx, partxSliceKeys, sliceKeys } from './helpers/partx.js';
import { type VtocSlice, type VtocSpec, writeVtoc } from './helpers/vtoc-writer.js';

function label(image: string) {
  const reader = new FileByteReader(image);
  try {
    return readDiskLabel(reader);
  } finally {
    reader.close();
  }
}

const SOLARIS_START = 34816; // sectors
const SOLARIS_SECTORS = 65536;

/** Slices as `format` would lay them out: boot, root, swap, backup, usr (read-only), home. */
const SLICES: VtocSlice[] = [
  { slot: 0, tag: 2, flag: 0, start: 4096, sectors: 24576 },
  { slot: 1, tag: 3, flag: 1, start: 28672, sectors: 8192 },
  { slot: 2, tag: 5, flag: 1, start: 0, sectors: SOLARIS_SECTORS },
  { slot: 6, tag: 4, flag: 0x10, start: 36864, sectors: 16384 },
  { slot: 7, tag: 8, flag: 0, start: 53248, sectors: 12288 },
  { slot: 8, tag: 1, flag: 1, start: 0, sectors: 16 },
];

/** p1 Linux, p2 the Solaris partition, p3 extended with one logical (p5). */
function solarisDisk(name: string, spec: VtocSpec | undefined, type = 'bf'): string {
  const image = blankImage(name, 64 << 20);
  sfdisk(
    image,
    [
      'label: dos',
      'start=2048, size=32768, type=83',
      `start=${SOLARIS_START}, size=${SOLARIS_SECTORS}, type=${type}, bootable`,
      'start=100352, type=5',
      'size=8192, type=83',
      '',
    ].join('\n'),
  );
  if (spec) writeVtoc(image, SOLARIS_START * 512, spec);
  return image;
}

function retype(image: string, name: string, type: string): string {
  const copy = copyImage(image, name);
  run('sfdisk', ['--no-reread', '--no-tell-kernel', '--part-type', copy, '2', type]);
  return copy;
}

describe('Solaris x86 VTOC', () => {
  it('lists the slices of a VTOC in a 0xBF partition after the fdisk partitions', () => {
    const image = solarisDisk('vtoc-bf.img', {
      slices: SLICES,
      volume: 'rpool',
      asciiLabel: 'DEFAULT cyl 4 alt 2',
    });
    const l = label(image);
    expect(l.warnings).toEqual([]);
    expect(l.partitions.map((p) => p.name)).toEqual([
      'p1',
      'p2',
      'p3',
      'p5',
      's0',
      's1',
      's2',
      's6',
      's7',
      's8',
    ]);
    for (const s of SLICES) {
      expect(findPartition(l, `s${s.slot}`)).toMatchObject({
        scheme: 'vtoc',
        number: s.slot,
        start: (SOLARIS_START + s.start) * 512,
        size: s.sectors * 512,
        tag: s.tag,
        flag: s.flag,
        container: 'p2',
      });
    }
    expect(findPartition(l, 's2')).toMatchObject({ wholeDisk: true, typeName: 'backup' });
    expect(findPartition(l, 's0')?.typeName).toBe('root');
    expect(findPartition(l, 's6')?.typeName).toBe('usr');
    expect(findPartition(l, 's0')?.wholeDisk).toBeUndefined();

    const reader = new FileByteReader(image);
    try {
      const vtoc = parseVtoc(reader, findPartition(l, 'p2')!);
      expect(vtoc).toMatchObject({ volume: 'rpool', asciiLabel: 'DEFAULT cyl 4 alt 2' });
    } finally {
      reader.close();
    }
  });

  it('sees the same slices as libblkid (partx), which reads the VTOC of a 0x82 partition', () => {
    const image = solarisDisk('vtoc-oracle.img', { slices: SLICES });
    const ours = label(image);
    const old = retype(image, 'vtoc-oracle-82.img', '82');
    const theirs = partx(old);
    // libblkid leaves out the whole-disk slice; everything else must agree.
    expect(partxSliceKeys(theirs, 'solaris')).toEqual(
      sliceKeys(ours.partitions.filter((p) => p.scheme === 'vtoc' && !p.wholeDisk)),
    );
    expectSameTable(label(old), theirs, 'dos');
    // The old type with a VTOC in it is read the same way.
    expect(label(old).partitions.filter((p) => p.scheme === 'vtoc')).toEqual(
      ours.partitions.filter((p) => p.scheme === 'vtoc'),
    );
  });

  it('treats 0x82 without a VTOC as plain Linux swap', () => {
    const image = solarisDisk('swap.img', undefined, '82');
    const l = label(image);
    expect(l.warnings).toEqual([]);
    expect(l.partitions.every((p) => p.scheme === 'mbr')).toBe(true);
    expectSameTable(l, partx(image), 'dos');
  });

  it('warns about a Solaris partition without a VTOC', () => {
    const l = label(solarisDisk('no-vtoc.img', undefined));
    expect(l.warnings).toEqual(['p2 is a Solaris partition without a VTOC']);
    expect(l.partitions.some((p) => p.scheme === 'vtoc')).toBe(false);
  });

  it('reports a broken VTOC as a warning and keeps the fdisk partitions', () => {
    const cases: Array<[string, VtocSpec, RegExp]> = [
      ['checksum', { slices: SLICES, badChecksum: true }, /VTOC of p2: the label checksum does not match/],
      ['magic', { slices: SLICES, magic: 0x1234 }, /VTOC of p2: label magic is 0x1234/],
      ['version', { slices: SLICES, version: 2 }, /VTOC of p2: unsupported layout version 2/],
      ['nparts', { slices: SLICES, nparts: 17 }, /VTOC of p2: 17 slices, more than 16/],
      [
        'outside',
        { slices: [{ slot: 0, tag: 2, flag: 0, start: 60000, sectors: 8192 }] },
        /slice s0 \(sectors 60000\.\.68191\) runs past the end of p2/,
      ],
    ];
    for (const [name, spec, message] of cases) {
      const l = label(solarisDisk(`broken-${name}.img`, spec));
      expect(l.warnings).toHaveLength(1);
      expect(l.warnings[0]).toMatch(message);
      expect(l.partitions.map((p) => p.name)).toEqual(['p1', 'p2', 'p3', 'p5']);
    }
  });

  it('lists only the first of two Solaris partitions with a VTOC', () => {
    const image = blankImage('two-solaris.img', 64 << 20);
    sfdisk(
      image,
      ['label: dos', 'start=2048, size=16384, type=bf', 'start=18432, size=16384, type=bf', ''].join('\n'),
    );
    writeVtoc(image, 2048 * 512, { slices: [{ slot: 0, tag: 2, flag: 0, start: 16, sectors: 1024 }] });
    writeVtoc(image, 18432 * 512, { slices: [{ slot: 0, tag: 2, flag: 0, start: 16, sectors: 2048 }] });
    const l = label(image);
    expect(l.warnings).toEqual(['p2 also holds a VTOC; only the slices of p1 are listed']);
    expect(findPartition(l, 's0')).toMatchObject({ container: 'p1', size: 1024 * 512 });
  });
});
