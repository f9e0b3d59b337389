/**
 * The x86-64 signal frame (arch/x86/include/asm/sigframe.h, uapi
 * asm/sigcontext.h, asm-generic/ucontext.h and siginfo.h): byte offsets and
 * the code that fills and reads them. The test compares every offset with
 * the C headers.
 *
 *   struct rt_sigframe { char *pretcode; struct ucontext uc; struct siginfo info; }
 *   struct ucontext    { unsigned long uc_flags; struct ucontext *uc_link; stack_t uc_stack;
 *                        struct sigcontext uc_mcontext; sigset_t uc_sigmask; }
 */
import { type GuestCpu, Reg } from '../machine-interface.js';

export const FRAME = {
  pretcode: 0,
  uc: 8,
  info: 8 + 304,
  size: 8 + 304 + 128,
} as const;

/** struct ucontext (the kernel's, not glibc's longer ucontext_t, whose head is the same). */
export const UCONTEXT = {
  flags: 0,
  link: 8,
  stack: 16,
  mcontext: 40,
  sigmask: 296,
  size: 304,
} as const;

/** stack_t. */
export const STACK_T = { sp: 0, flags: 8, size: 16, bytes: 24 } as const;

/** struct sigcontext (64-bit), in the order glibc's gregs[] index it (REG_R8 … REG_CR2). */
export const SIGCONTEXT = {
  r8: 0,
  r9: 8,
  r10: 16,
  r11: 24,
  r12: 32,
  r13: 40,
  r14: 48,
  r15: 56,
  rdi: 64,
  rsi: 72,
  rbp: 80,
  rbx: 88,
  rdx: 96,
  rax: 104,
  rcx: 112,
  rsp: 120,
  rip: 128,
  eflags: 136,
  cs: 144,
  gs: 146,
  fs: 148,
  ss: 150,
  err: 152,
  trapno: 160,
  oldmask: 168,
  cr2: 176,
  fpstate: 184,
  reserved1: 192,
  size: 256,
} as const;

/** siginfo_t: 128 bytes; the union starts at 16. */
export const SIGINFO = {
  signo: 0,
  errno: 4,
  code: 8,
  /** _sigfault._addr */
  addr: 16,
  /** _sigfault._addr_pkey._pkey */
  pkey: 32,
  /** _kill._pid, _kill._uid */
  pid: 16,
  uid: 20,
  size: 128,
} as const;

/** The sigcontext slot of each general-purpose register, by register number. */
export const GREG_OFFSETS: readonly number[] = [
  SIGCONTEXT.rax,
  SIGCONTEXT.rcx,
  SIGCONTEXT.rdx,
  SIGCONTEXT.rbx,
  SIGCONTEXT.rsp,
  SIGCONTEXT.rbp,
  SIGCONTEXT.rsi,
  SIGCONTEXT.rdi,
  SIGCONTEXT.r8,
  SIGCONTEXT.r9,
  SIGCONTEXT.r10,
  SIGCONTEXT.r11,
  SIGCONTEXT.r12,
  SIGCONTEXT.r13,
  SIGCONTEXT.r14,
  SIGCONTEXT.r15,
];

/** uc_flags bits. */
export const UC = { FP_XSTATE: 1, SIGCONTEXT_SS: 2, STRICT_RESTORE_SS: 4 } as const;

/** The fxsave image, and the software-reserved bytes (464-511) the kernel fills in it. */
export const FXSAVE = {
  size: 512,
  align: 64,
  fcw: 0,
  fsw: 2,
  mxcsr: 24,
  mxcsrMask: 28,
  swReserved: 464,
} as const;
export const FP_XSTATE_MAGIC1 = 0x46505853;
export const FP_XSTATE_MAGIC2_SIZE = 4;
/** XFEATURE_MASK_FPSSE: x87 and SSE, all a CPU without XSAVE has. */
export const XFEATURE_MASK_FPSSE = 3;

/** Selectors the kernel puts in the frame: __USER_CS and __USER_DS. */
export const USER_CS = 0x33;
export const USER_DS = 0x2b;

/** Flags rt_sigreturn takes from the frame (FIX_EFLAGS: AC OF DF TF SF ZF AF PF CF RF). */
export const FIX_EFLAGS = 0x40000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 | 0x1 | 0x10000;

