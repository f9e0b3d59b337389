/**
 * WebAssembly regions that pass control to each other without coming back
 * to JavaScript. Each region's function sits in a table; a map in the state
 * memory from rip to (table slot, entry block) mirrors the block cache's
 * lookup map for user mode, as far as WebAssembly regions go; and a small
 * dispatcher function runs a region, then the region its exit rip maps to,
 * and so on, until the rip has no WebAssembly region, the slice is used up,
 * or an indirect site needs the block cache to learn its target. A region
 * entered from JavaScript and left for JavaScript costs one call, however
 * many regions it went through.
 *
 * The map is open addressing with linear probing: keys are rips (i64), -1
 * an empty entry, -2 a deleted one; JavaScript keeps the index of every key
 * it wrote, and rebuilds the map when deleted entries pile up.
 */
import type { Instruction } from '../../decoder/instruction.js';
import type { Block, BlockCache } from '../block-cache.js';
import { type Cpu, stackAddress } from '../cpu.js';
import { CpuFault } from '../fault.js';
import { carryOf, computeFlags, conditionHolds } from '../flags.js';
import { type Semantics, semanticsOf } from '../handlers/registry.js';
import { Bytes, encodeModule, F64, type FuncType, I32, I64, Op, VOID } from './encoder.js';
import { LINK_MAP, LINK_MAP_ENTRIES, STATE, type WasmTable, wasmApi } from './state.js';
import { SLOW, SLOW_TYPES, STACK_ACCESS } from './writer.js';

const HASH = 0x9e3779b1 | 0;
const BITS = Math.log2(LINK_MAP_ENTRIES);
const MASK = LINK_MAP_ENTRIES - 1;
/** Keys written, deleted ones included, before the map is rebuilt. */
const MAX_USED = (LINK_MAP_ENTRIES * 5) / 8;
const TWO32 = 4294967296;
const FIRST_REGION_SLOT = Object.keys(SLOW).length;
/** In the site slot: no site, but the dispatcher must come back to JavaScript (after a branch or a stop). */
const NO_SITE = -2;

/** A region's function: (entry block, instruction limit) → next rip. */
export type RegionFunction = (entry: number, limit: number) => number;

type Dispatch = (slot: number, entry: number, limit: number, chain: number) => number;

export class WasmLinks {
  /** The regions' functions, after the slow paths (writer.ts SLOW). */
  readonly table: WasmTable;
  private readonly dispatch: Dispatch;
  /** The region (its first entry) last put in each slot; null before the first. */
  private readonly regions: (Block | null)[] = [];
  private readonly free: number[] = [];
  /** The instructions of the region in each slot, by index (`cpu.k`), for generic ones, and their semantics. */
  readonly code: Instruction[][] = [];
  readonly semantics: (Semantics | undefined)[][] = [];
  /** Index in the map of each rip written there. */
  private readonly where = new Map<number, number>();
  private used = 0;

  constructor(
    private readonly cpu: Cpu,
    private readonly blocks: BlockCache,
  ) {
    const api = wasmApi as NonNullable<typeof wasmApi>;
    this.table = new api.Table({ initial: 256, element: 'anyfunc' });
    // The slow paths take the first slots: the dispatcher imports them and exports them as WebAssembly functions.
    for (let slot = 0; slot < FIRST_REGION_SLOT; slot++) this.regions.push(null);
    this.clear();
    const paths = slowPaths(cpu, this);
    const instance = new api.Instance(new api.Module(dispatcher(cpu.state.base)), {
      x: { mem: cpu.state.memory, tab: this.table, ...paths },
    });
    for (const [name, path] of Object.entries(SLOW)) this.table.set(path.slot, instance.exports[name]);
    this.dispatch = instance.exports.run as Dispatch;
  }

  /** A region's slow path may drop regions: the block cache must know which one runs. */
  enterSlowPath(): void {
    this.blocks.running = this.current();
  }

