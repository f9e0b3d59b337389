/**
 * The SSE instructions a WebAssembly region runs natively, on v128 locals:
 * the moves of 16, 8 and 4 bytes between XMM registers, general registers
 * and memory (movdqa/movdqu/movaps/movups/movapd/movupd, movq, movd, movsd,
 * movss, movlpd/movhpd/movlps/movhps), the whole-register byte shifts
 * (psrldq/pslldq), lane shifts by an immediate, the unpacks, packs and
 * pshufd, the bitwise ops, byte/word/dword/qword adds, subtracts and
 * compares for equality, pminub/pmaxub, pmovmskb and comisd/ucomisd: what
 * memcpy, strlen, strcmp, their kin and comparisons of doubles are made of. Legacy SSE requires a 16-byte memory
 * operand to be aligned (#GP(0) otherwise) except in the unaligned moves.
 * Other SSE instructions run generically (region.ts).
 */
import { type Instruction, type Operand, OperandKind, RegClass } from '../../decoder/instruction.js';
import { F_KNOWN, F_OP, FlagOp } from '../flags.js';
import { F64, I32, Op, VOID } from './encoder.js';
import { STATE } from './state.js';
import { isGpr, isMem, type RegionWriter } from './writer.js';

/** SIMD instruction numbers (core spec 5.4.8). */
const V = {
  const: 0x0c,
  i32x4ExtractLane: 0x1b,
  i32x4ReplaceLane: 0x1c,
  i64x2ExtractLane: 0x1d,
  i64x2ReplaceLane: 0x1e,
  and: 0x4e,
  andnot: 0x4f,
  or: 0x50,
  xor: 0x51,
  i8x16Bitmask: 0x64,
  shuffle: 0x0d,
  f64x2ExtractLane: 0x21,
} as const;

/** Two-operand ops: xmm = xmm op xmm/m128 (aligned), by their SIMD instruction number. */
const BINARY: Record<string, number> = {
  pxor: V.xor,
  xorps: V.xor,
  xorpd: V.xor,
  por: V.or,
  orps: V.or,
  orpd: V.or,
  pand: V.and,
  andps: V.and,
  andpd: V.and,
  pcmpeqb: 0x23,
  pcmpeqw: 0x2d,
  pcmpeqd: 0x37,
  paddb: 0x6e,
  psubb: 0x71,
  pminub: 0x77,
  pmaxub: 0x79,
  paddw: 0x8e,
  psubw: 0x91,
  paddd: 0xae,
  psubd: 0xb1,
  paddq: 0xce,
  psubq: 0xd1,
};
/** Lane shifts by an immediate: SIMD instruction, lane width in bits, arithmetic. */
const SHIFTS: Record<string, [number, number, boolean]> = {
  psllw: [0x8b, 16, false],
  psraw: [0x8c, 16, true],
  psrlw: [0x8d, 16, false],
  pslld: [0xab, 32, false],
  psrad: [0xac, 32, true],
  psrld: [0xad, 32, false],
  psllq: [0xcb, 64, false],
  psrlq: [0xcd, 64, false],
};

/** Interleaves of the low or high halves: the shuffle of (destination, source) that makes each. */
function interleave(bytes: number, high: boolean): number[] {
  const out: number[] = [];
  for (let e = 0; e < 8 / bytes; e++)
    for (const from of [0, 16])
      for (let b = 0; b < bytes; b++) out.push(from + (high ? 8 : 0) + e * bytes + b);
  return out;
}
const UNPACK: Record<string, number[]> = {
  punpcklbw: interleave(1, false),
  punpckhbw: interleave(1, true),
  punpcklwd: interleave(2, false),
  punpckhwd: interleave(2, true),
  punpckldq: interleave(4, false),
  punpckhdq: interleave(4, true),
  punpcklqdq: interleave(8, false),
  punpckhqdq: interleave(8, true),
};
/** Narrowing with saturation: destination to the low half, source to the high. */
const PACK: Record<string, number> = { packsswb: 0x65, packuswb: 0x66, packssdw: 0x85 };

/** andn: the destination inverted, and the source. */
const AND_NOT = new Set(['pandn', 'andnps', 'andnpd']);
const MOVES_ALIGNED = new Set(['movdqa', 'movaps', 'movapd']);
const MOVES_UNALIGNED = new Set(['movdqu', 'movups', 'movupd']);

function isXmm(o: Operand | undefined): boolean {
  return !!o && o.kind === OperandKind.Reg && o.regClass === RegClass.Xmm;
}

/** Pushes a zero v128. */
function zero(w: RegionWriter): void {
  w.simd(V.const);
  w.b.bytes(new Uint8Array(16));
}

