/**
 * The instructions a WebAssembly region translates: mov (registers, memory,
 * immediates), lea, the ALU ops with register, immediate or memory operands,
 * inc/dec, neg/not, shifts by an immediate, rotates whose flags are not
 * observed, imul, movzx/movsx/movsxd,
 * setcc, cmovcc, and push/pop of general registers. A 64-bit operation is one
 * i64 instruction. Each function returns false (or throws Unsupported) for a
 * form it does not take, and the region is left to JavaScript.
 */
import { type Instruction, type Operand, OperandKind, RegClass } from '../../decoder/instruction.js';
import { F_AUX, F_DST, F_KNOWN, F_OP, F_RES, FlagOp } from '../flags.js';
import { I32, I64, Op } from './encoder.js';
import { translateSse } from './sse.js';
import { isGpr, isMem, type RegionWriter, SLOW, Unsupported } from './writer.js';

const ALU: Record<string, ['add' | 'sub' | 'logic', number, number]> = {
  // kind, i32 op (its i64 form in I64_OF), FlagOp
  add: ['add', Op.i32Add, FlagOp.Add],
  sub: ['sub', Op.i32Sub, FlagOp.Sub],
  cmp: ['sub', Op.i32Sub, FlagOp.Sub],
  and: ['logic', Op.i32And, FlagOp.Logic],
  or: ['logic', Op.i32Or, FlagOp.Logic],
  xor: ['logic', Op.i32Xor, FlagOp.Logic],
  test: ['logic', Op.i32And, FlagOp.Logic],
};
const I64_OF: Record<number, number> = {
  [Op.i32Add]: Op.i64Add,
  [Op.i32Sub]: Op.i64Sub,
  [Op.i32And]: Op.i64And,
  [Op.i32Or]: Op.i64Or,
  [Op.i32Xor]: Op.i64Xor,
  [Op.i32Shl]: Op.i64Shl,
  [Op.i32ShrU]: Op.i64ShrU,
  [Op.i32ShrS]: Op.i64ShrS,
  [Op.i32Mul]: Op.i64Mul,
};

