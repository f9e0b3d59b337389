/**
 * The FUSE server of tmount: mount a FileSystem from @x/fsimage on a directory
 * and serve it read-only over the kernel protocol, spoken directly on /dev/fuse.
 */
export {
  FUSE_KERNEL_MINOR_VERSION,
  FUSE_KERNEL_VERSION,
} from './abi.js';
export { decodeRequest, type Request } from './decode.js';
export { FuseBusyError, FuseMountError, FuseProtocolError, FuseUnavailableError } from './errors.js';
export type { EndReason, SessionEnd } from './loop.js';
export {
  checkMountPoint,
  cloneFuseDevice,
  DEFAULT_READAHEAD_KIB,
  type MountFuseOptions,
  mountFuse,
  openFuseDevice,
  type UnmountOptions,
  unmountFuse,
} from './mount.js';
export { type KernelMount, kernelMountAt, kernelMounts, parseMountInfo } from './mountinfo.js';
export { ReplyBuffer } from './reply.js';
export { defaultThreadCount, type FuseServer, type ServeFuseOptions, serveFuse } from './server.js';
export {
  DEFAULT_CACHE_SECONDS,
  DEFAULT_MAX_READ,
  FuseSession,
  type SessionInit,
  type SessionOptions,
} from './session.js';
export type { ImageSpec } from './spec.js';
