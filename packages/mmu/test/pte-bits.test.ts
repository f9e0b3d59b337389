/**
 * Every bit of a paging-structure entry, one at a time, against Intel SDM
 * vol. 3: 4.5 (4-level paging, tables 4-15 to 4-20 for the formats and
 * reserved bits), 4.6 (rights), 4.8 (accessed and dirty flags), 4.10.2.2
 * (what a TLB entry records).
 */
import { describe, expect, it } from 'vitest';
import { AccessMode, CR0, CR4, EFER, PFEC, PTE, PTE_HI } from '../src/index.js';
import {
  clearBits,
  entry,
  entryAt,
  leaf,
  machine,
  R,
  SUP,
  setBits,
  USER,
  upper,
  W,
  X,
} from './helpers/machine.js';

const VA = upper(0xffff_8000_4020_3000n);
const LEVELS = [4, 3, 2, 1] as const;
const { P, RW, US, A, D } = PTE;

/** A machine with one 4 KiB page at VA, leaf bits as given. */
function onePage(bits = RW | US, options: Parameters<typeof machine>[0] = {}) {
  const m = machine(options);
  const pa = m.frame();
  m.tables.map(VA, pa, 4096, leaf(bits));
  return { ...m, pa };
}

describe('P, present (SDM 4.5, table 4-15..4-20 bit 0; 4.7 P=0 for not-present)', () => {
  for (const level of LEVELS) {
    it(`P=0 in the level-${level} entry gives a not-present fault, and the walk stops there`, () => {
      const m = onePage();
      clearBits(m, VA, level, P);
      expect(m.mmu.translate(VA, R, SUP)).toBe(-1);
      expect(m.mmu.fault).toEqual({ errorCode: 0, address: VA });
      const walk = m.mmu.walk(VA);
      expect(walk).toMatchObject({ ok: false, level, reason: 'not-present' });
      expect(walk.levels).toHaveLength(5 - level);
    });
  }

  it('ignores every other bit of a not-present entry, reserved ones included (4.5: "ignored" when P=0)', () => {
    const m = onePage();
    const address = entryAt(m, VA, 1);
    m.memory.writeU32(address, 0xfffffffe);
    m.memory.writeU32(address + 4, 0xffffffff);
    expect(m.mmu.translate(VA, W, USER)).toBe(-1);
    expect(m.mmu.fault.errorCode).toBe(PFEC.W | PFEC.U);
  });

  it('reads a paging-structure entry beyond the RAM as not present, even with the side area behind it', () => {
    const m = onePage();
    // The page table's entry for VA now points at the first page after the RAM, filled with present entries.
    const side = m.memory.allocateSide(4096, 4096);
    expect(side).toBe(m.memory.bytes);
    new Uint32Array(m.memory.wasmMemory!.buffer, side, 1024).fill(P | 0x1000);
    const address = entryAt(m, VA, 2);
    m.memory.writeU32(address, side | P | 0x7);
    m.memory.writeU32(address + 4, 0);
    expect(m.mmu.translate(VA, R, SUP)).toBe(-1);
    expect(m.mmu.fault.errorCode).toBe(0);
    expect(m.mmu.walk(VA)).toMatchObject({ ok: false, level: 1, reason: 'not-present' });
  });

  it('translates the identity with CR0.PG=0 and touches no tables', () => {
    const m = onePage();
    m.mmu.setCr0(CR0.PE);
    expect(m.mmu.translate(0x1234, W, USER)).toBe(0x1234);
    expect(m.mmu.tlb.size).toBe(0);
    expect(entry(m.memory, entryAt(m, VA, 1)).lo & A).toBe(0);
  });

  it('reads entries outside the RAM as zero, that is not present', () => {
    const m = onePage();
    const pml4e = entryAt(m, VA, 4);
    m.memory.writeU32(pml4e, 0x4000_0000 | P | RW | US); // a PDPT at 1 GiB, beyond the 8 MiB RAM
    expect(m.mmu.translate(VA, R, SUP)).toBe(-1);
    expect(m.mmu.fault.errorCode).toBe(0);
    expect(m.mmu.walk(VA)).toMatchObject({ ok: false, level: 3, reason: 'not-present' });
  });
});

