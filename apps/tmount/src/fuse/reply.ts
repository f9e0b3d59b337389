/**
 * Reply encoders. Each writes one complete reply (header and body) into a
 * buffer allocated once per serving thread and returns its length. A READ
 * reply is the header followed by the data the volume wrote straight into the
 * same buffer, so the read path allocates nothing per request.
 */
import type { Stat, StatFs } from '@x/fsimage';
import { STRUCTS } from './abi.js';
import type { RequestHeader } from './decode.js';

/** Whom a reply answers: the request's unique id. */
export type ReplyTo = Pick<RequestHeader, 'uniqueLo' | 'uniqueHi'>;

const OUT = STRUCTS.fuse_out_header;
const ATTR = STRUCTS.fuse_attr.fields;
const ENTRY = STRUCTS.fuse_entry_out;
const DIRENT = STRUCTS.fuse_dirent;
const DIRENTPLUS = STRUCTS.fuse_direntplus;
const TWO_32 = 4294967296;
const NSEC_MAX = 999_999_999;
/** Longest file name Linux accepts (NAME_MAX); a longer listed name could never be opened. */
export const NAME_MAX = 255;

/** Where the payload of a reply starts: READ data, READLINK text, directory records. */
export const DATA_OFFSET = OUT.size;

/** The per-thread reply buffer: a header's room plus the largest payload. */
export class ReplyBuffer {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** Bytes of payload the buffer holds. */
  readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.bytes = new Uint8Array(DATA_OFFSET + capacity);
    this.view = new DataView(this.bytes.buffer);
  }

  /** The first `length` payload bytes, for a volume to read file data into. */
  payload(length: number): Uint8Array {
    return this.bytes.subarray(DATA_OFFSET, DATA_OFFSET + length);
  }
}

/** Cache lifetimes the kernel is given for names and attributes. */
export interface CacheTimes {
  entrySeconds: number;
  attrSeconds: number;
}

/** A 64-bit field from a safe integer; negative values become two's complement (times before 1970). */
export function setU64(view: DataView, offset: number, n: number): void {
  const hi = Math.floor(n / TWO_32);
  view.setUint32(offset, n - hi * TWO_32, true);
  view.setUint32(offset + 4, hi >>> 0, true);
}

/** A count the image supplied: a non-negative safe integer, else 0. */
function count(n: number): number {
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}
function u32(n: number): number {
  return Number.isSafeInteger(n) && n >= 0 ? Math.min(n, 0xffffffff) : 0;
}
function seconds(n: number): number {
  return Number.isSafeInteger(n) ? n : 0;
}
function nsec(n: number): number {
  return Number.isInteger(n) && n >= 0 ? Math.min(n, NSEC_MAX) : 0;
}

/** Linux's `new_encode_dev`: the 32-bit device number FUSE carries. */
export function encodeDev(major: number, minor: number): number {
  const ma = u32(major) & 0xfff;
  const mi = u32(minor) & 0xfffff;
  return ((mi & 0xff) | (ma << 8) | ((mi & ~0xff) << 12)) >>> 0;
}

function putHeader(rb: ReplyBuffer, length: number, errno: number, req: ReplyTo): number {
  const v = rb.view;
  v.setUint32(OUT.fields.len, length, true);
  v.setInt32(OUT.fields.error, -errno, true);
  v.setUint32(OUT.fields.unique, req.uniqueLo, true);
  v.setUint32(OUT.fields.unique + 4, req.uniqueHi, true);
  return length;
}

/** A `fuse_attr` at `offset`, every field checked: a plugin's Stat comes from untrusted data. */
function putAttr(v: DataView, offset: number, st: Stat): void {
  setU64(v, offset + ATTR.ino, count(st.ino));
  setU64(v, offset + ATTR.size, count(st.size));
  setU64(v, offset + ATTR.blocks, count(st.blocks));
  setU64(v, offset + ATTR.atime, seconds(st.atime.sec));
  setU64(v, offset + ATTR.mtime, seconds(st.mtime.sec));
  setU64(v, offset + ATTR.ctime, seconds(st.ctime.sec));
  v.setUint32(offset + ATTR.atimensec, nsec(st.atime.nsec), true);
  v.setUint32(offset + ATTR.mtimensec, nsec(st.mtime.nsec), true);
  v.setUint32(offset + ATTR.ctimensec, nsec(st.ctime.nsec), true);
  v.setUint32(offset + ATTR.mode, u32(st.mode), true);
  v.setUint32(offset + ATTR.nlink, u32(st.nlink), true);
  v.setUint32(offset + ATTR.uid, u32(st.uid), true);
  v.setUint32(offset + ATTR.gid, u32(st.gid), true);
  v.setUint32(offset + ATTR.rdev, encodeDev(st.rdevMajor, st.rdevMinor), true);
  v.setUint32(offset + ATTR.blksize, u32(st.blksize), true);
  v.setUint32(offset + ATTR.flags, 0, true);
}

