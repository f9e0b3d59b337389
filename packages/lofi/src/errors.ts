/**
 * Typed errors. A disk label that does not parse gives a LabelError and
 * nothing else; the device and mount tables give a LofiError. Both carry a
 * code a caller can switch on and a message naming what is wrong.
 */

/** What is wrong with a partition table. */
export type LabelErrorCode =
  /** The image could not be read. */
  | 'IO'
  /** A structure of the label itself is cut off by the end of the image. */
  | 'TRUNCATED'
  /** A partition or slice points past the end of the image. */
  | 'OUT_OF_RANGE'
  /** A logical partition, EBR or slice lies outside the partition that holds it. */
  | 'OUTSIDE_CONTAINER'
  /** An entry contradicts itself (end before start, zero geometry, bad sizes). */
  | 'BAD_ENTRY'
  /** The chain of extended boot records comes back to an EBR already read. */
  | 'EBR_LOOP'
  /** More of something than the limits allow (EBRs, GPT entries). */
  | 'LIMIT'
  /** Neither the primary nor the backup GPT header is usable. */
  | 'BAD_GPT'
  /** A label's checksum does not match. */
  | 'BAD_CHECKSUM';

export type LabelScheme = 'mbr' | 'gpt' | 'vtoc' | 'smi';

export class LabelError extends Error {
  override readonly name = 'LabelError';
  readonly code: LabelErrorCode;
  /** The table the fault is in. */
  readonly scheme: LabelScheme | undefined;
  /** The partition or slice the fault is about (`p5`, `s2`), when there is one. */
  readonly partition: string | undefined;

  constructor(
    code: LabelErrorCode,
    message: string,
    details: { scheme?: LabelScheme; partition?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.scheme = details.scheme;
    this.partition = details.partition;
  }
}

export function isLabelError(e: unknown, code?: LabelErrorCode): e is LabelError {
  return e instanceof LabelError && (code === undefined || e.code === code);
}

/** What went wrong with the device table, the mount table or their state directory. */
export type LofiErrorCode =
  /** No such device, file or mount. */
  | 'ENOENT'
  /** Already attached, in use or mounted. */
  | 'EBUSY'
  /** A malformed device name or argument. */
  | 'EINVAL'
  /** A partition device whose extent the file no longer covers. */
  | 'ENXIO'
  /** A table file that is not what this package writes. */
  | 'ECORRUPT'
  /** The state lock stayed held by a live process for too long. */
  | 'ETIMEDOUT'
  /** The state directory or an image cannot be used by this user. */
  | 'EACCES'
  /** Any other failure of the file system underneath. */
  | 'EIO';

export class LofiError extends Error {
  override readonly name = 'LofiError';
  readonly code: LofiErrorCode;
  constructor(code: LofiErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

export function isLofiError(e: unknown, code?: LofiErrorCode): e is LofiError {
  return e instanceof LofiError && (code === undefined || e.code === code);
}
