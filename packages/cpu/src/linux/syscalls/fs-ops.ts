/**
 * Path-based file-system calls: the stat family, access, readlink, the
 * current directory, and the calls that create, rename and remove names,
 * all on the host file system through node:fs.
 */
import * as fs from 'node:fs';
import { ERRNO, errnoFromHost } from '../errno.js';
import type { LinuxProcess } from '../process.js';
import type { SyscallArgs } from '../registers.js';
import { fileOf } from './files.js';
import { HostFile } from './open-file.js';
import {
  AT,
  AT_FDCWD,
  baseDirectory,
  hostPath,
  pathArg,
  procSelfLink,
  readPath,
  resolveAt,
} from './paths.js';
import { encodeStat, encodeStatx, type StatInfo, statFromHost } from './stat-layout.js';
import type { SyscallRow } from './types.js';

function host<T>(call: () => T): T | number {
  try {
    return call();
  } catch (e) {
    return -errnoFromHost(e);
  }
}

function ok(r: unknown): number {
  return typeof r === 'number' && r < 0 ? r : 0;
}

/**
 * The metadata a stat call asks about: `path` relative to `dirfd`, the
 * descriptor itself for "" with AT_EMPTY_PATH, without following a final
 * symbolic link when `nofollow`.
 */
function statTarget(p: LinuxProcess, dirfd: number, address: number, flags: number): StatInfo | number {
  const path = readPath(p, address, (flags & AT.EMPTY_PATH) !== 0);
  if (typeof path === 'number') return path;
  if (path === '') {
    if (dirfd === AT_FDCWD) return host(() => statFromHost(fs.statSync(hostPath(p.cwd), { bigint: true })));
    const f = fileOf(p, dirfd);
    return typeof f === 'number' ? f : f.stat();
  }
  const full = resolveAt(p, dirfd, path);
  if (typeof full === 'number') return full;
  const nofollow = (flags & AT.SYMLINK_NOFOLLOW) !== 0;
  return host(() =>
    statFromHost(
      nofollow
        ? fs.lstatSync(hostPath(full), { bigint: true })
        : fs.statSync(hostPath(full), { bigint: true }),
    ),
  );
}

function putStat(p: LinuxProcess, address: number, s: StatInfo | number): number {
  if (typeof s === 'number') return s;
  p.mem.write(address, encodeStat(s));
  return 0;
}

function fstat(p: LinuxProcess, a: SyscallArgs): number {
  const f = fileOf(p, a.int(0));
  return putStat(p, a.ptr(1), typeof f === 'number' ? f : f.stat());
}

const STATX_FLAGS = AT.EMPTY_PATH | AT.SYMLINK_NOFOLLOW | AT.NO_AUTOMOUNT | 0x6000; /* AT_STATX_SYNC_TYPE */

function statx(p: LinuxProcess, a: SyscallArgs): number {
  const flags = a.int(2);
  if (flags & ~STATX_FLAGS) return -ERRNO.EINVAL;
  if (a.uint(3) & 0x80000000) return -ERRNO.EINVAL; // STATX__RESERVED
  const s = statTarget(p, a.int(0), a.ptr(1), flags);
  if (typeof s === 'number') return s;
  p.mem.write(a.ptr(4), encodeStatx(s));
  return 0;
}

function access(p: LinuxProcess, dirfd: number, address: number, mode: number, flags: number): number {
  if (mode & ~7) return -ERRNO.EINVAL;
  if (flags & ~(AT.EACCESS | AT.SYMLINK_NOFOLLOW | AT.EMPTY_PATH)) return -ERRNO.EINVAL;
  const path = readPath(p, address, (flags & AT.EMPTY_PATH) !== 0);
  if (typeof path === 'number') return path;
  const full = path === '' ? baseDirectory(p, dirfd) : resolveAt(p, dirfd, path);
  if (typeof full === 'number') return full;
  return ok(host(() => fs.accessSync(hostPath(full), mode)));
}

function readlinkAt(p: LinuxProcess, dirfd: number, address: number, buffer: number, size: number): number {
  if (size <= 0) return -ERRNO.EINVAL;
  const path = readPath(p, address);
  if (typeof path === 'number') return path;
  let target: Buffer;
  const absolute = path.startsWith('/') ? path : undefined;
  const ours = absolute !== undefined ? procSelfLink(p, absolute) : undefined;
  if (ours !== undefined) {
    target = Buffer.from(ours, 'latin1');
  } else {
    const full = resolveAt(p, dirfd, path);
    if (typeof full === 'number') return full;
    const r = host(() => fs.readlinkSync(hostPath(full), { encoding: 'buffer' }));
    if (typeof r === 'number') return r;
    target = r;
  }
  const n = Math.min(size, target.length);
  p.mem.write(buffer, target.subarray(0, n));
  return n;
}

