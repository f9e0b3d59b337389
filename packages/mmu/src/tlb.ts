/**
 * The TLB (SDM vol. 3, 4.10.2): a set-associative cache of translations per
 * 4 KiB page, in parallel typed arrays so that a lookup allocates nothing.
 * A large page is cached lazily, one 4 KiB entry per page touched, each
 * remembering the large page's size, so that invalidating any address of it
 * drops them all (4.10.4.1: "the same assurances ... as when a single TLB
 * entry is used").
 */
import { MemoryError } from './errors.js';
import { T_GLOBAL, T_SIZE, T_SIZE_SHIFT, type TlbEntry, unpackEntry } from './translation-flags.js';

const MAX_WAYS = 4;
/** 4 KiB pages in a 2 MiB and in a 1 GiB page. */
const SPAN_2M = 512;
const SPAN_1G = 512 * 512;

export interface TlbStats {
  /** Translations answered from the TLB. */
  hits: number;
  /** Translations that walked the page tables (including writes through a clean entry). */
  misses: number;
  /** INVLPGs, CR3 loads and full flushes. */
  flushes: number;
  /** Entries pushed out to make room. */
  evictions: number;
}

/** What the Mmu shows of its TLB. */
export interface TlbView {
  /** The entry caching `va`'s page, if any. */
  lookup(va: number): TlbEntry | undefined;
  /** Number of entries held. */
  readonly size: number;
  readonly capacity: number;
  entries(): Iterable<TlbEntry>;
  readonly stats: TlbStats;
}

/** How much an invalidation dropped. */
export const Dropped = { None: 0, Page: 1, Wider: 2 } as const;

export class Tlb implements TlbView {
  /** Linear page number per slot; NaN marks an empty slot, and equals no page number. */
  readonly tags: Float64Array;
  /** Physical address of the 4 KiB frame per slot. */
  readonly frames: Float64Array;
  readonly flags: Int32Array;
  readonly capacity: number;
  readonly ways: number;
  readonly setMask: number;
  readonly stats: TlbStats = { hits: 0, misses: 0, flushes: 0, evictions: 0 };
  size = 0;
  /** Round-robin victim per set. */
  private readonly victim: Uint8Array;
  /**
   * Slots filled since the last flush, plus the global survivors of it: a
   * superset of the held entries, so that a CR3 load (which a PV kernel does
   * on every system call) costs the entries made since, not the capacity.
   * Past `capacity` fills it stops counting and flushes scan everything.
   */
  private readonly recent: Int32Array;
  private recentCount = 0;
  private overflow = false;
  /** Held entries per 2 MiB and 1 GiB region, so that INVLPG and faults scan only when a large page is there. */
  private readonly large2m = new Map<number, number>();
  private readonly large1g = new Map<number, number>();

  constructor(capacity: number) {
    if (
      !Number.isInteger(capacity) ||
      capacity < 1 ||
      capacity > 1 << 24 ||
      (capacity & (capacity - 1)) !== 0
    ) {
      throw new MemoryError('EINVAL', `TLB capacity ${capacity} is not a power of two up to 2**24`);
    }
    this.capacity = capacity;
    this.ways = Math.min(MAX_WAYS, capacity);
    this.setMask = capacity / this.ways - 1;
    this.tags = new Float64Array(capacity).fill(Number.NaN);
    this.frames = new Float64Array(capacity);
    this.flags = new Int32Array(capacity);
    this.victim = new Uint8Array(capacity / this.ways);
    this.recent = new Int32Array(capacity);
  }

  /** The slot holding page `vpn`, or -1. */
  find(vpn: number): number {
    const tags = this.tags;
    const start = (vpn & this.setMask) * this.ways;
    const end = start + this.ways;
    for (let i = start; i < end; i++) if (tags[i] === vpn) return i;
    return -1;
  }