/** A `fuse_entry_out` at `offset`; node id 0 with no attributes is a cacheable "no such entry". */
function putEntry(v: DataView, offset: number, nodeid: number, st: Stat | null, times: CacheTimes): void {
  const f = ENTRY.fields;
  setU64(v, offset + f.nodeid, nodeid);
  setU64(v, offset + f.generation, 0);
  setU64(v, offset + f.entry_valid, times.entrySeconds);
  setU64(v, offset + f.attr_valid, st ? times.attrSeconds : 0);
  v.setUint32(offset + f.entry_valid_nsec, 0, true);
  v.setUint32(offset + f.attr_valid_nsec, 0, true);
  if (st) putAttr(v, offset + f.attr, st);
  else new Uint8Array(v.buffer, offset + f.attr, STRUCTS.fuse_attr.size).fill(0);
}

export function encodeError(rb: ReplyBuffer, req: ReplyTo, errno: number): number {
  return putHeader(rb, OUT.size, errno, req);
}

/** Success with no body (RELEASE, FLUSH, DESTROY …). */
export function encodeEmpty(rb: ReplyBuffer, req: ReplyTo): number {
  return putHeader(rb, OUT.size, 0, req);
}

export interface InitReply {
  major: number;
  minor: number;
  maxReadahead: number;
  flags: number;
  maxBackground: number;
  congestionThreshold: number;
  maxWrite: number;
  timeGran: number;
  maxPages: number;
}

export function encodeInit(rb: ReplyBuffer, req: ReplyTo, out: InitReply): number {
  const v = rb.view;
  const o = DATA_OFFSET;
  const f = STRUCTS.fuse_init_out.fields;
  rb.bytes.fill(0, o, o + STRUCTS.fuse_init_out.size);
  v.setUint32(o + f.major, out.major, true);
  v.setUint32(o + f.minor, out.minor, true);
  v.setUint32(o + f.max_readahead, out.maxReadahead, true);
  v.setUint32(o + f.flags, out.flags >>> 0, true);
  v.setUint16(o + f.max_background, out.maxBackground, true);
  v.setUint16(o + f.congestion_threshold, out.congestionThreshold, true);
  v.setUint32(o + f.max_write, out.maxWrite, true);
  v.setUint32(o + f.time_gran, out.timeGran, true);
  v.setUint16(o + f.max_pages, out.maxPages, true);
  return putHeader(rb, o + STRUCTS.fuse_init_out.size, 0, req);
}

/** INIT answered with only our major version: the kernel re-sends INIT speaking it. */
export function encodeInitMajorOnly(rb: ReplyBuffer, req: ReplyTo, major: number): number {
  const f = STRUCTS.fuse_init_out.fields;
  rb.bytes.fill(0, DATA_OFFSET, DATA_OFFSET + STRUCTS.fuse_init_out.size);
  rb.view.setUint32(DATA_OFFSET + f.major, major, true);
  return putHeader(rb, DATA_OFFSET + STRUCTS.fuse_init_out.size, 0, req);
}

export function encodeEntry(
  rb: ReplyBuffer,
  req: ReplyTo,
  nodeid: number,
  st: Stat,
  times: CacheTimes,
): number {
  putEntry(rb.view, DATA_OFFSET, nodeid, st, times);
  return putHeader(rb, DATA_OFFSET + ENTRY.size, 0, req);
}

/** "No such entry", cached by the kernel for `entrySeconds` (an image does not change). */
export function encodeNegativeEntry(rb: ReplyBuffer, req: ReplyTo, entrySeconds: number): number {
  putEntry(rb.view, DATA_OFFSET, 0, null, { entrySeconds, attrSeconds: 0 });
  return putHeader(rb, DATA_OFFSET + ENTRY.size, 0, req);
}

export function encodeAttr(rb: ReplyBuffer, req: ReplyTo, st: Stat, attrSeconds: number): number {
  const f = STRUCTS.fuse_attr_out.fields;
  setU64(rb.view, DATA_OFFSET + f.attr_valid, attrSeconds);
  rb.view.setUint32(DATA_OFFSET + f.attr_valid_nsec, 0, true);
  rb.view.setUint32(DATA_OFFSET + f.attr_valid_nsec + 4, 0, true);
  putAttr(rb.view, DATA_OFFSET + f.attr, st);
  return putHeader(rb, DATA_OFFSET + STRUCTS.fuse_attr_out.size, 0, req);
}

