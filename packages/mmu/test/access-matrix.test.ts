/**
 * The access-rights matrix: U/S x R/W x CR0.WP x NX/EFER.NXE x CR4.SMEP x
 * CR4.SMAP x EFLAGS.AC x implicit x PKRU, for reads, writes and fetches, in
 * user and supervisor mode. The expected outcomes come from the SDM's rules
 * written out below as tables, row by row from the text of vol. 3, 4.6.1
 * (determination of access rights) and 4.6.2 (protection keys); the error
 * code from 4.7. A test first checks that the tables are complete and
 * unambiguous: exactly one row matches every combination.
 *
 * Every combination runs twice: through a page walk (TLB miss), and through a
 * TLB entry cached beforehand by an allowed access (TLB hit), which must
 * decide the same (4.10.2.2: the TLB caches the entry's rights, and the
 * current control bits apply).
 */
import { describe, expect, it } from 'vitest';
import { AccessMode, CR0, CR4, EFER, PFEC, PTE, PTE_HI } from '../src/index.js';
import { machine } from './helpers/machine.js';

type Mode = 'U' | 'S' | 'I';
type Kind = 'R' | 'W' | 'X';
interface Case {
  mode: Mode;
  kind: Kind;
  page: 'U' | 'S';
  RW: number;
  NX: number;
  WP: number;
  NXE: number;
  SMEP: number;
  SMAP: number;
  AC: number;
}

/**
 * SDM 4.6.1, "Determination of Access Rights". S = explicit supervisor-mode
 * access (CPL < 3), I = implicit supervisor-mode access (descriptor tables,
 * at any CPL), U = user-mode access (CPL 3, explicit). page = the address's
 * mode (U/S=1 at every level or not). `*` matches anything. The case NX=1
 * with NXE=0 is not a rights question: bit 63 is reserved then (see RESERVED).
 */
const RIGHTS = `
  mode kind page RW NX WP NXE SMEP SMAP AC  result
  # Supervisor-mode data reads
  S/I  R    S    *  *  *  *   *    *    *   ok     # "may be read from any supervisor-mode address"
  S/I  R    U    *  *  *  *   *    0    *   ok     # user-mode address, SMAP=0
  S    R    U    *  *  *  *   *    1    1   ok     # SMAP=1: explicit with AC=1
  S    R    U    *  *  *  *   *    1    0   fault  # SMAP=1: AC=0
  I    R    U    *  *  *  *   *    1    *   fault  # SMAP=1: implicit
  # Supervisor-mode data writes
  S/I  W    S    *  *  0  *   *    *    *   ok     # WP=0: any supervisor-mode address
  S/I  W    S    1  *  1  *   *    *    *   ok     # WP=1: R/W=1 at every level
  S/I  W    S    0  *  1  *   *    *    *   fault
  S/I  W    U    *  *  0  *   *    0    *   ok     # WP=0, SMAP=0: any user-mode address
  S    W    U    *  *  0  *   *    1    1   ok     # WP=0, SMAP=1, explicit, AC=1
  S    W    U    *  *  0  *   *    1    0   fault
  I    W    U    *  *  0  *   *    1    *   fault
  S/I  W    U    1  *  1  *   *    0    *   ok     # WP=1, SMAP=0: R/W=1
  S/I  W    U    0  *  1  *   *    0    *   fault
  S    W    U    1  *  1  *   *    1    1   ok     # WP=1, SMAP=1: explicit, AC=1 and R/W=1
  S    W    U    0  *  1  *   *    1    1   fault
  S    W    U    *  *  1  *   *    1    0   fault
  I    W    U    *  *  1  *   *    1    *   fault
  # Supervisor-mode instruction fetches
  S/I  X    S    *  *  *  0   *    *    *   ok     # NXE=0: any supervisor-mode address
  S/I  X    S    *  0  *  1   *    *    *   ok     # NXE=1: XD=0 at every level
  S/I  X    S    *  1  *  1   *    *    *   fault
  S/I  X    U    *  *  *  *   1    *    *   fault  # SMEP=1: never from user-mode addresses
  S/I  X    U    *  *  *  0   0    *    *   ok     # SMEP=0, NXE=0
  S/I  X    U    *  0  *  1   0    *    *   ok     # SMEP=0, NXE=1, XD=0
  S/I  X    U    *  1  *  1   0    *    *   fault
  # User-mode accesses
  U    R    S    *  *  *  *   *    *    *   fault  # never from supervisor-mode addresses
  U    R    U    *  *  *  *   *    *    *   ok
  U    W    S    *  *  *  *   *    *    *   fault
  U    W    U    1  *  *  *   *    *    *   ok     # R/W=1 at every level, whatever CR0.WP
  U    W    U    0  *  *  *   *    *    *   fault
  U    X    S    *  *  *  *   *    *    *   fault
  U    X    U    *  *  *  0   *    *    *   ok     # NXE=0
  U    X    U    *  0  *  1   *    *    *   ok     # NXE=1, XD=0
  U    X    U    *  1  *  1   *    *    *   fault
`;

