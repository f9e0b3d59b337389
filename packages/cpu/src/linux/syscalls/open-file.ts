/**
 * Open file descriptions: what a guest file descriptor refers to. A host
 * file (node:fs on a host fd, with the guest's own file offset, since node
 * has no lseek), one end of an in-process pipe, or a read-only snapshot in
 * memory (/proc/self/maps). Each returns a byte count or a negative errno,
 * as the kernel's file operations do.
 */
import * as fs from 'node:fs';
import * as tty from 'node:tty';
import { ERRNO, errnoFromHost } from '../errno.js';
import { S_IF, type StatInfo, statFromHost } from './stat-layout.js';

/** open(2) flags, x86-64 values (include/uapi/asm-generic/fcntl.h). */
export const O = {
  ACCMODE: 0o3,
  RDONLY: 0o0,
  WRONLY: 0o1,
  RDWR: 0o2,
  CREAT: 0o100,
  EXCL: 0o200,
  NOCTTY: 0o400,
  TRUNC: 0o1000,
  APPEND: 0o2000,
  NONBLOCK: 0o4000,
  DSYNC: 0o10000,
  ASYNC: 0o20000,
  DIRECT: 0o40000,
  LARGEFILE: 0o100000,
  DIRECTORY: 0o200000,
  NOFOLLOW: 0o400000,
  NOATIME: 0o1000000,
  CLOEXEC: 0o2000000,
  SYNC: 0o4010000,
  PATH: 0o10000000,
  TMPFILE: 0o20200000,
} as const;

export const SEEK = { SET: 0, CUR: 1, END: 2, DATA: 3, HOLE: 4 } as const;

/** poll(2) event bits. */
export const POLL = { IN: 0x1, PRI: 0x2, OUT: 0x4, ERR: 0x8, HUP: 0x10, NVAL: 0x20 } as const;

/** Sleep the thread: blocking system calls block the emulator too, which is what a single-threaded program expects. */
export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.max(0, ms));
}

export abstract class OpenFile {
  /** File descriptors referring to this description (dup shares it). */
  refs = 1;
  /** The path it was opened by, as a byte string, when there is one (for fchdir, *at, /proc/self/fd). */
  path: string | undefined;

  constructor(
    /** Access mode and status flags (what F_GETFL returns). */
    public statusFlags: number,
  ) {}

  get readable(): boolean {
    return (this.statusFlags & O.PATH) === 0 && (this.statusFlags & O.ACCMODE) !== O.WRONLY;
  }

  get writable(): boolean {
    return (this.statusFlags & O.PATH) === 0 && (this.statusFlags & O.ACCMODE) !== O.RDONLY;
  }

  get nonblocking(): boolean {
    return (this.statusFlags & O.NONBLOCK) !== 0;
  }

  abstract read(into: Uint8Array): number;
  abstract write(from: Uint8Array): number;
  abstract stat(): StatInfo | number;

  pread(_into: Uint8Array, _position: number): number {
    return -ERRNO.ESPIPE;
  }

  pwrite(_from: Uint8Array, _position: number): number {
    return -ERRNO.ESPIPE;
  }

  seek(_offset: number, _whence: number): number {
    return -ERRNO.ESPIPE;
  }

  /** Ready events for poll (the subset of `events` that would not block). */
  poll(events: number): number {
    return events & (POLL.IN | POLL.OUT);
  }

  isTty(): boolean {
    return false;
  }

  /** Bytes readable without blocking (FIONREAD). */
  available(): number {
    return 0;
  }

  /** The last descriptor referring to it is closed. */
  release(): void {}
}

/** The type of a file from its st_mode. */
export type HostKind = 'file' | 'dir' | 'fifo' | 'chr' | 'blk' | 'sock' | 'link';

function kindOf(mode: number): HostKind {
  switch (mode & S_IF.MT) {
    case S_IF.DIR:
      return 'dir';
    case S_IF.FIFO:
      return 'fifo';
    case S_IF.CHR:
      return 'chr';
    case S_IF.BLK:
      return 'blk';
    case S_IF.SOCK:
      return 'sock';
    case S_IF.LNK:
      return 'link';
    default:
      return 'file';
  }
}

/**
 * The host's current offset and open flags of an inherited descriptor, from
 * /proc/self/fdinfo (node:fs has neither lseek nor fcntl).
 */
export function hostFdInfo(fd: number): { pos: number; flags: number } | undefined {
  try {
    const text = fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1');
    const pos = /^pos:\s*(\d+)/m.exec(text);
    const flags = /^flags:\s*([0-7]+)/m.exec(text);
    if (!pos || !flags) return undefined;
    return { pos: Number(pos[1]), flags: Number.parseInt(flags[1]!, 8) };
  } catch {
    return undefined;
  }
}

export class HostFile extends OpenFile {
  readonly kind: HostKind;
  /**
   * The guest's file offset for seekable files; null to use the host's own
   * offset (inherited stdio, until the guest seeks, so that output appended
   * by others to a shared file is not overwritten).
   */
  position: number | null;
  /** getdents64 state: the directory's entries, read at the first call. */
  dirEntries: Array<{ name: Buffer; type: number; ino: bigint }> | undefined;
  dirIndex = 0;
  private tty: boolean | undefined;

