/**
 * Register access for system calls: arguments in rdi, rsi, rdx, r10, r8, r9
 * (the syscall ABI; r10 replaces rcx, which the instruction clobbers), the
 * result in rax. Registers are 32-bit halves in `cpu.r`; these helpers turn
 * them into the JavaScript numbers the handlers work with.
 */
import { type GuestCpu, linearFromHalves, Reg } from '../machine-interface.js';

const ARG_REGS = [Reg.RDI, Reg.RSI, Reg.RDX, Reg.R10, Reg.R8, Reg.R9] as const;

export class SyscallArgs {
  constructor(private readonly cpu: GuestCpu) {}

  /** The system call number: rax, or -1 when it does not fit in 32 bits (the kernel's ENOSYS case). */
  get number(): number {
    return this.cpu.r[1] === 0 ? this.cpu.r[0]! >>> 0 : -1;
  }

  /** An `int` argument (the low 32 bits, signed). */
  int(i: number): number {
    return this.cpu.r[2 * ARG_REGS[i]!]! | 0;
  }

  /** An `unsigned int` argument. */
  uint(i: number): number {
    return this.cpu.r[2 * ARG_REGS[i]!]! >>> 0;
  }

  /** A `long` or pointer argument as a signed number (exact within ±2^53; pointers are canonical). */
  long(i: number): number {
    const reg = ARG_REGS[i]!;
    return linearFromHalves(this.cpu.r[2 * reg]!, this.cpu.r[2 * reg + 1]!);
  }

  /** A `size_t` or `unsigned long` argument (values above 2^53 are approximate: they are "huge" either way). */
  ulong(i: number): number {
    const reg = ARG_REGS[i]!;
    return (this.cpu.r[2 * reg + 1]! >>> 0) * 4294967296 + (this.cpu.r[2 * reg]! >>> 0);
  }

  /** A pointer argument (signed, so a kernel-half address is negative and fails every user check). */
  ptr(i: number): number {
    return this.long(i);
  }

  /** The exact 64-bit value. */
  big(i: number): bigint {
    return this.cpu.getReg(ARG_REGS[i]!);
  }
}

/** Set a 64-bit register from a number in ±2^53 (results, pointers, negative errno values). */
export function setRegNumber(cpu: GuestCpu, reg: number, value: number): void {
  cpu.r[2 * reg] = value | 0;
  cpu.r[2 * reg + 1] = Math.floor(value / 4294967296) | 0;
}

/** An address or register value as the 64-bit hex a debugger shows (kernel-half addresses as 0xffff…). */
export function hex64(value: number): string {
  return `0x${BigInt.asUintN(64, BigInt(value)).toString(16)}`;
}

/** A 64-bit register as a signed number (exact within ±2^53). */
export function regNumber(cpu: GuestCpu, reg: number): number {
  return linearFromHalves(cpu.r[2 * reg]!, cpu.r[2 * reg + 1]!);
}
