/**
 * Translated blocks, found by linear address and kept per physical frame so that
 * a write to a frame drops exactly the blocks made from it.
 */
import { decode, MAX_INSTRUCTION_LENGTH } from '../decoder/decode.js';
import { type Instruction, OperandKind } from '../decoder/instruction.js';
import { compileRegion } from './block-compiler.js';
import type { Cpu, CpuStats } from './cpu.js';
import { CodeModified } from './fault.js';
import { endsBlock } from './handlers/registry.js';
import type { MemoryPort } from './memory-port.js';
import { WasmLinks } from './wasm/links.js';
import { compileWasmRegion } from './wasm/region.js';
import { wasmApi } from './wasm/state.js';

/**
 * An entry into a translated region (block-compiler.ts): every basic block of
 * a region is an entry, so code reached from several places is translated
 * once. The region counts the instructions it ran in `cpu.loopCount`.
 */
export interface Block {
  /** The region's function; called with `entry`, it returns the next rip. */
  run: (entry: number) => number;
  /** Index of this entry's basic block in the region. */
  entry: number;
  /** The entries of the region, this one included (they are dropped together). */
  siblings: Block[];
  /** Linear address of each instruction, for exact state on a fault. */
  rips: number[];
  /** For each instruction, how many instructions of its basic block precede it (completed on a fault there). */
  done: number[];
  linear: number;
  frames: number[];
  cpl: number;
  /** Cleared when the block is dropped or the linear index is flushed. */
  valid: boolean;
  /** The targets each indirect site of the region was translated to expect (`observe`). */
  expects: ReadonlyMap<number, readonly number[]>;
  /** Heat left before the region is translated again to WebAssembly (Cpu.wasmAfter); 0 or less: never. */
  heat: number;
  /** The region's slot in the WebAssembly table (wasm/links.ts), or -1 for a JavaScript region. */
  slot: number;
  /** The last two successors the run loop found, to skip the lookup next time. */
  nextRip0: number;
  next0: Block | null;
  nextRip1: number;
  next1: Block | null;
}

const MAX_BLOCK_INSTRUCTIONS = 48;
const MAX_REGION_BLOCKS = 32;
const MAX_REGION_INSTRUCTIONS = 400;
/** Exits through an indirect site to one target, in a row, before the region is made again with it inside. */
const PREDICT_AFTER = 32;
/** Targets expected per site (qsort's comparator changes from one sort to the next). */
const MAX_TARGETS = 3;
/** How many times one entry is translated again for its indirect targets (polymorphic sites stop there). */
const MAX_RETRANSLATIONS = 4;

/** What an indirect call or jump site has done lately. */
interface SiteProfile {
  target: number;
  streak: number;
}

export class BlockCache {
  private readonly user = new Map<number, Block>();
  private readonly supervisor = new Map<number, Block>();
  private readonly byFrame = new Map<number, Block[]>();
  /** Regions by the linear pages their instructions lie on (an INVLPG drops only those). */
  private readonly byPage = new Map<number, Block[]>();
  private readonly fetchBuffer = new Uint8Array(2 * MAX_INSTRUCTION_LENGTH);
  cpu: Cpu | null = null;
  /** WebAssembly regions calling each other (made with the first of them). */
  private links: WasmLinks | null = null;
  /** The block executing now and the index of its current instruction are read from the CPU. */
  running: Block | null = null;
  /** Linear addresses to translate as one-instruction blocks (a store there modified its own block). */
  private readonly alone = new Set<number>();
  /** Indirect call and jump sites by rip: the target they went to last, and how many times in a row. */
  private readonly sites = new Map<number, SiteProfile>();
  /** The targets regions expect after a site; a list is replaced, never changed. */
  private readonly predicted = new Map<number, readonly number[]>();
  /** Entries of regions that ran hot: translated to WebAssembly from now on. */
  private readonly hot = new Set<number>();
  /** Entries of regions that WebAssembly would run no better (mostly generic instructions). */
  private readonly javascriptOnly = new Set<number>();
  /** Entries translated again for a prediction, and how often. */
  private readonly retranslated = new Map<number, number>();

