/**
 * File-descriptor system calls: read and write in their forms, open, close,
 * lseek, dup, pipe, fcntl, getdents64, sendfile, ftruncate, fsync. The
 * data passes through a host buffer: guest memory is only touched through
 * UserMemory, so a bad buffer is -EFAULT, as in the kernel.
 */
import * as fs from 'node:fs';
import { ERRNO, errnoFromHost } from '../errno.js';
import type { LinuxProcess } from '../process.js';
import type { SyscallArgs } from '../registers.js';
import { SIG } from '../signal-numbers.js';
import { SI } from '../signals.js';
import { MemfdFile } from './memfd.js';
import { HostFile, O, type OpenFile, PipeBuffer, PipeEnd } from './open-file.js';
import { AT_FDCWD, hostPath, pathArg } from './paths.js';
import { procFile } from './procfs.js';
import type { SyscallRow } from './types.js';

/** The kernel caps one read or write at MAX_RW_COUNT; x86-run also caps the host buffer it allocates. */
const MAX_RW_COUNT = 0x7ffff000;
const MAX_CHUNK = 64 << 20;
/** UIO_MAXIOV. */
const IOV_MAX = 1024;

export function fileOf(p: LinuxProcess, fd: number): OpenFile | number {
  return p.fds.get(fd) ?? -ERRNO.EBADF;
}

/** A write that found no reader: -EPIPE, and SIGPIPE as the kernel sends it. */
function sigpipeOnEpipe(p: LinuxProcess, n: number): number {
  if (n === -ERRNO.EPIPE) p.raise(SIG.SIGPIPE, SI.USER, 'write to a pipe with no reader');
  return n;
}

function readInto(p: LinuxProcess, f: OpenFile, address: number, count: number, at?: number): number {
  const length = Math.min(count, MAX_RW_COUNT, MAX_CHUNK);
  p.mem.checkWritable(address, length);
  const buffer = new Uint8Array(length);
  const n = at === undefined ? f.read(buffer) : f.pread(buffer, at);
  if (n > 0) p.mem.write(address, buffer.subarray(0, n));
  return n;
}

function read(p: LinuxProcess, a: SyscallArgs): number {
  const f = fileOf(p, a.int(0));
  if (typeof f === 'number') return f;
  if (!f.readable) return -ERRNO.EBADF;
  return readInto(p, f, a.ptr(1), a.ulong(2));
}

function write(p: LinuxProcess, a: SyscallArgs): number {
  const f = fileOf(p, a.int(0));
  if (typeof f === 'number') return f;
  if (!f.writable) return -ERRNO.EBADF;
  const data = p.mem.read(a.ptr(1), Math.min(a.ulong(2), MAX_RW_COUNT, MAX_CHUNK));
  return sigpipeOnEpipe(p, f.write(data));
}

function pread64(p: LinuxProcess, a: SyscallArgs): number {
  const f = fileOf(p, a.int(0));
  if (typeof f === 'number') return f;
  if (!f.readable) return -ERRNO.EBADF;
  if (a.long(3) < 0) return -ERRNO.EINVAL;
  return readInto(p, f, a.ptr(1), a.ulong(2), a.long(3));
}

function pwrite64(p: LinuxProcess, a: SyscallArgs): number {
  const f = fileOf(p, a.int(0));
  if (typeof f === 'number') return f;
  if (!f.writable) return -ERRNO.EBADF;
  if (a.long(3) < 0) return -ERRNO.EINVAL;
  const data = p.mem.read(a.ptr(1), Math.min(a.ulong(2), MAX_RW_COUNT, MAX_CHUNK));
  return sigpipeOnEpipe(p, f.pwrite(data, a.long(3)));
}

/** struct iovec[]: { void *iov_base; size_t iov_len; }. */
function readIovec(p: LinuxProcess, address: number, count: number): Array<[number, number]> | number {
  if (count < 0 || count > IOV_MAX) return -ERRNO.EINVAL;
  const raw = p.mem.read(address, count * 16);
  const view = new DataView(raw.buffer);
  const out: Array<[number, number]> = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    const base = Number(view.getBigInt64(i * 16, true));
    const length = Number(view.getBigUint64(i * 16 + 8, true));
    if (length > MAX_RW_COUNT) return -ERRNO.EINVAL;
    total += length;
    out.push([base, length]);
  }
  if (total > MAX_RW_COUNT) return -ERRNO.EINVAL;
  return out;
}

