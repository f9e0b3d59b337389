/**
 * The one error class of the package. Page faults are not errors: they are
 * architectural outcomes, reported by `Mmu.translate` returning -1. A
 * MemoryError means the caller asked for something impossible.
 */

export type MemoryErrorCode =
  /** No free frame is left. */
  | 'ENOMEM'
  /** A malformed argument: unaligned address, bad length, bad owner, bad option. */
  | 'EINVAL'
  /** The frame is not owned by the domain that claims it. */
  | 'EPERM'
  /** A physical address outside the RAM. */
  | 'EFAULT';

export class MemoryError extends Error {
  override readonly name = 'MemoryError';
  readonly code: MemoryErrorCode;
  constructor(code: MemoryErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export function isMemoryError(e: unknown, code?: MemoryErrorCode): e is MemoryError {
  return e instanceof MemoryError && (code === undefined || e.code === code);
}

/** Formats an address for messages; a negative linear address prints as its canonical 64-bit form. */
export function hex(address: number): string {
  if (!Number.isSafeInteger(address)) return String(address);
  const value = address < 0 ? (1n << 64n) + BigInt(address) : BigInt(address);
  return `0x${value.toString(16)}`;
}
