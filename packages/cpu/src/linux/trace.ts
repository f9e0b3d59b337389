/**
 * strace-style lines for --trace: `openat(AT_FDCWD, "/etc/passwd", O_RDONLY) = 3`,
 * `read(3, "root:x:0:0"..., 4096) = 1024`, `= -1 ENOENT (No such file or directory)`.
 * Each system call names the formats of its arguments; buffers a call fills
 * are printed after it returns, with the result as their length.
 */
import { errnoMessage, errnoName } from './errno.js';
import { hex64 } from './registers.js';
import { SIG, signalName } from './signal-numbers.js';
import type { UserMemory } from './user-memory.js';

export type ArgFormat =
  /** signed int */
  | 'd'
  /** unsigned long, decimal */
  | 'u'
  /** hexadecimal (addresses, masks) */
  | 'x'
  /** a file descriptor, AT_FDCWD for -100 */
  | 'fd'
  /** a NUL-terminated path */
  | 'path'
  /** a buffer the call reads: its length is the next argument */
  | 'in'
  /** a buffer the call fills: its length is the result */
  | 'out'
  /** open flags */
  | 'oflags'
  /** octal mode */
  | 'mode'
  /** PROT_* */
  | 'prot'
  /** MAP_* */
  | 'mflags'
  /** a signal number */
  | 'sig';

/** How many bytes of a string or buffer a line shows (strace -s 32). */
const MAX_SHOWN = 32;

