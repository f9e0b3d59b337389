/**
 * A translation's attributes packed into one int32, as the TLB stores them
 * and the access check reads them. Bits sit where the PTE has them whenever
 * possible, so that building the word is a few masks:
 *
 *   1 RW (AND over the levels)   2 US (AND over the levels)   3 PWT   4 PCD
 *   6 D (of the leaf)            8 G (leaf G, only when CR4.PGE)   9-11 AVL
 *   12 PAT (moved from bit 7 for 4 KiB leaves)   13-14 page size (0 4K, 1 2M, 2 1G)
 *   20-26 software bits 52-58    27-30 protection key (CR4.PKE only)
 *   31 NX (OR over the levels, EFER.NXE only)
 */

export const T_RW = 1 << 1;
export const T_US = 1 << 2;
export const T_PWT = 1 << 3;
export const T_PCD = 1 << 4;
export const T_DIRTY = 1 << 6;
export const T_GLOBAL = 1 << 8;
export const T_AVL = 0x7 << 9;
export const T_PAT = 1 << 12;
export const T_SIZE_SHIFT = 13;
export const T_SIZE = 0x3 << T_SIZE_SHIFT;
export const T_SOFTWARE = 0x7f << 20;
export const T_PKEY_SHIFT = 27;
export const T_PKEY = 0xf << T_PKEY_SHIFT;
export const T_NX = 1 << 31;

/** Page shift for each size code. */
export const SIZE_SHIFTS = [12, 21, 30] as const;

/** The index into the access-decision table for a flags word: RW, US and NX as bits 0, 1, 2. */
export function permissionIndex(flags: number): number {
  return ((flags >>> 1) & 3) | ((flags >>> 29) & 4);
}

/** What a cached translation says, unpacked (SDM vol. 3, 4.10.2.2: what a TLB entry holds). */
export interface TlbEntry {
  /** Linear page number (linear address / 4096; negative for the upper half). */
  vpn: number;
  /** Physical frame number of this 4 KiB page. */
  pfn: number;
  /** Size of the page the translation came from; INVLPG anywhere in it drops every entry of it. */
  pageShift: 12 | 21 | 30;
  /** US was 1 at every level. */
  user: boolean;
  /** RW was 1 at every level. */
  writable: boolean;
  /** NX was 1 at some level (and EFER.NXE is 1). */
  nx: boolean;
  /** G of the leaf, with CR4.PGE = 1: survives a CR3 load. */
  global: boolean;
  /** D of the leaf is known to be 1; a write through a clean entry walks again to set it. */
  dirty: boolean;
  /** Protection key of the leaf (0 unless CR4.PKE). */
  pkey: number;
  pwt: boolean;
  pcd: boolean;
  pat: boolean;
  /** Bits 9-11 of the leaf. */
  avl: number;
  /** Bits 52-58 of the leaf. */
  softwareHigh: number;
}

export function unpackEntry(vpn: number, frame: number, flags: number): TlbEntry {
  return {
    vpn,
    pfn: frame / 4096,
    pageShift: SIZE_SHIFTS[(flags & T_SIZE) >>> T_SIZE_SHIFT] ?? 12,
    user: (flags & T_US) !== 0,
    writable: (flags & T_RW) !== 0,
    nx: (flags & T_NX) !== 0,
    global: (flags & T_GLOBAL) !== 0,
    dirty: (flags & T_DIRTY) !== 0,
    pkey: (flags & T_PKEY) >>> T_PKEY_SHIFT,
    pwt: (flags & T_PWT) !== 0,
    pcd: (flags & T_PCD) !== 0,
    pat: (flags & T_PAT) !== 0,
    avl: (flags & T_AVL) >>> 9,
    softwareHigh: (flags & T_SOFTWARE) >>> 20,
  };
}
