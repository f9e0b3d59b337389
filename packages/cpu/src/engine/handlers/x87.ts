/**
 * The x87 FPU as gcc, glibc and musl use it: loads and stores of every format,
 * arithmetic, compares (fcom/fucom/fcomi and their popping forms), constants,
 * control and status words, fcmov, and the transcendental instructions libm may
 * reach. Registers are true 80-bit values (f80.ts): the basic arithmetic,
 * square root and rounding are exact to the format; the transcendental ones go
 * through double precision. Exceptions stay masked, as the default control word
 * has them; precision control is ignored (always 64-bit significands).
 */
import type { Instruction, Operand } from '../../decoder/instruction.js';
import { OperandKind } from '../../decoder/instruction.js';
import type { Cpu } from '../cpu.js';
import {
  add80,
  compare80,
  decode80,
  div80,
  encode80,
  type F80,
  fromBigInt,
  fromNumber,
  isNaN80,
  mul80,
  neg80,
  roundToInteger,
  sqrt80,
  sub80,
  toBigInt,
  toNumber,
} from '../f80.js';
import { computeFlags, conditionHolds, RFLAGS, setKnownFlags } from '../flags.js';
import { define } from './registry.js';

const C0 = 1 << 8;
const C1 = 1 << 9;
const C2 = 1 << 10;
const C3 = 1 << 14;

const op = (i: Instruction, n: number) => i.operands[n] as Operand;
const scratch = new DataView(new ArrayBuffer(16));

function rc(c: Cpu): number {
  return (c.x87.control >> 10) & 3;
}

function st(c: Cpu, n: number): F80 {
  return c.x87.st[(c.x87.top + n) & 7] as F80;
}

function setSt(c: Cpu, n: number, v: F80): void {
  const p = (c.x87.top + n) & 7;
  c.x87.st[p] = v;
  c.x87.empty[p] = 0;
}

function push(c: Cpu, v: F80): void {
  const x = c.x87;
  x.top = (x.top - 1) & 7;
  x.st[x.top] = v;
  x.empty[x.top] = 0;
}

function pop(c: Cpu): void {
  const x = c.x87;
  x.empty[x.top] = 1;
  x.top = (x.top + 1) & 7;
}

/** Read a memory operand as a number in the format its size and the mnemonic say. */
function loadMem(c: Cpu, i: Instruction, o: Operand, integer: boolean): F80 {
  const a = c.ea(i, o);
  const p = c.port;
  if (integer) {
    if (o.size === 2) return fromBigInt(BigInt((p.read16(a) << 16) >> 16));
    if (o.size === 4) return fromBigInt(BigInt(p.read32(a)));
    const lo = p.read64(a);
    return fromBigInt(BigInt.asIntN(64, (BigInt(p.hi >>> 0) << 32n) | BigInt(lo >>> 0)));
  }
  if (o.size === 4) {
    scratch.setInt32(0, p.read32(a), true);
    return fromNumber(scratch.getFloat32(0, true));
  }
  if (o.size === 8) {
    scratch.setInt32(0, p.read64(a), true);
    scratch.setInt32(4, p.hi, true);
    return fromNumber(scratch.getFloat64(0, true));
  }
  const bytes = new Uint8Array(10);
  p.readBytes(a, bytes);
  return decode80(new DataView(bytes.buffer), 0);
}

function storeFloat(c: Cpu, i: Instruction, o: Operand, f: F80): void {
  const a = c.ea(i, o);
  const p = c.port;
  const v = toNumber(f);
  if (o.size === 4) {
    scratch.setFloat32(0, v, true);
    p.write32(a, scratch.getInt32(0, true));
  } else if (o.size === 8) {
    scratch.setFloat64(0, v, true);
    p.write64(a, scratch.getInt32(0, true), scratch.getInt32(4, true));
  } else {
    const bytes = new Uint8Array(10);
    encode80(f, new DataView(bytes.buffer), 0);
    p.writeBytes(a, bytes);
  }
}

