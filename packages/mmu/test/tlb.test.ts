/**
 * The TLB (SDM vol. 3, 4.10.2 caching translations, 4.10.4 invalidation):
 * stale translations until invalidated, global entries across CR3 loads,
 * the flush rules of MOV to CR0/CR3/CR4 and EFER, large pages, capacity and
 * the onFlush notifications the CPU relies on.
 */
import { describe, expect, it } from 'vitest';
import { CR0, CR4, EFER, PFEC, PTE } from '../src/index.js';
import { clearBits, entryAt, leaf, machine, R, SUP, setBits, USER, upper, W } from './helpers/machine.js';

const VA = upper(0xffff_8000_0010_0000n);
const { RW, US, G } = PTE;

function twoPages(bits = RW | US, options: Parameters<typeof machine>[0] = {}) {
  const m = machine(options);
  const a = m.frame();
  const b = m.frame();
  m.tables.map(VA, a, 4096, leaf(bits));
  m.tables.map(VA + 4096, b, 4096, leaf(bits | G));
  const flushes: (number | null)[] = [];
  m.mmu.onFlush = (va) => flushes.push(va);
  return { ...m, a, b, flushes };
}

describe('stale translations (4.10.4.2: software must invalidate after changing an entry)', () => {
  it('keeps using a cached translation after its PTE is cleared, until INVLPG', () => {
    const m = twoPages();
    expect(m.mmu.translate(VA, R, USER)).toBe(m.a);
    clearBits(m, VA, 1, PTE.P);
    expect(m.mmu.translate(VA, R, USER)).toBe(m.a);
    expect(m.mmu.walk(VA)).toMatchObject({ ok: false, reason: 'not-present' });
    m.mmu.invlpg(VA);
    expect(m.mmu.translate(VA, R, USER)).toBe(-1);
    expect(m.mmu.fault.errorCode).toBe(PFEC.U);
  });

  it('keeps the old frame after the PTE is pointed elsewhere, and the old rights after US is cleared', () => {
    const m = twoPages();
    m.mmu.translate(VA, R, USER);
    const pte = entryAt(m, VA, 1);
    m.memory.writeU32(pte, (m.b | PTE.P | RW) >>> 0);
    expect(m.mmu.translate(VA, R, USER)).toBe(m.a);
    m.mmu.invlpg(VA + 0xfff);
    expect(m.mmu.translate(VA, R, SUP)).toBe(m.b);
    expect(m.mmu.translate(VA, R, USER)).toBe(-1);
  });

  it('a write through a clean entry re-walks and sees the edited PTE (4.8)', () => {
    const m = twoPages();
    m.mmu.translate(VA, R, USER);
    clearBits(m, VA, 1, PTE.RW);
    expect(m.mmu.translate(VA, R, USER)).toBe(m.a);
    expect(m.mmu.translate(VA, W, USER)).toBe(-1);
  });

  it('a fault drops the page’s entry, so a spurious fault happens at most once (4.10.4.1, 4.10.4.3)', () => {
    const m = twoPages(US | PTE.D);
    m.mmu.translate(VA, R, USER);
    setBits(m, VA, 1, RW); // R/W 0 -> 1 without INVLPG
    expect(m.mmu.translate(VA, W, USER)).toBe(-1);
    expect(m.mmu.tlb.lookup(VA)).toBeUndefined();
    expect(m.flushes).toEqual([VA]);
    expect(m.mmu.translate(VA, W, USER)).toBe(m.a);
  });
});

