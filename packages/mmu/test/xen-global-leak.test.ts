/**
 * The 2007 Solaris-on-Xen kernel-memory leak (notes/xen-pv-abi.md), made
 * observable. A 64-bit PV kernel runs in ring 3, so Xen keeps two page-table
 * bases per vCPU, kernel and user, and switches CR3 on every kernel/user
 * transition. Since 3.0.3 Xen adjusts each present L1 entry a guest writes:
 * one without USER gets USER plus software bit 52 ("guest kernel"); one with
 * USER is taken for a user mapping and gets GLOBAL, so that user TLB entries
 * survive the switch. A guest that still set USER on its kernel mappings got
 * global kernel mappings, which stay in the TLB across the CR3 load into the
 * user tables (SDM vol. 3, 4.10.4.1: MOV to CR3 keeps global entries), where
 * user code can read them though its own tables do not map them.
 */
import { describe, expect, it } from 'vitest';
import { CR0, CR4, EFER, Mmu, PAGE_SIZE, PageTables, PFEC, PhysicalMemory, PTE } from '../src/index.js';
import { R, SUP, USER, upper, W } from './helpers/machine.js';

const KERNEL_VA = upper(0xffff_ff00_0010_0000n);
const USER_VA = 0x0000_0000_0040_0000;
const SECRET = new TextEncoder().encode('root:$1$kernel-only:0:0');
const GUEST_KERNEL = 1 << 20; // bit 52 in the high word

/** Xen >= 3.0.3's adjustment of a 64-bit PV guest's L1 entry, for the guest's (lo, hi). */
function xenAdjustL1(lo: number, hi: number): { lo: number; hi: number } {
  if ((lo & PTE.P) === 0) return { lo, hi };
  if ((lo & PTE.US) !== 0) return { lo: lo | PTE.G, hi };
  return { lo: lo | PTE.US, hi: hi | GUEST_KERNEL };
}

interface Scenario {
  /** The guest sets USER on its kernel mappings (what Solaris did). */
  guestSetsUserOnKernel: boolean;
  pge: boolean;
  /** How the kernel touches its page before returning to user mode. */
  touch: 'supervisor' | 'ring-3 kernel';
  /** The kernel only reads the page (a clean TLB entry) instead of writing its secret there. */
  read?: boolean;
}

function setUp(s: Scenario) {
  const memory = new PhysicalMemory({ bytes: 4 << 20 });
  const domain = 3;
  const kernelFrame = memory.allocFrame(domain) * PAGE_SIZE;
  const userFrame = memory.allocFrame(domain) * PAGE_SIZE;

  const kernelTables = new PageTables(memory, domain);
  const userTables = new PageTables(memory, domain);
  const kernelPte = xenAdjustL1(PTE.P | PTE.RW | (s.guestSetsUserOnKernel ? PTE.US : 0), 0);
  const userPte = xenAdjustL1(PTE.P | PTE.RW | PTE.US, 0);
  kernelTables.map(KERNEL_VA, kernelFrame, PAGE_SIZE, kernelPte);
  kernelTables.map(USER_VA, userFrame, PAGE_SIZE, userPte);
  userTables.map(USER_VA, userFrame, PAGE_SIZE, userPte); // the user tables do not map the kernel

  const mmu = new Mmu(memory);
  mmu.setCr4(CR4.PAE | (s.pge ? CR4.PGE : 0));
  mmu.setEfer(EFER.LME | EFER.LMA | EFER.NXE);
  mmu.setCr3(kernelTables.root);
  mmu.setCr0(CR0.PE | CR0.WP | CR0.PG);

  // In the kernel: write to the kernel page (its secret is there); the translation enters the TLB, dirty.
  memory.write(kernelFrame, SECRET);
  const pa = mmu.translate(KERNEL_VA, s.read ? R : W, s.touch === 'supervisor' ? SUP : USER);
  expect(pa).toBe(kernelFrame);
  // Return to user mode: Xen loads the user page-table base.
  mmu.setCr3(userTables.root);
  return { memory, mmu, kernelFrame, kernelPte };
}

