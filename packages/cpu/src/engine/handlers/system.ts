/**
 * System instructions: syscall/sysret, software interrupts, iretq, hlt, CPUID,
 * time stamp, MSRs, descriptor tables, TLB control, segment bases, port I/O.
 * Privileged ones raise #GP(0) outside ring 0; the hooks let a hypervisor or the
 * Linux layer take syscall, exceptions and port I/O.
 */
import type { Instruction, Operand } from '../../decoder/instruction.js';
import { OperandKind } from '../../decoder/instruction.js';
import { type Cpu, stackAddress } from '../cpu.js';
import { cpuid } from '../cpuid.js';
import { CpuFault } from '../fault.js';
import { RFLAGS } from '../flags.js';
import { deliverThroughIdt } from '../interrupts.js';
import { nextOf } from './control.js';
import { define } from './registry.js';

const TWO32 = 4294967296;
const op = (i: Instruction, n: number) => i.operands[n] as Operand;

export const MSR = {
  TSC: 0x10,
  APIC_BASE: 0x1b,
  PAT: 0x277,
  EFER: 0xc0000080,
  STAR: 0xc0000081,
  LSTAR: 0xc0000082,
  CSTAR: 0xc0000083,
  FMASK: 0xc0000084,
  FS_BASE: 0xc0000100,
  GS_BASE: 0xc0000101,
  KERNEL_GS_BASE: 0xc0000102,
  TSC_AUX: 0xc0000103,
} as const;

function privileged(c: Cpu): void {
  if (c.cpl !== 0) throw new CpuFault(13, 0);
}

function canonical(v: number): boolean {
  return v >= -(2 ** 47) && v < 2 ** 47;
}

/** Unsigned 64-bit value (as a number) → signed linear form for base registers. */
function toLinear(v: number): number {
  return v >= 2 ** 63 ? v - 2 ** 64 : v;
}

define('syscall', {
  branch: true,
  exec(c, i) {
    c.next = nextOf(i);
    c.rip = c.next;
    if (c.hooks.syscall?.(c)) {
      c.next = c.rip;
      return;
    }
    if (!(c.mmu.efer & 1)) throw new CpuFault(6, undefined);
    const flags = c.getRflags();
    c.setRegLinear(1, c.next);
    c.r[22] = flags;
    c.r[23] = 0;
    const star = c.msr.get(MSR.STAR) ?? 0;
    const fmask = c.msr.get(MSR.FMASK) ?? 0;
    c.seg[1] = Math.floor(star / TWO32) & 0xfffc;
    c.seg[2] = (c.seg[1] + 8) & 0xffff;
    c.setRflags(flags & ~(fmask % TWO32) & ~RFLAGS.RF);
    c.setCpl(0);
    c.next = toLinear(c.msr.get(MSR.LSTAR) ?? 0);
  },
});

define(['sysretq', 'sysretd'], {
  branch: true,
  exec(c, i) {
    privileged(c);
    const target = i.mnemonic === 'sysretq' ? c.regLinear(1) : (c.r[2] as number) >>> 0;
    if (!canonical(target)) throw new CpuFault(13, 0);
    const star = c.msr.get(MSR.STAR) ?? 0;
    const base = Math.floor(star / 2 ** 48) & 0xffff;
    c.seg[1] = ((i.mnemonic === 'sysretq' ? base + 16 : base) | 3) & 0xffff;
    c.seg[2] = ((base + 8) | 3) & 0xffff;
    c.setRflags(((c.r[22] as number) & 0x3c7fd7) | RFLAGS.FIXED1);
    c.setCpl(3);
    c.next = target;
  },
});

function softwareInterrupt(c: Cpu, i: Instruction, vector: number): void {
  c.next = nextOf(i);
  c.rip = c.next;
  if (c.hooks.exception?.(c, vector, undefined, 0)) {
    c.next = c.rip;
    return;
  }
  deliverThroughIdt(c, vector, undefined, true, 0);
  c.next = c.rip;
}

