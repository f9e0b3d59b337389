/**
 * Fuzz target: a disk's partition tables (MBR with extended chains, GPT with
 * its CRCs and backup, Solaris VTOC inside fdisk partitions, SPARC SMI). Any
 * input must give a LabelError or a label whose every partition lies inside
 * the image: a partition that points outside is a crash, not an answer.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLabelError, MemoryByteReader, readDiskLabel } from '@x/lofi';
import { thirdPartyImage } from '@x/testkit';

export function isExpected(e) {
  return isLabelError(e);
}

/** A small disk made by a real partitioning tool from a script of its input. */
function disk(tool, sectors, args, input) {
  const file = join(mkdtempSync(join(tmpdir(), 'label-seed-')), 'disk.img');
  writeFileSync(file, new Uint8Array(sectors * 512));
  execFileSync(tool, [...args, file], { input, stdio: ['pipe', 'ignore', 'ignore'] });
  return new Uint8Array(readFileSync(file));
}

export function seeds() {
  return [
    disk(
      'sfdisk',
      256,
      ['--quiet'],
      'label: dos\nstart=4, size=20, type=83, bootable\nstart=24, size=200, type=5\nstart=28, size=40, type=83\nstart=72, size=40, type=bf\nstart=116, size=60, type=82\n',
    ),
    disk(
      'sfdisk',
      256,
      ['--quiet'],
      'label: gpt\nfirst-lba: 34\nstart=40, size=60, type=L, name=root\nstart=100, size=60, type=6A898CC3-1DD2-11B2-99A6-080020736631, name=zfs\n',
    ),
    new Uint8Array(readFileSync(thirdPartyImage('util-linux/sun.img'))),
    new Uint8Array(readFileSync(thirdPartyImage('dfvfs/tsk_volume_system.raw'))).subarray(0, 1 << 16),
  ];
}

export const dictionary = [
  'EFI PART',
  Uint8Array.of(0x55, 0xaa),
  Uint8Array.of(0xda, 0xbe),
  Uint8Array.of(0xbe, 0xda),
  Uint8Array.of(0xee, 0xde, 0x0d, 0x60),
  Uint8Array.of(0x60, 0x0d, 0xde, 0xee),
  Uint8Array.of(0xee),
  Uint8Array.of(0xbf),
  Uint8Array.of(0x05),
  Uint8Array.of(0x0f),
  Uint8Array.of(0x85),
];

export function fuzz(data) {
  const label = readDiskLabel(new MemoryByteReader(data));
  for (const p of label.partitions) {
    if (!(p.start >= 0 && p.size >= 0 && p.start + p.size <= data.length)) {
      throw new Error(
        `partition ${p.name} (${p.start}+${p.size}) lies outside the ${data.length}-byte image`,
      );
    }
  }
}
