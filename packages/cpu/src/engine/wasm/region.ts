/**
 * Translates a region into a WebAssembly function. The instructions that
 * instructions.ts and sse.ts take are written natively (64-bit arithmetic is
 * one i64 operation there, where JavaScript needs two 32-bit halves); any
 * other runs through its JavaScript implementation, called from the region
 * with the state written back before and read again after. A region made
 * mostly of such instructions is left to the JavaScript translator
 * (block-compiler.ts), as are all regions on hosts without WebAssembly. The
 * code is compiled ahead of time, with no speculation to undo. Regions touch
 * guest memory only where the RAM is in the same WebAssembly memory as the
 * CPU state (state.ts).
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
 * exit and at every fault: registers in the state memory, the lazy-flags
 * record (flags.ts) written wherever its flags may be observed.
 */
import { type Instruction, type Operand, OperandKind } from '../../decoder/instruction.js';
import type { Cpu } from '../cpu.js';
import { flagsObserved } from '../flag-liveness.js';
import { semanticsOf } from '../handlers/registry.js';
import { encodeModule, F64, I32, I64, Op, VOID } from './encoder.js';
import { translateInstruction } from './instructions.js';
import type { RegionFunction, WasmLinks } from './links.js';
import { STATE, wasmApi } from './state.js';
import {
  COUNT,
  ENTRY,
  isGpr,
  isMem,
  REG0,
  type RegionPlan,
  RegionWriter,
  RIP,
  SLOW_TYPES,
  Unsupported,
  XMM0,
} from './writer.js';

/** How a block's last instruction is written natively, or null when it goes through its JavaScript implementation. */
function nativeEnd(w: RegionWriter, last: Instruction): 'cond' | 'jump' | 'call' | 'ret' | 'indirect' | null {
  if (last.invalid || last.lock || last.rep) return null;
  const m = last.mnemonic;
  const o = last.operands[0];
  const direct = o?.kind === OperandKind.Rel;
  if (direct && last.cc >= 0 && m.startsWith('j')) return 'cond';
  if (direct && m === 'jmp') return 'jump';
  // Calls and returns use the stack: only where the RAM is in reach.
  if (!w.plan.memory) return null;
  if (direct && m === 'call') return 'call';
  if (m === 'ret' && last.operands.length === 0) return 'ret';
  if ((m === 'call' || m === 'jmp') && o && (isGpr(o, [8]) || (isMem(last, o) && o.size === 8)))
    return 'indirect';
  return null;
}

/** Adds the first `n` instructions of the block to the count. */
function count(w: RegionWriter, n: number): void {
  w.get(COUNT).i32(n).op(Op.i32Add).set(COUNT);
}

/** Writes one basic block; `after` is how many blocks of the region follow it, `k` its first instruction's index. */
function writeBlock(w: RegionWriter, insns: Instruction[], after: number, k: number): void {
  w.depth = after;
  w.producer = null;
  const observed = flagsObserved(insns);
  const last = insns[insns.length - 1] as Instruction;
  const end = nativeEnd(w, last);
  const body = end ? insns.slice(0, -1) : insns;
  for (let n = 0; n < body.length; n++) {
    const insn = body[n] as Instruction;
    w.k = k + n;
    w.insn = insn;
    const mark = w.b.length;
    let done = false;
    try {
      done = translateInstruction(w, insn, observed[n] as boolean);
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
    }
    if (done) continue;
    // Its JavaScript implementation, from a clean start (a form given up half way wrote nothing that stays).
    w.b.length = mark;
    w.generics++;
    const next = w.generic();
    if (semanticsOf(insn)?.branch) {
      // A branch (only ever last): where it went.
      count(w, insns.length);
      w.get(next).set(RIP);
      w.b.byte(Op.br).u32(w.depth);
      return;
    }
    // The run loop must see a stop the instruction asked for (NaN otherwise).
    w.get(next).get(next).op(Op.f64Eq, Op.if, VOID);
    count(w, n + 1);
    w.get(next).set(RIP);
    w.b.byte(Op.br).u32(w.depth + 1);
    w.op(Op.end);
  }
  w.k = k + insns.length - 1;
  w.insn = last;
  const o = last.operands[0] as Operand;
  const back = last.address + last.length;
  if (end === null) {
    count(w, insns.length);
    w.edge(back);
  } else if (end === 'cond') {
    count(w, insns.length);
    w.condition(last.cc);
    w.op(Op.if, VOID);
    w.depth++;
    w.edge(o.target);
    w.depth--;
    w.op(Op.end);
    w.edge(back);
  } else if (end === 'jump') {
    count(w, insns.length);
    w.edge(o.target);
  } else if (end === 'call') {
    // The count covers the block only once its last instruction can no longer fault.
    w.push(() => w.i64Number(back));
    count(w, insns.length);
    w.edge(o.target);
  } else if (end === 'ret') {
    const t = w.pop(true);
    count(w, insns.length);
    w.dispatch(t, w.plan.returnSites);
  } else {
    const t = w.local(I64);
    if (isGpr(o, [8])) w.reg(o.reg, 8).set(t);
    else w.get(w.load(o, 8)).set(t);
    w.canonical(t);
    if (last.mnemonic === 'call') w.push(() => w.i64Number(back));
    count(w, insns.length);
    w.dispatch(t, w.plan.predicted.get(last.address) ?? [], last.address);
  }
}

