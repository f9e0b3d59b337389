/**
 * The system-call table: number → handler, built from the rows each module
 * exports. A number without a row is answered ENOSYS and counted for --stats.
 */
import { FILE_SYSCALLS } from './files.js';
import { FS_SYSCALLS } from './fs-ops.js';
import { MEMFD_SYSCALLS } from './memfd.js';
import { MEMORY_SYSCALLS } from './memory.js';
import { SYSCALL_NUMBERS } from './numbers.js';
import { PROCESS_SYSCALLS } from './process-calls.js';
import { SIGNAL_SYSCALLS } from './signal-calls.js';
import { TERMINAL_SYSCALLS } from './terminal.js';
import { TIME_SYSCALLS } from './time.js';
import type { SyscallRow, SyscallSpec } from './types.js';

const ROWS: readonly SyscallRow[] = [
  ...FILE_SYSCALLS,
  ...FS_SYSCALLS,
  ...TERMINAL_SYSCALLS,
  ...MEMORY_SYSCALLS,
  ...MEMFD_SYSCALLS,
  ...PROCESS_SYSCALLS,
  ...TIME_SYSCALLS,
  ...SIGNAL_SYSCALLS,
];

function build(): Array<SyscallSpec | undefined> {
  const table: Array<SyscallSpec | undefined> = [];
  for (const [name, handler, args, hexResult] of ROWS) {
    const number = SYSCALL_NUMBERS[name];
    if (table[number]) throw new Error(`system call ${name} is in the table twice`);
    table[number] = { name, handler, args, hexResult: hexResult ?? false };
  }
  return table;
}

export const SYSCALL_TABLE: ReadonlyArray<SyscallSpec | undefined> = build();

/** The names of the implemented calls (for documentation and tests). */
export function implementedSyscalls(): string[] {
  return ROWS.map(([name]) => name).sort();
}