/** Pushes an XMM register or a 16-byte memory operand (checked for alignment when `aligned`). */
function source(w: RegionWriter, o: Operand, aligned: boolean): void {
  if (isXmm(o)) {
    w.xmm(o.reg);
    return;
  }
  const a = w.address(o);
  if (aligned) w.aligned(a);
  w.get(w.loadAt(a, 16, o.base === 4 || o.base === 5));
}

/** Writes one SSE instruction; false when it is not one of these forms. */
export function translateSse(w: RegionWriter, i: Instruction): boolean {
  const m = i.mnemonic;
  const [d, s] = i.operands as [Operand, Operand];
  if (!d || !s || i.operands.length !== 2) return false;
  const mem = (o: Operand) => isMem(i, o);
  if (MOVES_ALIGNED.has(m) || MOVES_UNALIGNED.has(m)) {
    const aligned = MOVES_ALIGNED.has(m);
    if (isXmm(d) && (isXmm(s) || (mem(s) && s.size === 16))) {
      source(w, s, aligned);
      w.setXmm(d.reg);
      return true;
    }
    if (mem(d) && d.size === 16 && isXmm(s)) {
      const a = w.address(d);
      if (aligned) w.aligned(a);
      w.storeAt(a, 16, d.base === 4 || d.base === 5, () => w.xmm(s.reg));
      return true;
    }
    return false;
  }
  if (isXmm(d) && (isXmm(s) || (mem(s) && s.size === 16)) && (m in BINARY || AND_NOT.has(m))) {
    if (AND_NOT.has(m)) {
      // v128.andnot(a, b) is a & ~b: the source first.
      source(w, s, true);
      w.xmm(d.reg).simd(V.andnot);
    } else {
      w.xmm(d.reg);
      source(w, s, true);
      w.simd(BINARY[m] as number);
    }
    w.setXmm(d.reg);
    return true;
  }
  if (m in SHIFTS && isXmm(d) && s.kind === OperandKind.Imm) {
    const [op, width, arithmetic] = SHIFTS[m] as [number, number, boolean];
    const n = s.immLo & 0xff;
    // Past the lane width a logical shift clears the lanes, an arithmetic one fills them with the sign.
    if (n >= width && !arithmetic) zero(w);
    else
      w.xmm(d.reg)
        .i32(Math.min(n, width - 1))
        .simd(op);
    w.setXmm(d.reg);
    return true;
  }
  if (m in UNPACK && isXmm(d) && (isXmm(s) || (mem(s) && s.size === 16))) {
    w.xmm(d.reg);
    source(w, s, true);
    w.simd(V.shuffle);
    w.b.bytes(UNPACK[m] as number[]);
    w.setXmm(d.reg);
    return true;
  }
  if (m in PACK && isXmm(d) && (isXmm(s) || (mem(s) && s.size === 16))) {
    w.xmm(d.reg);
    source(w, s, true);
    w.simd(PACK[m] as number).setXmm(d.reg);
    return true;
  }
  if (
    m === 'pshufd' &&
    isXmm(d) &&
    (isXmm(s) || (mem(s) && s.size === 16)) &&
    i.operands[2]?.kind === OperandKind.Imm
  ) {
    const order = (i.operands[2] as Operand).immLo;
    source(w, s, true);
    zero(w);
    w.simd(V.shuffle);
    for (let k = 0; k < 4; k++) for (let b = 0; b < 4; b++) w.b.byte(4 * ((order >> (2 * k)) & 3) + b);
    w.setXmm(d.reg);
    return true;
  }
  if (m === 'pmovmskb' && isGpr(d) && isXmm(s)) {
    w.xmm(s.reg).simd(V.i8x16Bitmask).setReg(d.reg, 4);
    return true;
  }
  if ((m === 'comisd' || m === 'ucomisd') && isXmm(d) && (isXmm(s) || (mem(s) && s.size === 8)))
    return compareDouble(w, i);
  if ((m === 'movlpd' || m === 'movlps' || m === 'movhpd' || m === 'movhps') && (isXmm(d) || isXmm(s)))
    return moveHalf(w, i, m.startsWith('movh') ? 1 : 0);
  if ((m === 'psrldq' || m === 'pslldq') && isXmm(d) && s.kind === OperandKind.Imm) {
    // Whole-register byte shifts: a shuffle with zeros (lane 16 of the pair).
    const n = s.immLo & 0xff;
    const right = m === 'psrldq';
    w.xmm(d.reg);
    zero(w);
    w.simd(V.shuffle);
    for (let k = 0; k < 16; k++) w.b.byte(right ? Math.min(k + n, 16) : k >= n ? k - n : 16);
    w.setXmm(d.reg);
    return true;
  }
  if (m === 'movq' || m === 'movd') return moveScalar(w, i, m === 'movq' ? 8 : 4, false);
  if (m === 'movsd' || m === 'movss') return moveScalar(w, i, m === 'movsd' ? 8 : 4, true);
  return false;
}

