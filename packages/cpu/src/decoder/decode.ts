/**
 * The decoder for 64-bit mode and for 32-bit (compatibility) mode: legacy
 * prefixes, REX, the opcode maps, ModRM/SIB (and 16-bit addressing with 67 in
 * 32-bit mode), displacements and immediates, driven by the tables in *-map.ts.
 * VEX, EVEX and XOP encodings (AVX, AVX-512, BMI, …) and 3DNow! are decoded for
 * their length only and come out as "(bad)" with the reason, as a CPU without
 * those features raises #UD for them. It never throws: bytes that do not form an
 * instruction give mnemonic "(bad)" with the reason.
 */
import {
  type Instruction,
  newOperand,
  type Operand,
  OperandKind,
  RegClass,
  RIP_BASE,
} from './instruction.js';
import { LOCKABLE, type MapEntry, ONE_BYTE_MAP, ONE_BYTE_MAP_32 } from './one-byte-map.js';
import { type EntrySpec, type OperandSpec, parseEntry } from './operand-spec.js';
import { MAP_0F3A, MAP_0F38 } from './three-byte-maps.js';
import { GROUP7_REG, GROUP7_REG_F2, GROUP7_REG_F3, TWO_BYTE_MAP } from './two-byte-map.js';
import { X87_MEM, X87_REG, X87_SINGLE } from './x87-map.js';

export const MAX_INSTRUCTION_LENGTH = 15;

/** The processor mode the bytes are decoded for: 64-bit mode, or 32-bit compatibility/protected mode. */
export type DecodeMode = 64 | 32;

/** `invalid` reasons of the encodings decoded for their length only. */
export const INVALID_VEX = 'AVX (VEX) not supported';
export const INVALID_EVEX = 'AVX-512 (EVEX) not supported';
export const INVALID_XOP = 'XOP not supported';
export const INVALID_3DNOW = '3DNow! not supported';
export const INVALID_TRUNCATED = 'truncated';
export const INVALID_TOO_LONG = 'longer than 15 bytes';

const SIMD_INDEX: Record<number, number> = { 0: 0, 102: 1, 243: 2, 242: 3 };

/** Mnemonics whose name carries the operand size (SDM names: movsb/movsw/movsd/movsq…). */
const SIZED_NAMES_TABLE: Record<string, Record<number, string>> = {
  movs: { 2: 'movsw', 4: 'movsd', 8: 'movsq' },
  cmps: { 2: 'cmpsw', 4: 'cmpsd', 8: 'cmpsq' },
  stos: { 2: 'stosw', 4: 'stosd', 8: 'stosq' },
  lods: { 2: 'lodsw', 4: 'lodsd', 8: 'lodsq' },
  scas: { 2: 'scasw', 4: 'scasd', 8: 'scasq' },
  ins: { 2: 'insw', 4: 'insd', 8: 'insd' },
  outs: { 2: 'outsw', 4: 'outsd', 8: 'outsd' },
  cbw: { 2: 'cbw', 4: 'cwde', 8: 'cdqe' },
  cwd: { 2: 'cwd', 4: 'cdq', 8: 'cqo' },
  pushf: { 2: 'pushf', 4: 'pushfd', 8: 'pushfq' },
  popf: { 2: 'popf', 4: 'popfd', 8: 'popfq' },
  pusha: { 2: 'pusha', 4: 'pushad' },
  popa: { 2: 'popa', 4: 'popad' },
  iret: { 2: 'iret', 4: 'iretd', 8: 'iretq' },
  sysret: { 2: 'sysretd', 4: 'sysretd', 8: 'sysretq' },
  sysexit: { 2: 'sysexit', 4: 'sysexit', 8: 'sysexitq' },
  wrss: { 2: 'wrssd', 4: 'wrssd', 8: 'wrssq' },
  wruss: { 2: 'wrussd', 4: 'wrussd', 8: 'wrussq' },
  getsec: { 2: 'getsec', 4: 'getsec', 8: 'getsecq' },
  pextr: { 2: 'pextrd', 4: 'pextrd', 8: 'pextrq' },
  pinsr: { 2: 'pinsrd', 4: 'pinsrd', 8: 'pinsrq' },
  rdssp: { 2: 'rdsspd', 4: 'rdsspd', 8: 'rdsspq' },
  incssp: { 2: 'incsspd', 4: 'incsspd', 8: 'incsspq' },
};