describe('MOV to CR3 (4.10.4.1: all entries but global ones)', () => {
  it('drops non-global entries and keeps global ones', () => {
    const m = twoPages();
    m.mmu.translate(VA, R, USER);
    m.mmu.translate(VA + 4096, R, USER);
    expect(m.mmu.tlb.size).toBe(2);
    m.mmu.setCr3(m.tables.root);
    expect(m.mmu.tlb.size).toBe(1);
    expect(m.mmu.tlb.lookup(VA)).toBeUndefined();
    expect(m.mmu.tlb.lookup(VA + 4096)).toMatchObject({ global: true, pfn: m.b / 4096 });
    expect(m.flushes).toEqual([null]);
  });

  it('keeps nothing when no entry is global', () => {
    const m = twoPages(RW);
    m.mmu.translate(VA, R, SUP);
    m.mmu.setCr3(m.tables.root);
    expect(m.mmu.tlb.size).toBe(0);
  });

  it('loads a new root: the address bits of CR3 below MAXPHYADDR; PWT/PCD and bits 0-11 are not address', () => {
    const m = twoPages();
    m.mmu.setCr3(m.tables.root | 0x18);
    expect(m.mmu.cr3).toBe(m.tables.root | 0x18);
    expect(m.mmu.translate(VA, R, USER)).toBe(m.a);
    m.mmu.setCr3(m.tables.root + 2 ** 46);
    expect(m.mmu.translate(VA, R, USER)).toBe(m.a);
  });

  it('global entries survive even a CR3 load that makes their page unmapped', () => {
    const m = twoPages();
    const other = m.frame(); // an empty PML4
    m.mmu.translate(VA + 4096, R, USER);
    m.mmu.setCr3(other);
    expect(m.mmu.translate(VA + 4096, R, USER)).toBe(m.b);
    expect(m.mmu.translate(VA, R, USER)).toBe(-1);
  });
});

describe('MOV to CR4 (4.10.4.1: PGE changes drop everything, global entries too)', () => {
  it('CR4.PGE 1 -> 0 drops global entries', () => {
    const m = twoPages();
    m.mmu.translate(VA + 4096, R, USER);
    m.mmu.setCr4(CR4.PAE);
    expect(m.mmu.tlb.size).toBe(0);
    expect(m.flushes).toEqual([null]);
    m.mmu.translate(VA + 4096, R, USER);
    expect(m.mmu.tlb.lookup(VA + 4096)?.global).toBe(false);
    m.mmu.setCr3(m.tables.root);
    expect(m.mmu.tlb.size).toBe(0);
  });

  it('CR4.PGE 0 -> 1 drops everything as well', () => {
    const m = twoPages(RW | US, { cr4: CR4.PAE });
    m.mmu.translate(VA, R, USER);
    m.mmu.setCr4(CR4.PAE | CR4.PGE);
    expect(m.mmu.tlb.size).toBe(0);
  });

  for (const [name, bit] of [
    ['PCIDE', CR4.PCIDE],
    ['SMEP', CR4.SMEP],
    ['SMAP', CR4.SMAP],
    ['PKE', CR4.PKE],
    ['PSE', CR4.PSE],
  ] as const) {
    it(`a change of CR4.${name} drops every entry, global ones too`, () => {
      const m = twoPages();
      m.mmu.translate(VA + 4096, R, USER);
      m.mmu.setCr4(m.mmu.cr4 | bit);
      expect(m.mmu.tlb.size).toBe(0);
      m.mmu.translate(VA + 4096, R, SUP);
      m.mmu.setCr4(m.mmu.cr4 & ~bit);
      expect(m.mmu.tlb.size).toBe(0);
    });
  }

  it('other CR4 bits (OSFXSR, FSGSBASE) leave the TLB alone', () => {
    const m = twoPages();
    m.mmu.translate(VA, R, USER);
    m.mmu.setCr4(m.mmu.cr4 | CR4.OSFXSR | CR4.FSGSBASE);
    expect(m.mmu.tlb.size).toBe(1);
    expect(m.flushes).toEqual([]);
  });
});

