/**
 * The fuzzer's own failures, as opposed to what it finds in a target:
 * a bad option, a target module that cannot be loaded, an engine fault.
 */
export type FuzzErrorCode =
  /** An option or argument is invalid. */
  | 'EUSAGE'
  /** The target module is missing, does not export `fuzz`, or failed while loading or seeding. */
  | 'ETARGET'
  /** The corpus or crash directory cannot be read or written. */
  | 'EIO'
  /** The engine itself went wrong (the inspector, a worker that would not start). */
  | 'EENGINE';

export class FuzzError extends Error {
  override readonly name = 'FuzzError';
  readonly code: FuzzErrorCode;

  constructor(code: FuzzErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
