/**
 * The inode-centred volume interface every plugin implements: the shape of a
 * FUSE low-level server. Inode numbers are plugin-defined and stable for the
 * life of a mount; path walking lives once in the FileSystem layer above.
 */
import type { BlockSource } from './block-source.js';
import type { OperationGuard } from './guard.js';
import type { Limits } from './limits.js';

/** POSIX file-type bits of `st_mode`. */
export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;

export type FileType = 'file' | 'dir' | 'symlink' | 'chardev' | 'blockdev' | 'fifo' | 'socket';

/** The file-type table: `st_mode` type bits ⇄ names ⇄ the DT_* values of getdents. */
export const FILE_TYPES: ReadonlyArray<{ type: FileType; ifmt: number; dt: number; letter: string }> = [
  { type: 'fifo', ifmt: S_IFIFO, dt: 1, letter: 'p' },
  { type: 'chardev', ifmt: S_IFCHR, dt: 2, letter: 'c' },
  { type: 'dir', ifmt: S_IFDIR, dt: 4, letter: 'd' },
  { type: 'blockdev', ifmt: S_IFBLK, dt: 6, letter: 'b' },
  { type: 'file', ifmt: S_IFREG, dt: 8, letter: '-' },
  { type: 'symlink', ifmt: S_IFLNK, dt: 10, letter: 'l' },
  { type: 'socket', ifmt: S_IFSOCK, dt: 12, letter: 's' },
];

const BY_IFMT = new Map(FILE_TYPES.map((t) => [t.ifmt, t]));
const BY_TYPE = new Map(FILE_TYPES.map((t) => [t.type, t]));

export function fileTypeOfMode(mode: number): FileType {
  return BY_IFMT.get(mode & S_IFMT)?.type ?? 'file';
}
export function ifmtOf(type: FileType): number {
  return BY_TYPE.get(type)!.ifmt;
}
export function direntTypeOf(type: FileType): number {
  return BY_TYPE.get(type)!.dt;
}
export function typeLetterOf(mode: number): string {
  return BY_IFMT.get(mode & S_IFMT)?.letter ?? '?';
}

export interface Timespec {
  sec: number;
  nsec: number;
}

export interface Stat {
  ino: number;
  /** Type bits and permission bits, as in `st_mode`. */
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  size: number;
  /** 512-byte blocks allocated. */
  blocks: number;
  /** Preferred I/O size. */
  blksize: number;
  /** Device number of a character or block special file, split. */
  rdevMajor: number;
  rdevMinor: number;
  atime: Timespec;
  mtime: Timespec;
  ctime: Timespec;
  birthtime?: Timespec;
}

export interface DirEntry {
  name: string;
  ino: number;
  type: FileType;
  /** Cursor that resumes the listing after this entry (never 0). */
  next: number;
  /** The entry's attributes, when the directory record already holds them. */
  stat?: Stat;
}

export interface DirPage {
  entries: DirEntry[];
  /** True when the directory has no entries after the last one returned. */
  done: boolean;
  /**
   * Set by the path layer when it dropped entries it cannot list: the cursor
   * to continue from, which a page with no entries left would otherwise lack.
   */
  resume?: number;
}

export interface StatFs {
  blockSize: number;
  blocks: number;
  blocksFree: number;
  files: number;
  filesFree: number;
  nameMax: number;
}

/** Plugin-specific facts for `fsimage info`: ordered label/value rows and optional sections. */
export interface VolumeInfo {
  rows: Array<[string, string]>;
  sections?: Array<{ title: string; rows: Array<[string, string]> }>;
}

/**
 * A mounted file system. Inode numbers are positive safe integers chosen by
 * the plugin, stable for the life of the mount and decodable without state
 * (a FUSE server hands them back long after the lookup that produced them).
 */
export interface Volume {
  /** The plugin's canonical name. */
  readonly fsType: string;
  /** Inode of the root directory. */
  readonly root: number;
  /** Inode of `name` in directory `dir` (never "." or ".."); ENOENT if absent, ENOTDIR if `dir` is not one. */
  lookup(dir: number, name: string): number;
  stat(ino: number): Stat;
  /**
   * Up to `max` entries of directory `dir`, starting at `cursor` (0: the
   * beginning). "." and ".." are not listed.
   */
  readdir(dir: number, cursor: number, max: number): DirPage;
  readlink(ino: number): string;
  /** Read file bytes at `position` into `buf`; returns the count (short only at end of file). */
  read(ino: number, buf: Uint8Array, position: number): number;
  statfs(): StatFs;
  label(): string | undefined;
  uuid(): string | undefined;
  info(): VolumeInfo;
  close(): void;
}

export interface MountOptions {
  limits: Limits;
  guard: OperationGuard;
  /** Plugin-specific options (`norock`, `nojoliet`, `session=1` …), as given to `-o`. */
  options: Readonly<Record<string, string | true>>;
  /** Non-fatal findings (an image needing journal recovery, a checksum mismatch ignored …). */
  warn(message: string): void;
}

export interface ProbeResult {
  /** The plugin's name for what it found, if narrower than its own (e.g. `ext4`). */
  variant?: string;
  label?: string;
}

export type { BlockSource };
