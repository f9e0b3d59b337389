/**
 * Translates a region whose instructions all work on general registers only
 * (mov, lea, the ALU ops, shifts, inc/dec, neg/not, imul, extensions, setcc,
 * cmovcc, direct jumps) into a WebAssembly function. 64-bit arithmetic is one
 * i64 operation there, where JavaScript needs two 32-bit halves, and the code
 * is compiled ahead of time, with no speculation to undo. Anything else (a
 * memory operand, a call, a generic instruction) leaves the region to the
 * JavaScript translator (block-compiler.ts); so do regions on hosts without
 * WebAssembly.
 *
 * Layout of the function, for blocks B0..Bn-1:
 *
 *   loop $top
 *     block $exit
 *       block $Bn-1 … block $B0  br_table(entry) end  <code of B0>  end  <code of B1> … end
 *     end
 *   end
 *   <write back the registers, the count>  return rip
 *
 * A branch to a block of the region sets `entry` and goes back to $top; one
 * that leaves sets the rip to return and breaks out of $exit. As in the
 * JavaScript translation, the state is the same as the interpreter's at every
 * exit: registers in the state memory, the lazy-flags record (flags.ts)
 * written wherever its flags may be observed.
 */
import {
  type Instruction,
  type Operand,
  OperandKind,
  RegClass,
  RIP_BASE,
} from '../../decoder/instruction.js';
import type { Cpu } from '../cpu.js';
import { flagsObserved } from '../flag-liveness.js';
import {
  carryOf,
  computeFlags,
  conditionHolds,
  F_AUX,
  F_DST,
  F_KNOWN,
  F_OP,
  F_RES,
  F_SRC,
  FlagOp,
} from '../flags.js';
import { Bytes, encodeModule, F64, I32, I64, Op, VOID } from './encoder.js';
import { STATE, wasmApi } from './state.js';

/** Parameters and fixed locals of a region function. */
const ENTRY = 0;
const LIMIT = 1;
const COUNT = 2;
const RIP = 3;
const REG0 = 4;

const IMPORT_COND = 0;
const IMPORT_CARRY = 1;

const TWO32 = 4294967296;

class Unsupported extends Error {}

/** What the last flag-setting instruction of the block left in locals, for a condition right after it. */
interface Producer {
  kind: 'sub' | 'logic' | 'add' | 'incdec';
  wide: boolean;
  res: number;
  dst: number;
  src: number;
  /** inc/dec: the local with the CF it kept. */
  carry?: number;
}

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

function isGpr(o: Operand | undefined, sizes: number[] = [4, 8]): boolean {
  return !!o && o.kind === OperandKind.Reg && o.regClass === RegClass.Gpr && sizes.includes(o.size);
}

/** The body of one region function, instruction by instruction. */
class RegionWriter {
  readonly b = new Bytes();
  readonly locals: number[] = [I32, F64];
  readonly used = new Set<number>();
  readonly dirty = new Set<number>();
  /** Labels between the current code and $exit (the blocks after this one, and open ifs). */
  private depth = 0;
  private producer: Producer | null = null;

  constructor(private readonly index: Map<number, number>) {
    for (let n = 0; n < 16; n++) this.locals.push(I64);
  }

  local(type: number): number {
    this.locals.push(type);
    return this.locals.length + 1;
  }

  get(l: number): this {
    this.b.byte(Op.localGet).u32(l);
    return this;
  }

  set(l: number): this {
    this.b.byte(Op.localSet).u32(l);
    return this;
  }

  op(...codes: number[]): this {
    this.b.bytes(codes);
    return this;
  }

  i32(v: number): this {
    this.b.byte(Op.i32Const).s32(v);
    return this;
  }

  i64(lo: number, hi: number): this {
    this.b.byte(Op.i64Const).s64(lo, hi);
    return this;
  }

  i64Number(v: number): this {
    return this.i64((v % TWO32) | 0, Math.floor(v / TWO32) | 0);
  }

  /** Pushes general register n at `size` (i64 for 8, i32 for 4). */
  reg(n: number, size: number): this {
    this.used.add(n);
    this.get(REG0 + n);
    if (size === 4) this.op(Op.i32WrapI64);
    return this;
  }

