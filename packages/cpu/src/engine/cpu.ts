/**
 * The processor: architectural state, the run loop, block translation and
 * exception delivery. Instructions execute as translated blocks (see
 * block-compiler.ts); the state lives in typed arrays so that translated code
 * can address it directly.
 */
import { AccessMode, CR0, CR4, EFER, type Mmu, type PhysicalMemory } from '@x/mmu';
import { type Instruction, type Operand, OperandKind, RegClass, RIP_BASE } from '../decoder/instruction.js';
import { bigFromHalves, type CpuHooks, type GuestCpu, StopReason } from '../machine-interface.js';
import { type Block, BlockCache } from './block-cache.js';
import './handlers/index.js';
import { CPUID_PROFILES, type CpuidProfile } from './cpuid.js';
import { CodeModified, CpuFault } from './fault.js';
import { ARITH_FLAGS, computeFlags, RFLAGS, setKnownFlags } from './flags.js';
import { deliverException } from './interrupts.js';
import { MemoryPort } from './memory-port.js';
import { type CpuState, createState } from './wasm/state.js';
import { type X87State, x87Init } from './x87-state.js';

export interface CpuOptions {
  memory: PhysicalMemory;
  mmu: Mmu;
  hooks?: CpuHooks;
  /** CPUID profile name (see CPUID_PROFILES) or a profile. Default "baseline". */
  cpuid?: string | CpuidProfile;
}

export interface CpuStats {
  blocksTranslated: number;
  blocksInvalidated: number;
  /** Regions translated to WebAssembly (wasm/region.ts); the others are JavaScript. */
  regionsInWasm: number;
}

const TWO32 = 4294967296;

export class Cpu implements GuestCpu {
  readonly memory: PhysicalMemory;
  readonly mmu: Mmu;
  readonly port: MemoryPort;
  /** The registers and the lazy-flags record, in memory that WebAssembly regions share (wasm/state.ts). */
  readonly state: CpuState;
  readonly r: Int32Array;
  /** XMM i: dword j at [4i+j], in the state memory too. */
  readonly xmm: Int32Array;
  /** Lazy arithmetic flags (flags.ts). */
  readonly F: Int32Array;
  /** Whether regions that WebAssembly can run are translated to it (wasm/region.ts) rather than to JavaScript. */
  wasmRegions = true;
  /**
   * How hot a JavaScript region gets before it is translated again to
   * WebAssembly: each entry counts 16, each instruction it runs 1 (0: at
   * once). Code that runs only a few times, as start-up code does, is not
   * worth a WebAssembly module; code entered four times is (measured on
   * bench/run.mjs: 64 and 0 beat 500 and 2000 on the sort).
   */
  wasmAfter = 64;
  rip = 0;
  /** RFLAGS bits other than the six arithmetic flags (IF, DF, AC, ID…), with bit 1 set. */
  sysFlags = RFLAGS.FIXED1 | RFLAGS.IF;
  fsBase = 0;
  gsBase = 0;
  kernelGsBase = 0;
  mxcsr = 0x1f80;
  cpl = 3;
  /** Segment selectors ES, CS, SS, DS, FS, GS. */
  readonly seg = new Uint16Array(6);
  hooks: CpuHooks;
  profile: CpuidProfile;
  readonly x87: X87State = x87Init();
  readonly msr = new Map<number, number>();
  gdtr = { base: 0, limit: 0 };
  idtr = { base: 0, limit: 0 };
  tr = 0;
  cr2 = 0;
  cr8 = 0;
  tssBase = 0;
  readonly stats: CpuStats = { blocksTranslated: 0, blocksInvalidated: 0, regionsInWasm: 0 };
  /** Set by control transfers: the linear address of the next instruction. */
  next = 0;
  /** Rip of the indirect call or jump through which the running region left, or -1 (block-cache.ts learns targets). */
  site = -1;
  /** Index, within the running block, of the instruction executing now (for exact fault state). */
  k = 0;
  /** Extra instructions retired by self-looping blocks, and how many they may run before yielding. */
  loopCount = 0;
  loopLimit = 1_000_000;
  /** High half of the last 64-bit operand read. */
  hi = 0;
  private icount = 0;
  private stopRequested = false;
  private halted = false;
  private readonly blocks: BlockCache;