/**
 * movq/movd (`merge` false) and movsd/movss (`merge` true) of the low 8 or 4
 * bytes. Into an XMM register from memory or a general register the rest is
 * zeroed; movsd/movss between XMM registers keep the rest of the destination,
 * movq between them zeroes it.
 */
function moveScalar(w: RegionWriter, i: Instruction, size: number, merge: boolean): boolean {
  const [d, s] = i.operands as [Operand, Operand];
  const wide = size === 8;
  const extract = wide ? V.i64x2ExtractLane : V.i32x4ExtractLane;
  const replace = wide ? V.i64x2ReplaceLane : V.i32x4ReplaceLane;
  const lane = (code: number) => {
    w.simd(code);
    w.b.byte(0);
  };
  if (isXmm(d)) {
    if (isXmm(s) && merge) w.xmm(d.reg);
    else zero(w);
    if (isXmm(s)) {
      w.xmm(s.reg);
      lane(extract);
    } else if (!merge && isGpr(s, [size])) w.reg(s.reg, size);
    else if (isMem(i, s) && s.size === size) {
      w.get(w.load(s, size));
      if (!wide) w.op(Op.i32WrapI64);
    } else return false;
    lane(replace);
    w.setXmm(d.reg);
    return true;
  }
  if (!isXmm(s)) return false;
  if (isMem(i, d) && d.size === size) {
    w.store(d, size, () => {
      w.xmm(s.reg);
      lane(extract);
      if (!wide) w.op(Op.i64ExtendI32U);
    });
    return true;
  }
  if (!merge && isGpr(d, [size])) {
    w.xmm(s.reg);
    lane(extract);
    w.setReg(d.reg, size);
    return true;
  }
  return false;
}

/** Pushes an i32: whether the f64 in `x` is neither NaN nor denormal (no MXCSR flag can come of it). */
function plain(w: RegionWriter, x: number): void {
  w.get(x).get(x).op(Op.f64Eq);
  w.get(x).op(Op.f64Abs).b.byte(Op.f64Const).f64(2.2250738585072014e-308);
  w.op(Op.f64Ge);
  w.get(x).b.byte(Op.f64Const).f64(0);
  w.op(Op.f64Eq, Op.i32Or, Op.i32And);
}

/**
 * comisd/ucomisd: ZF, PF and CF from the order of two doubles, the other
 * flags clear, as a materialised flags word the following conditions test
 * directly. NaN or denormal operands (which may set or raise an MXCSR flag)
 * go to the generic form.
 */
function compareDouble(w: RegionWriter, i: Instruction): true {
  const [d, s] = i.operands as [Operand, Operand];
  const a = w.local(F64);
  const b = w.local(F64);
  const word = w.local(I32);
  w.xmm(d.reg);
  w.simd(V.f64x2ExtractLane);
  w.b.byte(0);
  w.set(a);
  if (isXmm(s)) {
    w.xmm(s.reg);
    w.simd(V.f64x2ExtractLane);
    w.b.byte(0);
  } else w.get(w.load(s, 8)).op(Op.f64ReinterpretI64);
  w.set(b);
  plain(w, a);
  plain(w, b);
  w.op(Op.i32And, Op.if, VOID);
  // less: CF; equal: ZF; greater: none.
  w.i32(1)
    .i32(0x40)
    .i32(0)
    .get(a)
    .get(b)
    .op(Op.f64Eq, Op.select)
    .get(a)
    .get(b)
    .op(Op.f64Lt, Op.select)
    .set(word);
  w.flagWord(F_OP, () => w.i32(FlagOp.Known));
  w.flagWord(F_KNOWN, () => w.get(word));
  w.op(Op.else);
  w.generic();
  w.loadState32(STATE.flags + 4 * F_KNOWN).set(word);
  w.op(Op.end);
  w.producer = { kind: 'word', wide: false, res: word, dst: -1, src: -1 };
  return true;
}

/** movlpd/movlps (`half` 0) and movhpd/movhps (1): one quadword between memory and the low or high half. */
function moveHalf(w: RegionWriter, i: Instruction, half: number): boolean {
  const [d, s] = i.operands as [Operand, Operand];
  if (isXmm(d) && isMem(i, s) && s.size === 8) {
    w.xmm(d.reg);
    w.get(w.load(s, 8));
    w.simd(V.i64x2ReplaceLane);
    w.b.byte(half);
    w.setXmm(d.reg);
    return true;
  }
  if (isMem(i, d) && d.size === 8 && isXmm(s)) {
    w.store(d, 8, () => {
      w.xmm(s.reg);
      w.simd(V.i64x2ExtractLane);
      w.b.byte(half);
    });
    return true;
  }
  return false;
}
