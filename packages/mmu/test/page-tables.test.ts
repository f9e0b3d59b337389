/** PageTables: building and editing 4-level tables, checked against the MMU's own walk and translate. */
import { describe, expect, it } from 'vitest';
import {
  FRAME_FREE,
  isMemoryError,
  MemoryError,
  PAGE_SIZE,
  PageTables,
  PhysicalMemory,
  PTE,
  PTE_HI,
} from '../src/index.js';
import { DOMAIN, entry, leaf, machine, R, SUP, upper } from './helpers/machine.js';

const { P, RW, US, A, D, PS } = PTE;

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof MemoryError) return e.code;
    throw e;
  }
  return undefined;
}

describe('PageTables: building', () => {
  it('allocates its PML4 for the owner, or adopts an existing one', () => {
    const memory = new PhysicalMemory({ bytes: 1 << 20 });
    const tables = new PageTables(memory, 4);
    expect(tables.root % PAGE_SIZE).toBe(0);
    expect(memory.owner[tables.root / PAGE_SIZE]).toBe(4);
    expect(tables.tableFrames).toEqual([tables.root / PAGE_SIZE]);
    const adopted = new PageTables(memory, 4, tables.root);
    expect(adopted.root).toBe(tables.root);
    expect(adopted.tableFrames).toEqual([]);
    expect(code(() => new PageTables(memory, 4, 0x1234))).toBe('EINVAL');
    expect(code(() => new PageTables(memory, 4, 1 << 20))).toBe('EINVAL');
  });

  it('allocates the PDPT, PD and PT for the owner, with P|RW|US and A clear, so the leaf decides', () => {
    const m = machine();
    const va = upper(0xffff_8000_0000_0000n);
    const before = m.memory.framesOwnedBy(DOMAIN);
    m.tables.map(va, 0x5000, PAGE_SIZE, leaf(RW));
    expect(m.memory.framesOwnedBy(DOMAIN)).toBe(before + 3);
    expect(m.tables.tableFrames).toHaveLength(4);
    for (const frame of m.tables.tableFrames) expect(m.memory.owner[frame]).toBe(DOMAIN);
    const walk = m.mmu.walk(va);
    expect(walk.levels.map((l) => l.lo & 0xfff)).toEqual([P | RW | US, P | RW | US, P | RW | US, P | RW]);
    expect(walk.levels.map((l) => l.entryAddress)).toEqual([
      m.tables.root + 256 * 8,
      m.tables.tableFrames[1]! * PAGE_SIZE,
      m.tables.tableFrames[2]! * PAGE_SIZE,
      m.tables.tableFrames[3]! * PAGE_SIZE,
    ]);
  });

  it('reuses tables for neighbours and allocates new ones across 2 MiB, 1 GiB and 512 GiB boundaries', () => {
    const m = machine();
    const count = () => m.tables.tableFrames.length;
    m.tables.map(0x20_0000 - 2 * PAGE_SIZE, 0x10000, 2 * PAGE_SIZE, leaf());
    expect(count()).toBe(4);
    m.tables.map(0x20_0000 - PAGE_SIZE, 0x10000, 2 * PAGE_SIZE, leaf()); // crosses into the next PT
    expect(count()).toBe(5);
    m.tables.map(0x4000_0000, 0x10000, PAGE_SIZE, leaf()); // next PD
    expect(count()).toBe(7);
    m.tables.map(0x80_0000_0000, 0x10000, PAGE_SIZE, leaf()); // next PML4 slot
    expect(count()).toBe(10);
    expect(m.tables.lookup(0x20_0000)).toMatchObject({ pa: 0x11000, pageShift: 12 });
  });

  it('maps a run of pages to a run of frames, with the attributes given, the address in both halves', () => {
    const m = machine({ physAddrBits: 52 });
    const va = 0x7fff_ffe0_0000;
    const pa = 0x000f_1234_5678_9000;
    m.tables.map(va, pa, 4 * PAGE_SIZE, { lo: P | RW | PTE.PCD, hi: PTE_HI.NX | (3 << 20) });
    for (let i = 0; i < 4; i++) {
      const found = m.tables.lookup(va + i * PAGE_SIZE + 7);
      expect(found).toMatchObject({ pa: pa + i * PAGE_SIZE + 7, pageShift: 12 });
      expect(found!.lo).toBe(((pa + i * PAGE_SIZE) % 2 ** 32) + (P | RW | PTE.PCD));
      expect(found!.hi).toBe((0x000f_1234 | 0x8000_0000 | (3 << 20)) >>> 0);
      expect(m.mmu.translate(va + i * PAGE_SIZE + 7, R, SUP)).toBe(pa + i * PAGE_SIZE + 7);
    }
  });

  it('maps 2 MiB and 1 GiB pages with PS, refuses a large page over a table and a small page inside a large one', () => {
    const m = machine();
    const big = 0x4000_0000;
    m.tables.mapLarge(big, 0x20_0000, 21, leaf(RW | PTE.PAT4K));
    const pde = entry(m.memory, m.tables.entryAddress(big, 2)!);
    expect(pde.lo).toBe(0x20_0000 | P | RW | PS | PTE.PATLARGE);
    expect(m.tables.lookup(big + 0x1234)).toMatchObject({ pa: 0x20_1234, pageShift: 21 });
    expect(m.tables.entryAddress(big, 1)).toBeUndefined();
    expect(code(() => m.tables.map(big + PAGE_SIZE, 0, PAGE_SIZE, leaf()))).toBe('EINVAL');
    m.tables.mapLarge(big, 0x40_0000, 21, leaf()); // a large leaf may be replaced
    expect(m.tables.lookup(big)?.pa).toBe(0x40_0000);
    m.tables.map(big + 0x20_0000, 0, PAGE_SIZE, leaf());
    expect(code(() => m.tables.mapLarge(big + 0x20_0000, 0, 21, leaf()))).toBe('EINVAL');
    m.tables.mapLarge(0x80_0000_0000, 0x4000_0000, 30, leaf());
    expect(m.tables.lookup(0x80_3fff_ffff)).toMatchObject({ pa: 0x7fff_ffff, pageShift: 30 });
    expect(code(() => m.tables.mapLarge(0x80_4000_0000, 0x20_0000, 30, leaf()))).toBe('EINVAL'); // pa unaligned
    expect(code(() => m.tables.mapLarge(0x80_4020_0000, 0, 30, leaf()))).toBe('EINVAL'); // va unaligned
    expect(code(() => m.tables.mapLarge(0, 0, 22 as 21, leaf()))).toBe('EINVAL');
  });

  it('refuses unaligned, non-canonical and half-crossing ranges, and attributes overlapping the address', () => {
    const m = machine();
    expect(code(() => m.tables.map(0x1001, 0, PAGE_SIZE, leaf()))).toBe('EINVAL');
    expect(code(() => m.tables.map(0x1000, 0x10, PAGE_SIZE, leaf()))).toBe('EINVAL');
    expect(code(() => m.tables.map(0x1000, 0, 100, leaf()))).toBe('EINVAL');
    expect(code(() => m.tables.map(0x1000, 0, 0, leaf()))).toBe('EINVAL');
    expect(code(() => m.tables.map(2 ** 47, 0, PAGE_SIZE, leaf()))).toBe('EINVAL');
    expect(code(() => m.tables.map(2 ** 47 - PAGE_SIZE, 0, 2 * PAGE_SIZE, leaf()))).toBe('EINVAL');
    expect(code(() => m.tables.map(-PAGE_SIZE, 0, 2 * PAGE_SIZE, leaf()))).toBe('EINVAL');
    expect(code(() => m.tables.map(0, 2 ** 52, PAGE_SIZE, leaf()))).toBe('EINVAL');
    expect(code(() => m.tables.map(0, 0, PAGE_SIZE, { lo: 0x1000 | P, hi: 0 }))).toBe('EINVAL');
    expect(code(() => m.tables.map(0, 0, PAGE_SIZE, { lo: P, hi: 1 }))).toBe('EINVAL');
    m.tables.map(-PAGE_SIZE, 0, PAGE_SIZE, leaf()); // the very last page
    expect(m.mmu.translate(-1, R, SUP)).toBe(0xfff);
  });

  it('gives ENOMEM when no frame is left for a table', () => {
    const memory = new PhysicalMemory({ bytes: 3 * PAGE_SIZE });
    const tables = new PageTables(memory, 1);
    expect(
      isMemoryError(
        capture(() => tables.map(0, 0, PAGE_SIZE, leaf())),
        'ENOMEM',
      ),
    ).toBe(true);
  });
});

