/**
 * Translations and TLB flushes: the same linear address may map other code
 * after a flush, so the translations made from it must go; but an INVLPG of
 * another page (a program unmapping data, or a TLB eviction) leaves the rest
 * alone, rather than making every region be translated and optimised again.
 */
import { PTE } from '@x/mmu';
import { describe, expect, it } from 'vitest';
import { assemble, CODE, DATA, type Machine, machine } from './support/machine.js';

/** Runs from CODE to the next `syscall` (the end marker); returns rax. */
function runFromStart(m: Machine): bigint {
  m.cpu.rip = CODE;
  m.cpu.run(1e6);
  return m.cpu.getReg(0);
}

function stopAtSyscall(m: Machine): Machine {
  m.cpu.hooks.syscall = (c) => {
    c.requestStop();
    return true;
  };
  return m;
}

/** Maps CODE to a fresh frame holding `source` (not yet flushed from the TLB). */
function remapCode(m: Machine, source: string): void {
  const frame = m.memory.allocFrame(0);
  m.memory.u8.set(assemble(source), frame * 4096);
  m.tables.map(CODE, frame * 4096, 4096, { lo: PTE.P | PTE.US, hi: 0 });
}

describe('TLB flushes and translated code', () => {
  it('an INVLPG of a data page keeps the translations of code pages', () => {
    const m = stopAtSyscall(machine(assemble('mov eax, 1\nsyscall')));
    expect(runFromStart(m)).toBe(1n);
    const translated = m.cpu.stats.blocksTranslated;
    m.mmu.invlpg(DATA);
    expect(runFromStart(m)).toBe(1n);
    expect(m.cpu.stats.blocksTranslated).toBe(translated);
  });

  it('code remapped and flushed with INVLPG runs the new bytes', () => {
    const m = stopAtSyscall(machine(assemble('mov eax, 1\nsyscall')));
    expect(runFromStart(m)).toBe(1n);
    remapCode(m, 'mov eax, 2\nsyscall');
    m.mmu.invlpg(CODE);
    expect(runFromStart(m)).toBe(2n);
  });

  it('a full flush (a CR3 load) drops every translation', () => {
    const m = stopAtSyscall(machine(assemble('mov eax, 1\nsyscall')));
    expect(runFromStart(m)).toBe(1n);
    remapCode(m, 'mov eax, 3\nsyscall');
    m.mmu.flushAll();
    expect(runFromStart(m)).toBe(3n);
  });
});