  /** The region running now (or last run) in the dispatcher. */
  current(): Block | null {
    return this.regions[this.cpu.state.running[0] as number] ?? null;
  }

  /**
   * Puts a region's function in the table and returns how its entries run:
   * through the dispatcher, which follows user-mode regions from one to the
   * next (supervisor-mode regions run alone). `insns` are its instructions,
   * for those that run generically.
   */
  add(
    fn: RegionFunction,
    cpl: number,
    insns: Instruction[],
  ): { slot: number; run: (entry: number) => number } {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.regions.length;
      if (slot >= this.table.length) this.table.grow(this.table.length);
      this.regions.push(null);
    }
    this.table.set(slot, fn);
    this.code[slot] = insns;
    this.semantics[slot] = insns.map((i) => (i.invalid ? undefined : semanticsOf(i)));
    const { cpu, blocks } = this;
    const { count, total, site, segments } = cpu.state;
    const dispatch = this.dispatch;
    const chain = cpl === 3 ? 1 : 0;
    const at = slot;
    const run = (entry: number): number => {
      // FS and GS bases change in JavaScript only (arch_prctl, and wrmsr, wrfsbase, swapgs run generically).
      segments[0] = cpu.fsBase;
      segments[1] = cpu.gsBase;
      let rip: number;
      try {
        rip = dispatch(at, entry, Math.min(cpu.loopLimit - cpu.loopCount, 0x7fffffff), chain);
      } catch (e) {
        // A fault on a slow path: the regions finished before, and the blocks of this one.
        cpu.loopCount += (total[0] as number) + (count[0] as number);
        blocks.running = this.current();
        throw e;
      }
      cpu.loopCount += total[0] as number;
      // The region the dispatcher left from: an indirect site there is that region's to learn.
      blocks.running = this.current();
      if (site[0] !== -1) {
        if (site[0] !== NO_SITE) cpu.site = site[0] as number;
        site[0] = -1;
      }
      return rip;
    };
    return { slot, run };
  }

  /** Names the region in `slot` (its first entry), once its entries exist. */
  name(slot: number, region: Block): void {
    this.regions[slot] = region;
  }

  /** The region in `slot` was dropped and its rips removed: the slot is free again. */
  release(slot: number): void {
    // The region stays named until the slot is taken again: it may still be running (a CR3 load dropped it).
    this.free.push(slot);
  }

  /** Routes `rip` to an entry of a region in the table (slot >= 0), or to JavaScript (slot < 0). */
  set(rip: number, slot: number, entry: number): void {
    if (slot < 0 || rip < 0) {
      this.delete(rip);
      return;
    }
    const m = this.cpu.state.links;
    let k = this.where.get(rip);
    if (k === undefined) {
      if (this.used >= MAX_USED) this.rebuild();
      if (this.used >= MAX_USED) return;
      k = hash(rip);
      while ((m[4 * k] as number) !== -1 && (m[4 * k] as number) !== -2) k = (k + 1) & MASK;
      if ((m[4 * k] as number) === -1) this.used++;
      m[4 * k] = (rip % TWO32) | 0;
      m[4 * k + 1] = Math.floor(rip / TWO32) | 0;
      this.where.set(rip, k);
    }
    m[4 * k + 2] = slot;
    m[4 * k + 3] = entry;
  }

  delete(rip: number): void {
    const k = this.where.get(rip);
    if (k === undefined) return;
    const m = this.cpu.state.links;
    m[4 * k] = -2;
    m[4 * k + 1] = -1;
    this.where.delete(rip);
  }

  /** Forgets every rip and every region (a full TLB flush dropped them all). */
  clear(): void {
    this.cpu.state.links.fill(-1);
    this.where.clear();
    this.used = 0;
    this.free.length = 0;
    for (let slot = this.regions.length - 1; slot >= FIRST_REGION_SLOT; slot--) this.free.push(slot);
  }

  private rebuild(): void {
    const m = this.cpu.state.links;
    const live = [...this.where].map(([rip, k]) => [rip, m[4 * k + 2] as number, m[4 * k + 3] as number]);
    m.fill(-1);
    this.where.clear();
    this.used = 0;
    for (const [rip, slot, entry] of live) this.set(rip as number, slot as number, entry as number);
  }
}