  /** Pops a value of `size` into general register n (a 32-bit write clears the high half). */
  setReg(n: number, size: number): this {
    this.used.add(n);
    this.dirty.add(n);
    if (size === 4) this.op(Op.i64ExtendI32U);
    return this.set(REG0 + n);
  }

  /** Pushes a register or immediate source operand. */
  operand(o: Operand, size: number): this {
    if (isGpr(o)) return this.reg(o.reg, size);
    if (o.kind === OperandKind.Imm) return size === 8 ? this.i64(o.immLo, o.immHi) : this.i32(o.immLo);
    throw new Unsupported();
  }

  /** Stores the value of `local` (i32 or i64 by `wide`) as the 64-bit slot at byte `offset` of the flags record. */
  private flagSlot(slot: number, local: number | null, wide: boolean, constant = 0): void {
    this.i32(0);
    if (local === null) this.i64(constant, 0);
    else {
      this.get(local);
      if (!wide) this.op(Op.i64ExtendI32U);
    }
    this.b
      .byte(Op.i64Store)
      .u32(2)
      .u32(STATE.flags + 4 * slot);
  }

  private flagWord(slot: number, push: () => void): void {
    this.i32(0);
    push();
    this.b
      .byte(Op.i32Store)
      .u32(2)
      .u32(STATE.flags + 4 * slot);
  }

  /** The lazy-flags record of an arithmetic result (flags.ts), as the JavaScript translation writes it. */
  record(op: number, size: number, res: number, dst: number | null, src: number | null, srcConst = 0): void {
    const wide = size === 8;
    this.flagWord(F_OP, () => this.i32(op * 16 + size));
    this.flagSlot(F_RES, res, wide);
    this.flagSlot(F_DST, dst, wide);
    this.flagSlot(F_SRC, src, wide, srcConst);
  }

  // ---- conditions -------------------------------------------------------------

  /** Pushes an i32 that is non-zero when condition `cc` holds. */
  condition(cc: number): void {
    const p = this.producer;
    if (p && this.fused(cc, p)) return;
    this.i32(cc).op(Op.call).b.u32(IMPORT_COND);
  }

  private fused(cc: number, p: Producer): boolean {
    const c2 = cc >> 1;
    const w = p.wide;
    const zero = () => this.get(p.res).op(w ? Op.i64Eqz : Op.i32Eqz);
    const sign = () => this.get(p.res).op(...(w ? [Op.i64Const, 0, Op.i64LtS] : [Op.i32Const, 0, Op.i32LtS]));
    const below = () =>
      this.get(p.dst)
        .get(p.src)
        .op(w ? Op.i64LtU : Op.i32LtU);
    const less = () =>
      this.get(p.dst)
        .get(p.src)
        .op(w ? Op.i64LtS : Op.i32LtS);
    let emit: (() => void) | null = null;
    if (c2 === 2) emit = zero;
    else if (c2 === 4) emit = sign;
    else if (p.kind === 'logic') {
      if (c2 === 0 || c2 === 1) emit = () => this.i32(0);
      else if (c2 === 3) emit = zero;
      else if (c2 === 6) emit = sign;
      else if (c2 === 7)
        emit = () => {
          zero();
          sign();
          this.op(Op.i32Or);
        };
    } else if (p.kind === 'sub') {
      if (c2 === 1) emit = below;
      else if (c2 === 3)
        emit = () => {
          below();
          zero();
          this.op(Op.i32Or);
        };
      else if (c2 === 6) emit = less;
      else if (c2 === 7)
        emit = () => {
          less();
          zero();
          this.op(Op.i32Or);
        };
    }
    if (!emit || (p.kind === 'incdec' && c2 !== 2 && c2 !== 4)) return false;
    emit();
    if (cc & 1) this.op(Op.i32Eqz);
    return true;
  }

  // ---- instructions -------------------------------------------------------------

