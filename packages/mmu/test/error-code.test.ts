/**
 * The page-fault error code (SDM vol. 3, 4.7, figure 4-12) and the faulting
 * address that goes to CR2. Each row sets up one situation and gives the
 * code the SDM's definition of each bit prescribes.
 */
import { describe, expect, it } from 'vitest';
import { AccessMode, CR0, CR4, EFER, PFEC, PTE, PTE_HI } from '../src/index.js';
import { leaf, machine, setBits, upper } from './helpers/machine.js';

const { P, W, U, RSVD, I, PK } = PFEC;
const VA = upper(0xffff_8000_0001_2000n);
const LONG = EFER.LME | EFER.LMA;

type Kind = 'read' | 'write' | 'fetch';
const KIND = { read: 0, write: 1, fetch: 2 } as const;
const MODE = {
  sup: AccessMode.Supervisor,
  user: AccessMode.User,
  'sup+AC': AccessMode.AC,
  'implicit at CPL3': AccessMode.User | AccessMode.Implicit,
} as const;

interface Row {
  what: string;
  kind: Kind;
  mode: keyof typeof MODE;
  /** Leaf bits; undefined: the page is not mapped at all. */
  leaf?: number;
  leafHi?: number;
  cr0?: number;
  cr4?: number;
  efer?: number;
  pkru?: number;
  /** Bits to set in the PDE after mapping (for reserved-bit rows). */
  pde?: { lo?: number; hi?: number };
  code: number;
}

const rows: Row[] = [
  // P=0: not present, W/U/I still describe the access.
  { what: 'not present', kind: 'read', mode: 'sup', code: 0 },
  { what: 'not present', kind: 'write', mode: 'sup', code: W },
  { what: 'not present', kind: 'read', mode: 'user', code: U },
  { what: 'not present', kind: 'write', mode: 'user', code: W | U },
  { what: 'not present, NXE=1', kind: 'fetch', mode: 'sup', code: I },
  { what: 'not present, NXE=1', kind: 'fetch', mode: 'user', code: U | I },
  { what: 'not present, NXE=0 and SMEP=0: no I', kind: 'fetch', mode: 'user', efer: LONG, code: U },
  {
    what: 'not present, NXE=0 but SMEP=1: I',
    kind: 'fetch',
    mode: 'sup',
    efer: LONG,
    cr4: CR4.PAE | CR4.SMEP,
    code: I,
  },
  { what: 'not present, implicit supervisor access: U=0', kind: 'read', mode: 'implicit at CPL3', code: 0 },
  // RSVD: a reserved bit in a present entry; P=1 as well.
  {
    what: 'reserved PS bit 13 in the PDE',
    kind: 'read',
    mode: 'sup',
    leaf: P,
    pde: { lo: PTE.PS | (1 << 13) },
    code: P | RSVD,
  },
  {
    what: 'reserved address bit 47 in the PDE',
    kind: 'write',
    mode: 'user',
    leaf: P | PTE.RW | PTE.US,
    pde: { hi: 1 << 15 },
    code: P | RSVD | W | U,
  },
  {
    what: 'NX with NXE=0 (reserved)',
    kind: 'fetch',
    mode: 'user',
    leaf: P | PTE.US,
    leafHi: PTE_HI.NX,
    efer: LONG,
    code: P | RSVD | U,
  },
  {
    what: 'reserved bit, fetch with NXE=1',
    kind: 'fetch',
    mode: 'user',
    leaf: P | PTE.US,
    pde: { hi: 1 << 18 },
    code: P | RSVD | U | I,
  },
  // P=1: protection violations.
  { what: 'user read of a supervisor page', kind: 'read', mode: 'user', leaf: P, code: P | U },
  {
    what: 'user write to a read-only user page',
    kind: 'write',
    mode: 'user',
    leaf: P | PTE.US,
    code: P | W | U,
  },
  { what: 'supervisor write to a read-only page, WP=1', kind: 'write', mode: 'sup', leaf: P, code: P | W },
  {
    what: 'user fetch from an NX page',
    kind: 'fetch',
    mode: 'user',
    leaf: P | PTE.US,
    leafHi: PTE_HI.NX,
    code: P | U | I,
  },
  {
    what: 'supervisor fetch from an NX page',
    kind: 'fetch',
    mode: 'sup',
    leaf: P,
    leafHi: PTE_HI.NX,
    code: P | I,
  },
  {
    what: 'SMEP: supervisor fetch from a user page',
    kind: 'fetch',
    mode: 'sup',
    leaf: P | PTE.US,
    cr4: CR4.PAE | CR4.SMEP,
    code: P | I,
  },
  {
    what: 'SMEP with NXE=0: I still set',
    kind: 'fetch',
    mode: 'sup',
    leaf: P | PTE.US,
    efer: LONG,
    cr4: CR4.PAE | CR4.SMEP,
    code: P | I,
  },
  {
    what: 'SMAP: supervisor read of a user page, AC=0',
    kind: 'read',
    mode: 'sup',
    leaf: P | PTE.US,
    cr4: CR4.PAE | CR4.SMAP,
    code: P,
  },
  {
    what: 'SMAP: implicit write to a user page',
    kind: 'write',
    mode: 'implicit at CPL3',
    leaf: P | PTE.US | PTE.RW,
    cr4: CR4.PAE | CR4.SMAP,
    code: P | W,
  },
  // PK: protection keys (4.6.2), data accesses to user pages only.
  {
    what: 'PK: user read, AD',
    kind: 'read',
    mode: 'user',
    leaf: P | PTE.US,
    leafHi: 5 << 27,
    cr4: CR4.PAE | CR4.PKE,
    pkru: 1 << 10,
    code: P | U | PK,
  },
  {
    what: 'PK: user write, WD',
    kind: 'write',
    mode: 'user',
    leaf: P | PTE.US | PTE.RW,
    leafHi: 5 << 27,
    cr4: CR4.PAE | CR4.PKE,
    pkru: 1 << 11,
    code: P | W | U | PK,
  },
  {
    what: 'PK: supervisor write, WD, WP=1',
    kind: 'write',
    mode: 'sup',
    leaf: P | PTE.US | PTE.RW,
    cr4: CR4.PAE | CR4.PKE,
    pkru: 2,
    code: P | W | PK,
  },
  {
    what: 'PK set alongside R/W (its definition names no other cause)',
    kind: 'write',
    mode: 'user',
    leaf: P | PTE.US,
    cr4: CR4.PAE | CR4.PKE,
    pkru: 2,
    code: P | W | U | PK,
  },
  {
    what: 'no PK for a user access to a supervisor page',
    kind: 'read',
    mode: 'user',
    leaf: P,
    cr4: CR4.PAE | CR4.PKE,
    pkru: 1,
    code: P | U,
  },
];

