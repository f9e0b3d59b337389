/**
 * El Torito: bootable images made by xorriso and genisoimage; the catalog the
 * plugin reads must be what `xorriso -report_el_torito plain` reports.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryBlockSource, openImage } from '@x/fsimage';
import { makeTree, requireTool, run } from '@x/testkit';
import { describe, expect, it } from 'vitest';
import { scratchDir } from './support/scratch.js';
import '../src/index.js';
import type { BootEntry, IsoVolume } from '../src/index.js';
import { expectSameTree } from './support/compare.js';
import { genisoimage, xorrisoMkisofs } from './support/images.js';

/** xorriso's words for platform and emulation, and the El Torito names they stand for. */
const PLATFORM: Record<string, string> = { BIOS: 'x86', PPC: 'PowerPC', Mac: 'Mac', UEFI: 'EFI' };
const EMULATION: Record<string, string> = {
  none: 'no-emulation',
  'fd1.2': '1.2M floppy',
  'fd1.4': '1.44M floppy',
  'fd2.8': '2.88M floppy',
  hd: 'hard disk',
};

interface Reported {
  catalogSector: number;
  images: Array<{
    platform: string;
    bootable: boolean;
    media: string;
    segment: number;
    systemType: number;
    count: number;
    lba: number;
  }>;
}

function xorrisoReport(image: string): Reported {
  const out = run('xorriso', ['-indev', image, '-report_el_torito', 'plain']);
  const catalog = /^El Torito catalog\s*:\s*(\d+)/m.exec(out);
  const images = [
    ...out.matchAll(
      /^El Torito boot img :\s+\d+\s+(\S+)\s+([yn])\s+(\S+)\s+0x(\w+)\s+0x(\w+)\s+(\d+)\s+(\d+)$/gm,
    ),
  ];
  return {
    catalogSector: Number(catalog![1]),
    images: images.map((m) => ({
      platform: PLATFORM[m[1]!] ?? m[1]!,
      bootable: m[2] === 'y',
      media: EMULATION[m[3]!]!,
      segment: Number.parseInt(m[4]!, 16),
      systemType: Number.parseInt(m[5]!, 16),
      count: Number(m[6]),
      lba: Number(m[7]),
    })),
  };
}

function bootTree(): string {
  const root = makeTree(scratchDir('iso9660-boot-'), {
    'boot/boot.img': new Uint8Array(randomBytes(2048)),
    'boot/efi.img': new Uint8Array(randomBytes(1440 * 1024)),
    'boot/floppy.img': new Uint8Array(randomBytes(1440 * 1024)),
    'readme.txt': 'bootable\n',
  });
  // A hard-disk image: an MBR with one Linux partition.
  const disk = join(root, 'boot/disk.img');
  writeFileSync(disk, '');
  truncateSync(disk, 2 * 2 ** 20);
  requireTool('sfdisk');
  run('sfdisk', ['-q', disk], { input: 'start=2048, type=83\n' });
  return root;
}

function entriesOf(volume: IsoVolume): BootEntry[] {
  const catalog = volume.bootCatalog()!;
  return [catalog.defaultEntry, ...catalog.sections.flatMap((s) => s.entries)];
}