  constructor(
    private readonly port: MemoryPort,
    private readonly stats: CpuStats,
  ) {}

  /** Drop translations made from physical bytes [pa, pa + length) (written by something other than the guest). */
  invalidatePhysical(pa: number, length: number): void {
    const saved = this.running;
    this.running = null;
    for (let f = Math.floor(pa / 4096); f <= Math.floor((pa + Math.max(length, 1) - 1) / 4096); f++)
      this.invalidateFrame(f);
    this.running = saved;
  }

  /** A one-instruction block (single-stepping with TF); not cached. */
  single(rip: number, cpl: number): Block {
    return this.translate(rip, cpl, 1);
  }

  lookup(rip: number, cpl: number): Block {
    const map = cpl === 3 ? this.user : this.supervisor;
    const b = map.get(rip);
    if (b) return b;
    const block = this.translate(rip, cpl);
    for (const e of block.siblings)
      if (!map.has(e.linear)) {
        map.set(e.linear, e);
        this.link(e.linear, e);
      }
    map.set(rip, block);
    this.link(rip, block);
    return block;
  }

  /** Mirrors a user-mode entry of the lookup map in the WebAssembly dispatcher's map. */
  private link(rip: number, block: Block): void {
    if (block.cpl === 3) this.links?.set(rip, block.slot, block.entry);
  }

  /**
   * A region left through the indirect site at `site` for `target`. Once a
   * site goes to the same target PREDICT_AFTER times in a row, that target is
   * expected there, and a region that leaves through the site without having
   * been translated with it is dropped, to be translated again with the
   * target inside it (behind a check of the rip: other targets still leave).
   */
  observe(site: number, target: number, region: Block): void {
    let p = this.sites.get(site);
    if (!p) {
      p = { target, streak: 0 };
      this.sites.set(site, p);
    }
    if (p.target !== target) {
      p.target = target;
      p.streak = 0;
    }
    if (++p.streak < PREDICT_AFTER) return;
    let expected = this.predicted.get(site);
    if (!expected?.includes(target)) {
      expected = [...(expected ?? []), target].slice(-MAX_TARGETS);
      this.predicted.set(site, expected);
    }
    if (region.expects.get(site) === expected) return;
    const times = this.retranslated.get(region.linear) ?? 0;
    if (times >= MAX_RETRANSLATIONS) return;
    this.retranslated.set(region.linear, times + 1);
    this.drop(region);
  }

  /** A JavaScript region ran hot: it is dropped, to be translated to WebAssembly when next reached. */
  promote(region: Block): void {
    for (const e of region.siblings) this.hot.add(e.linear);
    this.drop(region);
  }

  /** Drop every entry of a region. */
  private drop(region: Block): void {
    if (!region.valid) return;
    const map = region.cpl === 3 ? this.user : this.supervisor;
    for (const e of region.siblings) {
      e.valid = false;
      if (map.get(e.linear) === e) {
        map.delete(e.linear);
        if (e.cpl === 3) this.links?.delete(e.linear);
      }
    }
    if (region.slot >= 0) this.links?.release(region.slot);
  }

  /**
   * After a TLB flush the same linear address may map other code: drop the
   * regions on the page at `va` (an INVLPG, a TLB eviction), or all of them.
   */
  flushLinear(va: number | null = null): void {
    if (va !== null) {
      const vpn = Math.floor(va / 4096);
      for (const b of this.byPage.get(vpn) ?? []) if (b.valid) this.drop(b);
      this.byPage.delete(vpn);
      return;
    }
    for (const b of this.user.values()) b.valid = false;
    for (const b of this.supervisor.values()) b.valid = false;
    this.user.clear();
    this.supervisor.clear();
    this.byPage.clear();
    this.links?.clear();
  }

