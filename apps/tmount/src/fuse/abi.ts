/**
 * The FUSE kernel protocol as this server speaks it: the numbers and layouts
 * of `include/uapi/linux/fuse.h` (protocol 7.38). Everything is little-endian
 * host order (x86-64 and arm64 alike). A test compiles a C program against the
 * kernel's header and checks every size, offset and constant below.
 */

/** Major version: a kernel with another major is answered with ours and re-sends INIT. */
export const FUSE_KERNEL_VERSION = 7;
/** Minor version of the structs below; the session speaks min(kernel's, this). */
export const FUSE_KERNEL_MINOR_VERSION = 38;
/**
 * Oldest minor accepted. From 7.23 on `fuse_init_out` has its full size and
 * every reply this server sends has the layout below, so nothing varies by minor.
 */
export const FUSE_MIN_MINOR_VERSION = 23;

export const FUSE_ROOT_ID = 1;
/** The kernel refuses to read requests into a smaller buffer. */
export const FUSE_MIN_READ_BUFFER = 8192;
/** Longest name the kernel accepts in a directory record (larger ones fail the whole READDIR). */
export const FUSE_NAME_MAX = 1024;
/** `d_ino` meaning "not known" (libfuse's convention). */
export const FUSE_UNKNOWN_INO = 0xffffffff;
/** `_IOR(229, 0, uint32_t)`: give a second descriptor the session of the first. */
export const FUSE_DEV_IOC_CLONE = 0x8004e500;
export const PAGE_SIZE = 4096;
/** The kernel's default `fs.fuse.max_pages_limit`: requests of at most 256 pages (1 MiB). */
export const FUSE_MAX_MAX_PAGES = 256;

/** Layout of one kernel struct: its size and the byte offset of each field used. */
export interface StructLayout {
  readonly size: number;
  readonly fields: Readonly<Record<string, number>>;
}

function layout<F extends Record<string, number>>(size: number, fields: F): { size: number; fields: F } {
  return { size, fields };
}

