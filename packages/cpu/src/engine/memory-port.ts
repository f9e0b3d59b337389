/**
 * Guest memory as the engine sees it: linear addresses (signed 48-bit numbers)
 * translated through the MMU, with small direct-mapped caches of translations
 * per access kind in front of it. A cache entry is filled only after the MMU has
 * checked the access, so a hit needs no check; any TLB flush empties the caches.
 * Writes to frames that hold translated code never take the fast path, so the
 * engine sees every one of them (self-modifying code).
 */
import { AccessKind, AccessMode, type Mmu, type PhysicalMemory } from '@x/mmu';
import { CpuFault } from './fault.js';

const CACHE_BITS = 10;
const CACHE_SIZE = 1 << CACHE_BITS;
/** Index mask of the translation caches (also written into translated code: inline.ts). */
export const CACHE_MASK = CACHE_SIZE - 1;
/** The six caches (tag and base for read, write, execute) as one array: the order of `CACHE_TABLE`. */
export const CACHE_TABLES_LENGTH = 6 * CACHE_SIZE;
/** Element offset of each table in the caches array (translated WebAssembly reads them there). */
export const CACHE_TABLE = {
  readTag: 0,
  readBase: CACHE_SIZE,
  writeTag: 2 * CACHE_SIZE,
  writeBase: 3 * CACHE_SIZE,
  execTag: 4 * CACHE_SIZE,
  execBase: 5 * CACHE_SIZE,
} as const;
const CANONICAL_LIMIT = 2 ** 47;

export class MemoryPort {
  readonly u8: Uint8Array;
  readonly view: DataView;
  /**
   * Direct-mapped caches: tag = linear page number, base = physical page
   * address. They hold pages of the RAM only: an access beyond it (MMIO)
   * always takes the slow path.
   */
  readonly readTag: Float64Array;
  readonly readBase: Float64Array;
  readonly writeTag: Float64Array;
  readonly writeBase: Float64Array;
  readonly execTag: Float64Array;
  readonly execBase: Float64Array;
  /** Frames holding translated code: writes to them go through `onCodeWrite`. */
  readonly codeFrames: Uint8Array;
  /** Access mode bits for the MMU (AccessMode.User when CPL 3, AccessMode.AC). */
  mode = AccessMode.User as number;
  onCodeWrite: (frame: number) => void = () => {};
  /** Scratch for accesses that straddle two pages. */
  private readonly split = new Uint8Array(16);
  private readonly splitView = new DataView(this.split.buffer);

  /** `caches`: where to keep the caches (CACHE_TABLES_LENGTH elements, laid out as CACHE_TABLE says). */
  constructor(
    readonly memory: PhysicalMemory,
    readonly mmu: Mmu,
    caches: Float64Array = new Float64Array(CACHE_TABLES_LENGTH),
  ) {
    const table = (at: number) => caches.subarray(at, at + CACHE_SIZE);
    this.readTag = table(CACHE_TABLE.readTag).fill(Number.NaN);
    this.readBase = table(CACHE_TABLE.readBase);
    this.writeTag = table(CACHE_TABLE.writeTag).fill(Number.NaN);
    this.writeBase = table(CACHE_TABLE.writeBase);
    this.execTag = table(CACHE_TABLE.execTag).fill(Number.NaN);
    this.execBase = table(CACHE_TABLE.execBase);
    this.u8 = memory.u8;
    this.view = memory.view;
    this.codeFrames = new Uint8Array(memory.frameCount);
    mmu.onFlush = (va) => this.flush(va);
  }

  /** Forget cached translations: of the page at `va` (an INVLPG, a TLB eviction), or all of them. */
  flush(va: number | null = null): void {
    if (va === null) {
      this.readTag.fill(Number.NaN);
      this.writeTag.fill(Number.NaN);
      this.execTag.fill(Number.NaN);
      return;
    }
    const vpn = Math.floor(va / 4096);
    const i = vpn & CACHE_MASK;
    if (this.readTag[i] === vpn) this.readTag[i] = Number.NaN;
    if (this.writeTag[i] === vpn) this.writeTag[i] = Number.NaN;
    if (this.execTag[i] === vpn) this.execTag[i] = Number.NaN;
  }