/** The map index of a rip: a multiplicative hash of its low 32 bits (the dispatcher computes the same). */
function hash(rip: number): number {
  return Math.imul(rip >>> 0, HASH) >>> (32 - BITS);
}

/**
 * The dispatcher: run(slot, entry, limit, chain) calls the region in `slot`
 * and, while `chain` and the slice allow, the regions its exits map to. It
 * keeps the slot running now and the instructions of the regions finished
 * in the state, for the run loop and for faults.
 */
function dispatcher(base: number): Uint8Array {
  const [SLOT, ENTRY, LIMIT, CHAIN] = [0, 1, 2, 3];
  const [RIP, KEY, AT, N] = [4, 5, 6, 7];
  const b = new Bytes();
  const get = (l: number) => b.byte(Op.localGet).u32(l);
  const set = (l: number) => b.byte(Op.localSet).u32(l);
  const i32 = (v: number) => b.byte(Op.i32Const).s32(v);
  const state = (code: number, align: number, offset: number) =>
    b
      .byte(code)
      .u32(align)
      .u32(base + offset);
  // total = 0
  i32(0);
  i32(0);
  state(Op.i32Store, 2, STATE.total);
  b.byte(Op.block).byte(VOID); // $out
  b.byte(Op.loop).byte(VOID); // $next
  i32(0);
  get(SLOT);
  state(Op.i32Store, 2, STATE.running);
  get(ENTRY);
  get(LIMIT);
  get(SLOT);
  // The region's type comes after the imports' and the dispatcher's own.
  b.byte(Op.callIndirect)
    .u32(FIRST_REGION_SLOT + 1)
    .u32(0);
  set(RIP);
  // The region's count: into the total, out of the limit.
  i32(0);
  state(Op.i32Load, 2, STATE.count);
  set(N);
  i32(0);
  i32(0);
  state(Op.i32Load, 2, STATE.total);
  get(N);
  b.byte(Op.i32Add);
  state(Op.i32Store, 2, STATE.total);
  get(LIMIT);
  get(N);
  b.byte(Op.i32Sub).byte(Op.localTee).u32(LIMIT);
  i32(0);
  b.byte(Op.i32LeS).byte(Op.brIf).u32(1);
  get(CHAIN);
  b.byte(Op.i32Eqz).byte(Op.brIf).u32(1);
  // An indirect site to learn about: JavaScript's business.
  i32(0);
  state(Op.f64Load, 3, STATE.site);
  b.byte(Op.f64Const).f64(-1);
  b.byte(Op.f64Ne).byte(Op.brIf).u32(1);
  // Look the rip up.
  get(RIP);
  b.byte(Op.prefixFc).u32(6);
  set(KEY);
  get(KEY);
  b.byte(Op.i32WrapI64);
  i32(HASH);
  b.byte(Op.i32Mul);
  i32(32 - BITS);
  b.byte(Op.i32ShrU);
  set(AT);
  b.byte(Op.loop).byte(VOID); // $probe
  get(AT);
  i32(4);
  b.byte(Op.i32Shl);
  state(Op.i64Load, 3, LINK_MAP);
  get(KEY);
  b.byte(Op.i64Eq).byte(Op.if).byte(VOID);
  get(AT);
  i32(4);
  b.byte(Op.i32Shl);
  state(Op.i32Load, 2, LINK_MAP + 8);
  set(SLOT);
  get(AT);
  i32(4);
  b.byte(Op.i32Shl);
  state(Op.i32Load, 2, LINK_MAP + 12);
  set(ENTRY);
  b.byte(Op.br).u32(2); // to $next
  b.byte(Op.end);
  get(AT);
  i32(4);
  b.byte(Op.i32Shl);
  state(Op.i64Load, 3, LINK_MAP);
  b.byte(Op.i64Const).s64(-1, -1);
  b.byte(Op.i64Eq).byte(Op.brIf).u32(2); // empty: to $out
  get(AT);
  i32(1);
  b.byte(Op.i32Add);
  i32(MASK);
  b.byte(Op.i32And);
  set(AT);
  b.byte(Op.br).u32(0); // $probe
  b.byte(Op.end); // $probe
  b.byte(Op.end); // $next
  b.byte(Op.end); // $out
  get(RIP);
  return encodeModule({
    imports: Object.entries(SLOW).map(([name, path]) => ({
      name,
      type: SLOW_TYPES[path.type - 1] as FuncType,
    })),
    reexport: true,
    table: true,
    exported: {
      name: 'run',
      type: { params: [I32, I32, I32, I32], results: [F64] },
      locals: [F64, I64, I32, I32],
      body: b,
    },
    types: [{ params: [I32, I32], results: [F64] }],
  });
}