/** The structs read or written, by their names in fuse.h. */
export const STRUCTS = {
  fuse_in_header: layout(40, {
    len: 0,
    opcode: 4,
    unique: 8,
    nodeid: 16,
    uid: 24,
    gid: 28,
    pid: 32,
    total_extlen: 36,
  }),
  fuse_out_header: layout(16, { len: 0, error: 4, unique: 8 }),
  fuse_attr: layout(88, {
    ino: 0,
    size: 8,
    blocks: 16,
    atime: 24,
    mtime: 32,
    ctime: 40,
    atimensec: 48,
    mtimensec: 52,
    ctimensec: 56,
    mode: 60,
    nlink: 64,
    uid: 68,
    gid: 72,
    rdev: 76,
    blksize: 80,
    flags: 84,
  }),
  fuse_kstatfs: layout(80, {
    blocks: 0,
    bfree: 8,
    bavail: 16,
    files: 24,
    ffree: 32,
    bsize: 40,
    namelen: 44,
    frsize: 48,
  }),
  fuse_init_in: layout(64, { major: 0, minor: 4, max_readahead: 8, flags: 12, flags2: 16 }),
  fuse_init_out: layout(64, {
    major: 0,
    minor: 4,
    max_readahead: 8,
    flags: 12,
    max_background: 16,
    congestion_threshold: 18,
    max_write: 20,
    time_gran: 24,
    max_pages: 28,
    map_alignment: 30,
    flags2: 32,
  }),
  fuse_entry_out: layout(128, {
    nodeid: 0,
    generation: 8,
    entry_valid: 16,
    attr_valid: 24,
    entry_valid_nsec: 32,
    attr_valid_nsec: 36,
    attr: 40,
  }),
  fuse_attr_out: layout(104, { attr_valid: 0, attr_valid_nsec: 8, attr: 16 }),
  fuse_getattr_in: layout(16, { getattr_flags: 0, fh: 8 }),
  fuse_forget_in: layout(8, { nlookup: 0 }),
  fuse_forget_one: layout(16, { nodeid: 0, nlookup: 8 }),
  fuse_batch_forget_in: layout(8, { count: 0 }),
  fuse_open_in: layout(8, { flags: 0, open_flags: 4 }),
  fuse_open_out: layout(16, { fh: 0, open_flags: 8 }),
  fuse_read_in: layout(40, { fh: 0, offset: 8, size: 16, read_flags: 20, lock_owner: 24, flags: 32 }),
  fuse_release_in: layout(24, { fh: 0, flags: 8, release_flags: 12, lock_owner: 16 }),
  fuse_flush_in: layout(24, { fh: 0, lock_owner: 16 }),
  fuse_fsync_in: layout(16, { fh: 0, fsync_flags: 8 }),
  fuse_getxattr_in: layout(8, { size: 0 }),
  fuse_setxattr_in: layout(16, { size: 0, flags: 4, setxattr_flags: 8 }),
  fuse_getxattr_out: layout(8, { size: 0 }),
  fuse_access_in: layout(8, { mask: 0 }),
  fuse_interrupt_in: layout(8, { unique: 0 }),
  fuse_statfs_out: layout(80, { st: 0 }),
  fuse_dirent: layout(24, { ino: 0, off: 8, namelen: 16, type: 20, name: 24 }),
  fuse_direntplus: layout(152, { entry_out: 0, dirent: 128 }),
  // Requests answered without reading them; their sizes bound the decoder.
  fuse_setattr_in: layout(88, { valid: 0 }),
  fuse_mknod_in: layout(16, { mode: 0 }),
  fuse_mkdir_in: layout(8, { mode: 0 }),
  fuse_rename_in: layout(8, { newdir: 0 }),
  fuse_rename2_in: layout(16, { newdir: 0, flags: 8 }),
  fuse_link_in: layout(8, { oldnodeid: 0 }),
  fuse_write_in: layout(40, { fh: 0, offset: 8, size: 16 }),
  fuse_create_in: layout(16, { flags: 0, mode: 4 }),
  fuse_lk_in: layout(48, { fh: 0, owner: 8, lk: 16, lk_flags: 40 }),
  fuse_bmap_in: layout(16, { block: 0, blocksize: 8 }),
  fuse_ioctl_in: layout(32, { fh: 0, flags: 8, cmd: 12, arg: 16, in_size: 24, out_size: 28 }),
  fuse_poll_in: layout(24, { fh: 0, kh: 8, flags: 16, events: 20 }),
  fuse_fallocate_in: layout(32, { fh: 0, offset: 8, length: 16, mode: 24 }),
  fuse_lseek_in: layout(24, { fh: 0, offset: 8, whence: 16 }),
  fuse_copy_file_range_in: layout(56, { fh_in: 0, off_in: 8, nodeid_out: 16 }),
  fuse_setupmapping_in: layout(40, { fh: 0 }),
  fuse_removemapping_in: layout(4, { count: 0 }),
  fuse_syncfs_in: layout(8, {}),
} as const satisfies Record<string, StructLayout>;

export type StructName = keyof typeof STRUCTS;

/** Sizes the kernel sends for structs that grew, when the growth is not negotiated. */
export const COMPAT_SIZES = {
  /** `fuse_setxattr_in` unless FUSE_SETXATTR_EXT was agreed, which this server never asks for. */
  FUSE_COMPAT_SETXATTR_IN_SIZE: 8,
} as const;

/** INIT flags (`fuse_init_in.flags` / `fuse_init_out.flags`, the low 32 bits). */
export const INIT_FLAGS = {
  FUSE_ASYNC_READ: 1 << 0,
  FUSE_POSIX_LOCKS: 1 << 1,
  FUSE_ATOMIC_O_TRUNC: 1 << 3,
  FUSE_EXPORT_SUPPORT: 1 << 4,
  FUSE_BIG_WRITES: 1 << 5,
  FUSE_DONT_MASK: 1 << 6,
  FUSE_SPLICE_WRITE: 1 << 7,
  FUSE_SPLICE_MOVE: 1 << 8,
  FUSE_SPLICE_READ: 1 << 9,
  FUSE_FLOCK_LOCKS: 1 << 10,
  FUSE_HAS_IOCTL_DIR: 1 << 11,
  FUSE_AUTO_INVAL_DATA: 1 << 12,
  FUSE_DO_READDIRPLUS: 1 << 13,
  FUSE_READDIRPLUS_AUTO: 1 << 14,
  FUSE_ASYNC_DIO: 1 << 15,
  FUSE_WRITEBACK_CACHE: 1 << 16,
  FUSE_NO_OPEN_SUPPORT: 1 << 17,
  FUSE_PARALLEL_DIROPS: 1 << 18,
  FUSE_HANDLE_KILLPRIV: 1 << 19,
  FUSE_POSIX_ACL: 1 << 20,
  FUSE_ABORT_ERROR: 1 << 21,
  FUSE_MAX_PAGES: 1 << 22,
  FUSE_CACHE_SYMLINKS: 1 << 23,
  FUSE_NO_OPENDIR_SUPPORT: 1 << 24,
  FUSE_EXPLICIT_INVAL_DATA: 1 << 25,
  FUSE_MAP_ALIGNMENT: 1 << 26,
  FUSE_SUBMOUNTS: 1 << 27,
  FUSE_HANDLE_KILLPRIV_V2: 1 << 28,
  FUSE_SETXATTR_EXT: 1 << 29,
  FUSE_INIT_EXT: 1 << 30,
} as const;