describe('PageTables: editing', () => {
  it('unmap clears leaves, frees no table, and skips absent tables whole', () => {
    const m = machine();
    m.tables.map(0x40_0000, 0x10_0000, 8 * PAGE_SIZE, leaf(RW));
    const frames = m.memory.framesOwnedBy(DOMAIN);
    m.tables.unmap(0x40_0000 + 2 * PAGE_SIZE, 3 * PAGE_SIZE);
    expect(
      [0, 1, 2, 3, 4, 5, 6, 7].map((i) => m.tables.lookup(0x40_0000 + i * PAGE_SIZE) !== undefined),
    ).toEqual([true, true, false, false, false, true, true, true]);
    expect(entry(m.memory, m.tables.entryAddress(0x40_0000 + 2 * PAGE_SIZE, 1)!)).toEqual({ lo: 0, hi: 0 });
    expect(m.memory.framesOwnedBy(DOMAIN)).toBe(frames);
    // All of the lower half: done in a few steps because absent tables are skipped.
    m.tables.unmap(0, 2 ** 47);
    expect(m.tables.lookup(0x40_0000)).toBeUndefined();
  });

  it('unmap takes a large page only whole', () => {
    const m = machine();
    m.tables.mapLarge(0x4000_0000, 0, 21, leaf());
    expect(code(() => m.tables.unmap(0x4000_0000, PAGE_SIZE))).toBe('EINVAL');
    expect(code(() => m.tables.unmap(0x3fff_f000, 2 * PAGE_SIZE))).toBe('EINVAL');
    m.tables.unmap(0x3fe0_0000, 0x40_0000);
    expect(m.tables.lookup(0x4000_0000)).toBeUndefined();
  });

  it('protect rewrites the flags of present leaves and keeps their addresses', () => {
    const m = machine();
    m.tables.map(0x40_0000, 0x10_0000, 2 * PAGE_SIZE, leaf(RW | US));
    m.tables.mapLarge(0x60_0000, 0x20_0000, 21, leaf(RW | US));
    m.tables.protect(0x40_0000, 0x40_0000, { lo: P | US | PTE.PAT4K, hi: PTE_HI.NX });
    expect(m.tables.lookup(0x40_1000)).toMatchObject({
      pa: 0x10_1000,
      lo: 0x10_1000 | P | US | PTE.PAT4K,
      hi: 0x8000_0000,
    });
    expect(m.tables.lookup(0x60_0000)).toMatchObject({
      pa: 0x20_0000,
      lo: 0x20_0000 | P | US | PS | PTE.PATLARGE,
    });
    expect(m.tables.lookup(0x40_2000)).toBeUndefined(); // absent leaves stay absent
    m.tables.protect(0x40_0000, PAGE_SIZE, { lo: US, hi: 0 }); // P=0: keeps the address, not present
    expect(m.tables.lookup(0x40_0000)).toBeUndefined();
    expect(entry(m.memory, m.tables.entryAddress(0x40_0000, 1)!).lo).toBe(0x10_0000 | US);
  });

  it('entryAddress gives each level’s entry, undefined below an absent table', () => {
    const m = machine();
    const va = upper(0xffff_8123_4567_8000n);
    expect(m.tables.entryAddress(va, 4)).toBe(m.tables.root + 258 * 8); // bits 47:39 = 0x102
    expect(m.tables.entryAddress(va, 3)).toBeUndefined();
    m.tables.map(va, 0, PAGE_SIZE, leaf());
    const walk = m.mmu.walk(va);
    for (const level of [4, 3, 2, 1] as const) {
      expect(m.tables.entryAddress(va, level)).toBe(walk.levels[4 - level]!.entryAddress);
    }
  });

  it('release frees the tables it allocated, not the frames it maps', () => {
    const m = machine();
    const data = m.frame();
    m.tables.map(0x1000, data, PAGE_SIZE, leaf());
    const tables = m.tables.tableFrames;
    m.tables.release();
    for (const f of tables) expect(m.memory.owner[f]).toBe(FRAME_FREE);
    expect(m.memory.owner[data / PAGE_SIZE]).toBe(DOMAIN);
    expect(m.tables.tableFrames).toEqual([]);
  });
});

