/**
 * The guest process's address space: its areas (VmaList) and the pages
 * behind them, kept in the process's own 4-level page tables (PageTables of
 * @x/mmu) in guest physical memory. Pages are demand-allocated as Linux
 * does: an area is reserved at mmap time, and a page gets a zeroed frame the
 * first time it is touched (a #PF the runtime resolves and retries), so a
 * program may reserve far more than the emulated RAM as long as it does not
 * use it. Frames a page owned go back to PhysicalMemory on munmap.
 */
import {
  AccessKind,
  AccessMode,
  type Mmu,
  PAGE_SIZE,
  type PageTables,
  PFEC,
  type PhysicalMemory,
  PTE,
  PTE_HI,
} from '@x/mmu';
import { GuestFault } from './errors.js';
import type { SharedBacking } from './syscalls/memfd.js';
import { PROT, type Vma, type VmaKind, VmaList } from './vma.js';

/** End of the user half: the top page below it is the last mappable one (TASK_SIZE_MAX). */
export const TASK_SIZE = 0x7ffffffff000;
/** mmap_min_addr: nothing is ever mapped below it. */
export const MMAP_MIN_ADDR = 0x10000;

/** How the page-fault handler resolved a fault. */
export const FaultResult = {
  /** The page is now mapped: retry the instruction. */
  Mapped: 0,
  /** No area there: SIGSEGV with SEGV_MAPERR. */
  MapErr: 1,
  /** An area whose protection forbids the access: SIGSEGV with SEGV_ACCERR. */
  AccErr: 2,
  /** No frame left: the process is killed (the OOM killer's SIGKILL). */
  OutOfMemory: 3,
  /** A shared file page past the end of the file: SIGBUS with BUS_ADRERR. */
  BusErr: 4,
} as const;
export type FaultResult = (typeof FaultResult)[keyof typeof FaultResult];

/** Page-table entry bits for a protection: x86 cannot map writable-not-readable or execute-only pages. */
export function pteAttrs(prot: number): { lo: number; hi: number } {
  return {
    lo: PTE.P | PTE.US | (prot & PROT.WRITE ? PTE.RW : 0),
    hi: prot & PROT.EXEC ? 0 : PTE_HI.NX,
  };
}

/** Does an area's protection allow this kind of access (anything mapped is readable on x86)? */
export function protAllows(prot: number, kind: number): boolean {
  if (kind === AccessKind.Write) return (prot & PROT.WRITE) !== 0;
  if (kind === AccessKind.Execute) return (prot & PROT.EXEC) !== 0;
  return prot !== PROT.NONE;
}

/** Past this many single-page invalidations, one full flush is cheaper. */
const INVLPG_LIMIT = 256;

export interface AreaAttributes {
  kind: VmaKind;
  name?: string;
  shared?: boolean;
  offset?: number;
  backing?: SharedBacking | undefined;
}

/** A page of a shared file mapping that lies past the end of the file. */
class PastEndOfFile extends Error {}

export class AddressSpace {
  readonly vmas = new VmaList();
  /** Virtual page number → frame number of every page that has a frame. */
  private readonly frames = new Map<number, number>();
  /** Pages whose frames are mapped in the page tables (a PROT_NONE page keeps its frame but no PTE). */
  private readonly present = new Set<number>();
  /** Pages whose frames belong to a shared file (a memfd), not to the address space: never freed here. */
  private readonly borrowed = new Map<number, SharedBacking>();
  /**
   * Told about every write the runtime makes to guest physical memory behind
   * the CPU's back (loading, read(), signal frames), so that an engine that
   * caches translated code can drop what the write replaced.
   */
  onWrite: ((pa: number, length: number) => void) | null = null;

  constructor(
    readonly memory: PhysicalMemory,
    readonly mmu: Mmu,
    readonly tables: PageTables,
    /** Owner of the frames (the domain id; 0 for x86-run). */
    readonly owner = 0,
  ) {}

  /** Frames held by the process's pages (not counting page-table frames). */
  get residentPages(): number {
    return this.frames.size;
  }

  /** Map [start, start + length) as a new area, replacing whatever was there (MAP_FIXED semantics). */
  map(start: number, length: number, prot: number, attributes: AreaAttributes): void {
    this.unmap(start, length);
    this.vmas.insert({
      start,
      end: start + length,
      prot,
      kind: attributes.kind,
      shared: attributes.shared ?? false,
      name: attributes.name ?? '',
      offset: attributes.offset ?? 0,
      backing: attributes.backing,
    });
  }