function readv(p: LinuxProcess, a: SyscallArgs, at?: number): number {
  const f = fileOf(p, a.int(0));
  if (typeof f === 'number') return f;
  if (!f.readable) return -ERRNO.EBADF;
  const iov = readIovec(p, a.ptr(1), a.int(2));
  if (typeof iov === 'number') return iov;
  const total = Math.min(
    iov.reduce((s, [, l]) => s + l, 0),
    MAX_CHUNK,
  );
  for (const [base, length] of iov) p.mem.checkWritable(base, length);
  const buffer = new Uint8Array(total);
  const n = at === undefined ? f.read(buffer) : f.pread(buffer, at);
  let done = 0;
  for (const [base, length] of iov) {
    if (done >= n) break;
    const part = Math.min(length, n - done);
    p.mem.write(base, buffer.subarray(done, done + part));
    done += part;
  }
  return n;
}

function writev(p: LinuxProcess, a: SyscallArgs, at?: number): number {
  const f = fileOf(p, a.int(0));
  if (typeof f === 'number') return f;
  if (!f.writable) return -ERRNO.EBADF;
  const iov = readIovec(p, a.ptr(1), a.int(2));
  if (typeof iov === 'number') return iov;
  const parts = iov.map(([base, length]) => p.mem.read(base, length));
  const data = Buffer.concat(parts);
  return sigpipeOnEpipe(p, at === undefined ? f.write(data) : f.pwrite(data, at));
}

/** Host open(2) flags for guest flags (the bit values differ between architectures; node knows the host's). */
function hostOpenFlags(flags: number): number {
  const c = fs.constants;
  const table: Array<[number, number | undefined]> = [
    [O.CREAT, c.O_CREAT],
    [O.EXCL, c.O_EXCL],
    [O.NOCTTY, c.O_NOCTTY],
    [O.TRUNC, c.O_TRUNC],
    [O.APPEND, c.O_APPEND],
    [O.NONBLOCK, c.O_NONBLOCK],
    [O.DIRECTORY, c.O_DIRECTORY],
    [O.NOFOLLOW, c.O_NOFOLLOW],
    [O.NOATIME, c.O_NOATIME],
    [O.DIRECT, c.O_DIRECT],
  ];
  const mode = flags & O.ACCMODE;
  let host = mode === O.WRONLY ? c.O_WRONLY : mode === O.RDWR ? c.O_RDWR : c.O_RDONLY;
  for (const [guest, h] of table) if (flags & guest && h !== undefined) host |= h;
  if ((flags & O.SYNC) === O.SYNC) host |= c.O_SYNC ?? 0;
  else if (flags & O.DSYNC) host |= c.O_DSYNC ?? 0;
  // O_PATH has no node constant; on an x86-64 Linux host the value is the guest's.
  if (flags & O.PATH)
    host =
      process.platform === 'linux' && process.arch === 'x64' ? O.PATH | (host & c.O_NOFOLLOW) : c.O_RDONLY;
  return host;
}

/** The flags an open file description keeps (what F_GETFL shows: 64-bit opens always get O_LARGEFILE). */
function statusFlags(flags: number): number {
  return (flags & ~(O.CREAT | O.EXCL | O.NOCTTY | O.TRUNC | O.CLOEXEC)) | O.LARGEFILE;
}

export function openAt(
  p: LinuxProcess,
  dirfd: number,
  pathAddress: number,
  flags: number,
  mode: number,
): number {
  const path = pathArg(p, dirfd, pathAddress);
  if (typeof path === 'number') return path;
  if ((flags & O.TMPFILE) === O.TMPFILE) return -ERRNO.EOPNOTSUPP;
  const special = procFile(p, path);
  if (special) {
    if ((flags & O.ACCMODE) !== O.RDONLY) return -ERRNO.EACCES;
    special.path = path;
    return p.fds.install(special, (flags & O.CLOEXEC) !== 0);
  }
  const perm = mode & ~p.umask & 0o7777;
  let created = false;
  if (flags & O.CREAT) {
    try {
      fs.lstatSync(hostPath(path));
    } catch {
      created = true;
    }
  }
  let hostFd: number;
  try {
    hostFd = fs.openSync(hostPath(path), hostOpenFlags(flags), perm);
  } catch (e) {
    return -errnoFromHost(e);
  }
  if (created) {
    // The host's umask applied too; the guest's is the one that counts.
    try {
      fs.fchmodSync(hostFd, perm);
    } catch {}
  }
  const file = new HostFile(hostFd, statusFlags(flags), true, false);
  file.path = path;
  return p.fds.install(file, (flags & O.CLOEXEC) !== 0);
}