describe('R/W, read/write (SDM 4.6.1: AND over all levels; CR0.WP)', () => {
  for (const level of LEVELS) {
    it(`RW=0 in the level-${level} entry makes the page read-only`, () => {
      const m = onePage();
      clearBits(m, VA, level, RW);
      expect(m.mmu.translate(VA, R, USER)).toBe(m.pa);
      expect(m.mmu.translate(VA, W, USER)).toBe(-1);
      expect(m.mmu.fault.errorCode).toBe(PFEC.P | PFEC.W | PFEC.U);
      expect(m.mmu.translate(VA, W, SUP)).toBe(-1);
      expect(m.mmu.fault.errorCode).toBe(PFEC.P | PFEC.W);
      expect(m.mmu.walk(VA)).toMatchObject({ ok: true, entry: { writable: false } });
      m.mmu.setCr0(CR0.PE | CR0.PG); // WP=0: supervisor writes ignore R/W
      expect(m.mmu.translate(VA, W, SUP)).toBe(m.pa);
      expect(m.mmu.translate(VA, W, USER)).toBe(-1);
    });
  }
});

describe('U/S, user/supervisor (SDM 4.6.1: AND over all levels)', () => {
  for (const level of LEVELS) {
    it(`US=0 in the level-${level} entry makes the page supervisor-only`, () => {
      const m = onePage();
      clearBits(m, VA, level, US);
      expect(m.mmu.translate(VA, R, SUP)).toBe(m.pa);
      expect(m.mmu.translate(VA, R, USER)).toBe(-1);
      expect(m.mmu.fault.errorCode).toBe(PFEC.P | PFEC.U);
      expect(m.mmu.walk(VA)).toMatchObject({ ok: true, entry: { user: false } });
    });
  }
});

describe('XD/NX, bit 63 (SDM 4.6.1: OR over all levels with EFER.NXE; reserved without it, 4.5 tables)', () => {
  for (const level of LEVELS) {
    it(`NX in the level-${level} entry forbids fetches with NXE, reads still allowed`, () => {
      const m = onePage();
      setBits(m, VA, level, 0, PTE_HI.NX);
      expect(m.mmu.translate(VA, R, USER)).toBe(m.pa);
      expect(m.mmu.translate(VA, X, USER)).toBe(-1);
      expect(m.mmu.fault.errorCode).toBe(PFEC.P | PFEC.U | PFEC.I);
      expect(m.mmu.translate(VA, X, SUP)).toBe(-1);
      expect(m.mmu.fault.errorCode).toBe(PFEC.P | PFEC.I);
      expect(m.mmu.walk(VA)).toMatchObject({ ok: true, entry: { nx: true } });
    });

    it(`NX in the level-${level} entry is a reserved bit when EFER.NXE=0`, () => {
      const m = onePage(RW | US, { efer: EFER.LME | EFER.LMA });
      setBits(m, VA, level, 0, PTE_HI.NX);
      expect(m.mmu.translate(VA, R, SUP)).toBe(-1);
      expect(m.mmu.fault.errorCode).toBe(PFEC.P | PFEC.RSVD);
      expect(m.mmu.walk(VA)).toMatchObject({
        ok: false,
        level,
        reason: 'reserved',
        reserved: { lo: 0, hi: 0x80000000 },
      });
    });
  }

  it('without NXE and without NX any page is executable', () => {
    const m = onePage(RW | US, { efer: EFER.LME | EFER.LMA });
    expect(m.mmu.translate(VA, X, USER)).toBe(m.pa);
    expect(m.mmu.walk(VA)).toMatchObject({ ok: true, entry: { nx: false } });
  });
});

describe('PWT, PCD, PAT (SDM 4.9: memory type bits, recorded with the translation)', () => {
  const cases = [
    ['PWT', PTE.PWT, { pwt: true, pcd: false, pat: false }],
    ['PCD', PTE.PCD, { pwt: false, pcd: true, pat: false }],
    ['PAT (bit 7 of a PTE)', PTE.PAT4K, { pwt: false, pcd: false, pat: true }],
    ['all three', PTE.PWT | PTE.PCD | PTE.PAT4K, { pwt: true, pcd: true, pat: true }],
  ] as const;
  for (const [name, bits, expected] of cases) {
    it(`records ${name} of a 4 KiB leaf in the TLB entry, without changing the translation`, () => {
      const m = onePage(RW | bits);
      expect(m.mmu.translate(VA + 8, R, SUP)).toBe(m.pa + 8);
      expect(m.mmu.tlb.lookup(VA)).toMatchObject({ ...expected, pageShift: 12 });
    });
  }

  it('takes PAT from bit 12 of a 2 MiB or 1 GiB leaf (bit 7 there is PS)', () => {
    const m = machine({ bytes: 8 << 20 });
    const va2m = upper(0xffff_8000_0020_0000n);
    m.tables.mapLarge(va2m, 0x200000, 21, leaf(RW | PTE.PAT4K | PTE.PCD));
    expect(entry(m.memory, entryAt(m, va2m, 2)).lo & (PTE.PATLARGE | PTE.PS)).toBe(PTE.PATLARGE | PTE.PS);
    expect(m.mmu.translate(va2m + 0x1234, R, SUP)).toBe(0x201234);
    expect(m.mmu.tlb.lookup(va2m + 0x1000)).toMatchObject({
      pat: true,
      pcd: true,
      pwt: false,
      pageShift: 21,
    });
    const va1g = upper(0xffff_8040_0000_0000n);
    m.tables.mapLarge(va1g, 0, 30, leaf(RW | PTE.PWT));
    expect(m.mmu.translate(va1g + 0x5008, R, SUP)).toBe(0x5008);
    expect(m.mmu.tlb.lookup(va1g + 0x5000)).toMatchObject({ pat: false, pwt: true, pageShift: 30 });
  });
});