function getcwd(p: LinuxProcess, a: SyscallArgs): number {
  const bytes = Buffer.from(`${p.cwd}\0`, 'latin1');
  if (a.ulong(1) < bytes.length) return -ERRNO.ERANGE;
  p.mem.write(a.ptr(0), bytes);
  return bytes.length;
}

/** Make `path` the current directory: its real path, as getcwd reports it. */
function changeDirectory(p: LinuxProcess, path: string): number {
  const real = host(() => fs.realpathSync(hostPath(path), { encoding: 'buffer' }));
  if (typeof real === 'number') return real;
  const s = host(() => fs.statSync(real));
  if (typeof s === 'number') return s;
  if (!s.isDirectory()) return -ERRNO.ENOTDIR;
  const x = host(() => fs.accessSync(real, fs.constants.X_OK));
  if (typeof x === 'number') return x;
  p.cwd = real.toString('latin1');
  return 0;
}

function chdir(p: LinuxProcess, a: SyscallArgs): number {
  const path = pathArg(p, AT_FDCWD, a.ptr(0));
  return typeof path === 'number' ? path : changeDirectory(p, path);
}

function fchdir(p: LinuxProcess, a: SyscallArgs): number {
  const f = fileOf(p, a.int(0));
  if (typeof f === 'number') return f;
  if (!(f instanceof HostFile) || f.kind !== 'dir' || f.path === undefined) return -ERRNO.ENOTDIR;
  return changeDirectory(p, f.path);
}

function unlinkAt(p: LinuxProcess, dirfd: number, address: number, flags: number): number {
  if (flags & ~AT.REMOVEDIR) return -ERRNO.EINVAL;
  const path = pathArg(p, dirfd, address);
  if (typeof path === 'number') return path;
  if (flags & AT.REMOVEDIR) return ok(host(() => fs.rmdirSync(hostPath(path))));
  return ok(host(() => fs.unlinkSync(hostPath(path))));
}

function mkdirAt(p: LinuxProcess, dirfd: number, address: number, mode: number): number {
  const path = pathArg(p, dirfd, address);
  if (typeof path === 'number') return path;
  const perm = mode & ~p.umask & 0o7777;
  const r = host(() => fs.mkdirSync(hostPath(path), { mode: perm }));
  if (typeof r === 'number' && r < 0) return r;
  host(() => fs.chmodSync(hostPath(path), perm));
  return 0;
}

const RENAME_NOREPLACE = 1;

function renameAt(
  p: LinuxProcess,
  olddir: number,
  oldAddress: number,
  newdir: number,
  newAddress: number,
  flags: number,
) {
  if (flags & ~RENAME_NOREPLACE) return -ERRNO.EINVAL;
  const from = pathArg(p, olddir, oldAddress);
  if (typeof from === 'number') return from;
  const to = pathArg(p, newdir, newAddress);
  if (typeof to === 'number') return to;
  if (flags & RENAME_NOREPLACE && fs.existsSync(hostPath(to))) return -ERRNO.EEXIST;
  return ok(host(() => fs.renameSync(hostPath(from), hostPath(to))));
}

function symlinkAt(p: LinuxProcess, targetAddress: number, dirfd: number, linkAddress: number): number {
  const target = readPath(p, targetAddress);
  if (typeof target === 'number') return target;
  const link = pathArg(p, dirfd, linkAddress);
  if (typeof link === 'number') return link;
  return ok(host(() => fs.symlinkSync(hostPath(target), hostPath(link))));
}

function linkAt(
  p: LinuxProcess,
  olddir: number,
  oldAddress: number,
  newdir: number,
  newAddress: number,
  flags: number,
) {
  if (flags & ~(AT.SYMLINK_FOLLOW | AT.EMPTY_PATH)) return -ERRNO.EINVAL;
  const from = pathArg(p, olddir, oldAddress);
  if (typeof from === 'number') return from;
  const to = pathArg(p, newdir, newAddress);
  if (typeof to === 'number') return to;
  const source = flags & AT.SYMLINK_FOLLOW ? host(() => fs.realpathSync(hostPath(from))) : hostPath(from);
  if (typeof source === 'number') return source;
  return ok(host(() => fs.linkSync(source, hostPath(to))));
}

function chmodAt(p: LinuxProcess, dirfd: number, address: number, mode: number): number {
  const path = pathArg(p, dirfd, address);
  if (typeof path === 'number') return path;
  return ok(host(() => fs.chmodSync(hostPath(path), mode & 0o7777)));
}