  constructor(
    readonly hostFd: number,
    statusFlags: number,
    /** False for the host's stdio, which the guest may close without closing them for us. */
    readonly ownsHostFd: boolean,
    inheritedOffset: boolean,
  ) {
    super(statusFlags);
    let mode: number = S_IF.REG;
    try {
      mode = Number(fs.fstatSync(hostFd).mode);
    } catch {}
    this.kind = kindOf(mode);
    const seekable = this.kind === 'file' || this.kind === 'blk' || this.kind === 'dir';
    this.position = seekable && !inheritedOffset ? 0 : null;
  }

  get seekable(): boolean {
    return this.kind === 'file' || this.kind === 'blk' || this.kind === 'dir';
  }

  override read(into: Uint8Array): number {
    if (this.kind === 'dir') return -ERRNO.EISDIR;
    const n = this.retry(() => fs.readSync(this.hostFd, into, 0, into.length, this.position));
    if (n > 0 && this.position !== null) this.position += n;
    return n;
  }

  override write(from: Uint8Array): number {
    if (this.kind === 'dir') return -ERRNO.EISDIR;
    const append = (this.statusFlags & O.APPEND) !== 0;
    const at = append ? null : this.position;
    const n = this.writeAll(from, at);
    if (n > 0 && this.position !== null) {
      this.position = append ? this.hostSize() : this.position + n;
    }
    return n;
  }

  override pread(into: Uint8Array, position: number): number {
    if (!this.seekable) return -ERRNO.ESPIPE;
    if (this.kind === 'dir') return -ERRNO.EISDIR;
    return this.retry(() => fs.readSync(this.hostFd, into, 0, into.length, position));
  }

  override pwrite(from: Uint8Array, position: number): number {
    if (!this.seekable) return -ERRNO.ESPIPE;
    return this.writeAll(from, position);
  }

  override seek(offset: number, whence: number): number {
    if (!this.seekable) return -ERRNO.ESPIPE;
    let base: number;
    switch (whence) {
      case SEEK.SET:
        base = 0;
        break;
      case SEEK.CUR:
        base = this.position ?? hostFdInfo(this.hostFd)?.pos ?? 0;
        break;
      case SEEK.END:
        base = this.hostSize();
        break;
      case SEEK.DATA:
      case SEEK.HOLE: {
        // No holes are visible through node:fs: all data, one hole at the end.
        const size = this.hostSize();
        if (offset < 0 || offset >= size) return -ERRNO.ENXIO;
        return this.setPosition(whence === SEEK.DATA ? offset : size);
      }
      default:
        return -ERRNO.EINVAL;
    }
    const target = base + offset;
    if (target < 0) return -ERRNO.EINVAL;
    if (this.kind === 'dir') {
      // Rewinding re-reads the directory; any other offset is an entry index.
      this.dirIndex = target;
      if (target === 0) this.dirEntries = undefined;
    }
    return this.setPosition(target);
  }

  override stat(): StatInfo | number {
    try {
      return statFromHost(fs.fstatSync(this.hostFd, { bigint: true }));
    } catch (e) {
      return -errnoFromHost(e);
    }
  }

  override isTty(): boolean {
    this.tty ??= tty.isatty(this.hostFd);
    return this.tty;
  }

  override available(): number {
    if (this.kind !== 'file') return 0;
    return Math.max(0, this.hostSize() - (this.position ?? hostFdInfo(this.hostFd)?.pos ?? 0));
  }

  override release(): void {
    if (!this.ownsHostFd) return;
    try {
      fs.closeSync(this.hostFd);
    } catch {}
  }

  hostSize(): number {
    try {
      return fs.fstatSync(this.hostFd).size;
    } catch {
      return 0;
    }
  }

  private setPosition(target: number): number {
    this.position = target;
    return target;
  }