  /** Writes one instruction; false when this translator does not take it. */
  instruction(i: Instruction, observed: boolean): boolean {
    if (i.invalid || i.lock || i.rep) return false;
    const m = i.mnemonic;
    const [d, s, t] = i.operands as [Operand, Operand, Operand | undefined];
    if (m === 'nop' || m === 'endbr64') return true;
    const size = d?.size ?? 0;
    if (m in ALU) return this.alu(i, observed);
    if (m === 'mov' && isGpr(d) && s && (isGpr(s) || s.kind === OperandKind.Imm)) {
      this.operand(s, size).setReg(d.reg, size);
      return true;
    }
    if (m === 'lea') return this.lea(i);
    if (m === 'inc' || m === 'dec') return this.incDec(i, observed);
    if ((m === 'shl' || m === 'sal' || m === 'shr' || m === 'sar') && isGpr(d) && s?.kind === OperandKind.Imm)
      return this.shift(i, observed);
    if (m === 'not' && isGpr(d)) {
      this.reg(d.reg, size);
      if (size === 8) this.i64(-1, -1).op(Op.i64Xor);
      else this.i32(-1).op(Op.i32Xor);
      this.setReg(d.reg, size);
      return true;
    }
    if (m === 'neg' && isGpr(d)) return this.neg(d, observed);
    if (m === 'imul' && isGpr(d) && isGpr(s) && (!t || t.kind === OperandKind.Imm))
      return this.imul(i, observed);
    if ((m === 'movzx' || m === 'movsx' || m === 'movsxd') && isGpr(d) && isGpr(s, [1, 2, 4])) {
      this.reg(s.reg, 4);
      const signed = m !== 'movzx';
      if (s.size === 1) signed ? this.op(Op.i32Extend8S) : this.i32(0xff).op(Op.i32And);
      if (s.size === 2) signed ? this.op(Op.i32Extend16S) : this.i32(0xffff).op(Op.i32And);
      if (size === 8 && signed) this.op(Op.i64ExtendI32S).setReg(d.reg, 8);
      else this.setReg(d.reg, 4);
      return true;
    }
    if (i.cc >= 0 && m.startsWith('set') && isGpr(d, [1])) {
      // The low byte of the register; the rest is kept.
      this.reg(d.reg, 8).i64(~0xff, -1).op(Op.i64And);
      this.condition(i.cc);
      this.op(Op.i64ExtendI32U, Op.i64Or).setReg(d.reg, 8);
      return true;
    }
    if (i.cc >= 0 && m.startsWith('cmov') && isGpr(d) && isGpr(s)) {
      // A 32-bit cmov writes (and so zero-extends) its destination whether or not it moves.
      this.reg(s.reg, size).reg(d.reg, size);
      this.condition(i.cc);
      this.op(Op.select).setReg(d.reg, size);
      return true;
    }
    return false;
  }

  private alu(i: Instruction, observed: boolean): true {
    const [d, s] = i.operands as [Operand, Operand];
    const size = d.size;
    if (!isGpr(d) || !s || !(isGpr(s) || s.kind === OperandKind.Imm)) throw new Unsupported();
    const [kind, op32, flagOp] = ALU[i.mnemonic] as ['add' | 'sub' | 'logic', number, number];
    const wide = size === 8;
    const type = wide ? I64 : I32;
    const a = this.local(type);
    const b = this.local(type);
    const r = this.local(type);
    this.operand(d, size).set(a);
    this.operand(s, size).set(b);
    this.get(a)
      .get(b)
      .op(wide ? (I64_OF[op32] as number) : op32)
      .set(r);
    if (i.mnemonic !== 'cmp' && i.mnemonic !== 'test') this.get(r).setReg(d.reg, size);
    if (observed) this.record(flagOp, size, r, a, b);
    this.producer = { kind, wide, res: r, dst: a, src: b };
    return true;
  }

  private neg(d: Operand, observed: boolean): true {
    const size = d.size;
    const wide = size === 8;
    const type = wide ? I64 : I32;
    const zero = this.local(type);
    const a = this.local(type);
    const r = this.local(type);
    this.reg(d.reg, size).set(a);
    (wide ? this.i64(0, 0) : this.i32(0)).set(zero);
    this.get(zero)
      .get(a)
      .op(wide ? Op.i64Sub : Op.i32Sub)
      .set(r);
    this.get(r).setReg(d.reg, size);
    if (observed) this.record(FlagOp.Sub, size, r, zero, a);
    this.producer = { kind: 'sub', wide, res: r, dst: zero, src: a };
    return true;
  }

