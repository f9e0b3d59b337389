/**
 * The shape of a system call handler and of its table entry. A handler
 * returns the value for rax (a negative errno on failure), or undefined when
 * it has set the registers itself (rt_sigreturn) or does not return (exit).
 */
import type { LinuxProcess } from '../process.js';
import type { SyscallArgs } from '../registers.js';
import type { ArgFormat } from '../trace.js';
import type { SyscallName } from './numbers.js';

export type SyscallHandler = (p: LinuxProcess, a: SyscallArgs) => number | undefined;

export interface SyscallSpec {
  name: SyscallName;
  handler: SyscallHandler;
  /** How --trace shows the arguments (none: the call takes none worth showing). */
  args?: readonly ArgFormat[];
  /** The result is an address: show it in hex. */
  hexResult?: boolean;
}

/** A table row: [name, handler, argument formats, hex result]. */
export type SyscallRow = readonly [SyscallName, SyscallHandler, (readonly ArgFormat[])?, boolean?];
