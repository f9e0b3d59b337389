/**
 * The code writer of a WebAssembly region: locals for the guest registers,
 * the lazy-flags record, conditions, guest memory through the memory port's
 * translation caches, and the edges between the region's blocks.
 *
 * Guest memory: an access whose page is in the port's cache for its kind
 * (memory-port.ts; the tables live in the same WebAssembly memory as the RAM)
 * is one load or store at the cached physical page. Any other access takes a
 * slow path: the registers the region changed and its instruction count are
 * written back first, so that a fault there finds the state exact, and the
 * port does the access (and fills its cache) through an imported function.
 */
import {
  type Instruction,
  type Operand,
  OperandKind,
  RegClass,
  RIP_BASE,
} from '../../decoder/instruction.js';
import { F_DST, F_OP, F_RES, F_SRC } from '../flags.js';
import { CACHE_TABLE } from '../memory-port.js';
import { Bytes, F64, type FuncType, I32, I64, Op, V128, VOID } from './encoder.js';
import { STATE } from './state.js';

/** Parameters and fixed locals of a region function. */
export const ENTRY = 0;
export const LIMIT = 1;
export const COUNT = 2;
export const RIP = 3;
export const REG0 = 4;
export const XMM0 = REG0 + 16;

/**
 * The slow paths (JavaScript, links.ts): their slots in the function table a
 * region imports, and the index of their type in a region's module
 * (SLOW_TYPES, after the region function's own). Calling through the table
 * rather than importing them keeps a region's module cheap to make.
 */
export const SLOW = {
  cond: { slot: 0, type: 1 },
  carry: { slot: 1, type: 2 },
  load: { slot: 2, type: 3 },
  store: { slot: 3, type: 3 },
  fault: { slot: 4, type: 4 },
  generic: { slot: 5, type: 5 },
} as const;
export const SLOW_TYPES: FuncType[] = [
  { params: [I32], results: [I32] },
  { params: [], results: [I32] },
  { params: [F64, I32, I32], results: [] },
  { params: [I32], results: [] },
  { params: [I32], results: [F64] },
];
/** Added to an access's size in the `kind` of a slow path: the address is formed from RSP or RBP (#SS, not #GP). */
export const STACK_ACCESS = 32;

const TWO32 = 4294967296;
const RSP = 4;

export class Unsupported extends Error {}

/** What the last flag-setting instruction of the block left in locals, for a condition right after it. */
export interface Producer {
  /** word: the flags themselves, as a materialised RFLAGS word in `res` (comisd). */
  kind: 'sub' | 'logic' | 'add' | 'incdec' | 'word';
  wide: boolean;
  res: number;
  dst: number;
  src: number;
  /** inc/dec: the local with the CF it kept. */
  carry?: number;
}

/** What a region's translation knows before it starts. */
export interface RegionPlan {
  /** Block number of each block's first rip. */
  index: Map<number, number>;
  /** Offset of the CPU state (state.ts) in the memory. */
  base: number;
  /** Whether the RAM is in the memory (else any memory access leaves the region to JavaScript). */
  memory: boolean;
  /** Registers to write back before a slow path: those the region writes (from a first translation). */
  spill: ReadonlySet<number>;
  /** XMM registers to write back likewise, and the registers to read again after a generic instruction. */
  spillXmm: ReadonlySet<number>;
  reload: ReadonlySet<number>;
  reloadXmm: ReadonlySet<number>;
  /** Where a `ret` may land without leaving: the return sites of the region's calls. */
  returnSites: readonly number[];
  /** Targets expected after indirect sites, by the site's rip (block-cache.ts). */
  predicted: ReadonlyMap<number, readonly number[]>;
}

export function isGpr(o: Operand | undefined, sizes: number[] = [4, 8]): boolean {
  return !!o && o.kind === OperandKind.Reg && o.regClass === RegClass.Gpr && sizes.includes(o.size);
}