/** The slow paths regions call: lazy-flag queries, the memory port, the #GP of a non-canonical target. */
function slowPaths(cpu: Cpu, links: WasmLinks): Record<string, (...args: number[]) => number | undefined> {
  const F = cpu.F;
  const port = cpu.port;
  const scratch = cpu.state.scratch;
  return {
    cond: (cc: number) => (conditionHolds(computeFlags(F), cc) ? 1 : 0),
    carry: () => carryOf(F),
    load: (a: number, k: number, kind: number) => {
      cpu.k = k;
      const size = kind & (STACK_ACCESS - 1);
      if (kind & STACK_ACCESS) stackAddress(a);
      if (size === 16) {
        port.read128(a, scratch, 0);
        return undefined;
      }
      let hi = 0;
      let lo: number;
      if (size === 8) {
        lo = port.read64(a);
        hi = port.hi;
      } else lo = size === 4 ? port.read32(a) : size === 2 ? port.read16(a) : port.read8(a);
      scratch[0] = lo;
      scratch[1] = hi;
      return undefined;
    },
    store: (a: number, k: number, kind: number) => {
      cpu.k = k;
      // A store to a frame holding code must know which region is running (block-cache.ts).
      links.enterSlowPath();
      const size = kind & (STACK_ACCESS - 1);
      if (kind & STACK_ACCESS) stackAddress(a);
      const lo = scratch[0] as number;
      if (size === 16) port.write128(a, scratch, 0);
      else if (size === 8) port.write64(a, lo, scratch[1] as number);
      else if (size === 4) port.write32(a, lo);
      else if (size === 2) port.write16(a, lo & 0xffff);
      else port.write8(a, lo & 0xff);
      return undefined;
    },
    fault: (k: number) => {
      cpu.k = k;
      throw new CpuFault(13, 0);
    },
    generic: (k: number) => {
      cpu.k = k;
      links.enterSlowPath();
      const slot = cpu.state.running[0] as number;
      const insn = links.code[slot]?.[k] as Instruction;
      const s = links.semantics[slot]?.[k];
      if (!s) throw new CpuFault(6, undefined);
      s.exec(cpu, insn);
      // wrfsbase, wrmsr or swapgs may have moved a segment base the region's next access adds.
      cpu.state.segments[0] = cpu.fsBase;
      cpu.state.segments[1] = cpu.gsBase;
      // A branch goes where it went; a stop (halt, TF, a request) is left for the run loop to see.
      if (s.branch || cpu.loopLimit === 0) {
        cpu.state.site[0] = NO_SITE;
        return s.branch ? cpu.next : insn.address + insn.length;
      }
      return Number.NaN;
    },
  };
}