const SIZED_NAMES = new Map(Object.entries(SIZED_NAMES_TABLE));

/** Instructions whose name gains "64" with REX.W (the 64-bit save-area layouts). */
const W64_NAMES = new Set([
  'fxsave',
  'fxrstor',
  'xsave',
  'xrstor',
  'xsaveopt',
  'xsavec',
  'xsaves',
  'xrstors',
  'pcmpestri',
  'pcmpestrm',
]);

/** 0F 01 with mod = 3, by the whole ModRM byte: smsw and lmsw take any register. */
const GROUP7: Record<number, string> = { ...GROUP7_REG };
for (let i = 0; i < 8; i++) {
  GROUP7[0xe0 + i] = 'smsw Rv';
  GROUP7[0xf0 + i] = 'lmsw Rv';
}

/** An entry with an XMM or MMX operand. */
const SIMD_OPERAND = /[ ,][VWUPQN][a-z]/;

/** 0F opcodes without a ModRM byte (SDM table A-3 and the AMD/VIA additions). */
const NO_MODRM_0F = new Set([
  0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0e, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
  0x39, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x77, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a,
  0x8b, 0x8c, 0x8d, 0x8e, 0x8f, 0xa0, 0xa1, 0xa2, 0xa8, 0xa9, 0xaa, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce,
  0xcf,
]);

/** VEX/EVEX opcodes of the 0F map that take an imm8 (every 0F3A one does, no 0F38 one). */
const VEX_0F_IMM8 = new Set([0x70, 0x71, 0x72, 0x73, 0xc2, 0xc4, 0xc5, 0xc6]);

// The byte cursor. Module state: decode() is synchronous and never re-entered.
let buf: Uint8Array = new Uint8Array(0);
let pos = 0;
let start = 0;
let limit = 0;
/** 0 fine, 1 ran past `end` (truncated), 2 ran past 15 bytes. */
let over = 0;

function u8(): number {
  if (pos - start >= MAX_INSTRUCTION_LENGTH) {
    if (over === 0) over = 2;
    pos++;
    return 0;
  }
  if (pos >= limit) {
    if (over === 0) over = 1;
    pos++;
    return 0;
  }
  return buf[pos++] as number;
}
function peek(): number {
  return pos < limit ? (buf[pos] as number) : 0;
}
function s8(): number {
  return (u8() << 24) >> 24;
}
function u16(): number {
  return u8() | (u8() << 8);
}
function s16(): number {
  return (u16() << 16) >> 16;
}
function s32(): number {
  return u8() | (u8() << 8) | (u8() << 16) | (u8() << 24);
}

interface State {
  is64: boolean;
  rex: number;
  opSize: number;
  addrSize: number;
  seg: number;
  has66: boolean;
  lastRep: number;
  lock: boolean;
  modrm: number;
  mod: number;
  reg: number;
  rm: number;
}

const st: State = {
  is64: true,
  rex: 0,
  opSize: 4,
  addrSize: 8,
  seg: -1,
  has66: false,
  lastRep: 0,
  lock: false,
  modrm: -1,
  mod: 0,
  reg: 0,
  rm: 0,
};

function bad(insn: Instruction, reason: string): Instruction {
  insn.mnemonic = '(bad)';
  insn.invalid = reason;
  insn.operands = [];
  return insn;
}

function finish(insn: Instruction): Instruction {
  let n = pos - start;
  if (n > MAX_INSTRUCTION_LENGTH) n = MAX_INSTRUCTION_LENGTH;
  if (n > limit - start) n = Math.max(limit - start, 0);
  insn.length = n;
  // Running out of bytes outranks any other verdict: the caller may fetch more and try again.
  if (over !== 0) bad(insn, over === 1 ? INVALID_TRUNCATED : INVALID_TOO_LONG);
  return insn;
}

function readModrm(): void {
  const m = u8();
  st.modrm = m;
  st.mod = m >> 6;
  st.reg = ((m >> 3) & 7) | ((st.rex & 4) << 1);
  st.rm = (m & 7) | ((st.rex & 1) << 3);
}

/**
 * Decode one instruction from `bytes[offset..end)` (end defaults to the array's
 * length) that lives at linear address `address`, for 64-bit mode (the default)
 * or 32-bit mode.
 */