define('int3', { branch: true, exec: (c, i) => softwareInterrupt(c, i, 3) });
define('int1', { branch: true, exec: (c, i) => softwareInterrupt(c, i, 1) });
define('int', { branch: true, exec: (c, i) => softwareInterrupt(c, i, op(i, 0).immLo & 0xff) });

define(['iretq', 'iretd', 'iret'], {
  branch: true,
  exec(c, i) {
    if (i.mnemonic !== 'iretq') throw new CpuFault(6, undefined);
    const sp = stackAddress(c.regLinear(4));
    const rd = (k: number) => {
      const lo = c.port.read64(sp + 8 * k);
      return (c.port.hi >>> 0) * TWO32 + (lo >>> 0);
    };
    const rip = toLinear(rd(0));
    const cs = rd(1) & 0xffff;
    const flags = rd(2) % TWO32;
    const rsp = toLinear(rd(3));
    const ss = rd(4) & 0xffff;
    const newCpl = cs & 3;
    if (newCpl < c.cpl) throw new CpuFault(13, cs & 0xfffc);
    if (!canonical(rip)) throw new CpuFault(13, 0);
    let allowed =
      RFLAGS.CF |
      RFLAGS.PF |
      RFLAGS.AF |
      RFLAGS.ZF |
      RFLAGS.SF |
      RFLAGS.TF |
      RFLAGS.DF |
      RFLAGS.OF |
      RFLAGS.NT |
      RFLAGS.AC |
      RFLAGS.ID |
      RFLAGS.RF;
    if (c.cpl === 0) allowed |= RFLAGS.IF | RFLAGS.IOPL | RFLAGS.VIF | RFLAGS.VIP;
    else if (c.cpl <= ((c.getRflags() >> 12) & 3)) allowed |= RFLAGS.IF;
    c.setRflags((c.getRflags() & ~allowed) | (flags & allowed));
    c.seg[1] = cs;
    c.seg[2] = ss;
    c.setRegLinear(4, rsp);
    c.setCpl(newCpl);
    c.next = rip;
  },
});

define('hlt', {
  branch: true,
  exec(c, i) {
    privileged(c);
    c.next = nextOf(i);
    c.rip = c.next;
    if (c.hooks.halt?.(c)) {
      c.next = c.rip;
      return;
    }
    c.halt();
  },
});

define('cpuid', {
  exec(c) {
    const [a, b, cx, d] = cpuid(c.profile, c.r[0] as number, c.r[2] as number);
    const r = c.r;
    r[0] = a;
    r[1] = 0;
    r[6] = b;
    r[7] = 0;
    r[2] = cx;
    r[3] = 0;
    r[4] = d;
    r[5] = 0;
  },
});

/** The time stamp counter: guest instructions retired, so runs are reproducible. */
function tsc(c: Cpu): number {
  return c.instructions + c.k;
}

define('rdtsc', {
  exec(c) {
    const t = tsc(c);
    c.r[0] = (t % TWO32) | 0;
    c.r[1] = 0;
    c.r[4] = Math.floor(t / TWO32) | 0;
    c.r[5] = 0;
  },
});

define('rdtscp', {
  exec(c) {
    const t = tsc(c);
    c.r[0] = (t % TWO32) | 0;
    c.r[1] = 0;
    c.r[4] = Math.floor(t / TWO32) | 0;
    c.r[5] = 0;
    c.r[2] = (c.msr.get(MSR.TSC_AUX) ?? 0) | 0;
    c.r[3] = 0;
  },
});

