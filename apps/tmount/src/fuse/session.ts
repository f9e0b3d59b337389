/**
 * One FUSE session over a read-only FileSystem: each request read from the
 * device is decoded, answered from the volume's inode-level methods, and
 * encoded into the caller's reply buffer. The session keeps no per-inode state
 * (volume inode numbers decode without it), so any number of sessions, one per
 * serving thread, can answer the same mount.
 */
import { FILE_TYPES, type FileSystem, type FileType, FsError, S_IFDIR, S_IFMT, type Stat } from '@x/fsimage';
import { ACCESS_MODE, DIRENT_TYPE, ERRNO, FOPEN, FUSE_ROOT_ID, FUSE_UNKNOWN_INO, OPEN_FLAGS } from './abi.js';
import { decodeRequest, type Request, type RequestHeader } from './decode.js';
import { FuseProtocolError } from './errors.js';
import { negotiate, readSizeFor } from './init.js';
import {
  type CacheTimes,
  DATA_OFFSET,
  DirentWriter,
  encodeAttr,
  encodeEmpty,
  encodeEntry,
  encodeError,
  encodeInit,
  encodeInitMajorOnly,
  encodeNegativeEntry,
  encodeOpen,
  encodeReadData,
  encodeReadlink,
  encodeStatfs,
  encodeXattrSize,
  type ReplyBuffer,
} from './reply.js';

/** Default cache lifetime of names and attributes: an image does not change while mounted. */
export const DEFAULT_CACHE_SECONDS = 86_400;
/** Default largest READ: 256 pages. */
export const DEFAULT_MAX_READ = 1 << 20;
/** Directory pages fetched for one READDIR at most, should the volume keep filtering everything. */
const MAX_PAGES_PER_LISTING = 4096;
/** Directory cookies: 0 is the start, 1 follows ".", 2 follows "..", 2 + c follows volume cursor c. */
const COOKIE_BIAS = 2;
/** Record sizes of short names: how many entries to ask the volume for to fill a reply. */
const SMALL_DIRENT = 32;
const SMALL_DIRENTPLUS = 160;
const { DT_DIR, DT_UNKNOWN } = DIRENT_TYPE;

const DT_OF = new Map<FileType, number>(FILE_TYPES.map((t) => [t.type, t.dt]));

/** What INIT agreed, for the server's log. */
export interface SessionInit {
  kernelMajor: number;
  kernelMinor: number;
  minor: number;
  flags: number;
  maxRead: number;
  maxReadahead: number;
}

export interface SessionOptions {
  /** Largest READ payload in bytes (rounded to pages, at most 1 MiB). */
  maxRead?: number;
  /** Seconds the kernel may cache names, attributes and misses. */
  cacheSeconds?: number;
  /** One line per failure worth an operator's attention. */
  log?: (line: string) => void;
  /** Told once INIT is agreed. */
  onInit?: (init: SessionInit) => void;
}

/** An answer decided inside a handler, with nothing to log. */
class ErrnoReply {
  constructor(readonly errno: number) {}
}

export class FuseSession {
  private readonly times: CacheTimes;
  private readonly log: (line: string) => void;
  private readonly onInit: ((init: SessionInit) => void) | undefined;
  private readonly dirents = new DirentWriter();
  private readonly root: number;
  private maxRead: number;
  private destroyed = false;

  constructor(
    private readonly fs: FileSystem,
    options: SessionOptions = {},
  ) {
    const cache = options.cacheSeconds ?? DEFAULT_CACHE_SECONDS;
    this.times = { entrySeconds: cache, attrSeconds: cache };
    this.maxRead = readSizeFor(options.maxRead ?? DEFAULT_MAX_READ);
    this.log = options.log ?? (() => {});
    this.onInit = options.onInit;
    this.root = fs.root;
  }

  /** The reply buffer capacity this session needs. */
  get replyCapacity(): number {
    return this.maxRead;
  }

  /** True once DESTROY has been answered. */
  get ended(): boolean {
    return this.destroyed;
  }

  /** Answer one request; returns the length of the reply written into `rb` (0: none is due). */
  handle(bytes: Uint8Array, rb: ReplyBuffer): number {
    const req = decodeRequest(bytes);
    if (req instanceof FuseProtocolError) {
      this.log(`fuse: malformed request: ${req.message}`);
      // Unblock the caller if we know whom to answer.
      if (req.unique === undefined) return 0;
      return encodeError(rb, { uniqueLo: req.unique.lo, uniqueHi: req.unique.hi }, ERRNO.EIO);
    }
    try {
      return this.dispatch(req, rb);
    } catch (e) {
      return encodeError(rb, req, this.errnoOf(req, e));
    }
  }

