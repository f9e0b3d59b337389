/**
 * IEEE 754 arithmetic for SSE with what MXCSR needs and JavaScript does not
 * give: the rounding mode, the six exception flags (IE, DE, ZE, OE, UE, PE),
 * DAZ and FTZ, and the x86 NaN rules. The common case (round to nearest, no
 * DAZ/FTZ, normal operands and result) runs in doubles with error-free
 * transforms to detect inexact results; everything else is computed exactly in
 * BigInt and rounded once (SDM vol. 1, 11.5 and 4.9).
 */

export const MXCSR = {
  IE: 1,
  DE: 2,
  ZE: 4,
  OE: 8,
  UE: 16,
  PE: 32,
  DAZ: 64,
  /** Mask bits are the flag bits shifted left by 7. */
  MASK_SHIFT: 7,
  FTZ: 1 << 15,
} as const;

export interface Format {
  /** Significand bits including the leading one. */
  bits: number;
  emin: number;
  emax: number;
}

export const DOUBLE: Format = { bits: 53, emin: -1022, emax: 1023 };
export const SINGLE: Format = { bits: 24, emin: -126, emax: 127 };

import { bitLength, roundBits } from './rounding.js';
import { fastArith, fastCompare } from './sse-fast.js';

/** Result of one lane: the value's bits (lo, hi for doubles; lo only for singles) and the flags raised. */
export interface LaneResult {
  lo: number;
  hi: number;
  flags: number;
}

interface Parts {
  neg: boolean;
  /** 'n' finite, 'i' infinity, 'q' quiet NaN, 's' signalling NaN. */
  kind: 'n' | 'i' | 'q' | 's';
  mant: bigint;
  exp: number;
  denormal: boolean;
}

function parts(fmt: Format, lo: number, hi: number): Parts {
  if (fmt.bits === 53) {
    const neg = hi < 0;
    const e = (hi >>> 20) & 0x7ff;
    const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo >>> 0);
    if (e === 0x7ff)
      return { neg, kind: frac === 0n ? 'i' : frac >> 51n ? 'q' : 's', mant: frac, exp: 0, denormal: false };
    if (e === 0) return { neg, kind: 'n', mant: frac, exp: -1074, denormal: frac !== 0n };
    return { neg, kind: 'n', mant: frac | (1n << 52n), exp: e - 1075, denormal: false };
  }
  const neg = lo < 0;
  const e = (lo >>> 23) & 0xff;
  const frac = BigInt(lo & 0x7fffff);
  if (e === 0xff)
    return { neg, kind: frac === 0n ? 'i' : frac >> 22n ? 'q' : 's', mant: frac, exp: 0, denormal: false };
  if (e === 0) return { neg, kind: 'n', mant: frac, exp: -149, denormal: frac !== 0n };
  return { neg, kind: 'n', mant: frac | (1n << 23n), exp: e - 150, denormal: false };
}

function pack(fmt: Format, neg: boolean, biased: number, frac: bigint): LaneResult {
  if (fmt.bits === 53) {
    const hi = (neg ? 0x80000000 : 0) | (biased << 20) | Number(frac >> 32n);
    return { lo: Number(frac & 0xffffffffn) | 0, hi: hi | 0, flags: 0 };
  }
  return { lo: (neg ? 0x80000000 : 0) | (biased << 23) | Number(frac) | 0, hi: 0, flags: 0 };
}

function infinity(fmt: Format, neg: boolean): LaneResult {
  return pack(fmt, neg, fmt.bits === 53 ? 0x7ff : 0xff, 0n);
}

function zero(fmt: Format, neg: boolean): LaneResult {
  return pack(fmt, neg, 0, 0n);
}

/** The QNaN floating-point indefinite (negative, quiet, zero payload). */
export function indefinite(fmt: Format): LaneResult {
  return fmt.bits === 53 ? { lo: 0, hi: 0xfff80000 | 0, flags: 0 } : { lo: 0xffc00000 | 0, hi: 0, flags: 0 };
}

function quieted(fmt: Format, p: Parts): LaneResult {
  const top = fmt.bits === 53 ? 1n << 51n : 1n << 22n;
  return pack(fmt, p.neg, fmt.bits === 53 ? 0x7ff : 0xff, p.mant | top);
}

/**
 * Round the exact value (-1)^neg × mant × 2^exp (with a sticky bit below it)
 * to the format, with MXCSR's rounding mode and FTZ, reporting PE, UE and OE.
 * Tininess is detected after rounding, as x86 does.
 */