/**
 * SDM 4.6.2, "Protection Keys", with CR4.PKE=1, for the page's key i:
 * AD_i forbids data accesses to user-mode addresses; WD_i forbids user-mode
 * writes, and supervisor-mode writes when CR0.WP=1. Fetches and
 * supervisor-mode addresses are never checked.
 */
const PKEYS = `
  PKE kind page AD WD mode WP  result
  0   *    *    *  *  *    *   none
  1   X    *    *  *  *    *   none
  1   R/W  S    *  *  *    *   none
  1   R/W  U    1  *  *    *   pk
  1   R    U    0  *  *    *   none
  1   W    U    0  0  *    *   none
  1   W    U    0  1  U    *   pk
  1   W    U    0  1  S/I  1   pk
  1   W    U    0  1  S/I  0   none
`;

/** NX=1 with EFER.NXE=0 sets a reserved bit (4.5, tables 4-15 to 4-20): #PF with P and RSVD, before any rights. */
const RESERVED = (c: Case) => c.NX === 1 && c.NXE === 0;

interface Row {
  fields: Record<string, string>;
  result: string;
  line: string;
}

function parse(table: string): Row[] {
  const lines = table
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l.length > 0);
  const header = lines[0]!.split(/\s+/);
  return lines.slice(1).map((line) => {
    const cells = line.split(/\s+/);
    const fields: Record<string, string> = {};
    for (let i = 0; i < header.length - 1; i++) fields[header[i]!] = cells[i]!;
    return { fields, result: cells[header.length - 1]!, line };
  });
}

function matches(row: Row, values: Record<string, string | number>): boolean {
  return Object.entries(row.fields).every(
    ([name, cell]) => cell === '*' || cell.split('/').includes(String(values[name])),
  );
}

function only(rows: Row[], values: Record<string, string | number>): Row {
  const hits = rows.filter((r) => matches(r, values));
  if (hits.length !== 1) {
    throw new Error(
      `${hits.length} rows match ${JSON.stringify(values)}:\n${hits.map((h) => h.line).join('\n')}`,
    );
  }
  return hits[0]!;
}

const rights = parse(RIGHTS);
const pkeys = parse(PKEYS);
const BITS = [0, 1] as const;

function* cases(): Generator<Case> {
  for (const mode of ['U', 'S', 'I'] as const)
    for (const kind of ['R', 'W', 'X'] as const)
      for (const page of ['U', 'S'] as const)
        for (const RW of BITS)
          for (const NX of BITS)
            for (const WP of BITS)
              for (const NXE of BITS)
                for (const SMEP of BITS)
                  for (const SMAP of BITS)
                    for (const AC of BITS) yield { mode, kind, page, RW, NX, WP, NXE, SMEP, SMAP, AC };
}

/** The PKRU settings tried, for key 1 (bits 2 and 3). */
const PKRU_CASES = [
  { name: 'PKRU=0', pkru: 0, AD: 0, WD: 0 },
  { name: 'AD1', pkru: 1 << 2, AD: 1, WD: 0 },
  { name: 'WD1', pkru: 1 << 3, AD: 0, WD: 1 },
  // Denying every other key changes nothing for key 1.
  { name: 'all but key 1', pkru: ~(3 << 2) >>> 0, AD: 0, WD: 0 },
];

/** The error code 4.7 gives for a case that faults. */
function expectedCode(c: Case, reserved: boolean, pk: boolean): number {
  let code = PFEC.P;
  if (reserved) code |= PFEC.RSVD;
  if (c.kind === 'W') code |= PFEC.W;
  if (c.mode === 'U') code |= PFEC.U; // implicit supervisor accesses are not user-mode even at CPL 3
  if (c.kind === 'X' && (c.NXE === 1 || c.SMEP === 1)) code |= PFEC.I;
  if (pk) code |= PFEC.PK;
  return code;
}

function expected(c: Case, PKE: number, AD: number, WD: number): number {
  if (RESERVED(c)) return expectedCode(c, true, false);
  const allowed = only(rights, { ...c }).result === 'ok';
  const pk = only(pkeys, { PKE, kind: c.kind, page: c.page, AD, WD, mode: c.mode, WP: c.WP }).result === 'pk';
  return allowed && !pk ? 0 : expectedCode(c, false, pk);
}

