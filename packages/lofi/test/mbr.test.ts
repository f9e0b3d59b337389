/** MBR primaries and logical partitions, built with sfdisk and compared with partx. */

import { run } from '@x/testkit';
import { describe, expect, it } from 'vitest';
import { FileByteReader, findPartition, parseMbr, readDiskLabel } from '../src/index.js';
import { blankImage, sfdisk } from './helpers/images.js';
import { expectSameTable, partx } from './helpers/partx.js';

function label(image: string) {
  const reader = new FileByteReader(image);
  try {
    return readDiskLabel(reader);
  } finally {
    reader.close();
  }
}

describe('MBR', () => {
  it('reads primaries with boot flag, types and disk signature as partx does', () => {
    const image = blankImage('primaries.img', 64 << 20);
    sfdisk(
      image,
      [
        'label: dos',
        'label-id: 0x5ca1ab1e',
        'start=2048, size=8192, type=83, bootable',
        'start=10240, size=4096, type=c',
        'start=16384, size=20480, type=82',
        'start=40960, size=2048, type=a5',
        '',
      ].join('\n'),
    );
    const l = label(image);
    expect(l.scheme).toBe('mbr');
    expect(l.diskId).toBe('5ca1ab1e');
    expect(l.warnings).toEqual([]);
    expectSameTable(l, partx(image), 'dos');
    expect(findPartition(l, 'p1')).toMatchObject({ bootable: true, typeName: 'Linux', start: 2048 * 512 });
    expect(findPartition(l, 'p2')?.typeName).toBe('W95 FAT32 (LBA)');
    expect(findPartition(l, 'p3')?.typeName).toBe('Linux swap / Solaris');
    expect(findPartition(l, 'p5')).toBeUndefined();
  });

  it('keeps a primary number for an empty slot, as Linux does', () => {
    const image = blankImage('gap.img', 16 << 20);
    sfdisk(
      image,
      ['label: dos', '1 : start=2048, size=2048, type=83', '3 : start=8192, size=2048, type=83', ''].join(
        '\n',
      ),
    );
    const l = label(image);
    expect(l.partitions.map((p) => p.name)).toEqual(['p1', 'p3']);
    expectSameTable(l, partx(image), 'dos');
  });

  it('follows an extended partition with several logicals (p5 on)', () => {
    const image = blankImage('logicals.img', 96 << 20);
    sfdisk(
      image,
      [
        'label: dos',
        'start=2048, size=10240, type=83',
        'start=12288, size=4096, type=c',
        // The extended partition takes the rest of the disk, so sfdisk makes the next ones logical.
        'start=16384, type=5',
        'size=20480, type=83',
        'size=30720, type=82',
        'size=10240, type=7',
        'size=40960, type=83',
        '',
      ].join('\n'),
    );
    const l = label(image);
    expect(l.warnings).toEqual([]);
    expect(l.partitions.map((p) => p.name)).toEqual(['p1', 'p2', 'p3', 'p5', 'p6', 'p7', 'p8']);
    expectSameTable(l, partx(image), 'dos');
    const ext = findPartition(l, 'p3')!;
    expect(ext.extended).toBe(true);
    for (const name of ['p5', 'p6', 'p7', 'p8']) {
      const p = findPartition(l, name)!;
      expect(p.container).toBe('p3');
      expect(p.start).toBeGreaterThan(ext.start);
      expect(p.start + p.size).toBeLessThanOrEqual(ext.start + ext.size);
    }
  });

  it('reads the W95 (0x0f) and Linux (0x85) extended types too', () => {
    for (const type of ['f', '85']) {
      const image = blankImage(`ext-${type}.img`, 32 << 20);
      sfdisk(
        image,
        ['label: dos', 'start=2048, type=5', 'size=8192, type=83', 'size=8192, type=83', ''].join('\n'),
      );
      run('sfdisk', ['--no-reread', '--no-tell-kernel', '--part-type', image, '1', type]);
      const l = label(image);
      expect(findPartition(l, 'p1')).toMatchObject({ type: `0x${type.padStart(2, '0')}`, extended: true });
      expect(l.partitions.map((p) => p.name)).toEqual(['p1', 'p5', 'p6']);
      expectSameTable(l, partx(image), 'dos');
    }
  });

  it('lists an empty extended partition with no logicals and no warning', () => {
    const image = blankImage('empty-ext.img', 16 << 20);
    sfdisk(image, ['label: dos', 'start=2048, size=8192, type=5', ''].join('\n'));
    const l = label(image);
    expect(l.partitions.map((p) => p.name)).toEqual(['p1']);
    expect(l.warnings).toEqual([]);
  });

  it('parseMbr alone lists the protective entry of a GPT disk', () => {
    const image = blankImage('pmbr.img', 8 << 20);
    sfdisk(image, ['label: gpt', 'size=2048', ''].join('\n'));
    const reader = new FileByteReader(image);
    try {
      const mbr = parseMbr(reader);
      expect(mbr.partitions).toHaveLength(1);
      expect(mbr.partitions[0]).toMatchObject({ type: '0xee', typeName: 'GPT', start: 512 });
      expect(readDiskLabel(reader).scheme).toBe('gpt');
    } finally {
      reader.close();
    }
  });

  it('finds no table in a blank image', () => {
    const image = blankImage('blank.img', 1 << 20);
    expect(label(image)).toEqual({
      scheme: 'none',
      sectorSize: 512,
      diskId: '',
      partitions: [],
      warnings: [],
    });
    expect(partx(image)).toEqual([]);
  });
});