describe('El Torito boot catalog', () => {
  const src = bootTree();
  const images: Array<[string, () => string]> = [
    [
      'xorriso: BIOS no-emulation, 1.44M floppy, EFI',
      () =>
        xorrisoMkisofs(src, [
          '-R',
          '-J',
          '-c',
          'boot/boot.cat',
          '-b',
          'boot/boot.img',
          '-no-emul-boot',
          '-boot-load-size',
          '4',
          '-eltorito-alt-boot',
          '-b',
          'boot/floppy.img',
          '-eltorito-alt-boot',
          '-e',
          'boot/efi.img',
          '-no-emul-boot',
        ]),
    ],
    [
      'xorriso: PowerPC hard disk, Mac no-emulation with selection criteria',
      () =>
        xorrisoMkisofs(src, [
          '-R',
          '-eltorito-platform',
          '0x01',
          '-b',
          'boot/disk.img',
          '-hard-disk-boot',
          '-eltorito-alt-boot',
          '-eltorito-platform',
          '0x02',
          '-b',
          'boot/boot.img',
          '-no-emul-boot',
          '-eltorito-selcrit',
          '0102',
        ]),
    ],
    [
      'genisoimage: BIOS no-emulation and EFI',
      () =>
        genisoimage(src, [
          '-R',
          '-b',
          'boot/boot.img',
          '-no-emul-boot',
          '-boot-load-size',
          '4',
          '-eltorito-alt-boot',
          '-e',
          'boot/efi.img',
          '-no-emul-boot',
        ]),
    ],
  ];

  for (const [name, build] of images) {
    it(name, () => {
      const image = build();
      const fs = openImage(image);
      const volume = fs.volume as IsoVolume;
      const reported = xorrisoReport(image);
      const catalog = volume.bootCatalog()!;
      expect(catalog.sector).toBe(reported.catalogSector);
      const entries = entriesOf(volume);
      expect(
        entries.map((e) => ({
          platform: e.platform,
          bootable: e.bootable,
          media: e.mediaType,
          segment: e.loadSegment,
          systemType: e.systemType,
          count: e.sectorCount,
          lba: e.loadRba,
        })),
      ).toEqual(reported.images);
      // info() shows the same, one section per entry.
      const info = fs.info();
      expect(new Map(info.rows).get('El Torito')).toMatch(
        new RegExp(`^boot catalog at sector ${catalog.sector}`),
      );
      expect(info.sections!.map((s) => new Map(s.rows).get('Load RBA'))).toEqual(
        reported.images.map((i) => String(i.lba)),
      );
      expect(info.sections!.map((s) => new Map(s.rows).get('Media type'))).toEqual(
        reported.images.map((i) => i.media),
      );
      fs.close();
    });
  }

  it('the default entry agrees with isoinfo -d', () => {
    const image = images[0]![1]();
    const out = run('isoinfo', ['-d', '-i', image]);
    const field = (name: string) => new RegExp(`^\\s*${name} (\\w+)`, 'm').exec(out)![1]!;
    const fs = openImage(image);
    const entry = (fs.volume as IsoVolume).bootCatalog()!.defaultEntry;
    // isoinfo prints the indicator and the sector count in hexadecimal, the media type as its code.
    expect(entry.bootable).toBe(field('Bootid') === '88');
    expect(
      ['no-emulation', '1.2M floppy', '1.44M floppy', '2.88M floppy', 'hard disk'][
        Number(field('Boot media'))
      ],
    ).toBe(entry.mediaType);
    expect(entry.loadSegment).toBe(Number(field('Load segment')));
    expect(entry.systemType).toBe(Number(field('Sys type')));
    expect(entry.sectorCount).toBe(Number.parseInt(field('Nsect'), 16));
    expect(entry.loadRba).toBe(Number(/^\s*Bootoff \w+ (\d+)/m.exec(out)![1]));
    fs.close();
  });

  it('a damaged catalog is reported by info() and leaves the files readable', () => {
    const image = images[0]![1]();
    const bytes = Buffer.from(readFileSync(image));
    const sector = xorrisoReport(image).catalogSector;
    bytes[sector * 2048 + 28]! ^= 0xff; // the validation entry's checksum
    const fs = openImage(new MemoryBlockSource(bytes));
    expect(new Map(fs.info().rows).get('El Torito')).toMatch(/^boot catalog unreadable: .*checksum/);
    expect(() => (fs.volume as IsoVolume).bootCatalog()).toThrow(
      expect.objectContaining({ code: 'EFSCORRUPTED' }),
    );
    expectSameTree(fs, { root: src, modes: true, extra: (p) => p === '/boot/boot.cat' });
    fs.close();
  });

  it('an image without El Torito says so', () => {
    const fs = openImage(xorrisoMkisofs(src, ['-R']));
    expect((fs.volume as IsoVolume).bootCatalog()).toBeNull();
    expect(new Map(fs.info().rows).get('El Torito')).toBe('no');
    expect(fs.info().sections).toBeUndefined();
    fs.close();
  });
});