function run(row: Row) {
  const m = machine({ cr0: row.cr0, cr4: row.cr4, efer: row.efer });
  if (row.leaf !== undefined) m.tables.map(VA, m.frame(), 4096, { lo: row.leaf, hi: row.leafHi ?? 0 });
  else m.tables.map(VA + 4096, m.frame(), 4096, leaf()); // tables exist, the PTE for VA does not
  if (row.pde) setBits(m, VA, 2, row.pde.lo ?? 0, row.pde.hi ?? 0);
  if (row.pkru !== undefined) m.mmu.setPkru(row.pkru);
  return m;
}

describe('page-fault error code (SDM 4.7)', () => {
  for (const row of rows) {
    it(`${row.what}: ${row.kind} by ${row.mode} -> ${row.code.toString(2).padStart(6, '0')}`, () => {
      const m = run(row);
      const address = VA + 0x123;
      expect(m.mmu.translate(address, KIND[row.kind], MODE[row.mode])).toBe(-1);
      expect(m.mmu.fault.errorCode).toBe(row.code);
      expect(m.mmu.fault.address).toBe(address);
    });
  }

  it('reports the exact linear address (CR2), lower and upper half alike', () => {
    const m = machine();
    for (const address of [0, 0x7fff_ffff_ffff, 0x1234_5678_9abc, upper(0xffff_8000_0000_0000n), -1, -4097]) {
      expect(m.mmu.translate(address, 0, AccessMode.User)).toBe(-1);
      expect(m.mmu.fault.address).toBe(address);
    }
  });

  it('reuses one fault object and leaves it alone on success', () => {
    const m = machine({ cr0: CR0.PE | CR0.PG | CR0.WP });
    const fault = m.mmu.fault;
    m.tables.map(VA, m.frame(), 4096, leaf());
    m.mmu.translate(VA + 4096, 1, 0);
    expect(m.mmu.translate(VA, 0, 0)).toBeGreaterThanOrEqual(0);
    expect(m.mmu.fault).toBe(fault);
    expect(fault).toEqual({ errorCode: W, address: VA + 4096 });
  });
});
