/**
 * The path layer over a Volume: path walking and symlink resolution (with a
 * loop limit) live here once, so plugins only answer per-inode questions.
 * Every public method starts an operation under the volume's time budget and
 * turns whatever goes wrong into an FsError naming the path.
 */
import type { BlockSource } from './block-source.js';
import { FsError, toFsError } from './errors.js';
import type { OperationGuard } from './guard.js';
import type { Limits } from './limits.js';
import {
  type DirEntry,
  type DirPage,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  type Stat,
  type StatFs,
  type Volume,
  type VolumeInfo,
} from './volume.js';

export interface ResolveOptions {
  /** Follow a symlink in the last component (stat) or not (lstat). Default true. */
  follow?: boolean;
}

export interface WalkEntry {
  /** Path inside the image, `/`-separated, starting with `/`. */
  path: string;
  name: string;
  ino: number;
  stat: Stat;
  depth: number;
}

/**
 * Whether a name from an image may be shown as a directory entry. A crafted
 * image can put "/" or ".." into a name (Rock Ridge NM is free text); such an
 * entry would escape the directory it is listed in, so it is never listed.
 */
export function isSafeEntryName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}

function splitPath(path: string): string[] {
  return path.split('/').filter((c) => c !== '' && c !== '.');
}

export function joinPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

export class FileSystem {
  constructor(
    readonly volume: Volume,
    readonly limits: Limits,
    private readonly guard: OperationGuard,
    /** The source to close with this file system, if it was opened for it. */
    private readonly owned: BlockSource | null,
    /** The type the plugin reported (`iso9660`, `ext4` …). */
    readonly fsType: string = volume.fsType,
    /** Where findings such as unlistable names go. */
    private readonly warn: (message: string) => void = () => {},
  ) {}

  /** Inode of the root directory. */
  get root(): number {
    return this.volume.root;
  }

  /** Run one operation under the time budget, naming `path` in any error. */
  private op<T>(path: string | undefined, fn: () => T): T {
    this.guard.begin();
    try {
      return fn();
    } catch (e) {
      throw toFsError(e, { path, plugin: this.volume.fsType });
    }
  }

  /** Inode of `path` (absolute inside the image; a relative path is taken from the root). */
  resolve(path: string, options: ResolveOptions = {}): number {
    return this.op(path, () => this.walkTo(path, options.follow ?? true));
  }

  private walkTo(path: string, followLast: boolean): number {
    if (path.length > this.limits.maxPathLength) throw new FsError('ENAMETOOLONG', 'path too long');
    const v = this.volume;
    // The chain of directories from the root to where we stand: ".." pops it,
    // which is physical resolution without asking the volume for parents.
    const stack: number[] = [v.root];
    const pending = splitPath(path).reverse();
    let links = 0;
    while (pending.length > 0) {
      const name = pending.pop()!;
      const here = stack[stack.length - 1]!;
      if (name === '..') {
        if (stack.length > 1) stack.pop();
        continue;
      }
      const dirStat = v.stat(here);
      if ((dirStat.mode & S_IFMT) !== S_IFDIR)
        throw new FsError('ENOTDIR', `not a directory before "${name}"`);
      const ino = v.lookup(here, name);
      const isLast = pending.length === 0;
      const st = v.stat(ino);
      if ((st.mode & S_IFMT) === S_IFLNK && (!isLast || followLast)) {
        if (++links > this.limits.maxSymlinkDepth) {
          throw new FsError('ELOOP', `more than ${this.limits.maxSymlinkDepth} symbolic links`);
        }
        const target = v.readlink(ino);
        if (target.length === 0) throw new FsError('ENOENT', `symbolic link "${name}" is empty`);
        if (target.length + pending.length > this.limits.maxPathLength) {
          throw new FsError('ENAMETOOLONG', 'path grows too long through symbolic links');
        }
        if (target.startsWith('/')) stack.length = 1;
        pending.push(...splitPath(target).reverse());
        continue;
      }
      stack.push(ino);
    }
    return stack[stack.length - 1]!;
  }

  stat(path: string): Stat {
    return this.op(path, () => this.volume.stat(this.walkTo(path, true)));
  }

  lstat(path: string): Stat {
    return this.op(path, () => this.volume.stat(this.walkTo(path, false)));
  }

  statInode(ino: number): Stat {
    return this.op(undefined, () => this.volume.stat(ino));
  }

  /** Inode of `name` in directory `dir`: one step of a walk, for servers that keep inodes. */
  lookup(dir: number, name: string): number {
    return this.op(undefined, () => {
      if (!isSafeEntryName(name)) throw new FsError('ENOENT', `no entry "${name}"`, { ino: dir });
      return this.volume.lookup(dir, name);
    });
  }

  readlinkInode(ino: number): string {
    return this.op(undefined, () => this.volume.readlink(ino));
  }

  /** One page of a directory listing, without names that cannot be listed safely. */
  readdirPage(dir: number, cursor: number, max: number): DirPage {
    return this.op(undefined, () => this.safePage(dir, this.volume.readdir(dir, cursor, max)));
  }