describe('MOV to CR0 and EFER', () => {
  it('a change of CR0.WP or CR0.PG drops everything; CR0.TS does not', () => {
    const m = twoPages();
    m.mmu.translate(VA + 4096, R, USER);
    m.mmu.setCr0(m.mmu.cr0 | CR0.TS);
    expect(m.mmu.tlb.size).toBe(1);
    m.mmu.setCr0(m.mmu.cr0 & ~CR0.WP);
    expect(m.mmu.tlb.size).toBe(0);
    m.mmu.translate(VA + 4096, R, USER);
    m.mmu.setCr0(m.mmu.cr0 & ~CR0.PG);
    expect(m.mmu.tlb.size).toBe(0);
    expect(m.mmu.translate(0x5000, W, USER)).toBe(0x5000);
  });

  it('a change of EFER.NXE drops everything; EFER.SCE does not', () => {
    const m = twoPages();
    m.mmu.translate(VA + 4096, R, USER);
    m.mmu.setEfer(m.mmu.efer | EFER.SCE);
    expect(m.mmu.tlb.size).toBe(1);
    m.mmu.setEfer(m.mmu.efer & ~EFER.NXE);
    expect(m.mmu.tlb.size).toBe(0);
  });

  it('WRPKRU drops nothing but tells onFlush(null), for caches that baked in an access decision', () => {
    const m = twoPages();
    m.mmu.translate(VA, R, USER);
    m.mmu.setPkru(4);
    expect(m.mmu.tlb.size).toBe(1);
    expect(m.flushes).toEqual([null]);
    m.mmu.setPkru(4);
    expect(m.flushes).toEqual([null]);
  });
});

describe('INVLPG (4.10.4.1: the page’s entries, global ones included)', () => {
  it('drops a global entry and reports the page to onFlush', () => {
    const m = twoPages();
    m.mmu.translate(VA, R, USER);
    m.mmu.translate(VA + 4096, R, USER);
    m.mmu.invlpg(VA + 4096 + 0x123);
    expect(m.mmu.tlb.lookup(VA + 4096)).toBeUndefined();
    expect(m.mmu.tlb.lookup(VA)).toBeDefined();
    expect(m.flushes).toEqual([VA + 4096]);
  });

  it('drops every 4 KiB entry of a 2 MiB page, from any address inside it, and only those', () => {
    const m = machine();
    const big = upper(0xffff_8000_0040_0000n);
    m.tables.mapLarge(big, 0x400000, 21, leaf(RW | G));
    m.tables.map(big + 0x200000, m.frame(), 4096, leaf(RW | G));
    const flushes: (number | null)[] = [];
    m.mmu.onFlush = (va) => flushes.push(va);
    for (const offset of [0, 0x1000, 0x7000, 0x1ff000]) m.mmu.translate(big + offset, R, SUP);
    m.mmu.translate(big + 0x200000, R, SUP);
    expect([...m.mmu.tlb.entries()].filter((e) => e.pageShift === 21)).toHaveLength(4);
    m.mmu.invlpg(big + 0x123456); // a page of it never touched
    expect([...m.mmu.tlb.entries()].map((e) => e.vpn)).toEqual([(big + 0x200000) / 4096]);
    expect(flushes).toEqual([null]);
  });

  it('drops every entry of a 1 GiB page', () => {
    const m = machine();
    const huge = upper(0xffff_8040_0000_0000n);
    m.tables.mapLarge(huge, 0, 30, leaf(RW));
    for (const offset of [0, 0x20_0000, 0x3fff_f000]) m.mmu.translate(huge + offset, R, SUP);
    expect(m.mmu.tlb.size).toBe(3);
    m.mmu.invlpg(huge + 0x1000_0000);
    expect(m.mmu.tlb.size).toBe(0);
  });

  it('a fault anywhere in a large page drops its entries (4.10.4.1: page faults invalidate)', () => {
    const m = machine();
    const big = upper(0xffff_8000_0040_0000n);
    m.tables.mapLarge(big, 0x400000, 21, leaf(RW));
    m.mmu.translate(big, R, SUP);
    m.mmu.translate(big + 0x5000, R, SUP);
    expect(m.mmu.translate(big + 0x9000, R, USER)).toBe(-1);
    expect(m.mmu.tlb.size).toBe(0);
  });
});

