/**
 * What `tmount` is asked to mount: an image file (relative paths work, taken
 * from the working directory), a lofi device (`/dev/lofi/3`, `/dev/lofi/3s0`),
 * or a partition of a disk image (`-o part=p2`). Resolved to a file and the
 * byte range that holds the file system.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { FileBlockSource } from '@x/fsimage';
import { LOFI_DEVICE_DIR, type LofiTable, readDiskLabel } from '@x/lofi';

export interface MountSource {
  /** As the mount table shows it: the absolute image path, or the device name. */
  special: string;
  /** Absolute path of the image file. */
  file: string;
  offset: number;
  /** Bytes from `offset` that belong to the file system; undefined: to the end. */
  size?: number;
  /** The lofi device it was given as, if any. */
  device?: string;
}

export class SpecialError extends Error {}

export function resolveSpecial(
  special: string,
  options: { offset?: number; sizeLimit?: number; part?: string },
  lofi: LofiTable,
): MountSource {
  if (special.startsWith(LOFI_DEVICE_DIR)) {
    if (options.part || options.offset !== undefined) {
      throw new SpecialError(`${special} is a device already: part= and offset= apply to image files`);
    }
    const dev = lofi.resolveDevice(special);
    return { special: dev.device, file: dev.file, offset: dev.offset, size: dev.size, device: dev.device };
  }
  const file = resolve(special);
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch {
    throw new SpecialError(`${special}: no such file`);
  }
  if (!isFile) throw new SpecialError(`${special}: not a regular file`);
  if (options.part) {
    if (options.offset !== undefined)
      throw new SpecialError('part= and offset= both say where the file system is: give one');
    const source = new FileBlockSource(file);
    try {
      const label = readDiskLabel(source);
      const part = label.partitions.find((p) => p.name === options.part);
      if (!part || part.extended) {
        const names = label.partitions.filter((p) => !p.extended).map((p) => p.name);
        throw new SpecialError(
          `${special} has no partition ${options.part} (it has: ${names.join(', ') || 'none'})`,
        );
      }
      return { special: file, file, offset: part.start, size: part.size };
    } finally {
      source.close();
    }
  }
  return { special: file, file, offset: options.offset ?? 0, size: options.sizeLimit };
}