  /** Translate one byte's page for `kind`, filling the cache; throws #GP or #PF. */
  translate(a: number, kind: AccessKind): number {
    if (!(a >= -CANONICAL_LIMIT && a < CANONICAL_LIMIT)) throw new CpuFault(13, 0);
    const pa = this.mmu.translate(a, kind, this.mode);
    if (pa < 0) {
      const f = this.mmu.fault;
      throw new CpuFault(14, f.errorCode, f.address);
    }
    const vpn = Math.floor(a / 4096);
    const page = pa - (pa % 4096);
    const i = vpn & CACHE_MASK;
    if (page >= this.memory.bytes) return pa;
    if (kind === AccessKind.Read) {
      this.readTag[i] = vpn;
      this.readBase[i] = page;
    } else if (kind === AccessKind.Write) {
      const frame = page / 4096;
      if (this.codeFrames[frame]) this.onCodeWrite(frame);
      else {
        this.writeTag[i] = vpn;
        this.writeBase[i] = page;
        // A writable page is readable too.
        this.readTag[i] = vpn;
        this.readBase[i] = page;
      }
    } else {
      this.execTag[i] = vpn;
      this.execBase[i] = page;
    }
    return pa;
  }

  /** Physical address for reading `size` bytes at `a` that do not cross a page, or -1 if they do. */
  private readAddr(a: number, size: number): number {
    const vpn = Math.floor(a / 4096);
    const i = vpn & CACHE_MASK;
    const off = a - vpn * 4096;
    if (off > 4096 - size) return -1;
    if (this.readTag[i] === vpn) return (this.readBase[i] as number) + off;
    return this.translate(a, AccessKind.Read);
  }

  private writeAddr(a: number, size: number): number {
    const vpn = Math.floor(a / 4096);
    const i = vpn & CACHE_MASK;
    const off = a - vpn * 4096;
    if (off > 4096 - size) return -1;
    if (this.writeTag[i] === vpn) return (this.writeBase[i] as number) + off;
    return this.translate(a, AccessKind.Write);
  }

  /** Gather bytes of an access that straddles a page into the scratch buffer. */
  private gather(a: number, size: number): DataView {
    const first = 4096 - (((a % 4096) + 4096) % 4096);
    const p1 = this.translate(a, AccessKind.Read);
    const p2 = this.translate(a + first, AccessKind.Read);
    this.split.set(this.u8.subarray(p1, p1 + first), 0);
    this.split.set(this.u8.subarray(p2, p2 + size - first), first);
    return this.splitView;
  }

  /** Check both pages for writing, then scatter the scratch buffer. */
  private scatter(a: number, size: number): void {
    const first = 4096 - (((a % 4096) + 4096) % 4096);
    const p1 = this.translate(a, AccessKind.Write);
    const p2 = this.translate(a + first, AccessKind.Write);
    this.u8.set(this.split.subarray(0, first), p1);
    this.u8.set(this.split.subarray(first, size), p2);
  }

  read8(a: number): number {
    const vpn = Math.floor(a / 4096);
    const i = vpn & CACHE_MASK;
    if (this.readTag[i] === vpn) return this.u8[(this.readBase[i] as number) + (a - vpn * 4096)] as number;
    return this.u8[this.translate(a, AccessKind.Read)] as number;
  }

  read16(a: number): number {
    const p = this.readAddr(a, 2);
    return p >= 0 ? this.view.getUint16(p, true) : this.gather(a, 2).getUint16(0, true);
  }

  read32(a: number): number {
    const vpn = Math.floor(a / 4096);
    const i = vpn & CACHE_MASK;
    const off = a - vpn * 4096;
    if (this.readTag[i] === vpn && off <= 4092)
      return this.view.getInt32((this.readBase[i] as number) + off, true);
    const p = this.readAddr(a, 4);
    return p >= 0 ? this.view.getInt32(p, true) : this.gather(a, 4).getInt32(0, true);
  }

  /** Low half returned; high half left in `hi`. */
  hi = 0;
  read64(a: number): number {
    const vpn = Math.floor(a / 4096);
    const i = vpn & CACHE_MASK;
    const off = a - vpn * 4096;
    if (this.readTag[i] === vpn && off <= 4088) {
      const p = (this.readBase[i] as number) + off;
      this.hi = this.view.getInt32(p + 4, true);
      return this.view.getInt32(p, true);
    }
    const p = this.readAddr(a, 8);
    const v = p >= 0 ? this.view : this.gather(a, 8);
    const o = Math.max(p, 0);
    this.hi = v.getInt32(o + 4, true);
    return v.getInt32(o, true);
  }

