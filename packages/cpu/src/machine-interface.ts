/**
 * The surface the execution engine offers to what runs on it: the Linux
 * user-mode runtime of x86-run today, the hypervisor next. Registers are kept
 * as 32-bit halves so that the hot path never needs BigInt; the helpers here
 * are for the cold paths (system calls, signal frames, debugging).
 */
import type { Mmu, PhysicalMemory } from '@x/mmu';

/** General-purpose register numbers, in the encoding's order. */
export const Reg = {
  RAX: 0,
  RCX: 1,
  RDX: 2,
  RBX: 3,
  RSP: 4,
  RBP: 5,
  RSI: 6,
  RDI: 7,
  R8: 8,
  R9: 9,
  R10: 10,
  R11: 11,
  R12: 12,
  R13: 13,
  R14: 14,
  R15: 15,
} as const;

/** Exception vectors. */
export const Vector = {
  DE: 0,
  DB: 1,
  NMI: 2,
  BP: 3,
  OF: 4,
  BR: 5,
  UD: 6,
  NM: 7,
  DF: 8,
  TS: 10,
  NP: 11,
  SS: 12,
  GP: 13,
  PF: 14,
  MF: 16,
  AC: 17,
  MC: 18,
  XM: 19,
} as const;

/** Why `run` returned. */
export const StopReason = {
  /** The instruction budget given to `run` is used up. */
  Budget: 0,
  /** `hlt` with interrupts disabled and nothing to deliver, or a hook asked to stop. */
  Halt: 1,
  /** `requestStop()` was called (from a hook or another part of the machine). */
  Requested: 2,
} as const;
export type StopReason = (typeof StopReason)[keyof typeof StopReason];

/**
 * What the layer above may take over. Each hook returns true when it has
 * handled the event (the engine then goes on at the current rip), false to let
 * the architecture do what hardware does.
 */
export interface CpuHooks {
  /** `syscall` executed; rip already points after it. Hardware behaviour otherwise (needs EFER.SCE). */
  syscall?(cpu: GuestCpu): boolean;
  /**
   * An exception about to be delivered through the IDT. `address` is the
   * faulting linear address for #PF (CR2), else 0. rip points at the faulting
   * instruction (faults) or after it (traps such as int3, int n).
   */
  exception?(cpu: GuestCpu, vector: number, errorCode: number | undefined, address: number): boolean;
  /** Port I/O: the value read (size 1, 2 or 4 bytes). Without a hook, reads give all ones. */
  portIn?(cpu: GuestCpu, port: number, size: number): number;
  portOut?(cpu: GuestCpu, port: number, size: number, value: number): void;
  /** `hlt` at CPL 0. Return true to keep running (an event was injected). */
  halt?(cpu: GuestCpu): boolean;
}

export interface GuestCpu {
  readonly memory: PhysicalMemory;
  readonly mmu: Mmu;
  /** GPR i: low 32 bits at [2i], high 32 bits at [2i+1]. */
  readonly r: Int32Array;
  /** XMM i: dword j at [4i+j]. */
  readonly xmm: Int32Array;
  /** Instruction pointer as a canonical linear address: a signed 48-bit integer. */
  rip: number;
  fsBase: number;
  gsBase: number;
  kernelGsBase: number;
  mxcsr: number;
  /** Current privilege level (0 or 3 in 64-bit mode; 1 for 32-bit PV kernels later). */
  cpl: number;
  hooks: CpuHooks;

  getRflags(): number;
  setRflags(value: number): void;
  /** Full 64-bit register value (cold paths only). */
  getReg(index: number): bigint;
  setReg(index: number, value: bigint): void;
  /** Run until the budget is used up, a halt, or `requestStop`. */
  run(maxInstructions?: number): StopReason;
  requestStop(): void;
  /** Instructions retired since creation. */
  readonly instructions: number;
  /** fxsave-format image of the x87/SSE state (512 bytes), for signal frames and context switches. */
  saveFxState(into: Uint8Array): void;
  restoreFxState(from: Uint8Array): void;
}

/** Linear addresses are signed 48-bit integers; registers hold them as two 32-bit halves. */
export function linearFromHalves(lo: number, hi: number): number {
  return (hi | 0) * 4294967296 + (lo >>> 0);
}

export function isCanonicalHalves(hi: number): boolean {
  const top = hi >> 15;
  return top === 0 || top === -1;
}

export function bigFromHalves(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
