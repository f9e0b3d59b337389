/**
 * Inodes. An inode number is the byte position of a directory record: the
 * file's first record, or for a directory its record in its parent (where
 * Linux and other readers take a directory's attributes from; its own "."
 * record may disagree). The root is its "." record, and a directory relocated
 * by Rock Ridge is the CL record that links it where it logically lives. That
 * makes every inode decodable from the image alone, and every inode handed in
 * is checked by parsing the record it names.
 */
import {
  type FileType,
  FsError,
  ifmtOf,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  S_IFSOCK,
  type Stat,
  type Timespec,
} from '@x/fsimage';
import { corruptAt, PLUGIN, SECTOR_SIZE } from './bytes.js';
import type { IsoContext } from './context.js';
import {
  type DirectoryRecord,
  dataStart,
  FILE_FLAG,
  isDirectoryRecord,
  isParent,
  isSelf,
  readRecordAt,
} from './record.js';
import { decodeRockRidge, type RockRidge, type ZisofsEntry } from './rock-ridge.js';
import { readSuspEntries } from './susp.js';

/** A run of recorded bytes: absolute position and length. */
export interface Extent {
  position: number;
  length: number;
}

export interface IsoNode {
  ino: number;
  type: FileType;
  stat: Stat;
  /** The recorded bytes: one extent, or several for a multi-extent file. */
  extents: Extent[];
  /** Bytes recorded on the disc (compressed size of a zisofs file). */
  recordedSize: number;
  symlink?: string;
  /** Set when the content is zisofs-compressed and is to be inflated. */
  zisofs?: ZisofsEntry;
  /** Set for an interleaved file (file unit size or interleave gap recorded), whose reads are refused. */
  interleaved?: { unitSize: number; gapSize: number };
}

/** Rock Ridge type bits → file types. */
const TYPE_OF_IFMT = new Map<number, FileType>([
  [S_IFREG, 'file'],
  [S_IFDIR, 'dir'],
  [S_IFLNK, 'symlink'],
  [S_IFCHR, 'chardev'],
  [S_IFBLK, 'blockdev'],
  [S_IFIFO, 'fifo'],
  [S_IFSOCK, 'socket'],
]);

/** The record's Rock Ridge entries, when Rock Ridge names this tree. */
export function rockRidgeOf(ctx: IsoContext, record: DirectoryRecord): RockRidge | null {
  if (ctx.namespace !== 'rockridge' || record.systemUse.length === 0) return null;
  // The root's "." record starts with the SP entry itself; other areas skip LEN_SKP bytes.
  const skip = record.position === ctx.rootIno ? 0 : ctx.suspSkip;
  return decodeRockRidge(readSuspEntries(ctx, record.systemUse, record.systemUsePosition, skip), ctx.limits);
}

function typeOf(record: DirectoryRecord, rr: RockRidge | null): FileType {
  const recorded: FileType = isDirectoryRecord(record) ? 'dir' : 'file';
  if (!rr?.posix) return recorded;
  const type = TYPE_OF_IFMT.get(rr.posix.mode & S_IFMT);
  if (!type) return recorded;
  if ((type === 'dir') !== (recorded === 'dir')) {
    throw corruptAt(
      'Rock Ridge PX entry',
      record.position,
      `mode says ${type} but the record says ${recorded}`,
    );
  }
  return type;
}

/** Build an inode from its records (several for a multi-extent file) and Rock Ridge entries. */
export function makeNode(
  ctx: IsoContext,
  ino: number,
  records: DirectoryRecord[],
  rr: RockRidge | null,
): IsoNode {
  const first = records[0]!;
  const type = typeOf(first, rr);
  const extents = records.map((r) => ({ position: dataStart(r, ctx.blockSize), length: r.dataLength }));
  const recordedSize = extents.reduce((sum, e) => sum + e.length, 0);
  const extra: Pick<IsoNode, 'symlink' | 'zisofs' | 'interleaved'> = {};
  let size = recordedSize;
  if (type === 'symlink') {
    extra.symlink = rr?.symlink ?? '';
    size = Buffer.byteLength(extra.symlink, 'utf8');
  } else if (type === 'file') {
    if (rr?.zisofs && ctx.options.decompress) {
      extra.zisofs = rr.zisofs;
      size = rr.zisofs.size;
    }
    if (first.fileUnitSize !== 0 || first.interleaveGap !== 0) {
      extra.interleaved = { unitSize: first.fileUnitSize, gapSize: first.interleaveGap };
    }
  } else if (type !== 'dir') {
    // Devices, FIFOs and sockets have no content.
    size = 0;
  }
  const stat = statOf(ctx, ino, type, first, rr, size, recordedSize);
  return { ino, type, stat, extents, recordedSize, ...extra };
}