function fchmod(p: LinuxProcess, a: SyscallArgs): number {
  const f = fileOf(p, a.int(0));
  if (typeof f === 'number') return f;
  if (!(f instanceof HostFile)) return -ERRNO.EINVAL;
  const hostFd = f.hostFd;
  return ok(host(() => fs.fchmodSync(hostFd, a.uint(1) & 0o7777)));
}

function chownAt(
  p: LinuxProcess,
  dirfd: number,
  address: number,
  uid: number,
  gid: number,
  flags: number,
): number {
  const path = readPath(p, address, (flags & AT.EMPTY_PATH) !== 0);
  if (typeof path === 'number') return path;
  if (path === '') {
    const f = fileOf(p, dirfd);
    if (typeof f === 'number') return f;
    if (!(f instanceof HostFile)) return -ERRNO.EINVAL;
    return ok(host(() => fs.fchownSync(f.hostFd, uid, gid)));
  }
  const full = resolveAt(p, dirfd, path);
  if (typeof full === 'number') return full;
  const nofollow = (flags & AT.SYMLINK_NOFOLLOW) !== 0;
  return ok(host(() => (nofollow ? fs.lchownSync : fs.chownSync)(hostPath(full), uid, gid)));
}

const UTIME_NOW = (1 << 30) - 1;
const UTIME_OMIT = (1 << 30) - 2;

function utimensat(p: LinuxProcess, a: SyscallArgs): number {
  const dirfd = a.int(0);
  const pathAddress = a.ptr(1);
  const timesAddress = a.ptr(2);
  const flags = a.int(3);
  if (flags & ~(AT.SYMLINK_NOFOLLOW | AT.EMPTY_PATH)) return -ERRNO.EINVAL;
  // The target: a path, or the descriptor itself (futimens passes a NULL path).
  let hostFd: number | undefined;
  let path: string | undefined;
  if (pathAddress === 0) {
    const f = fileOf(p, dirfd);
    if (typeof f === 'number') return f;
    if (!(f instanceof HostFile)) return -ERRNO.EINVAL;
    hostFd = f.hostFd;
  } else {
    const full = pathArg(p, dirfd, pathAddress);
    if (typeof full === 'number') return full;
    path = full;
  }
  const current = () => (hostFd !== undefined ? fs.fstatSync(hostFd) : fs.lstatSync(hostPath(path!)));
  const now = Date.now() / 1000;
  let atime = now;
  let mtime = now;
  if (timesAddress !== 0) {
    const t = p.mem.read(timesAddress, 32);
    const v = new DataView(t.buffer);
    const pick = (at: number, old: () => number): number | undefined => {
      const nsec = Number(v.getBigInt64(at + 8, true));
      if (nsec === UTIME_NOW) return now;
      if (nsec === UTIME_OMIT) return old();
      if (nsec < 0 || nsec > 999_999_999) return undefined;
      return Number(v.getBigInt64(at, true)) + nsec / 1e9;
    };
    const a1 = pick(0, () => current().atimeMs / 1000);
    const m1 = pick(16, () => current().mtimeMs / 1000);
    if (a1 === undefined || m1 === undefined) return -ERRNO.EINVAL;
    atime = a1;
    mtime = m1;
  }
  if (hostFd !== undefined) return ok(host(() => fs.futimesSync(hostFd, atime, mtime)));
  const nofollow = (flags & AT.SYMLINK_NOFOLLOW) !== 0;
  return ok(host(() => (nofollow ? fs.lutimesSync : fs.utimesSync)(hostPath(path!), atime, mtime)));
}

