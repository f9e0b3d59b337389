/**
 * The 4-level page walk (SDM vol. 3, 4.5): PML4E, PDPTE, PDE, PTE, with PS
 * ending it early at a 1 GiB or 2 MiB page, and the reserved-bit checks of
 * tables 4-15 to 4-20. It reads and never writes: the caller decides whether
 * the access is allowed and only then sets A and D.
 *
 * It fills a preallocated WalkScratch so that a TLB miss allocates nothing.
 */
import { PTE, PTE_HI } from './constants.js';
import { T_PAT, T_SIZE_SHIFT } from './translation-flags.js';

export const WalkStop = { Done: 0, NotPresent: 1, Reserved: 2 } as const;

/** Walk features taken from the control registers. */
export const WALK_NXE = 1;
export const WALK_PKE = 2;
export const WALK_PGE = 4;

/** Reserved bits below the address field of a large leaf: 13-29 (1 GiB), 13-20 (2 MiB). */
const RESERVED_1G = 0x3fffe000;
const RESERVED_2M = 0x1fe000;
/** Leaf bits kept as they are in the flags word: PWT, PCD, D, G, AVL. */
const LEAF_KEEP = PTE.PWT | PTE.PCD | PTE.D | PTE.G | PTE.AVL;

export class WalkScratch {
  /** Per level visited, top first: the entry's physical address and its halves (int32). */
  readonly entryAddress = new Float64Array(4);
  readonly lo = new Int32Array(4);
  readonly hi = new Int32Array(4);
  /** Levels visited. */
  count = 0;
  stop: number = WalkStop.Done;
  /** When stopped on reserved bits: which ones. */
  reservedLo = 0;
  reservedHi = 0;
  /** When done: the physical address, the 4 KiB frame holding it, the page shift and the flags word. */
  pa = 0;
  frame = 0;
  pageShift = 12;
  flags = 0;
}

/**
 * The reserved bits of the high word for a MAXPHYADDR (address bits 51..M)
 * and, without EFER.NXE, bit 63.
 */
export function reservedHighMask(physAddrBits: number, nxe: boolean): number {
  const address = PTE_HI.ADDR_MASK & ~((1 << (physAddrBits - 32)) - 1);
  return nxe ? address : address | PTE_HI.NX;
}

/**
 * Walks from the PML4 at `root` for the canonical linear address `va`.
 * Entries outside the RAM read as zero, that is not present.
 */
export function walkInto(
  view: DataView,
  root: number,
  va: number,
  reservedHi: number,
  features: number,
  out: WalkScratch,
): void {
  const limit = view.byteLength - 8;
  // The address as two 32-bit halves, so that the indices are integer shifts, not float divisions.
  const vlo = va >>> 0;
  const vhi = Math.floor(va / 2 ** 32) | 0;
  let table = root;
  let rw = PTE.RW;
  let us = PTE.US;
  let nx = 0;
  out.count = 0;
  for (let level = 4; level >= 1; level--) {
    const shift = 3 + 9 * level; // 39, 30, 21, 12
    const index =
      level === 4
        ? (vhi >>> 7) & 511
        : level === 3
          ? ((vhi << 2) | (vlo >>> 30)) & 511
          : (vlo >>> shift) & 511;
    const address = table + index * 8;
    let lo = 0;
    let hi = 0;
    if (address <= limit) {
      lo = view.getInt32(address, true);
      hi = view.getInt32(address + 4, true);
    }
    const slot = out.count++;
    out.entryAddress[slot] = address;
    out.lo[slot] = lo;
    out.hi[slot] = hi;
    if ((lo & PTE.P) === 0) {
      out.stop = WalkStop.NotPresent;
      return;
    }
    const large = level !== 1 && (lo & PTE.PS) !== 0;
    let badLo = 0;
    if (level === 4) badLo = lo & PTE.PS;
    else if (large) badLo = lo & (level === 3 ? RESERVED_1G : RESERVED_2M);
    const badHi = hi & reservedHi;
    if ((badLo | badHi) !== 0) {
      out.stop = WalkStop.Reserved;
      out.reservedLo = badLo;
      out.reservedHi = badHi;
      return;
    }
    rw &= lo;
    us &= lo;
    nx |= hi;
    if (level === 1 || large) {
      const offset = vlo & ((1 << shift) - 1);
      const base = ((lo & (-1 << shift)) >>> 0) + (hi & PTE_HI.ADDR_MASK) * 2 ** 32;
      out.pa = base + offset;
      out.frame = out.pa - (vlo & 0xfff);
      out.pageShift = shift;
      let flags = rw | us | (lo & LEAF_KEEP) | (hi & PTE_HI.SOFTWARE_MASK) | ((level - 1) << T_SIZE_SHIFT);
      flags |= large ? lo & T_PAT : (lo & PTE.PAT4K) << 5;
      if ((features & WALK_NXE) !== 0) flags |= nx & PTE_HI.NX;
      if ((features & WALK_PKE) !== 0) flags |= hi & PTE_HI.PKEY_MASK;
      if ((features & WALK_PGE) === 0) flags &= ~PTE.G;
      out.flags = flags;
      out.stop = WalkStop.Done;
      return;
    }
    table = ((lo & PTE.ADDR_MASK) >>> 0) + (hi & PTE_HI.ADDR_MASK) * 2 ** 32;
  }
}
