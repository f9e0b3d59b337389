/** The decoded form of one instruction: what the engine translates and the verifier compares. */

export const OperandKind = {
  Reg: 1,
  Mem: 2,
  Imm: 3,
  /** A branch target, already resolved to a linear address. */
  Rel: 4,
  /** A far pointer ptr16:16/ptr16:32 (call/jmp far in 32-bit mode): offset in `target`, selector in `immLo`. */
  Far: 5,
} as const;

export const RegClass = {
  Gpr: 0,
  /** AH, CH, DH, BH: number 4-7 without REX means these. */
  GprHigh8: 1,
  Xmm: 2,
  Seg: 3,
  Cr: 4,
  Dr: 5,
  St: 6,
  Mmx: 7,
} as const;

/** Segment register numbers, as encoded. */
export const Seg = { ES: 0, CS: 1, SS: 2, DS: 3, FS: 4, GS: 5 } as const;

/** `base` value for RIP-relative addressing. */
export const RIP_BASE = 16;

export interface Operand {
  kind: number;
  /**
   * Size in bytes (1, 2, 4, 8, 10, 16; memory also 6 for m16:32 and sgdt in 32-bit mode, 14/28 and 94/108 for
   * the x87 environment and state, 64 for movdir64b, 512 for fxsave; 0 for memory whose size does not matter,
   * as for lea and xsave). Segment registers are 2.
   */
  size: number;
  regClass: number;
  reg: number;
  /**
   * Memory: base register or -1, RIP_BASE for RIP-relative (EIP-relative with addrSize 4), -2 for moffs (the
   * absolute address in immLo/immHi); index or -1; scale 1/2/4/8 (1 without index); disp a signed 32-bit number
   * (signed 16-bit with addrSize 2). With addrSize 2 (67 in 32-bit mode) base/index are the 16-bit forms:
   * BX+SI, BX+DI, BP+SI, BP+DI, SI, DI, BP, BX as base 3/5 and index 6/7.
   */
  base: number;
  index: number;
  scale: number;
  disp: number;
  /** Segment override (Seg.*), or -1. */
  seg: number;
  /** Immediate as two 32-bit halves (sign-extended to the operand size where the encoding says so); Rel: target linear address in `target`. */
  immLo: number;
  immHi: number;
  target: number;
}

export interface Instruction {
  /** Lower-case mnemonic, in the names the Intel manuals and common disassemblers use. */
  mnemonic: string;
  length: number;
  /** Linear address of the first byte. */
  address: number;
  operands: Operand[];
  /** Effective operand size in bytes (2, 4, 8) for instructions whose size follows the prefixes. */
  opSize: number;
  /** Effective address size in bytes (8 or 4 in 64-bit mode; 4 or 2 in 32-bit mode). */
  addrSize: number;
  /** 0 none, 0xf3 rep/repe, 0xf2 repne (as the instruction uses them). */
  rep: number;
  lock: boolean;
  /** Mandatory/legacy prefix byte that selected an SSE form (0, 0x66, 0xf3, 0xf2). */
  simdPrefix: number;
  /** The opcode bytes after prefixes and REX, for the engine's dispatch ("0f af", "f7/3"...). */
  opcode: number;
  /** Opcode map: 0 one-byte, 1 0F, 2 0F38, 3 0F3A. */
  map: number;
  /** ModRM fields (reg and rm with REX applied), or -1 when there is no ModRM. */
  modrmReg: number;
  modrmRm: number;
  mod: number;
  /** Condition code (0-15) for jcc/setcc/cmovcc. */
  cc: number;
  /**
   * Reason the bytes do not form an instruction we decode (then mnemonic is "(bad)"): INVALID_VEX, INVALID_EVEX,
   * INVALID_XOP, INVALID_3DNOW (length exact, the engine raises #UD), INVALID_TRUNCATED (ran into `end`: fetch
   * more and decode again), INVALID_TOO_LONG, or another text (undefined opcode, LOCK misuse…).
   */
  invalid?: string;
}

export function newOperand(): Operand {
  return {
    kind: 0,
    size: 0,
    regClass: 0,
    reg: 0,
    base: -1,
    index: -1,
    scale: 1,
    disp: 0,
    seg: -1,
    immLo: 0,
    immHi: 0,
    target: 0,
  };
}
