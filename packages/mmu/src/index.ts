/**
 * @x/mmu: the memory half of an x86-64 machine. Physical memory split into
 * owned frames, 4-level long-mode paging with every PTE bit, the access
 * rules of CR0.WP, SMEP, SMAP, NX and protection keys, and a TLB whose
 * global entries survive a CR3 load, as on hardware (Intel SDM vol. 3, ch. 4).
 */
export {
  AccessKind,
  AccessMode,
  CR0,
  CR4,
  EFER,
  FRAME_FREE,
  FRAME_HYPERVISOR,
  PAGE_SHIFT,
  PAGE_SIZE,
  PFEC,
  PTE,
  PTE_HI,
} from './constants.js';
export { isMemoryError, MemoryError, type MemoryErrorCode } from './errors.js';
export { Mmu, type MmuOptions, type PageFault, type WalkLevel, type WalkResult } from './mmu.js';
export { PageTables, type PteAttributes } from './page-tables.js';
export { PhysicalMemory, type PhysicalMemoryOptions, type WasmMemory } from './physical-memory.js';
export type { TlbStats, TlbView } from './tlb.js';
export type { TlbEntry } from './translation-flags.js';
