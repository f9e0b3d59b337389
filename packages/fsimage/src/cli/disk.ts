/**
 * Disks in the CLI: the partition table of an image (through @x/lofi) for
 * `info`, and `-p NAME` to pick the partition or slice a command reads.
 */
import { type DiskLabel, isLabelError, type Partition, readDiskLabel } from '@x/lofi';
import type { BlockSource } from '../block-source.js';
import { SliceBlockSource } from '../block-source.js';
import { FsError } from '../errors.js';
import { probeAll } from '../open.js';
import type { FsPlugin } from '../plugin.js';

/** The image's partition table, or undefined when it has none (or it does not parse). */
export function diskLabelOf(source: BlockSource, warn: (m: string) => void): DiskLabel | undefined {
  try {
    const label = readDiskLabel(source);
    for (const w of label.warnings) warn(w);
    return label.scheme === 'none' ? undefined : label;
  } catch (e) {
    if (!isLabelError(e)) throw e;
    warn(`partition table: ${e.message}`);
    return undefined;
  }
}

/** Byte range of partition `name`, or a clear error listing what there is. */
export function partitionRange(
  source: BlockSource,
  name: string,
  warn: (m: string) => void,
): { offset: number; size: number } {
  const label = diskLabelOf(source, warn);
  if (!label) throw new FsError('ENOENT', `no partition table, so no partition ${name}`);
  const part = label.partitions.find((p) => p.name === name);
  if (!part) {
    const names = label.partitions.filter((p) => !p.extended).map((p) => p.name);
    throw new FsError(
      'ENOENT',
      `no partition ${name} (${label.scheme} table has: ${names.join(', ') || 'none'})`,
    );
  }
  if (part.extended)
    throw new FsError('EINVAL', `${name} is an extended partition: it holds partitions, not a file system`);
  return { offset: part.start, size: part.size };
}

/** The file system each partition holds, as the installed plugins recognise it. */
export function partitionContents(
  source: BlockSource,
  part: Partition,
  plugins: readonly FsPlugin[],
): string {
  if (part.extended) return 'extended';
  const slice = new SliceBlockSource(source, part.start, part.size);
  const found = probeAll(slice, plugins)[0];
  return found ? (found.result.variant ?? found.plugin.name) : '-';
}