describe('capacity and statistics', () => {
  it('evicts when a set is full and tells onFlush which page went', () => {
    const m = machine({ tlbCapacity: 4 });
    const va = 0x4000_0000;
    m.tables.map(va, m.frame(), 5 * 4096, leaf(RW));
    const flushes: (number | null)[] = [];
    m.mmu.onFlush = (v) => flushes.push(v);
    for (let i = 0; i < 4; i++) m.mmu.translate(va + i * 4096, R, SUP);
    expect(m.mmu.tlb.size).toBe(4);
    expect(m.mmu.tlb.capacity).toBe(4);
    m.mmu.translate(va + 4 * 4096, R, SUP);
    expect(m.mmu.tlb.size).toBe(4);
    expect(m.mmu.tlb.stats.evictions).toBe(1);
    expect(flushes).toHaveLength(1);
    const gone = flushes[0]!;
    expect(m.mmu.tlb.lookup(gone)).toBeUndefined();
    expect(m.mmu.tlb.lookup(va + 4 * 4096)).toBeDefined();
  });

  it('never holds more than its capacity, and translations stay right under pressure', () => {
    const m = machine({ tlbCapacity: 64 });
    const va = 0x10_0000_0000;
    const frames = Array.from({ length: 300 }, () => m.frame());
    frames.forEach((pa, i) => {
      m.tables.map(va + i * 4096, pa, 4096, leaf(RW));
    });
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < frames.length; i++)
        expect(m.mmu.translate(va + i * 4096 + 8, R, SUP)).toBe(frames[i]! + 8);
      expect(m.mmu.tlb.size).toBeLessThanOrEqual(64);
    }
  });

  it('a CR3 load after more fills than the capacity still drops every non-global entry', () => {
    const m = machine({ tlbCapacity: 16 });
    const va = 0x10_0000_0000;
    const pages = 200;
    const frame = m.frame();
    for (let i = 0; i < pages; i++)
      m.tables.map(va + i * 4096, frame, 4096, leaf(RW | (i % 5 === 0 ? G : 0)));
    for (let round = 0; round < 2; round++) {
      // First many pages of one set (so the slots filled repeat), then pages of every set.
      for (let i = 0; i < pages; i += 4) m.mmu.translate(va + i * 4096, R, SUP);
      for (let i = 0; i < pages; i++) m.mmu.translate(va + ((i * 37) % pages) * 4096, R, SUP);
      expect(m.mmu.tlb.size).toBe(16);
      m.mmu.setCr3(m.tables.root);
      const held = [...m.mmu.tlb.entries()];
      expect(held.length).toBe(m.mmu.tlb.size);
      expect(held.every((e) => e.global)).toBe(true);
      expect(held.length).toBeGreaterThan(0);
    }
    m.mmu.flushAll();
    expect([...m.mmu.tlb.entries()]).toEqual([]);
  });

  it('counts hits, misses and flushes', () => {
    const m = twoPages();
    const s = m.mmu.tlb.stats;
    const flushes = s.flushes; // setting up the control registers flushed already
    m.mmu.translate(VA, R, USER);
    m.mmu.translate(VA, R, USER);
    m.mmu.translate(VA + 8, R, USER);
    expect(s).toMatchObject({ hits: 2, misses: 1, flushes });
    m.mmu.invlpg(VA);
    m.mmu.setCr3(m.tables.root);
    m.mmu.flushAll();
    expect(s.flushes).toBe(flushes + 3);
  });

  it('refuses a capacity that is not a power of two', () => {
    expect(() => machine({ tlbCapacity: 100 })).toThrow(/power of two/);
    expect(() => machine({ tlbCapacity: 0 })).toThrow(/power of two/);
  });

  it('flushAll drops globals and tells onFlush(null)', () => {
    const m = twoPages();
    m.mmu.translate(VA + 4096, R, USER);
    m.mmu.flushAll();
    expect(m.mmu.tlb.size).toBe(0);
    expect(m.flushes).toEqual([null]);
  });
});