/** Writes one instruction; false when this translator does not take it. */
export function translateInstruction(w: RegionWriter, i: Instruction, observed: boolean): boolean {
  if (i.invalid || i.lock || i.rep) return false;
  w.insn = i;
  const m = i.mnemonic;
  const [d, s, t] = i.operands as [Operand, Operand, Operand | undefined];
  if (m === 'nop' || m === 'endbr64') return true;
  if (i.operands.some((o) => o.kind === OperandKind.Reg && o.regClass === RegClass.Xmm))
    return translateSse(w, i);
  const size = d?.size ?? 0;
  if (m in ALU) return alu(w, i, observed);
  if (m === 'mov') return mov(w, i);
  if (m === 'lea') return lea(w, i);
  if (m === 'inc' || m === 'dec') return incDec(w, i, observed);
  if ((m === 'shl' || m === 'sal' || m === 'shr' || m === 'sar') && isGpr(d) && s?.kind === OperandKind.Imm)
    return shift(w, i, observed);
  if ((m === 'rol' || m === 'ror') && isGpr(d) && s?.kind === OperandKind.Imm && !observed)
    return rotate(w, i);
  if (m === 'not' && isGpr(d)) {
    w.reg(d.reg, size);
    if (size === 8) w.i64(-1, -1).op(Op.i64Xor);
    else w.i32(-1).op(Op.i32Xor);
    w.setReg(d.reg, size);
    return true;
  }
  if (m === 'neg' && isGpr(d)) return neg(w, d, observed);
  if (m === 'imul' && isGpr(d) && (isGpr(s) || isMem(i, s)) && (!t || t.kind === OperandKind.Imm))
    return imul(w, i, observed);
  if ((m === 'movzx' || m === 'movsx' || m === 'movsxd') && isGpr(d)) return extend(w, i);
  if (i.cc >= 0 && m.startsWith('set') && isGpr(d, [1])) {
    // The low byte of the register; the rest is kept.
    w.reg(d.reg, 8).i64(~0xff, -1).op(Op.i64And);
    w.condition(i.cc);
    w.op(Op.i64ExtendI32U, Op.i64Or).setReg(d.reg, 8);
    return true;
  }
  if (i.cc >= 0 && m.startsWith('cmov') && isGpr(d) && (isGpr(s) || isMem(i, s))) {
    // The source is read (and may fault) whether or not it moves; a 32-bit cmov always writes its destination.
    w.operand(s, size).reg(d.reg, size);
    w.condition(i.cc);
    w.op(Op.select).setReg(d.reg, size);
    return true;
  }
  if (m === 'xchg' && isGpr(d) && isGpr(s) && d.size === s.size) {
    // Between registers (with memory it locks: generic); a 32-bit exchange zero-extends both.
    const t = w.local(I64);
    w.reg(d.reg, 8).set(t);
    w.reg(s.reg, size).setReg(d.reg, size);
    w.get(t);
    if (size === 4) w.op(Op.i32WrapI64);
    w.setReg(s.reg, size);
    return true;
  }
  if (m === 'cdqe' || m === 'cwde') {
    // Sign-extend the low half of rax / eax into the whole.
    if (m === 'cdqe') w.reg(0, 8).op(Op.i64Extend32S).setReg(0, 8);
    else w.reg(0, 4).op(Op.i32Extend16S).setReg(0, 4);
    return true;
  }
  if (m === 'cqo' || m === 'cdq') {
    // rdx / edx: copies of the sign bit of rax / eax.
    if (m === 'cqo') w.reg(0, 8).i64(63, 0).op(Op.i64ShrS).setReg(2, 8);
    else w.reg(0, 4).i32(31).op(Op.i32ShrS).setReg(2, 4);
    return true;
  }
  if (m === 'push' && i.opSize === 8 && (isGpr(d, [8]) || d?.kind === OperandKind.Imm)) {
    w.push(() => w.operand(d, 8));
    return true;
  }
  if (m === 'pop' && isGpr(d, [8])) {
    const v = w.pop();
    w.get(v).setReg(d.reg, 8);
    return true;
  }
  return false;
}

/** mov between registers, memory and immediates, at any size but to the high-byte registers. */
function mov(w: RegionWriter, i: Instruction): boolean {
  const [d, s] = i.operands as [Operand, Operand];
  const size = d.size;
  if (isGpr(d) && (isGpr(s) || s.kind === OperandKind.Imm || isMem(i, s))) {
    w.operand(s, size).setReg(d.reg, size);
    return true;
  }
  if (isGpr(d, [1, 2]) && (isGpr(s, [1, 2]) || s.kind === OperandKind.Imm || isMem(i, s))) {
    pushAny(w, i, s, size);
    w.setRegLow(d.reg, size);
    return true;
  }
  if (isMem(i, d) && (isGpr(s, [1, 2, 4, 8]) || s.kind === OperandKind.Imm)) {
    w.store(d, size, () => pushAny(w, i, s, size));
    return true;
  }
  return false;
}

/** Pushes a register, immediate or memory operand of any size as an i64 (its low `size` bytes are the value). */
function pushAny(w: RegionWriter, i: Instruction, o: Operand, size: number): void {
  if (isGpr(o, [1, 2, 4, 8])) w.reg(o.reg, 8);
  else if (o.kind === OperandKind.Imm) w.i64(o.immLo, size === 8 ? o.immHi : 0);
  else if (isMem(i, o)) w.get(w.load(o, size));
  else throw new Unsupported();
}