  /** Caches a translation; returns the page number it evicted, or NaN. */
  insert(vpn: number, frame: number, flags: number): number {
    const set = vpn & this.setMask;
    const start = set * this.ways;
    const end = start + this.ways;
    let slot = -1;
    for (let i = start; i < end; i++) {
      const tag = this.tags[i]!;
      if (tag === vpn) {
        slot = i;
        break;
      }
      if (slot < 0 && Number.isNaN(tag)) slot = i;
    }
    let evicted = Number.NaN;
    if (slot < 0) {
      slot = start + this.victim[set]!;
      this.victim[set] = (this.victim[set]! + 1) % this.ways;
      evicted = this.tags[slot]!;
      this.stats.evictions++;
    }
    if (!Number.isNaN(this.tags[slot]!)) this.release(slot);
    this.tags[slot] = vpn;
    this.frames[slot] = frame;
    this.flags[slot] = flags;
    this.size++;
    if ((flags & T_SIZE) !== 0) this.countLarge(vpn, flags, 1);
    if (this.recentCount < this.capacity) this.recent[this.recentCount++] = slot;
    else this.overflow = true;
    return evicted;
  }

  /** Drops every entry for the page `vpn`, global or not, and every entry of a large page containing it. */
  invalidatePage(vpn: number): number {
    let dropped: number = Dropped.None;
    const slot = this.find(vpn);
    if (slot >= 0) {
      dropped = (this.flags[slot]! & T_SIZE) === 0 ? Dropped.Page : Dropped.Wider;
      this.release(slot);
    }
    const region2m = Math.floor(vpn / SPAN_2M);
    const region1g = Math.floor(vpn / SPAN_1G);
    if (!this.large2m.has(region2m) && !this.large1g.has(region1g)) return dropped;
    const n = this.overflow ? this.capacity : this.recentCount;
    for (let k = 0; k < n; k++) {
      const i = this.overflow ? k : this.recent[k]!;
      const flags = this.flags[i]!;
      const tag = this.tags[i]!;
      if ((flags & T_SIZE) === 0 || Number.isNaN(tag)) continue;
      const large1g = (flags & T_SIZE) === 2 << T_SIZE_SHIFT;
      if (large1g ? Math.floor(tag / SPAN_1G) === region1g : Math.floor(tag / SPAN_2M) === region2m) {
        this.release(i);
        dropped = Dropped.Wider;
      }
    }
    return dropped;
  }

  /** What a CR3 load does (4.10.4.1): drops everything but global entries. */
  flushNonGlobal(): void {
    const n = this.overflow ? this.capacity : this.recentCount;
    let kept = 0;
    for (let k = 0; k < n; k++) {
      const i = this.overflow ? k : this.recent[k]!;
      if (Number.isNaN(this.tags[i]!)) continue;
      if ((this.flags[i]! & T_GLOBAL) === 0) this.release(i);
      else this.recent[kept++] = i;
    }
    this.recentCount = kept;
    this.overflow = false;
  }

  flushAll(): void {
    if (this.overflow) this.tags.fill(Number.NaN);
    else for (let k = 0; k < this.recentCount; k++) this.tags[this.recent[k]!] = Number.NaN;
    this.recentCount = 0;
    this.overflow = false;
    this.size = 0;
    this.large2m.clear();
    this.large1g.clear();
  }

  lookup(va: number): TlbEntry | undefined {
    const vpn = Math.floor(va / 4096);
    const slot = this.find(vpn);
    return slot < 0 ? undefined : unpackEntry(vpn, this.frames[slot]!, this.flags[slot]!);
  }

  *entries(): Iterable<TlbEntry> {
    for (let i = 0; i < this.capacity; i++) {
      const tag = this.tags[i]!;
      if (!Number.isNaN(tag)) yield unpackEntry(tag, this.frames[i]!, this.flags[i]!);
    }
  }

  private release(slot: number): void {
    const flags = this.flags[slot]!;
    if ((flags & T_SIZE) !== 0) this.countLarge(this.tags[slot]!, flags, -1);
    this.tags[slot] = Number.NaN;
    this.size--;
  }

  private countLarge(vpn: number, flags: number, delta: number): void {
    const is1g = (flags & T_SIZE) === 2 << T_SIZE_SHIFT;
    const map = is1g ? this.large1g : this.large2m;
    const region = Math.floor(vpn / (is1g ? SPAN_1G : SPAN_2M));
    const n = (map.get(region) ?? 0) + delta;
    if (n === 0) map.delete(region);
    else map.set(region, n);
  }
}