  private incDec(i: Instruction, observed: boolean): true {
    const d = i.operands[0] as Operand;
    if (!isGpr(d)) throw new Unsupported();
    const size = d.size;
    const wide = size === 8;
    const type = wide ? I64 : I32;
    const inc = i.mnemonic === 'inc';
    const a = this.local(type);
    const r = this.local(type);
    const cf = this.local(I32);
    // CF is kept: from the producer's locals when known, else from the record.
    const p = this.producer;
    if (p?.kind === 'logic') this.i32(0);
    else if (p?.kind === 'add')
      this.get(p.res)
        .get(p.dst)
        .op(p.wide ? Op.i64LtU : Op.i32LtU);
    else if (p?.kind === 'sub')
      this.get(p.dst)
        .get(p.src)
        .op(p.wide ? Op.i64LtU : Op.i32LtU);
    else if (p?.kind === 'incdec' && p.carry !== undefined) this.get(p.carry);
    else this.op(Op.call).b.u32(IMPORT_CARRY);
    this.set(cf);
    this.reg(d.reg, size).set(a);
    this.get(a);
    if (wide) this.i64(1, 0).op(inc ? Op.i64Add : Op.i64Sub);
    else this.i32(1).op(inc ? Op.i32Add : Op.i32Sub);
    this.set(r);
    this.get(r).setReg(d.reg, size);
    if (observed) {
      this.record(inc ? FlagOp.Inc : FlagOp.Dec, size, r, a, null, 1);
      this.flagWord(F_AUX, () => this.get(cf));
    }
    this.producer = { kind: 'incdec', wide, res: r, dst: a, src: -1, carry: cf };
    return true;
  }

  private shift(i: Instruction, observed: boolean): true {
    const [d, c] = i.operands as [Operand, Operand];
    const size = d.size;
    const wide = size === 8;
    const n = c.immLo & (wide ? 63 : 31);
    this.producer = null;
    if (n === 0) {
      // Nothing changes, flags included; a 32-bit register is still written.
      if (!wide) this.reg(d.reg, 4).setReg(d.reg, 4);
      return true;
    }
    const m = i.mnemonic === 'sal' ? 'shl' : i.mnemonic;
    const op32 = m === 'shl' ? Op.i32Shl : m === 'shr' ? Op.i32ShrU : Op.i32ShrS;
    const type = wide ? I64 : I32;
    const a = this.local(type);
    const r = this.local(type);
    this.reg(d.reg, size).set(a);
    this.get(a);
    if (wide) this.i64(n, 0).op(I64_OF[op32] as number);
    else this.i32(n).op(op32);
    this.set(r);
    this.get(r).setReg(d.reg, size);
    if (observed) {
      const flagOp = m === 'shl' ? FlagOp.Shl : m === 'shr' ? FlagOp.Shr : FlagOp.Sar;
      this.flagWord(F_OP, () => this.i32(flagOp * 16 + size));
      this.flagSlot(F_RES, r, wide);
      this.flagSlot(F_DST, a, wide);
      this.flagWord(F_AUX, () => this.i32(n));
    }
    return true;
  }