describe('A, accessed (SDM 4.8: set in every entry used, only when the access succeeds here)', () => {
  it('sets A in all four entries on a successful access, leaving D alone on a read', () => {
    const m = onePage();
    const before = LEVELS.map((l) => entry(m.memory, entryAt(m, VA, l)).lo);
    expect(before.every((lo) => (lo & A) === 0)).toBe(true);
    expect(m.mmu.translate(VA, R, USER)).toBe(m.pa);
    for (const [i, l] of LEVELS.entries()) {
      const lo = entry(m.memory, entryAt(m, VA, l)).lo;
      expect(lo).toBe((before[i]! | A) >>> 0);
      expect(lo & D).toBe(0);
    }
  });

  it('does not set A when the access faults', () => {
    const m = onePage(0); // read-only supervisor page
    expect(m.mmu.translate(VA, R, USER)).toBe(-1);
    expect(m.mmu.translate(VA, W, SUP)).toBe(-1);
    for (const l of LEVELS) expect(entry(m.memory, entryAt(m, VA, l)).lo & A).toBe(0);
  });

  it('does not set A from walk(), which has no side effects', () => {
    const m = onePage();
    expect(m.mmu.walk(VA).ok).toBe(true);
    for (const l of LEVELS) expect(entry(m.memory, entryAt(m, VA, l)).lo & A).toBe(0);
  });

  it('sets A in the PDE of a 2 MiB page and the PDPTE of a 1 GiB page (the leaf)', () => {
    const m = machine();
    const va2m = upper(0xffff_8000_0020_0000n);
    const va1g = upper(0xffff_8040_0000_0000n);
    m.tables.mapLarge(va2m, 0x200000, 21, leaf(RW));
    m.tables.mapLarge(va1g, 0, 30, leaf(RW));
    m.mmu.translate(va2m, R, SUP);
    m.mmu.translate(va1g, R, SUP);
    expect(entry(m.memory, entryAt(m, va2m, 2)).lo & (A | D)).toBe(A);
    expect(entry(m.memory, entryAt(m, va1g, 3)).lo & (A | D)).toBe(A);
    expect(entry(m.memory, entryAt(m, va1g, 4)).lo & A).toBe(A);
  });
});

