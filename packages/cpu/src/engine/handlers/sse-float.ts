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
import { computeFlags, RFLAGS, setKnownFlags } from '../flags.js';
import { define } from './registry.js';
import { dst, loadSource, nan32, nan64, op, sse, storeTo } from './sse-state.js';
import { setScalarDoubleForms } from './string.js';

type Arith = (a: number, b: number) => number;

const ARITH: Record<string, Arith> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  // x86 min/max: the second (source) operand unless the first is strictly smaller/greater (NaNs and ±0 included).
  // biome-ignore lint/complexity/useMathMinMax: Math.min/max propagate NaN; x86 returns the source instead.
  min: (a, b) => (a < b ? a : b),
  // biome-ignore lint/complexity/useMathMinMax: as above.
  max: (a, b) => (a > b ? a : b),
  sqrt: (_a, b) => Math.sqrt(b),
};

function isMinMax(name: string): boolean {
  return name === 'min' || name === 'max';
}

for (const [name, fn] of Object.entries(ARITH)) {
  const minmax = isMinMax(name);
  // Doubles.
  const pd = (c: Cpu, i: Instruction, lanes: number, bytes: number) => {
    const s = loadSource(c, i, op(i, 1), bytes, bytes === 16);
    const x = sse(c).x;
    const d = dst(i);
    for (let k = 0; k < lanes; k++) {
      const a = x.f64[d / 2 + k] as number;
      const b = s.f64[k] as number;
      const r = fn(a, b);
      if (minmax) {
        x.i32[d + 2 * k] = (
          r === a && !(a === 0 && b === 0) && !Number.isNaN(a) ? x.i32[d + 2 * k] : s.i32[2 * k]
        ) as number;
        x.i32[d + 2 * k + 1] = (
          r === a && !(a === 0 && b === 0) && !Number.isNaN(a) ? x.i32[d + 2 * k + 1] : s.i32[2 * k + 1]
        ) as number;
      } else if (Number.isNaN(r)) {
        const sa = name === 'sqrt' ? b : a;
        const la = name === 'sqrt' ? (s.i32[2 * k] as number) : (x.i32[d + 2 * k] as number);
        const ha = name === 'sqrt' ? (s.i32[2 * k + 1] as number) : (x.i32[d + 2 * k + 1] as number);
        nan64(sa, la, ha, b, s.i32[2 * k] as number, s.i32[2 * k + 1] as number, x.i32, d + 2 * k);
      } else x.f64[d / 2 + k] = r;
    }
  };
  const ps = (c: Cpu, i: Instruction, lanes: number, bytes: number) => {
    const s = loadSource(c, i, op(i, 1), bytes, bytes === 16);
    const x = sse(c).x;
    const d = dst(i);
    for (let k = 0; k < lanes; k++) {
      const a = x.f32[d + k] as number;
      const b = s.f32[k] as number;
      const r = Math.fround(fn(a, b));
      if (minmax) {
        const keep = r === a && !(a === 0 && b === 0) && !Number.isNaN(a) && !Number.isNaN(b);
        x.i32[d + k] = (keep ? x.i32[d + k] : s.i32[k]) as number;
      } else if (Number.isNaN(r)) {
        const sa = name === 'sqrt' ? b : a;
        const ba = name === 'sqrt' ? (s.i32[k] as number) : (x.i32[d + k] as number);
        x.i32[d + k] = nan32(sa, ba, b, s.i32[k] as number);
      } else x.f32[d + k] = r;
    }
  };
  define(`${name}pd`, { exec: (c, i) => pd(c, i, 2, 16) });
  define(`${name}sd`, { exec: (c, i) => pd(c, i, 1, 8) });
  define(`${name}ps`, { exec: (c, i) => ps(c, i, 4, 16) });
  define(`${name}ss`, { exec: (c, i) => ps(c, i, 1, 4) });
}

