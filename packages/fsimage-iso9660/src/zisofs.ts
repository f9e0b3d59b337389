/**
 * zisofs (and zisofs2 with zlib): transparently compressed file content,
 * announced by a ZF entry. The content starts with a header (magic, size,
 * block size), then a table of block pointers, then the blocks, each a zlib
 * stream inflating to one block; a zero-length block is a block of zeros.
 * Each block is inflated with its output bounded by the block size and by
 * `limits.maxDecompressionRatio`. The last inflated block and the last file's
 * pointer table are kept, so sequential reads inflate each block once.
 */
import { inflateSync } from 'node:zlib';
import { corruptAt, le32, le64, unsupported } from './bytes.js';
import type { IsoContext } from './context.js';
import { readRecorded } from './file-data.js';
import type { IsoNode } from './node.js';
import type { ZisofsEntry } from './rock-ridge.js';

/** The two formats: header magic, header size, pointer width, and the zlib algorithm's code. */
const FORMATS = {
  1: {
    magic: [0x37, 0xe4, 0x53, 0x96, 0xc9, 0xdb, 0xd6, 0x07],
    headerSize: 16,
    pointerSize: 4,
    algorithm: 'pz',
  },
  2: {
    magic: [0xef, 0x22, 0x55, 0xa1, 0xbc, 0x1b, 0x95, 0xa0],
    headerSize: 24,
    pointerSize: 8,
    algorithm: 'PZ',
  },
} as const;

/** Block sizes the formats allow: 32, 64 and 128 KiB. */
const LOG2_BLOCK_SIZES = new Set([15, 16, 17]);

interface PointerTable {
  ino: number;
  blockSize: number;
  size: number;
  /** Byte offsets of the blocks in the recorded content; one more than there are blocks. */
  pointers: number[];
}

interface InflatedBlock {
  ino: number;
  index: number;
  data: Uint8Array;
}

function checkHeader(zf: ZisofsEntry, header: Uint8Array, position: number): void {
  const format = FORMATS[zf.version];
  if (!format.magic.every((byte, i) => header[i] === byte)) {
    throw corruptAt('zisofs header', position, 'has no zisofs magic number');
  }
  const recorded =
    zf.version === 1
      ? { size: le32(header, 8), headerSize: header[12]! * 4, log2: header[13]! }
      : { size: le64(header, 12, 'zisofs header', position), headerSize: header[9]! * 4, log2: header[11]! };
  if (
    recorded.size !== zf.size ||
    recorded.headerSize !== zf.headerSize ||
    recorded.log2 !== zf.log2BlockSize
  ) {
    throw corruptAt(
      'zisofs header',
      position,
      'disagrees with its ZF entry (size, header size or block size)',
    );
  }
  if (zf.version === 2 && header[10] !== 1) {
    throw unsupported(`zisofs2 compression algorithm ${header[10]} is not supported (zlib only)`);
  }
}

export class ZisofsReader {
  private table: PointerTable | null = null;
  private block: InflatedBlock | null = null;

  constructor(private readonly ctx: IsoContext) {}

  /** Read uncompressed bytes of a zisofs file. */
  read(node: IsoNode, buf: Uint8Array, position: number): number {
    const table = this.tableOf(node);
    if (position >= table.size || buf.length === 0) return 0;
    const count = Math.min(buf.length, table.size - position);
    let done = 0;
    while (done < count) {
      this.ctx.guard.check();
      const at = position + done;
      const index = Math.floor(at / table.blockSize);
      const data = this.blockOf(node, table, index);
      const offset = at - index * table.blockSize;
      const take = Math.min(count - done, data.length - offset);
      buf.set(data.subarray(offset, offset + take), done);
      done += take;
    }
    return count;
  }

  clear(): void {
    this.table = null;
    this.block = null;
  }

  private tableOf(node: IsoNode): PointerTable {
    if (this.table?.ino === node.ino) return this.table;
    const zf = node.zisofs!;
    const format = FORMATS[zf.version];
    const where = node.extents[0]!.position;
    if (zf.algorithm !== format.algorithm) {
      throw unsupported(`zisofs compression "${zf.algorithm}" (format ${zf.version}) is not supported`);
    }
    if (!LOG2_BLOCK_SIZES.has(zf.log2BlockSize)) {
      throw corruptAt(
        'Rock Ridge ZF entry',
        where,
        `block size 2^${zf.log2BlockSize} is not 2^15, 2^16 or 2^17`,
      );
    }
    if (zf.headerSize < format.headerSize) {
      throw corruptAt(
        'Rock Ridge ZF entry',
        where,
        `header size ${zf.headerSize} is below ${format.headerSize}`,
      );
    }
    const blockSize = 2 ** zf.log2BlockSize;
    const blocks = Math.ceil(zf.size / blockSize);
    const tableBytes = (blocks + 1) * format.pointerSize;
    // The header and the table must fit in the recorded bytes: this bounds what we allocate.
    if (zf.headerSize + tableBytes > node.recordedSize) {
      throw corruptAt(
        'zisofs header',
        where,
        `${blocks} block pointers do not fit in ${node.recordedSize} recorded bytes`,
      );
    }
    const raw = new Uint8Array(zf.headerSize + tableBytes);
    if (readRecorded(this.ctx, node, raw, 0) !== raw.length) {
      throw corruptAt('zisofs header', where, 'is cut short');
    }
    checkHeader(zf, raw, where);
    const pointers: number[] = [];
    for (let i = 0; i <= blocks; i++) {
      const o = zf.headerSize + i * format.pointerSize;
      const pointer =
        format.pointerSize === 4 ? le32(raw, o) : le64(raw, o, 'zisofs block pointer', where + o);
      const previous = i === 0 ? raw.length : pointers[i - 1]!;
      if (pointer < previous || pointer > node.recordedSize) {
        throw corruptAt(
          'zisofs block pointer',
          where + o,
          `${pointer} is out of order or past the recorded data`,
        );
      }
      pointers.push(pointer);
    }
    this.table = { ino: node.ino, blockSize, size: zf.size, pointers };
    return this.table;
  }

  private blockOf(node: IsoNode, table: PointerTable, index: number): Uint8Array {
    if (this.block?.ino === node.ino && this.block.index === index) return this.block.data;
    const expected = Math.min(table.blockSize, table.size - index * table.blockSize);
    const start = table.pointers[index]!;
    const length = table.pointers[index + 1]! - start;
    const where = node.extents[0]!.position + start;
    let data: Uint8Array;
    if (length === 0) {
      data = new Uint8Array(expected);
    } else {
      // zlib never grows data by more than a few bytes per 16 KiB; anything longer is not a block.
      if (length > table.blockSize + 1024) {
        throw corruptAt(
          'zisofs block',
          where,
          `${length} compressed bytes for a ${table.blockSize}-byte block`,
        );
      }
      if (expected > length * this.ctx.limits.maxDecompressionRatio) {
        throw corruptAt(
          'zisofs block',
          where,
          `${length} bytes would inflate to ${expected}, beyond the ${this.ctx.limits.maxDecompressionRatio}:1 limit`,
        );
      }
      const compressed = new Uint8Array(length);
      readRecorded(this.ctx, node, compressed, start);
      try {
        data = inflateSync(compressed, { maxOutputLength: expected });
      } catch (e) {
        throw corruptAt('zisofs block', where, `does not inflate: ${(e as Error).message}`);
      }
      if (data.length !== expected) {
        throw corruptAt('zisofs block', where, `inflates to ${data.length} bytes, not ${expected}`);
      }
    }
    this.block = { ino: node.ino, index, data };
    return data;
  }
}
