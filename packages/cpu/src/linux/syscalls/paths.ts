/**
 * Path arguments: reading them from guest memory, resolving them against
 * the current directory or a directory descriptor (the *at calls), and the
 * few /proc/self entries that must describe the guest rather than the node
 * process running it. Paths are byte strings (one char per byte), handed to
 * node:fs as Buffers, so any file name survives unchanged; resolution of
 * `..` and symbolic links is left to the host kernel.
 */

import { ERRNO } from '../errno.js';
import type { LinuxProcess } from '../process.js';
import { PATH_MAX } from '../user-memory.js';
import { HostFile } from './open-file.js';

export const AT_FDCWD = -100;
export const AT = {
  SYMLINK_NOFOLLOW: 0x100,
  REMOVEDIR: 0x200,
  EACCESS: 0x200,
  SYMLINK_FOLLOW: 0x400,
  NO_AUTOMOUNT: 0x800,
  EMPTY_PATH: 0x1000,
} as const;

/** A byte-string path as node:fs takes it. */
export function hostPath(path: string): Buffer {
  return Buffer.from(path, 'latin1');
}

/** A JavaScript (UTF-16) string as a byte string of its UTF-8 encoding. */
export function byteString(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

/** Read a path argument: -EFAULT, -ENAMETOOLONG, or -ENOENT for "" unless `allowEmpty`. */
export function readPath(p: LinuxProcess, address: number, allowEmpty = false): string | number {
  const s = p.mem.readCString(address, PATH_MAX);
  if (s === undefined) return -ERRNO.ENAMETOOLONG;
  if (s === '' && !allowEmpty) return -ERRNO.ENOENT;
  return s;
}

/** The directory a relative path starts from: the cwd, or the directory open as `dirfd`. */
export function baseDirectory(p: LinuxProcess, dirfd: number): string | number {
  if (dirfd === AT_FDCWD) return p.cwd;
  const f = p.fds.get(dirfd);
  if (!f) return -ERRNO.EBADF;
  if (!(f instanceof HostFile) || f.kind !== 'dir' || f.path === undefined) return -ERRNO.ENOTDIR;
  return f.path;
}

/** An absolute path for `path` relative to `dirfd` (or -errno). */
export function resolveAt(p: LinuxProcess, dirfd: number, path: string): string | number {
  if (path.startsWith('/')) return procSelf(p, path);
  const base = baseDirectory(p, dirfd);
  if (typeof base === 'number') return base;
  return procSelf(p, base.endsWith('/') ? base + path : `${base}/${path}`);
}

/** Read and resolve a path argument in one step. */
export function pathArg(p: LinuxProcess, dirfd: number, address: number): string | number {
  const path = readPath(p, address);
  if (typeof path === 'number') return path;
  return resolveAt(p, dirfd, path);
}

/** /proc/self/exe and /proc/<pid>/exe name the guest program, not node. */
function procSelf(p: LinuxProcess, path: string): string {
  if (path === '/proc/self/exe' || path === `/proc/${p.pid}/exe` || path === '/proc/thread-self/exe') {
    return p.exePath;
  }
  return path;
}

/** The target of a /proc/self symbolic link the guest may read, when it is one of ours. */
export function procSelfLink(p: LinuxProcess, path: string): string | undefined {
  const self = /^\/proc\/(?:self|thread-self|(\d+))\/(.*)$/.exec(path);
  if (!self || (self[1] !== undefined && Number(self[1]) !== p.pid)) return undefined;
  const rest = self[2]!;
  if (rest === 'exe') return p.exePath;
  if (rest === 'cwd') return p.cwd;
  const fd = /^fd\/(\d+)$/.exec(rest);
  if (fd) return p.fds.get(Number(fd[1]))?.path;
  return undefined;
}
