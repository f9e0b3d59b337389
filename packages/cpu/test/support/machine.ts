/**
 * A small bare machine for engine tests: code assembled by GNU as, loaded at
 * 0x400000 with a stack below 0x800000, run in 64-bit mode at a chosen CPL.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Mmu, PageTables, PhysicalMemory, PTE, PTE_HI } from '@x/mmu';
import { requireTool, run, tempDir } from '@x/testkit';
import { Cpu, type CpuHooks } from '../../src/index.js';

export const CODE = 0x400000;
export const DATA = 0x600000;
export const STACK_TOP = 0x800000;

/** Assemble Intel-syntax source to flat bytes at CODE. */
export function assemble(source: string): Uint8Array {
  requireTool('as');
  requireTool('objcopy');
  const dir = tempDir('xvm-asm-');
  writeFileSync(join(dir, 'a.s'), `.intel_syntax noprefix\n.text\n${source}\n`);
  run('as', ['--64', '-o', join(dir, 'a.o'), join(dir, 'a.s')]);
  run('objcopy', ['-O', 'binary', '-j', '.text', join(dir, 'a.o'), join(dir, 'a.bin')]);
  return new Uint8Array(readFileSync(join(dir, 'a.bin')));
}

export interface Machine {
  cpu: Cpu;
  memory: PhysicalMemory;
  mmu: Mmu;
  tables: PageTables;
}

/** Code pages read-only and executable; a data page and a stack, writable and NX; all user pages. */
export function machine(code: Uint8Array, hooks: CpuHooks = {}, cpl = 3): Machine {
  const memory = new PhysicalMemory({ bytes: 32 << 20 });
  const mmu = new Mmu(memory);
  const tables = new PageTables(memory, 0);
  const pages = Math.max(1, Math.ceil(code.length / 4096));
  for (let p = 0; p < pages; p++) {
    const f = memory.allocFrame(0);
    memory.u8.set(code.subarray(p * 4096, (p + 1) * 4096), f * 4096);
    tables.map(CODE + p * 4096, f * 4096, 4096, { lo: PTE.P | PTE.US, hi: 0 });
  }
  const data = memory.allocFrame(0);
  tables.map(DATA, data * 4096, 4096, { lo: PTE.P | PTE.US | PTE.RW, hi: PTE_HI.NX });
  for (let p = 1; p <= 4; p++) {
    const f = memory.allocFrame(0);
    tables.map(STACK_TOP - p * 4096, f * 4096, 4096, { lo: PTE.P | PTE.US | PTE.RW, hi: PTE_HI.NX });
  }
  const cpu = new Cpu({ memory, mmu, hooks });
  cpu.enterLongMode(tables.root, cpl);
  cpu.rip = CODE;
  cpu.setRegLinear(4, STACK_TOP);
  return { cpu, memory, mmu, tables };
}

/** Run until the program executes `syscall` (the end marker of these snippets). */
export function runToSyscall(m: Machine, budget = 1e9): void {
  let done = false;
  const prev = m.cpu.hooks.syscall;
  m.cpu.hooks.syscall = (c) => {
    if (prev?.(c)) return true;
    done = true;
    c.requestStop();
    return true;
  };
  m.cpu.run(budget);
  if (!done) throw new Error('program did not reach its syscall');
}

/** An exception the CPU was about to deliver: vector, error code, address (CR2 for #PF) and the rip it was raised at. */
export interface SeenException {
  vector: number;
  error: number | undefined;
  address: number;
  rip: number;
}

/**
 * Runs `source` until its first exception (or `budget` instructions), which
 * the hook takes instead of the IDT; `prepare` may adjust the machine first.
 */
export function runToFault(
  source: string,
  prepare: (m: Machine) => void = () => {},
  budget = 1e7,
): { seen: SeenException[]; m: Machine } {
  const seen: SeenException[] = [];
  const m = machine(assemble(source), {
    exception(c, vector, error, address) {
      seen.push({ vector, error, address, rip: c.rip });
      c.requestStop();
      return true;
    },
  });
  prepare(m);
  m.cpu.run(budget);
  return { seen, m };
}
