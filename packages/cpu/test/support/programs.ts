/**
 * The catalogue of C test programs in test/programs: how each is compiled,
 * what it needs from the host CPU and from x86-run's CPUID profile, how it is
 * run, and for the fault programs which signal each variant ends in.
 * programs/README.md describes what each program covers.
 */

/** Where the programs' sources live. */
export const PROGRAMS_DIR = new URL('../programs/', import.meta.url).pathname;

/** What a test run gives a program: files and directories made for it. */
export interface RunContext {
  /** A directory of fixture files, made once per test file. */
  fixtures: string;
  /** A fresh path that does not exist yet (a program may create it). */
  freshPath(): string;
  /** The compiled program being run. */
  self: string;
}

export interface ProgramSpec {
  /** Test name; also the output file name. */
  name: string;
  /** Source file in programs/. */
  source: string;
  /** Extra compiler flags (besides -static -O2 -Wall -Werror). */
  cflags?: readonly string[];
  /** /proc/cpuinfo flags the host needs; without them the program is not run at all. */
  hostFlags?: readonly string[];
  /** x86-run's --cpuid profile; default: x86-run's own default (baseline). */
  cpuid?: string;
  /** Arguments after the program name. */
  args?: (ctx: RunContext) => string[];
  /** Standard input. */
  input?: (ctx: RunContext) => Buffer;
  /** Expected exit status (default 0). */
  status?: number;
  /** Output is also checked against another tool's (sha256 against sha256sum). */
  oracle?: 'sha256sum';
}

/** Files for sha256: sizes around the 55/56/64-byte padding boundaries, an empty one, a large one. */
export const SHA_FIXTURES: Readonly<Record<string, number>> = {
  'empty.bin': 0,
  'one.bin': 1,
  'pad55.bin': 55,
  'pad56.bin': 56,
  'block63.bin': 63,
  'block64.bin': 64,
  'block65.bin': 65,
  'odd1000.bin': 1000,
  'large.bin': 1 << 20,
};

export const PROGRAMS: readonly ProgramSpec[] = [
  { name: 'alu', source: 'alu.c' },
  { name: 'shift', source: 'shift.c' },
  { name: 'muldiv', source: 'muldiv.c' },
  { name: 'bits', source: 'bits.c' },
  // cmpxchg16b (CX16) and lahf/sahf in 64-bit mode are CPUID features the baseline profile lacks.
  { name: 'atomic', source: 'atomic.c', hostFlags: ['cx16'], cpuid: 'v2' },
  { name: 'convert', source: 'convert.c' },
  { name: 'cond', source: 'cond.c' },
  { name: 'string', source: 'string.c' },
  { name: 'misc', source: 'misc.c', hostFlags: ['lahf_lm'], cpuid: 'v2' },
  { name: 'sse2-int', source: 'sse2-int.c' },
  { name: 'sse2-fp', source: 'sse2-fp.c' },
  {
    name: 'ssse3-sse41',
    source: 'ssse3-sse41.c',
    cflags: ['-mssse3', '-msse4.1'],
    hostFlags: ['ssse3', 'sse4_1'],
    cpuid: 'v2',
  },
  { name: 'sse42', source: 'sse42.c', cflags: ['-msse4.2'], hostFlags: ['sse4_2'], cpuid: 'v2' },
  // popcnt, lzcnt, tzcnt: without ABM/BMI1 the same bytes are rep bsr / rep bsf.
  { name: 'abm', source: 'abm.c', hostFlags: ['popcnt', 'abm', 'bmi1'], cpuid: 'v2-lzcnt' },
  { name: 'sort', source: 'sort.c' },
  {
    name: 'sha256',
    source: 'sha256.c',
    args: (ctx) => [...Object.keys(SHA_FIXTURES).map((f) => `${ctx.fixtures}/${f}`), ctx.self],
    oracle: 'sha256sum',
  },
  {
    name: 'sha256-stdin',
    source: 'sha256.c',
    args: () => ['-'],
    input: () => Buffer.from('The quick brown fox jumps over the lazy dog\n'.repeat(300)),
    oracle: 'sha256sum',
  },
  { name: 'printf-float', source: 'printf-float.c' },
  { name: 'recursion', source: 'recursion.c' },
  { name: 'setjmp', source: 'setjmp.c' },
  { name: 'smc', source: 'smc.c' },
  { name: 'bench', source: 'bench.c' },
  { name: 'malloc', source: 'malloc.c' },
  { name: 'fileio', source: 'fileio.c', args: (ctx) => [ctx.freshPath()] },
  { name: 'auxv', source: 'auxv.c', args: () => ['first', 'second argument', ''] },
  { name: 'sys', source: 'sys.c', status: 3 },
];