  /** Remove [start, start + length): areas are cut, frames go back to physical memory. */
  unmap(start: number, length: number): void {
    const end = start + length;
    if (!this.vmas.overlaps(start, end)) return;
    this.vmas.remove(start, end);
    this.dropPages(start, end);
  }

  /** mprotect: false when the range has a hole (ENOMEM). Present pages get the new PTE bits at once. */
  protect(start: number, length: number, prot: number): boolean {
    const end = start + length;
    if (!this.vmas.covers(start, end)) return false;
    this.vmas.protect(start, end, prot);
    const changed: number[] = [];
    for (const vpn of this.pagesIn(start, end, this.present)) {
      if (prot === PROT.NONE) {
        this.tables.unmap(vpn * PAGE_SIZE, PAGE_SIZE);
        this.present.delete(vpn);
      } else {
        this.tables.protect(vpn * PAGE_SIZE, PAGE_SIZE, pteAttrs(prot));
      }
      changed.push(vpn);
    }
    this.invalidate(changed);
    return true;
  }

  /**
   * MADV_DONTNEED: the private pages of the range are dropped, so the next
   * touch sees zeros (anonymous) again, which malloc implementations rely on.
   */
  discard(start: number, length: number): void {
    this.dropPages(start, start + length);
  }

  /** mremap's move: the pages of [from, from + length) now appear at `to` (a free range), with their area. */
  move(from: number, length: number, to: number): void {
    const pieces = this.vmas.remove(from, from + length);
    const delta = to - from;
    const moved: Array<[number, number, boolean]> = [];
    const borrowed = new Map<number, SharedBacking>();
    for (const vpn of this.pagesIn(from, from + length, this.frames)) {
      const frame = this.frames.get(vpn)!;
      const wasPresent = this.present.has(vpn);
      if (wasPresent) this.tables.unmap(vpn * PAGE_SIZE, PAGE_SIZE);
      this.frames.delete(vpn);
      this.present.delete(vpn);
      const backing = this.borrowed.get(vpn);
      if (backing) {
        borrowed.set(vpn + delta / PAGE_SIZE, backing);
        this.borrowed.delete(vpn);
      }
      moved.push([vpn, frame, wasPresent]);
    }
    for (const [vpn, backing] of borrowed) this.borrowed.set(vpn, backing);
    this.invalidate(moved.filter((m) => m[2]).map((m) => m[0]));
    for (const piece of pieces)
      this.vmas.insert({ ...piece, start: piece.start + delta, end: piece.end + delta });
    for (const [vpn, frame, wasPresent] of moved) {
      const target = vpn + delta / PAGE_SIZE;
      this.frames.set(target, frame);
      if (wasPresent) {
        const area = this.vmas.find(target * PAGE_SIZE)!;
        this.tables.map(target * PAGE_SIZE, frame * PAGE_SIZE, PAGE_SIZE, pteAttrs(area.prot));
        this.present.add(target);
      }
    }
  }

  /**
   * Linux's page-fault handler for a user access: map the page on demand if
   * an area allows the access, else say which SIGSEGV code it is.
   */
  fault(address: number, kind: number): FaultResult {
    const area = address >= 0 && address < TASK_SIZE ? this.vmas.find(address) : undefined;
    if (!area) return FaultResult.MapErr;
    if (!protAllows(area.prot, kind)) return FaultResult.AccErr;
    const vpn = Math.floor(address / PAGE_SIZE);
    if (this.present.has(vpn)) return FaultResult.AccErr;
    try {
      this.populate(vpn, area);
    } catch (e) {
      return e instanceof PastEndOfFile ? FaultResult.BusErr : FaultResult.OutOfMemory;
    }
    return FaultResult.Mapped;
  }