export function decode(
  bytes: Uint8Array,
  offset: number,
  address: number,
  end = bytes.length,
  mode: DecodeMode = 64,
): Instruction {
  buf = bytes;
  pos = offset;
  start = offset;
  limit = Math.min(end, bytes.length);
  over = 0;
  const is64 = mode !== 32;
  st.is64 = is64;
  st.rex = 0;
  st.seg = -1;
  st.has66 = false;
  st.lastRep = 0;
  st.lock = false;
  st.modrm = -1;
  st.mod = 0;
  st.reg = 0;
  st.rm = 0;
  let has67 = false;
  const insn: Instruction = {
    mnemonic: '',
    length: 0,
    address,
    operands: [],
    opSize: 4,
    addrSize: is64 ? 8 : 4,
    rep: 0,
    lock: false,
    simdPrefix: 0,
    opcode: 0,
    map: 0,
    modrmReg: -1,
    modrmRm: -1,
    mod: -1,
    cc: -1,
  };

  // Legacy prefixes in any order; in 64-bit mode a REX counts only right before the opcode.
  let b = 0;
  for (;;) {
    b = u8();
    if (over !== 0) return finish(insn);
    if (b === 0x66) st.has66 = true;
    else if (b === 0x67) has67 = true;
    else if (b === 0xf0) st.lock = true;
    else if (b === 0xf2 || b === 0xf3) st.lastRep = b;
    else if (b === 0x64 || b === 0x65) st.seg = b - 0x60;
    else if (b === 0x26 || b === 0x2e || b === 0x36 || b === 0x3e) {
      // ES/CS/SS/DS overrides do nothing in 64-bit mode (and leave an FS/GS override in force).
      if (!is64) st.seg = (b >> 3) & 3;
    } else if (is64 && (b & 0xf0) === 0x40) {
      st.rex = b;
      continue;
    } else break;
    st.rex = 0; // a REX followed by a legacy prefix is ignored
  }
  st.addrSize = is64 ? (has67 ? 4 : 8) : has67 ? 2 : 4;
  insn.addrSize = st.addrSize;
  insn.lock = st.lock;

  let entry: MapEntry;
  let map = 0;
  let opcode = b;
  if (b === 0x0f) {
    const b2 = u8();
    if (b2 === 0x38) {
      map = 2;
      opcode = u8();
      entry = MAP_0F38[opcode] ?? null;
    } else if (b2 === 0x3a) {
      map = 3;
      opcode = u8();
      entry = MAP_0F3A[opcode] ?? null;
    } else if (b2 === 0x0f) {
      return decode3dnow(insn);
    } else {
      map = 1;
      opcode = b2;
      entry = TWO_BYTE_MAP[opcode] ?? null;
    }
  } else if (b >= 0xd8 && b <= 0xdf) {
    return finish(decodeX87(insn, b));
  } else if ((b === 0xc4 || b === 0xc5 || b === 0x62) && (is64 || (peek() & 0xc0) === 0xc0)) {
    return decodeVex(insn, b);
  } else if (b === 0x8f && (peek() & 0x1f) >= 8) {
    return decodeVex(insn, b);
  } else {
    entry = (is64 ? ONE_BYTE_MAP : ONE_BYTE_MAP_32)[b] ?? null;
  }
  if (over !== 0) return finish(insn);
  insn.map = map;
  insn.opcode = opcode;

  // The mandatory prefix of an SSE form: the last of F2/F3, else 66.
  const mandatory = st.lastRep !== 0 ? st.lastRep : st.has66 ? 0x66 : 0;
  let simdPrefix = 0;
  let modrmRead = false;
  if (map === 0) {
    if (opcode === 0x90) {
      if (st.lastRep === 0xf3) entry = 'pause';
      else if (st.rex & 1) entry = 'xchg Zv,rAX';
    } else if (opcode === 0xc6 || opcode === 0xc7) {
      readModrm();
      modrmRead = true;
      if (st.modrm === 0xf8) entry = opcode === 0xc6 ? 'xabort Ib' : 'xbegin Jz';
    }
  } else if (map === 1) {
    if (opcode === 0x01) {
      readModrm();
      modrmRead = true;
      if (st.mod === 3) {
        const table = mandatory === 0xf3 ? GROUP7_REG_F3 : mandatory === 0xf2 ? GROUP7_REG_F2 : null;
        entry = table?.[st.modrm] ?? null;
        if (entry !== null) simdPrefix = mandatory;
        else entry = GROUP7[st.modrm] ?? null;
        if (mandatory === 0x66 && entry !== null && (st.modrm & 0xf0) !== 0xe0 && (st.modrm & 0xf0) !== 0xf0)
          entry = null;
        if (entry === 'swapgs' && !is64) entry = null;
      }
    } else if (opcode === 0x1e && mandatory === 0xf3) {
      readModrm();
      modrmRead = true;
      simdPrefix = 0xf3;
      if (st.modrm === 0xfa) entry = 'endbr64';
      else if (st.modrm === 0xfb) entry = 'endbr32';
      else if (st.mod === 3 && (st.modrm & 0x38) === 0x08) entry = 'rdssp Ry';
      else simdPrefix = 0;
    }
  }

  // Resolve the entry: group by ModRM.reg, mandatory prefix, mod.
  for (let depth = 0; depth < 4 && entry !== null && typeof entry !== 'string'; depth++) {
    if (Array.isArray(entry)) {
      if (!modrmRead) readModrm();
      modrmRead = true;
      entry = (entry as readonly MapEntry[])[(st.modrm >> 3) & 7] ?? null;
    } else if ('prefixed' in (entry as object)) {
      const forms = (entry as { prefixed: readonly MapEntry[] }).prefixed;
      const form = forms[SIMD_INDEX[mandatory] as number] ?? null;
      // A 66 that selects the same form as no prefix is an operand-size prefix (movbe, rdrand, bsf…).
      if (form !== null && mandatory !== 0 && !(mandatory === 0x66 && form === forms[0]))
        simdPrefix = mandatory;
      entry = form;
    } else {
      if (!modrmRead) readModrm();
      modrmRead = true;
      const e = entry as { mem: MapEntry; reg: MapEntry };
      entry = st.mod === 3 ? e.reg : e.mem;
    }
  }
  if (typeof entry !== 'string') {
    // Step over what the opcode's row always has, so that a listing stays in step even on opcodes of
    // extensions the tables leave out: a ModRM byte in 0F (but for the rows without one), 0F38 and 0F3A,
    // and an imm8 in 0F3A.
    if (!modrmRead && (map === 2 || map === 3 || (map === 1 && !NO_MODRM_0F.has(opcode)))) {
      readModrm();
      modrmRead = true;
    }
    if (modrmRead && st.mod !== 3) skipMemory();
    if (map === 3) u8();
    return finish(bad(insn, 'undefined opcode'));
  }
  const spec = parseEntry(entry);
  insn.simdPrefix = simdPrefix;
  if (simdPrefix === 0) insn.rep = st.lastRep;
  // A 66 that selected an SSE/MMX form is not an operand-size prefix; for a form on GPRs only (the
  // 0F 1C hint, tpause, adcx…) it still is.
  if (simdPrefix === 0x66 && SIMD_OPERAND.test(entry)) st.has66 = false;

  // Operand size.
  const w = (st.rex & 8) !== 0;
  if (is64) {
    if (spec.f64 || w) st.opSize = 8;
    else if (st.has66) st.opSize = 2;
    else st.opSize = spec.d64 ? 8 : 4;
  } else {
    st.opSize = st.has66 ? 2 : 4;
  }
  insn.opSize = st.opSize;

  if (spec.modrm && !modrmRead) {
    readModrm();
    modrmRead = true;
  }
  // mov to/from CR/DR: the operand is a register whatever the mod bits say.
  if (map === 1 && opcode >= 0x20 && opcode <= 0x23) st.mod = 3;
  if (modrmRead) {
    insn.mod = st.mod;
    insn.modrmReg = st.reg;
    insn.modrmRm = st.rm;
  }
  if (over !== 0) return finish(insn);

  let mnemonic = spec.mnemonic;
  if (map === 1 && ((opcode >= 0x40 && opcode <= 0x4f) || (opcode >= 0x80 && opcode <= 0x9f)))
    insn.cc = opcode & 15;
  else if (map === 0 && opcode >= 0x70 && opcode <= 0x7f) insn.cc = opcode & 15;
  const sized = SIZED_NAMES.get(mnemonic);
  if (sized) mnemonic = sized[st.opSize] ?? mnemonic;
  else if (mnemonic === 'jrcxz')
    mnemonic = st.addrSize === 8 ? 'jrcxz' : st.addrSize === 4 ? 'jecxz' : 'jcxz';
  else if (w) {
    if (mnemonic === 'movd') mnemonic = 'movq';
    else if (mnemonic === 'cmpxchg8b') mnemonic = 'cmpxchg16b';
    else if (W64_NAMES.has(mnemonic)) mnemonic += '64';
  }

  // Operands: the ModRM memory operand first (its displacement precedes immediates), then the rest in order.
  const ops: Operand[] = [];
  let memOperand: Operand | null = null;
  if (modrmRead && st.mod !== 3 && spec.modrm) memOperand = decodeMemory();
  for (const o of spec.operands) {
    const op = decodeOperand(o, memOperand, opcode, insn);
    if (op === null) return finish(bad(insn, `operand ${o.method}${o.size} invalid with this ModRM`));
    ops.push(op);
  }
  if (mnemonic === 'cmpxchg16b' && ops[0]) ops[0].size = 16;
  insn.mnemonic = mnemonic;
  insn.operands = ops;
  finish(insn);
  if (insn.invalid !== undefined) return insn;
  for (const op of ops) {
    if (op.kind === OperandKind.Rel) {
      const t = address + insn.length + op.disp;
      // xbegin's rel16 is not truncated to 16 bits (its fallback address is EIP + rel16).
      const wide = mnemonic === 'xbegin';
      op.target = is64 ? t : st.opSize === 2 && !wide ? t & 0xffff : t >>> 0;
      if (wide && !is64) op.size = 4;
    }
  }
  if (map === 0 && opcode === 0x8e && (st.reg & 7) === 1) return bad(insn, 'mov to CS');
  if (st.lock) {
    const memDest = ops[0]?.kind === OperandKind.Mem;
    if (!memDest || !LOCKABLE.has(mnemonic))
      return bad(insn, 'LOCK prefix on an instruction that does not take it');
  }
  return insn;
}