function storeInt(c: Cpu, i: Instruction, o: Operand, v: F80, truncate: boolean): void {
  const a = c.ea(i, o);
  const bits = BigInt(o.size * 8);
  const limit = 1n << (bits - 1n);
  let r = 0n;
  let ok = v.kind === 'n';
  if (ok) {
    r = toBigInt(roundToInteger(v, truncate ? 3 : rc(c)));
    ok = r >= -limit && r < limit;
  }
  // Out of range and NaN store the integer indefinite (the most negative value).
  const bitsOut = BigInt.asUintN(Number(bits), ok ? r : limit);
  const p = c.port;
  if (o.size === 2) p.write16(a, Number(bitsOut));
  else if (o.size === 4) p.write32(a, Number(bitsOut) | 0);
  else p.write64(a, Number(bitsOut & 0xffffffffn) | 0, Number(bitsOut >> 32n) | 0);
}

/** The second operand of a two-operand arithmetic form: memory (float or integer) or ST(i). */
function arithSource(c: Cpu, i: Instruction): { a: F80; b: F80; dest: number; popAfter: boolean } {
  const integer = i.mnemonic.startsWith('fi');
  if (i.operands.length === 1 && op(i, 0).kind === OperandKind.Mem) {
    return { a: st(c, 0), b: loadMem(c, i, op(i, 0), integer), dest: 0, popAfter: false };
  }
  const d = op(i, 0);
  const s = op(i, 1);
  const popAfter = i.mnemonic.endsWith('p');
  return { a: st(c, d.reg), b: st(c, s.reg), dest: d.reg, popAfter };
}

const ARITH: Record<string, (a: F80, b: F80, rc: number) => F80> = {
  add: (a, b, r) => add80(a, b, r),
  mul: (a, b, r) => mul80(a, b, r),
  sub: (a, b, r) => sub80(a, b, r),
  subr: (a, b, r) => sub80(b, a, r),
  div: (a, b, r) => div80(a, b, r),
  divr: (a, b, r) => div80(b, a, r),
};

for (const [name, fn] of Object.entries(ARITH)) {
  define([`f${name}`, `f${name}p`, `fi${name}`], {
    exec(c, i) {
      const { a, b, dest, popAfter } = arithSource(c, i);
      setSt(c, dest, fn(a, b, rc(c)));
      if (popAfter) pop(c);
    },
  });
}

function compareStatus(c: Cpu, a: F80, b: F80): void {
  const x = c.x87;
  x.status &= ~(C0 | C2 | C3);
  const r = compare80(a, b);
  if (Number.isNaN(r)) x.status |= C0 | C2 | C3;
  else if (r < 0) x.status |= C0;
  else if (r === 0) x.status |= C3;
}

define(['fcom', 'fcomp', 'fucom', 'fucomp', 'ficom', 'ficomp'], {
  exec(c, i) {
    const o = i.operands.length > 0 ? op(i, i.operands.length - 1) : undefined;
    const b = !o
      ? st(c, 1)
      : o.kind === OperandKind.Mem
        ? loadMem(c, i, o, i.mnemonic.startsWith('fi'))
        : st(c, o.reg);
    compareStatus(c, st(c, 0), b);
    if (i.mnemonic.endsWith('p')) pop(c);
  },
});

define(['fcompp', 'fucompp'], {
  exec(c) {
    compareStatus(c, st(c, 0), st(c, 1));
    pop(c);
    pop(c);
  },
});

define(['fcomi', 'fucomi', 'fcomip', 'fucomip'], {
  exec(c, i) {
    const a = st(c, 0);
    const b = st(c, op(i, 1).reg);
    let f = computeFlags(c.F) & ~(RFLAGS.ZF | RFLAGS.PF | RFLAGS.CF | RFLAGS.OF | RFLAGS.SF | RFLAGS.AF);
    const r = compare80(a, b);
    if (Number.isNaN(r)) f |= RFLAGS.ZF | RFLAGS.PF | RFLAGS.CF;
    else if (r < 0) f |= RFLAGS.CF;
    else if (r === 0) f |= RFLAGS.ZF;
    setKnownFlags(c.F, f);
    if (i.mnemonic.endsWith('p')) pop(c);
  },
});