  private dispatch(req: Request, rb: ReplyBuffer): number {
    switch (req.kind) {
      case 'init':
        return this.init(req, rb);
      case 'destroy':
        this.destroyed = true;
        return encodeEmpty(rb, req);
      case 'lookup':
        return this.lookup(req, req.name, rb);
      case 'getattr':
        return encodeAttr(rb, req, this.fs.statInode(this.ino(req)), this.times.attrSeconds);
      case 'readlink': {
        const n = encodeReadlink(rb, req, this.fs.readlinkInode(this.ino(req)));
        return n ?? encodeError(rb, req, ERRNO.ENAMETOOLONG);
      }
      case 'open':
        if ((req.flags & OPEN_FLAGS.O_ACCMODE) !== OPEN_FLAGS.O_RDONLY || req.flags & OPEN_FLAGS.O_TRUNC) {
          return encodeError(rb, req, ERRNO.EROFS);
        }
        return encodeOpen(rb, req, FOPEN.FOPEN_KEEP_CACHE);
      case 'opendir':
        return encodeOpen(rb, req, FOPEN.FOPEN_KEEP_CACHE | FOPEN.FOPEN_CACHE_DIR);
      case 'read':
        return this.read(req, req.offset, req.size, rb);
      case 'readdir':
      case 'readdirplus':
        return this.listDirectory(req, req.offset, req.size, req.kind === 'readdirplus', rb);
      case 'statfs':
        return encodeStatfs(rb, req, this.fs.statfs());
      case 'access':
        return this.access(req, req.mask, rb);
      case 'getxattr':
        // No extended attributes on an image: "no such attribute", not "unsupported".
        return encodeError(rb, req, ERRNO.ENODATA);
      case 'listxattr':
        return req.size === 0 ? encodeXattrSize(rb, req, 0) : encodeReadData(rb, req, 0);
      case 'readonly-ok':
        return encodeEmpty(rb, req);
      case 'erofs':
        return encodeError(rb, req, ERRNO.EROFS);
      case 'nosys':
        return encodeError(rb, req, ERRNO.ENOSYS);
      case 'silent':
        return 0;
    }
  }

  private init(req: Request & { kind: 'init' }, rb: ReplyBuffer): number {
    const outcome = negotiate(req, this.maxRead);
    if (outcome.kind === 'major-only') return encodeInitMajorOnly(rb, req, outcome.major);
    if (outcome.kind === 'refused') {
      this.log(`fuse: ${outcome.message}`);
      return encodeError(rb, req, outcome.errno);
    }
    this.maxRead = outcome.maxRead;
    this.onInit?.({
      kernelMajor: req.major,
      kernelMinor: req.minor,
      minor: outcome.reply.minor,
      flags: outcome.reply.flags,
      maxRead: outcome.maxRead,
      maxReadahead: outcome.reply.maxReadahead,
    });
    return encodeInit(rb, req, outcome.reply);
  }

  /** Volume inode of a node id: the root and the volume's inode 1 trade places. */
  private ino(req: RequestHeader): number {
    const node = req.nodeid;
    if (!Number.isSafeInteger(node) || node <= 0) throw new ErrnoReply(ERRNO.ESTALE);
    if (node === FUSE_ROOT_ID) return this.root;
    return node === this.root ? FUSE_ROOT_ID : node;
  }

  /** Node id of a volume inode (the same swap, which is its own inverse). */
  private nodeOf(ino: number): number {
    if (ino === this.root) return FUSE_ROOT_ID;
    return ino === FUSE_ROOT_ID ? this.root : ino;
  }

  private lookup(req: RequestHeader, name: string | null, rb: ReplyBuffer): number {
    const dir = this.ino(req);
    if (name === null) return encodeNegativeEntry(rb, req, this.times.entrySeconds);
    let ino: number;
    try {
      ino = this.fs.lookup(dir, name);
    } catch (e) {
      if (e instanceof FsError && e.code === 'ENOENT') {
        return encodeNegativeEntry(rb, req, this.times.entrySeconds);
      }
      throw e;
    }
    if (!Number.isSafeInteger(ino) || ino <= 0) {
      throw new FsError('EFSCORRUPTED', `lookup of "${name}" gave inode ${ino}`, { ino: dir });
    }
    return encodeEntry(rb, req, this.nodeOf(ino), this.fs.statInode(ino), this.times);
  }

  private read(req: RequestHeader, offset: number, size: number, rb: ReplyBuffer): number {
    const ino = this.ino(req);
    const want = Math.min(size, this.maxRead, rb.capacity);
    // No file reaches past 2^53 bytes: an offset beyond is past the end.
    if (!Number.isSafeInteger(offset)) return encodeReadData(rb, req, 0);
    let done = 0;
    // Each round moves at least one byte, so this ends within `want` rounds.
    while (done < want) {
      const n = this.fs.read(ino, rb.bytes.subarray(DATA_OFFSET + done, DATA_OFFSET + want), offset + done);
      if (!Number.isInteger(n) || n < 0 || n > want - done) {
        throw new Error(`volume read returned ${n} for ${want - done} bytes`);
      }
      if (n === 0) break;
      done += n;
    }
    return encodeReadData(rb, req, done);
  }

