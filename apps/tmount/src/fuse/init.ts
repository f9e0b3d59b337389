/**
 * Protocol negotiation (the INIT exchange): versions by the rules at the top of
 * fuse.h, and the subset of the kernel's offered features a read-only image
 * server wants.
 */
import {
  ERRNO,
  FUSE_KERNEL_MINOR_VERSION,
  FUSE_KERNEL_VERSION,
  FUSE_MAX_MAX_PAGES,
  FUSE_MIN_MINOR_VERSION,
  INIT_FLAGS,
  PAGE_SIZE,
} from './abi.js';
import type { InitReply } from './reply.js';

const F = INIT_FLAGS;

/**
 * Features asked for when the kernel offers them:
 * - ASYNC_READ: readahead and parallel reads of one file reach every serving thread.
 * - BIG_WRITES: no effect on a read-only mount; asked so that `max_write` is honoured.
 * - PARALLEL_DIROPS: lookups and readdirs in one directory need not queue behind each other.
 * - DO_READDIRPLUS, without READDIRPLUS_AUTO: every listing carries attributes, saving a
 *   LOOKUP per name. An image's directory records hold the attributes already, so a plus
 *   listing costs nothing more; in auto mode the kernel asks for plus only on a listing's
 *   first page, and `find` over 2,000 entries cold then sent 1,800 LOOKUPs.
 * - CACHE_SYMLINKS: symlink targets stay in the page cache (the image cannot change).
 * - MAX_PAGES: requests of up to 256 pages, so one READ moves 1 MiB.
 * Not asked: NO_OPENDIR_SUPPORT (OPENDIR is how FOPEN_CACHE_DIR is given, which keeps
 * listings cached across opens, worth more than the saved round trip), NO_OPEN_SUPPORT
 * (likewise FOPEN_KEEP_CACHE), EXPORT_SUPPORT (looking up ".." needs parents, which
 * the volume interface does not give), SPLICE_* (no splice from JavaScript), and
 * everything about writing, locking or ACLs.
 */
export const WANTED_FLAGS =
  F.FUSE_ASYNC_READ |
  F.FUSE_BIG_WRITES |
  F.FUSE_PARALLEL_DIROPS |
  F.FUSE_DO_READDIRPLUS |
  F.FUSE_CACHE_SYMLINKS |
  F.FUSE_MAX_PAGES;

/** Pages per request when MAX_PAGES is not agreed (the kernel's FUSE_DEFAULT_MAX_PAGES_PER_REQ). */
const DEFAULT_MAX_PAGES = 32;
/** Sizes the request buffer: writes never come to a read-only mount, but the kernel checks the room. */
export const MAX_WRITE = 128 * 1024;

export interface KernelInit {
  major: number;
  minor: number;
  maxReadahead: number;
  flags: number;
}

export type InitOutcome =
  | { kind: 'agreed'; reply: InitReply; maxRead: number }
  /** The kernel's major is newer: answer with ours and expect a second INIT. */
  | { kind: 'major-only'; major: number }
  | { kind: 'refused'; errno: number; message: string };

/** Bytes of payload a READ may ask for, given the configured maximum. */
export function readSizeFor(maxRead: number): number {
  const pages = Math.max(1, Math.min(FUSE_MAX_MAX_PAGES, Math.ceil(maxRead / PAGE_SIZE)));
  return pages * PAGE_SIZE;
}

export function negotiate(kernel: KernelInit, maxRead: number): InitOutcome {
  if (kernel.major > FUSE_KERNEL_VERSION) return { kind: 'major-only', major: FUSE_KERNEL_VERSION };
  if (kernel.major < FUSE_KERNEL_VERSION || kernel.minor < FUSE_MIN_MINOR_VERSION) {
    return {
      kind: 'refused',
      errno: ERRNO.EPROTO,
      message: `kernel FUSE protocol ${kernel.major}.${kernel.minor} is older than ${FUSE_KERNEL_VERSION}.${FUSE_MIN_MINOR_VERSION}`,
    };
  }
  const flags = (kernel.flags & WANTED_FLAGS) >>> 0;
  const readSize = readSizeFor(maxRead);
  const maxPages = flags & F.FUSE_MAX_PAGES ? readSize / PAGE_SIZE : DEFAULT_MAX_PAGES;
  return {
    kind: 'agreed',
    maxRead: Math.min(readSize, maxPages * PAGE_SIZE),
    reply: {
      major: FUSE_KERNEL_VERSION,
      minor: Math.min(kernel.minor, FUSE_KERNEL_MINOR_VERSION),
      // The kernel keeps the smaller of this and the mount's readahead at the time of
      // the reply, which mountFuse may have raised above the offer: allow a full READ.
      maxReadahead: Math.max(kernel.maxReadahead, readSize),
      flags,
      maxBackground: 0,
      congestionThreshold: 0,
      maxWrite: MAX_WRITE,
      timeGran: 1,
      maxPages: flags & F.FUSE_MAX_PAGES ? maxPages : 0,
    },
  };
}