describe('D, dirty (SDM 4.8: set in the leaf on a write; 4.10.2.2: a clean TLB entry re-walks on write)', () => {
  it('sets D in the PTE only, on a write, and A everywhere', () => {
    const m = onePage();
    expect(m.mmu.translate(VA, W, USER)).toBe(m.pa);
    expect(entry(m.memory, entryAt(m, VA, 1)).lo & (A | D)).toBe(A | D);
    for (const l of [4, 3, 2] as const) expect(entry(m.memory, entryAt(m, VA, l)).lo & (A | D)).toBe(A);
    expect(m.mmu.tlb.lookup(VA)?.dirty).toBe(true);
  });

  it('sets D in a 2 MiB leaf', () => {
    const m = machine();
    const va2m = upper(0xffff_8000_0020_0000n);
    m.tables.mapLarge(va2m, 0x200000, 21, leaf(RW));
    m.mmu.translate(va2m + 0x3000, W, SUP);
    expect(entry(m.memory, entryAt(m, va2m, 2)).lo & (A | D)).toBe(A | D);
  });

  it('a read caches a clean entry; a later write walks again and sets D in memory', () => {
    const m = onePage();
    m.mmu.translate(VA, R, USER);
    expect(m.mmu.tlb.lookup(VA)?.dirty).toBe(false);
    const misses = m.mmu.tlb.stats.misses;
    expect(m.mmu.translate(VA, W, USER)).toBe(m.pa);
    expect(m.mmu.tlb.stats.misses).toBe(misses + 1);
    expect(entry(m.memory, entryAt(m, VA, 1)).lo & D).toBe(D);
    expect(m.mmu.tlb.lookup(VA)?.dirty).toBe(true);
    m.mmu.translate(VA, W, USER);
    expect(m.mmu.tlb.stats.misses).toBe(misses + 1);
  });

  it('a leaf already dirty in memory gives a dirty TLB entry on a read', () => {
    const m = onePage(RW | US | D);
    m.mmu.translate(VA, R, USER);
    expect(m.mmu.tlb.lookup(VA)?.dirty).toBe(true);
  });

  it('a supervisor write to a read-only page with CR0.WP=0 sets D too', () => {
    const m = onePage(0, { cr0: CR0.PE | CR0.PG });
    expect(m.mmu.translate(VA, W, SUP)).toBe(m.pa);
    expect(entry(m.memory, entryAt(m, VA, 1)).lo & D).toBe(D);
  });

  it('does not set D when the write faults', () => {
    const m = onePage(US);
    expect(m.mmu.translate(VA, W, USER)).toBe(-1);
    expect(entry(m.memory, entryAt(m, VA, 1)).lo & (A | D)).toBe(0);
  });
});

describe('PS, page size (SDM 4.5: 1 GiB in a PDPTE, 2 MiB in a PDE, reserved in a PML4E)', () => {
  it('maps 4 KiB, 2 MiB and 1 GiB pages with the offset bits of each', () => {
    const m = machine({ bytes: 8 << 20 });
    const va4k = upper(0xffff_8000_0000_1000n);
    const va2m = upper(0xffff_8000_0040_0000n);
    const va1g = upper(0xffff_8080_0000_0000n);
    m.tables.map(va4k, 0x7000, 4096, leaf());
    m.tables.mapLarge(va2m, 0x600000, 21, leaf());
    m.tables.mapLarge(va1g, 0x4000_0000, 30, leaf());
    expect(m.mmu.translate(va4k + 0xabc, R, SUP)).toBe(0x7abc);
    expect(m.mmu.translate(va2m + 0x1f_fabc, R, SUP)).toBe(0x7f_fabc);
    expect(m.mmu.translate(va1g + 0x3fff_fabc, R, SUP)).toBe(0x7fff_fabc);
    expect(m.mmu.walk(va4k)).toMatchObject({ ok: true, pageShift: 12 });
    expect(m.mmu.walk(va2m)).toMatchObject({ ok: true, pageShift: 21 });
    expect(m.mmu.walk(va1g)).toMatchObject({ ok: true, pageShift: 30 });
    expect(m.mmu.walk(va2m).levels).toHaveLength(3);
    expect(m.mmu.walk(va1g).levels).toHaveLength(2);
    expect(m.mmu.tlb.lookup(va1g + 0x3fff_f000)).toMatchObject({ pfn: 0x7ffff, pageShift: 30 });
  });

  it('PS in a PML4E is reserved: #PF with P and RSVD', () => {
    const m = onePage();
    setBits(m, VA, 4, PTE.PS);
    expect(m.mmu.translate(VA, R, SUP)).toBe(-1);
    expect(m.mmu.fault.errorCode).toBe(PFEC.P | PFEC.RSVD);
    expect(m.mmu.walk(VA)).toMatchObject({
      ok: false,
      level: 4,
      reason: 'reserved',
      reserved: { lo: PTE.PS },
    });
  });

  for (const bit of [13, 16, 20]) {
    it(`bit ${bit} of a 2 MiB PDE is reserved (bits 13-20; bit 12 is PAT)`, () => {
      const m = machine();
      const va2m = upper(0xffff_8000_0020_0000n);
      m.tables.mapLarge(va2m, 0x200000, 21, leaf(RW | PTE.PAT4K));
      expect(m.mmu.translate(va2m, R, SUP)).toBe(0x200000);
      setBits(m, va2m, 2, 1 << bit);
      m.mmu.flushAll();
      expect(m.mmu.translate(va2m, W, USER)).toBe(-1);
      expect(m.mmu.fault.errorCode).toBe(PFEC.P | PFEC.RSVD | PFEC.W | PFEC.U);
    });
  }

  for (const bit of [13, 21, 29]) {
    it(`bit ${bit} of a 1 GiB PDPTE is reserved (bits 13-29)`, () => {
      const m = machine();
      const va1g = upper(0xffff_8040_0000_0000n);
      m.tables.mapLarge(va1g, 0, 30, leaf(RW | PTE.PAT4K));
      expect(m.mmu.translate(va1g, R, SUP)).toBe(0);
      setBits(m, va1g, 3, 1 << bit);
      m.mmu.flushAll();
      expect(m.mmu.translate(va1g, R, SUP)).toBe(-1);
      expect(m.mmu.fault.errorCode).toBe(PFEC.P | PFEC.RSVD);
    });
  }

  it('bits 13-20 of a PDE that points to a page table are address bits, not reserved', () => {
    const m = onePage();
    // Move the page table to a frame whose address has bit 13 set and check that the walk follows it.
    const pde = entryAt(m, VA, 2);
    const oldTable = entry(m.memory, pde).lo & PTE.ADDR_MASK;
    const newTable = 0x2000 * 0x3f; // bits 13-17 set
    m.memory.claimFrame(newTable / 4096, 1);
    m.memory.write(newTable >>> 0, m.memory.read(oldTable >>> 0, 4096));
    m.memory.writeU32(pde, (newTable | P | RW | US) >>> 0);
    expect(m.mmu.translate(VA, R, SUP)).toBe(m.pa);
    expect(m.mmu.walk(VA).levels[3]?.entryAddress).toBe(newTable + ((VA / 4096) & 511) * 8);
  });
});