  invalidateFrame(frame: number): void {
    const running = this.running;
    const cpu = this.cpu as Cpu;
    if (running && running.rips.length > 1 && running.frames.includes(frame)) {
      // Restart the storing instruction alone; drop the stale block first.
      this.alone.add(running.rips[cpu.k] as number);
      this.running = null;
      this.invalidateFrame(frame);
      // The run loop restarts at the storing instruction of this region.
      this.running = running;
      throw new CodeModified();
    }
    const list = this.byFrame.get(frame);
    this.port.codeFrames[frame] = 0;
    if (!list) return;
    this.byFrame.delete(frame);
    for (const b of list) {
      this.drop(b);
      this.stats.blocksInvalidated++;
    }
  }

  /** Decodes one basic block at `rip`; throws only when its first instruction cannot be fetched. */
  private decodeBlock(rip: number, frames: Set<number>, limit: number): Instruction[] {
    const port = this.port;
    const insns: Instruction[] = [];
    let a = rip;
    for (;;) {
      const pa = port.fetchAddr(a);
      frames.add(Math.floor(pa / 4096));
      const pageLeft = 4096 - (pa % 4096);
      let insn: Instruction;
      if (pageLeft >= MAX_INSTRUCTION_LENGTH) {
        insn = decode(port.u8, pa, a, pa + MAX_INSTRUCTION_LENGTH);
      } else {
        // The instruction may straddle the page: fetch what it needs from the next page.
        const buf = this.fetchBuffer;
        buf.set(port.u8.subarray(pa, pa + pageLeft), 0);
        let avail = pageLeft;
        const first = decode(buf, 0, a, avail);
        if (first.length > pageLeft || first.invalid) {
          try {
            const pa2 = port.fetchAddr(a + pageLeft);
            frames.add(Math.floor(pa2 / 4096));
            buf.set(port.u8.subarray(pa2, pa2 + MAX_INSTRUCTION_LENGTH - pageLeft), pageLeft);
            avail = MAX_INSTRUCTION_LENGTH;
          } catch (e) {
            // The second page faults: only if the instruction really needs it.
            if (insns.length > 0) break;
            throw e;
          }
        }
        insn = decode(buf, 0, a, avail);
      }
      insns.push(insn);
      a += insn.length;
      if (
        this.alone.has(rip) ||
        this.alone.has(a) ||
        endsBlock(insn) ||
        insns.length >= limit ||
        Math.floor(a / 4096) !== Math.floor(rip / 4096)
      )
        break;
    }
    return insns;
  }

