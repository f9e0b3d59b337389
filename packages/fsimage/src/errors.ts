/**
 * Typed errors. Every failure a caller can meet while reading an image is an
 * FsError with a POSIX-style code, so that a CLI can print it, a FUSE server can
 * answer with the errno, and a test can assert on it.
 */

/** The codes, with the Linux errno each maps to (FUSE replies carry -errno). */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  EBADF: 9,
  ENOMEM: 12,
  EACCES: 13,
  EBUSY: 16,
  EEXIST: 17,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  EFBIG: 27,
  EROFS: 30,
  ERANGE: 34,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  ELOOP: 40,
  ENODATA: 61,
  EOVERFLOW: 75,
  ENOTSUP: 95,
  ETIMEDOUT: 110,
  /** Linux spells it EUCLEAN; file systems use it for "structure needs cleaning". */
  EFSCORRUPTED: 117,
} as const;

export type FsErrorCode = keyof typeof ERRNO;

export interface FsErrorDetails {
  /** Path inside the image, when the operation had one. */
  path?: string;
  /** Inode the operation was about. */
  ino?: number;
  /** The plugin that raised it (`iso9660`, …). */
  plugin?: string;
  /** The underlying error, if this wraps one. */
  cause?: unknown;
}

export class FsError extends Error {
  override readonly name = 'FsError';
  readonly code: FsErrorCode;
  readonly path: string | undefined;
  readonly ino: number | undefined;
  readonly plugin: string | undefined;

  constructor(code: FsErrorCode, message: string, details: FsErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.path = details.path;
    this.ino = details.ino;
    this.plugin = details.plugin;
  }

  /** The positive Linux errno for this code. */
  get errno(): number {
    return ERRNO[this.code];
  }

  /** A one-line description naming what is wrong and where. */
  describe(): string {
    const where: string[] = [];
    if (this.plugin) where.push(this.plugin);
    if (this.path !== undefined) where.push(this.path);
    else if (this.ino !== undefined) where.push(`inode ${this.ino}`);
    return `${where.length ? `${where.join(': ')}: ` : ''}${this.message} (${this.code})`;
  }

  /** A copy carrying a path, for errors raised below the path layer. */
  withPath(path: string): FsError {
    if (this.path !== undefined) return this;
    const copy = new FsError(this.code, this.message, {
      path,
      ino: this.ino,
      plugin: this.plugin,
      cause: this.cause,
    });
    copy.stack = this.stack;
    return copy;
  }
}

export function isFsError(e: unknown, code?: FsErrorCode): e is FsError {
  return e instanceof FsError && (code === undefined || e.code === code);
}

/** Shorthand for the most common kind: the image does not hold what the format says it must. */
export function corrupt(
  plugin: string,
  message: string,
  details: Omit<FsErrorDetails, 'plugin'> = {},
): FsError {
  return new FsError('EFSCORRUPTED', message, { ...details, plugin });
}

/**
 * Turn anything a plugin threw into an FsError. A plugin that trips over a
 * corrupt image with a RangeError (a DataView read past its end, say) must not
 * crash its caller: such faults become EFSCORRUPTED with the original as cause.
 */
export function toFsError(e: unknown, details: FsErrorDetails = {}): FsError {
  if (e instanceof FsError) return details.path !== undefined ? e.withPath(details.path) : e;
  if (e instanceof RangeError || e instanceof TypeError) {
    return new FsError('EFSCORRUPTED', `malformed structure: ${e.message}`, { ...details, cause: e });
  }
  const sys = e as NodeJS.ErrnoException;
  if (sys && typeof sys.code === 'string' && sys.code in ERRNO) {
    return new FsError(sys.code as FsErrorCode, sys.message, { ...details, cause: e });
  }
  const message = e instanceof Error ? e.message : String(e);
  return new FsError('EIO', message, { ...details, cause: e });
}