function quote(bytes: Uint8Array, truncated: boolean): string {
  let s = '"';
  for (const b of bytes) {
    if (b === 0x22) s += '\\"';
    else if (b === 0x5c) s += '\\\\';
    else if (b === 0x0a) s += '\\n';
    else if (b === 0x09) s += '\\t';
    else if (b === 0x0d) s += '\\r';
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `${s}"${truncated ? '...' : ''}`;
}

const OPEN_FLAGS: Array<[number, string]> = [
  [0o100, 'O_CREAT'],
  [0o200, 'O_EXCL'],
  [0o400, 'O_NOCTTY'],
  [0o1000, 'O_TRUNC'],
  [0o2000, 'O_APPEND'],
  [0o4000, 'O_NONBLOCK'],
  [0o4010000, 'O_SYNC'],
  [0o10000, 'O_DSYNC'],
  [0o40000, 'O_DIRECT'],
  [0o100000, 'O_LARGEFILE'],
  [0o200000, 'O_DIRECTORY'],
  [0o400000, 'O_NOFOLLOW'],
  [0o1000000, 'O_NOATIME'],
  [0o2000000, 'O_CLOEXEC'],
  [0o10000000, 'O_PATH'],
];

const PROT_FLAGS: Array<[number, string]> = [
  [1, 'PROT_READ'],
  [2, 'PROT_WRITE'],
  [4, 'PROT_EXEC'],
];

const MAP_FLAGS: Array<[number, string]> = [
  [0x10, 'MAP_FIXED'],
  [0x20, 'MAP_ANONYMOUS'],
  [0x40, 'MAP_32BIT'],
  [0x100, 'MAP_GROWSDOWN'],
  [0x800, 'MAP_DENYWRITE'],
  [0x4000, 'MAP_NORESERVE'],
  [0x8000, 'MAP_POPULATE'],
  [0x20000, 'MAP_STACK'],
  [0x100000, 'MAP_FIXED_NOREPLACE'],
];

function flagNames(value: number, table: Array<[number, string]>, zero: string): string {
  const names: string[] = [];
  let rest = value >>> 0;
  for (const [bit, name] of table) {
    if ((rest & bit) === bit && bit !== 0) {
      names.push(name);
      rest &= ~bit;
    }
  }
  if (rest) names.push(`0x${rest.toString(16)}`);
  return names.length ? names.join('|') : zero;
}

function openFlags(flags: number): string {
  const mode = ['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_ACCMODE'][flags & 3]!;
  const rest = flagNames(flags & ~3, OPEN_FLAGS, '');
  return rest ? `${mode}|${rest}` : mode;
}

function mapFlags(flags: number): string {
  const type =
    ['0', 'MAP_SHARED', 'MAP_PRIVATE', 'MAP_SHARED_VALIDATE'][flags & 0xf] ??
    `0x${(flags & 0xf).toString(16)}`;
  const rest = flagNames(flags & ~0xf, MAP_FLAGS, '');
  return rest ? `${type}|${rest}` : type;
}

export interface TraceArgs {
  big(i: number): bigint;
  long(i: number): number;
  ulong(i: number): number;
  int(i: number): number;
}

/** Format the arguments before the call; `out` buffers are left as placeholders to fill afterwards. */
export function formatArgs(formats: readonly ArgFormat[], args: TraceArgs, mem: UserMemory): string[] {
  return formats.map((f, i) => {
    switch (f) {
      case 'd':
        return String(args.int(i));
      case 'u':
        return String(args.ulong(i));
      case 'x':
        return args.long(i) === 0 ? 'NULL' : `0x${BigInt.asUintN(64, args.big(i)).toString(16)}`;
      case 'fd':
        return args.int(i) === -100 ? 'AT_FDCWD' : String(args.int(i));
      case 'path':
        return showString(mem, args.long(i));
      case 'in':
        return showBuffer(mem, args.long(i), Math.min(args.ulong(i + 1), 1 << 20));
      case 'out':
        return '';
      case 'oflags':
        return openFlags(args.int(i));
      case 'mode':
        return `0${(args.int(i) >>> 0).toString(8)}`;
      case 'prot':
        return flagNames(args.int(i), PROT_FLAGS, 'PROT_NONE');
      case 'mflags':
        return mapFlags(args.int(i));
      case 'sig':
        return args.int(i) === 0 ? '0' : signalName(args.int(i));
    }
    return '?';
  });
}

/** Fill the `out` buffers once the result is known. */
export function completeArgs(
  shown: string[],
  formats: readonly ArgFormat[],
  args: TraceArgs,
  mem: UserMemory,
  result: number,
): void {
  formats.forEach((f, i) => {
    if (f === 'out') shown[i] = result >= 0 ? showBuffer(mem, args.long(i), result) : hex64(args.long(i));
  });
}

function showString(mem: UserMemory, address: number): string {
  if (address === 0) return 'NULL';
  try {
    const s = mem.readCString(address, 4096);
    if (s === undefined) return hex64(address);
    const bytes = Buffer.from(s, 'latin1');
    return quote(bytes.subarray(0, 4096), false);
  } catch {
    return hex64(address);
  }
}

function showBuffer(mem: UserMemory, address: number, length: number): string {
  try {
    const n = Math.min(length, MAX_SHOWN);
    return quote(mem.read(address, n), length > MAX_SHOWN);
  } catch {
    return hex64(address);
  }
}

/** si_code names by signal family (include/uapi/asm-generic/siginfo.h). */
const SI_CODES: Record<number, string> = {
  0: 'SI_USER',
  128: 'SI_KERNEL',
  [-1]: 'SI_QUEUE',
  [-6]: 'SI_TKILL',
};
const FAULT_CODES: Record<number, string[]> = {
  [SIG.SIGSEGV]: ['', 'SEGV_MAPERR', 'SEGV_ACCERR', 'SEGV_BNDERR', 'SEGV_PKUERR'],
  [SIG.SIGFPE]: [
    '',
    'FPE_INTDIV',
    'FPE_INTOVF',
    'FPE_FLTDIV',
    'FPE_FLTOVF',
    'FPE_FLTUND',
    'FPE_FLTRES',
    'FPE_FLTINV',
    'FPE_FLTSUB',
  ],
  [SIG.SIGILL]: [
    '',
    'ILL_ILLOPC',
    'ILL_ILLOPN',
    'ILL_ILLADR',
    'ILL_ILLTRP',
    'ILL_PRVOPC',
    'ILL_PRVREG',
    'ILL_COPROC',
    'ILL_BADSTK',
  ],
  [SIG.SIGBUS]: ['', 'BUS_ADRALN', 'BUS_ADRERR', 'BUS_OBJERR'],
  [SIG.SIGTRAP]: ['', 'TRAP_BRKPT', 'TRAP_TRACE'],
};

/** `--- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x10} ---`, as strace shows a signal. */
export function formatSignal(info: {
  signo: number;
  code: number;
  addr?: number;
  pid?: number;
  uid?: number;
}): string {
  const name = signalName(info.signo);
  const code = SI_CODES[info.code] ?? FAULT_CODES[info.signo]?.[info.code] ?? String(info.code);
  const fields = [`si_signo=${name}`, `si_code=${code}`];
  if (info.pid !== undefined) fields.push(`si_pid=${info.pid}`, `si_uid=${info.uid ?? 0}`);
  else if (info.addr !== undefined) fields.push(`si_addr=${info.addr === 0 ? 'NULL' : hex64(info.addr)}`);
  return `--- ${name} {${fields.join(', ')}} ---`;
}

export function formatResult(result: number | undefined, hex: boolean): string {
  if (result === undefined) return '?';
  if (result < 0 && result > -4096) return `-1 ${errnoName(-result)} (${errnoMessage(-result)})`;
  return hex ? `0x${result.toString(16)}` : String(result);
}