/** cmpXX predicates 0-7: eq, lt, le, unord, neq, nlt, nle, ord. */
function predicate(p: number, a: number, b: number): boolean {
  const unordered = Number.isNaN(a) || Number.isNaN(b);
  switch (p & 7) {
    case 0:
      return a === b;
    case 1:
      return a < b;
    case 2:
      return a <= b;
    case 3:
      return unordered;
    case 4:
      return a !== b;
    case 5:
      return !(a < b);
    case 6:
      return !(a <= b);
    default:
      return !unordered;
  }
}

function compare(double: boolean, lanes: number, bytes: number) {
  return (c: Cpu, i: Instruction) => {
    const s = loadSource(c, i, op(i, 1), bytes, bytes === 16);
    const p = op(i, 2).immLo;
    const x = sse(c).x;
    const d = dst(i);
    for (let k = 0; k < lanes; k++) {
      if (double) {
        const t = predicate(p, x.f64[d / 2 + k] as number, s.f64[k] as number) ? -1 : 0;
        x.i32[d + 2 * k] = t;
        x.i32[d + 2 * k + 1] = t;
      } else {
        x.i32[d + k] = predicate(p, x.f32[d + k] as number, s.f32[k] as number) ? -1 : 0;
      }
    }
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
    const x = sse(c).x;
    const d = dst(i);
    const a = double ? (x.f64[d / 2] as number) : (x.f32[d] as number);
    const b = double ? (s.f64[0] as number) : (s.f32[0] as number);
    let f = computeFlags(c.F) & ~(RFLAGS.ZF | RFLAGS.PF | RFLAGS.CF | RFLAGS.OF | RFLAGS.SF | RFLAGS.AF);
    if (Number.isNaN(a) || Number.isNaN(b)) f |= RFLAGS.ZF | RFLAGS.PF | RFLAGS.CF;
    else if (a < b) f |= RFLAGS.CF;
    else if (a === b) f |= RFLAGS.ZF;
    setKnownFlags(c.F, f);
  },
});

// ---- conversions -----------------------------------------------------------------

/** Round per MXCSR.RC (or truncate). */
function round(c: Cpu, v: number, truncate: boolean): number {
  if (truncate) return Math.trunc(v);
  switch ((c.mxcsr >> 13) & 3) {
    case 0: {
      const f = Math.floor(v);
      const diff = v - f;
      if (diff > 0.5) return f + 1;
      if (diff < 0.5) return f;
      return f % 2 === 0 ? f : f + 1;
    }
    case 1:
      return Math.floor(v);
    case 2:
      return Math.ceil(v);
    default:
      return Math.trunc(v);
  }
}

/** Float → signed integer of `bytes`; NaN and out-of-range give the integer indefinite (most negative). */
function toInt(c: Cpu, v: number, bytes: number, truncate: boolean): [number, number] {
  const r = round(c, v, truncate);
  if (bytes === 4) {
    if (!(r >= -2147483648 && r <= 2147483647)) return [0x80000000 | 0, 0];
    return [r | 0, 0];
  }
  if (!(r >= -(2 ** 63) && r < 2 ** 63)) return [0, 0x80000000 | 0];
  const big = BigInt.asUintN(64, BigInt(r));
  return [Number(big & 0xffffffffn) | 0, Number(big >> 32n) | 0];
}

define(['cvttsd2si', 'cvtsd2si', 'cvttss2si', 'cvtss2si'], {
  exec(c, i) {
    const double = i.mnemonic.includes('sd');
    const s = loadSource(c, i, op(i, 1), double ? 8 : 4);
    const v = double ? (s.f64[0] as number) : (s.f32[0] as number);
    const d = op(i, 0);
    const [lo, hi] = toInt(c, v, d.size, i.mnemonic.startsWith('cvtt'));
    c.write(i, d, lo, hi, d.size);
  },
});

define(['cvtsi2sd', 'cvtsi2ss'], {
  exec(c, i) {
    const s = op(i, 1);
    const lo = c.read(i, s);
    const v = s.size === 8 ? Number(BigInt.asIntN(64, (BigInt(c.hi >>> 0) << 32n) | BigInt(lo >>> 0))) : lo;
    const x = sse(c).x;
    const d = dst(i);
    if (i.mnemonic === 'cvtsi2sd') {
      x.f64[d / 2] = s.size === 8 ? exactToDouble(c, lo, c.hi) : v;
    } else {
      x.f32[d] = s.size === 8 ? Math.fround(exactToDouble(c, lo, c.hi, true)) : Math.fround(v);
    }
  },
});