export function readMsr(c: Cpu, n: number): number {
  switch (n) {
    case MSR.EFER:
      return c.mmu.efer;
    case MSR.FS_BASE:
      return c.fsBase < 0 ? c.fsBase + 2 ** 64 : c.fsBase;
    case MSR.GS_BASE:
      return c.gsBase < 0 ? c.gsBase + 2 ** 64 : c.gsBase;
    case MSR.KERNEL_GS_BASE:
      return c.kernelGsBase < 0 ? c.kernelGsBase + 2 ** 64 : c.kernelGsBase;
    case MSR.TSC:
      return tsc(c);
    case MSR.STAR:
    case MSR.LSTAR:
    case MSR.CSTAR:
    case MSR.FMASK:
    case MSR.TSC_AUX:
    case MSR.PAT:
    case MSR.APIC_BASE:
      return c.msr.get(n) ?? (n === MSR.PAT ? 0x0007040600070406 : 0);
    default:
      throw new CpuFault(13, 0);
  }
}

export function writeMsr(c: Cpu, n: number, v: number): void {
  switch (n) {
    case MSR.EFER:
      c.mmu.setEfer(v % TWO32);
      return;
    case MSR.FS_BASE:
    case MSR.GS_BASE:
    case MSR.KERNEL_GS_BASE:
    case MSR.LSTAR:
    case MSR.CSTAR: {
      const lin = toLinear(v);
      if (!canonical(lin)) throw new CpuFault(13, 0);
      if (n === MSR.FS_BASE) c.fsBase = lin;
      else if (n === MSR.GS_BASE) c.gsBase = lin;
      else if (n === MSR.KERNEL_GS_BASE) c.kernelGsBase = lin;
      else c.msr.set(n, v);
      return;
    }
    case MSR.STAR:
    case MSR.FMASK:
    case MSR.TSC_AUX:
    case MSR.PAT:
    case MSR.APIC_BASE:
      c.msr.set(n, v);
      return;
    default:
      throw new CpuFault(13, 0);
  }
}

define('rdmsr', {
  exec(c) {
    privileged(c);
    const v = readMsr(c, (c.r[2] as number) >>> 0);
    c.r[0] = (v % TWO32) | 0;
    c.r[1] = 0;
    c.r[4] = Math.floor(v / TWO32) | 0;
    c.r[5] = 0;
  },
});

define('wrmsr', {
  ends: true,
  exec(c) {
    privileged(c);
    const v = ((c.r[4] as number) >>> 0) * TWO32 + ((c.r[0] as number) >>> 0);
    writeMsr(c, (c.r[2] as number) >>> 0, v);
  },
});

define('swapgs', {
  exec(c) {
    privileged(c);
    const t = c.gsBase;
    c.gsBase = c.kernelGsBase;
    c.kernelGsBase = t;
  },
});

/** rdfsbase & co. need CR4.FSGSBASE (bit 16). */
function fsgsbase(c: Cpu): void {
  if (!(c.mmu.cr4 & (1 << 16))) throw new CpuFault(6, undefined);
}

define(['rdfsbase', 'rdgsbase'], {
  exec(c, i) {
    fsgsbase(c);
    const v = i.mnemonic === 'rdfsbase' ? c.fsBase : c.gsBase;
    c.write(i, op(i, 0), (v % TWO32) | 0, Math.floor(v / TWO32) | 0);
  },
});

define(['wrfsbase', 'wrgsbase'], {
  exec(c, i) {
    fsgsbase(c);
    const d = op(i, 0);
    const lo = c.read(i, d);
    const v = d.size === 8 ? c.hi * TWO32 + (lo >>> 0) : lo >>> 0;
    if (!canonical(v)) throw new CpuFault(13, 0);
    if (i.mnemonic === 'wrfsbase') c.fsBase = v;
    else c.gsBase = v;
  },
});

function iopl(c: Cpu): number {
  return (c.sysFlags >> 12) & 3;
}

define('cli', {
  exec(c) {
    if (c.cpl > iopl(c)) throw new CpuFault(13, 0);
    c.sysFlags &= ~RFLAGS.IF;
  },
});

define('sti', {
  ends: true,
  exec(c) {
    if (c.cpl > iopl(c)) throw new CpuFault(13, 0);
    c.sysFlags |= RFLAGS.IF;
  },
});

