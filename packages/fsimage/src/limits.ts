/**
 * Limits applied to untrusted images. A corrupt or hostile image must not make
 * a reader hang or exhaust memory; each bound here is checked by the code that
 * could otherwise run away, and exceeding one is a typed error.
 */
export interface Limits {
  /** Largest file `readFile` will bring into memory. */
  maxFileBytes: number;
  /** Most entries one directory may yield. */
  maxDirEntries: number;
  /** Symlinks followed while resolving one path (Linux: 40). */
  maxSymlinkDepth: number;
  /** Longest path accepted or produced. */
  maxPathLength: number;
  /** Largest ratio of decompressed to compressed bytes for one block. */
  maxDecompressionRatio: number;
  /** Longest chain of continuation or indirection records followed for one object. */
  maxChainLength: number;
  /** Wall-clock budget of one operation, in milliseconds (0: none). */
  operationTimeoutMs: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxFileBytes: 1 << 30,
  maxDirEntries: 1 << 20,
  maxSymlinkDepth: 40,
  maxPathLength: 4096,
  maxDecompressionRatio: 1024,
  maxChainLength: 4096,
  operationTimeoutMs: 30_000,
});

export function resolveLimits(overrides: Partial<Limits> = {}): Limits {
  const limits = { ...DEFAULT_LIMITS, ...overrides };
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new RangeError(`limit ${key} must be a whole number ≥ 0`);
  }
  return limits;
}