/** movzx/movsx from 8 or 16 bits and movsxd from 32, register or memory source. */
function extend(w: RegionWriter, i: Instruction): boolean {
  const [d, s] = i.operands as [Operand, Operand];
  if (!(isGpr(s, [1, 2, 4]) || isMem(i, s)) || ![1, 2, 4].includes(s.size)) return false;
  const signed = i.mnemonic !== 'movzx';
  if (isGpr(s, [1, 2, 4])) w.reg(s.reg, 8);
  else w.get(w.load(s, s.size));
  if (signed) w.op(s.size === 1 ? Op.i64Extend8S : s.size === 2 ? Op.i64Extend16S : Op.i64Extend32S);
  else if (s.size !== 4) w.i64(s.size === 1 ? 0xff : 0xffff, 0).op(Op.i64And);
  else w.i64(-1, 0).op(Op.i64And);
  if (d.size === 8) w.setReg(d.reg, 8);
  else w.op(Op.i32WrapI64).setReg(d.reg, 4);
  return true;
}

/**
 * add/sub/cmp/and/or/xor/test of any size: register destination with any
 * source, or memory destination with register or immediate source. Bytes
 * and words are computed as sign-extended i32 (writer.ts `operand`).
 */
function alu(w: RegionWriter, i: Instruction, observed: boolean): boolean {
  const [d, s] = i.operands as [Operand, Operand];
  const size = d.size;
  const toMemory = isMem(i, d);
  const narrow = size === 1 || size === 2;
  if (!(isGpr(d, [1, 2, 4, 8]) || toMemory)) return false;
  if (!s || !(isGpr(s, [1, 2, 4, 8]) || s.kind === OperandKind.Imm || (!toMemory && isMem(i, s))))
    return false;
  const [kind, op32, flagOp] = ALU[i.mnemonic] as ['add' | 'sub' | 'logic', number, number];
  const compare = i.mnemonic === 'cmp' || i.mnemonic === 'test';
  const wide = size === 8;
  const type = wide ? I64 : I32;
  const a = w.local(type);
  const b = w.local(type);
  const r = w.local(type);
  w.operand(d, size).set(a);
  w.operand(s, size).set(b);
  w.get(a)
    .get(b)
    .op(wide ? (I64_OF[op32] as number) : op32);
  if (narrow) w.op(size === 1 ? Op.i32Extend8S : Op.i32Extend16S);
  w.set(r);
  if (!compare) {
    if (toMemory)
      w.store(d, size, () => {
        w.get(r);
        if (!wide) w.op(Op.i64ExtendI32U);
      });
    else if (narrow) w.get(r).op(Op.i64ExtendI32U).setRegLow(d.reg, size);
    else w.get(r).setReg(d.reg, size);
  }
  if (observed) w.record(flagOp, size, r, a, b);
  w.producer = { kind, wide, res: r, dst: a, src: b };
  return true;
}

function neg(w: RegionWriter, d: Operand, observed: boolean): true {
  const size = d.size;
  const wide = size === 8;
  const type = wide ? I64 : I32;
  const zero = w.local(type);
  const a = w.local(type);
  const r = w.local(type);
  w.reg(d.reg, size).set(a);
  (wide ? w.i64(0, 0) : w.i32(0)).set(zero);
  w.get(zero)
    .get(a)
    .op(wide ? Op.i64Sub : Op.i32Sub)
    .set(r);
  w.get(r).setReg(d.reg, size);
  if (observed) w.record(FlagOp.Sub, size, r, zero, a);
  w.producer = { kind: 'sub', wide, res: r, dst: zero, src: a };
  return true;
}

function incDec(w: RegionWriter, i: Instruction, observed: boolean): boolean {
  const d = i.operands[0] as Operand;
  if (!isGpr(d)) return false;
  const size = d.size;
  const wide = size === 8;
  const type = wide ? I64 : I32;
  const inc = i.mnemonic === 'inc';
  const a = w.local(type);
  const r = w.local(type);
  const cf = w.local(I32);
  // CF is kept: from the producer's locals when known, else from the record.
  const p = w.producer;
  if (p?.kind === 'logic') w.i32(0);
  else if (p?.kind === 'add')
    w.get(p.res)
      .get(p.dst)
      .op(p.wide ? Op.i64LtU : Op.i32LtU);
  else if (p?.kind === 'sub')
    w.get(p.dst)
      .get(p.src)
      .op(p.wide ? Op.i64LtU : Op.i32LtU);
  else if (p?.kind === 'incdec' && p.carry !== undefined) w.get(p.carry);
  else if (p?.kind === 'word') w.get(p.res).i32(1).op(Op.i32And);
  else w.slow(SLOW.carry);
  w.set(cf);
  w.reg(d.reg, size).set(a);
  w.get(a);
  if (wide) w.i64(1, 0).op(inc ? Op.i64Add : Op.i64Sub);
  else w.i32(1).op(inc ? Op.i32Add : Op.i32Sub);
  w.set(r);
  w.get(r).setReg(d.reg, size);
  if (observed) {
    w.record(inc ? FlagOp.Inc : FlagOp.Dec, size, r, a, null, 1);
    w.flagWord(F_AUX, () => w.get(cf));
  }
  w.producer = { kind: 'incdec', wide, res: r, dst: a, src: -1, carry: cf };
  return true;
}