function statOf(
  ctx: IsoContext,
  ino: number,
  type: FileType,
  record: DirectoryRecord,
  rr: RockRidge | null,
  size: number,
  recordedSize: number,
): Stat {
  const posix = rr?.posix;
  const isDir = type === 'dir';
  const { dirMode, fileMode, overrideRockPermissions } = ctx.options;
  const permissions = posix && !overrideRockPermissions ? posix.mode & 0o7777 : isDir ? dirMode : fileMode;
  const recorded: Timespec = record.date;
  const times = rr?.times ?? {};
  const stat: Stat = {
    ino,
    mode: ifmtOf(type) | permissions,
    // Without Rock Ridge a directory's link count is unknown; 1 tells find(1) not to rely on it.
    nlink: posix?.links ?? 1,
    uid: posix?.uid ?? ctx.options.uid,
    gid: posix?.gid ?? ctx.options.gid,
    size,
    blocks: Math.ceil(recordedSize / 512),
    blksize: ctx.blockSize,
    rdevMajor: 0,
    rdevMinor: 0,
    mtime: times.modify ?? recorded,
    atime: times.access ?? recorded,
    ctime: times.attributes ?? recorded,
  };
  if (times.creation) stat.birthtime = times.creation;
  if ((type === 'chardev' || type === 'blockdev') && rr?.device) {
    stat.rdevMajor = rr.device.major;
    stat.rdevMinor = rr.device.minor;
  }
  return stat;
}

function sameIdentifier(a: DirectoryRecord, b: DirectoryRecord): boolean {
  if (a.identifier.length !== b.identifier.length) return false;
  for (let i = 0; i < a.identifier.length; i++) if (a.identifier[i] !== b.identifier[i]) return false;
  return true;
}

/** Whether `next` continues the multi-extent file that `first` starts: the same identifier, not a directory. */
export function continuesFile(first: DirectoryRecord, next: DirectoryRecord): boolean {
  return sameIdentifier(first, next) && !isDirectoryRecord(next);
}

/**
 * Position of the next record after `position` in a directory, past the zero
 * padding that ends a sector. Directory extents start on a logical block, and
 * sectors are whole numbers of logical blocks, so padding ends on a block
 * boundary within one sector's worth of blocks.
 */
function nextRecordPosition(ctx: IsoContext, position: number): number {
  const byte = new Uint8Array(1);
  for (let hops = 0; hops <= SECTOR_SIZE / ctx.blockSize; hops++) {
    if (position >= ctx.source.size) break;
    ctx.source.read(byte, position);
    if (byte[0] !== 0) return position;
    position = (Math.floor(position / ctx.blockSize) + 1) * ctx.blockSize;
  }
  throw corruptAt('multi-extent file', position, 'no directory record follows a non-final extent');
}

/** The records after `first` that hold the rest of a multi-extent file. */
function followingExtents(ctx: IsoContext, first: DirectoryRecord): DirectoryRecord[] {
  const out: DirectoryRecord[] = [];
  let previous = first;
  while (previous.flags & FILE_FLAG.MULTI_EXTENT) {
    ctx.guard.check();
    if (out.length >= ctx.limits.maxChainLength) {
      throw corruptAt('multi-extent file', first.position, `more than ${ctx.limits.maxChainLength} extents`);
    }
    const next = readRecordAt(ctx.source, nextRecordPosition(ctx, previous.position + previous.length));
    if (!continuesFile(first, next)) {
      throw corruptAt('multi-extent file', first.position, 'ends without its final extent');
    }
    out.push(next);
    previous = next;
  }
  return out;
}

/** The "." record that starts a directory's extent. */
function selfRecordAt(ctx: IsoContext, position: number): DirectoryRecord {
  const self = readRecordAt(ctx.source, position);
  if (!isSelf(self) || !isDirectoryRecord(self)) {
    throw corruptAt('directory', position, 'does not start with a "." record');
  }
  return self;
}

/**
 * The directory a CL record links to: its extent and attributes come from the
 * relocated directory's own "." record, as there is no other record for it in
 * the logical parent.
 */
export function relocatedDirectory(ctx: IsoContext, ino: number, block: number): IsoNode {
  const position = block * ctx.blockSize;
  if (block === 0 || position >= ctx.source.size) {
    throw corruptAt('Rock Ridge CL entry', ino, `relocated directory block ${block} is outside the image`);
  }
  const self = selfRecordAt(ctx, position);
  return makeNode(ctx, ino, [self], rockRidgeOf(ctx, self));
}

/** Decode an inode number handed in by a caller. */
export function loadNode(ctx: IsoContext, ino: number): IsoNode {
  if (!Number.isSafeInteger(ino) || ino <= 0 || ino >= ctx.source.size) {
    throw new FsError('ENOENT', `no inode ${ino} in this image`, { ino, plugin: PLUGIN });
  }
  const record = readRecordAt(ctx.source, ino);
  if (isParent(record)) throw corruptAt('inode', ino, 'names a ".." record');
  const rr = rockRidgeOf(ctx, record);
  if (isDirectoryRecord(record)) return makeNode(ctx, ino, [record], rr);
  if (rr?.childLink !== undefined) return relocatedDirectory(ctx, ino, rr.childLink);
  const records =
    record.flags & FILE_FLAG.MULTI_EXTENT ? [record, ...followingExtents(ctx, record)] : [record];
  return makeNode(ctx, ino, records, rr);
}