function lseek(p: LinuxProcess, a: SyscallArgs): number {
  const f = fileOf(p, a.int(0));
  if (typeof f === 'number') return f;
  return f.seek(a.long(1), a.int(2));
}

function dup2(p: LinuxProcess, oldfd: number, newfd: number, cloexec: boolean): number {
  const f = p.fds.get(oldfd);
  if (!f) return -ERRNO.EBADF;
  if (newfd === oldfd) return newfd;
  f.refs++;
  return p.fds.installAt(newfd, f, cloexec);
}

function pipe2(p: LinuxProcess, address: number, flags: number): number {
  if (flags & ~(O.CLOEXEC | O.NONBLOCK | O.DIRECT)) return -ERRNO.EINVAL;
  const pipe = new PipeBuffer();
  const cloexec = (flags & O.CLOEXEC) !== 0;
  const r = p.fds.install(new PipeEnd(pipe, 'read', flags), cloexec);
  if (r < 0) return r;
  const w = p.fds.install(new PipeEnd(pipe, 'write', flags), cloexec);
  if (w < 0) {
    p.fds.close(r);
    return w;
  }
  const out = new Uint8Array(8);
  new DataView(out.buffer).setInt32(0, r, true);
  new DataView(out.buffer).setInt32(4, w, true);
  try {
    p.mem.write(address, out);
  } catch (e) {
    p.fds.close(r);
    p.fds.close(w);
    throw e;
  }
  return 0;
}

/** fcntl commands. */
export const F = {
  DUPFD: 0,
  GETFD: 1,
  SETFD: 2,
  GETFL: 3,
  SETFL: 4,
  GETLK: 5,
  SETLK: 6,
  SETLKW: 7,
  SETOWN: 8,
  GETOWN: 9,
  OFD_GETLK: 36,
  OFD_SETLK: 37,
  OFD_SETLKW: 38,
  SETPIPE_SZ: 1031,
  GETPIPE_SZ: 1032,
  DUPFD_CLOEXEC: 1030,
  ADD_SEALS: 1033,
  GET_SEALS: 1034,
} as const;
const FD_CLOEXEC = 1;
/** The status flags F_SETFL may change. */
const SETFL_MASK = O.APPEND | O.NONBLOCK | O.ASYNC | O.DIRECT | O.NOATIME;

function fcntl(p: LinuxProcess, a: SyscallArgs): number {
  const fd = a.int(0);
  const f = fileOf(p, fd);
  if (typeof f === 'number') return f;
  const arg = a.long(2);
  switch (a.int(1)) {
    case F.DUPFD:
    case F.DUPFD_CLOEXEC:
      if (arg < 0 || arg >= p.fds.limit) return -ERRNO.EINVAL;
      return p.fds.duplicate(fd, arg, a.int(1) === F.DUPFD_CLOEXEC);
    case F.GETFD:
      return p.fds.isCloexec(fd) ? FD_CLOEXEC : 0;
    case F.SETFD:
      p.fds.setCloexec(fd, (arg & FD_CLOEXEC) !== 0);
      return 0;
    case F.GETFL:
      return f.statusFlags;
    case F.SETFL:
      f.statusFlags = (f.statusFlags & ~SETFL_MASK) | (arg & SETFL_MASK);
      return 0;
    case F.GETLK:
    case F.OFD_GETLK: {
      // One process holds every lock there is: nothing conflicts. struct flock starts with short l_type.
      const out = new Uint8Array(2);
      new DataView(out.buffer).setInt16(0, 2 /* F_UNLCK */, true);
      p.mem.write(arg, out);
      return 0;
    }
    case F.SETLK:
    case F.SETLKW:
    case F.OFD_SETLK:
    case F.OFD_SETLKW:
      return 0;
    case F.GETOWN:
      return 0;
    case F.SETOWN:
      return 0;
    case F.GETPIPE_SZ:
      return f instanceof PipeEnd ? 65536 : -ERRNO.EBADF;
    case F.SETPIPE_SZ:
      return f instanceof PipeEnd ? 65536 : -ERRNO.EBADF;
    case F.GET_SEALS:
      return f instanceof MemfdFile ? f.seals : -ERRNO.EINVAL;
    case F.ADD_SEALS:
      if (!(f instanceof MemfdFile)) return -ERRNO.EINVAL;
      if (f.seals & 1 /* F_SEAL_SEAL */) return -ERRNO.EPERM;
      f.seals |= arg & 0x3f;
      return 0;
    default:
      return -ERRNO.EINVAL;
  }
}

/** struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }, 8-aligned. */
const DIRENT_NAME = 19;
const DT = { UNKNOWN: 0, FIFO: 1, CHR: 2, DIR: 4, BLK: 6, REG: 8, LNK: 10, SOCK: 12 } as const;

function direntType(d: fs.Dirent<Buffer>): number {
  if (d.isFile()) return DT.REG;
  if (d.isDirectory()) return DT.DIR;
  if (d.isSymbolicLink()) return DT.LNK;
  if (d.isFIFO()) return DT.FIFO;
  if (d.isSocket()) return DT.SOCK;
  if (d.isCharacterDevice()) return DT.CHR;
  if (d.isBlockDevice()) return DT.BLK;
  return DT.UNKNOWN;
}

function loadDirectory(f: HostFile): Array<{ name: Buffer; type: number; ino: bigint }> {
  // The directory open as the host fd, whatever its path has become since.
  const dir = `/proc/self/fd/${f.hostFd}`;
  const ino = (path: string) => {
    try {
      return fs.lstatSync(path, { bigint: true }).ino;
    } catch {
      return 0n;
    }
  };
  const entries: Array<{ name: Buffer; type: number; ino: bigint }> = [
    { name: Buffer.from('.'), type: DT.DIR, ino: fs.fstatSync(f.hostFd, { bigint: true }).ino },
    { name: Buffer.from('..'), type: DT.DIR, ino: ino(`${dir}/..`) },
  ];
  for (const d of fs.readdirSync(dir, { withFileTypes: true, encoding: 'buffer' })) {
    entries.push({ name: d.name, type: direntType(d), ino: ino(`${dir}/${d.name.toString('latin1')}`) });
  }
  return entries;
}

function getdents64(p: LinuxProcess, a: SyscallArgs): number {
  const f = fileOf(p, a.int(0));
  if (typeof f === 'number') return f;
  if (!(f instanceof HostFile)) return -ERRNO.ENOTDIR;
  if (f.kind !== 'dir') return -ERRNO.ENOTDIR;
  try {
    f.dirEntries ??= loadDirectory(f);
  } catch (e) {
    return -errnoFromHost(e);
  }
  const room = Math.min(a.uint(2), MAX_CHUNK);
  const out = new Uint8Array(room);
  const view = new DataView(out.buffer);
  let used = 0;
  while (f.dirIndex < f.dirEntries.length) {
    const e = f.dirEntries[f.dirIndex]!;
    const reclen = Math.ceil((DIRENT_NAME + e.name.length + 1) / 8) * 8;
    if (used + reclen > room) {
      if (used === 0) return -ERRNO.EINVAL;
      break;
    }
    view.setBigUint64(used, e.ino, true);
    view.setBigInt64(used + 8, BigInt(f.dirIndex + 1), true);
    view.setUint16(used + 16, reclen, true);
    view.setUint8(used + 18, e.type);
    out.set(e.name, used + DIRENT_NAME);
    used += reclen;
    f.dirIndex++;
  }
  f.position = f.dirIndex;
  p.mem.write(a.ptr(1), out.subarray(0, used));
  return used;
}

function sendfile(p: LinuxProcess, a: SyscallArgs): number {
  const out = fileOf(p, a.int(0));
  const input = fileOf(p, a.int(1));
  if (typeof out === 'number') return out;
  if (typeof input === 'number') return input;
  if (!out.writable || !input.readable) return -ERRNO.EBADF;
  const offsetAddress = a.ptr(2);
  const count = Math.min(a.ulong(3), MAX_RW_COUNT, 1 << 20);
  const buffer = new Uint8Array(count);
  let n: number;
  if (offsetAddress !== 0) {
    const offset = p.mem.readI64(offsetAddress);
    if (offset < 0) return -ERRNO.EINVAL;
    n = input.pread(buffer, offset);
    if (n > 0) p.mem.writeU64(offsetAddress, offset + n);
  } else {
    n = input.read(buffer);
  }
  if (n <= 0) return n;
  return sigpipeOnEpipe(p, out.write(buffer.subarray(0, n)));
}