define('ftst', { exec: (c) => compareStatus(c, st(c, 0), fromNumber(0)) });

define('fxam', {
  exec(c) {
    const x = c.x87;
    const v = st(c, 0);
    x.status &= ~(C0 | C1 | C2 | C3);
    if (v.neg) x.status |= C1;
    if (x.empty[x.top]) x.status |= C3 | C0;
    else if (isNaN80(v)) x.status |= C0;
    else if (v.kind === 'i') x.status |= C2 | C0;
    else if (v.mant === 0n) x.status |= C3;
    else x.status |= C2;
  },
});

define('fld', {
  exec(c, i) {
    const o = op(i, 0);
    push(c, o.kind === OperandKind.Mem ? loadMem(c, i, o, false) : st(c, o.reg));
  },
});

define('fild', { exec: (c, i) => push(c, loadMem(c, i, op(i, 0), true)) });

define(['fst', 'fstp'], {
  exec(c, i) {
    const o = op(i, 0);
    if (o.kind === OperandKind.Mem) storeFloat(c, i, o, st(c, 0));
    else setSt(c, o.reg, st(c, 0));
    if (i.mnemonic === 'fstp') pop(c);
  },
});

define(['fist', 'fistp', 'fisttp'], {
  exec(c, i) {
    storeInt(c, i, op(i, 0), st(c, 0), i.mnemonic === 'fisttp');
    if (i.mnemonic !== 'fist') pop(c);
  },
});

/** The constants' 64-bit significands as the SDM gives them (rounded to nearest). */
const CONSTANTS: Record<string, F80> = {
  fld1: fromNumber(1),
  fldz: fromNumber(0),
  fldpi: { neg: false, kind: 'n', exp: 1 - 63, mant: 0xc90fdaa22168c235n },
  fldl2e: { neg: false, kind: 'n', exp: 0 - 63, mant: 0xb8aa3b295c17f0bcn },
  fldl2t: { neg: false, kind: 'n', exp: 1 - 63, mant: 0xd49a784bcd1b8afen },
  fldlg2: { neg: false, kind: 'n', exp: -2 - 63, mant: 0x9a209a84fbcff799n },
  fldln2: { neg: false, kind: 'n', exp: -1 - 63, mant: 0xb17217f7d1cf79acn },
};
for (const [name, v] of Object.entries(CONSTANTS)) define(name, { exec: (c) => push(c, v) });

const viaDouble = (f: (x: number) => number) => (v: F80) => fromNumber(f(toNumber(v)));
const UNARY: Record<string, (v: F80, c: Cpu) => F80> = {
  fchs: (v) => neg80(v),
  fabs: (v) => ({ ...v, neg: false }),
  fsqrt: (v, c) => sqrt80(v, rc(c)),
  frndint: (v, c) => roundToInteger(v, rc(c)),
  fsin: viaDouble(Math.sin),
  fcos: viaDouble(Math.cos),
  f2xm1: viaDouble((x) => 2 ** x - 1),
};
for (const [name, fn] of Object.entries(UNARY)) {
  define(name, {
    exec(c) {
      setSt(c, 0, fn(st(c, 0), c));
      c.x87.status &= ~C2;
    },
  });
}

define('fxch', {
  exec(c, i) {
    const n = i.operands.length > 1 ? op(i, 1).reg : 1;
    const a = st(c, 0);
    setSt(c, 0, st(c, n));
    setSt(c, n, a);
  },
});

define('fscale', {
  exec(c) {
    const v = st(c, 0);
    const n = toBigInt(roundToInteger(st(c, 1), 3));
    if (v.kind === 'n' && v.mant !== 0n) setSt(c, 0, { ...v, exp: v.exp + Number(n) });
  },
});