/** Signals by name, as the tests compare them. */
export type SignalName = 'SIGSEGV' | 'SIGBUS' | 'SIGFPE' | 'SIGILL' | 'SIGTRAP';

export interface FaultSpec {
  name: string;
  source: string;
  /** Variant name → the signal it dies by. */
  variants: Readonly<Record<string, SignalName>>;
}

export const FAULT_PROGRAMS: readonly FaultSpec[] = [
  {
    name: 'fault-divide',
    source: 'fault-divide.c',
    variants: {
      'div8-zero': 'SIGFPE',
      'div32-zero': 'SIGFPE',
      'div64-zero-mem': 'SIGFPE',
      'idiv32-overflow': 'SIGFPE',
      'idiv64-overflow': 'SIGFPE',
      'div64-quotient': 'SIGFPE',
    },
  },
  {
    name: 'fault-null',
    source: 'fault-null.c',
    variants: { read: 'SIGSEGV', 'read-offset': 'SIGSEGV', write: 'SIGSEGV', call: 'SIGSEGV' },
  },
  {
    name: 'fault-noncanonical',
    source: 'fault-noncanonical.c',
    variants: {
      read: 'SIGSEGV',
      'read-first': 'SIGSEGV',
      write: 'SIGSEGV',
      displacement: 'SIGSEGV',
      call: 'SIGSEGV',
      'stack-push': 'SIGBUS',
      'rbp-read': 'SIGBUS',
    },
  },
  {
    name: 'fault-readonly',
    source: 'fault-readonly.c',
    variants: { mapped: 'SIGSEGV', rodata: 'SIGSEGV', text: 'SIGSEGV', mprotect: 'SIGSEGV' },
  },
  {
    name: 'fault-kernel',
    source: 'fault-kernel.c',
    variants: {
      read: 'SIGSEGV',
      write: 'SIGSEGV',
      call: 'SIGSEGV',
      'kernel-bottom': 'SIGSEGV',
      'top-user-page': 'SIGSEGV',
    },
  },
  {
    name: 'fault-nx',
    source: 'fault-nx.c',
    variants: { 'call-rw-page': 'SIGSEGV', 'after-mprotect': 'SIGSEGV', data: 'SIGSEGV' },
  },
  {
    name: 'fault-trap',
    source: 'fault-trap.c',
    variants: {
      ud2: 'SIGILL',
      'lock-nop': 'SIGILL',
      into: 'SIGILL',
      int3: 'SIGTRAP',
      'int-3': 'SIGTRAP',
      icebp: 'SIGTRAP',
      'single-step': 'SIGTRAP',
      'int-4': 'SIGSEGV',
      'int-0x0d': 'SIGSEGV',
      'int-1': 'SIGSEGV',
      hlt: 'SIGSEGV',
      cli: 'SIGSEGV',
      in: 'SIGSEGV',
      rdmsr: 'SIGSEGV',
      'mov-cr0': 'SIGSEGV',
      movdqa: 'SIGSEGV',
      'sse-invalid': 'SIGFPE',
    },
  },
];
