/**
 * The memory-management unit of one x86-64 CPU: the control registers that
 * steer paging, `translate` (TLB, page walk, access check, A/D bits, #PF
 * error code) and the TLB invalidation rules of SDM vol. 3, 4.10.4.1.
 *
 * The CPU calls `translate` on every access its own fast caches do not
 * answer, so the TLB-hit path is a handful of typed-array reads and one
 * table load, and allocates nothing.
 */
import { buildAccessTable, buildErrorBitsTable, pkeyFault } from './access-rules.js';
import { AccessKind, CR0, CR4, EFER, PFEC, PTE } from './constants.js';
import { MemoryError } from './errors.js';
import {
  reservedHighMask,
  WALK_NXE,
  WALK_PGE,
  WALK_PKE,
  WalkScratch,
  WalkStop,
  walkInto,
} from './page-walk.js';
import type { PhysicalMemory } from './physical-memory.js';
import { Dropped, Tlb, type TlbView } from './tlb.js';
import { permissionIndex, T_DIRTY, T_US, type TlbEntry, unpackEntry } from './translation-flags.js';

export interface MmuOptions {
  /** MAXPHYADDR: address bits at or above it are reserved in every entry. 32 to 52, default 46. */
  physAddrBits?: number;
  /** TLB entries: a power of two, default 4096 (4-way set-associative). */
  tlbCapacity?: number;
}

/** The last page fault: what the CPU pushes as the error code and loads into CR2. */
export interface PageFault {
  errorCode: number;
  address: number;
}

/** One paging-structure entry visited by a walk; `lo` and `hi` are unsigned 32-bit halves. */
export interface WalkLevel {
  level: 1 | 2 | 3 | 4;
  entryAddress: number;
  lo: number;
  hi: number;
}

export type WalkResult =
  | {
      ok: true;
      va: number;
      /** Entries visited, PML4E first. */
      levels: WalkLevel[];
      /** Physical address of `va`. */
      pa: number;
      pageShift: 12 | 21 | 30;
      /** What the TLB would cache for this page (before this access sets A or D). */
      entry: TlbEntry;
    }
  | {
      ok: false;
      va: number;
      levels: WalkLevel[];
      /** Level of the entry the walk stopped at (4 = PML4E). */
      level: 1 | 2 | 3 | 4;
      reason: 'not-present' | 'reserved';
      /** The reserved bits found set, as unsigned halves (zero when not present). */
      reserved: { lo: number; hi: number };
    };

/** Control bits whose change invalidates every TLB entry (4.10.4.1; extra invalidation is always allowed). */
const CR0_FLUSH = CR0.PG | CR0.WP;
const CR4_FLUSH = CR4.PGE | CR4.PCIDE | CR4.SMEP | CR4.SMAP | CR4.PAE | CR4.PSE | CR4.PKE;
const EFER_FLUSH = EFER.NXE;

export class Mmu {
  readonly memory: PhysicalMemory;
  readonly physAddrBits: number;
  /** The last page fault; one object, overwritten by each fault. */
  readonly fault: PageFault = { errorCode: 0, address: 0 };
  readonly tlb: TlbView;
  /**
   * Called when TLB entries are dropped: with the page's linear address for a
   * single page (INVLPG, a fault, an eviction), null for anything wider. Also
   * called with null when PKRU changes, which drops nothing but makes access
   * decisions cached outside the TLB stale.
   */
  onFlush: ((va: number | null) => void) | null = null;

  private readonly cache: Tlb;
  private readonly scratch = new WalkScratch();
  private _cr0 = 0;
  private _cr3 = 0;
  private _cr4 = 0;
  private _efer = 0;
  private _pkru = 0;
  private paging = false;
  private root = 0;
  private wp = false;
  private pke = false;
  private features = 0;
  private reservedHi = 0;
  private controlKey = -1;
  private access: Uint8Array = new Uint8Array(0);
  private errorBits: Uint8Array = new Uint8Array(0);

