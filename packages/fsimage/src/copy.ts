/**
 * Copying out of an image (`fsimage cp`, and a boot loader taking a kernel
 * out): a file or a tree, keeping symlinks, modes and modification times.
 * Output appears whole or not at all: everything is written under a temporary
 * name beside the destination and renamed at the end; on any failure the
 * temporary file or tree is removed.
 */
import {
  chmodSync,
  closeSync,
  existsSync,
  lutimesSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FsError, toFsError } from './errors.js';
import { type FileSystem, joinPath } from './filesystem.js';
import { fileTypeOfMode, type Stat } from './volume.js';

const CHUNK = 1 << 22;

function temporaryName(dest: string): string {
  return join(dirname(dest), `.${basename(dest)}.fsimage-${process.pid}-${Date.now().toString(36)}`);
}

function when(st: Stat): Date {
  return new Date(st.mtime.sec * 1000 + Math.floor(st.mtime.nsec / 1e6));
}

export interface CopyReport {
  files: number;
  bytes: number;
  skipped: string[];
}

class Copier {
  readonly report: CopyReport = { files: 0, bytes: 0, skipped: [] };
  private readonly buf = new Uint8Array(CHUNK);
  /** Directories whose mode and time are set once their contents are written. */
  private readonly finishDirs: Array<{ path: string; st: Stat }> = [];

  constructor(private readonly fs: FileSystem) {}

  file(ino: number, st: Stat, dest: string): void {
    const fd = openSync(dest, 'wx', 0o600);
    try {
      let pos = 0;
      while (pos < st.size) {
        const n = this.fs.read(ino, this.buf.subarray(0, Math.min(CHUNK, st.size - pos)), pos);
        if (n <= 0) throw new FsError('EIO', `file ends at ${pos} of ${st.size} bytes`);
        for (let off = 0; off < n; ) off += writeSync(fd, this.buf, off, n - off);
        pos += n;
      }
    } finally {
      closeSync(fd);
    }
    chmodSync(dest, st.mode & 0o7777);
    utimesSync(dest, when(st), when(st));
    this.report.files++;
    this.report.bytes += st.size;
  }

  entry(path: string, ino: number, st: Stat, dest: string): void {
    try {
      this.write(path, ino, st, dest);
    } catch (e) {
      throw toFsError(e, { path });
    }
  }

  private write(path: string, ino: number, st: Stat, dest: string): void {
    switch (fileTypeOfMode(st.mode)) {
      case 'file':
        this.file(ino, st, dest);
        return;
      case 'dir':
        mkdirSync(dest, { mode: 0o700 });
        this.finishDirs.push({ path: dest, st });
        return;
      case 'symlink':
        symlinkSync(this.fs.readlinkInode(ino), dest);
        lutimesSync(dest, when(st), when(st));
        return;
      default:
        // Special files need mknod, which a user-space copy does not have.
        this.report.skipped.push(path);
    }
  }

  tree(srcPath: string, rootIno: number, rootStat: Stat, dest: string): void {
    this.entry(srcPath, rootIno, rootStat, dest);
    for (const e of this.fs.walk(srcPath)) {
      const rel = e.path.slice(srcPath === '/' ? 1 : srcPath.length + 1);
      this.entry(e.path, e.ino, e.stat, join(dest, rel));
    }
  }

  finish(): void {
    for (let i = this.finishDirs.length - 1; i >= 0; i--) {
      const { path, st } = this.finishDirs[i]!;
      chmodSync(path, st.mode & 0o7777);
      utimesSync(path, when(st), when(st));
    }
  }
}

/**
 * Copy `srcPath` of `fs` to `dest` on the host, as `cp [-r]` would name it: into
 * `dest` when that is an existing directory. The destination must not exist.
 */
export function copyOut(fs: FileSystem, srcPath: string, dest: string, recursive: boolean): CopyReport {
  const ino = fs.resolve(srcPath, { follow: false });
  const st = fs.statInode(ino);
  const kind = fileTypeOfMode(st.mode);
  if (kind === 'dir' && !recursive) throw new FsError('EISDIR', 'is a directory (use -r)', { path: srcPath });
  let target = dest;
  if (existsSync(dest) && statSync(dest).isDirectory()) {
    const name = srcPath.split('/').filter(Boolean).pop();
    if (name) target = join(dest, name);
    else if (kind === 'dir') target = join(dest, 'image-root');
  }
  if (existsSync(target)) throw new FsError('EEXIST', 'destination exists', { path: target });
  const tmp = temporaryName(target);
  const copier = new Copier(fs);
  try {
    if (kind === 'dir')
      copier.tree(joinPath('/', srcPath.split('/').filter(Boolean).join('/')), ino, st, tmp);
    else copier.entry(srcPath, ino, st, tmp);
    copier.finish();
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return copier.report;
}