describe('MAXPHYADDR (SDM 4.5: address bits 51:M are reserved in every entry)', () => {
  for (const level of LEVELS) {
    it(`bit 46 in the level-${level} entry is reserved with MAXPHYADDR 46`, () => {
      const m = onePage();
      setBits(m, VA, level, 0, 1 << 14);
      expect(m.mmu.translate(VA, R, SUP)).toBe(-1);
      expect(m.mmu.fault.errorCode).toBe(PFEC.P | PFEC.RSVD);
      expect(m.mmu.walk(VA)).toMatchObject({
        ok: false,
        level,
        reason: 'reserved',
        reserved: { hi: 1 << 14 },
      });
    });
  }

  it('bit 51 is reserved for MAXPHYADDR 46 but an address bit for MAXPHYADDR 52', () => {
    const narrow = onePage();
    setBits(narrow, VA, 1, 0, 1 << 19);
    expect(narrow.mmu.translate(VA, R, SUP)).toBe(-1);
    const wide = onePage(RW | US, { physAddrBits: 52 });
    setBits(wide, VA, 1, 0, 1 << 19);
    expect(wide.mmu.translate(VA, R, SUP)).toBe(2 ** 51 + wide.pa);
  });

  it('an address bit just below MAXPHYADDR is not reserved (leaf beyond the RAM is the CPU’s business)', () => {
    const m = onePage(RW, { physAddrBits: 40 });
    setBits(m, VA, 1, 0, 1 << 7);
    expect(m.mmu.translate(VA, R, SUP)).toBe(2 ** 39 + m.pa);
    setBits(m, VA, 1, 0, 1 << 8);
    m.mmu.invlpg(VA);
    expect(m.mmu.translate(VA, R, SUP)).toBe(-1);
    expect(m.mmu.fault.errorCode).toBe(PFEC.P | PFEC.RSVD);
  });
});

describe('G, global (SDM 4.10.2.4: effective in the leaf when CR4.PGE=1)', () => {
  it('records G of the leaf as global with CR4.PGE=1', () => {
    const m = onePage(RW | PTE.G);
    m.mmu.translate(VA, R, SUP);
    expect(m.mmu.tlb.lookup(VA)?.global).toBe(true);
  });

  it('ignores G with CR4.PGE=0', () => {
    const m = onePage(RW | PTE.G, { cr4: CR4.PAE });
    m.mmu.translate(VA, R, SUP);
    expect(m.mmu.tlb.lookup(VA)?.global).toBe(false);
  });

  it('ignores G (bit 8) in a non-leaf entry', () => {
    const m = onePage(RW);
    setBits(m, VA, 2, PTE.G);
    setBits(m, VA, 4, PTE.G);
    m.mmu.translate(VA, R, SUP);
    expect(m.mmu.tlb.lookup(VA)?.global).toBe(false);
  });
});

