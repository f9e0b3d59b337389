/**
 * SSE/SSE2 floating point: scalar and packed arithmetic with the x86 NaN and
 * min/max rules, compares (cmpXX predicates, comis/ucomis flags), conversions
 * with MXCSR rounding and the "integer indefinite" for out-of-range values,
 * scalar moves, and MXCSR/FXSAVE state. Exception flags are not accumulated in
 * MXCSR and exceptions are never unmasked (the default MXCSR masks them all).
 */
import type { Instruction } from '../../decoder/instruction.js';
import { OperandKind, RegClass } from '../../decoder/instruction.js';
import type { Cpu } from '../cpu.js';
import { CpuFault } from '../fault.js';
import { RFLAGS, setKnownFlags } from '../flags.js';
import { arith, compareLanes, convert, DOUBLE, fromInteger, MXCSR, SINGLE, toInteger } from '../sse-arith.js';
import { fastFromInteger } from '../sse-fast.js';
import { define } from './registry.js';
import { dst, loadSource, op, sse, storeTo } from './sse-state.js';
import { setScalarDoubleForms } from './string.js';

/** Merge raised flags into MXCSR; an unmasked one is #XM, before any result is written (SDM vol. 1, 11.5.1). */
export function raise(c: Cpu, flags: number): void {
  if (flags === 0) return;
  c.mxcsr |= flags;
  const masks = (c.mxcsr >> MXCSR.MASK_SHIFT) & 0x3f;
  if (flags & ~masks & 0x3f) throw new CpuFault(19, undefined);
}

const lanes = new Int32Array(8);

for (const name of ['add', 'sub', 'mul', 'div', 'min', 'max', 'sqrt'] as const) {
  const lanewise = (c: Cpu, i: Instruction, double: boolean, count: number, bytes: number) => {
    const s = loadSource(c, i, op(i, 1), bytes, bytes === 16);
    const x = sse(c).x.i32;
    const d = dst(i);
    let flags = 0;
    const fmt = double ? DOUBLE : SINGLE;
    for (let k = 0; k < count; k++) {
      const w = double ? 2 * k : k;
      const r = arith(
        name,
        fmt,
        x[d + w] as number,
        double ? (x[d + w + 1] as number) : 0,
        s.i32[w] as number,
        double ? (s.i32[w + 1] as number) : 0,
        c.mxcsr,
      );
      flags |= r.flags;
      lanes[w] = r.lo;
      if (double) lanes[w + 1] = r.hi;
    }
    raise(c, flags);
    for (let k = 0; k < (double ? 2 * count : count); k++) x[d + k] = lanes[k] as number;
  };
  define(`${name}pd`, { exec: (c, i) => lanewise(c, i, true, 2, 16) });
  define(`${name}sd`, { exec: (c, i) => lanewise(c, i, true, 1, 8) });
  define(`${name}ps`, { exec: (c, i) => lanewise(c, i, false, 4, 16) });
  define(`${name}ss`, { exec: (c, i) => lanewise(c, i, false, 1, 4) });
}

/** cmpXX predicates 0-7: eq, lt, le, unord, neq, nlt, nle, ord; lt/le/nlt/nle signal on QNaN. */
function predicate(p: number, order: number): boolean {
  const unordered = Number.isNaN(order);
  switch (p & 7) {
    case 0:
      return order === 0;
    case 1:
      return order < 0;
    case 2:
      return order <= 0;
    case 3:
      return unordered;
    case 4:
      return order !== 0;
    case 5:
      return !(order < 0);
    case 6:
      return !(order <= 0);
    default:
      return !unordered;
  }
}

function compare(double: boolean, count: number, bytes: number) {
  return (c: Cpu, i: Instruction) => {
    const s = loadSource(c, i, op(i, 1), bytes, bytes === 16);
    const p = op(i, 2).immLo & 7;
    const signalling = p === 1 || p === 2 || p === 5 || p === 6;
    const x = sse(c).x.i32;
    const d = dst(i);
    const fmt = double ? DOUBLE : SINGLE;
    let flags = 0;
    for (let k = 0; k < count; k++) {
      const w = double ? 2 * k : k;
      const r = compareLanes(
        fmt,
        x[d + w] as number,
        double ? (x[d + w + 1] as number) : 0,
        s.i32[w] as number,
        double ? (s.i32[w + 1] as number) : 0,
        c.mxcsr,
        signalling,
      );
      flags |= r.flags;
      const t = predicate(p, r.order) ? -1 : 0;
      lanes[w] = t;
      if (double) lanes[w + 1] = t;
    }
    raise(c, flags);
    for (let k = 0; k < (double ? 2 * count : count); k++) x[d + k] = lanes[k] as number;
  };
}
define('cmppd', { exec: compare(true, 2, 16) });
define('cmpps', { exec: compare(false, 4, 16) });
define('cmpss', { exec: compare(false, 1, 4) });
const cmpsd = compare(true, 1, 8);