define('clac', {
  ends: true,
  exec(c) {
    privileged(c);
    c.setRflags(c.getRflags() & ~RFLAGS.AC);
  },
});

define('stac', {
  ends: true,
  exec(c) {
    privileged(c);
    c.setRflags(c.getRflags() | RFLAGS.AC);
  },
});

function portOf(c: Cpu, i: Instruction, o: Operand): number {
  return o.kind === OperandKind.Imm ? o.immLo & 0xff : c.read(i, o, 2) & 0xffff;
}

define('in', {
  exec(c, i) {
    if (c.cpl > iopl(c)) throw new CpuFault(13, 0);
    const d = op(i, 0);
    const v = c.hooks.portIn ? c.hooks.portIn(c, portOf(c, i, op(i, 1)), d.size) : -1;
    c.write(i, d, v, 0);
  },
});

define('out', {
  exec(c, i) {
    if (c.cpl > iopl(c)) throw new CpuFault(13, 0);
    const s = op(i, 1);
    c.hooks.portOut?.(c, portOf(c, i, op(i, 0)), s.size, c.read(i, s));
  },
});

function readTable(c: Cpu, i: Instruction): { base: number; limit: number } {
  const a = c.ea(i, op(i, 0));
  const limit = c.port.read16(a);
  const lo = c.port.read64(a + 2);
  return { limit, base: c.port.hi * TWO32 + (lo >>> 0) };
}

function writeTable(c: Cpu, i: Instruction, t: { base: number; limit: number }): void {
  const a = c.ea(i, op(i, 0));
  c.port.probeWrite(a, 10);
  c.port.write16(a, t.limit);
  c.port.write64(a + 2, (t.base % TWO32) | 0, Math.floor(t.base / TWO32) | 0);
}

define('lgdt', {
  exec(c, i) {
    privileged(c);
    c.gdtr = readTable(c, i);
  },
});
define('lidt', {
  exec(c, i) {
    privileged(c);
    c.idtr = readTable(c, i);
  },
});
define('sgdt', { exec: (c, i) => writeTable(c, i, c.gdtr) });
define('sidt', { exec: (c, i) => writeTable(c, i, c.idtr) });

define('ltr', {
  exec(c, i) {
    privileged(c);
    const sel = c.read(i, op(i, 0), 2) & 0xffff;
    if ((sel & 0xfff8) === 0) throw new CpuFault(13, 0);
    // A 16-byte system descriptor in the GDT (SDM vol. 3, 7.2.3).
    const d = c.gdtr.base + (sel & 0xfff8);
    const saved = c.cpl;
    let lo: number;
    let hi: number;
    let upper: number;
    try {
      c.setCpl(0);
      lo = c.port.read32(d);
      hi = c.port.read32(d + 4);
      upper = c.port.read32(d + 8);
    } finally {
      c.setCpl(saved);
    }
    const base = (upper | 0) * TWO32 + (((hi & 0xff000000) | ((hi & 0xff) << 16) | (lo >>> 16)) >>> 0);
    c.tr = sel;
    c.tssBase = base;
  },
});

define('str', { exec: (c, i) => c.write(i, op(i, 0), c.tr, 0) });

define('invlpg', {
  exec(c, i) {
    privileged(c);
    c.mmu.invlpg(c.ea(i, op(i, 0)));
  },
});

define(['invd', 'wbinvd', 'clts'], {
  exec(c) {
    privileged(c);
  },
});

define('clflush', {
  exec(c, i) {
    c.port.read8(c.ea(i, op(i, 0)));
  },
});

define('xgetbv', {
  exec() {
    // XSAVE is not advertised (CPUID.1:ECX.OSXSAVE = 0): xgetbv is #UD as on such a CPU.
    throw new CpuFault(6, undefined);
  },
});

define('smsw', {
  exec(c, i) {
    c.write(i, op(i, 0), c.mmu.cr0 & 0xffff, 0);
  },
});
