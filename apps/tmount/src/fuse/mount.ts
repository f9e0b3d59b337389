/**
 * Mounting and unmounting a FUSE file system. As root: open `/dev/fuse` and
 * call mount(2) with `fd=N,rootmode=…,user_id=…,group_id=…`; unmount with
 * umount2(2). As any other user: run the setuid fusermount3, which opens the
 * device, mounts, and passes the descriptor back over a socketpair named in
 * `_FUSE_COMMFD`; unmount with `fusermount3 -u` (`-z` for lazy).
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { FUSE_DEV_IOC_CLONE } from './abi.js';
import { FuseBusyError, FuseMountError, FuseUnavailableError } from './errors.js';
import {
  ioctlWithU32,
  LibcError,
  MNT_DETACH,
  MS_NODEV,
  MS_NOEXEC,
  MS_NOSUID,
  MS_RDONLY,
  mount,
  receiveFd,
  socketPair,
  umount2,
} from './libc.js';
import { kernelMountAt } from './mountinfo.js';

export const FUSE_DEVICE = '/dev/fuse';
export const FUSERMOUNT = 'fusermount3';

export interface MountFuseOptions {
  mountPoint: string;
  /** What `/proc/mounts` shows as the mounted thing (the image path). */
  source: string;
  /** Shown as the type `fuse.<subtype>`. Default `tmount`. */
  subtype?: string;
  /** Let users other than the mounting one in (needs `user_allow_other` in /etc/fuse.conf for non-root). */
  allowOther?: boolean;
  /** Owner of the mount (the only user let in without allowOther). Default: the calling process's. */
  uid?: number;
  gid?: number;
  /** Programs on the mount may not be run (always nosuid and nodev). */
  noexec?: boolean;
  /** Largest READ the kernel sends, in bytes (the `max_read` mount option). */
  maxRead?: number;
  /** Mount over a directory that has entries (they are hidden while mounted). */
  nonEmpty?: boolean;
  /** Use fusermount3 even as root. */
  useFusermount?: boolean;
  /**
   * Readahead of the mount in KiB (default 4096, four 1 MiB READs). The kernel
   * starts a FUSE mount at 128 KiB whatever INIT says; raising it is a write to
   * sysfs, which only root may do, so for other users it stays at 128.
   */
  readaheadKiB?: number;
}

/**
 * Default readahead: four maximal READs (4 × 256 pages), so that a sequential
 * reader keeps several READs in flight to the serving threads. Measured on a
 * cold 256 MiB read: 0.22-0.23 s at 4 MiB, 0.24-0.27 s at 1 MiB, 0.26-0.29 s
 * at 8 MiB; the image file itself read directly: 0.20-0.21 s.
 */
export const DEFAULT_READAHEAD_KIB = 4096;

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Open the FUSE device (root, or wherever /dev/fuse is open to all). */
export function openFuseDevice(): number {
  try {
    return openSync(FUSE_DEVICE, 'r+');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new FuseUnavailableError(`cannot open ${FUSE_DEVICE}: ${code} (is the fuse module loaded?)`);
  }
}

/**
 * A second descriptor on the same FUSE connection (FUSE_DEV_IOC_CLONE), so a
 * serving thread has its own queue of requests awaiting replies.
 */
export function cloneFuseDevice(fd: number): number {
  const clone = openFuseDevice();
  try {
    ioctlWithU32(clone, FUSE_DEV_IOC_CLONE, fd);
    return clone;
  } catch (e) {
    closeSync(clone);
    throw e;
  }
}

/** Refuse a mount point that is not a directory, or not an empty one unless allowed. */
export function checkMountPoint(mountPoint: string, nonEmpty = false): void {
  let isDir: boolean;
  try {
    isDir = statSync(mountPoint).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new FuseMountError(code, mountPoint, `mount point cannot be used (${code})`);
  }
  if (!isDir) throw new FuseMountError('ENOTDIR', mountPoint, 'mount point is not a directory');
  if (!nonEmpty && readdirSync(mountPoint).length > 0) {
    throw new FuseMountError(
      'ENOTEMPTY',
      mountPoint,
      'mount point is not empty (its files would be hidden); choose an empty directory',
    );
  }
}

/** Set the readahead of a mounted FUSE file system (root only); failures leave the default. */
function setReadahead(mountPoint: string, kib: number): void {
  const dev = kernelMountAt(resolve(mountPoint))?.device;
  if (!dev || !Number.isSafeInteger(kib) || kib <= 0) return;
  try {
    writeFileSync(`/sys/class/bdi/${dev}/read_ahead_kb`, String(kib));
  } catch {
    // Not root, or no sysfs: the kernel's 128 KiB stays.
  }
}

/** The comma-separated option list; commas and backslashes inside values are escaped. */
function optionString(options: Array<string | [string, string | number]>): string {
  return options
    .map((o) => (typeof o === 'string' ? o : `${o[0]}=${String(o[1]).replace(/[\\,]/g, (c) => `\\${c}`)}`))
    .join(',');
}

/** Mount and return the session's `/dev/fuse` descriptor, to be served. */
export async function mountFuse(options: MountFuseOptions): Promise<number> {
  const mountPoint = resolve(options.mountPoint);
  checkMountPoint(mountPoint, options.nonEmpty);
  const subtype = options.subtype ?? 'tmount';
  if (isRoot() && !options.useFusermount) return mountAsRoot(mountPoint, subtype, options);
  return mountWithFusermount(mountPoint, subtype, options);
}

