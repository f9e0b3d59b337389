/**
 * Block sources: what a file system reads from. Synchronous positional reads,
 * like pread(2): the fastest path in Node (`fs.readSync` with a position), and
 * callable from a FUSE worker or a CPU model alike.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { FsError } from './errors.js';

export interface BlockSource {
  /** Length in bytes. */
  readonly size: number;
  /**
   * Fill `buf` entirely with the bytes at `position`. A read that would run
   * past `size` throws EIO: never a silent short read.
   */
  read(buf: Uint8Array, position: number): void;
  /** Release the underlying descriptor, if any. Idempotent. */
  close(): void;
}

function checkRange(source: BlockSource, position: number, length: number): void {
  if (!Number.isSafeInteger(position) || position < 0 || position + length > source.size) {
    throw new FsError(
      'EIO',
      `read of ${length} bytes at offset ${position} is outside the image (${source.size} bytes)`,
    );
  }
}

/** Read `length` bytes at `position` into a new buffer. */
export function readBytes(source: BlockSource, position: number, length: number): Uint8Array {
  const buf = new Uint8Array(length);
  source.read(buf, position);
  return buf;
}

/** An image file on disk, read with pread. */
export class FileBlockSource implements BlockSource {
  readonly size: number;
  readonly path: string;
  private fd: number;

  constructor(path: string) {
    this.path = path;
    try {
      this.fd = openSync(path, 'r');
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new FsError(err.code === 'ENOENT' ? 'ENOENT' : 'EIO', `cannot open image: ${err.message}`, {
        path,
        cause: e,
      });
    }
    const st = fstatSync(this.fd);
    if (st.isDirectory()) {
      closeSync(this.fd);
      throw new FsError('EISDIR', 'image is a directory', { path });
    }
    this.size = st.size;
  }

  read(buf: Uint8Array, position: number): void {
    checkRange(this, position, buf.byteLength);
    let done = 0;
    while (done < buf.byteLength) {
      const n = readSync(this.fd, buf, done, buf.byteLength - done, position + done);
      if (n === 0)
        throw new FsError('EIO', `image ${this.path} shrank while being read`, { path: this.path });
      done += n;
    }
  }

  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}

/** Bytes already in memory (tests, fuzzing, decompressed images). */
export class MemoryBlockSource implements BlockSource {
  readonly size: number;
  constructor(private readonly bytes: Uint8Array) {
    this.size = bytes.byteLength;
  }
  read(buf: Uint8Array, position: number): void {
    checkRange(this, position, buf.byteLength);
    buf.set(this.bytes.subarray(position, position + buf.byteLength));
  }
  close(): void {}
}

/**
 * A window onto another source: a partition, or a file system that starts at
 * an offset inside an image. Closing a slice leaves its parent open.
 */
export class SliceBlockSource implements BlockSource {
  readonly size: number;
  constructor(
    private readonly parent: BlockSource,
    readonly start: number,
    length = parent.size - start,
  ) {
    if (!Number.isSafeInteger(start) || start < 0 || start > parent.size) {
      throw new FsError('EINVAL', `offset ${start} is outside the image (${parent.size} bytes)`);
    }
    if (!Number.isSafeInteger(length) || length < 0 || start + length > parent.size) {
      throw new FsError(
        'EINVAL',
        `slice of ${length} bytes at ${start} runs past the image (${parent.size} bytes)`,
      );
    }
    this.size = length;
  }
  read(buf: Uint8Array, position: number): void {
    checkRange(this, position, buf.byteLength);
    this.parent.read(buf, this.start + position);
  }
  close(): void {}
}