define(['comisd', 'ucomisd', 'comiss', 'ucomiss'], {
  exec(c, i) {
    const double = i.mnemonic.endsWith('d');
    const s = loadSource(c, i, op(i, 1), double ? 8 : 4);
    const x = sse(c).x.i32;
    const d = dst(i);
    const r = compareLanes(
      double ? DOUBLE : SINGLE,
      x[d] as number,
      double ? (x[d + 1] as number) : 0,
      s.i32[0] as number,
      double ? (s.i32[1] as number) : 0,
      c.mxcsr,
      i.mnemonic.startsWith('comi'),
    );
    raise(c, r.flags);
    // comis/ucomis set all six arithmetic flags (OF, SF and AF cleared).
    let f = 0;
    if (Number.isNaN(r.order)) f |= RFLAGS.ZF | RFLAGS.PF | RFLAGS.CF;
    else if (r.order < 0) f |= RFLAGS.CF;
    else if (r.order === 0) f |= RFLAGS.ZF;
    setKnownFlags(c.F, f);
  },
});

// ---- conversions -----------------------------------------------------------------

define(['cvttsd2si', 'cvtsd2si', 'cvttss2si', 'cvtss2si'], {
  exec(c, i) {
    const double = i.mnemonic.includes('sd');
    const s = loadSource(c, i, op(i, 1), double ? 8 : 4);
    const d = op(i, 0);
    const r = toInteger(
      double ? DOUBLE : SINGLE,
      s.i32[0] as number,
      s.i32[1] as number,
      d.size,
      c.mxcsr,
      i.mnemonic.startsWith('cvtt'),
    );
    raise(c, r.flags);
    c.write(i, d, r.lo, r.hi, d.size);
  },
});

define(['cvtsi2sd', 'cvtsi2ss'], {
  exec(c, i) {
    const s = op(i, 1);
    const lo = c.read(i, s);
    const hi = s.size === 8 ? c.hi : lo >> 31;
    const double = i.mnemonic === 'cvtsi2sd';
    const r =
      fastFromInteger(double, lo, hi, c.mxcsr) ??
      fromInteger(
        double ? DOUBLE : SINGLE,
        BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)),
        c.mxcsr,
      );
    raise(c, r.flags);
    const x = sse(c).x.i32;
    const d = dst(i);
    x[d] = r.lo;
    if (double) x[d + 1] = r.hi;
  },
});

function convertLanes(from: 'd' | 's', count: number, srcBytes: number, zeroUpper: boolean) {
  return (c: Cpu, i: Instruction) => {
    const s = loadSource(c, i, op(i, 1), srcBytes, srcBytes === 16);
    const x = sse(c).x.i32;
    const d = dst(i);
    const [f, t] = from === 'd' ? [DOUBLE, SINGLE] : [SINGLE, DOUBLE];
    let flags = 0;
    for (let k = 0; k < count; k++) {
      const r =
        from === 'd'
          ? convert(f, t, s.i32[2 * k] as number, s.i32[2 * k + 1] as number, c.mxcsr)
          : convert(f, t, s.i32[k] as number, 0, c.mxcsr);
      flags |= r.flags;
      if (from === 'd') lanes[k] = r.lo;
      else {
        lanes[2 * k] = r.lo;
        lanes[2 * k + 1] = r.hi;
      }
    }
    raise(c, flags);
    const words = from === 'd' ? count : 2 * count;
    for (let k = 0; k < words; k++) x[d + k] = lanes[k] as number;
    if (zeroUpper) for (let k = words; k < 4; k++) x[d + k] = 0;
  };
}
define('cvtsd2ss', { exec: convertLanes('d', 1, 8, false) });
define('cvtss2sd', { exec: convertLanes('s', 1, 4, false) });
define('cvtpd2ps', { exec: convertLanes('d', 2, 16, true) });
define('cvtps2pd', { exec: convertLanes('s', 2, 8, false) });

define('cvtdq2pd', {
  exec(c, i) {
    const s = loadSource(c, i, op(i, 1), 8);
    const x = sse(c).x;
    const d = dst(i);
    const a = s.i32[0] as number;
    const b = s.i32[1] as number;
    x.f64[d / 2] = a;
    x.f64[d / 2 + 1] = b;
  },
});

define('cvtdq2ps', {
  exec(c, i) {
    const s = loadSource(c, i, op(i, 1), 16, true);
    const x = sse(c).x.i32;
    const d = dst(i);
    let flags = 0;
    for (let k = 0; k < 4; k++) {
      const r = fromInteger(SINGLE, BigInt(s.i32[k] as number), c.mxcsr);
      flags |= r.flags;
      lanes[k] = r.lo;
    }
    raise(c, flags);
    for (let k = 0; k < 4; k++) x[d + k] = lanes[k] as number;
  },
});