/** A small deterministic PRNG (mulberry32), so the random layout is the same on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

describe('PageTables against the MMU (SDM 4.5)', () => {
  it('every mapping it builds walks and translates to the same frame with the same rights', () => {
    const m = machine({ bytes: 32 << 20, physAddrBits: 52 });
    const next = random(2007);
    const mapped: { va: number; pa: number; size: number; lo: number; hi: number }[] = [];
    const used = new Set<number>();
    for (let i = 0; i < 400; i++) {
      const shift = next() < 0.1 ? (next() < 0.3 ? 30 : 21) : 12;
      const size = 2 ** shift;
      // A random 1 GiB region in either half; one mapping per region keeps large and small apart.
      const region = Math.floor(next() * 2 ** 17) - 2 ** 16;
      if (used.has(region)) continue;
      used.add(region);
      const va = region * 2 ** 30 + Math.floor((next() * 2 ** 30) / size) * size;
      const pa = Math.floor((next() * 2 ** 40) / size) * size;
      const lo =
        P |
        (next() < 0.5 ? RW : 0) |
        (next() < 0.5 ? US : 0) |
        (next() < 0.5 ? PTE.G : 0) |
        (next() < 0.3 ? PTE.PCD : 0);
      const hi = (next() < 0.5 ? PTE_HI.NX : 0) | (Math.floor(next() * 128) << 20);
      if (shift === 12) m.tables.map(va, pa, size, { lo, hi });
      else m.tables.mapLarge(va, pa, shift as 21 | 30, { lo, hi });
      mapped.push({ va, pa, size, lo, hi });
    }
    expect(mapped.length).toBeGreaterThan(300);
    for (const { va, pa, size, lo, hi } of mapped) {
      for (const offset of [0, size - 1, Math.floor(size / 3)]) {
        const walk = m.mmu.walk(va + offset);
        expect(walk.ok).toBe(true);
        if (!walk.ok) continue;
        expect(walk.pa).toBe(pa + offset);
        expect(walk.pageShift).toBe(Math.log2(size));
        expect(walk.entry).toMatchObject({
          user: (lo & US) !== 0,
          writable: (lo & RW) !== 0,
          nx: hi < 0,
          global: (lo & PTE.G) !== 0,
          pcd: (lo & PTE.PCD) !== 0,
          softwareHigh: (hi >>> 20) & 0x7f,
        });
        expect(m.tables.lookup(va + offset)?.pa).toBe(pa + offset);
        expect(m.mmu.translate(va + offset, R, SUP)).toBe(pa + offset);
      }
    }
    // Walks read A back: every entry used by a translation now has it.
    for (const { va } of mapped) for (const level of m.mmu.walk(va).levels) expect(level.lo & A).toBe(A);
    expect(mapped.some(({ va }) => (m.tables.lookup(va)!.lo & D) !== 0)).toBe(false);
  });
});

function capture(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}
