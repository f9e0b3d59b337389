/** Images nobody on this project made, against partx. */
import { thirdPartyImage } from '@x/testkit';
import { describe, expect, it } from 'vitest';
import { FileByteReader, findPartition, isLabelError, readDiskLabel } from '../src/index.js';
import { expectSameTable, partx, partxSliceKeys, sliceKeys } from './helpers/partx.js';

function label(image: string, beyondEnd: 'error' | 'warn' = 'error') {
  const reader = new FileByteReader(image);
  try {
    return readDiskLabel(reader, { beyondEnd });
  } finally {
    reader.close();
  }
}

describe('third-party images', () => {
  it('dfvfs/mbr.raw: a primary and a logical inside an extended partition', () => {
    const image = thirdPartyImage('dfvfs/mbr.raw');
    const l = label(image);
    expect(l.warnings).toEqual([]);
    expect(l.partitions.map((p) => p.name)).toEqual(['p1', 'p2', 'p5']);
    expectSameTable(l, partx(image), 'dos');
    expect(findPartition(l, 'p5')?.container).toBe('p2');
  });

  it('dfvfs/tsk_volume_system.raw: MBR with an extended partition', () => {
    const image = thirdPartyImage('dfvfs/tsk_volume_system.raw');
    const l = label(image);
    expect(l.warnings).toEqual([]);
    expectSameTable(l, partx(image), 'dos');
  });

  it('util-linux/gpt.img: protective MBR and five named GPT partitions', () => {
    const image = thirdPartyImage('util-linux/gpt.img');
    const l = label(image);
    expect(l.scheme).toBe('gpt');
    expect(l.warnings).toEqual([]);
    expect(l.partitions).toHaveLength(5);
    expectSameTable(l, partx(image), 'gpt');
  });

  it('util-linux/sun.img: a Sun label for a bigger disk than the image', () => {
    const image = thirdPartyImage('util-linux/sun.img');
    // Its slices run past the end of the 10 MiB image: an error unless asked only to list them.
    let error: unknown;
    try {
      label(image);
    } catch (e) {
      error = e;
    }
    expect(isLabelError(error, 'OUT_OF_RANGE')).toBe(true);
    const l = label(image, 'warn');
    expect(l.scheme).toBe('smi');
    expect(l.partitions.every((p) => p.beyondEnd)).toBe(true);
    expect(l.warnings).toHaveLength(3);
    expect(partxSliceKeys(partx(image), 'sun')).toEqual(sliceKeys(l.partitions.filter((p) => !p.wholeDisk)));
  });
});