  private writeAll(from: Uint8Array, position: number | null): number {
    let done = 0;
    while (done < from.length) {
      const at = position === null ? null : position + done;
      const n = this.retry(() => fs.writeSync(this.hostFd, from, done, from.length - done, at));
      if (n < 0) return done > 0 ? done : n;
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  /** A host call, with EAGAIN waited out unless the guest asked for O_NONBLOCK, and errors as -errno. */
  private retry(call: () => number): number {
    for (;;) {
      try {
        return call();
      } catch (e) {
        const errno = errnoFromHost(e);
        if (errno === ERRNO.EAGAIN && !this.nonblocking) {
          sleepMs(1);
          continue;
        }
        if (errno === ERRNO.EINTR) continue;
        return -errno;
      }
    }
  }
}

/** Pipe capacity (PIPE_DEF_BUFFERS pages). */
export const PIPE_CAPACITY = 65536;

/** The buffer of an in-process pipe (node:fs cannot make host pipes). */
export class PipeBuffer {
  private chunks: Uint8Array[] = [];
  bytes = 0;
  readers = 0;
  writers = 0;
  static nextId = 1;
  readonly id = PipeBuffer.nextId++;

  take(into: Uint8Array): number {
    let done = 0;
    while (done < into.length && this.chunks.length > 0) {
      const head = this.chunks[0]!;
      const n = Math.min(head.length, into.length - done);
      into.set(head.subarray(0, n), done);
      done += n;
      if (n === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(n);
    }
    this.bytes -= done;
    return done;
  }

  put(from: Uint8Array): void {
    this.chunks.push(from.slice());
    this.bytes += from.length;
  }
}

/** Raised when a blocking operation could only complete through another thread or process, which does not exist. */
export class WouldBlockForever extends Error {
  override readonly name = 'WouldBlockForever';
}

export class PipeEnd extends OpenFile {
  constructor(
    readonly pipe: PipeBuffer,
    readonly end: 'read' | 'write',
    flags: number,
  ) {
    super((end === 'read' ? O.RDONLY : O.WRONLY) | (flags & O.NONBLOCK));
    if (end === 'read') pipe.readers++;
    else pipe.writers++;
  }

  override read(into: Uint8Array): number {
    if (this.end !== 'read') return -ERRNO.EBADF;
    if (into.length === 0) return 0;
    if (this.pipe.bytes === 0) {
      if (this.pipe.writers === 0) return 0;
      if (this.nonblocking) return -ERRNO.EAGAIN;
      throw new WouldBlockForever('read from an empty pipe that only this process can write');
    }
    return this.pipe.take(into);
  }

  override write(from: Uint8Array): number {
    if (this.end !== 'write') return -ERRNO.EBADF;
    if (this.pipe.readers === 0) return -ERRNO.EPIPE;
    const room = PIPE_CAPACITY - this.pipe.bytes;
    if (from.length > room) {
      if (this.nonblocking) {
        if (room === 0) return -ERRNO.EAGAIN;
        this.pipe.put(from.subarray(0, room));
        return room;
      }
      throw new WouldBlockForever('write to a full pipe that only this process can read');
    }
    this.pipe.put(from);
    return from.length;
  }

  override stat(): StatInfo {
    return {
      dev: 0xdn,
      ino: BigInt(this.pipe.id),
      mode: S_IF.FIFO | 0o600,
      nlink: 1,
      uid: process.getuid?.() ?? 0,
      gid: process.getgid?.() ?? 0,
      rdev: 0n,
      size: 0n,
      blksize: 4096,
      blocks: 0n,
      atimeNs: 0n,
      mtimeNs: 0n,
      ctimeNs: 0n,
      birthtimeNs: 0n,
    };
  }

  override poll(events: number): number {
    if (this.end === 'read') {
      let ready = this.pipe.bytes > 0 ? POLL.IN : 0;
      if (this.pipe.writers === 0) ready |= POLL.HUP | POLL.IN;
      return ready & (events | POLL.HUP);
    }
    if (this.pipe.readers === 0) return POLL.ERR | (events & POLL.OUT);
    return this.pipe.bytes < PIPE_CAPACITY ? events & POLL.OUT : 0;
  }

  override available(): number {
    return this.end === 'read' ? this.pipe.bytes : 0;
  }

  override release(): void {
    if (this.end === 'read') this.pipe.readers--;
    else this.pipe.writers--;
  }
}

/** A read-only file whose content is produced when it is opened (procfs views). */
export class MemoryFile extends OpenFile {
  private position = 0;

  constructor(
    private readonly content: Uint8Array,
    private readonly info: { ino: bigint; mode: number },
  ) {
    super(O.RDONLY);
  }

  override read(into: Uint8Array): number {
    const n = this.pread(into, this.position);
    this.position += n;
    return n;
  }

  override write(): number {
    return -ERRNO.EBADF;
  }

  override pread(into: Uint8Array, position: number): number {
    const n = Math.max(0, Math.min(into.length, this.content.length - position));
    into.set(this.content.subarray(position, position + n));
    return n;
  }

  override seek(offset: number, whence: number): number {
    const base = whence === SEEK.SET ? 0 : whence === SEEK.CUR ? this.position : this.content.length;
    if (whence > SEEK.END || base + offset < 0) return -ERRNO.EINVAL;
    this.position = base + offset;
    return this.position;
  }

  override stat(): StatInfo {
    // procfs reports size 0 and the current time.
    const now = BigInt(Date.now()) * 1_000_000n;
    return {
      dev: 0x16n,
      ino: this.info.ino,
      mode: this.info.mode,
      nlink: 1,
      uid: process.getuid?.() ?? 0,
      gid: process.getgid?.() ?? 0,
      rdev: 0n,
      size: 0n,
      blksize: 1024,
      blocks: 0n,
      atimeNs: now,
      mtimeNs: now,
      ctimeNs: now,
      birthtimeNs: 0n,
    };
  }

  override available(): number {
    return this.content.length - this.position;
  }
}
