/**
 * Builds and edits 4-level page tables in physical memory: what a loader or
 * the hypervisor's domain builder uses to lay out an address space before a
 * CPU ever loads it into CR3. It works on the structure only (P and PS); the
 * architectural walk, with reserved bits and rights, is `Mmu.walk`.
 */
import { PAGE_SIZE, PTE, PTE_HI } from './constants.js';
import { hex, MemoryError } from './errors.js';
import type { PhysicalMemory } from './physical-memory.js';

/** The attribute bits of a leaf, in 4 KiB form: `lo` bits 0-11 (bit 7 = PAT), `hi` bits 52-63. */
export interface PteAttributes {
  lo: number;
  hi: number;
}

/** Intermediate entries grant everything, so that the leaf alone decides the rights. */
const TABLE_FLAGS = PTE.P | PTE.RW | PTE.US;
const HALF = 2 ** 47;

/** Bytes covered by one entry at a level (1 = PTE ... 4 = PML4E). */
function span(level: number): number {
  return 2 ** (3 + 9 * level);
}

function indexAt(va: number, level: number): number {
  return Math.floor(va / span(level)) & 511;
}

function addressOf(lo: number, hi: number, shift = 12): number {
  return ((lo & (-1 << shift)) >>> 0) + (hi & PTE_HI.ADDR_MASK) * 2 ** 32;
}

function isLeaf(level: number, lo: number): boolean {
  return level === 1 || ((level === 2 || level === 3) && (lo & PTE.PS) !== 0);
}

export class PageTables {
  readonly memory: PhysicalMemory;
  readonly owner: number;
  /** Physical address of the PML4: the value for CR3. */
  readonly root: number;
  private readonly allocated: number[] = [];

  /** Allocates a PML4 for `owner`, or adopts the one at `root`. */
  constructor(memory: PhysicalMemory, owner: number, root?: number) {
    this.memory = memory;
    this.owner = owner;
    if (root === undefined) {
      this.root = this.newTable();
    } else {
      if (!Number.isInteger(root) || root < 0 || root % PAGE_SIZE !== 0 || root + PAGE_SIZE > memory.bytes) {
        throw new MemoryError('EINVAL', `PML4 address ${hex(root)} is not a page inside the RAM`);
      }
      this.root = root;
    }
  }

  /** Frames this instance allocated for tables (the PML4 too, unless adopted). */
  get tableFrames(): readonly number[] {
    return this.allocated.slice();
  }

  /** Maps [va, va+length) to [pa, pa+length) with 4 KiB pages, allocating tables as needed. */
  map(va: number, pa: number, length: number, attrs: PteAttributes): void {
    checkRange(va, length, PAGE_SIZE);
    checkPhysical(pa, PAGE_SIZE);
    checkAttributes(attrs);
    let table = -1;
    for (let offset = 0; offset < length; offset += PAGE_SIZE) {
      const address = va + offset;
      if (table < 0 || (address & 0x1fffff) === 0) table = this.tableAt(address, 1);
      this.writeEntry(table + indexAt(address, 1) * 8, pa + offset, 12, attrs.lo, attrs.hi);
    }
  }

  /** Maps one 2 MiB (PS in a PDE) or 1 GiB (PS in a PDPTE) page. A table already there is refused. */
  mapLarge(va: number, pa: number, pageShift: 21 | 30, attrs: PteAttributes): void {
    if (pageShift !== 21 && pageShift !== 30) throw new MemoryError('EINVAL', `page shift ${pageShift}`);
    const size = 2 ** pageShift;
    checkRange(va, size, size);
    checkPhysical(pa, size);
    checkAttributes(attrs);
    const level = pageShift === 21 ? 2 : 3;
    const entry = this.tableAt(va, level) + indexAt(va, level) * 8;
    const old = this.memory.readU32(entry);
    if ((old & PTE.P) !== 0 && (old & PTE.PS) === 0) {
      throw new MemoryError('EINVAL', `${hex(va)} is mapped through a page table; unmap it first`);
    }
    this.writeEntry(entry, pa, pageShift, largeAttributes(attrs.lo), attrs.hi);
  }

  /** Clears the leaves of [va, va+length). Tables stay; a large page must be covered whole. */
  unmap(va: number, length: number): void {
    checkRange(va, length, PAGE_SIZE);
    this.forEachLeaf(va, length, (entry) => {
      this.memory.writeU32(entry, 0);
      this.memory.writeU32(entry + 4, 0);
    });
  }

  /**
   * Rewrites the attribute bits (0-11 and 52-63, 4 KiB form) of the present
   * leaves of [va, va+length), keeping their addresses.
   */
  protect(va: number, length: number, attrs: PteAttributes): void {
    checkRange(va, length, PAGE_SIZE);
    checkAttributes(attrs);
    this.forEachLeaf(va, length, (entry, level) => {
      const lo = this.memory.readU32(entry);
      const hi = this.memory.readU32(entry + 4);
      const shift = level === 1 ? 12 : 3 + 9 * level;
      const flags = level === 1 ? attrs.lo : largeAttributes(attrs.lo);
      this.writeEntry(entry, addressOf(lo, hi, shift), shift, flags, attrs.hi);
    });
  }