/** A memory operand this writer addresses: 64-bit addressing, no moffs (FS and GS add their base; other segments none). */
export function isMem(i: Instruction, o: Operand | undefined): boolean {
  return !!o && o.kind === OperandKind.Mem && i.addrSize === 8 && o.base !== -2;
}

/** SIMD instruction numbers (core spec 5.4.8). */
export const SIMD = { load: 0x00, store: 0x0b } as const;

const LOAD: Record<number, number> = { 1: Op.i64Load8U, 2: Op.i64Load16U, 4: Op.i64Load32U, 8: Op.i64Load };
const STORE: Record<number, number> = { 1: Op.i64Store8, 2: Op.i64Store16, 4: Op.i64Store32, 8: Op.i64Store };

export class RegionWriter {
  readonly b = new Bytes();
  readonly locals: number[] = [I32, F64];
  readonly used = new Set<number>();
  readonly dirty = new Set<number>();
  readonly usedXmm = new Set<number>();
  readonly dirtyXmm = new Set<number>();
  /** Labels between the current code and $exit (the blocks after this one, and open ifs). */
  depth = 0;
  producer: Producer | null = null;
  /** Instructions run through their JavaScript implementation. */
  generics = 0;
  /** The instruction being translated, and its index in the region (`cpu.k`). */
  insn: Instruction | null = null;
  k = 0;

  constructor(readonly plan: RegionPlan) {
    for (let n = 0; n < 16; n++) this.locals.push(I64);
    for (let n = 0; n < 16; n++) this.locals.push(V128);
  }

  /** Pushes XMM register n (a v128). */
  xmm(n: number): this {
    this.usedXmm.add(n);
    return this.get(XMM0 + n);
  }

  /** Pops a v128 into XMM register n. */
  setXmm(n: number): this {
    this.usedXmm.add(n);
    this.dirtyXmm.add(n);
    return this.set(XMM0 + n);
  }

  /** A SIMD instruction (0xfd prefix) by its number. */
  simd(code: number): this {
    this.b.byte(Op.prefixFd).u32(code);
    return this;
  }

