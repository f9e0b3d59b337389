/**
 * Typed errors of the Linux runtime. A program x86-run cannot start (not an
 * ELF file, a dynamic one, a truncated header, arguments too large for the
 * stack) gives a LinuxRunError with a code; what happens once the guest runs
 * is reported to the guest (errno, signals), never thrown.
 */

export type LinuxRunErrorCode =
  /** The file does not start with the ELF magic. */
  | 'NOT_ELF'
  /** An ELF file for another class, byte order or machine than x86-64. */
  | 'NOT_X86_64'
  /** Neither ET_EXEC nor ET_DYN (a relocatable object, a core file). */
  | 'NOT_EXECUTABLE'
  /** It asks for a program interpreter (PT_INTERP): a dynamically linked program. */
  | 'DYNAMIC'
  /** A header, program header or segment lies past the end of the file. */
  | 'TRUNCATED'
  /** A header field contradicts itself or the architecture (sizes, alignment, addresses). */
  | 'BAD_ELF'
  /** The arguments and environment do not fit on the stack (E2BIG). */
  | 'E2BIG'
  /** Guest physical memory is exhausted while loading. */
  | 'ENOMEM'
  /** The program file cannot be read. */
  | 'IO'
  /** A bad option to runLinuxProgram. */
  | 'EINVAL';

export class LinuxRunError extends Error {
  override readonly name = 'LinuxRunError';
  readonly code: LinuxRunErrorCode;
  /** The program the error is about. */
  readonly path: string | undefined;

  constructor(code: LinuxRunErrorCode, message: string, details: { path?: string; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.path = details.path;
  }
}

export function isLinuxRunError(e: unknown, code?: LinuxRunErrorCode): e is LinuxRunError {
  return e instanceof LinuxRunError && (code === undefined || e.code === code);
}

/**
 * A guest pointer a system call could not use: the handler's caller turns it
 * into -EFAULT. `address` is the first byte that did not translate.
 */
export class GuestFault extends Error {
  override readonly name = 'GuestFault';
  readonly address: number;
  constructor(address: number) {
    super(`bad guest address 0x${BigInt.asUintN(64, BigInt(address)).toString(16)}`);
    this.address = address;
  }
}
