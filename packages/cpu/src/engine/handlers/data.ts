/** Data movement: mov and its extending forms, lea, xchg, stack, conversions, flag transfers. */
import { type Instruction, type Operand, OperandKind, RegClass } from '../../decoder/instruction.js';
import { type Cpu, stackAddress } from '../cpu.js';
import { CpuFault } from '../fault.js';
import { computeFlags, conditionHolds, RFLAGS, setKnownFlags } from '../flags.js';
import { define } from './registry.js';

type Op = Operand;
const op = (i: Instruction, n: number) => i.operands[n] as Op;
const TWO32 = 4294967296;

define('mov', {
  endsIf: (i) => i.operands.some((o) => o.regClass === RegClass.Cr || o.regClass === RegClass.Seg),
  exec(c, i) {
    const d = op(i, 0);
    const s = op(i, 1);
    if (d.regClass === RegClass.Seg && d.kind === OperandKind.Reg) {
      c.seg[d.reg] = c.read(i, s, 2);
      return;
    }
    if (s.regClass === RegClass.Seg && s.kind === OperandKind.Reg) {
      c.write(i, d, c.seg[s.reg] as number, 0, d.kind === OperandKind.Mem ? 2 : d.size);
      return;
    }
    if (d.regClass === RegClass.Cr || s.regClass === RegClass.Cr) {
      if (c.cpl !== 0) throw new CpuFault(13, 0);
      if (d.regClass === RegClass.Cr) {
        c.writeCr(d.reg, c.regLinearUnsigned(s.reg));
      } else {
        c.setRegLinear(d.reg, c.readCr(s.reg));
      }
      return;
    }
    if (d.regClass === RegClass.Dr || s.regClass === RegClass.Dr) {
      if (c.cpl !== 0) throw new CpuFault(13, 0);
      if (s.regClass === RegClass.Dr) c.write(i, d, 0, 0, 8);
      return;
    }
    const lo = c.read(i, s, d.size);
    c.write(i, d, lo, d.size === 8 ? c.hi : 0, d.size);
  },
});

define('movzx', {
  exec(c, i) {
    c.write(i, op(i, 0), c.read(i, op(i, 1)), 0);
  },
});

define(['movsx', 'movsxd'], {
  exec(c, i) {
    const s = op(i, 1);
    let v = c.read(i, s);
    if (s.size === 1) v = (v << 24) >> 24;
    else if (s.size === 2) v = (v << 16) >> 16;
    c.write(i, op(i, 0), v, v >> 31);
  },
});

define('lea', {
  exec(c, i) {
    const d = op(i, 0);
    const lo = c.eaHalves(i, op(i, 1));
    c.write(i, d, lo, c.hi);
  },
});

define('xchg', {
  exec(c, i) {
    const a = op(i, 0);
    const b = op(i, 1);
    const size = a.size;
    const al = c.read(i, a);
    const ah = c.hi;
    const bl = c.read(i, b);
    const bh = c.hi;
    // Memory first, so a fault leaves the register untouched.
    if (a.kind === OperandKind.Mem) {
      c.write(i, a, bl, bh, size);
      c.write(i, b, al, ah, size);
    } else {
      c.write(i, b, al, ah, size);
      c.write(i, a, bl, bh, size);
    }
  },
});

define('nop', { exec() {} });
define([
  'endbr64',
  'endbr32',
  'pause',
  'prefetchnta',
  'prefetcht0',
  'prefetcht1',
  'prefetcht2',
  'prefetch',
  'prefetchw',
  'prefetchwt1',
  'lfence',
  'sfence',
  'mfence',
  'wait',
  'rdsspq',
  'rdsspd',
  'incsspq',
  'incsspd',
], {
  exec() {},
});

function pushValue(c: Cpu, size: number, lo: number, hi: number): void {
  if (size === 8) {
    c.push64(lo, hi);
  } else {
    const sp = stackAddress(c.regLinear(4) - 2);
    c.port.write16(sp, lo);
    c.setRegLinear(4, sp);
  }
}

define('push', {
  exec(c, i) {
    const s = op(i, 0);
    let lo: number;
    let hi = 0;
    if (s.regClass === RegClass.Seg && s.kind === OperandKind.Reg) {
      lo = c.seg[s.reg] as number;
    } else {
      lo = c.read(i, s, i.opSize);
      hi = i.opSize === 8 ? c.hi : 0;
      if (s.kind === OperandKind.Imm && i.opSize === 8) hi = lo >> 31;
    }
    pushValue(c, i.opSize, lo, hi);
  },
});

define('pop', {
  exec(c, i) {
    const d = op(i, 0);
    const sp = stackAddress(c.regLinear(4));
    let lo: number;
    let hi = 0;
    if (i.opSize === 8) {
      lo = c.port.read64(sp);
      hi = c.port.hi;
    } else {
      lo = c.port.read16(sp);
    }
    if (d.regClass === RegClass.Seg && d.kind === OperandKind.Reg) {
      c.seg[d.reg] = lo;
      c.setRegLinear(4, sp + i.opSize);
      return;
    }
    // pop [rsp+x] computes the address with the incremented rsp.
    c.setRegLinear(4, sp + i.opSize);
    try {
      c.write(i, d, lo, hi, i.opSize);
    } catch (e) {
      c.setRegLinear(4, sp);
      throw e;
    }
  },
});

define('leave', {
  exec(c) {
    const bp = c.regLinear(5);
    const lo = c.port.read64(bp);
    const hi = c.port.hi;
    c.setRegLinear(4, bp + 8);
    c.r[10] = lo;
    c.r[11] = hi;
  },
});