  /** The present leaf mapping `va`: the physical address, the raw halves and the page size. */
  lookup(va: number): { pa: number; lo: number; hi: number; pageShift: 12 | 21 | 30 } | undefined {
    let table = this.root;
    for (let level = 4; level >= 1; level--) {
      const entry = table + indexAt(va, level) * 8;
      const lo = this.memory.readU32(entry);
      const hi = this.memory.readU32(entry + 4);
      if ((lo & PTE.P) === 0) return undefined;
      if (isLeaf(level, lo)) {
        const shift = (3 + 9 * level) as 12 | 21 | 30;
        return {
          pa: addressOf(lo, hi, shift) + (va - Math.floor(va / 2 ** shift) * 2 ** shift),
          lo,
          hi,
          pageShift: shift,
        };
      }
      table = addressOf(lo, hi);
    }
    return undefined;
  }

  /** Physical address of the entry for `va` at `level` (4 = PML4E), if the tables above it are present. */
  entryAddress(va: number, level: 1 | 2 | 3 | 4): number | undefined {
    let table = this.root;
    for (let l = 4; l > level; l--) {
      const lo = this.memory.readU32(table + indexAt(va, l) * 8);
      if ((lo & PTE.P) === 0 || isLeaf(l, lo)) return undefined;
      table = addressOf(lo, this.memory.readU32(table + indexAt(va, l) * 8 + 4));
    }
    return table + indexAt(va, level) * 8;
  }

  /** Frees every frame this instance allocated that `owner` still holds. The tables are unusable afterwards. */
  release(): void {
    for (const frame of this.allocated) {
      if (this.memory.owner[frame] === this.owner) this.memory.freeFrame(frame);
    }
    this.allocated.length = 0;
  }

  /** The table holding the level-`level` entry for `va`, creating the tables above it. */
  private tableAt(va: number, level: number): number {
    let table = this.root;
    for (let l = 4; l > level; l--) {
      const entry = table + indexAt(va, l) * 8;
      const lo = this.memory.readU32(entry);
      if ((lo & PTE.P) === 0) {
        const next = this.newTable();
        this.memory.writeU32(entry, next | TABLE_FLAGS);
        this.memory.writeU32(entry + 4, 0);
        table = next;
      } else if (isLeaf(l, lo)) {
        throw new MemoryError('EINVAL', `${hex(va)} lies in a large page; unmap it first`);
      } else {
        table = addressOf(lo, this.memory.readU32(entry + 4));
      }
    }
    return table;
  }

  /** Calls `visit` with each present leaf in the range, skipping absent tables whole. */
  private forEachLeaf(va: number, length: number, visit: (entry: number, level: number) => void): void {
    const end = va + length;
    let address = va;
    while (address < end) {
      let table = this.root;
      for (let level = 4; level >= 1; level--) {
        const entry = table + indexAt(address, level) * 8;
        const lo = this.memory.readU32(entry);
        const size = span(level);
        if ((lo & PTE.P) === 0) {
          address = (Math.floor(address / size) + 1) * size;
          break;
        }
        if (isLeaf(level, lo)) {
          if (address % size !== 0 || address + size > end) {
            throw new MemoryError(
              'EINVAL',
              `range ends inside the ${size >>> 20} MiB page at ${hex(address)}`,
            );
          }
          visit(entry, level);
          address += size;
          break;
        }
        table = addressOf(lo, this.memory.readU32(entry + 4));
      }
    }
  }

  private newTable(): number {
    const frame = this.memory.allocFrame(this.owner);
    this.allocated.push(frame);
    return frame * PAGE_SIZE;
  }

  private writeEntry(entry: number, pa: number, shift: number, lo: number, hi: number): void {
    this.memory.writeU32(entry, ((pa % 2 ** 32) & (-1 << shift)) | lo);
    this.memory.writeU32(entry + 4, Math.floor(pa / 2 ** 32) | hi);
  }
}

/** A large leaf's low flags from 4 KiB-form ones: PS set, PAT moved from bit 7 to bit 12. */
function largeAttributes(lo: number): number {
  return (lo & ~PTE.PAT4K) | PTE.PS | ((lo & PTE.PAT4K) !== 0 ? PTE.PATLARGE : 0);
}

function checkRange(va: number, length: number, align: number): void {
  if (!Number.isSafeInteger(va) || va < -HALF || va >= HALF || va % align !== 0) {
    throw new MemoryError('EINVAL', `${va} is not a canonical linear address aligned to ${align}`);
  }
  if (
    !Number.isSafeInteger(length) ||
    length <= 0 ||
    length % PAGE_SIZE !== 0 ||
    va + length > (va < 0 ? 0 : HALF)
  ) {
    throw new MemoryError(
      'EINVAL',
      `length ${length} at ${hex(va)} is not whole pages within one canonical half`,
    );
  }
}

function checkPhysical(pa: number, align: number): void {
  if (!Number.isSafeInteger(pa) || pa < 0 || pa >= 2 ** 52 || pa % align !== 0) {
    throw new MemoryError('EINVAL', `${pa} is not a physical address aligned to ${align}`);
  }
}

function checkAttributes(attrs: PteAttributes): void {
  if ((attrs.lo & PTE.ADDR_MASK) !== 0 || (attrs.hi & PTE_HI.ADDR_MASK) !== 0) {
    throw new MemoryError('EINVAL', 'attributes overlap the address field (lo bits 12-31, hi bits 0-19)');
  }
}