/** A 64-bit integer to double (or to float with `single`) with one rounding, round-to-nearest-even. */
function exactToDouble(_c: Cpu, lo: number, hi: number, single = false): number {
  const big = BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
  if (!single) return Number(big);
  // Round directly to 24 significant bits (avoid double rounding through double).
  const neg = big < 0n;
  let m = neg ? -big : big;
  const bits = m.toString(2).length;
  if (bits > 24) {
    const shift = BigInt(bits - 24);
    const rem = m & ((1n << shift) - 1n);
    const half = 1n << (shift - 1n);
    m >>= shift;
    if (rem > half || (rem === half && (m & 1n) === 1n)) m += 1n;
    m <<= shift;
  }
  return neg ? -Number(m) : Number(m);
}

define('cvtss2sd', {
  exec(c, i) {
    const s = loadSource(c, i, op(i, 1), 4);
    const x = sse(c).x;
    const d = dst(i);
    const v = s.f32[0] as number;
    if (Number.isNaN(v)) {
      // Widen the NaN payload and quieten it.
      const b = s.i32[0] as number;
      x.i32[d] = (b & 0x1fffff) << 29;
      x.i32[d + 1] = (b & 0x80000000) | 0x7ff80000 | ((b >>> 3) & 0x7ffff);
    } else x.f64[d / 2] = v;
  },
});

define('cvtsd2ss', {
  exec(c, i) {
    const s = loadSource(c, i, op(i, 1), 8);
    const x = sse(c).x;
    const d = dst(i);
    const v = s.f64[0] as number;
    if (Number.isNaN(v)) {
      const hi = s.i32[1] as number;
      const lo = s.i32[0] as number;
      x.i32[d] = (hi & 0x80000000) | 0x7fc00000 | ((hi & 0x7ffff) << 3) | (lo >>> 29);
    } else x.f32[d] = v;
  },
});

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
    const x = sse(c).x;
    const d = dst(i);
    for (let k = 0; k < 4; k++) x.f32[d + k] = Math.fround(s.i32[k] as number);
  },
});

define(['cvttps2dq', 'cvtps2dq'], {
  exec(c, i) {
    const s = loadSource(c, i, op(i, 1), 16, true);
    const x = sse(c).x;
    const d = dst(i);
    for (let k = 0; k < 4; k++)
      x.i32[d + k] = (toInt(c, s.f32[k] as number, 4, i.mnemonic === 'cvttps2dq')[0] as number) | 0;
  },
});

define(['cvttpd2dq', 'cvtpd2dq'], {
  exec(c, i) {
    const s = loadSource(c, i, op(i, 1), 16, true);
    const x = sse(c).x;
    const d = dst(i);
    const t = i.mnemonic === 'cvttpd2dq';
    const a = toInt(c, s.f64[0] as number, 4, t)[0];
    const b = toInt(c, s.f64[1] as number, 4, t)[0];
    x.i32[d] = a;
    x.i32[d + 1] = b;
    x.i32[d + 2] = 0;
    x.i32[d + 3] = 0;
  },
});

define('cvtps2pd', {
  exec(c, i) {
    const s = loadSource(c, i, op(i, 1), 8);
    const x = sse(c).x;
    const d = dst(i);
    const a = s.f32[0] as number;
    const b = s.f32[1] as number;
    x.f64[d / 2] = a;
    x.f64[d / 2 + 1] = b;
  },
});

define('cvtpd2ps', {
  exec(c, i) {
    const s = loadSource(c, i, op(i, 1), 16, true);
    const x = sse(c).x;
    const d = dst(i);
    x.f32[d] = s.f64[0] as number;
    x.f32[d + 1] = s.f64[1] as number;
    x.i32[d + 2] = 0;
    x.i32[d + 3] = 0;
  },
});

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