  constructor(options: CpuOptions) {
    this.memory = options.memory;
    this.mmu = options.mmu;
    this.hooks = options.hooks ?? {};
    const profile = options.cpuid ?? 'baseline';
    const p = typeof profile === 'string' ? CPUID_PROFILES[profile] : profile;
    if (!p) throw new Error(`unknown CPUID profile ${String(profile)}`);
    this.profile = p;
    this.state = createState(this.memory);
    this.r = this.state.r;
    this.F = this.state.F;
    this.xmm = this.state.xmm;
    this.port = new MemoryPort(this.memory, this.mmu, this.state.caches);
    this.blocks = new BlockCache(this.port, this.stats);
    this.blocks.cpu = this;
    this.port.onCodeWrite = (frame) => this.blocks.invalidateFrame(frame);
    const prevFlush = this.mmu.onFlush;
    this.mmu.onFlush = (va) => {
      prevFlush?.(va);
      this.blocks.flushLinear(va);
    };
    this.seg[1] = 0x33;
    this.seg[2] = 0x2b;
  }

  get instructions(): number {
    return this.icount;
  }

  // ---- flags -------------------------------------------------------------

  getRflags(): number {
    return (computeFlags(this.F) & ARITH_FLAGS) | (this.sysFlags & ~ARITH_FLAGS) | RFLAGS.FIXED1;
  }

  setRflags(value: number): void {
    setKnownFlags(this.F, value);
    this.sysFlags = (value & ~ARITH_FLAGS) | RFLAGS.FIXED1;
    this.updateAccessMode();
    // Single-stepping starts: the running region and the run loop's inner loop must leave.
    if (value & RFLAGS.TF) this.loopLimit = 0;
  }

  /** The direction flag as a step sign: 1 or -1. */
  get direction(): number {
    return this.sysFlags & RFLAGS.DF ? -1 : 1;
  }

  updateAccessMode(): void {
    let mode = this.cpl === 3 ? AccessMode.User : 0;
    if (this.sysFlags & RFLAGS.AC) mode |= AccessMode.AC;
    if (mode !== this.port.mode) {
      this.port.mode = mode;
      this.port.flush();
      this.blocks.flushLinear();
    }
  }

  setCpl(cpl: number): void {
    this.cpl = cpl;
    this.updateAccessMode();
    // Regions are translated per privilege level: leave the running one.
    this.loopLimit = 0;
  }

  // ---- registers ---------------------------------------------------------

  getReg(index: number): bigint {
    return bigFromHalves(this.r[2 * index] as number, this.r[2 * index + 1] as number);
  }

  setReg(index: number, value: bigint): void {
    const v = BigInt.asUintN(64, value);
    this.r[2 * index] = Number(v & 0xffffffffn) | 0;
    this.r[2 * index + 1] = Number(v >> 32n) | 0;
  }

  /** Register value as a linear address (signed interpretation; exact below 2^53). */
  regLinear(index: number): number {
    return (this.r[2 * index + 1] as number) * TWO32 + ((this.r[2 * index] as number) >>> 0);
  }

  /** Register as an unsigned number (control registers, MSR values; exact below 2^53). */
  regLinearUnsigned(index: number): number {
    return ((this.r[2 * index + 1] as number) >>> 0) * TWO32 + ((this.r[2 * index] as number) >>> 0);
  }

  setRegLinear(index: number, a: number): void {
    this.r[2 * index] = (a % TWO32) | 0;
    this.r[2 * index + 1] = Math.floor(a / TWO32) | 0;
  }

  // ---- operands (the generic path; translated code inlines the common cases) ----

  /** Effective address (offset, before the segment base) as 64-bit halves: low returned, high in `hi`. */
  eaHalves(i: Instruction, op: Operand): number {
    if (op.base === -2) {
      this.hi = i.addrSize === 4 ? 0 : op.immHi;
      return op.immLo;
    }
    let lo = op.disp;
    let hi = 0;
    if (op.base === RIP_BASE) {
      const next = i.address + i.length;
      lo += (next % TWO32) >>> 0;
      hi += Math.floor(next / TWO32);
    } else if (op.base >= 0) {
      lo += (this.r[2 * op.base] as number) >>> 0;
      hi += this.r[2 * op.base + 1] as number;
    }
    if (op.index >= 0) {
      lo += ((this.r[2 * op.index] as number) >>> 0) * op.scale;
      hi += (this.r[2 * op.index + 1] as number) * op.scale;
    }
    if (i.addrSize === 4) {
      this.hi = 0;
      return lo | 0;
    }
    // lo is exact (below 2^36); fold its carries into the high half.
    this.hi = (hi + Math.floor(lo / TWO32)) | 0;
    return lo | 0;
  }

  /** Linear address of a memory operand (non-canonical results are caught by the memory port). */
  ea(i: Instruction, op: Operand): number {
    const lo = this.eaHalves(i, op);
    let a = this.hi * TWO32 + (lo >>> 0);
    // A non-canonical address formed from RSP or RBP is a stack-segment fault (SDM vol. 3, 6.15 #SS).
    if ((op.base === 4 || op.base === 5) && !(a >= -(2 ** 47) && a < 2 ** 47)) throw new CpuFault(12, 0);
    if (op.seg === 4) a = wrapLinear(a + this.fsBase);
    else if (op.seg === 5) a = wrapLinear(a + this.gsBase);
    return a;
  }