function shift(w: RegionWriter, i: Instruction, observed: boolean): true {
  const [d, c] = i.operands as [Operand, Operand];
  const size = d.size;
  const wide = size === 8;
  const n = c.immLo & (wide ? 63 : 31);
  w.producer = null;
  if (n === 0) {
    // Nothing changes, flags included; a 32-bit register is still written.
    if (!wide) w.reg(d.reg, 4).setReg(d.reg, 4);
    return true;
  }
  const m = i.mnemonic === 'sal' ? 'shl' : i.mnemonic;
  const op32 = m === 'shl' ? Op.i32Shl : m === 'shr' ? Op.i32ShrU : Op.i32ShrS;
  const type = wide ? I64 : I32;
  const a = w.local(type);
  const r = w.local(type);
  w.reg(d.reg, size).set(a);
  w.get(a);
  if (wide) w.i64(n, 0).op(I64_OF[op32] as number);
  else w.i32(n).op(op32);
  w.set(r);
  w.get(r).setReg(d.reg, size);
  if (observed) {
    const flagOp = m === 'shl' ? FlagOp.Shl : m === 'shr' ? FlagOp.Shr : FlagOp.Sar;
    w.flagWord(F_OP, () => w.i32(flagOp * 16 + size));
    w.flagSlot(F_RES, r, wide);
    w.flagSlot(F_DST, a, wide);
    w.flagWord(F_AUX, () => w.i32(n));
  }
  return true;
}

/** rol/ror by an immediate whose CF and OF nothing observes (flag-liveness.ts): the flags stay as they were. */
function rotate(w: RegionWriter, i: Instruction): true {
  const [d, c] = i.operands as [Operand, Operand];
  const wide = d.size === 8;
  const n = c.immLo & (wide ? 63 : 31);
  // The flags record is untouched, so conditions after this read it, not the producer's locals.
  w.producer = null;
  w.reg(d.reg, d.size);
  if (n !== 0) {
    const left = i.mnemonic === 'rol';
    if (wide) w.i64(n, 0).op(left ? Op.i64Rotl : Op.i64Rotr);
    else w.i32(n).op(left ? Op.i32Rotl : Op.i32Rotr);
  }
  // A 32-bit register is written (its high half cleared) even by a count of 0.
  w.setReg(d.reg, d.size);
  return true;
}

/**
 * imul r, r/m [, imm]: the low half of the product and, where observed, the
 * flags the generic form sets (handlers/muldiv.ts): CF = OF = "the signed
 * product did not fit", SF, ZF and PF of the low half, AF clear.
 */