  private safePage(dir: number, page: DirPage): DirPage {
    if (page.entries.every((e) => isSafeEntryName(e.name))) return page;
    const entries = page.entries.filter((e) => {
      if (isSafeEntryName(e.name)) return true;
      this.warn(`inode ${dir}: entry ${JSON.stringify(e.name)} is not a valid file name; not listed`);
      return false;
    });
    // Keep the resume point of the last entry so the listing still advances.
    const last = page.entries[page.entries.length - 1]!;
    if (entries.length === 0 && !page.done) return { entries: [], done: false, resume: last.next };
    return { entries, done: page.done, resume: last.next };
  }

  readlink(path: string): string {
    return this.op(path, () => {
      const ino = this.walkTo(path, false);
      if ((this.volume.stat(ino).mode & S_IFMT) !== S_IFLNK)
        throw new FsError('EINVAL', 'not a symbolic link');
      return this.volume.readlink(ino);
    });
  }

  /** All entries of a directory, bounded by `maxDirEntries`. */
  readdir(path: string): DirEntry[] {
    return this.op(path, () => this.readdirInode(this.walkTo(path, true)));
  }

  private readdirInode(ino: number): DirEntry[] {
    if ((this.volume.stat(ino).mode & S_IFMT) !== S_IFDIR) throw new FsError('ENOTDIR', 'not a directory');
    const out: DirEntry[] = [];
    let cursor = 0;
    for (;;) {
      const raw = this.volume.readdir(ino, cursor, 1024);
      if (raw.entries.length === 0) return out;
      const page = this.safePage(ino, raw);
      for (const e of page.entries) {
        if (out.length >= this.limits.maxDirEntries) {
          throw new FsError('EFBIG', `directory has more than ${this.limits.maxDirEntries} entries`);
        }
        out.push(e);
      }
      if (raw.done) return out;
      const next = raw.entries[raw.entries.length - 1]!.next;
      if (next <= cursor) throw new FsError('EFSCORRUPTED', 'directory listing does not advance');
      cursor = next;
    }
  }

  /** A whole file in memory, bounded by `maxFileBytes`. */
  readFile(path: string): Uint8Array {
    return this.op(path, () => {
      const ino = this.walkTo(path, true);
      const st = this.volume.stat(ino);
      if ((st.mode & S_IFMT) === S_IFDIR) throw new FsError('EISDIR', 'is a directory');
      if (st.size > this.limits.maxFileBytes) {
        throw new FsError(
          'EFBIG',
          `file of ${st.size} bytes exceeds the ${this.limits.maxFileBytes}-byte limit`,
        );
      }
      const buf = new Uint8Array(st.size);
      let done = 0;
      while (done < st.size) {
        const n = this.volume.read(ino, buf.subarray(done), done);
        if (n <= 0) throw new FsError('EIO', `file ends at ${done} of ${st.size} bytes`);
        done += n;
      }
      return buf;
    });
  }

  /** Read from an open inode (a FUSE server, a streaming copy). */
  read(ino: number, buf: Uint8Array, position: number): number {
    return this.op(undefined, () => this.volume.read(ino, buf, position));
  }

  /**
   * Every entry below `path`, depth first, parents before children. A
   * directory met twice (a corrupt image whose tree is not a tree) is not
   * entered again.
   */
  *walk(path: string, options: { maxDepth?: number } = {}): Generator<WalkEntry> {
    const rootIno = this.resolve(path);
    const seen = new Set<number>([rootIno]);
    const maxDepth = options.maxDepth ?? 4096;
    const start = splitPath(path);
    const stack: Array<{ dir: string; ino: number; depth: number }> = [
      { dir: start.length ? `/${start.join('/')}` : '/', ino: rootIno, depth: 1 },
    ];
    while (stack.length > 0) {
      const { dir, ino, depth } = stack.pop()!;
      const entries = this.op(dir, () => this.readdirInode(ino));
      const subdirs: Array<{ dir: string; ino: number; depth: number }> = [];
      for (const e of entries) {
        const p = joinPath(dir, e.name);
        const st = e.stat ?? this.op(p, () => this.volume.stat(e.ino));
        yield { path: p, name: e.name, ino: e.ino, stat: st, depth };
        if ((st.mode & S_IFMT) === S_IFDIR && depth < maxDepth && !seen.has(e.ino)) {
          seen.add(e.ino);
          subdirs.push({ dir: p, ino: e.ino, depth: depth + 1 });
        }
      }
      for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
    }
  }

  statfs(): StatFs {
    return this.op(undefined, () => this.volume.statfs());
  }
  label(): string | undefined {
    return this.op(undefined, () => this.volume.label());
  }
  uuid(): string | undefined {
    return this.op(undefined, () => this.volume.uuid());
  }
  info(): VolumeInfo {
    return this.op(undefined, () => this.volume.info());
  }

  close(): void {
    this.volume.close();
    this.owned?.close();
  }
}
