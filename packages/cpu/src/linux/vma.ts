/**
 * The virtual memory areas of the guest process: what /proc/self/maps shows,
 * and what Linux's page-fault handler consults (mm/mmap.c). A sorted list of
 * non-overlapping page-aligned ranges, split and merged as mmap, munmap,
 * mprotect and brk edit them. Pure bookkeeping: the pages themselves live in
 * AddressSpace.
 */

import type { SharedBacking } from './syscalls/memfd.js';

/** PROT_* of mmap(2). */
export const PROT = { NONE: 0, READ: 1, WRITE: 2, EXEC: 4 } as const;

export type VmaKind =
  /** A PT_LOAD segment of the program. */
  | 'elf'
  /** The brk heap. */
  | 'heap'
  /** The main thread's stack. */
  | 'stack'
  /** An anonymous mapping. */
  | 'anon'
  /** A private (or read-only shared) mapping of a file. */
  | 'file';

export interface Vma {
  start: number;
  /** Exclusive. */
  end: number;
  prot: number;
  kind: VmaKind;
  shared: boolean;
  /** The path shown in /proc/self/maps (`[heap]`, `[stack]`, a file), or ''. */
  name: string;
  /** File offset of `start`, for file and elf mappings. */
  offset: number;
  /** For MAP_SHARED of a memfd: the file whose frames the pages are. */
  backing?: SharedBacking | undefined;
}

export class VmaList {
  private areas: Vma[] = [];

  get size(): number {
    return this.areas.length;
  }

  [Symbol.iterator](): Iterator<Vma> {
    return this.areas[Symbol.iterator]();
  }

  /** The area containing `address`. */
  find(address: number): Vma | undefined {
    const i = this.indexAtOrAfter(address);
    const v = this.areas[i];
    return v && v.start <= address ? v : undefined;
  }

  /** True when some area intersects [start, end). */
  overlaps(start: number, end: number): boolean {
    const v = this.areas[this.indexAtOrAfter(start)];
    return v !== undefined && v.start < end;
  }

  /** True when [start, end) is mapped without a hole. */
  covers(start: number, end: number): boolean {
    let at = start;
    for (let i = this.indexAtOrAfter(start); i < this.areas.length && at < end; i++) {
      const v = this.areas[i]!;
      if (v.start > at) return false;
      at = v.end;
    }
    return at >= end;
  }

  /** The areas intersecting [start, end), in order. */
  within(start: number, end: number): Vma[] {
    const out: Vma[] = [];
    for (let i = this.indexAtOrAfter(start); i < this.areas.length; i++) {
      const v = this.areas[i]!;
      if (v.start >= end) break;
      out.push(v);
    }
    return out;
  }

  /** Cut [start, end) out of every area, splitting those that straddle it; returns the removed pieces. */
  remove(start: number, end: number): Vma[] {
    this.splitAt(start);
    this.splitAt(end);
    const first = this.indexAtOrAfter(start);
    let last = first;
    while (last < this.areas.length && this.areas[last]!.start < end) last++;
    return this.areas.splice(first, last - first);
  }

  /** Add an area over a range that `remove` has cleared, merging it with equal neighbours. */
  insert(area: Vma): void {
    const i = this.indexAtOrAfter(area.start);
    this.areas.splice(i, 0, { ...area });
    this.mergeAround(i);
  }

  /** Set the protection of [start, end), which must be covered. */
  protect(start: number, end: number, prot: number): void {
    this.splitAt(start);
    this.splitAt(end);
    for (let i = this.indexAtOrAfter(start); i < this.areas.length; i++) {
      const v = this.areas[i]!;
      if (v.start >= end) break;
      v.prot = prot;
    }
    for (let i = Math.min(this.indexAtOrAfter(end), this.areas.length - 1); i >= 0; i--) {
      if (this.areas[i]!.end < start) break;
      this.mergeAround(i);
    }
  }

  /**
   * The highest free range of `length` bytes that ends at or below `top` and
   * starts at or above `bottom` (Linux's top-down mmap layout), or undefined.
   */
  findFreeTopDown(length: number, bottom: number, top: number): number | undefined {
    let ceiling = top;
    for (let i = this.areas.length - 1; i >= -1; i--) {
      const v = this.areas[i];
      const floor = v ? v.end : bottom;
      if (v && v.start >= ceiling) continue;
      const hi = Math.min(ceiling, top);
      const lo = Math.max(floor, bottom);
      if (hi - lo >= length) return hi - length;
      if (!v) break;
      ceiling = v.start;
      if (ceiling <= bottom) break;
    }
    return undefined;
  }

  private indexAtOrAfter(address: number): number {
    // The first area whose end is above the address.
    let lo = 0;
    let hi = this.areas.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.areas[mid]!.end <= address) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private splitAt(address: number): void {
    const i = this.indexAtOrAfter(address);
    const v = this.areas[i];
    if (!v || v.start >= address) return;
    const tail: Vma = { ...v, start: address, offset: v.offset + (address - v.start) };
    v.end = address;
    this.areas.splice(i + 1, 0, tail);
  }

  private mergeAround(i: number): void {
    if (i + 1 < this.areas.length && mergeable(this.areas[i]!, this.areas[i + 1]!)) {
      this.areas[i]!.end = this.areas[i + 1]!.end;
      this.areas.splice(i + 1, 1);
    }
    if (i > 0 && i < this.areas.length && mergeable(this.areas[i - 1]!, this.areas[i]!)) {
      this.areas[i - 1]!.end = this.areas[i]!.end;
      this.areas.splice(i, 1);
    }
  }
}

function mergeable(a: Vma, b: Vma): boolean {
  return (
    a.end === b.start &&
    a.prot === b.prot &&
    a.kind === b.kind &&
    a.shared === b.shared &&
    a.name === b.name &&
    a.backing === b.backing &&
    (a.kind === 'anon' ||
      a.kind === 'heap' ||
      a.kind === 'stack' ||
      b.offset === a.offset + (a.end - a.start))
  );
}