  constructor(memory: PhysicalMemory, options: MmuOptions = {}) {
    const bits = options.physAddrBits ?? 46;
    if (!Number.isInteger(bits) || bits < 32 || bits > 52) {
      throw new MemoryError('EINVAL', `physAddrBits ${bits} is not between 32 and 52`);
    }
    this.memory = memory;
    this.physAddrBits = bits;
    this.cache = new Tlb(options.tlbCapacity ?? 4096);
    this.tlb = this.cache;
    this.update();
  }

  get cr0(): number {
    return this._cr0;
  }
  get cr3(): number {
    return this._cr3;
  }
  get cr4(): number {
    return this._cr4;
  }
  get efer(): number {
    return this._efer;
  }
  get pkru(): number {
    return this._pkru;
  }

  setCr0(value: number): void {
    const old = this._cr0;
    this._cr0 = value >>> 0;
    this.update();
    if (((old ^ value) & CR0_FLUSH) !== 0) this.flushAll();
  }

  /** MOV to CR3: a new PML4 (bits 12..MAXPHYADDR-1); drops every non-global entry. PCIDs are not modelled. */
  setCr3(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new MemoryError('EINVAL', `bad CR3 value ${value}`);
    this._cr3 = value;
    this.root = (Math.floor(value / 4096) % 2 ** (this.physAddrBits - 12)) * 4096;
    this.cache.stats.flushes++;
    this.cache.flushNonGlobal();
    this.onFlush?.(null);
  }

  setCr4(value: number): void {
    const old = this._cr4;
    this._cr4 = value >>> 0;
    this.update();
    if (((old ^ value) & CR4_FLUSH) !== 0) this.flushAll();
  }

  setEfer(value: number): void {
    const old = this._efer;
    this._efer = value >>> 0;
    this.update();
    if (((old ^ value) & EFER_FLUSH) !== 0) this.flushAll();
  }

  /** WRPKRU. Drops no TLB entry: rights are checked against the current PKRU on every access (4.6.2). */
  setPkru(value: number): void {
    const old = this._pkru;
    this._pkru = value >>> 0;
    if (old !== this._pkru) this.onFlush?.(null);
  }

  /** INVLPG: drops the page's entries, global or not, and all entries of a large page holding it. */
  invlpg(va: number): void {
    const vpn = Math.floor(va / 4096);
    this.cache.stats.flushes++;
    const dropped = this.cache.invalidatePage(vpn);
    this.onFlush?.(dropped === Dropped.Wider ? null : vpn * 4096);
  }

  /** Drops every entry, global ones included. */
  flushAll(): void {
    this.cache.stats.flushes++;
    this.cache.flushAll();
    this.onFlush?.(null);
  }

  /**
   * Translates a linear address for an access of `kind` (AccessKind) by
   * `mode` (AccessMode bits). Returns the physical address, or -1 with
   * `fault` filled in. Without CR0.PG the linear address is the physical one.
   */
  translate(va: number, kind: AccessKind, mode: number): number {
    if (!this.paging) return va;
    const vpn = Math.floor(va / 4096);
    const tlb = this.cache;
    const slot = tlb.find(vpn);
    if (slot >= 0) {
      const flags = tlb.flags[slot]!;
      // A write through a clean entry walks again, to set D in memory (4.8).
      if (kind !== AccessKind.Write || (flags & T_DIRTY) !== 0) {
        tlb.stats.hits++;
        const error = this.check(flags, kind, mode);
        // A cached translation is checked against today's CR0/CR4/EFER/PKRU, not today's PTEs.
        if (error === 0) return tlb.frames[slot]! + (va & 0xfff);
        return this.pageFault(va, vpn, error);
      }
    }
    return this.miss(va, vpn, kind, mode);
  }