/** `fuse_open_out.open_flags`. */
export const FOPEN = {
  FOPEN_DIRECT_IO: 1 << 0,
  FOPEN_KEEP_CACHE: 1 << 1,
  FOPEN_NONSEEKABLE: 1 << 2,
  FOPEN_CACHE_DIR: 1 << 3,
  FOPEN_STREAM: 1 << 4,
  FOPEN_NOFLUSH: 1 << 5,
} as const;

/**
 * How the session treats an opcode:
 * - a named handler (`lookup`, `read` …) answers from the volume;
 * - `readonly-ok`: nothing to do on a read-only volume, success;
 * - `erofs`: a modification, answered EROFS;
 * - `nosys`: not provided, answered ENOSYS (the kernel then stops asking or falls back);
 * - `silent`: the protocol forbids a reply.
 */
export type OpKind =
  | 'init'
  | 'destroy'
  | 'lookup'
  | 'getattr'
  | 'readlink'
  | 'open'
  | 'read'
  | 'opendir'
  | 'readdir'
  | 'readdirplus'
  | 'statfs'
  | 'access'
  | 'getxattr'
  | 'listxattr'
  | 'readonly-ok'
  | 'erofs'
  | 'nosys'
  | 'silent';

/** What follows the fixed part of a request body. */
export type Trailer = 'none' | 'name' | 'two-names' | 'data';

export interface OpInfo {
  readonly opcode: number;
  /** The name in fuse.h without the `FUSE_` prefix. */
  readonly name: string;
  readonly kind: OpKind;
  /** The fixed struct that starts the body, if any. */
  readonly body: StructName | null;
  /** Bytes of the body the kernel always sends (the struct, or its compat size). */
  readonly minBody: number;
  readonly trailer: Trailer;
}

type OpRow = [opcode: number, name: string, kind: OpKind, body: StructName | null, trailer?: Trailer];

