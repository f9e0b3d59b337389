/**
 * The initial process stack, laid out exactly as Linux's execve builds it
 * (fs/exec.c copy_strings, fs/binfmt_elf.c create_elf_tables), from the top:
 *
 *   STACK_TOP        8 zero bytes
 *                    the file name (AT_EXECFN), environment strings, argument strings
 *                    (argv[0] lowest), then aligned down to 16 bytes
 *                    "x86_64\0" (AT_PLATFORM)
 *                    16 random bytes (AT_RANDOM)
 *                    padding to 16 bytes
 *                    auxv pairs … AT_NULL
 *                    NULL, envp[envc-1] … envp[0]
 *                    NULL, argv[argc-1] … argv[0]
 *   rsp →            argc                                   (16-byte aligned)
 */
import type { AddressSpace } from './address-space.js';
import { TASK_SIZE } from './address-space.js';
import type { LoadedProgram } from './elf.js';
import { LinuxRunError } from './errors.js';
import { PROT } from './vma.js';

/** Auxiliary vector entry types (include/uapi/linux/auxvec.h, <elf.h>). */
export const AT = {
  NULL: 0,
  IGNORE: 1,
  EXECFD: 2,
  PHDR: 3,
  PHENT: 4,
  PHNUM: 5,
  PAGESZ: 6,
  BASE: 7,
  FLAGS: 8,
  ENTRY: 9,
  NOTELF: 10,
  UID: 11,
  EUID: 12,
  GID: 13,
  EGID: 14,
  PLATFORM: 15,
  HWCAP: 16,
  CLKTCK: 17,
  SECURE: 23,
  BASE_PLATFORM: 24,
  RANDOM: 25,
  HWCAP2: 26,
  RSEQ_FEATURE_SIZE: 27,
  RSEQ_ALIGN: 28,
  EXECFN: 31,
  SYSINFO_EHDR: 33,
  MINSIGSTKSZ: 51,
} as const;

/** Top of the main thread's stack without address-space randomisation (STACK_TOP = TASK_SIZE). */
export const STACK_TOP = TASK_SIZE;
/** RLIMIT_STACK's usual soft limit, and the size of the stack area x86-run reserves. */
export const STACK_SIZE = 8 * 1024 * 1024;
/** Argument and environment strings may use a quarter of the stack limit (ARG_MAX). */
export const ARG_MAX = STACK_SIZE / 4;
/** Longest single argument or environment string (MAX_ARG_STRLEN: 32 pages). */
export const MAX_ARG_STRLEN = 32 * 4096;
/** AT_CLKTCK: USER_HZ. */
export const CLOCKS_PER_SEC = 100;
const PLATFORM = 'x86_64';
const ELF_PHDR_SIZE = 56;

export interface InitialStackInput {
  /** Strings as given to execve; JavaScript strings are encoded as UTF-8. */
  argv: ReadonlyArray<string | Uint8Array>;
  env: ReadonlyArray<string | Uint8Array>;
  /** The path execve was given (AT_EXECFN). */
  execfn: string | Uint8Array;
  program: LoadedProgram;
  /** CPUID.1:EDX of the CPU the program runs on. */
  hwcap: number;
  /** HWCAP2_RING3MWAIT (bit 0), HWCAP2_FSGSBASE (bit 1). */
  hwcap2: number;
  /** The 16 bytes AT_RANDOM points at (libc seeds its stack protector and pointer guard from them). */
  random: Uint8Array;
  /** AT_MINSIGSTKSZ: the largest signal frame the kernel may build. */
  minSigStackSize: number;
  uid: number;
  euid: number;
  gid: number;
  egid: number;
  /** Executable stack (PT_GNU_STACK with PF_X). */
  executableStack?: boolean;
}

export interface InitialStack {
  /** rsp at the entry point: the address of argc. */
  sp: number;
  argv: number[];
  envp: number[];
  auxv: Array<[number, number]>;
  execfn: number;
  platform: number;
  random: number;
  /** Lowest byte of the argument strings. */
  stringsStart: number;
}

const encoder = new TextEncoder();