/** The memory operand of a ModRM byte with mod != 3 (SIB, displacement; 16-bit forms with a 16-bit address size). */
function decodeMemory(): Operand {
  const op = newOperand();
  op.kind = OperandKind.Mem;
  op.seg = st.seg;
  const rm = st.modrm & 7;
  if (st.addrSize === 2) {
    // [BX+SI] [BX+DI] [BP+SI] [BP+DI] [SI] [DI] [BP] [BX]
    if (st.mod === 0 && rm === 6) {
      op.disp = s16();
      return op;
    }
    op.base = [3, 3, 5, 5, 6, 7, 5, 3][rm] as number;
    op.index = rm < 4 ? (rm & 1 ? 7 : 6) : -1;
    if (st.mod === 1) op.disp = s8();
    else if (st.mod === 2) op.disp = s16();
    return op;
  }
  if (rm === 4) {
    const sib = u8();
    const index = ((sib >> 3) & 7) | ((st.rex & 2) << 2);
    op.index = index === 4 ? -1 : index;
    op.scale = index === 4 ? 1 : 1 << (sib >> 6);
    if ((sib & 7) === 5 && st.mod === 0) {
      op.disp = s32();
      return op;
    }
    op.base = (sib & 7) | ((st.rex & 1) << 3);
  } else if (rm === 5 && st.mod === 0) {
    if (st.is64) op.base = RIP_BASE;
    op.disp = s32();
    return op;
  } else {
    op.base = st.rm;
  }
  if (st.mod === 1) op.disp = s8();
  else if (st.mod === 2) op.disp = s32();
  return op;
}