  /** Kernel-side write that ignores page protection (program loading, the initial stack). */
  poke(address: number, bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) {
      const va = address + done;
      const inPage = Math.min(PAGE_SIZE - (va % PAGE_SIZE), bytes.length - done);
      const pa = this.physical(va);
      this.memory.u8.set(bytes.subarray(done, done + inPage), pa);
      this.onWrite?.(pa, inPage);
      done += inPage;
    }
  }

  /** Kernel-side read that ignores page protection (tests, /proc views). Unpopulated pages read as zeros. */
  peek(address: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const va = address + done;
      const inPage = Math.min(PAGE_SIZE - (va % PAGE_SIZE), length - done);
      const frame = this.frames.get(Math.floor(va / PAGE_SIZE));
      if (frame !== undefined) {
        const pa = frame * PAGE_SIZE + (va % PAGE_SIZE);
        out.set(this.memory.u8.subarray(pa, pa + inPage), done);
      } else if (!this.vmas.find(va)) {
        throw new GuestFault(va);
      }
      done += inPage;
    }
    return out;
  }

  /** Physical address of a mapped byte, populating its page (kernel access: no protection check). */
  physical(address: number): number {
    const vpn = Math.floor(address / PAGE_SIZE);
    let frame = this.frames.get(vpn);
    if (frame === undefined) {
      const area = address >= 0 ? this.vmas.find(address) : undefined;
      if (!area) throw new GuestFault(address);
      try {
        frame = this.populate(vpn, area);
      } catch (e) {
        if (e instanceof PastEndOfFile) throw new GuestFault(address);
        throw e;
      }
    }
    return frame * PAGE_SIZE + (address % PAGE_SIZE);
  }

  /**
   * Physical address for a user-mode access through the MMU, as the kernel's
   * copy_to_user/copy_from_user would make it (A/D bits, protection); a
   * missing page is demand-mapped. Throws GuestFault where the program
   * itself would have faulted.
   */
  userPhysical(address: number, kind: AccessKind): number {
    if (!(address >= 0 && address < TASK_SIZE)) throw new GuestFault(address);
    let pa = this.mmu.translate(address, kind, AccessMode.User);
    if (pa >= 0) return pa;
    if ((this.mmu.fault.errorCode & PFEC.P) === 0 && this.fault(address, kind) === FaultResult.Mapped) {
      pa = this.mmu.translate(address, kind, AccessMode.User);
      if (pa >= 0) return pa;
    }
    throw new GuestFault(address);
  }

  private populate(vpn: number, area: Vma): number {
    let frame = this.frames.get(vpn);
    if (frame === undefined && area.backing) {
      frame = area.backing.frameAt((area.offset + (vpn * PAGE_SIZE - area.start)) / PAGE_SIZE);
      if (frame === undefined) throw new PastEndOfFile();
      this.frames.set(vpn, frame);
      this.borrowed.set(vpn, area.backing);
      area.backing.mapped(1);
    } else if (frame === undefined) {
      frame = this.memory.allocFrame(this.owner);
      this.frames.set(vpn, frame);
    }
    if (area.prot !== PROT.NONE && !this.present.has(vpn)) {
      this.tables.map(vpn * PAGE_SIZE, frame * PAGE_SIZE, PAGE_SIZE, pteAttrs(area.prot));
      this.present.add(vpn);
    }
    return frame;
  }

  private dropPages(start: number, end: number): void {
    const changed: number[] = [];
    for (const vpn of this.pagesIn(start, end, this.frames)) {
      if (this.present.has(vpn)) {
        this.tables.unmap(vpn * PAGE_SIZE, PAGE_SIZE);
        this.present.delete(vpn);
        changed.push(vpn);
      }
      const backing = this.borrowed.get(vpn);
      if (backing) {
        this.borrowed.delete(vpn);
        backing.mapped(-1);
      } else {
        this.memory.freeFrame(this.frames.get(vpn)!);
      }
      this.frames.delete(vpn);
    }
    this.invalidate(changed);
  }

  /** The page numbers of [start, end) found in `set`, whichever of the two is smaller to walk. */
  private pagesIn(start: number, end: number, set: { has(k: number): boolean; keys(): Iterable<number> }) {
    const first = Math.floor(start / PAGE_SIZE);
    const last = Math.ceil(end / PAGE_SIZE);
    const out: number[] = [];
    const size = set instanceof Map || set instanceof Set ? set.size : Number.POSITIVE_INFINITY;
    if (last - first <= size) {
      for (let vpn = first; vpn < last; vpn++) if (set.has(vpn)) out.push(vpn);
    } else {
      for (const vpn of set.keys()) if (vpn >= first && vpn < last) out.push(vpn);
      out.sort((a, b) => a - b);
    }
    return out;
  }

  /** Drop stale translations after PTE edits (the TLB keeps them until told: that is the architecture). */
  private invalidate(pages: number[]): void {
    if (pages.length === 0) return;
    if (pages.length > INVLPG_LIMIT) {
      this.mmu.flushAll();
      return;
    }
    for (const vpn of pages) this.mmu.invlpg(vpn * PAGE_SIZE);
  }
}