export function roundTo(
  fmt: Format,
  neg: boolean,
  mant: bigint,
  exp: number,
  mxcsr: number,
  sticky = false,
): LaneResult {
  const rc = (mxcsr >> 13) & 3;
  if (mant === 0n) {
    if (!sticky) return zero(fmt, neg);
    mant = 1n;
    exp -= 4 * fmt.bits + 2000;
    sticky = false;
  }
  const len = bitLength(mant);
  const top = exp + len - 1;
  // Tiny after rounding: round to full precision with an unbounded exponent and look at the exponent.
  const [full] = roundBits(mant, len - fmt.bits, neg, rc, sticky);
  const fullTop = top + (bitLength(full) > fmt.bits ? 1 : 0);
  const tiny = fullTop < fmt.emin;
  const grid = fmt.emin - (fmt.bits - 1);
  let lsb = Math.max(top - (fmt.bits - 1), grid);
  let [q, inexact] = roundBits(mant, lsb - exp, neg, rc, sticky);
  if (bitLength(q) > fmt.bits) {
    q >>= 1n;
    lsb += 1;
  }
  let flags = inexact ? MXCSR.PE : 0;
  if (tiny && inexact) flags |= MXCSR.UE;
  const underflowMasked = (mxcsr & (MXCSR.UE << MXCSR.MASK_SHIFT)) !== 0;
  if (tiny && mxcsr & MXCSR.FTZ && underflowMasked) {
    const r = zero(fmt, neg);
    r.flags = MXCSR.UE | MXCSR.PE;
    return r;
  }
  if (q === 0n) {
    const r = zero(fmt, neg);
    r.flags = flags;
    return r;
  }
  const leading = lsb + bitLength(q) - 1;
  if (leading > fmt.emax) {
    // Overflow: infinity, or the largest finite number when rounding toward it.
    const toInf = rc === 0 || (rc === 1 && neg) || (rc === 2 && !neg);
    const r = toInf
      ? infinity(fmt, neg)
      : pack(fmt, neg, fmt.bits === 53 ? 0x7fe : 0xfe, (1n << BigInt(fmt.bits - 1)) - 1n);
    r.flags = MXCSR.OE | MXCSR.PE;
    return r;
  }
  let r: LaneResult;
  if (leading < fmt.emin) r = pack(fmt, neg, 0, q);
  else r = pack(fmt, neg, leading + fmt.emax, q & ((1n << BigInt(fmt.bits - 1)) - 1n));
  r.flags = flags;
  return r;
}

export type ArithOp = 'add' | 'sub' | 'mul' | 'div' | 'sqrt' | 'min' | 'max';

/** NaN handling for arithmetic: SNaN → IE; the first NaN operand propagates quietened. */
function nanResult(fmt: Format, a: Parts, b: Parts | null): LaneResult | null {
  const an = a.kind === 'q' || a.kind === 's';
  const bn = b !== null && (b.kind === 'q' || b.kind === 's');
  if (!an && !bn) return null;
  const flags = a.kind === 's' || b?.kind === 's' ? MXCSR.IE : 0;
  const r = quieted(fmt, an ? a : (b as Parts));
  r.flags = flags;
  return r;
}

function invalid(fmt: Format): LaneResult {
  const r = indefinite(fmt);
  r.flags = MXCSR.IE;
  return r;
}