define('enter', {
  exec(c, i) {
    const frame = op(i, 0).immLo & 0xffff;
    const level = op(i, 1).immLo & 31;
    let sp = stackAddress(c.regLinear(4));
    const bp = c.regLinear(5);
    sp -= 8;
    c.port.write64(sp, c.r[10] as number, c.r[11] as number);
    const frameTemp = sp;
    let b = bp;
    for (let n = 1; n < level; n++) {
      b -= 8;
      const lo = c.port.read64(b);
      const hi = c.port.hi;
      sp -= 8;
      c.port.write64(sp, lo, hi);
    }
    if (level > 0) {
      sp -= 8;
      c.port.write64(sp, (frameTemp % TWO32) | 0, Math.floor(frameTemp / TWO32) | 0);
    }
    c.setRegLinear(5, frameTemp);
    c.setRegLinear(4, sp - frame);
  },
});

define(['cbw', 'cwde', 'cdqe'], {
  exec(c, i) {
    const r = c.r;
    if (i.opSize === 2) r[0] = ((r[0] as number) & ~0xffff) | ((((r[0] as number) << 24) >> 24) & 0xffff);
    else if (i.opSize === 4) {
      r[0] = ((r[0] as number) << 16) >> 16;
      r[1] = 0;
    } else r[1] = (r[0] as number) >> 31;
  },
});

define(['cwd', 'cdq', 'cqo'], {
  exec(c, i) {
    const r = c.r;
    if (i.opSize === 2) r[4] = ((r[4] as number) & ~0xffff) | ((((r[0] as number) << 16) >> 31) & 0xffff);
    else if (i.opSize === 4) {
      r[4] = (r[0] as number) >> 31;
      r[5] = 0;
    } else {
      const s = (r[1] as number) >> 31;
      r[4] = s;
      r[5] = s;
    }
  },
});

define('bswap', {
  exec(c, i) {
    const d = op(i, 0);
    const n = d.reg;
    const sw = (v: number) => ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
    if (d.size === 8) {
      const lo = c.r[2 * n] as number;
      c.r[2 * n] = sw(c.r[2 * n + 1] as number);
      c.r[2 * n + 1] = sw(lo);
    } else {
      c.r[2 * n] = sw(c.r[2 * n] as number);
      c.r[2 * n + 1] = 0;
    }
  },
});

define([
  'cmovo',
  'cmovno',
  'cmovb',
  'cmovae',
  'cmove',
  'cmovne',
  'cmovbe',
  'cmova',
  'cmovs',
  'cmovns',
  'cmovp',
  'cmovnp',
  'cmovl',
  'cmovge',
  'cmovle',
  'cmovg',
], {
  exec(c, i) {
    const d = op(i, 0);
    // The source is read (and may fault) whether or not the condition holds.
    const lo = c.read(i, op(i, 1));
    const hi = c.hi;
    if (conditionHolds(computeFlags(c.F), i.cc)) c.write(i, d, lo, hi);
    else if (d.size === 4) c.r[2 * d.reg + 1] = 0;
  },
});

define([
  'seto',
  'setno',
  'setb',
  'setae',
  'sete',
  'setne',
  'setbe',
  'seta',
  'sets',
  'setns',
  'setp',
  'setnp',
  'setl',
  'setge',
  'setle',
  'setg',
], {
  exec(c, i) {
    c.write(i, op(i, 0), conditionHolds(computeFlags(c.F), i.cc) ? 1 : 0, 0);
  },
});

define('lahf', {
  exec(c) {
    const f = (computeFlags(c.F) & 0xd5) | 2;
    c.r[0] = ((c.r[0] as number) & ~0xff00) | (f << 8);
  },
});

define('sahf', {
  exec(c) {
    const ah = ((c.r[0] as number) >> 8) & 0xd5;
    const f = computeFlags(c.F);
    setKnownFlags(c.F, (f & RFLAGS.OF) | ah);
  },
});

const POPF_USER_MASK =
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
  RFLAGS.ID;

define(['pushf', 'pushfq'], {
  exec(c, i) {
    // VM and RF read as zero in the pushed image.
    const f = c.getRflags() & ~(RFLAGS.VM | RFLAGS.RF);
    pushValue(c, i.opSize === 2 ? 2 : 8, f, 0);
  },
});

define(['popf', 'popfq'], {
  ends: true,
  exec(c, i) {
    const sp = stackAddress(c.regLinear(4));
    const size = i.opSize === 2 ? 2 : 8;
    const v = size === 8 ? c.port.read64(sp) : c.port.read16(sp);
    c.setRegLinear(4, sp + size);
    let allowed = POPF_USER_MASK;
    if (c.cpl === 0) allowed |= RFLAGS.IF | RFLAGS.IOPL;
    else if (c.cpl <= ((c.getRflags() >> 12) & 3)) allowed |= RFLAGS.IF;
    if (size === 2) allowed &= 0xffff;
    const old = c.getRflags();
    c.setRflags((old & ~allowed) | (v & allowed));
  },
});

define('clc', { exec: (c) => setKnownFlags(c.F, computeFlags(c.F) & ~RFLAGS.CF) });
define('stc', { exec: (c) => setKnownFlags(c.F, computeFlags(c.F) | RFLAGS.CF) });
define('cmc', { exec: (c) => setKnownFlags(c.F, computeFlags(c.F) ^ RFLAGS.CF) });
define('cld', {
  exec(c) {
    c.sysFlags &= ~RFLAGS.DF;
  },
});
define('std', {
  exec(c) {
    c.sysFlags |= RFLAGS.DF;
  },
});

define('xlatb', {
  exec(c, i) {
    const al = (c.r[0] as number) & 0xff;
    const base = i.addrSize === 4 ? (c.r[6] as number) >>> 0 : c.regLinear(3);
    const v = c.port.read8(base + al);
    c.r[0] = ((c.r[0] as number) & ~0xff) | v;
  },
});