function imul(w: RegionWriter, i: Instruction, observed: boolean): true {
  const [d, s, t] = i.operands as [Operand, Operand, Operand | undefined];
  const size = d.size;
  const wide = size === 8;
  const type = wide ? I64 : I32;
  const a = w.local(type);
  const b = w.local(type);
  const low = w.local(type);
  w.operand(s, size).set(a);
  (t ? w.operand(t, size) : w.reg(d.reg, size)).set(b);
  w.get(a)
    .get(b)
    .op(wide ? Op.i64Mul : Op.i32Mul)
    .set(low);
  w.get(low).setReg(d.reg, size);
  w.producer = null;
  if (!observed) return true;
  const fits = w.local(I32);
  if (!wide) {
    // The exact product fits in an i64.
    w.get(a).op(Op.i64ExtendI32S).get(b).op(Op.i64ExtendI32S, Op.i64Mul);
    w.get(low).op(Op.i64ExtendI32S, Op.i64Eq).set(fits);
  } else {
    const hi = signedHighHalf(w, a, b);
    w.get(hi).get(low).i64(63, 0).op(Op.i64ShrS, Op.i64Eq).set(fits);
  }
  const zero = wide ? Op.i64Eqz : Op.i32Eqz;
  w.flagWord(F_OP, () => w.i32(FlagOp.Known));
  w.flagWord(F_KNOWN, () => {
    w.i32(0).i32(0x801).get(fits).op(Op.select);
    w.get(low);
    if (wide) w.i64(0, 0).op(Op.i64LtS);
    else w.i32(0).op(Op.i32LtS);
    w.i32(7).op(Op.i32Shl, Op.i32Or);
    w.get(low).op(zero).i32(6).op(Op.i32Shl, Op.i32Or);
    // PF: even number of set bits in the low byte.
    w.get(low);
    if (wide) w.op(Op.i32WrapI64);
    w.i32(0xff)
      .op(Op.i32And, Op.i32Popcnt)
      .i32(1)
      .op(Op.i32And)
      .i32(1)
      .op(Op.i32Xor)
      .i32(2)
      .op(Op.i32Shl, Op.i32Or);
  });
  return true;
}

/** The high half of the signed 128-bit product of i64 locals a and b, into a fresh local. */
function signedHighHalf(w: RegionWriter, a: number, b: number): number {
  // The high half of the unsigned product from 32-bit limbs, then corrected for the signs.
  const [al, ah, bl, bh, u, hi] = [0, 0, 0, 0, 0, 0].map(() => w.local(I64)) as number[];
  const lo32 = (x: number, into: number) => w.get(x).i64(-1, 0).op(Op.i64And).set(into);
  const hi32 = (x: number, into: number) => w.get(x).i64(32, 0).op(Op.i64ShrU).set(into);
  lo32(a, al as number);
  hi32(a, ah as number);
  lo32(b, bl as number);
  hi32(b, bh as number);
  // u = ah*bl + (al*bl >> 32); v = al*bh + (u & 0xffffffff); hi = ah*bh + (u >> 32) + (v >> 32)
  w.get(ah as number)
    .get(bl as number)
    .op(Op.i64Mul);
  w.get(al as number)
    .get(bl as number)
    .op(Op.i64Mul)
    .i64(32, 0)
    .op(Op.i64ShrU, Op.i64Add)
    .set(u as number);
  w.get(ah as number)
    .get(bh as number)
    .op(Op.i64Mul);
  w.get(u as number)
    .i64(32, 0)
    .op(Op.i64ShrU, Op.i64Add);
  w.get(al as number)
    .get(bh as number)
    .op(Op.i64Mul);
  w.get(u as number)
    .i64(-1, 0)
    .op(Op.i64And, Op.i64Add)
    .i64(32, 0)
    .op(Op.i64ShrU, Op.i64Add);
  // Signed high half: subtract b when a < 0 and a when b < 0.
  w.get(b).i64(0, 0).get(a).i64(0, 0).op(Op.i64LtS, Op.select, Op.i64Sub);
  w.get(a)
    .i64(0, 0)
    .get(b)
    .i64(0, 0)
    .op(Op.i64LtS, Op.select, Op.i64Sub)
    .set(hi as number);
  return hi as number;
}

function lea(w: RegionWriter, i: Instruction): boolean {
  const [d, mem] = i.operands as [Operand, Operand];
  if (!isGpr(d) || !mem || mem.kind !== OperandKind.Mem || mem.base === -2) return false;
  w.effectiveAddress(i, mem);
  if (d.size === 4 || i.addrSize === 4) w.op(Op.i32WrapI64).setReg(d.reg, 4);
  else w.setReg(d.reg, 8);
  return true;
}