export function encodeOpen(rb: ReplyBuffer, req: ReplyTo, openFlags: number): number {
  const f = STRUCTS.fuse_open_out.fields;
  rb.bytes.fill(0, DATA_OFFSET, DATA_OFFSET + STRUCTS.fuse_open_out.size);
  rb.view.setUint32(DATA_OFFSET + f.open_flags, openFlags, true);
  return putHeader(rb, DATA_OFFSET + STRUCTS.fuse_open_out.size, 0, req);
}

/** A READ reply whose `length` data bytes are already in the payload. */
export function encodeReadData(rb: ReplyBuffer, req: ReplyTo, length: number): number {
  return putHeader(rb, DATA_OFFSET + length, 0, req);
}

const utf8 = new TextEncoder();

/** READLINK's target as UTF-8; null when it does not fit the buffer. */
export function encodeReadlink(rb: ReplyBuffer, req: ReplyTo, target: string): number | null {
  const room = rb.payload(rb.capacity);
  const { read, written } = utf8.encodeInto(target, room);
  if (read !== target.length) return null;
  return putHeader(rb, DATA_OFFSET + written, 0, req);
}

export function encodeStatfs(rb: ReplyBuffer, req: ReplyTo, s: StatFs): number {
  const f = STRUCTS.fuse_kstatfs.fields;
  const v = rb.view;
  const o = DATA_OFFSET;
  rb.bytes.fill(0, o, o + STRUCTS.fuse_statfs_out.size);
  setU64(v, o + f.blocks, count(s.blocks));
  setU64(v, o + f.bfree, count(s.blocksFree));
  setU64(v, o + f.bavail, count(s.blocksFree));
  setU64(v, o + f.files, count(s.files));
  setU64(v, o + f.ffree, count(s.filesFree));
  v.setUint32(o + f.bsize, u32(s.blockSize), true);
  v.setUint32(o + f.namelen, u32(s.nameMax), true);
  v.setUint32(o + f.frsize, u32(s.blockSize), true);
  return putHeader(rb, o + STRUCTS.fuse_statfs_out.size, 0, req);
}

/** GETXATTR/LISTXATTR asked for the size only: how many bytes the value would take. */
export function encodeXattrSize(rb: ReplyBuffer, req: ReplyTo, size: number): number {
  const f = STRUCTS.fuse_getxattr_out.fields;
  rb.bytes.fill(0, DATA_OFFSET, DATA_OFFSET + STRUCTS.fuse_getxattr_out.size);
  rb.view.setUint32(DATA_OFFSET + f.size, size, true);
  return putHeader(rb, DATA_OFFSET + STRUCTS.fuse_getxattr_out.size, 0, req);
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

export type DirentResult = 'added' | 'full' | 'skipped';

/**
 * Directory records (`fuse_dirent`, or `fuse_direntplus` with the entry's
 * attributes) packed into the payload up to the size the kernel asked for.
 */
export class DirentWriter {
  private rb: ReplyBuffer | null = null;
  private position = DATA_OFFSET;
  private limit = DATA_OFFSET;
  private plus = false;
  private readonly name = new Uint8Array(NAME_MAX * 3);

  /** Start a reply of at most `size` payload bytes. */
  begin(rb: ReplyBuffer, size: number, plus: boolean): void {
    this.rb = rb;
    this.plus = plus;
    this.position = DATA_OFFSET;
    this.limit = DATA_OFFSET + Math.min(size, rb.capacity);
  }

  /**
   * Add one entry. `off` is the cookie that resumes after it. For READDIRPLUS,
   * `nodeid` 0 (and `st` null) gives the name without attributes, which the
   * kernel then looks up itself. A name longer than NAME_MAX is skipped.
   */
  add(
    name: string,
    ino: number,
    off: number,
    type: number,
    nodeid: number,
    st: Stat | null,
    times: CacheTimes,
  ): DirentResult {
    const rb = this.rb!;
    if (name.length > NAME_MAX) return 'skipped';
    const { written } = utf8.encodeInto(name, this.name);
    if (written > NAME_MAX || written === 0) return 'skipped';
    const base = this.plus ? DIRENTPLUS.size : DIRENT.size;
    const size = align8(base + written);
    if (this.position + size > this.limit) return 'full';
    const v = rb.view;
    let at = this.position;
    if (this.plus) {
      putEntry(v, at, nodeid, st, times);
      at += DIRENTPLUS.fields.dirent;
    }
    setU64(v, at + DIRENT.fields.ino, count(ino));
    setU64(v, at + DIRENT.fields.off, off);
    v.setUint32(at + DIRENT.fields.namelen, written, true);
    v.setUint32(at + DIRENT.fields.type, type, true);
    const nameAt = at + DIRENT.fields.name;
    rb.bytes.set(this.name.subarray(0, written), nameAt);
    rb.bytes.fill(0, nameAt + written, this.position + size);
    this.position += size;
    return 'added';
  }

  finish(req: ReplyTo): number {
    return putHeader(this.rb!, this.position, 0, req);
  }
}
