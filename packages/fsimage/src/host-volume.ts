/**
 * A volume over a directory of the host, read-only: the same tree served
 * through the path layer or a FUSE server as an image would be, and the way to
 * check those layers against the kernel's own view of a tree (whatever they
 * report must equal what lstat, readdir and readlink say). Inodes are the
 * host's, indexed once when the volume is made; the tree should not change
 * while it is in use.
 */
import { closeSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { FsError } from './errors.js';
import {
  type DirPage,
  fileTypeOfMode,
  type Stat,
  type StatFs,
  type Volume,
  type VolumeInfo,
} from './volume.js';

function timespec(ms: number, ns: bigint): { sec: number; nsec: number } {
  return { sec: Math.floor(ms / 1000), nsec: Number(ns % 1_000_000_000n) };
}

export class HostDirVolume implements Volume {
  readonly fsType = 'hostdir';
  readonly root: number;
  private readonly paths = new Map<number, string>();

  constructor(rootDir: string) {
    this.root = lstatSync(rootDir).ino;
    this.index(rootDir);
  }

  private index(dir: string): void {
    this.paths.set(lstatSync(dir).ino, dir);
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = lstatSync(p);
      if (st.isDirectory()) this.index(p);
      else this.paths.set(st.ino, p);
    }
  }

  private path(ino: number): string {
    const p = this.paths.get(ino);
    if (p === undefined) throw new FsError('ENOENT', 'no such inode', { ino });
    return p;
  }

  private dir(ino: number): string {
    const p = this.path(ino);
    if (!lstatSync(p).isDirectory()) throw new FsError('ENOTDIR', 'not a directory', { ino });
    return p;
  }

  lookup(dir: number, name: string): number {
    try {
      return lstatSync(join(this.dir(dir), name)).ino;
    } catch (e) {
      if (e instanceof FsError) throw e;
      throw new FsError('ENOENT', `no entry "${name}"`, { ino: dir });
    }
  }

  stat(ino: number): Stat {
    const st = lstatSync(this.path(ino), { bigint: true });
    const n = (v: bigint) => Number(v);
    const small = lstatSync(this.path(ino)) as Stats;
    return {
      ino,
      mode: n(st.mode),
      nlink: n(st.nlink),
      uid: n(st.uid),
      gid: n(st.gid),
      size: n(st.size),
      blocks: n(st.blocks),
      blksize: n(st.blksize),
      rdevMajor: Math.floor(small.rdev / 256) & 0xfff,
      rdevMinor: (small.rdev & 0xff) | ((small.rdev >> 12) & 0xfff00),
      atime: timespec(small.atimeMs, st.atimeNs),
      mtime: timespec(small.mtimeMs, st.mtimeNs),
      ctime: timespec(small.ctimeMs, st.ctimeNs),
    };
  }

  readdir(dir: number, cursor: number, max: number): DirPage {
    const names = readdirSync(this.dir(dir)).sort();
    const entries = names.slice(cursor, cursor + max).map((name, i) => {
      const ino = lstatSync(join(this.path(dir), name)).ino;
      return { name, ino, type: fileTypeOfMode(this.stat(ino).mode), next: cursor + i + 1 };
    });
    return { entries, done: cursor + entries.length >= names.length };
  }

  readlink(ino: number): string {
    return readlinkSync(this.path(ino));
  }

  read(ino: number, buf: Uint8Array, position: number): number {
    const fd = openSync(this.path(ino), 'r');
    try {
      return readSync(fd, buf, 0, buf.byteLength, position);
    } finally {
      closeSync(fd);
    }
  }

  statfs(): StatFs {
    return { blockSize: 4096, blocks: 0, blocksFree: 0, files: this.paths.size, filesFree: 0, nameMax: 255 };
  }
  label(): string | undefined {
    return 'hostdir';
  }
  uuid(): string | undefined {
    return undefined;
  }
  info(): VolumeInfo {
    return { rows: [] };
  }
  close(): void {}
}