function toInts(double: boolean, count: number, truncate: boolean) {
  return (c: Cpu, i: Instruction) => {
    const s = loadSource(c, i, op(i, 1), 16, true);
    const x = sse(c).x.i32;
    const d = dst(i);
    let flags = 0;
    for (let k = 0; k < count; k++) {
      const r = double
        ? toInteger(DOUBLE, s.i32[2 * k] as number, s.i32[2 * k + 1] as number, 4, c.mxcsr, truncate)
        : toInteger(SINGLE, s.i32[k] as number, 0, 4, c.mxcsr, truncate);
      flags |= r.flags;
      lanes[k] = r.lo;
    }
    raise(c, flags);
    for (let k = 0; k < 4; k++) x[d + k] = k < count ? (lanes[k] as number) : 0;
  };
}
define('cvttps2dq', { exec: toInts(false, 4, true) });
define('cvtps2dq', { exec: toInts(false, 4, false) });
define('cvttpd2dq', { exec: toInts(true, 2, true) });
define('cvtpd2dq', { exec: toInts(true, 2, false) });

// ---- scalar moves ------------------------------------------------------------------

/** movss/movsd: register to register merges the low lane; a load zeroes the rest; a store writes the lane. */
function scalarMove(bytes: number) {
  return (c: Cpu, i: Instruction) => {
    const d = op(i, 0);
    const s = op(i, 1);
    const x = sse(c).x.i32;
    if (d.kind === OperandKind.Reg && d.regClass === RegClass.Xmm) {
      const src = loadSource(c, i, s, bytes);
      const b = d.reg * 4;
      x[b] = src.i32[0] as number;
      if (bytes === 8) x[b + 1] = src.i32[1] as number;
      if (s.kind === OperandKind.Mem) {
        if (bytes === 4) x[b + 1] = 0;
        x[b + 2] = 0;
        x[b + 3] = 0;
      }
      return;
    }
    storeTo(c, i, d, loadSource(c, i, s, 16), bytes);
  };
}
define('movss', { exec: scalarMove(4) });
const movsd = scalarMove(8);
setScalarDoubleForms(movsd, cmpsd);

define('movddup', {
  exec(c, i) {
    const s = loadSource(c, i, op(i, 1), 8);
    const x = sse(c).x.i32;
    const d = dst(i);
    x[d] = s.i32[0] as number;
    x[d + 1] = s.i32[1] as number;
    x[d + 2] = s.i32[0] as number;
    x[d + 3] = s.i32[1] as number;
  },
});

// ---- state -----------------------------------------------------------------------

define('ldmxcsr', {
  exec(c, i) {
    const v = c.read(i, op(i, 0), 4);
    if (v & ~0xffff) throw new CpuFault(13, 0);
    c.mxcsr = v;
  },
});

define('stmxcsr', {
  exec(c, i) {
    c.write(i, op(i, 0), c.mxcsr, 0, 4);
  },
});

define('fxsave', {
  exec(c, i) {
    const a = c.ea(i, op(i, 0));
    if (a % 16 !== 0) throw new CpuFault(13, 0);
    const image = new Uint8Array(512);
    c.saveFxState(image);
    c.port.writeBytes(a, image);
  },
});

define('fxrstor', {
  exec(c, i) {
    const a = c.ea(i, op(i, 0));
    if (a % 16 !== 0) throw new CpuFault(13, 0);
    const image = new Uint8Array(512);
    c.port.readBytes(a, image);
    c.restoreFxState(image);
  },
});

/**
 * rcp and rsqrt: approximations to 1.5 × 2^-12 relative error on hardware; here
 * the correctly rounded values, which are within that bound. They raise no flags;
 * denormal inputs count as zero.
 */
function approximate(fn: (v: number) => number, count: number, bytes: number) {
  return (c: Cpu, i: Instruction) => {
    const s = loadSource(c, i, op(i, 1), bytes, bytes === 16);
    const x = sse(c).x;
    const d = dst(i);
    for (let k = 0; k < count; k++) {
      let v = s.f32[k] as number;
      if (v !== 0 && Math.abs(v) < 2 ** -126) v = v < 0 ? -0 : 0;
      x.f32[d + k] = fn(v);
    }
  };
}
define('rcpps', { exec: approximate((v) => 1 / v, 4, 16) });
define('rcpss', { exec: approximate((v) => 1 / v, 1, 4) });
define('rsqrtps', { exec: approximate((v) => (v < 0 ? Number.NaN : 1 / Math.sqrt(v)), 4, 16) });
define('rsqrtss', { exec: approximate((v) => (v < 0 ? Number.NaN : 1 / Math.sqrt(v)), 1, 4) });