/** Step over the SIB byte and displacement of the ModRM byte just read (for encodings we only measure). */
function skipMemory(): void {
  if (st.mod === 3) return;
  decodeMemory();
}

function sizeOf(code: string): number {
  switch (code) {
    case 'b':
      return 1;
    case 'w':
      return 2;
    case 'd':
    case 'ss':
      return 4;
    case 'q':
    case 'sd':
      return 8;
    case 'v':
      return st.opSize;
    case 'z':
      return st.opSize === 2 ? 2 : 4;
    case 'y':
      return st.rex & 8 ? 8 : 4;
    case 'n':
      return st.is64 ? 8 : 4;
    case 'x':
    case 'dq':
      return 16;
    case 't':
      return 10;
    case 'p':
      return st.opSize === 8 ? 10 : st.opSize + 2;
    case 'f':
      return st.is64 ? 10 : 6;
    case 'a':
      return st.opSize * 2;
    case 'fx':
      return 512;
    case 'cl':
      return 64;
    case 'e':
      return st.has66 && !(st.rex & 8) ? 14 : 28;
    case 's':
      return st.has66 && !(st.rex & 8) ? 94 : 108;
    default:
      return 0;
  }
}

function reg(cls: number, n: number, size: number): Operand {
  const op = newOperand();
  op.kind = OperandKind.Reg;
  op.regClass = cls;
  op.reg = n;
  op.size = size;
  return op;
}