export const FS_SYSCALLS: readonly SyscallRow[] = [
  ['stat', (p, a) => putStat(p, a.ptr(1), statTarget(p, AT_FDCWD, a.ptr(0), 0)), ['path', 'x']],
  [
    'lstat',
    (p, a) => putStat(p, a.ptr(1), statTarget(p, AT_FDCWD, a.ptr(0), AT.SYMLINK_NOFOLLOW)),
    ['path', 'x'],
  ],
  ['fstat', fstat, ['d', 'x']],
  [
    'newfstatat',
    (p, a) =>
      a.int(3) & ~(AT.EMPTY_PATH | AT.SYMLINK_NOFOLLOW | AT.NO_AUTOMOUNT)
        ? -ERRNO.EINVAL
        : putStat(p, a.ptr(2), statTarget(p, a.int(0), a.ptr(1), a.int(3))),
    ['fd', 'path', 'x', 'x'],
  ],
  ['statx', statx, ['fd', 'path', 'x', 'x', 'x']],
  ['access', (p, a) => access(p, AT_FDCWD, a.ptr(0), a.int(1), 0), ['path', 'd']],
  ['faccessat', (p, a) => access(p, a.int(0), a.ptr(1), a.int(2), 0), ['fd', 'path', 'd']],
  ['faccessat2', (p, a) => access(p, a.int(0), a.ptr(1), a.int(2), a.int(3)), ['fd', 'path', 'd', 'x']],
  ['readlink', (p, a) => readlinkAt(p, AT_FDCWD, a.ptr(0), a.ptr(1), a.int(2)), ['path', 'out', 'd']],
  ['readlinkat', (p, a) => readlinkAt(p, a.int(0), a.ptr(1), a.ptr(2), a.int(3)), ['fd', 'path', 'out', 'd']],
  ['getcwd', getcwd, ['x', 'u']],
  ['chdir', chdir, ['path']],
  ['fchdir', fchdir, ['d']],
  ['unlink', (p, a) => unlinkAt(p, AT_FDCWD, a.ptr(0), 0), ['path']],
  ['unlinkat', (p, a) => unlinkAt(p, a.int(0), a.ptr(1), a.int(2)), ['fd', 'path', 'x']],
  ['rmdir', (p, a) => unlinkAt(p, AT_FDCWD, a.ptr(0), AT.REMOVEDIR), ['path']],
  ['mkdir', (p, a) => mkdirAt(p, AT_FDCWD, a.ptr(0), a.uint(1)), ['path', 'mode']],
  ['mkdirat', (p, a) => mkdirAt(p, a.int(0), a.ptr(1), a.uint(2)), ['fd', 'path', 'mode']],
  ['rename', (p, a) => renameAt(p, AT_FDCWD, a.ptr(0), AT_FDCWD, a.ptr(1), 0), ['path', 'path']],
  [
    'renameat',
    (p, a) => renameAt(p, a.int(0), a.ptr(1), a.int(2), a.ptr(3), 0),
    ['fd', 'path', 'fd', 'path'],
  ],
  [
    'renameat2',
    (p, a) => renameAt(p, a.int(0), a.ptr(1), a.int(2), a.ptr(3), a.uint(4)),
    ['fd', 'path', 'fd', 'path', 'x'],
  ],
  ['symlink', (p, a) => symlinkAt(p, a.ptr(0), AT_FDCWD, a.ptr(1)), ['path', 'path']],
  ['symlinkat', (p, a) => symlinkAt(p, a.ptr(0), a.int(1), a.ptr(2)), ['path', 'fd', 'path']],
  ['link', (p, a) => linkAt(p, AT_FDCWD, a.ptr(0), AT_FDCWD, a.ptr(1), 0), ['path', 'path']],
  [
    'linkat',
    (p, a) => linkAt(p, a.int(0), a.ptr(1), a.int(2), a.ptr(3), a.int(4)),
    ['fd', 'path', 'fd', 'path', 'x'],
  ],
  ['chmod', (p, a) => chmodAt(p, AT_FDCWD, a.ptr(0), a.uint(1)), ['path', 'mode']],
  ['fchmod', fchmod, ['d', 'mode']],
  ['fchmodat', (p, a) => chmodAt(p, a.int(0), a.ptr(1), a.uint(2)), ['fd', 'path', 'mode']],
  ['chown', (p, a) => chownAt(p, AT_FDCWD, a.ptr(0), a.int(1), a.int(2), 0), ['path', 'd', 'd']],
  [
    'lchown',
    (p, a) => chownAt(p, AT_FDCWD, a.ptr(0), a.int(1), a.int(2), AT.SYMLINK_NOFOLLOW),
    ['path', 'd', 'd'],
  ],
  [
    'fchown',
    (p, a) => {
      const f = fileOf(p, a.int(0));
      if (typeof f === 'number') return f;
      if (!(f instanceof HostFile)) return -ERRNO.EINVAL;
      return ok(host(() => fs.fchownSync(f.hostFd, a.int(1), a.int(2))));
    },
    ['d', 'd', 'd'],
  ],
  [
    'fchownat',
    (p, a) => chownAt(p, a.int(0), a.ptr(1), a.int(2), a.int(3), a.int(4)),
    ['fd', 'path', 'd', 'd', 'x'],
  ],
  ['utimensat', utimensat, ['fd', 'path', 'x', 'x']],
  [
    'umask',
    (p, a) => {
      const old = p.umask;
      p.umask = a.uint(0) & 0o777;
      return old;
    },
    ['mode'],
  ],
];