  /**
   * imul r, r [, imm]: the low half of the product and, where observed, the
   * flags the generic form sets (handlers/muldiv.ts): CF = OF = "the signed
   * product did not fit", SF, ZF and PF of the low half, AF clear.
   */
  private imul(i: Instruction, observed: boolean): true {
    const [d, s, t] = i.operands as [Operand, Operand, Operand | undefined];
    const size = d.size;
    const wide = size === 8;
    const type = wide ? I64 : I32;
    const a = this.local(type);
    const b = this.local(type);
    const low = this.local(type);
    this.operand(s, size).set(a);
    (t ? this.operand(t, size) : this.reg(d.reg, size)).set(b);
    this.get(a)
      .get(b)
      .op(wide ? Op.i64Mul : Op.i32Mul)
      .set(low);
    this.get(low).setReg(d.reg, size);
    this.producer = null;
    if (!observed) return true;
    const fits = this.local(I32);
    if (!wide) {
      // The exact product fits in an i64.
      this.get(a).op(Op.i64ExtendI32S).get(b).op(Op.i64ExtendI32S, Op.i64Mul);
      this.get(low).op(Op.i64ExtendI32S, Op.i64Eq).set(fits);
    } else {
      // The high half of the unsigned product from 32-bit limbs, then corrected for the signs.
      const [al, ah, bl, bh, u, hi] = [0, 0, 0, 0, 0, 0].map(() => this.local(I64)) as number[];
      const lo32 = (x: number, into: number) => this.get(x).i64(-1, 0).op(Op.i64And).set(into);
      const hi32 = (x: number, into: number) => this.get(x).i64(32, 0).op(Op.i64ShrU).set(into);
      lo32(a, al as number);
      hi32(a, ah as number);
      lo32(b, bl as number);
      hi32(b, bh as number);
      // u = ah*bl + (al*bl >> 32); v = al*bh + (u & 0xffffffff); hi = ah*bh + (u >> 32) + (v >> 32)
      this.get(ah as number)
        .get(bl as number)
        .op(Op.i64Mul);
      this.get(al as number)
        .get(bl as number)
        .op(Op.i64Mul)
        .i64(32, 0)
        .op(Op.i64ShrU, Op.i64Add)
        .set(u as number);
      this.get(ah as number)
        .get(bh as number)
        .op(Op.i64Mul);
      this.get(u as number)
        .i64(32, 0)
        .op(Op.i64ShrU, Op.i64Add);
      this.get(al as number)
        .get(bh as number)
        .op(Op.i64Mul);
      this.get(u as number)
        .i64(-1, 0)
        .op(Op.i64And, Op.i64Add)
        .i64(32, 0)
        .op(Op.i64ShrU, Op.i64Add);
      // Signed high half: subtract b when a < 0 and a when b < 0.
      this.get(b).i64(0, 0).get(a).i64(0, 0).op(Op.i64LtS, Op.select, Op.i64Sub);
      this.get(a)
        .i64(0, 0)
        .get(b)
        .i64(0, 0)
        .op(Op.i64LtS, Op.select, Op.i64Sub)
        .set(hi as number);
      this.get(hi as number)
        .get(low)
        .i64(63, 0)
        .op(Op.i64ShrS, Op.i64Eq)
        .set(fits);
    }
    const zero = wide ? Op.i64Eqz : Op.i32Eqz;
    this.flagWord(F_OP, () => this.i32(FlagOp.Known));
    this.flagWord(F_KNOWN, () => {
      this.i32(0).i32(0x801).get(fits).op(Op.select);
      this.get(low);
      if (wide) this.i64(0, 0).op(Op.i64LtS);
      else this.i32(0).op(Op.i32LtS);
      this.i32(7).op(Op.i32Shl, Op.i32Or);
      this.get(low).op(zero).i32(6).op(Op.i32Shl, Op.i32Or);
      // PF: even number of set bits in the low byte.
      this.get(low);
      if (wide) this.op(Op.i32WrapI64);
      this.i32(0xff)
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

  private lea(i: Instruction): true {
    const [d, mem] = i.operands as [Operand, Operand];
    if (!isGpr(d) || !mem || mem.kind !== OperandKind.Mem || mem.base === -2) throw new Unsupported();
    if (mem.base === RIP_BASE) this.i64Number(i.address + i.length + mem.disp);
    else {
      let terms = 0;
      if (mem.base >= 0) {
        this.reg(mem.base, 8);
        terms++;
      }
      if (mem.index >= 0) {
        this.reg(mem.index, 8);
        if (mem.scale > 1) this.i64(mem.scale, 0).op(Op.i64Mul);
        if (terms++) this.op(Op.i64Add);
      }
      if (mem.disp !== 0 || terms === 0) {
        this.i64(mem.disp, mem.disp < 0 ? -1 : 0);
        if (terms) this.op(Op.i64Add);
      }
    }
    if (d.size === 4 || i.addrSize === 4) this.op(Op.i32WrapI64).setReg(d.reg, 4);
    else this.setReg(d.reg, 8);
    return true;
  }

  // ---- control ------------------------------------------------------------------

  /** Leaves the region for `target`. */
  private leave(target: number): void {
    this.b.byte(Op.f64Const).f64(target);
    this.set(RIP);
    this.b.byte(Op.br).u32(this.depth);
  }

  /** Goes to `target`: inside the region unless the slice is used up, else out. */
  edge(target: number): void {
    const j = this.index.get(target);
    if (j === undefined) {
      this.leave(target);
      return;
    }
    this.get(COUNT).get(LIMIT).op(Op.i32GeS, Op.if, VOID);
    this.depth++;
    this.leave(target);
    this.depth--;
    this.op(Op.end);
    this.i32(j).set(ENTRY);
    this.b.byte(Op.br).u32(this.depth + 1);
  }

  /** One basic block; `after` is how many blocks of the region follow it. */
  block(insns: Instruction[], after: number): void {
    this.depth = after;
    this.producer = null;
    const observed = flagsObserved(insns);
    const last = insns[insns.length - 1] as Instruction;
    const body = insns.slice();
    const o = last.operands[0];
    const direct = o?.kind === OperandKind.Rel && !last.invalid;
    const cond = direct && last.cc >= 0 && last.mnemonic.startsWith('j');
    const jump = direct && last.mnemonic === 'jmp';
    if (cond || jump) body.pop();
    else if (semanticBranch(last)) throw new Unsupported();
    body.forEach((insn, n) => {
      if (!this.instruction(insn, observed[n] as boolean)) throw new Unsupported();
    });
    this.get(COUNT).i32(insns.length).op(Op.i32Add).set(COUNT);
    const fall = last.address + last.length;
    if (cond) {
      this.condition(last.cc);
      this.op(Op.if, VOID);
      this.depth++;
      this.edge((o as Operand).target);
      this.depth--;
      this.op(Op.end);
      this.edge(fall);
    } else if (jump) this.edge((o as Operand).target);
    else this.edge(fall);
  }
}

/** Instructions that transfer control in a way the translator leaves to JavaScript. */
function semanticBranch(i: Instruction): boolean {
  const m = i.mnemonic;
  return (
    m.startsWith('j') ||
    m.startsWith('call') ||
    m.startsWith('ret') ||
    m.startsWith('loop') ||
    m === 'syscall'
  );
}

/** The WebAssembly function of a region, or null when one of its instructions is not translated here. */
export function compileWasmRegion(cpu: Cpu, blocks: Instruction[][]): ((entry: number) => number) | null {
  const api = wasmApi;
  const memory = cpu.state.memory;
  if (!api || !memory || blocks.length === 0) return null;
  const index = new Map<number, number>();
  blocks.forEach((b, j) => {
    if (b[0]) index.set(b[0].address, j);
  });
  const w = new RegionWriter(index);
  const code = new RegionWriter(index);
  try {
    // The blocks first, into their own buffer: the registers they use decide the prologue.
    const n = blocks.length;
    code.op(Op.loop, VOID, Op.block, VOID);
    for (let j = 0; j < n; j++) code.op(Op.block, VOID);
    code.get(ENTRY).op(Op.brTable).b.u32(n);
    for (let j = 0; j < n; j++) code.b.u32(j);
    code.b.u32(0);
    code.op(Op.end);
    blocks.forEach((insns, j) => {
      code.block(insns, n - 1 - j);
      code.op(Op.end);
    });
    code.op(Op.end);
  } catch (e) {
    if (e instanceof Unsupported) return null;
    throw e;
  }
  for (const r of code.used) {
    w.i32(0)
      .b.byte(Op.i64Load)
      .u32(3)
      .u32(STATE.registers + 8 * r);
    w.set(REG0 + r);
  }
  w.b.bytes(code.b.view());
  for (const r of code.dirty)
    w.i32(0)
      .get(REG0 + r)
      .b.byte(Op.i64Store)
      .u32(3)
      .u32(STATE.registers + 8 * r);
  w.i32(0).get(COUNT).b.byte(Op.i32Store).u32(2).u32(STATE.count);
  w.get(RIP);
  const bytes = encodeModule({
    imports: [
      { name: 'cond', type: { params: [I32], results: [I32] } },
      { name: 'carry', type: { params: [], results: [I32] } },
    ],
    exported: {
      name: 'run',
      type: { params: [I32, I32], results: [F64] },
      locals: code.locals,
      body: w.b,
    },
  });
  const F = cpu.F;
  const instance = new api.Instance(new api.Module(bytes), {
    x: {
      mem: memory,
      cond: (cc: number) => (conditionHolds(computeFlags(F), cc) ? 1 : 0),
      carry: () => carryOf(F),
    },
  });
  const run = instance.exports.run as (entry: number, limit: number) => number;
  const count = cpu.state.count;
  return (entry: number): number => {
    const rip = run(entry, Math.min(cpu.loopLimit - cpu.loopCount, 0x7fffffff));
    cpu.loopCount += count[0] as number;
    return rip;
  };
}