/** A GPR; for bytes without REX, numbers 4-7 are AH, CH, DH, BH. */
function gpr(n: number, size: number): Operand {
  if (size === 1 && st.rex === 0 && n >= 4 && n < 8) return reg(RegClass.GprHigh8, n - 4, 1);
  return reg(RegClass.Gpr, n, size);
}

function imm(lo: number, hi: number, size: number): Operand {
  const op = newOperand();
  op.kind = OperandKind.Imm;
  op.immLo = lo;
  op.immHi = hi;
  op.size = size;
  return op;
}

function withSize(mem: Operand, size: number): Operand {
  const op = { ...mem };
  op.size = size;
  return op;
}

function decodeOperand(
  o: OperandSpec,
  mem: Operand | null,
  opcode: number,
  insn: Instruction,
): Operand | null {
  switch (o.method) {
    case 'E':
      return st.mod === 3 ? gpr(st.rm, sizeOf(o.size)) : withSize(mem as Operand, sizeOf(o.size));
    case 'M':
      return st.mod === 3 ? null : withSize(mem as Operand, sizeOf(o.size));
    case 'RM':
      return st.mod === 3 ? gpr(st.rm, sizeOf(o.size)) : withSize(mem as Operand, sizeOf(o.memSize ?? ''));
    case 'R':
      return gpr(st.rm, sizeOf(o.size));
    case 'G':
      return gpr(st.reg, sizeOf(o.size));
    case 'Z':
      return gpr((opcode & 7) | ((st.rex & 1) << 3), sizeOf(o.size));
    case 'S':
      return (st.reg & 7) > 5 ? null : reg(RegClass.Seg, st.reg & 7, 2);
    case 'seg':
      return reg(RegClass.Seg, o.fixed ?? 0, 2);
    case 'C':
      return reg(RegClass.Cr, st.reg, sizeOf(o.size));
    case 'D':
      return reg(RegClass.Dr, st.reg, sizeOf(o.size));
    case 'V':
      return reg(RegClass.Xmm, st.reg, 16);
    case 'W':
      return st.mod === 3 ? reg(RegClass.Xmm, st.rm, 16) : withSize(mem as Operand, sizeOf(o.size) || 16);
    case 'U':
      return st.mod === 3 ? reg(RegClass.Xmm, st.rm, 16) : null;
    case 'P':
      return reg(RegClass.Mmx, st.reg & 7, 8);
    case 'Q':
      return st.mod === 3 ? reg(RegClass.Mmx, st.rm & 7, 8) : withSize(mem as Operand, sizeOf(o.size) || 8);
    case 'N':
      return st.mod === 3 ? reg(RegClass.Mmx, st.rm & 7, 8) : null;
    case 'xmm0':
      return reg(RegClass.Xmm, 0, 16);
    case 'fixed':
      return gpr(o.fixed ?? 0, sizeOf(o.size));
    case 'one':
      return imm(1, 0, 1);
    case 'I':
      return immediate(o.size);
    case 'Ibs': {
      const v = s8();
      return imm(v, v >> 31, st.opSize);
    }
    case 'J': {
      const op = newOperand();
      op.kind = OperandKind.Rel;
      op.disp = o.size === 'b' ? s8() : st.opSize === 2 ? s16() : s32();
      op.size = st.is64 ? 8 : st.opSize;
      return op;
    }
    case 'A': {
      const op = newOperand();
      op.kind = OperandKind.Far;
      op.size = st.opSize + 2;
      op.target = st.opSize === 2 ? u16() : s32() >>> 0;
      op.immLo = u16();
      return op;
    }
    case 'O': {
      const op = newOperand();
      op.kind = OperandKind.Mem;
      op.seg = st.seg;
      op.size = sizeOf(o.size);
      op.base = -2; // absolute address in immLo/immHi
      if (st.addrSize === 2) op.immLo = u16();
      else {
        op.immLo = s32();
        op.immHi = st.addrSize === 8 ? s32() : 0;
      }
      op.disp = op.immLo;
      return op;
    }
    default:
      void insn;
      return null;
  }
}

