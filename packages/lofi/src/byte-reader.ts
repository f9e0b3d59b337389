/**
 * The smallest thing a disk label is read from: a length and a positional read
 * that fills the caller's buffer (pread semantics). Structurally the same as
 * @x/fsimage's BlockSource, so either can be passed without this package
 * depending on that one.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export interface ByteReader {
  /** Length in bytes. */
  readonly size: number;
  /** Fill `buf` entirely with the bytes at `position`; throw if that runs past `size`. */
  read(buf: Uint8Array, position: number): void;
}

function outside(size: number, position: number, length: number): RangeError {
  return new RangeError(`read of ${length} bytes at ${position} is outside the ${size}-byte image`);
}

/** An image file, read with pread. Close it when done. */
export class FileByteReader implements ByteReader {
  readonly size: number;
  readonly path: string;
  private fd: number;

  constructor(path: string) {
    this.path = path;
    this.fd = openSync(path, 'r');
    try {
      const st = fstatSync(this.fd);
      if (!st.isFile() && !st.isBlockDevice()) throw new Error(`${path} is not a regular file`);
      this.size = st.size;
    } catch (e) {
      closeSync(this.fd);
      throw e;
    }
  }

  read(buf: Uint8Array, position: number): void {
    if (this.fd < 0) throw new Error(`${this.path} is closed`);
    if (!Number.isSafeInteger(position) || position < 0 || position + buf.byteLength > this.size) {
      throw outside(this.size, position, buf.byteLength);
    }
    let done = 0;
    while (done < buf.byteLength) {
      const n = readSync(this.fd, buf, done, buf.byteLength - done, position + done);
      if (n === 0) throw new Error(`${this.path} shrank while being read`);
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

/** Bytes already in memory: tests, fuzzing, decompressed images. */
export class MemoryByteReader implements ByteReader {
  readonly size: number;
  constructor(private readonly bytes: Uint8Array) {
    this.size = bytes.byteLength;
  }
  read(buf: Uint8Array, position: number): void {
    if (!Number.isSafeInteger(position) || position < 0 || position + buf.byteLength > this.size) {
      throw outside(this.size, position, buf.byteLength);
    }
    buf.set(this.bytes.subarray(position, position + buf.byteLength));
  }
}
