/**
 * Architectural constants: page geometry, frame owners, control-register,
 * EFER and paging-structure-entry bits, page-fault error-code bits, and the
 * access kinds and modes `Mmu.translate` takes. Plain objects rather than
 * enums, because the build compiles each module in isolation.
 *
 * Bit masks are int32 values (bit 31 is negative): test them with
 * `(x & MASK) !== 0`, never with a comparison against a positive number.
 */

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;

/** Owner of a frame nobody holds. */
export const FRAME_FREE = -1;
/** Owner of frames the hypervisor keeps for itself (its own tables, the M2P table). */
export const FRAME_HYPERVISOR = -2;

/** CR0 (SDM vol. 3, 2.5). Only PG and WP matter to paging. */
export const CR0 = {
  PE: 1 << 0,
  MP: 1 << 1,
  EM: 1 << 2,
  TS: 1 << 3,
  ET: 1 << 4,
  NE: 1 << 5,
  /** Write protect: supervisor writes honour R/W when set. */
  WP: 1 << 16,
  AM: 1 << 18,
  NW: 1 << 29,
  CD: 1 << 30,
  /** Paging. */
  PG: 1 << 31,
} as const;

/** CR4 (SDM vol. 3, 2.5). */
export const CR4 = {
  VME: 1 << 0,
  PVI: 1 << 1,
  TSD: 1 << 2,
  DE: 1 << 3,
  PSE: 1 << 4,
  PAE: 1 << 5,
  MCE: 1 << 6,
  /** Global pages: the G bit of a leaf takes effect. */
  PGE: 1 << 7,
  PCE: 1 << 8,
  OSFXSR: 1 << 9,
  OSXMMEXCPT: 1 << 10,
  UMIP: 1 << 11,
  LA57: 1 << 12,
  FSGSBASE: 1 << 16,
  PCIDE: 1 << 17,
  OSXSAVE: 1 << 18,
  /** Supervisor-mode execution prevention. */
  SMEP: 1 << 20,
  /** Supervisor-mode access prevention. */
  SMAP: 1 << 21,
  /** Protection keys for user-mode pages. */
  PKE: 1 << 22,
} as const;

/** IA32_EFER (MSR 0xC0000080). */
export const EFER = {
  SCE: 1 << 0,
  LME: 1 << 8,
  LMA: 1 << 10,
  /** Execute-disable: bit 63 of an entry is NX rather than reserved. */
  NXE: 1 << 11,
} as const;

/** Low word (bits 0-31) of a paging-structure entry (SDM vol. 3, 4.5, tables 4-15 to 4-20). */
export const PTE = {
  P: 1 << 0,
  RW: 1 << 1,
  US: 1 << 2,
  PWT: 1 << 3,
  PCD: 1 << 4,
  A: 1 << 5,
  /** Dirty (leaves only). */
  D: 1 << 6,
  /** Page size, in a PDPTE (1 GiB) or PDE (2 MiB); reserved in a PML4E. */
  PS: 1 << 7,
  /** PAT bit of a 4 KiB PTE (the same bit as PS). */
  PAT4K: 1 << 7,
  /** Global (leaves only; effective with CR4.PGE). */
  G: 1 << 8,
  /** Bits 9-11, ignored by the processor, free for software. */
  AVL: 0x7 << 9,
  /** PAT bit of a 2 MiB or 1 GiB leaf. */
  PATLARGE: 1 << 12,
  /** Bits 12-31 of the physical address. */
  ADDR_MASK: 0xfffff000 | 0,
  /** Bits 0-11: the flags of a 4 KiB PTE. */
  FLAGS_MASK: 0xfff,
} as const;

/** High word (bits 32-63) of a paging-structure entry. */
export const PTE_HI = {
  /** Execute-disable, bit 63 (reserved unless EFER.NXE). */
  NX: 1 << 31,
  /** Bits 59-62 hold the protection key of a leaf when CR4.PKE = 1. */
  PKEY_SHIFT: 27,
  PKEY_MASK: 0xf << 27,
  /** Bits 52-58, ignored by the processor (Xen uses bit 52 for "guest kernel"). */
  SOFTWARE_MASK: 0x7f << 20,
  /** Bits 32-51 of the physical address. */
  ADDR_MASK: 0xfffff,
} as const;

/** Page-fault error code (SDM vol. 3, 4.7). */
export const PFEC = {
  /** 0: the page was not present; 1: a protection or reserved-bit violation. */
  P: 1 << 0,
  /** The access was a write. */
  W: 1 << 1,
  /** The access was a user-mode access. */
  U: 1 << 2,
  /** A reserved bit was set in a present paging-structure entry. */
  RSVD: 1 << 3,
  /** The access was an instruction fetch (reported when EFER.NXE or CR4.SMEP). */
  I: 1 << 4,
  /** A protection-key violation. */
  PK: 1 << 5,
} as const;

/** What an access does. */
export const AccessKind = { Read: 0, Write: 1, Execute: 2 } as const;
export type AccessKind = (typeof AccessKind)[keyof typeof AccessKind];

/**
 * Who makes an access: a bit mask. `User` is an explicit access at CPL 3;
 * `AC` is EFLAGS.AC; `Implicit` marks an implicit supervisor-mode access
 * (descriptor tables, the TSS, a shadow stack), which is supervisor-mode
 * even at CPL 3 and which SMAP never lets through.
 */
export const AccessMode = { Supervisor: 0, User: 1, AC: 2, Implicit: 4 } as const;
