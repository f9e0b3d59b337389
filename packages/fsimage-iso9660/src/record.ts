/**
 * Directory records (ECMA-119 9.1). Every length is checked against the
 * record and the record against the bytes it was read from before any field
 * is trusted.
 */
import type { BlockSource, Timespec } from '@x/fsimage';
import { both32, corruptAt } from './bytes.js';
import { recordingDate } from './dates.js';

/** File flags (ECMA-119 9.1.6). */
export const FILE_FLAG = {
  /** "Existence": the file need not be made known to the user. */
  HIDDEN: 0x01,
  DIRECTORY: 0x02,
  /** An associated file (a resource fork and the like). */
  ASSOCIATED: 0x04,
  RECORD: 0x08,
  PROTECTION: 0x10,
  /** Not the final directory record of the file: more extents follow. */
  MULTI_EXTENT: 0x80,
} as const;

/** Length of a record without its identifier and system use area. */
export const MIN_RECORD_LENGTH = 34;
/** A record's length is one byte. */
export const MAX_RECORD_LENGTH = 255;

export interface DirectoryRecord {
  /** Absolute byte position of the record. */
  position: number;
  length: number;
  /** Logical blocks of extended attribute record before the data. */
  xarLength: number;
  /** Logical block number of the extent. */
  extent: number;
  dataLength: number;
  date: Timespec;
  flags: number;
  fileUnitSize: number;
  interleaveGap: number;
  /** The file identifier bytes (a view). */
  identifier: Uint8Array;
  /** The system use area (a view), where SUSP entries live. */
  systemUse: Uint8Array;
  /** Absolute position of the system use area. */
  systemUsePosition: number;
}

/** Parse the record at `b[o]`, which sits at absolute byte `position`. */
export function parseRecord(
  b: Uint8Array,
  o: number,
  position: number,
  structure = 'directory record',
): DirectoryRecord {
  const length = b[o]!;
  if (length < MIN_RECORD_LENGTH) {
    throw corruptAt(structure, position, `length ${length} is shorter than ${MIN_RECORD_LENGTH}`);
  }
  if (o + length > b.length) {
    throw corruptAt(structure, position, `length ${length} runs past the end of its sector`);
  }
  const idLength = b[o + 32]!;
  if (idLength === 0 || 33 + idLength > length) {
    throw corruptAt(
      structure,
      position,
      `file identifier length ${idLength} does not fit a ${length}-byte record`,
    );
  }
  // The identifier is padded to an even length (9.1.12) before the system use area.
  const systemUseStart = Math.min(length, 33 + idLength + (idLength % 2 === 0 ? 1 : 0));
  return {
    position,
    length,
    xarLength: b[o + 1]!,
    extent: both32(b, o + 2, `${structure} extent location`, position + 2),
    dataLength: both32(b, o + 10, `${structure} data length`, position + 10),
    date: recordingDate(b, o + 18),
    flags: b[o + 25]!,
    fileUnitSize: b[o + 26]!,
    interleaveGap: b[o + 27]!,
    identifier: b.subarray(o + 33, o + 33 + idLength),
    systemUse: b.subarray(o + systemUseStart, o + length),
    systemUsePosition: position + systemUseStart,
  };
}

export function isDirectoryRecord(r: DirectoryRecord): boolean {
  return (r.flags & FILE_FLAG.DIRECTORY) !== 0;
}

/** The "." record: the one-byte identifier 0x00. */
export function isSelf(r: DirectoryRecord): boolean {
  return r.identifier.length === 1 && r.identifier[0] === 0;
}

/** The ".." record: identifier 0x01. */
export function isParent(r: DirectoryRecord): boolean {
  return r.identifier.length === 1 && r.identifier[0] === 1;
}

/** Byte position where a record's data starts (after any extended attribute record). */
export function dataStart(r: DirectoryRecord, blockSize: number): number {
  return (r.extent + r.xarLength) * blockSize;
}

/**
 * Read the single record at an absolute position, as when decoding an inode.
 * The record must lie inside the image and parse.
 */
export function readRecordAt(source: BlockSource, position: number): DirectoryRecord {
  if (!Number.isSafeInteger(position) || position <= 0 || position + MIN_RECORD_LENGTH > source.size) {
    throw corruptAt('directory record', position, 'is outside the image');
  }
  const window = new Uint8Array(Math.min(MAX_RECORD_LENGTH, source.size - position));
  source.read(window, position);
  return parseRecord(window, 0, position);
}
