/**
 * Translates a region into a WebAssembly function when every instruction of
 * it is one that instructions.ts takes and every block ends in a jump, a
 * conditional jump, a call or a return. 64-bit arithmetic is one i64
 * operation there, where JavaScript needs two 32-bit halves, and the code is
 * compiled ahead of time, with no speculation to undo. Any other region goes
 * to the JavaScript translator (block-compiler.ts), as do all regions on
 * hosts without WebAssembly. Regions touch guest memory only where the RAM
 * is in the same WebAssembly memory as the CPU state (state.ts).
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
import { type Cpu, stackAddress } from '../cpu.js';
import { CpuFault } from '../fault.js';
import { flagsObserved } from '../flag-liveness.js';
import { carryOf, computeFlags, conditionHolds } from '../flags.js';
import { encodeModule, F64, I32, I64, Op, VOID } from './encoder.js';
import { translateInstruction } from './instructions.js';
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
  STACK_ACCESS,
  Unsupported,
} from './writer.js';

/** Writes one basic block; `after` is how many blocks of the region follow it, `k` its first instruction's index. */
function writeBlock(w: RegionWriter, insns: Instruction[], after: number, k: number): void {
  w.depth = after;
  w.producer = null;
  const observed = flagsObserved(insns);
  const last = insns[insns.length - 1] as Instruction;
  const m = last.mnemonic;
  const o = last.operands[0];
  const direct = o?.kind === OperandKind.Rel && !last.invalid;
  const cond = direct && last.cc >= 0 && m.startsWith('j');
  const jump = direct && m === 'jmp';
  const ends = cond || m === 'jmp' || m === 'call' || m === 'ret';
  const body = ends ? insns.slice(0, -1) : insns;
  if (!ends && semanticBranch(last)) throw new Unsupported();
  body.forEach((insn, n) => {
    w.k = k + n;
    if (!translateInstruction(w, insn, observed[n] as boolean)) throw new Unsupported();
  });
  w.k = k + insns.length - 1;
  w.insn = last;
  if (!ends) {
    w.get(COUNT).i32(insns.length).op(Op.i32Add).set(COUNT);
    w.edge(last.address + last.length);
    return;
  }
  if (last.invalid || last.lock || last.rep) throw new Unsupported();
  if (cond) {
    w.get(COUNT).i32(insns.length).op(Op.i32Add).set(COUNT);
    w.condition(last.cc);
    w.op(Op.if, VOID);
    w.depth++;
    w.edge((o as Operand).target);
    w.depth--;
    w.op(Op.end);
    w.edge(last.address + last.length);
    return;
  }
  if (jump) {
    w.get(COUNT).i32(insns.length).op(Op.i32Add).set(COUNT);
    w.edge((o as Operand).target);
    return;
  }
  // Calls and returns: the count covers the block only once its last instruction can no longer fault.
  const back = last.address + last.length;
  if (m === 'call' && direct) {
    w.push(() => w.i64Number(back));
    w.get(COUNT).i32(insns.length).op(Op.i32Add).set(COUNT);
    w.edge((o as Operand).target);
    return;
  }
  if (m === 'ret' && last.operands.length === 0) {
    const t = w.pop(true);
    w.get(COUNT).i32(insns.length).op(Op.i32Add).set(COUNT);
    w.dispatch(t, w.plan.returnSites);
    return;
  }
  if ((m === 'call' || m === 'jmp') && o && (isGpr(o, [8]) || (isMem(last, o) && o.size === 8))) {
    const t = w.local(I64);
    if (isGpr(o, [8])) w.reg(o.reg, 8).set(t);
    else w.get(w.load(o, 8)).set(t);
    w.canonical(t);
    if (m === 'call') w.push(() => w.i64Number(back));
    w.get(COUNT).i32(insns.length).op(Op.i32Add).set(COUNT);
    w.dispatch(t, w.plan.predicted.get(last.address) ?? [], last.address);
    return;
  }
  throw new Unsupported();
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
): ((entry: number) => number) | null {
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
    returnSites: all
      .filter((i) => i.mnemonic === 'call' && index.has(i.address + i.length))
      .map((i) => i.address + i.length),
    predicted,
  };
  let code: RegionWriter;
  try {
    // Twice: the first translation finds the registers the region writes, which its slow paths write back.
    plan.spill = writeBlocks(plan, blocks).dirty;
    code = writeBlocks(plan, blocks);
  } catch (e) {
    if (e instanceof Unsupported) return null;
    throw e;
  }
  // The prologue loads the registers the code uses; the epilogue stores those it writes.
  const w = new RegionWriter(plan);
  for (const r of code.used) w.loadState64(STATE.registers + 8 * r).set(REG0 + r);
  w.b.bytes(code.b.view());
  for (const r of code.dirty) w.storeState64(STATE.registers + 8 * r, () => w.get(REG0 + r));
  w.storeState32(STATE.count, () => w.get(COUNT));
  w.get(RIP);
  const bytes = encodeModule({
    imports: [
      { name: 'cond', type: { params: [I32], results: [I32] } },
      { name: 'carry', type: { params: [], results: [I32] } },
      { name: 'load', type: { params: [F64, I32, I32], results: [] } },
      { name: 'store', type: { params: [F64, I32, I32], results: [] } },
      { name: 'fault', type: { params: [I32], results: [] } },
    ],
    exported: {
      name: 'run',
      type: { params: [I32, I32], results: [F64] },
      locals: code.locals,
      body: w.b,
    },
  });
  const instance = new api.Instance(new api.Module(bytes), { x: { mem: memory, ...slowPaths(cpu) } });
  const run = instance.exports.run as (entry: number, limit: number) => number;
  const count = state.count;
  const site = state.site;
  const segments = code.segments ? state.segments : null;
  return (entry: number): number => {
    if (segments) {
      segments[0] = cpu.fsBase;
      segments[1] = cpu.gsBase;
    }
    let rip: number;
    try {
      rip = run(entry, Math.min(cpu.loopLimit - cpu.loopCount, 0x7fffffff));
    } catch (e) {
      // A fault on a slow path: the blocks finished before it count.
      cpu.loopCount += count[0] as number;
      throw e;
    }
    cpu.loopCount += count[0] as number;
    if (site[0] !== -1) {
      cpu.site = site[0] as number;
      site[0] = -1;
    }
    return rip;
  };
}

/** The functions a region imports: lazy-flag queries and the memory port's slow paths. */
function slowPaths(cpu: Cpu): Record<string, (...args: number[]) => number | undefined> {
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
      const size = kind & (STACK_ACCESS - 1);
      if (kind & STACK_ACCESS) stackAddress(a);
      const lo = scratch[0] as number;
      if (size === 8) port.write64(a, lo, scratch[1] as number);
      else if (size === 4) port.write32(a, lo);
      else if (size === 2) port.write16(a, lo & 0xffff);
      else port.write8(a, lo & 0xff);
      return undefined;
    },
    fault: (k: number) => {
      cpu.k = k;
      throw new CpuFault(13, 0);
    },
  };
}