function mountAsRoot(mountPoint: string, subtype: string, options: MountFuseOptions): number {
  const fd = openFuseDevice();
  const data: Array<string | [string, number]> = [
    ['fd', fd],
    // The root's file type, in octal as the kernel parses it: a directory.
    'rootmode=40000',
    ['user_id', options.uid ?? process.getuid!()],
    ['group_id', options.gid ?? process.getgid!()],
    'default_permissions',
  ];
  if (options.allowOther) data.push('allow_other');
  if (options.maxRead) data.push(['max_read', options.maxRead]);
  try {
    mount(
      options.source,
      mountPoint,
      `fuse.${subtype}`,
      MS_RDONLY | MS_NOSUID | MS_NODEV | (options.noexec ? MS_NOEXEC : 0),
      optionString(data),
    );
    setReadahead(mountPoint, options.readaheadKiB ?? DEFAULT_READAHEAD_KIB);
    return fd;
  } catch (e) {
    closeSync(fd);
    if (e instanceof LibcError) {
      if (e.code === 'EBUSY') throw new FuseBusyError(mountPoint);
      throw new FuseMountError(e.code, mountPoint, `mount failed: ${e.code}`);
    }
    throw e;
  }
}

interface Exit {
  status: number | null;
  stderr: string;
}

function runFusermount(args: string[], extra: { env?: NodeJS.ProcessEnv; commFd?: number } = {}) {
  const stdio: Array<'ignore' | 'pipe' | number> = ['ignore', 'ignore', 'pipe'];
  if (extra.commFd !== undefined) stdio.push(extra.commFd);
  const child = spawn(FUSERMOUNT, args, { stdio, env: extra.env ?? process.env });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  const exit = new Promise<Exit>((done) => {
    child.on('error', (e) => done({ status: null, stderr: `${stderr}${e.message}` }));
    child.on('close', (status) => done({ status, stderr }));
  });
  return exit;
}

async function mountWithFusermount(mountPoint: string, subtype: string, options: MountFuseOptions) {
  const opts: Array<string | [string, string | number]> = [
    'ro',
    'nosuid',
    'nodev',
    'default_permissions',
    ['fsname', options.source],
    ['subtype', subtype],
  ];
  if (options.allowOther) opts.push('allow_other');
  if (options.noexec) opts.push('noexec');
  if (options.maxRead) opts.push(['max_read', options.maxRead]);
  const [ours, theirs] = socketPair();
  // fusermount3 gets its end as descriptor 3 and sends the device through it.
  const exit = runFusermount(['-o', optionString(opts), '--', mountPoint], {
    env: { ...process.env, _FUSE_COMMFD: '3' },
    commFd: theirs,
  });
  closeSync(theirs);
  let fd: number | null = null;
  try {
    fd = await receiveFd(ours);
  } finally {
    closeSync(ours);
  }
  const { status, stderr } = await exit;
  if (fd !== null && status === 0) {
    if (isRoot()) setReadahead(mountPoint, options.readaheadKiB ?? DEFAULT_READAHEAD_KIB);
    return fd;
  }
  if (fd !== null) closeSync(fd);
  if (status === null) throw new FuseUnavailableError(`${FUSERMOUNT} could not be run: ${stderr.trim()}`);
  const code = /busy/i.test(stderr)
    ? 'EBUSY'
    : /permission|not allowed|only allowed/i.test(stderr)
      ? 'EPERM'
      : 'EIO';
  if (code === 'EBUSY') throw new FuseBusyError(mountPoint);
  throw new FuseMountError(code, mountPoint, `${FUSERMOUNT} failed: ${stderr.trim() || `exit ${status}`}`);
}

export interface UnmountOptions {
  /** Detach now even if busy; the file system goes when its last user does. */
  lazy?: boolean;
  useFusermount?: boolean;
}

/** Unmount; a busy mount point gives FuseBusyError unless `lazy`. */
export async function unmountFuse(mountPointIn: string, options: UnmountOptions = {}): Promise<void> {
  const mountPoint = resolve(mountPointIn);
  if (isRoot() && !options.useFusermount) {
    try {
      umount2(mountPoint, options.lazy ? MNT_DETACH : 0);
      return;
    } catch (e) {
      if (e instanceof LibcError) {
        if (e.code === 'EBUSY') throw new FuseBusyError(mountPoint);
        const why = e.code === 'EINVAL' ? 'not a mount point' : `unmount failed: ${e.code}`;
        throw new FuseMountError(e.code, mountPoint, why);
      }
      throw e;
    }
  }
  const args = ['-u', ...(options.lazy ? ['-z'] : []), '--', mountPoint];
  const { status, stderr } = await runFusermount(args);
  if (status === 0) return;
  if (status === null) throw new FuseUnavailableError(`${FUSERMOUNT} could not be run: ${stderr.trim()}`);
  if (/busy/i.test(stderr)) throw new FuseBusyError(mountPoint);
  const code = /not found|not mounted/i.test(stderr) ? 'EINVAL' : 'EIO';
  throw new FuseMountError(code, mountPoint, `${FUSERMOUNT} -u failed: ${stderr.trim()}`);
}