/** The access modes a table mode stands for: implicit accesses both at CPL 0 and at CPL 3. */
function modeBits(mode: Mode, AC: number): number[] {
  const ac = AC ? AccessMode.AC : 0;
  if (mode === 'U') return [AccessMode.User | ac];
  if (mode === 'S') return [ac];
  return [AccessMode.Implicit | ac, AccessMode.Implicit | AccessMode.User | ac];
}

const KINDS = { R: 0, W: 1, X: 2 } as const;
const BASE = 0x0000_1234_0000_0000;

/** Virtual address of the test page with the given U/S, R/W, NX. */
function pageVa(page: 'U' | 'S', RW: number, NX: number): number {
  return BASE + ((page === 'U' ? 1 : 0) | (RW << 1) | (NX << 2)) * 4096;
}

describe('access-rights tables (SDM 4.6.1, 4.6.2)', () => {
  it('match exactly one row for every combination', () => {
    let count = 0;
    for (const c of cases()) {
      if (!RESERVED(c)) only(rights, { ...c });
      for (const PKE of BITS)
        for (const AD of BITS)
          for (const WD of BITS)
            only(pkeys, { PKE, kind: c.kind, page: c.page, AD, WD, mode: c.mode, WP: c.WP });
      count++;
    }
    expect(count).toBe(3 * 3 * 2 * 2 ** 7);
  });
});

describe('access matrix through translate (SDM 4.6, 4.7)', () => {
  for (const WP of BITS)
    for (const NXE of BITS)
      for (const SMEP of BITS)
        for (const SMAP of BITS)
          for (const PKE of BITS) {
            const name = `WP=${WP} NXE=${NXE} SMEP=${SMEP} SMAP=${SMAP} PKE=${PKE}`;
            it(`${name}: every mode, kind, page, AC and PKRU, on a TLB miss and a TLB hit`, () => {
              const m = machine({
                cr0: CR0.PE | CR0.PG | (WP ? CR0.WP : 0),
                cr4: CR4.PAE | (SMEP ? CR4.SMEP : 0) | (SMAP ? CR4.SMAP : 0) | (PKE ? CR4.PKE : 0),
                efer: EFER.LME | EFER.LMA | (NXE ? EFER.NXE : 0),
              });
              for (const page of ['U', 'S'] as const)
                for (const RW of BITS)
                  for (const NX of BITS) {
                    // D already set, so that a write can be answered by the TLB; key 1 on every page.
                    const lo = PTE.P | PTE.D | (page === 'U' ? PTE.US : 0) | (RW ? PTE.RW : 0);
                    const hi = (NX ? PTE_HI.NX : 0) | (1 << PTE_HI.PKEY_SHIFT);
                    m.tables.map(pageVa(page, RW, NX), m.frame(), 4096, { lo, hi });
                  }
              let checked = 0;
              for (const c of cases()) {
                if (c.WP !== WP || c.NXE !== NXE || c.SMEP !== SMEP || c.SMAP !== SMAP) continue;
                const va = pageVa(c.page, c.RW, c.NX) + 0x10;
                for (const p of PKE ? PKRU_CASES : PKRU_CASES.slice(0, 1)) {
                  const code = expected(c, PKE, p.AD, p.WD);
                  for (const mode of modeBits(c.mode, c.AC)) {
                    const label = `${JSON.stringify(c)} ${p.name} mode=${mode}`;
                    // TLB miss.
                    m.mmu.flushAll();
                    m.mmu.setPkru(p.pkru);
                    const pa = m.mmu.translate(va, KINDS[c.kind], mode);
                    expect(pa === -1 ? m.mmu.fault.errorCode : 0, label).toBe(code);
                    // TLB hit: cache the page with an access every row allows (explicit supervisor read, AC=1, PKRU=0).
                    if (RESERVED(c)) continue;
                    m.mmu.flushAll();
                    m.mmu.setPkru(0);
                    expect(m.mmu.translate(va, 0, AccessMode.AC), label).not.toBe(-1);
                    m.mmu.setPkru(p.pkru);
                    const hits = m.mmu.tlb.stats.hits;
                    const again = m.mmu.translate(va, KINDS[c.kind], mode);
                    expect(m.mmu.tlb.stats.hits, `${label} (hit)`).toBe(hits + 1);
                    expect(again === -1 ? m.mmu.fault.errorCode : 0, `${label} (hit)`).toBe(code);
                    checked++;
                  }
                }
              }
              expect(checked).toBeGreaterThan(0);
            });
          }
});