  private listDirectory(
    req: RequestHeader,
    offset: number,
    size: number,
    plus: boolean,
    rb: ReplyBuffer,
  ): number {
    const dir = this.ino(req);
    const w = this.dirents;
    w.begin(rb, size, plus);
    if (!Number.isSafeInteger(offset) || offset < 0) return w.finish(req);
    if (offset === 0) {
      if (w.add('.', dir, 1, DT_DIR, 0, null, this.times) === 'full') return w.finish(req);
      offset = 1;
    }
    if (offset === 1) {
      // The volume does not say where ".." leads; the kernel resolves it from its own dentries.
      const parent = dir === this.root ? dir : FUSE_UNKNOWN_INO;
      if (w.add('..', parent, COOKIE_BIAS, DT_DIR, 0, null, this.times) === 'full') return w.finish(req);
      offset = COOKIE_BIAS;
    }
    let cursor = offset - COOKIE_BIAS;
    const perPage = Math.max(1, Math.ceil(size / (plus ? SMALL_DIRENTPLUS : SMALL_DIRENT)));
    for (let pages = 0; pages < MAX_PAGES_PER_LISTING; pages++) {
      const page = this.fs.readdirPage(dir, cursor, perPage);
      const before = cursor;
      for (const e of page.entries) {
        if (!Number.isSafeInteger(e.next) || e.next <= 0 || e.next > Number.MAX_SAFE_INTEGER - COOKIE_BIAS) {
          throw new FsError('EFSCORRUPTED', `directory cursor ${e.next} is not usable`, { ino: dir });
        }
        let st: Stat | null = null;
        if (plus) st = this.entryStat(e.ino, e.stat);
        const type = DT_OF.get(e.type) ?? DT_UNKNOWN;
        const nodeid = st ? this.nodeOf(e.ino) : 0;
        const added = w.add(e.name, e.ino, e.next + COOKIE_BIAS, type, nodeid, st, this.times);
        if (added === 'full') return w.finish(req);
        if (added === 'skipped') this.report(`inode ${dir}: a name longer than 255 bytes is not listed`);
        cursor = e.next;
      }
      if (page.done) return w.finish(req);
      if (page.resume !== undefined) cursor = page.resume;
      // Fill the reply page by page; stop if the volume makes no progress.
      if (cursor === before) return w.finish(req);
    }
    return w.finish(req);
  }

  /** Attributes for a READDIRPLUS record; without them the kernel looks the name up itself. */
  private entryStat(ino: number, known: Stat | undefined): Stat | null {
    if (!Number.isSafeInteger(ino) || ino <= 0) return null;
    try {
      return known ?? this.fs.statInode(ino);
    } catch {
      return null;
    }
  }

  private access(req: RequestHeader, mask: number, rb: ReplyBuffer): number {
    const { R_OK, W_OK, X_OK } = ACCESS_MODE;
    if (mask & W_OK) return encodeError(rb, req, ERRNO.EROFS);
    const st = this.fs.statInode(this.ino(req));
    const want = mask & (R_OK | X_OK);
    let granted: number;
    if (req.uid === 0) {
      // Root reads anything, and executes what has an execute bit or is a directory.
      const isDir = (st.mode & S_IFMT) === S_IFDIR;
      granted = R_OK | (isDir || st.mode & 0o111 ? X_OK : 0);
    } else if (req.uid === st.uid) granted = (st.mode >> 6) & 7;
    else if (req.gid === st.gid) granted = (st.mode >> 3) & 7;
    else granted = st.mode & 7;
    return (granted & want) === want ? encodeEmpty(rb, req) : encodeError(rb, req, ERRNO.EACCES);
  }

  /**
   * The errno for a failure. Typed errors map to their code, corruption to
   * EIO; anything else (a plugin bug) is EIO too, and each gets one log line,
   * and serving goes on.
   */
  private errnoOf(req: Request, e: unknown): number {
    if (e instanceof ErrnoReply) return e.errno;
    const name = req.kind === 'lookup' && req.name !== null ? ` ${JSON.stringify(req.name)}` : '';
    const where = `${req.op.name} inode ${req.nodeid}${name}`;
    if (e instanceof FsError) {
      const unexpected = e.cause !== undefined && !(e.cause instanceof FsError);
      if (unexpected || e.code === 'EIO' || e.code === 'EFSCORRUPTED' || e.code === 'ETIMEDOUT') {
        this.report(`${where}: ${e.describe()}`);
      }
      // A damaged image reads as a damaged medium: EIO, which every program
      // knows (Linux's isofs answers the same); the log line says what is wrong.
      const errno = e.code === 'EFSCORRUPTED' ? ERRNO.EIO : e.errno;
      return errno > 0 && errno < 512 ? errno : ERRNO.EIO;
    }
    this.report(`${where}: ${e instanceof Error ? e.message : String(e)}`);
    return ERRNO.EIO;
  }

  /** One log line, whatever the message holds. */
  private report(message: string): void {
    this.log(`fuse: ${message.replace(/[\r\n]+/g, ' ')}`);
  }
}