/** The opcode table of `enum fuse_opcode`. */
const OP_ROWS: readonly OpRow[] = [
  [1, 'LOOKUP', 'lookup', null, 'name'],
  [2, 'FORGET', 'silent', 'fuse_forget_in'],
  [3, 'GETATTR', 'getattr', 'fuse_getattr_in'],
  [4, 'SETATTR', 'erofs', 'fuse_setattr_in'],
  [5, 'READLINK', 'readlink', null],
  [6, 'SYMLINK', 'erofs', null, 'two-names'],
  [8, 'MKNOD', 'erofs', 'fuse_mknod_in', 'name'],
  [9, 'MKDIR', 'erofs', 'fuse_mkdir_in', 'name'],
  [10, 'UNLINK', 'erofs', null, 'name'],
  [11, 'RMDIR', 'erofs', null, 'name'],
  [12, 'RENAME', 'erofs', 'fuse_rename_in', 'two-names'],
  [13, 'LINK', 'erofs', 'fuse_link_in', 'name'],
  [14, 'OPEN', 'open', 'fuse_open_in'],
  [15, 'READ', 'read', 'fuse_read_in'],
  [16, 'WRITE', 'erofs', 'fuse_write_in', 'data'],
  [17, 'STATFS', 'statfs', null],
  [18, 'RELEASE', 'readonly-ok', 'fuse_release_in'],
  [20, 'FSYNC', 'readonly-ok', 'fuse_fsync_in'],
  [21, 'SETXATTR', 'erofs', 'fuse_setxattr_in', 'data'],
  [22, 'GETXATTR', 'getxattr', 'fuse_getxattr_in', 'name'],
  [23, 'LISTXATTR', 'listxattr', 'fuse_getxattr_in'],
  [24, 'REMOVEXATTR', 'erofs', null, 'name'],
  [25, 'FLUSH', 'readonly-ok', 'fuse_flush_in'],
  [26, 'INIT', 'init', 'fuse_init_in', 'data'],
  [27, 'OPENDIR', 'opendir', 'fuse_open_in'],
  [28, 'READDIR', 'readdir', 'fuse_read_in'],
  [29, 'RELEASEDIR', 'readonly-ok', 'fuse_release_in'],
  [30, 'FSYNCDIR', 'readonly-ok', 'fuse_fsync_in'],
  [31, 'GETLK', 'nosys', 'fuse_lk_in'],
  [32, 'SETLK', 'nosys', 'fuse_lk_in'],
  [33, 'SETLKW', 'nosys', 'fuse_lk_in'],
  [34, 'ACCESS', 'access', 'fuse_access_in'],
  [35, 'CREATE', 'erofs', 'fuse_create_in', 'name'],
  [36, 'INTERRUPT', 'silent', 'fuse_interrupt_in'],
  [37, 'BMAP', 'nosys', 'fuse_bmap_in'],
  [38, 'DESTROY', 'destroy', null],
  [39, 'IOCTL', 'nosys', 'fuse_ioctl_in', 'data'],
  [40, 'POLL', 'nosys', 'fuse_poll_in'],
  [41, 'NOTIFY_REPLY', 'silent', null, 'data'],
  [42, 'BATCH_FORGET', 'silent', 'fuse_batch_forget_in', 'data'],
  [43, 'FALLOCATE', 'erofs', 'fuse_fallocate_in'],
  [44, 'READDIRPLUS', 'readdirplus', 'fuse_read_in'],
  [45, 'RENAME2', 'erofs', 'fuse_rename2_in', 'two-names'],
  [46, 'LSEEK', 'nosys', 'fuse_lseek_in'],
  [47, 'COPY_FILE_RANGE', 'erofs', 'fuse_copy_file_range_in'],
  [48, 'SETUPMAPPING', 'nosys', 'fuse_setupmapping_in'],
  [49, 'REMOVEMAPPING', 'nosys', 'fuse_removemapping_in', 'data'],
  [50, 'SYNCFS', 'readonly-ok', 'fuse_syncfs_in'],
  [51, 'TMPFILE', 'erofs', 'fuse_create_in', 'name'],
];

/** Minimum body sizes that differ from the struct's size. */
const MIN_BODY_OVERRIDES: Readonly<Record<string, number>> = {
  // Before 7.36 `fuse_init_in` ended where `flags2` now starts.
  INIT: STRUCTS.fuse_init_in.fields.flags2,
  SETXATTR: COMPAT_SIZES.FUSE_COMPAT_SETXATTR_IN_SIZE,
};

export const OPCODES: ReadonlyMap<number, OpInfo> = new Map(
  OP_ROWS.map(([opcode, name, kind, body, trailer = 'none']) => [
    opcode,
    {
      opcode,
      name,
      kind,
      body,
      minBody: MIN_BODY_OVERRIDES[name] ?? (body ? STRUCTS[body].size : 0),
      trailer,
    },
  ]),
);

/** Access modes of `fuse_access_in.mask` (unistd.h). */
export const ACCESS_MODE = { R_OK: 4, W_OK: 2, X_OK: 1 } as const;

/** `O_ACCMODE` and the open flags that would modify a file. */
export const OPEN_FLAGS = { O_ACCMODE: 3, O_RDONLY: 0, O_TRUNC: 0o1000 } as const;

/** Linux errno values the session answers with (FUSE replies carry them negated). */
export const ERRNO = {
  ENOENT: 2,
  EIO: 5,
  EACCES: 13,
  EINVAL: 22,
  EROFS: 30,
  ERANGE: 34,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  ENODATA: 61,
  EPROTO: 71,
  ESTALE: 116,
} as const;

/** `d_type` values the session writes itself (dirent.h); the others come from @x/fsimage's FILE_TYPES. */
export const DIRENT_TYPE = { DT_UNKNOWN: 0, DT_DIR: 4 } as const;