  /** Calls a slow path through the table; its arguments are on the stack. */
  slow(path: (typeof SLOW)[keyof typeof SLOW]): this {
    this.i32(path.slot).op(Op.callIndirect).b.u32(path.type).u32(0);
    return this;
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

  /** Pops an i64 whose low `size` bytes (1 or 2) replace those of register n; the rest is kept. */
  setRegLow(n: number, size: number): this {
    const mask = size === 1 ? 0xff : 0xffff;
    const v = this.local(I64);
    this.set(v);
    this.reg(n, 8).i64(~mask, -1).op(Op.i64And);
    this.get(v).i64(mask, 0).op(Op.i64And, Op.i64Or);
    return this.setReg(n, 8);
  }

  /**
   * Pushes a register, immediate or memory source operand: i64 for size 8,
   * i32 for 4, and for 1 and 2 an i32 sign-extended from that size (unsigned
   * and signed comparisons of such values order them as their low bytes).
   */
  operand(o: Operand, size: number): this {
    if (size === 1 || size === 2) {
      if (isGpr(o, [1, 2])) this.reg(o.reg, 4);
      else if (o.kind === OperandKind.Imm) this.i32(o.immLo);
      else if (isMem(this.insn as Instruction, o)) this.get(this.load(o, size)).op(Op.i32WrapI64);
      else throw new Unsupported();
      return this.op(size === 1 ? Op.i32Extend8S : Op.i32Extend16S);
    }
    if (isGpr(o)) return this.reg(o.reg, size);
    if (o.kind === OperandKind.Imm) return size === 8 ? this.i64(o.immLo, o.immHi) : this.i32(o.immLo);
    const i = this.insn as Instruction;
    if (isMem(i, o)) {
      this.get(this.load(o, size));
      if (size === 4) this.op(Op.i32WrapI64);
      return this;
    }
    throw new Unsupported();
  }

  // ---- the state -------------------------------------------------------------------

  /** A load or store (`code`) of the state at byte `offset`, its address 0 on the stack below (`simd`: the opcode is written already). */
  private stateAccess(code: number, align: number, offset: number, simd = false): this {
    if (!simd) this.b.byte(code);
    this.b.u32(align).u32(this.plan.base + offset);
    return this;
  }

  loadState32(offset: number): this {
    return this.i32(0).stateAccess(Op.i32Load, 2, offset);
  }

  loadState64(offset: number): this {
    return this.i32(0).stateAccess(Op.i64Load, 3, offset);
  }

  /** Stores what `push` pushes (an i64) at `offset` of the state. */
  storeState64(offset: number, push: () => void): this {
    this.i32(0);
    push();
    return this.stateAccess(Op.i64Store, 3, offset);
  }

  storeState32(offset: number, push: () => void): this {
    this.i32(0);
    push();
    return this.stateAccess(Op.i32Store, 2, offset);
  }

  /** Stores the value of `local` (i32 or i64 by `wide`) as the 64-bit slot at index `slot` of the flags record. */
  flagSlot(slot: number, local: number | null, wide: boolean, constant = 0): void {
    this.storeState64(STATE.flags + 4 * slot, () => {
      if (local === null) this.i64(constant, 0);
      else {
        this.get(local);
        if (!wide) this.op(Op.i64ExtendI32U);
      }
    });
  }

  flagWord(slot: number, push: () => void): void {
    this.storeState32(STATE.flags + 4 * slot, push);
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
    this.i32(cc).slow(SLOW.cond);
  }

  private fused(cc: number, p: Producer): boolean {
    const c2 = cc >> 1;
    if (p.kind === 'word') {
      // CF 0x1, PF 0x4, ZF 0x40, SF 0x80, OF 0x800 (flags.ts RFLAGS).
      const masks = [0x800, 0x1, 0x40, 0x41, 0x80, 0x4];
      if (c2 < 6)
        this.get(p.res)
          .i32(masks[c2] as number)
          .op(Op.i32And);
      else {
        // SF != OF, and for LE or ZF.
        this.get(p.res).i32(7).op(Op.i32ShrU);
        this.get(p.res).i32(11).op(Op.i32ShrU, Op.i32Xor).i32(1).op(Op.i32And);
        if (c2 === 7) this.get(p.res).i32(0x40).op(Op.i32And, Op.i32Or);
      }
      this.i32(0).op(Op.i32Ne);
      if (cc & 1) this.op(Op.i32Eqz);
      return true;
    }
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

  // ---- guest memory -------------------------------------------------------------

  /** The linear address of a memory operand into a fresh i64 local; throws Unsupported where there is no RAM here. */
  address(o: Operand): number {
    const i = this.insn as Instruction;
    if (!this.plan.memory || !isMem(i, o)) throw new Unsupported();
    const a = this.local(I64);
    this.effectiveAddress(i, o);
    if (o.seg === 4 || o.seg === 5) {
      this.i32(0).stateAccess(Op.f64Load, 3, STATE.segments + 8 * (o.seg - 4));
      this.op(Op.prefixFc).b.u32(6);
      this.op(Op.i64Add);
    }
    this.set(a);
    return a;
  }

  /** Pushes base + index * scale + disp as an i64 (lea's computation). */
  effectiveAddress(i: Instruction, o: Operand): void {
    if (o.base === RIP_BASE) {
      this.i64Number(i.address + i.length + o.disp);
      return;
    }
    let terms = 0;
    if (o.base >= 0) {
      this.reg(o.base, 8);
      terms++;
    }
    if (o.index >= 0) {
      this.reg(o.index, 8);
      if (o.scale > 1) this.i64(o.scale, 0).op(Op.i64Mul);
      if (terms++) this.op(Op.i64Add);
    }
    if (o.disp !== 0 || terms === 0) {
      this.i64(o.disp, o.disp < 0 ? -1 : 0);
      if (terms) this.op(Op.i64Add);
    }
  }

  /** Reads operand `o` (`size` bytes) into a fresh i64 local, zero-extended. */
  load(o: Operand, size: number): number {
    return this.loadAt(this.address(o), size, o.base === RSP || o.base === 5);
  }

  /** Writes the i64 that `push` pushes (its low `size` bytes; a v128 for 16) to operand `o`. */
  store(o: Operand, size: number, push: () => void): void {
    this.storeAt(this.address(o), size, o.base === RSP || o.base === 5, push);
  }

  /** Pushes i32: whether the access of `size` bytes at `a` hits the cache at `tag`; leaves the entry and offset in `entry`, `offset`. */
  private hit(a: number, size: number, tag: number, entry: number, offset: number): void {
    const vpn = this.local(I64);
    this.get(a).i64(12, 0).op(Op.i64ShrS).set(vpn);
    this.get(vpn).op(Op.i32WrapI64).i32(1023).op(Op.i32And).i32(3).op(Op.i32Shl).set(entry);
    this.get(entry).stateAccess(Op.f64Load, 3, STATE.caches + 8 * tag);
    this.get(vpn).op(Op.f64ConvertI64S, Op.f64Eq);
    this.get(a).op(Op.i32WrapI64).i32(4095).op(Op.i32And).op(Op.localTee).b.u32(offset);
    this.i32(4096 - size).op(Op.i32LeU, Op.i32And);
  }

  /** Pushes the guest address of the cache entry's page plus `offset`: where the access goes in the memory. */
  private target(entry: number, base: number, offset: number): void {
    this.get(entry).stateAccess(Op.f64Load, 3, STATE.caches + 8 * base);
    this.op(Op.prefixFc).b.u32(3);
    this.get(offset).op(Op.i32Add);
  }

  /** Pushes XMM register x as the state holds it. */
  loadXmmState(x: number): this {
    return this.i32(0)
      .simd(SIMD.load)
      .stateAccess(0, 4, STATE.xmm + 16 * x, true);
  }

  /** Writes the local of XMM register x back to the state. */
  storeXmmState(x: number): this {
    return this.i32(0)
      .get(XMM0 + x)
      .simd(SIMD.store)
      .stateAccess(0, 4, STATE.xmm + 16 * x, true);
  }

  /** Before a slow path: the registers the region writes and its count, back in the state. */
  private spill(): void {
    for (const r of this.plan.spill) this.storeState64(STATE.registers + 8 * r, () => this.get(REG0 + r));
    for (const x of this.plan.spillXmm) this.storeXmmState(x);
    this.storeState32(STATE.count, () => this.get(COUNT));
  }

  /**
   * Runs instruction `i` through its JavaScript implementation, with the
   * state written back before and read again after; the flags are the
   * record's from then on. Returns the local holding what the call returned:
   * the rip to leave for (a branch, or a stop the run loop must see), NaN
   * to go on.
   */
  generic(): number {
    this.spill();
    this.i32(this.k).slow(SLOW.generic);
    const next = this.local(F64);
    this.set(next);
    for (const r of this.plan.reload) this.loadState64(STATE.registers + 8 * r).set(REG0 + r);
    for (const x of this.plan.reloadXmm) this.loadXmmState(x).set(XMM0 + x);
    this.producer = null;
    return next;
  }

  /** Reads `size` bytes at the address in `a` into a fresh local: an i64 (zero-extended), a v128 for 16. */
  loadAt(a: number, size: number, stack: boolean): number {
    const wide = size === 16;
    const entry = this.local(I32);
    const offset = this.local(I32);
    const v = this.local(wide ? V128 : I64);
    this.hit(a, size, CACHE_TABLE.readTag, entry, offset);
    this.op(Op.if, wide ? V128 : I64);
    this.target(entry, CACHE_TABLE.readBase, offset);
    if (wide) this.simd(SIMD.load);
    else this.op(LOAD[size] as number);
    this.b.u32(0).u32(0);
    this.op(Op.else);
    this.spill();
    this.get(a)
      .op(Op.f64ConvertI64S)
      .i32(this.k)
      .i32(size + (stack ? STACK_ACCESS : 0))
      .slow(SLOW.load);
    if (wide) this.i32(0).simd(SIMD.load).stateAccess(0, 4, STATE.scratch, true);
    else this.loadState64(STATE.scratch);
    this.op(Op.end).set(v);
    return v;
  }

  /** #GP(0) unless the address in `a` is 16-byte aligned (the SSE forms that require it). */
  aligned(a: number): void {
    this.get(a).op(Op.i32WrapI64).i32(15).op(Op.i32And, Op.if, VOID);
    this.spill();
    this.i32(this.k).slow(SLOW.fault);
    this.op(Op.end);
  }

  storeAt(a: number, size: number, stack: boolean, push: () => void): void {
    const entry = this.local(I32);
    const offset = this.local(I32);
    this.hit(a, size, CACHE_TABLE.writeTag, entry, offset);
    this.op(Op.if, VOID);
    this.target(entry, CACHE_TABLE.writeBase, offset);
    push();
    if (size === 16) this.simd(SIMD.store);
    else this.op(STORE[size] as number);
    this.b.u32(0).u32(0);
    this.op(Op.else);
    this.spill();
    if (size === 16) {
      this.i32(0);
      push();
      this.simd(SIMD.store).stateAccess(0, 4, STATE.scratch, true);
    } else this.storeState64(STATE.scratch, push);
    this.get(a)
      .op(Op.f64ConvertI64S)
      .i32(this.k)
      .i32(size + (stack ? STACK_ACCESS : 0))
      .slow(SLOW.store);
    this.op(Op.end);
  }

  /** Pushes the value `push` pushes onto the guest stack (rsp - 8, then rsp moves). */
  push(push: () => void): void {
    const a = this.local(I64);
    this.reg(RSP, 8).i64(8, 0).op(Op.i64Sub).set(a);
    this.storeAt(a, 8, true, push);
    this.get(a).setReg(RSP, 8);
  }

  /**
   * Pops the top of the guest stack into a fresh i64 local (rsp moves after
   * the read). A return target is checked before rsp moves: #GP with the
   * return address still on the stack.
   */
  pop(target = false): number {
    const a = this.local(I64);
    this.reg(RSP, 8).set(a);
    const v = this.loadAt(a, 8, true);
    if (target) this.canonical(v);
    this.get(a).i64(8, 0).op(Op.i64Add).setReg(RSP, 8);
    return v;
  }

  /** #GP(0) unless the i64 in `t` is canonical (a return or jump target). */
  canonical(t: number): void {
    this.get(t).i64(16, 0).op(Op.i64Shl).i64(16, 0).op(Op.i64ShrS);
    this.get(t).op(Op.i64Ne, Op.if, VOID);
    this.spill();
    this.i32(this.k).slow(SLOW.fault);
    this.op(Op.end);
  }

  // ---- control ------------------------------------------------------------------

  /** Leaves the region for `target`. */
  leave(target: number): void {
    this.b.byte(Op.f64Const).f64(target);
    this.set(RIP);
    this.b.byte(Op.br).u32(this.depth);
  }

  /** Goes to `target`: inside the region unless the slice is used up, else out. */
  edge(target: number): void {
    const j = this.plan.index.get(target);
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

  /**
   * Goes to the rip in i64 local `t`, known only at run time: to the block of
   * one of `targets` that is in the region, else out. Leaving through an
   * indirect `site` records it, for the block cache to learn its target.
   */
  dispatch(t: number, targets: readonly number[], site?: number): void {
    for (const target of new Set(targets)) {
      if (!this.plan.index.has(target)) continue;
      this.get(t).i64Number(target).op(Op.i64Eq, Op.if, VOID);
      this.depth++;
      this.edge(target);
      this.depth--;
      this.op(Op.end);
    }
    if (site !== undefined)
      this.i32(0)
        .b.byte(Op.f64Const)
        .f64(site)
        .byte(Op.f64Store)
        .u32(3)
        .u32(this.plan.base + STATE.site);
    this.get(t).op(Op.f64ConvertI64S).set(RIP);
    this.b.byte(Op.br).u32(this.depth);
  }
}
