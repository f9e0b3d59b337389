/**
 * @x/fsimage: the stable, read-only file-system image API. Plugins implement
 * `FsPlugin` and `Volume`; callers use `openImage` and the `FileSystem` path layer.
 */
export {
  type BlockSource,
  FileBlockSource,
  MemoryBlockSource,
  readBytes,
  SliceBlockSource,
} from './block-source.js';
export { type CopyReport, copyOut } from './copy.js';
export {
  corrupt,
  ERRNO,
  FsError,
  type FsErrorCode,
  type FsErrorDetails,
  isFsError,
  toFsError,
} from './errors.js';
export { FileSystem, joinPath, type ResolveOptions, type WalkEntry } from './filesystem.js';
export { OperationGuard } from './guard.js';
export { HostDirVolume } from './host-volume.js';
export { DEFAULT_LIMITS, type Limits, resolveLimits } from './limits.js';
export {
  choosePlugin,
  fileSystemOf,
  type OpenOptions,
  openImage,
  type ProbeMatch,
  probeAll,
} from './open.js';
export {
  FSIMAGE_API_VERSION,
  type FsPlugin,
  findPlugin,
  registeredPlugins,
  registerPlugin,
  unregisterPlugin,
} from './plugin.js';
export {
  type DirEntry,
  type DirPage,
  direntTypeOf,
  FILE_TYPES,
  type FileType,
  fileTypeOfMode,
  ifmtOf,
  type MountOptions,
  type ProbeResult,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  S_IFSOCK,
  type Stat,
  type StatFs,
  type Timespec,
  typeLetterOf,
  type Volume,
  type VolumeInfo,
} from './volume.js';
