/** A small machine for the tests: RAM, one address space and an MMU in long mode. */
import {
  AccessKind,
  AccessMode,
  CR0,
  CR4,
  EFER,
  Mmu,
  type MmuOptions,
  PAGE_SIZE,
  PageTables,
  PhysicalMemory,
  PTE,
} from '../../src/index.js';

export const DOMAIN = 1;
export const R = AccessKind.Read;
export const W = AccessKind.Write;
export const X = AccessKind.Execute;
export const SUP = AccessMode.Supervisor;
export const USER = AccessMode.User;

/** Canonical upper-half address: the 64-bit pattern as a signed 48-bit number. */
export function upper(address: bigint): number {
  return Number(BigInt.asIntN(48, address));
}

export interface Machine {
  memory: PhysicalMemory;
  tables: PageTables;
  mmu: Mmu;
  /** A fresh zeroed data frame's physical address. */
  frame(): number;
}

export interface MachineOptions extends MmuOptions {
  bytes?: number;
  cr0?: number;
  cr4?: number;
  efer?: number;
}

/** Long mode with paging on: CR0.PE|WP|PG, CR4.PAE|PGE, EFER.LME|LMA|NXE unless told otherwise. */
export function machine(options: MachineOptions = {}): Machine {
  const memory = new PhysicalMemory({ bytes: options.bytes ?? 8 << 20 });
  const tables = new PageTables(memory, DOMAIN);
  const mmu = new Mmu(memory, options);
  mmu.setCr4(options.cr4 ?? CR4.PAE | CR4.PGE);
  mmu.setEfer(options.efer ?? EFER.LME | EFER.LMA | EFER.NXE);
  mmu.setCr3(tables.root);
  mmu.setCr0(options.cr0 ?? CR0.PE | CR0.WP | CR0.PG);
  return { memory, tables, mmu, frame: () => memory.allocFrame(DOMAIN) * PAGE_SIZE };
}

/** The low word of a leaf for a present page with the given extra bits. */
export function leaf(bits = 0): { lo: number; hi: number } {
  return { lo: PTE.P | bits, hi: 0 };
}

/** Reads an entry's halves as unsigned numbers. */
export function entry(memory: PhysicalMemory, address: number): { lo: number; hi: number } {
  return { lo: memory.readU32(address), hi: memory.readU32(address + 4) };
}

/** ORs bits into the entry that maps `va` at `level` (4 = PML4E). */
export function setBits(m: Machine, va: number, level: 1 | 2 | 3 | 4, lo: number, hi = 0): void {
  const address = entryAt(m, va, level);
  m.memory.writeU32(address, m.memory.readU32(address) | lo);
  m.memory.writeU32(address + 4, m.memory.readU32(address + 4) | hi);
}

/** Clears bits in the entry that maps `va` at `level`. */
export function clearBits(m: Machine, va: number, level: 1 | 2 | 3 | 4, lo: number, hi = 0): void {
  const address = entryAt(m, va, level);
  m.memory.writeU32(address, m.memory.readU32(address) & ~lo);
  m.memory.writeU32(address + 4, m.memory.readU32(address + 4) & ~hi);
}

export function entryAt(m: Machine, va: number, level: 1 | 2 | 3 | 4): number {
  const address = m.tables.entryAddress(va, level);
  if (address === undefined) throw new Error(`no level-${level} entry for ${va}`);
  return address;
}
