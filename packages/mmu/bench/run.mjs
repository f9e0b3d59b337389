#!/usr/bin/env node
/**
 * Translation throughput of Mmu.translate: TLB hits, TLB misses (a full
 * 4-level walk with A/D updates and a TLB fill) on 4 KiB and 2 MiB pages, and
 * a mix. One line per figure, in translations per second; a few seconds in
 * all. Run after `pnpm build` (it imports dist/).
 */
import {
  AccessKind,
  AccessMode,
  CR0,
  CR4,
  EFER,
  Mmu,
  PageTables,
  PhysicalMemory,
  PTE,
} from '../dist/index.js';

const { Read, Write } = AccessKind;
const { User } = AccessMode;

function setUp(tlbCapacity = 4096) {
  const memory = new PhysicalMemory({ bytes: 256 << 20 });
  const tables = new PageTables(memory, 0);
  const mmu = new Mmu(memory, { tlbCapacity });
  mmu.setCr4(CR4.PAE | CR4.PGE);
  mmu.setEfer(EFER.LME | EFER.LMA | EFER.NXE);
  mmu.setCr3(tables.root);
  mmu.setCr0(CR0.PE | CR0.WP | CR0.PG);
  return { memory, tables, mmu };
}

/** Runs `fn(i)` for i in [0, iterations) after a warm-up, and prints the rate. */
function rate(label, iterations, fn) {
  for (let i = 0; i < Math.min(iterations, 200_000); i++) fn(i);
  let best = 0;
  for (let round = 0; round < 3; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn(i);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    best = Math.max(best, iterations / seconds);
  }
  console.log(`${label.padEnd(64)} ${(best / 1e6).toFixed(2).padStart(8)} M translations/s`);
  return best;
}

const USER_RW = { lo: PTE.P | PTE.RW | PTE.US, hi: 0 };
let sink = 0;

{
  // Hits: 64 pages, all resident, user reads and writes at varying offsets.
  const { tables, mmu, memory } = setUp();
  const base = 0x4000_0000;
  const frame = memory.allocFrames(64, 0)[0] * 4096;
  tables.map(base, frame, 64 * 4096, USER_RW);
  for (let p = 0; p < 64; p++) mmu.translate(base + p * 4096, Write, User);
  rate('TLB hit, user read, 64 resident 4 KiB pages', 20_000_000, (i) => {
    sink += mmu.translate(base + ((i * 4104) & 0x3ffff), Read, User);
  });
  rate('TLB hit, user write (dirty entry)', 20_000_000, (i) => {
    sink += mmu.translate(base + ((i * 4104) & 0x3ffff), Write, User);
  });
  const upper = -(2 ** 47) + 0x1000_0000;
  tables.map(upper, frame, 64 * 4096, { lo: PTE.P | PTE.RW | PTE.G, hi: 0 });
  rate('TLB hit, supervisor read, upper half (negative address)', 20_000_000, (i) => {
    sink += mmu.translate(upper + ((i * 4104) & 0x3ffff), Read, 0);
  });
  const { hits, misses } = mmu.tlb.stats;
  console.log(`  (hits ${hits}, misses ${misses})`);
}

{
  // Misses: 64K distinct 4 KiB pages (256 MiB of linear space over 64 frames), visited in order,
  // through a 4096-entry TLB: every access walks, sets A (and D), and evicts.
  const { tables, mmu, memory } = setUp();
  const base = 0x80_0000_0000;
  const pages = 65536;
  const frames = memory.allocFrames(64, 0);
  for (let p = 0; p < pages; p++) tables.map(base + p * 4096, frames[p & 63] * 4096, 4096, USER_RW);
  rate('TLB miss, 4 KiB pages, user read (walk + A bits + fill)', 2_000_000, (i) => {
    sink += mmu.translate(base + (i & (pages - 1)) * 4096, Read, User);
  });
  rate('TLB miss, 4 KiB pages, user write (walk + A/D bits + fill)', 2_000_000, (i) => {
    sink += mmu.translate(base + (i & (pages - 1)) * 4096 + 8, Write, User);
  });
  const before = mmu.tlb.stats.misses;
  mmu.flushAll();
  rate('TLB miss after INVLPG of the same page', 2_000_000, () => {
    mmu.invlpg(base);
    sink += mmu.translate(base, Read, User);
  });
  console.log(`  (misses counted ${mmu.tlb.stats.misses - before}, hit ratio kept at 0)`);
}

{
  // 2 MiB pages: 128 of them, 256 MiB, read page by page: one walk per 4 KiB page, three levels each.
  const { tables, mmu } = setUp();
  const base = 0x100_0000_0000;
  for (let p = 0; p < 128; p++) tables.mapLarge(base + p * 0x20_0000, (p & 63) * 0x20_0000, 21, USER_RW);
  rate('TLB miss, 2 MiB pages (3-level walk, 4 KiB fill)', 2_000_000, (i) => {
    sink += mmu.translate(base + (i & 65535) * 4096, Read, User);
  });
}

{
  // A mix like a program's: 97% of accesses to a resident working set, 3% to fresh pages.
  const { tables, mmu, memory } = setUp();
  const base = 0x4000_0000;
  const pages = 65536;
  const frames = memory.allocFrames(64, 0);
  for (let p = 0; p < pages; p++) tables.map(base + p * 4096, frames[p & 63] * 4096, 4096, USER_RW);
  let cold = 1024;
  rate('mix: 97% hits in 256 hot pages, 3% misses', 10_000_000, (i) => {
    let page = i & 255;
    if (i % 100 >= 97) {
      cold = ((cold + 4097) & (pages - 1)) | 1024;
      page = cold;
    }
    sink += mmu.translate(base + page * 4096 + (i & 0xff8), i & 1, User);
  });
  const { hits, misses } = mmu.tlb.stats;
  console.log(`  (hit ratio ${((100 * hits) / (hits + misses)).toFixed(1)}%)`);
}

if (sink === 0.5) console.log(sink);