function immediate(code: string): Operand {
  switch (code) {
    case 'b':
      return imm(u8(), 0, 1);
    case 'w':
      return imm(u16(), 0, 2);
    case 'z': {
      if (st.opSize === 2) return imm(u16(), 0, 2);
      const v = s32();
      return imm(v, st.opSize === 8 ? v >> 31 : 0, st.opSize);
    }
    case 'v': {
      if (st.opSize === 2) return imm(u16(), 0, 2);
      const lo = s32();
      const hi = st.opSize === 8 ? s32() : 0;
      return imm(lo, hi, st.opSize);
    }
    default:
      return imm(u8(), 0, 1);
  }
}

function decodeX87(insn: Instruction, esc: number): Instruction {
  readModrm();
  const modrm = st.modrm;
  const mod = st.mod;
  st.reg = (modrm >> 3) & 7;
  st.opSize = st.has66 ? 2 : 4;
  insn.opSize = st.opSize;
  insn.map = 0;
  insn.opcode = esc;
  insn.mod = mod;
  insn.modrmReg = st.reg;
  insn.modrmRm = modrm & 7;
  const row = esc - 0xd8;
  let entry: string | null | undefined;
  if (mod !== 3) entry = X87_MEM[row]?.[st.reg];
  else entry = X87_REG[row]?.[st.reg] ?? X87_SINGLE[esc]?.[modrm];
  const mem = mod !== 3 ? decodeMemory() : null;
  if (!entry) return bad(insn, 'undefined x87 opcode');
  const spec: EntrySpec = parseEntry(entry);
  const ops: Operand[] = [];
  for (const o of spec.operands) {
    if (o.method === 'M') ops.push(withSize(mem as Operand, sizeOf(o.size)));
    else if (o.method === 'ST0') ops.push(reg(RegClass.St, 0, 10));
    else if (o.method === 'STi') ops.push(reg(RegClass.St, modrm & 7, 10));
    else if (o.method === 'fixed') ops.push(reg(RegClass.Gpr, 0, 2));
  }
  insn.mnemonic = spec.mnemonic;
  insn.operands = ops;
  if (st.lock) return bad(insn, 'LOCK prefix on an instruction that does not take it');
  return insn;
}

/** 0F 0F ModRM [SIB] [disp] imm8: AMD 3DNow!, measured only. */
function decode3dnow(insn: Instruction): Instruction {
  insn.map = 1;
  insn.opcode = 0x0f;
  readModrm();
  skipMemory();
  u8();
  return finish(bad(insn, INVALID_3DNOW));
}

/**
 * VEX (C4, C5), EVEX (62) and XOP (8F) encodings: their length, so that a
 * listing stays in step, and "(bad)": the engine has no AVX, AVX-512, BMI or XOP.
 */
function decodeVex(insn: Instruction, esc: number): Instruction {
  let map = 1;
  let reason = INVALID_VEX;
  if (esc === 0xc5) {
    u8();
  } else if (esc === 0xc4 || esc === 0x8f) {
    map = u8() & 0x1f;
    u8();
    if (esc === 0x8f) reason = INVALID_XOP;
  } else {
    const p0 = u8();
    u8();
    u8();
    map = p0 & 7;
    reason = INVALID_EVEX;
  }
  st.rex = 0; // REX, VEX.RXB or EVEX bits do not change the length
  const opcode = u8();
  insn.map = map;
  insn.opcode = opcode;
  const noModrm = esc !== 0x62 && esc !== 0x8f && map === 1 && opcode === 0x77;
  if (!noModrm) {
    readModrm();
    skipMemory();
  }
  let immBytes = 0;
  if (esc === 0x8f) immBytes = map === 8 ? 1 : map === 10 ? 4 : 0;
  else if (map === 3 || (map === 1 && VEX_0F_IMM8.has(opcode))) immBytes = 1;
  for (let i = 0; i < immBytes; i++) u8();
  return finish(bad(insn, reason));
}
