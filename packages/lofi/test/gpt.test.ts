/** GPT disks built with sfdisk, sgdisk and fdisk, compared with partx; damaged headers fall back to the backup. */
import { crc32 } from 'node:zlib';
import { requireTool, run } from '@x/testkit';
import { describe, expect, it } from 'vitest';
import { FileByteReader, findPartition, isLabelError, parseGpt, readDiskLabel } from '../src/index.js';
import { blankImage, copyImage, flipByte, readBytes, sfdisk, sgdisk, writeBytes } from './helpers/images.js';
import { expectSameTable, partx } from './helpers/partx.js';

function label(image: string) {
  const reader = new FileByteReader(image);
  try {
    return readDiskLabel(reader);
  } finally {
    reader.close();
  }
}

const DISK_GUID = '8a9d6c5e-1f2b-4a3c-9d8e-7f6a5b4c3d2e';

/** A GPT made by sfdisk with names, fixed GUIDs and attribute bits. */
function sfdiskGpt(name: string): string {
  const image = blankImage(name, 48 << 20);
  sfdisk(
    image,
    [
      'label: gpt',
      `label-id: ${DISK_GUID}`,
      'start=2048, size=2048, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI system", uuid=11111111-2222-3333-4444-555555555555, attrs="RequiredPartition"',
      'size=4096, type=21686148-6449-6E6F-744E-656564454649, name=bios, attrs="LegacyBIOSBootable"',
      'size=16384, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="root fs", attrs="GUID:60,63"',
      'size=8192, type=6A898CC3-1DD2-11B2-99A6-080020736631, name=zpool',
      '',
    ].join('\n'),
  );
  return image;
}

