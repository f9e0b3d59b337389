/**
 * Random sequences of translations and invalidations, checked after every
 * step against the invalidation rules of SDM vol. 3, 4.10.4.1, on TLBs small
 * enough that the bookkeeping behind fast CR3 loads overflows and falls back
 * to full scans.
 */
import { describe, expect, it } from 'vitest';
import { PTE } from '../src/index.js';
import { leaf, machine, R, SUP, USER, upper, W } from './helpers/machine.js';

function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const SMALL = 0x1000_0000; // 64 4 KiB pages, half of them global
const LARGE = upper(0xffff_8000_4000_0000n); // four 2 MiB pages, two global
const HUGE = upper(0xffff_8100_0000_0000n); // one 1 GiB page

for (const capacity of [4, 16, 64, 4096]) {
  describe(`TLB of ${capacity} entries under random operations`, () => {
    it('never holds what an invalidation dropped, never exceeds its capacity, always translates right', () => {
      const m = machine({ tlbCapacity: capacity, bytes: 16 << 20 });
      const frames = Array.from({ length: 64 }, () => m.frame());
      frames.forEach((pa, i) => {
        m.tables.map(SMALL + i * 4096, pa, 4096, leaf(PTE.RW | PTE.US | (i & 1 ? PTE.G : 0)));
      });
      for (let i = 0; i < 4; i++)
        m.tables.mapLarge(LARGE + i * 0x20_0000, i * 0x20_0000, 21, leaf(PTE.RW | (i & 1 ? PTE.G : 0)));
      m.tables.mapLarge(HUGE, 0, 30, leaf(PTE.RW | PTE.G));
      const next = random(capacity);
      const address = (): number => {
        const r = next();
        if (r < 0.6) return SMALL + Math.floor(next() * 64) * 4096 + 8;
        if (r < 0.9) return LARGE + Math.floor(next() * 4 * 512) * 4096 + 16;
        return HUGE + Math.floor(next() * 2 ** 18) * 4096;
      };
      for (let step = 0; step < 10_000; step++) {
        const r = next();
        if (r < 0.85) {
          const va = address();
          const user = va > 0;
          const pa = m.mmu.translate(va, next() < 0.3 ? W : R, user ? USER : SUP);
          const walk = m.mmu.walk(va);
          expect(walk.ok && pa === walk.pa).toBe(true);
        } else if (r < 0.95) {
          const va = address();
          m.mmu.invlpg(va);
          expect(m.mmu.tlb.lookup(va)).toBeUndefined();
          const vpn = Math.floor(va / 4096);
          for (const e of m.mmu.tlb.entries()) {
            const span = 2 ** (e.pageShift - 12);
            expect(Math.floor(e.vpn / span) === Math.floor(vpn / span)).toBe(false);
          }
        } else if (r < 0.995) {
          m.mmu.setCr3(m.tables.root);
          for (const e of m.mmu.tlb.entries()) expect(e.global).toBe(true);
        } else {
          m.mmu.flushAll();
          expect(m.mmu.tlb.size).toBe(0);
        }
        if (step % 97 === 0) {
          const held = [...m.mmu.tlb.entries()];
          expect(held.length).toBe(m.mmu.tlb.size);
          expect(held.length).toBeLessThanOrEqual(capacity);
        }
      }
      expect(m.mmu.tlb.stats.hits).toBeGreaterThan(0);
    });
  });
}