  /** Read an operand: the value zero-extended from its size (int32 for 4 bytes); 8 bytes: low half, high half in `hi`. */
  read(i: Instruction, op: Operand, size = op.size): number {
    if (op.kind === OperandKind.Reg) {
      const n = op.reg;
      if (op.regClass === RegClass.GprHigh8) return ((this.r[2 * n] as number) >> 8) & 0xff;
      const lo = this.r[2 * n] as number;
      switch (size) {
        case 1:
          return lo & 0xff;
        case 2:
          return lo & 0xffff;
        case 4:
          return lo;
        default:
          this.hi = this.r[2 * n + 1] as number;
          return lo;
      }
    }
    if (op.kind === OperandKind.Imm) {
      this.hi = op.immHi;
      switch (size) {
        case 1:
          return op.immLo & 0xff;
        case 2:
          return op.immLo & 0xffff;
        default:
          return op.immLo;
      }
    }
    const a = this.ea(i, op);
    const m = this.port;
    switch (size) {
      case 1:
        return m.read8(a);
      case 2:
        return m.read16(a);
      case 4:
        return m.read32(a);
      default: {
        const lo = m.read64(a);
        this.hi = m.hi;
        return lo;
      }
    }
  }

  /** Write an operand; 32-bit register writes clear the upper half, 8- and 16-bit ones merge. */
  write(i: Instruction, op: Operand, lo: number, hi = 0, size = op.size): void {
    if (op.kind === OperandKind.Reg) {
      const n = op.reg;
      const r = this.r;
      if (op.regClass === RegClass.GprHigh8) {
        r[2 * n] = ((r[2 * n] as number) & ~0xff00) | ((lo & 0xff) << 8);
        return;
      }
      switch (size) {
        case 1:
          r[2 * n] = ((r[2 * n] as number) & ~0xff) | (lo & 0xff);
          return;
        case 2:
          r[2 * n] = ((r[2 * n] as number) & ~0xffff) | (lo & 0xffff);
          return;
        case 4:
          r[2 * n] = lo;
          r[2 * n + 1] = 0;
          return;
        default:
          r[2 * n] = lo;
          r[2 * n + 1] = hi;
          return;
      }
    }
    const a = this.ea(i, op);
    const m = this.port;
    switch (size) {
      case 1:
        m.write8(a, lo);
        return;
      case 2:
        m.write16(a, lo);
        return;
      case 4:
        m.write32(a, lo);
        return;
      default:
        m.write64(a, lo, hi);
    }
  }

  push64(lo: number, hi: number): void {
    const sp = stackAddress(this.regLinear(4) - 8);
    this.port.write64(sp, lo, hi);
    this.setRegLinear(4, sp);
  }

  pop64(): number {
    const sp = stackAddress(this.regLinear(4));
    const lo = this.port.read64(sp);
    this.hi = this.port.hi;
    this.setRegLinear(4, sp + 8);
    return lo;
  }

  // ---- control -------------------------------------------------------------

  requestStop(): void {
    this.stopRequested = true;
    // A running region leaves at its next internal jump.
    this.loopLimit = 0;
  }

  /** Control registers go through the MMU, which applies the TLB flush rules. */
  writeCr(n: number, value: number): void {
    switch (n) {
      case 0:
        this.mmu.setCr0(value | CR0.PE);
        break;
      case 2:
        this.cr2 = value;
        break;
      case 3:
        this.mmu.setCr3(value);
        break;
      case 4:
        this.mmu.setCr4(value);
        break;
      case 8:
        this.cr8 = value & 15;
        break;
      default:
        throw new CpuFault(6, undefined);
    }
  }

  readCr(n: number): number {
    switch (n) {
      case 0:
        return this.mmu.cr0;
      case 2:
        return this.cr2;
      case 3:
        return this.mmu.cr3;
      case 4:
        return this.mmu.cr4;
      case 8:
        return this.cr8;
      default:
        throw new CpuFault(6, undefined);
    }
  }

  /** Enter 64-bit mode with paging on the given top-level table (for loaders and tests). */
  enterLongMode(cr3: number, cpl: number): void {
    this.mmu.setEfer(EFER.LME | EFER.LMA | EFER.NXE | EFER.SCE);
    this.mmu.setCr4(CR4.PAE | CR4.PGE);
    this.mmu.setCr3(cr3);
    this.mmu.setCr0(CR0.PE | CR0.PG | CR0.WP);
    // Flat selectors as Linux uses them: kernel CS 0x08 / SS 0x10, user CS 0x33 / SS 0x2b.
    this.seg[1] = cpl === 3 ? 0x33 : 0x08;
    this.seg[2] = cpl === 3 ? 0x2b : 0x10;
    this.setCpl(cpl);
  }