describe('software bits 9-11 and 52-58 (SDM 4.5 tables: "ignored")', () => {
  for (const level of LEVELS) {
    it(`are ignored in the level-${level} entry`, () => {
      const m = onePage();
      setBits(m, VA, level, PTE.AVL, PTE_HI.SOFTWARE_MASK);
      expect(m.mmu.translate(VA, W, USER)).toBe(m.pa);
      expect(m.mmu.translate(VA, X, USER)).toBe(m.pa);
    });
  }

  it('are recorded from the leaf (Xen marks guest-kernel mappings with bit 52)', () => {
    const m = onePage();
    setBits(m, VA, 1, 5 << 9, 1 << 20);
    m.mmu.translate(VA, R, SUP);
    expect(m.mmu.tlb.lookup(VA)).toMatchObject({ avl: 5, softwareHigh: 1 });
  });

  it('bits 59-62 are ignored too while CR4.PKE=0', () => {
    const m = onePage();
    setBits(m, VA, 1, 0, PTE_HI.PKEY_MASK);
    setBits(m, VA, 3, 0, PTE_HI.PKEY_MASK);
    expect(m.mmu.translate(VA, W, USER)).toBe(m.pa);
    expect(m.mmu.tlb.lookup(VA)?.pkey).toBe(0);
  });
});

describe('protection key, bits 59-62 (SDM 4.6.2)', () => {
  it('records the leaf’s key with CR4.PKE=1, and applies PKRU to it', () => {
    const m = onePage(RW | US, { cr4: CR4.PAE | CR4.PKE });
    setBits(m, VA, 1, 0, 11 << PTE_HI.PKEY_SHIFT);
    expect(m.mmu.translate(VA, W, USER)).toBe(m.pa);
    expect(m.mmu.tlb.lookup(VA)?.pkey).toBe(11);
    m.mmu.setPkru(1 << 23); // WD11
    expect(m.mmu.translate(VA, R, USER)).toBe(m.pa);
    expect(m.mmu.translate(VA, W, USER)).toBe(-1);
    expect(m.mmu.fault.errorCode).toBe(PFEC.P | PFEC.W | PFEC.U | PFEC.PK);
    m.mmu.setPkru(1 << 22); // AD11
    expect(m.mmu.translate(VA, R, USER)).toBe(-1);
    expect(m.mmu.fault.errorCode).toBe(PFEC.P | PFEC.U | PFEC.PK);
    m.mmu.setPkru(0xffffffff & ~(3 << 22)); // every other key denied
    expect(m.mmu.translate(VA, W, USER)).toBe(m.pa);
  });

  it('takes the key from the leaf only: bits 59-62 of a non-leaf entry are ignored', () => {
    const m = onePage(RW | US, { cr4: CR4.PAE | CR4.PKE });
    setBits(m, VA, 2, 0, 3 << PTE_HI.PKEY_SHIFT);
    m.mmu.setPkru(0b11 << 6); // AD3, WD3
    expect(m.mmu.translate(VA, W, USER)).toBe(m.pa);
    expect(m.mmu.tlb.lookup(VA)?.pkey).toBe(0);
  });

  it('does not apply to supervisor pages or instruction fetches', () => {
    const m = onePage(RW | US, { cr4: CR4.PAE | CR4.PKE });
    m.mmu.setPkru(0b11); // key 0: AD, WD
    expect(m.mmu.translate(VA, X, USER)).toBe(m.pa);
    const k = machine({ cr4: CR4.PAE | CR4.PKE });
    const pa = k.frame();
    k.tables.map(VA, pa, 4096, leaf(RW));
    k.mmu.setPkru(0b11);
    expect(k.mmu.translate(VA, W, SUP)).toBe(pa);
  });

  it('AD applies to supervisor reads of user pages; WD to supervisor writes only with CR0.WP', () => {
    const m = onePage(RW | US, { cr4: CR4.PAE | CR4.PKE, cr0: CR0.PE | CR0.PG });
    m.mmu.setPkru(0b10); // WD0
    expect(m.mmu.translate(VA, W, SUP)).toBe(m.pa);
    m.mmu.setCr0(CR0.PE | CR0.PG | CR0.WP);
    expect(m.mmu.translate(VA, W, SUP)).toBe(-1);
    expect(m.mmu.fault.errorCode).toBe(PFEC.P | PFEC.W | PFEC.PK);
    m.mmu.setPkru(0b01); // AD0
    expect(m.mmu.translate(VA, R, SUP | AccessMode.AC)).toBe(-1);
    expect(m.mmu.fault.errorCode).toBe(PFEC.P | PFEC.PK);
  });
});