/** One lane of add/sub/mul/div/sqrt/min/max (sqrt uses b only). */
export function arith(
  op: ArithOp,
  fmt: Format,
  aLo: number,
  aHi: number,
  bLo: number,
  bHi: number,
  mxcsr: number,
): LaneResult {
  const fast = fastArith(op, fmt, aLo, aHi, bLo, bHi, mxcsr);
  if (fast) return { lo: fast.lo, hi: fast.hi, flags: 0 };
  let a = parts(fmt, aLo, aHi);
  let b = parts(fmt, bLo, bHi);
  let flags = 0;
  if (mxcsr & MXCSR.DAZ) {
    if (a.denormal) a = { ...a, mant: 0n, denormal: false };
    if (b.denormal) b = { ...b, mant: 0n, denormal: false };
  }
  if (op === 'min' || op === 'max') {
    // Any NaN (quiet too) or two zeros: the source; an SNaN or QNaN raises IE.
    if (a.kind === 'q' || a.kind === 's' || b.kind === 'q' || b.kind === 's')
      return { lo: bLo, hi: bHi, flags: MXCSR.IE };
    if (a.denormal || b.denormal) flags |= MXCSR.DE;
    const c = compareParts(a, b);
    const takeA = op === 'min' ? c < 0 : c > 0;
    const src =
      mxcsr & MXCSR.DAZ && !takeA && b.mant === 0n && b.kind === 'n'
        ? zero(fmt, b.neg)
        : { lo: bLo, hi: bHi, flags: 0 };
    const r = takeA
      ? mxcsr & MXCSR.DAZ && a.mant === 0n && a.kind === 'n'
        ? zero(fmt, a.neg)
        : { lo: aLo, hi: aHi, flags: 0 }
      : src;
    return { lo: r.lo, hi: r.hi, flags };
  }
  if (op === 'sqrt') {
    const n = nanResult(fmt, b, null);
    if (n) return n;
    if (b.denormal) flags |= MXCSR.DE;
    if (b.kind === 'n' && b.mant === 0n) return { ...zero(fmt, b.neg), flags };
    if (b.neg) return invalid(fmt);
    if (b.kind === 'i') return { ...infinity(fmt, false), flags };
    let m = b.mant << 160n;
    let e = b.exp - 160;
    if (e & 1) {
      m <<= 1n;
      e -= 1;
    }
    const root = isqrt(m);
    const r = roundTo(fmt, false, root, e / 2, mxcsr, root * root !== m);
    r.flags |= flags;
    return r;
  }
  const n = nanResult(fmt, a, b);
  if (n) return n;
  if (a.denormal || b.denormal) flags |= MXCSR.DE;
  const neg = a.neg !== b.neg;
  let r: LaneResult;
  switch (op) {
    case 'add':
    case 'sub': {
      const bneg = op === 'sub' ? !b.neg : b.neg;
      if (a.kind === 'i' || b.kind === 'i') {
        if (a.kind === 'i' && b.kind === 'i' && a.neg !== bneg) return invalid(fmt);
        r = infinity(fmt, a.kind === 'i' ? a.neg : bneg);
        break;
      }
      const e = Math.min(a.exp, b.exp);
      const sa = (a.neg ? -1n : 1n) * (a.mant << BigInt(a.exp - e));
      const sb = (bneg ? -1n : 1n) * (b.mant << BigInt(b.exp - e));
      const sum = sa + sb;
      if (sum === 0n) {
        // An exact zero: the common sign of two zeros, else +0 (-0 when rounding down).
        const bothZero = a.mant === 0n && b.mant === 0n;
        r = zero(fmt, bothZero && a.neg === bneg ? a.neg : ((mxcsr >> 13) & 3) === 1);
        break;
      }
      r = roundTo(fmt, sum < 0n, sum < 0n ? -sum : sum, e, mxcsr);
      break;
    }
    case 'mul':
      if (a.kind === 'i' || b.kind === 'i') {
        if ((a.kind === 'n' && a.mant === 0n) || (b.kind === 'n' && b.mant === 0n)) return invalid(fmt);
        r = infinity(fmt, neg);
        break;
      }
      r =
        a.mant === 0n || b.mant === 0n
          ? zero(fmt, neg)
          : roundTo(fmt, neg, a.mant * b.mant, a.exp + b.exp, mxcsr);
      break;
    default: {
      // div
      if (a.kind === 'i') {
        if (b.kind === 'i') return invalid(fmt);
        r = infinity(fmt, neg);
        break;
      }
      if (b.kind === 'i') {
        r = zero(fmt, neg);
        break;
      }
      if (b.mant === 0n) {
        if (a.mant === 0n) return invalid(fmt);
        // Division by zero reports ZE alone (not DE for a denormal dividend).
        r = infinity(fmt, neg);
        r.flags = MXCSR.ZE;
        return r;
      }
      if (a.mant === 0n) {
        r = zero(fmt, neg);
        break;
      }
      const num = a.mant << 160n;
      const q = num / b.mant;
      r = roundTo(fmt, neg, q, a.exp - b.exp - 160, mxcsr, q * b.mant !== num);
    }
  }
  r.flags |= flags;
  return r;
}