  /** The page walk for `va` from the current CR3 (or `root`), without the TLB, access checks or A/D updates. */
  walk(va: number, root: number = this.root): WalkResult {
    const s = new WalkScratch();
    walkInto(this.memory.view, root, va, this.reservedHi, this.features, s);
    const levels: WalkLevel[] = [];
    for (let i = 0; i < s.count; i++) {
      levels.push({
        level: (4 - i) as WalkLevel['level'],
        entryAddress: s.entryAddress[i]!,
        lo: s.lo[i]! >>> 0,
        hi: s.hi[i]! >>> 0,
      });
    }
    if (s.stop === WalkStop.Done) {
      return {
        ok: true,
        va,
        levels,
        pa: s.pa,
        pageShift: s.pageShift as 12 | 21 | 30,
        entry: unpackEntry(Math.floor(va / 4096), s.frame, s.flags),
      };
    }
    return {
      ok: false,
      va,
      levels,
      level: (5 - s.count) as WalkLevel['level'],
      reason: s.stop === WalkStop.NotPresent ? 'not-present' : 'reserved',
      reserved: { lo: s.reservedLo >>> 0, hi: s.reservedHi >>> 0 },
    };
  }

  /** 0 if the access is allowed, else the page-fault error code (4.6, 4.7). */
  private check(flags: number, kind: number, mode: number): number {
    let error = this.access[(kind << 6) | ((mode & 7) << 3) | permissionIndex(flags)]!;
    if (this.pke && (flags & T_US) !== 0 && kind !== AccessKind.Execute) {
      error |= pkeyFault(this._pkru, (flags >>> 27) & 15, kind, mode, this.wp);
    }
    return error;
  }

  private miss(va: number, vpn: number, kind: number, mode: number): number {
    const tlb = this.cache;
    tlb.stats.misses++;
    const s = this.scratch;
    const view = this.memory.view;
    walkInto(view, this.root, va, this.reservedHi, this.features, s);
    if (s.stop !== WalkStop.Done) {
      const bits = this.errorBits[(kind << 3) | (mode & 7)]!;
      return this.pageFault(va, vpn, s.stop === WalkStop.NotPresent ? bits : bits | PFEC.P | PFEC.RSVD);
    }
    const error = this.check(s.flags, kind, mode);
    if (error !== 0) return this.pageFault(va, vpn, error);
    // 4.8: A in every entry used, D in the leaf for a write; re-read, as one entry may serve at two levels.
    const last = s.count - 1;
    const write = kind === AccessKind.Write;
    for (let i = 0; i <= last; i++) {
      const address = s.entryAddress[i]!;
      const lo = view.getInt32(address, true);
      const set = lo | (i === last && write ? PTE.A | PTE.D : PTE.A);
      if (set !== lo) view.setInt32(address, set, true);
    }
    const evicted = tlb.insert(vpn, s.frame, write ? s.flags | T_DIRTY : s.flags);
    if (!Number.isNaN(evicted)) this.onFlush?.(evicted * 4096);
    return s.pa;
  }

  /** Records the fault and, as a page fault does (4.10.4.1), drops the TLB entries for the page. */
  private pageFault(va: number, vpn: number, errorCode: number): number {
    this.fault.errorCode = errorCode;
    this.fault.address = va;
    const dropped = this.cache.invalidatePage(vpn);
    if (dropped !== Dropped.None) this.onFlush?.(dropped === Dropped.Page ? vpn * 4096 : null);
    return -1;
  }

  /** Recomputes what the hot path reads from the control registers. */
  private update(): void {
    this.paging = (this._cr0 & CR0.PG) !== 0;
    this.wp = (this._cr0 & CR0.WP) !== 0;
    this.pke = (this._cr4 & CR4.PKE) !== 0;
    const nxe = (this._efer & EFER.NXE) !== 0;
    this.features =
      (nxe ? WALK_NXE : 0) | (this.pke ? WALK_PKE : 0) | ((this._cr4 & CR4.PGE) !== 0 ? WALK_PGE : 0);
    this.reservedHi = reservedHighMask(this.physAddrBits, nxe);
    const smep = (this._cr4 & CR4.SMEP) !== 0;
    const smap = (this._cr4 & CR4.SMAP) !== 0;
    const key = (this.wp ? 1 : 0) | (smep ? 2 : 0) | (smap ? 4 : 0) | (nxe ? 8 : 0);
    if (key !== this.controlKey) {
      const control = { wp: this.wp, smep, smap, nxe };
      this.access = buildAccessTable(control);
      this.errorBits = buildErrorBitsTable(control);
      this.controlKey = key;
    }
  }
}