/**
 * AT_MINSIGSTKSZ, as init_sigframe_size computes it: the frame, its alignment
 * padding (15), the fxsave area (no XSAVE) and its 64-byte alignment (63),
 * rounded to 16. A kernel with IA32 emulation sizes the frame for the larger
 * 32-bit one; x86-run has no 32-bit signal frames.
 */
export const MAX_SIGFRAME_SIZE = Math.ceil((FRAME.size + 15 + FXSAVE.size + 63) / 16) * 16;

/** The state a signal interrupts, beyond the general-purpose registers. */
export interface FrameExtras {
  err: number;
  trapno: number;
  oldmask: bigint;
  cr2: number;
  fpstate: number;
}

function putU64(view: DataView, at: number, value: number | bigint): void {
  view.setBigUint64(at, BigInt.asUintN(64, BigInt(value)), true);
}

/** Fill a struct sigcontext at `at` from the CPU's registers. */
export function writeSigcontext(view: DataView, at: number, cpu: GuestCpu, extras: FrameExtras): void {
  for (let reg = Reg.RAX; reg <= Reg.R15; reg++) {
    const slot = at + GREG_OFFSETS[reg]!;
    view.setInt32(slot, cpu.r[2 * reg]!, true);
    view.setInt32(slot + 4, cpu.r[2 * reg + 1]!, true);
  }
  putU64(view, at + SIGCONTEXT.rip, cpu.rip);
  putU64(view, at + SIGCONTEXT.eflags, cpu.getRflags() >>> 0);
  view.setUint16(at + SIGCONTEXT.cs, USER_CS, true);
  view.setUint16(at + SIGCONTEXT.gs, 0, true);
  view.setUint16(at + SIGCONTEXT.fs, 0, true);
  view.setUint16(at + SIGCONTEXT.ss, USER_DS, true);
  putU64(view, at + SIGCONTEXT.err, extras.err);
  putU64(view, at + SIGCONTEXT.trapno, extras.trapno);
  putU64(view, at + SIGCONTEXT.oldmask, extras.oldmask);
  putU64(view, at + SIGCONTEXT.cr2, extras.cr2);
  putU64(view, at + SIGCONTEXT.fpstate, extras.fpstate);
}

/**
 * Load the CPU's registers from a struct sigcontext, as restore_sigcontext:
 * every general-purpose register and rip, but only the FIX_EFLAGS bits of
 * rflags. Returns the fpstate pointer.
 */
export function readSigcontext(view: DataView, at: number, cpu: GuestCpu): number {
  for (let reg = Reg.RAX; reg <= Reg.R15; reg++) {
    const slot = at + GREG_OFFSETS[reg]!;
    cpu.r[2 * reg] = view.getInt32(slot, true);
    cpu.r[2 * reg + 1] = view.getInt32(slot + 4, true);
  }
  cpu.rip = Number(BigInt.asIntN(64, view.getBigUint64(at + SIGCONTEXT.rip, true)));
  const flags = view.getUint32(at + SIGCONTEXT.eflags, true);
  cpu.setRflags(((cpu.getRflags() & ~FIX_EFLAGS) | (flags & FIX_EFLAGS) | 2) >>> 0);
  return Number(BigInt.asIntN(64, view.getBigUint64(at + SIGCONTEXT.fpstate, true)));
}

/** The software-reserved tail of the fxsave image as save_sw_bytes writes it when XSAVE is not in use. */
export function writeFxSwBytes(fx: Uint8Array): void {
  const view = new DataView(fx.buffer, fx.byteOffset, fx.byteLength);
  const at = FXSAVE.swReserved;
  fx.fill(0, at, FXSAVE.size);
  view.setUint32(at, FP_XSTATE_MAGIC1, true);
  view.setUint32(at + 4, FXSAVE.size + FP_XSTATE_MAGIC2_SIZE, true);
  view.setBigUint64(at + 8, BigInt(XFEATURE_MASK_FPSSE), true);
  view.setUint32(at + 16, FXSAVE.size, true);
}

/** The fxsave image of the FPU's initial state (fninit; MXCSR 0x1f80), which a handler starts with. */
export function initialFxState(): Uint8Array {
  const fx = new Uint8Array(FXSAVE.size);
  const view = new DataView(fx.buffer);
  view.setUint16(FXSAVE.fcw, 0x37f, true);
  view.setUint32(FXSAVE.mxcsr, 0x1f80, true);
  view.setUint32(FXSAVE.mxcsrMask, 0xffff, true);
  return fx;
}
