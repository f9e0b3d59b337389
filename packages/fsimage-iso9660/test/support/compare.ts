/**
 * Comparing what the plugin shows with an independent truth: the host
 * directory an image was built from (or that a reference tool extracted),
 * read with lstat/readlink/readFile.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { type FileSystem, S_IFBLK, S_IFCHR, S_IFMT, type Stat } from '@x/fsimage';
import { expect } from 'vitest';

export interface HostEntry {
  path: string;
  kind: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  size: number;
  nlink: number;
  uid: number;
  gid: number;
  mtime: number;
  ctime: number;
  target?: string;
  /** Device numbers of a character or block device. */
  rdev?: [number, number];
}

function kindOf(mode: number): HostEntry['kind'] {
  switch (mode & S_IFMT) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'dir';
    case 0o120000:
      return 'symlink';
    default:
      return 'other';
  }
}

/** Every entry below `root`, keyed by image-style path ("/a/b"). */
export function hostTree(root: string): Map<string, HostEntry> {
  const out = new Map<string, HostEntry>();
  const visit = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const st = lstatSync(full);
      const path = `${prefix}/${name}`;
      const entry: HostEntry = {
        path,
        kind: kindOf(st.mode),
        mode: st.mode,
        size: st.size,
        nlink: st.nlink,
        uid: st.uid,
        gid: st.gid,
        mtime: Math.floor(st.mtimeMs / 1000),
        ctime: Math.floor(st.ctimeMs / 1000),
      };
      if (entry.kind === 'symlink') entry.target = readlinkSync(full);
      const type = st.mode & S_IFMT;
      if (type === S_IFCHR || type === S_IFBLK) {
        // glibc's dev_t: major in bits 8-19 and 32-43, minor in bits 0-7 and 20-31.
        const rdev = lstatSync(full, { bigint: true }).rdev;
        entry.rdev = [
          Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn)),
          Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn)),
        ];
      }
      out.set(path, entry);
      if (entry.kind === 'dir') visit(full, path);
    }
  };
  visit(root, '');
  return out;
}

/** Every entry the plugin shows, keyed by path. */
export function imageTree(fs: FileSystem): Map<string, Stat> {
  const out = new Map<string, Stat>();
  for (const e of fs.walk('/')) out.set(e.path, e.stat);
  return out;
}

export interface CompareOptions {
  /** Host path of the source tree. */
  root: string;
  /** Compare permission bits (else check `defaultFileMode`/`defaultDirMode`, if given). */
  modes: boolean;
  /** Compare owners. */
  owners?: boolean;
  /** Compare link counts of files / of directories. */
  fileLinks?: boolean;
  dirLinks?: boolean;
  /** Compare ctime (when the writer records TF attributes). */
  ctime?: boolean;
  /** Compare mtimes of directories. */
  dirTimes?: boolean;
  /** Paths the image may show beyond the source (a relocation directory). */
  extra?: (path: string) => boolean;
  /** Map a source path to the path the image shows it under (name rules of plain ISO 9660). */
  rename?: (path: string) => string;
  /** The mode a file / directory has without Rock Ridge. */
  defaultFileMode?: number;
  defaultDirMode?: number;
}

/** Names, types, sizes, bytes, link targets, times and (optionally) attributes must all agree. */
export function expectSameTree(fs: FileSystem, options: CompareOptions): void {
  const host = hostTree(options.root);
  const image = imageTree(fs);
  const rename = options.rename ?? ((p: string) => p);
  const expected = new Set([...host.keys()].map(rename));
  const unexpected = [...image.keys()].filter((p) => !expected.has(p) && !options.extra?.(p));
  expect(unexpected, 'entries the source does not have').toEqual([]);
  for (const entry of host.values()) {
    const path = rename(entry.path);
    const st = image.get(path);
    expect(st, `missing ${path}`).toBeDefined();
    if (!st) continue;
    const what = `${path}`;
    expect((st.mode & S_IFMT).toString(8), `type of ${what}`).toBe((entry.mode & S_IFMT).toString(8));
    if (entry.rdev) expect([st.rdevMajor, st.rdevMinor], `device numbers of ${what}`).toEqual(entry.rdev);
    if (entry.kind !== 'dir') expect(st.size, `size of ${what}`).toBe(entry.size);
    if (entry.kind === 'file') {
      expect(
        Buffer.from(fs.readFile(path)).equals(readFileSync(join(options.root, entry.path))),
        `bytes of ${what}`,
      ).toBe(true);
    }
    if (entry.kind === 'symlink') expect(fs.readlink(path), `target of ${what}`).toBe(entry.target);
    if (entry.kind !== 'dir' || options.dirTimes !== false) {
      expect(st.mtime.sec, `mtime of ${what}`).toBe(entry.mtime);
    }
    if (options.ctime) expect(st.ctime.sec, `ctime of ${what}`).toBe(entry.ctime);
    if (options.owners) expect([st.uid, st.gid], `owner of ${what}`).toEqual([entry.uid, entry.gid]);
    if (options.modes) {
      expect((st.mode & 0o7777).toString(8), `mode of ${what}`).toBe((entry.mode & 0o7777).toString(8));
    } else {
      const mode = entry.kind === 'dir' ? options.defaultDirMode : options.defaultFileMode;
      if (mode !== undefined)
        expect((st.mode & 0o7777).toString(8), `mode of ${what}`).toBe(mode.toString(8));
    }
    if (entry.kind === 'file' && options.fileLinks) expect(st.nlink, `links of ${what}`).toBe(entry.nlink);
    if (entry.kind === 'dir' && options.dirLinks) expect(st.nlink, `links of ${what}`).toBe(entry.nlink);
  }
}

/** Stats of a directory read through inode-level calls must equal what the path layer gives. */
export function expectConsistentInodes(fs: FileSystem): void {
  for (const e of fs.walk('/')) {
    expect(fs.statInode(e.ino), e.path).toEqual(e.stat);
    expect(fs.lstat(e.path), e.path).toEqual(e.stat);
  }
}