function ftruncate(p: LinuxProcess, a: SyscallArgs): number {
  const f = fileOf(p, a.int(0));
  if (typeof f === 'number') return f;
  if (a.long(1) < 0) return -ERRNO.EINVAL;
  if (f instanceof MemfdFile) return f.truncate(a.long(1));
  if (!(f instanceof HostFile) || f.kind !== 'file' || !f.writable) return -ERRNO.EINVAL;
  try {
    fs.ftruncateSync(f.hostFd, a.long(1));
    return 0;
  } catch (e) {
    return -errnoFromHost(e);
  }
}

function truncate(p: LinuxProcess, a: SyscallArgs): number {
  const path = pathArg(p, AT_FDCWD, a.ptr(0));
  if (typeof path === 'number') return path;
  if (a.long(1) < 0) return -ERRNO.EINVAL;
  try {
    fs.truncateSync(hostPath(path), a.long(1));
    return 0;
  } catch (e) {
    return -errnoFromHost(e);
  }
}

function fsync(p: LinuxProcess, a: SyscallArgs): number {
  const f = fileOf(p, a.int(0));
  if (typeof f === 'number') return f;
  if (!(f instanceof HostFile)) return -ERRNO.EINVAL;
  try {
    fs.fsyncSync(f.hostFd);
    return 0;
  } catch (e) {
    const errno = errnoFromHost(e);
    // Pipes, terminals and the like cannot be synced: EINVAL, as natively.
    return -(errno === ERRNO.EBADF ? ERRNO.EINVAL : errno);
  }
}

export const FILE_SYSCALLS: readonly SyscallRow[] = [
  ['read', read, ['d', 'out', 'u']],
  ['write', write, ['d', 'in', 'u']],
  ['pread64', pread64, ['d', 'out', 'u', 'd']],
  ['pwrite64', pwrite64, ['d', 'in', 'u', 'd']],
  ['readv', (p, a) => readv(p, a), ['d', 'x', 'd']],
  ['writev', (p, a) => writev(p, a), ['d', 'x', 'd']],
  ['preadv', (p, a) => (a.long(3) < 0 ? -ERRNO.EINVAL : readv(p, a, a.long(3))), ['d', 'x', 'd', 'd']],
  ['pwritev', (p, a) => (a.long(3) < 0 ? -ERRNO.EINVAL : writev(p, a, a.long(3))), ['d', 'x', 'd', 'd']],
  ['open', (p, a) => openAt(p, AT_FDCWD, a.ptr(0), a.int(1), a.uint(2)), ['path', 'oflags', 'mode']],
  ['openat', (p, a) => openAt(p, a.int(0), a.ptr(1), a.int(2), a.uint(3)), ['fd', 'path', 'oflags', 'mode']],
  [
    'creat',
    (p, a) => openAt(p, AT_FDCWD, a.ptr(0), O.CREAT | O.WRONLY | O.TRUNC, a.uint(1)),
    ['path', 'mode'],
  ],
  ['close', (p, a) => p.fds.close(a.int(0)), ['d']],
  ['lseek', lseek, ['d', 'd', 'd']],
  ['dup', (p, a) => p.fds.duplicate(a.int(0)), ['d']],
  ['dup2', (p, a) => dup2(p, a.int(0), a.int(1), false), ['d', 'd']],
  [
    'dup3',
    (p, a) =>
      a.int(0) === a.int(1) || a.int(2) & ~O.CLOEXEC
        ? -ERRNO.EINVAL
        : dup2(p, a.int(0), a.int(1), (a.int(2) & O.CLOEXEC) !== 0),
    ['d', 'd', 'oflags'],
  ],
  ['pipe', (p, a) => pipe2(p, a.ptr(0), 0), ['x']],
  ['pipe2', (p, a) => pipe2(p, a.ptr(0), a.int(1)), ['x', 'oflags']],
  ['fcntl', fcntl, ['d', 'd', 'x']],
  ['getdents64', getdents64, ['d', 'x', 'u']],
  ['sendfile', sendfile, ['d', 'd', 'x', 'u']],
  ['ftruncate', ftruncate, ['d', 'd']],
  ['truncate', truncate, ['path', 'd']],
  ['fsync', fsync, ['d']],
  ['fdatasync', fsync, ['d']],
  ['sync', () => 0],
  ['syncfs', (p, a) => (p.fds.get(a.int(0)) ? 0 : -ERRNO.EBADF), ['d']],
];