  /**
   * The region entered at `rip`: its first block and, breadth first, the
   * blocks that direct branches reach inside the same page.
   */
  private translate(rip: number, cpl: number, limit = MAX_BLOCK_INSTRUCTIONS): Block {
    const cpu = this.cpu as Cpu;
    const port = this.port;
    const frames = new Set<number>();
    const wasm =
      limit > 1 &&
      cpu.wasmRegions &&
      !!wasmApi &&
      !!cpu.state.memory &&
      !this.javascriptOnly.has(rip) &&
      (cpu.wasmAfter <= 0 || this.hot.has(rip));
    const blocks = [this.decodeBlock(rip, frames, limit)];
    if (limit > 1 && !this.alone.has(rip)) {
      const seen = new Set([rip]);
      let total = (blocks[0] as Instruction[]).length;
      for (let j = 0; j < blocks.length && blocks.length < MAX_REGION_BLOCKS; j++) {
        const from = blocks[j] as Instruction[];
        const page = Math.floor((from[0] as Instruction).address / 4096);
        for (const [t, anyPage] of successors(from, this.predicted, wasm)) {
          if (seen.has(t) || (!anyPage && Math.floor(t / 4096) !== page) || this.alone.has(t)) continue;
          seen.add(t);
          if (total >= MAX_REGION_INSTRUCTIONS || blocks.length >= MAX_REGION_BLOCKS) break;
          try {
            const b = this.decodeBlock(t, frames, limit);
            blocks.push(b);
            total += b.length;
          } catch {
            // Unfetchable code past the page end: reached through the run loop, if ever.
          }
        }
      }
    }
    // Hot code goes to WebAssembly; other code to JavaScript, marked to follow once it runs hot.
    let run: ((entry: number) => number) | null = null;
    let heat = 0;
    let slot = -1;
    if (wasm) {
      this.links ??= new WasmLinks(cpu, this);
      const fn = compileWasmRegion(cpu, blocks, this.predicted, this.links);
      if (fn) {
        ({ slot, run } = this.links.add(fn, cpl, blocks.flat()));
        this.stats.regionsInWasm++;
      } else this.javascriptOnly.add(rip);
    } else if (limit > 1 && cpu.wasmRegions && wasmApi && cpu.state.memory && !this.javascriptOnly.has(rip))
      heat = cpu.wasmAfter;
    if (!run) run = compileRegion(cpu, blocks, this.predicted);
    while (run === null) {
      blocks.length = Math.ceil(blocks.length / 2);
      run = compileRegion(cpu, blocks, this.predicted);
    }
    const all = blocks.flat();
    const expects = new Map<number, readonly number[]>();
    for (const i of all) {
      const e = this.predicted.get(i.address);
      if (e) expects.set(i.address, e);
    }
    const rips = all.map((i) => i.address);
    const done = blocks.flatMap((b) => b.map((_, n) => n));
    const frameList = [...frames];
    const siblings: Block[] = [];
    for (const [entry, b] of blocks.entries())
      siblings.push({
        run,
        entry,
        siblings,
        rips,
        done,
        linear: (b[0] as Instruction).address,
        frames: frameList,
        cpl,
        valid: true,
        expects,
        heat,
        slot,
        nextRip0: Number.NaN,
        next0: null,
        nextRip1: Number.NaN,
        next1: null,
      });
    const block = siblings[0] as Block;
    if (slot >= 0) this.links?.name(slot, block);
    for (const f of block.frames) {
      port.codeFrames[f] = 1;
      file(this.byFrame, f, block);
    }
    const pages = new Set<number>();
    for (const i of all) {
      pages.add(Math.floor(i.address / 4096));
      pages.add(Math.floor((i.address + i.length - 1) / 4096));
    }
    for (const p of pages) file(this.byPage, p, block);
    // Writes to these frames must now be seen: drop cached write translations for them.
    port.writeTag.fill(Number.NaN);
    this.stats.blocksTranslated++;
    return block;
  }
}

/** Adds a region to an index list, pruning the regions dropped since. */
function file(index: Map<number, Block[]>, key: number, block: Block): void {
  let list = index.get(key);
  if (!list) {
    list = [];
    index.set(key, list);
  } else if (list.length >= 32) {
    list = list.filter((b) => b.valid);
    index.set(key, list);
  }
  list.push(block);
}

/**
 * Where the last instruction of a block may go next, when that is known
 * without running it, and whether the target may lie on another page.
 * Direct jumps and calls stay on their page. For JavaScript, a conditional
 * jump brings in its taken target only (loops stay inside; the fall-through
 * starts a region of its own, entered through the run loop), and a direct
 * call's return site is left out: measured, regions holding them were bigger
 * and slower to optimise than the exits they saved. WebAssembly takes both. A target predicted for an indirect
 * site may be anywhere, and the return site of a predicted call comes with
 * it, for the callee's `ret` to land on inside the region.
 */
function successors(
  insns: Instruction[],
  predicted: ReadonlyMap<number, readonly number[]>,
  wasm: boolean,
): [number, boolean][] {
  const last = insns[insns.length - 1] as Instruction;
  const o = last.operands[0];
  const fall = last.address + last.length;
  if (last.invalid) return [];
  const m = last.mnemonic;
  if (o?.kind === OperandKind.Rel) {
    // WebAssembly compiles big functions well: there the fall-through and the return site come too.
    if ((last.cc >= 0 && m.startsWith('j')) || m === 'call')
      return wasm
        ? [
            [o.target, false],
            [fall, false],
          ]
        : [[o.target, false]];
    if (m === 'jmp') return [[o.target, false]];
    return [];
  }
  const expected = (predicted.get(last.address) ?? []).map((t): [number, boolean] => [t, true]);
  if (m === 'call') return expected.length === 0 ? [] : [...expected, [fall, false]];
  if (m === 'jmp') return expected;
  return endsBlock(last) ? [] : [[fall, false]];
}