function isqrt(m: bigint): bigint {
  if (m < 2n) return m;
  let x = 1n << BigInt(Math.ceil(bitLength(m) / 2));
  for (;;) {
    const y = (x + m / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** Order of two non-NaN values: -1, 0, 1 (+0 equals -0). */
function compareParts(a: Parts, b: Parts): number {
  const val = (p: Parts): [number, bigint, number] => [
    p.kind === 'n' && p.mant === 0n ? 0 : p.neg ? -1 : 1,
    p.mant,
    p.exp,
  ];
  const [sa] = val(a);
  const [sb] = val(b);
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (sa === 0) return 0;
  let mag: number;
  if (a.kind === 'i' || b.kind === 'i') mag = a.kind === b.kind ? 0 : a.kind === 'i' ? 1 : -1;
  else {
    const e = Math.min(a.exp, b.exp);
    const ma = a.mant << BigInt(a.exp - e);
    const mb = b.mant << BigInt(b.exp - e);
    mag = ma === mb ? 0 : ma > mb ? 1 : -1;
  }
  return sa < 0 ? -mag : mag;
}

/** Compare for cmpXX/comis/ucomis: the order (NaN when unordered) and whether IE is raised. */
export function compareLanes(
  fmt: Format,
  aLo: number,
  aHi: number,
  bLo: number,
  bHi: number,
  mxcsr: number,
  signalling: boolean,
): { order: number; flags: number } {
  const fast = fastCompare(fmt, aLo, aHi, bLo, bHi);
  if (fast) return fast;
  let a = parts(fmt, aLo, aHi);
  let b = parts(fmt, bLo, bHi);
  let flags = 0;
  if (mxcsr & MXCSR.DAZ) {
    if (a.denormal) a = { ...a, mant: 0n, denormal: false };
    if (b.denormal) b = { ...b, mant: 0n, denormal: false };
  }
  const an = a.kind === 'q' || a.kind === 's';
  const bn = b.kind === 'q' || b.kind === 's';
  if (an || bn) {
    if (signalling || a.kind === 's' || b.kind === 's') flags |= MXCSR.IE;
    return { order: Number.NaN, flags };
  }
  if (a.denormal || b.denormal) flags |= MXCSR.DE;
  return { order: compareParts(a, b), flags };
}

/** Float → integer of `bytes` (4 or 8) with MXCSR rounding or truncation; NaN/out of range → indefinite and IE. */
export function toInteger(
  fmt: Format,
  lo: number,
  hi: number,
  bytes: number,
  mxcsr: number,
  truncate: boolean,
): { lo: number; hi: number; flags: number } {
  let p = parts(fmt, lo, hi);
  const indefiniteInt =
    bytes === 4
      ? { lo: 0x80000000 | 0, hi: 0, flags: MXCSR.IE }
      : { lo: 0, hi: 0x80000000 | 0, flags: MXCSR.IE };
  if (p.kind !== 'n') return indefiniteInt;
  const flags = 0;
  // Conversions to integer do not report denormal operands (DE).
  if (p.denormal && mxcsr & MXCSR.DAZ) p = { ...p, mant: 0n };
  const rc = truncate ? 3 : (mxcsr >> 13) & 3;
  let v: bigint;
  let inexact = false;
  if (p.exp >= 0) v = p.mant << BigInt(p.exp);
  else {
    const s = BigInt(-p.exp);
    v = p.mant >> s;
    const rem = p.mant & ((1n << s) - 1n);
    const half = 1n << (s - 1n);
    inexact = rem !== 0n;
    let up = false;
    if (rc === 0) up = rem > half || (rem === half && (v & 1n) === 1n);
    else if (rc === 1) up = p.neg && inexact;
    else if (rc === 2) up = !p.neg && inexact;
    if (up) v += 1n;
  }
  if (p.neg) v = -v;
  const limit = bytes === 4 ? 1n << 31n : 1n << 63n;
  if (v < -limit || v >= limit) return indefiniteInt;
  const u = BigInt.asUintN(64, v);
  return {
    lo: Number(u & 0xffffffffn) | 0,
    hi: bytes === 8 ? Number(u >> 32n) | 0 : 0,
    flags: flags | (inexact ? MXCSR.PE : 0),
  };
}

/** Integer (as BigInt) → float with MXCSR rounding. */
export function fromInteger(fmt: Format, v: bigint, mxcsr: number): LaneResult {
  if (v === 0n) return zero(fmt, false);
  return roundTo(fmt, v < 0n, v < 0n ? -v : v, 0, mxcsr);
}

/** Convert between the two formats (cvtss2sd / cvtsd2ss). */
export function convert(from: Format, to: Format, lo: number, hi: number, mxcsr: number): LaneResult {
  let p = parts(from, lo, hi);
  if (p.kind === 'q' || p.kind === 's') {
    // Keep the payload's top bits, quieten.
    const shift = BigInt(Math.abs(from.bits - to.bits));
    const frac = from.bits > to.bits ? p.mant >> shift : p.mant << shift;
    const top = to.bits === 53 ? 1n << 51n : 1n << 22n;
    const r = pack(to, p.neg, to.bits === 53 ? 0x7ff : 0xff, frac | top);
    r.flags = p.kind === 's' ? MXCSR.IE : 0;
    return r;
  }
  if (p.kind === 'i') return infinity(to, p.neg);
  let flags = 0;
  if (p.denormal) {
    if (mxcsr & MXCSR.DAZ) p = { ...p, mant: 0n };
    else flags |= MXCSR.DE;
  }
  const r = p.mant === 0n ? zero(to, p.neg) : roundTo(to, p.neg, p.mant, p.exp, mxcsr);
  r.flags |= flags;
  return r;
}