  /** Something other than the guest's stores (a loader, a system call, DMA) wrote these physical bytes. */
  invalidateCode(pa: number, length: number): void {
    this.blocks.invalidatePhysical(pa, length);
  }

  halt(): void {
    this.halted = true;
    this.loopLimit = 0;
  }

  run(maxInstructions = Number.POSITIVE_INFINITY): StopReason {
    const end = this.icount + maxInstructions;
    const blocks = this.blocks;
    // Nothing runs yet (an earlier run may have ended by an exception that was not a fault).
    blocks.running = null;
    this.stopRequested = false;
    for (;;) {
      try {
        while (!this.stopRequested && !this.halted) {
          if (this.icount >= end) return StopReason.Budget;
          this.loopLimit = Math.min(1_000_000, end - this.icount);
          if ((this.sysFlags & RFLAGS.TF) !== 0) {
            // Single-step trap after the instruction (SDM vol. 3, 17.3.1.4), if TF was set before it ran.
            const block = blocks.single(this.rip, this.cpl);
            blocks.running = block;
            // One instruction, even one that jumps to itself.
            this.loopLimit = 0;
            this.rip = block.run(block.entry);
            this.site = -1;
            blocks.running = null;
            this.icount += this.loopCount;
            this.loopCount = 0;
            deliverException(this, 1, undefined, 0);
            continue;
          }
          this.chain(blocks.lookup(this.rip, this.cpl));
          this.icount += this.loopCount;
          this.loopCount = 0;
        }
        if (this.halted) {
          this.halted = false;
          return StopReason.Halt;
        }
        return StopReason.Requested;
      } catch (e) {
        if (!(e instanceof CodeModified) && !(e instanceof CpuFault)) throw e;
        // The region that was running, if the exception came from one (not from a lookup).
        const block = blocks.running;
        blocks.running = null;
        this.icount += this.loopCount;
        this.loopCount = 0;
        if (block && block.rips.length > 0) {
          this.rip = block.rips[this.k] as number;
          this.icount += block.done[this.k] as number;
        }
        if (e instanceof CpuFault) deliverException(this, e.vector, e.errorCode, e.address);
      }
    }
  }

  /**
   * Runs regions back to back from `block`, following each one's remembered
   * successors, until the slice is used or something needs the run loop (a
   * stop, a halt, TF, a privilege change: they zero `loopLimit`), or after 256
   * regions. A small function of its own, so the optimiser compiles it whole
   * rather than as part of the long-running `run`.
   */
  private chain(first: Block): void {
    const blocks = this.blocks;
    let block = first;
    for (let n = 0; n < 256; n++) {
      blocks.running = block;
      const before = this.loopCount;
      const next = block.run(block.entry);
      this.rip = next;
      if (block.heat > 0) {
        block.heat -= 16 + this.loopCount - before;
        if (block.heat <= 0) blocks.promote(block);
      }
      if (this.site !== -1) {
        // The region that left through the site: the last one a WebAssembly dispatch ran.
        blocks.observe(this.site, next, blocks.running ?? block);
        this.site = -1;
      }
      if (this.loopCount >= this.loopLimit) break;
      let found: Block | null =
        block.nextRip0 === next ? block.next0 : block.nextRip1 === next ? block.next1 : null;
      if (found === null || !found.valid || found.cpl !== this.cpl) {
        // A fault while translating belongs to no region: this.rip is already `next`.
        blocks.running = null;
        found = blocks.lookup(next, this.cpl);
        block.nextRip1 = block.nextRip0;
        block.next1 = block.next0;
        block.nextRip0 = next;
        block.next0 = found;
      }
      block = found;
    }
    blocks.running = null;
  }

  // ---- fxsave image -------------------------------------------------------

  saveFxState(into: Uint8Array): void {
    saveFx(this, into);
  }

  restoreFxState(from: Uint8Array): void {
    restoreFx(this, from);
  }
}

/** An address formed from RSP/RBP: #SS(0) when not canonical. */
export function stackAddress(a: number): number {
  if (!(a >= -(2 ** 47) && a < 2 ** 47)) throw new CpuFault(12, 0);
  return a;
}

/** Keep a linear address sum within 64 bits (signed interpretation) after adding a segment base. */
function wrapLinear(a: number): number {
  if (a >= 2 ** 63) return a - 2 ** 64;
  if (a < -(2 ** 63)) return a + 2 ** 64;
  return a;
}

import { restoreFx, saveFx } from './fxsave.js';