  write8(a: number, v: number): void {
    const vpn = Math.floor(a / 4096);
    const i = vpn & CACHE_MASK;
    if (this.writeTag[i] === vpn) this.u8[(this.writeBase[i] as number) + (a - vpn * 4096)] = v;
    else this.u8[this.translate(a, AccessKind.Write)] = v;
  }

  write16(a: number, v: number): void {
    const p = this.writeAddr(a, 2);
    if (p >= 0) this.view.setUint16(p, v, true);
    else {
      this.splitView.setUint16(0, v, true);
      this.scatter(a, 2);
    }
  }

  write32(a: number, v: number): void {
    const vpn = Math.floor(a / 4096);
    const i = vpn & CACHE_MASK;
    const off = a - vpn * 4096;
    if (this.writeTag[i] === vpn && off <= 4092) {
      this.view.setInt32((this.writeBase[i] as number) + off, v, true);
      return;
    }
    const p = this.writeAddr(a, 4);
    if (p >= 0) this.view.setInt32(p, v, true);
    else {
      this.splitView.setInt32(0, v, true);
      this.scatter(a, 4);
    }
  }

  write64(a: number, lo: number, hi: number): void {
    const vpn = Math.floor(a / 4096);
    const i = vpn & CACHE_MASK;
    const off = a - vpn * 4096;
    if (this.writeTag[i] === vpn && off <= 4088) {
      const p = (this.writeBase[i] as number) + off;
      this.view.setInt32(p, lo, true);
      this.view.setInt32(p + 4, hi, true);
      return;
    }
    const p = this.writeAddr(a, 8);
    if (p >= 0) {
      this.view.setInt32(p, lo, true);
      this.view.setInt32(p + 4, hi, true);
    } else {
      this.splitView.setInt32(0, lo, true);
      this.splitView.setInt32(4, hi, true);
      this.scatter(a, 8);
    }
  }

  /** Load the 16 bytes at `a` into the words x[k..k+3] (an XMM register); x is untouched on a fault. */
  read128(a: number, x: Int32Array, k: number): void {
    const vpn = Math.floor(a / 4096);
    const i = vpn & CACHE_MASK;
    const off = a - vpn * 4096;
    if (this.readTag[i] === vpn && off <= 4080) {
      const p = (this.readBase[i] as number) + off;
      const v = this.view;
      x[k] = v.getInt32(p, true);
      x[k + 1] = v.getInt32(p + 4, true);
      x[k + 2] = v.getInt32(p + 8, true);
      x[k + 3] = v.getInt32(p + 12, true);
      return;
    }
    const w0 = this.read64(a);
    const w1 = this.hi;
    const w2 = this.read64(a + 8);
    x[k] = w0;
    x[k + 1] = w1;
    x[k + 2] = w2;
    x[k + 3] = this.hi;
  }

  /** Store the words x[k..k+3] at `a`; nothing is written unless all 16 bytes are writable. */
  write128(a: number, x: Int32Array, k: number): void {
    const vpn = Math.floor(a / 4096);
    const i = vpn & CACHE_MASK;
    const off = a - vpn * 4096;
    if (this.writeTag[i] === vpn && off <= 4080) {
      const p = (this.writeBase[i] as number) + off;
      const v = this.view;
      v.setInt32(p, x[k] as number, true);
      v.setInt32(p + 4, x[k + 1] as number, true);
      v.setInt32(p + 8, x[k + 2] as number, true);
      v.setInt32(p + 12, x[k + 3] as number, true);
      return;
    }
    this.probeWrite(a, 16);
    this.write64(a, x[k] as number, x[k + 1] as number);
    this.write64(a + 8, x[k + 2] as number, x[k + 3] as number);
  }

  /** Check that `size` bytes at `a` are writable (before an instruction's first store). */
  probeWrite(a: number, size: number): void {
    this.writeAddr(a, 1);
    if (size > 1) this.writeAddr(a + size - 1, 1);
  }

  readBytes(a: number, into: Uint8Array): void {
    for (let k = 0; k < into.length; k++) into[k] = this.read8(a + k);
  }

  writeBytes(a: number, from: Uint8Array): void {
    if (from.length > 0) this.probeWrite(a, from.length);
    for (let k = 0; k < from.length; k++) this.write8(a + k, from[k] as number);
  }

  /** Physical address of the byte at `a` for instruction fetch. */
  fetchAddr(a: number): number {
    const vpn = Math.floor(a / 4096);
    const i = vpn & CACHE_MASK;
    if (this.execTag[i] === vpn) return (this.execBase[i] as number) + (a - vpn * 4096);
    return this.translate(a, AccessKind.Execute);
  }
}