/** A region goes to WebAssembly unless more than one instruction in this many runs generically. */
const GENERIC_SHARE = 3;

/** The code of the blocks, dispatching on `entry` (see the layout above). */
function writeBlocks(plan: RegionPlan, blocks: Instruction[][]): RegionWriter {
  const code = new RegionWriter(plan);
  const n = blocks.length;
  code.op(Op.loop, VOID, Op.block, VOID);
  for (let j = 0; j < n; j++) code.op(Op.block, VOID);
  code.get(ENTRY).op(Op.brTable).b.u32(n);
  for (let j = 0; j < n; j++) code.b.u32(j);
  code.b.u32(0);
  code.op(Op.end);
  let k = 0;
  blocks.forEach((insns, j) => {
    writeBlock(code, insns, n - 1 - j, k);
    k += insns.length;
    code.op(Op.end);
  });
  code.op(Op.end);
  return code;
}

/** The WebAssembly function of a region, or null when one of its instructions is not translated here. */
export function compileWasmRegion(
  cpu: Cpu,
  blocks: Instruction[][],
  predicted: ReadonlyMap<number, readonly number[]>,
  links: WasmLinks,
): RegionFunction | null {
  const api = wasmApi;
  const state = cpu.state;
  const memory = state.memory;
  if (!api || !memory || blocks.length === 0) return null;
  const index = new Map<number, number>();
  blocks.forEach((b, j) => {
    if (b[0]) index.set(b[0].address, j);
  });
  const all = blocks.flat();
  const plan: RegionPlan = {
    index,
    base: state.base,
    memory: state.ramInMemory,
    spill: new Set(),
    spillXmm: new Set(),
    reload: new Set(),
    reloadXmm: new Set(),
    returnSites: all
      .filter((i) => i.mnemonic === 'call' && index.has(i.address + i.length))
      .map((i) => i.address + i.length),
    predicted,
  };
  // Twice: the first translation finds the registers the region writes, which its slow paths write
  // back, and those it uses, which it reads again after a generic instruction.
  const first = writeBlocks(plan, blocks);
  // Mostly generic instructions: JavaScript runs them with less ado.
  if (first.generics * GENERIC_SHARE > all.length) return null;
  plan.spill = first.dirty;
  plan.spillXmm = first.dirtyXmm;
  plan.reload = first.used;
  plan.reloadXmm = first.usedXmm;
  const code = writeBlocks(plan, blocks);
  // The prologue loads the registers the code uses; the epilogue stores those it writes.
  const w = new RegionWriter(plan);
  for (const r of code.used) w.loadState64(STATE.registers + 8 * r).set(REG0 + r);
  for (const x of code.usedXmm) w.loadXmmState(x).set(XMM0 + x);
  w.b.bytes(code.b.view());
  for (const r of code.dirty) w.storeState64(STATE.registers + 8 * r, () => w.get(REG0 + r));
  for (const x of code.dirtyXmm) w.storeXmmState(x);
  w.storeState32(STATE.count, () => w.get(COUNT));
  w.get(RIP);
  const bytes = encodeModule({
    imports: [],
    table: true,
    types: SLOW_TYPES,
    exported: {
      name: 'run',
      type: { params: [I32, I32], results: [F64] },
      locals: code.locals,
      body: w.b,
    },
    // Named after the entry rip, as JavaScript regions are.
    debugName: `x86_${(blocks[0]?.[0]?.address ?? 0).toString(16).replace('-', 'm')}`,
  });
  const instance = new api.Instance(new api.Module(bytes), { x: { mem: memory, tab: links.table } });
  return instance.exports.run as RegionFunction;
}