function bytesOf(s: string | Uint8Array): Uint8Array {
  return typeof s === 'string' ? encoder.encode(s) : s;
}

function cString(s: string | Uint8Array): Uint8Array {
  const b = bytesOf(s);
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
}

/** Reserve the stack area and write the initial stack into it. */
export function buildInitialStack(space: AddressSpace, input: InitialStackInput): InitialStack {
  const top = STACK_TOP;
  space.map(top - STACK_SIZE, STACK_SIZE, PROT.READ | PROT.WRITE | (input.executableStack ? PROT.EXEC : 0), {
    kind: 'stack',
    name: '[stack]',
  });

  const argv = input.argv.map(cString);
  const env = input.env.map(cString);
  const execfn = cString(input.execfn);
  let total = execfn.length;
  for (const s of [...argv, ...env]) {
    if (s.length > MAX_ARG_STRLEN)
      throw new LinuxRunError('E2BIG', 'an argument or environment string is too long');
    total += s.length;
  }
  const pointers = (argv.length + env.length + 2) * 8;
  if (total + pointers > ARG_MAX) throw new LinuxRunError('E2BIG', 'argument list too long');
  if (input.random.length !== 16) throw new LinuxRunError('EINVAL', 'AT_RANDOM needs 16 bytes');

  // copy_strings: the file name first, then the environment, then the
  // arguments, each list from its last string down, so argv[0] ends lowest.
  let p = top - 8;
  space.poke(p, new Uint8Array(8));
  p -= execfn.length;
  space.poke(p, execfn);
  const execfnAddress = p;
  const place = (strings: Uint8Array[]): number[] => {
    const at: number[] = new Array(strings.length);
    for (let i = strings.length - 1; i >= 0; i--) {
      p -= strings[i]!.length;
      space.poke(p, strings[i]!);
      at[i] = p;
    }
    return at;
  };
  const envp = place(env);
  const argvp = place(argv);
  const stringsStart = p;

  // create_elf_tables.
  p = Math.floor(p / 16) * 16;
  const platform = cString(PLATFORM);
  p -= platform.length;
  space.poke(p, platform);
  const platformAddress = p;
  p -= 16;
  space.poke(p, input.random);
  const randomAddress = p;

  const prog = input.program;
  const auxv: Array<[number, number]> = [
    [AT.MINSIGSTKSZ, input.minSigStackSize],
    [AT.HWCAP, input.hwcap >>> 0],
    [AT.PAGESZ, 4096],
    [AT.CLKTCK, CLOCKS_PER_SEC],
    [AT.PHDR, prog.phdr],
    [AT.PHENT, ELF_PHDR_SIZE],
    [AT.PHNUM, prog.image.phnum],
    [AT.BASE, 0],
    [AT.FLAGS, 0],
    [AT.ENTRY, prog.entry],
    [AT.UID, input.uid],
    [AT.EUID, input.euid],
    [AT.GID, input.gid],
    [AT.EGID, input.egid],
    [AT.SECURE, 0],
    [AT.RANDOM, randomAddress],
    [AT.HWCAP2, input.hwcap2 >>> 0],
    [AT.EXECFN, execfnAddress],
    [AT.PLATFORM, platformAddress],
    [AT.NULL, 0],
  ];
  let sp = p - auxv.length * 16;
  const items = argv.length + 1 + (env.length + 1) + 1;
  sp = Math.floor((sp - items * 8) / 16) * 16;

  const words = items + auxv.length * 2;
  const table = new Uint8Array(words * 8);
  const view = new DataView(table.buffer);
  let w = 0;
  const put = (v: number) => {
    view.setBigUint64(w * 8, BigInt(v), true);
    w++;
  };
  put(argv.length);
  for (const a of argvp) put(a);
  put(0);
  for (const e of envp) put(e);
  put(0);
  for (const [type, value] of auxv) {
    put(type);
    put(value);
  }
  space.poke(sp, table);

  return {
    sp,
    argv: argvp,
    envp,
    auxv,
    execfn: execfnAddress,
    platform: platformAddress,
    random: randomAddress,
    stringsStart,
  };
}