describe('Solaris 2007: global kernel mappings visible from user mode after a CR3 switch', () => {
  for (const touch of ['supervisor', 'ring-3 kernel'] as const) {
    it(`US=1 and G=1 on a kernel page, CR4.PGE=1: user mode reads it from the TLB (${touch} touch)`, () => {
      const { memory, mmu, kernelFrame, kernelPte } = setUp({
        guestSetsUserOnKernel: true,
        pge: true,
        touch,
      });
      expect(kernelPte.lo & (PTE.US | PTE.G)).toBe(PTE.US | PTE.G);
      // The user tables have no mapping at all for the kernel address ...
      expect(mmu.walk(KERNEL_VA)).toMatchObject({ ok: false, level: 4, reason: 'not-present' });
      const misses = mmu.tlb.stats.misses;
      // ... yet the global entry survived the CR3 load and user mode reads (and writes) the kernel page.
      expect(mmu.tlb.lookup(KERNEL_VA)).toMatchObject({
        global: true,
        user: true,
        pfn: kernelFrame / PAGE_SIZE,
      });
      const pa = mmu.translate(KERNEL_VA, R, USER);
      expect(pa).toBe(kernelFrame);
      expect(new TextDecoder().decode(memory.read(pa, SECRET.length))).toBe('root:$1$kernel-only:0:0');
      expect(mmu.translate(KERNEL_VA + 8, W, USER)).toBe(kernelFrame + 8);
      expect(mmu.tlb.stats.misses).toBe(misses);
      // Only an invalidation of the page (or a PGE toggle) ends it.
      mmu.invlpg(KERNEL_VA);
      expect(mmu.translate(KERNEL_VA, R, USER)).toBe(-1);
      expect(mmu.fault).toEqual({ errorCode: PFEC.U, address: KERNEL_VA });
    });
  }

  it('G=0 (no global bit on the kernel page): the user read faults, not present', () => {
    // The same page tables but without Xen's GLOBAL: what a guest gets when the kernel page lacks G.
    const memory = new PhysicalMemory({ bytes: 4 << 20 });
    const kernelFrame = memory.allocFrame(0) * PAGE_SIZE;
    const kernelTables = new PageTables(memory, 0);
    const userTables = new PageTables(memory, 0);
    kernelTables.map(KERNEL_VA, kernelFrame, PAGE_SIZE, { lo: PTE.P | PTE.RW | PTE.US, hi: 0 });
    const mmu = new Mmu(memory);
    mmu.setCr4(CR4.PAE | CR4.PGE);
    mmu.setEfer(EFER.LME | EFER.LMA | EFER.NXE);
    mmu.setCr3(kernelTables.root);
    mmu.setCr0(CR0.PE | CR0.WP | CR0.PG);
    expect(mmu.translate(KERNEL_VA, R, SUP)).toBe(kernelFrame);
    expect(mmu.tlb.lookup(KERNEL_VA)?.global).toBe(false);
    mmu.setCr3(userTables.root);
    expect(mmu.tlb.lookup(KERNEL_VA)).toBeUndefined();
    expect(mmu.translate(KERNEL_VA, R, USER)).toBe(-1);
    expect(mmu.fault).toEqual({ errorCode: PFEC.U, address: KERNEL_VA });
  });

  it('a kernel that only read the page leaks it read-only: a user write walks again for D and faults (4.8)', () => {
    const { mmu, kernelFrame } = setUp({
      guestSetsUserOnKernel: true,
      pge: true,
      touch: 'supervisor',
      read: true,
    });
    expect(mmu.tlb.lookup(KERNEL_VA)).toMatchObject({ global: true, dirty: false });
    expect(mmu.translate(KERNEL_VA, R, USER)).toBe(kernelFrame);
    expect(mmu.translate(KERNEL_VA, W, USER)).toBe(-1);
    expect(mmu.fault).toEqual({ errorCode: PFEC.W | PFEC.U, address: KERNEL_VA });
    // The fault dropped the entry (4.10.4.1), which ends the leak.
    expect(mmu.translate(KERNEL_VA, R, USER)).toBe(-1);
  });

  it('G=1 but CR4.PGE=0: the G bit has no effect and the user read faults, not present', () => {
    const { mmu, kernelPte } = setUp({ guestSetsUserOnKernel: true, pge: false, touch: 'supervisor' });
    expect(kernelPte.lo & PTE.G).toBe(PTE.G);
    expect(mmu.tlb.lookup(KERNEL_VA)).toBeUndefined();
    expect(mmu.translate(KERNEL_VA, R, USER)).toBe(-1);
    expect(mmu.fault.errorCode).toBe(PFEC.U);
  });

  it('a guest that leaves USER off its kernel mappings gets USER + bit 52 and no G: no leak', () => {
    const { mmu, kernelPte } = setUp({ guestSetsUserOnKernel: false, pge: true, touch: 'ring-3 kernel' });
    expect(kernelPte).toEqual({ lo: PTE.P | PTE.RW | PTE.US, hi: GUEST_KERNEL });
    expect(mmu.translate(KERNEL_VA, R, USER)).toBe(-1);
    expect(mmu.fault.errorCode).toBe(PFEC.U);
  });

  it('the user page itself is global too, and survives the switch back to the kernel tables', () => {
    const { mmu } = setUp({ guestSetsUserOnKernel: false, pge: true, touch: 'supervisor' });
    mmu.translate(USER_VA, R, USER);
    expect(mmu.tlb.lookup(USER_VA)?.global).toBe(true);
    const misses = mmu.tlb.stats.misses;
    mmu.setCr3(mmu.cr3); // any CR3 load, as on the next kernel entry
    expect(mmu.translate(USER_VA, R, USER)).toBeGreaterThan(0);
    expect(mmu.tlb.stats.misses).toBe(misses);
  });
});