describe('GPT', () => {
  it('reads names, GUIDs, types and attributes of an sfdisk GPT as partx does', () => {
    const image = sfdiskGpt('sfdisk-gpt.img');
    const l = label(image);
    expect(l).toMatchObject({ scheme: 'gpt', sectorSize: 512, diskId: DISK_GUID, warnings: [] });
    expectSameTable(l, partx(image), 'gpt');
    expect(findPartition(l, 'p1')).toMatchObject({
      typeName: 'EFI System',
      label: 'EFI system',
      uuid: '11111111-2222-3333-4444-555555555555',
      attributes: 1n,
      bootable: false,
    });
    expect(findPartition(l, 'p2')).toMatchObject({ typeName: 'BIOS boot', bootable: true, attributes: 4n });
    expect(findPartition(l, 'p3')).toMatchObject({ label: 'root fs', attributes: (1n << 60n) | (1n << 63n) });
    expect(findPartition(l, 'p4')?.typeName).toBe('Solaris /usr & Apple ZFS');
  });

  it('reads an sgdisk GPT with Solaris types and a non-ASCII name', () => {
    const image = blankImage('sgdisk.img', 64 << 20);
    sgdisk(image, [
      '-o',
      '-n',
      '1:2048:+1M',
      '-t',
      '1:ef02',
      '-c',
      '1:grub',
      '-n',
      '2:0:+16M',
      '-t',
      '2:bf01',
      '-c',
      '2:rpool',
      '-n',
      '3:0:+8M',
      '-t',
      '3:bf02',
      '-c',
      '3:swap',
      '-n',
      '5:0:+4M',
      '-t',
      '5:be00',
      '-c',
      '5:démarrage ✓',
    ]);
    const l = label(image);
    expect(l.warnings).toEqual([]);
    const theirs = partx(image);
    // partx escapes non-ASCII bytes in names; the name is checked against what sgdisk was given instead.
    expectSameTable(
      { ...l, partitions: l.partitions.map((p) => (p.number === 5 ? { ...p, label: '' } : p)) },
      theirs.map((e) => (e.nr === 5 ? { ...e, name: '' } : e)),
      'gpt',
    );
    expect(l.partitions.map((p) => [p.name, p.typeName, p.label])).toEqual([
      ['p1', 'BIOS boot', 'grub'],
      ['p2', 'Solaris /usr & Apple ZFS', 'rpool'],
      ['p3', 'Solaris swap', 'swap'],
      ['p5', 'Solaris boot', 'démarrage ✓'],
    ]);
  });

  it('finds 4096-byte logical sectors from where the header is', () => {
    requireTool('fdisk');
    const image = blankImage('gpt4k.img', 32 << 20);
    run('fdisk', ['-b', '4096', image], { input: 'g\nn\n\n\n+2M\nn\n\n\n+3M\nw\n' });
    const l = label(image);
    expect(l.sectorSize).toBe(4096);
    expect(l.warnings).toEqual([]);
    expectSameTable(l, partx(image, 4096), 'gpt');
    expect(l.partitions.map((p) => p.size)).toEqual([2 << 20, 3 << 20]);
  });

  it('falls back to the backup header when the primary header CRC is wrong', () => {
    const image = copyImage(sfdiskGpt('crc-base.img'), 'bad-header.img');
    flipByte(image, 512 + 60); // inside the disk GUID: the header CRC no longer matches
    const l = label(image);
    expect(l.warnings.join('\n')).toMatch(
      /primary GPT header is unusable \(header CRC32 mismatch.*using the backup/,
    );
    expect(l.diskId).toBe(DISK_GUID);
    expectSameTable(l, partx(image), 'gpt');
  });

  it('falls back to the backup when the primary entry array CRC is wrong', () => {
    const image = copyImage(sfdiskGpt('crc-base2.img'), 'bad-entries.img');
    flipByte(image, 1024 + 56 + 2); // a character of p1's name in the primary array
    const l = label(image);
    expect(l.warnings.join('\n')).toMatch(/partition entry array CRC32 mismatch.*using the backup/);
    expect(findPartition(l, 'p1')?.label).toBe('EFI system');
    expectSameTable(l, partx(image), 'gpt');
  });

  it('uses the primary and warns when only the backup is damaged', () => {
    const image = copyImage(sfdiskGpt('crc-base3.img'), 'bad-backup.img');
    const size = 48 << 20;
    flipByte(image, size - 512 + 60);
    const l = label(image);
    expect(l.warnings.join('\n')).toMatch(/backup GPT header at LBA \d+ is unusable: header CRC32 mismatch/);
    expectSameTable(l, partx(image), 'gpt');
  });

  it('gives BAD_GPT when both headers are damaged', () => {
    const image = copyImage(sfdiskGpt('crc-base4.img'), 'bad-both.img');
    flipByte(image, 512 + 60);
    flipByte(image, (48 << 20) - 512 + 60);
    expect(() => label(image)).toThrow(expect.objectContaining({ name: 'LabelError', code: 'BAD_GPT' }));
  });

  it('still reads a GPT whose protective MBR was wiped, with a warning', () => {
    const image = copyImage(sfdiskGpt('pmbr-base.img'), 'no-pmbr.img');
    writeBytes(image, 0, new Uint8Array(512));
    const l = label(image);
    expect(l.scheme).toBe('gpt');
    expect(l.warnings).toContain('no protective MBR in sector 0');
    expect(l.partitions).toHaveLength(4);
  });

  it('rejects an entry that runs past the end of the image, CRCs and all correct', () => {
    const image = copyImage(sfdiskGpt('range-base.img'), 'past-end.img');
    // Make p4 end far beyond the image and re-seal both CRCs, as a crafted image would.
    const entries = readBytes(image, 1024, 128 * 128);
    entries.writeBigUInt64LE(10n << 30n, 3 * 128 + 40);
    writeBytes(image, 1024, entries);
    const header = readBytes(image, 512, 92);
    header.writeUInt32LE(crc32(entries), 88);
    header.writeUInt32LE(0, 16);
    header.writeUInt32LE(crc32(header), 16);
    writeBytes(image, 512, header);
    let error: unknown;
    try {
      label(image);
    } catch (e) {
      error = e;
    }
    expect(isLabelError(error, 'OUT_OF_RANGE')).toBe(true);
    expect((error as Error).message).toMatch(/^p4 .* runs past the end of the image/);
    const reader = new FileByteReader(image);
    try {
      const listed = parseGpt(reader, { beyondEnd: 'warn' });
      expect(findPartition(listed, 'p4')?.beyondEnd).toBe(true);
      expect(listed.warnings.some((w) => w.startsWith('p4 '))).toBe(true);
    } finally {
      reader.close();
    }
  });
});