define('fyl2x', {
  exec(c) {
    const v = fromNumber(toNumber(st(c, 1)) * Math.log2(toNumber(st(c, 0))));
    pop(c);
    setSt(c, 0, v);
  },
});

define('fyl2xp1', {
  exec(c) {
    const v = fromNumber((toNumber(st(c, 1)) * Math.log1p(toNumber(st(c, 0)))) / Math.LN2);
    pop(c);
    setSt(c, 0, v);
  },
});

define('fpatan', {
  exec(c) {
    const v = fromNumber(Math.atan2(toNumber(st(c, 1)), toNumber(st(c, 0))));
    pop(c);
    setSt(c, 0, v);
  },
});

define('fptan', {
  exec(c) {
    setSt(c, 0, fromNumber(Math.tan(toNumber(st(c, 0)))));
    push(c, fromNumber(1));
    c.x87.status &= ~C2;
  },
});

define('fsincos', {
  exec(c) {
    const v = toNumber(st(c, 0));
    setSt(c, 0, fromNumber(Math.sin(v)));
    push(c, fromNumber(Math.cos(v)));
    c.x87.status &= ~C2;
  },
});

define(['fprem', 'fprem1'], {
  exec(c, i) {
    const a = st(c, 0);
    const b = st(c, 1);
    // Exact partial remainder in one step (the SDM allows reporting completion at once: C2 = 0).
    const q = toBigInt(roundToInteger(div80(a, b, 3), i.mnemonic === 'fprem' ? 3 : 0));
    setSt(c, 0, sub80(a, mul80(fromBigInt(q), b)));
    const x = c.x87;
    x.status &= ~(C0 | C1 | C2 | C3);
    const qi = Number((q < 0n ? -q : q) % 8n);
    if (qi & 1) x.status |= C1;
    if (qi & 2) x.status |= C3;
    if (qi & 4) x.status |= C0;
  },
});

define('fxtract', {
  exec(c) {
    const v = st(c, 0);
    if (v.kind !== 'n' || v.mant === 0n) {
      setSt(c, 0, fromNumber(v.mant === 0n ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY));
      push(c, v);
      return;
    }
    setSt(c, 0, fromNumber(v.exp + 63));
    push(c, { ...v, exp: -63 });
  },
});

const FCMOV: Record<string, number> = {
  fcmovb: 2,
  fcmovnb: 3,
  fcmove: 4,
  fcmovne: 5,
  fcmovbe: 6,
  fcmovnbe: 7,
  fcmovu: 10,
  fcmovnu: 11,
};
for (const [name, cc] of Object.entries(FCMOV)) {
  define(name, {
    exec(c, i) {
      if (conditionHolds(computeFlags(c.F), cc)) setSt(c, 0, st(c, op(i, 1).reg));
    },
  });
}

define('fnstcw', { exec: (c, i) => c.write(i, op(i, 0), c.x87.control, 0, 2) });
define('fldcw', {
  exec(c, i) {
    c.x87.control = c.read(i, op(i, 0), 2) & 0x1f7f;
  },
});

function statusWord(c: Cpu): number {
  return (c.x87.status & ~0x3800) | ((c.x87.top & 7) << 11);
}

define('fnstsw', { exec: (c, i) => c.write(i, op(i, 0), statusWord(c), 0, 2) });
define('fnclex', {
  exec(c) {
    c.x87.status &= 0x7f00;
  },
});
define('fninit', {
  exec(c) {
    const x = c.x87;
    x.control = 0x37f;
    x.status = 0;
    x.top = 0;
    x.empty.fill(1);
  },
});
define('ffree', {
  exec(c, i) {
    c.x87.empty[(c.x87.top + op(i, 0).reg) & 7] = 1;
  },
});
define('fincstp', {
  exec(c) {
    c.x87.top = (c.x87.top + 1) & 7;
  },
});
define('fdecstp', {
  exec(c) {
    c.x87.top = (c.x87.top - 1) & 7;
  },
});
define('fnop', { exec() {} });
