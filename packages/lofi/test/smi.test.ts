/** SPARC SMI (Sun) labels made by sfdisk and fdisk, and util-linux's own sun.img, compared with partx. */
import { requireTool, run } from '@x/testkit';
import { describe, expect, it } from 'vitest';
import { FileByteReader, findPartition, isLabelError, readDiskLabel } from '../src/index.js';
import { blankImage, copyImage, readBytes, sfdisk, writeBytes } from './helpers/images.js';
import { partx, partxSliceKeys, sliceKeys } from './helpers/partx.js';

function label(image: string) {
  const reader = new FileByteReader(image);
  try {
    return readDiskLabel(reader);
  } finally {
    reader.close();
  }
}

function sunDisk(name: string): string {
  const image = blankImage(name, 64 << 20);
  // Linux lays out a Sun label in whole cylinders of 255 × 63 sectors (8 of them in 64 MiB); s2 is the whole disk.
  sfdisk(
    image,
    [
      'label: sun',
      'start=0, size=32130, type=83',
      'start=32130, size=16065, type=82',
      'start=0, size=128520, type=5',
      '',
    ].join('\n'),
  );
  return image;
}

describe('SPARC SMI label', () => {
  it('reads an sfdisk Sun label: cylinder starts, tags, the whole-disk slice', () => {
    const image = sunDisk('sun-sfdisk.img');
    const l = label(image);
    expect(l).toMatchObject({ scheme: 'smi', sectorSize: 512, diskId: '', warnings: [] });
    expect(l.description).toMatch(/^Linux cyl \d+ alt \d+ hd 255 sec 63$/);
    expect(l.partitions.map((p) => [p.name, p.typeName, p.start / 512, p.size / 512])).toEqual([
      ['s0', 'Linux native', 0, 32130],
      ['s1', 'Linux swap', 32130, 16065],
      ['s2', 'backup', 0, 128520],
    ]);
    expect(findPartition(l, 's2')?.wholeDisk).toBe(true);
    expect(partxSliceKeys(partx(image), 'sun')).toEqual(sliceKeys(l.partitions.filter((p) => !p.wholeDisk)));
  });

  it('reads the slice flags fdisk sets (swap is unmountable)', () => {
    requireTool('fdisk');
    const image = blankImage('sun-fdisk.img', 64 << 20);
    run('fdisk', [image], { input: 's\nn\n1\n\n+8M\nn\n2\n\n+16M\nt\n2\n82\nw\n' });
    const l = label(image);
    expect(findPartition(l, 's1')).toMatchObject({ tag: 0x82, flag: 1 });
    expect(partxSliceKeys(partx(image), 'sun')).toEqual(sliceKeys(l.partitions.filter((p) => !p.wholeDisk)));
  });

  it('gives BAD_CHECKSUM for a Sun label whose checksum is off', () => {
    const image = copyImage(sunDisk('sun-sum-base.img'), 'sun-bad-sum.img');
    const sum = readBytes(image, 510, 2);
    writeBytes(image, 510, Uint8Array.of(sum[0]!, sum[1]! ^ 1));
    let error: unknown;
    try {
      label(image);
    } catch (e) {
      error = e;
    }
    expect(isLabelError(error, 'BAD_CHECKSUM')).toBe(true);
  });

  it('reads a label without its VTOC part: extents only, tags unknown', () => {
    const image = copyImage(sunDisk('sun-novtoc-base.img'), 'sun-novtoc.img');
    const sector = readBytes(image, 0, 512);
    sector.fill(0, 128, 264); // the whole VTOC part
    sector.writeUInt16BE(0, 510);
    let x = 0;
    for (let off = 0; off < 510; off += 2) x ^= sector.readUInt16BE(off);
    sector.writeUInt16BE(x, 510);
    writeBytes(image, 0, sector);
    const l = label(image);
    expect(l.warnings).toEqual(['the SMI label has no VTOC part; slice tags are unknown']);
    expect(l.partitions.map((p) => [p.name, p.type, p.start / 512, p.size / 512])).toEqual([
      ['s0', 'unknown', 0, 32130],
      ['s1', 'unknown', 32130, 16065],
      ['s2', 'unknown', 0, 128520],
    ]);
    const theirs = partx(image).map((e) => [e.start, e.sectors]);
    expect(theirs).toEqual(l.partitions.map((p) => [p.start / 512, p.size / 512]));
  });
});
