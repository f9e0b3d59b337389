/** The typed errors of the FUSE layer. */

/**
 * A request from `/dev/fuse` that does not have the shape its opcode needs.
 * Returned, not thrown, by the decoder. When the header itself was readable the
 * request can still be answered (with EIO), so its unique id travels along.
 */
export class FuseProtocolError extends Error {
  override readonly name = 'FuseProtocolError';
  constructor(
    message: string,
    /** Opcode of the request, when the header was readable. */
    readonly opcode?: number,
    /** Unique id of the request as its low and high 32 bits, when readable. */
    readonly unique?: { lo: number; hi: number },
  ) {
    super(message);
  }
}

/** Mounting or unmounting failed; `code` is the errno name (ENOTEMPTY, EPERM …). */
export class FuseMountError extends Error {
  override readonly name: string = 'FuseMountError';
  constructor(
    readonly code: string,
    readonly mountPoint: string,
    message: string,
  ) {
    super(`${mountPoint}: ${message}`);
  }
}

/** The mount point is in use (a process has its working directory or a file open there). */
export class FuseBusyError extends FuseMountError {
  override readonly name = 'FuseBusyError';
  constructor(mountPoint: string) {
    super(
      'EBUSY',
      mountPoint,
      'mount point is busy (a process uses a file or directory under it); close it or unmount lazily',
    );
  }
}

/** What the FUSE layer needs from the host is missing (the FFI module, /dev/fuse, fusermount3). */
export class FuseUnavailableError extends Error {
  override readonly name = 'FuseUnavailableError';
}
