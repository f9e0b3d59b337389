/**
 * 80-bit extended precision, in software: the x87's register format. musl
 * formats floating point through long double and relies on its 64-bit
 * significand (rounding tricks such as adding 2/LDBL_EPSILON), so doubles
 * would print different digits. Finite values are mant × 2^exp with a 64-bit
 * significand (2^63 ≤ mant < 2^64) or zero; arithmetic is exact in BigInt and
 * rounded once, per the control word's rounding field.
 */

import { bitLength, roundBits } from './rounding.js';

export interface F80 {
  neg: boolean;
  /** 'n' finite (mant 0 for zero), 'i' infinity, 'q' NaN (mant holds the 64-bit significand). */
  kind: 'n' | 'i' | 'q';
  exp: number;
  mant: bigint;
}

const TOP = 1n << 63n;
const INDEFINITE: F80 = { neg: true, kind: 'q', exp: 0, mant: 0xc000000000000000n };

export const F80_ZERO: F80 = { neg: false, kind: 'n', exp: 0, mant: 0n };

export function isNaN80(a: F80): boolean {
  return a.kind === 'q';
}

export function isZero80(a: F80): boolean {
  return a.kind === 'n' && a.mant === 0n;
}

/** Round mant × 2^exp to a 64-bit significand: rc 0 nearest-even, 1 down, 2 up, 3 toward zero. */
export function round80(neg: boolean, mant: bigint, exp: number, rc = 0, sticky = false): F80 {
  if (mant === 0n) return { neg, kind: 'n', exp: 0, mant: 0n };
  const shift = bitLength(mant) - 64;
  if (shift <= 0) return { neg, kind: 'n', exp: exp + shift, mant: mant << BigInt(-shift) };
  let [q] = roundBits(mant, shift, neg, rc, sticky);
  let e = exp + shift;
  if (q >> 64n) {
    q >>= 1n;
    e += 1;
  }
  return { neg, kind: 'n', exp: e, mant: q };
}

export function fromNumber(v: number): F80 {
  if (Number.isNaN(v)) {
    const dv = new DataView(new ArrayBuffer(8));
    dv.setFloat64(0, v);
    const hi = dv.getUint32(0);
    const lo = dv.getUint32(4);
    const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
    return { neg: hi >>> 31 === 1, kind: 'q', exp: 0, mant: TOP | (1n << 62n) | (frac << 11n) };
  }
  if (!Number.isFinite(v)) return { neg: v < 0, kind: 'i', exp: 0, mant: TOP };
  if (v === 0) return { neg: Object.is(v, -0), kind: 'n', exp: 0, mant: 0n };
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, v);
  const hi = dv.getUint32(0);
  const lo = dv.getUint32(4);
  const e = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (e === 0) exp = -1074;
  else {
    m |= 1n << 52n;
    exp = e - 1075;
  }
  return round80(v < 0, m, exp);
}

export function fromBigInt(v: bigint): F80 {
  return round80(v < 0n, v < 0n ? -v : v, 0);
}

/** To double, rounded to nearest. */
export function toNumber(a: F80): number {
  if (a.kind === 'q') {
    const frac = (a.mant >> 11n) & ((1n << 51n) - 1n);
    const dv = new DataView(new ArrayBuffer(8));
    dv.setUint32(0, (a.neg ? 0x80000000 : 0) | 0x7ff80000 | Number(frac >> 32n));
    dv.setUint32(4, Number(frac & 0xffffffffn));
    return dv.getFloat64(0);
  }
  if (a.kind === 'i') return a.neg ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (a.mant === 0n) return a.neg ? -0 : 0;
  // Round to 53 bits (or fewer for doubles' subnormals) in BigInt, then scale exactly.
  const top = a.exp + 63; // exponent of the leading bit
  let keep = 53;
  if (top < -1022) keep = Math.max(0, 53 - (-1022 - top));
  const drop = 64 - keep;
  let m = a.mant;
  let e = a.exp;
  if (drop > 0) {
    const s = BigInt(drop);
    const rem = m & ((1n << s) - 1n);
    const half = 1n << (s - 1n);
    m >>= s;
    if (rem > half || (rem === half && (m & 1n) === 1n)) m += 1n;
    e += drop;
  }
  let v = Number(m);
  // Scale in two steps so intermediate powers stay representable.
  const half1 = Math.trunc(e / 2);
  v = v * 2 ** half1 * 2 ** (e - half1);
  return a.neg ? -v : v;
}

function align(a: F80, b: F80): [bigint, bigint, number, boolean] {
  // Exact when the exponents are close; otherwise the smaller operand only contributes a sticky bit.
  const e = Math.min(a.exp, b.exp);
  const limit = Math.max(a.exp, b.exp) - 200;
  if (e >= limit) return [a.mant << BigInt(a.exp - e), b.mant << BigInt(b.exp - e), e, false];
  if (a.exp < b.exp) return [0n, b.mant << 200n, limit, a.mant !== 0n];
  return [a.mant << 200n, 0n, limit, b.mant !== 0n];
}

function quiet(a: F80): F80 {
  return { ...a, mant: a.mant | (1n << 62n) };
}

/** NaN operands propagate (the larger significand when both, per the SDM's x87 rule); else null. */
function nanOf(a: F80, b: F80): F80 | null {
  if (a.kind === 'q' && b.kind === 'q') return quiet(a.mant >= b.mant ? a : b);
  if (a.kind === 'q') return quiet(a);
  if (b.kind === 'q') return quiet(b);
  return null;
}

export function add80(a: F80, b: F80, rc = 0): F80 {
  const n = nanOf(a, b);
  if (n) return n;
  if (a.kind === 'i' || b.kind === 'i') {
    if (a.kind === 'i' && b.kind === 'i' && a.neg !== b.neg) return INDEFINITE;
    return a.kind === 'i' ? a : b;
  }
  if (a.mant === 0n && b.mant === 0n)
    return { ...F80_ZERO, neg: a.neg && b.neg ? true : a.neg !== b.neg ? rc === 1 : a.neg };
  if (a.mant === 0n) return b;
  if (b.mant === 0n) return a;
  const [ma, mb, e, sticky] = align(a, b);
  const sa = a.neg ? -ma : ma;
  const sb = b.neg ? -mb : mb;
  let sum = sa + sb;
  if (sum === 0n && !sticky) return { ...F80_ZERO, neg: rc === 1 };
  const neg = sum < 0n || (sum === 0n && (a.exp > b.exp ? a.neg : b.neg));
  if (sum < 0n) sum = -sum;
  return round80(neg, sum, e, rc, sticky);
}

export function neg80(a: F80): F80 {
  return { ...a, neg: !a.neg };
}

export function sub80(a: F80, b: F80, rc = 0): F80 {
  return add80(a, b.kind === 'q' ? b : neg80(b), rc);
}

export function mul80(a: F80, b: F80, rc = 0): F80 {
  const n = nanOf(a, b);
  if (n) return n;
  const neg = a.neg !== b.neg;
  if (a.kind === 'i' || b.kind === 'i') {
    if (isZero80(a) || isZero80(b)) return INDEFINITE;
    return { neg, kind: 'i', exp: 0, mant: TOP };
  }
  return round80(neg, a.mant * b.mant, a.exp + b.exp, rc);
}

export function div80(a: F80, b: F80, rc = 0): F80 {
  const n = nanOf(a, b);
  if (n) return n;
  const neg = a.neg !== b.neg;
  if (a.kind === 'i') return b.kind === 'i' ? INDEFINITE : { neg, kind: 'i', exp: 0, mant: TOP };
  if (b.kind === 'i') return { ...F80_ZERO, neg };
  if (b.mant === 0n) return a.mant === 0n ? INDEFINITE : { neg, kind: 'i', exp: 0, mant: TOP };
  if (a.mant === 0n) return { ...F80_ZERO, neg };
  const num = a.mant << 130n;
  const q = num / b.mant;
  const sticky = q * b.mant !== num;
  return round80(neg, q, a.exp - b.exp - 130, rc, sticky);
}

export function sqrt80(a: F80, rc = 0): F80 {
  if (a.kind === 'q') return quiet(a);
  if (a.mant === 0n) return a;
  if (a.neg) return INDEFINITE;
  if (a.kind === 'i') return a;
  // Scale to an even exponent with at least 130 significant bits, then take the integer root.
  let m = a.mant << 130n;
  let e = a.exp - 130;
  if (e & 1) {
    m <<= 1n;
    e -= 1;
  }
  let x = BigInt(Math.floor(Math.sqrt(Number(m))));
  if (x === 0n) x = 1n;
  for (;;) {
    const y = (x + m / x) >> 1n;
    if (y >= x) break;
    x = y;
  }
  while (x * x > m) x -= 1n;
  while ((x + 1n) * (x + 1n) <= m) x += 1n;
  return round80(false, x, e / 2, rc, x * x !== m);
}

/** -1, 0, 1, or NaN for unordered. */
export function compare80(a: F80, b: F80): number {
  if (a.kind === 'q' || b.kind === 'q') return Number.NaN;
  const sign = (x: F80) => (x.kind === 'n' && x.mant === 0n ? 0 : x.neg ? -1 : 1);
  const sa = sign(a);
  const sb = sign(b);
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (sa === 0) return 0;
  let mag: number;
  if (a.kind === 'i' || b.kind === 'i') mag = a.kind === b.kind ? 0 : a.kind === 'i' ? 1 : -1;
  else {
    const ta = a.exp + 63;
    const tb = b.exp + 63;
    if (ta !== tb) mag = ta > tb ? 1 : -1;
    else mag = a.mant === b.mant ? 0 : a.mant > b.mant ? 1 : -1;
  }
  return sa < 0 ? -mag : mag;
}

/** Round to an integer value per rc (frndint, fist). */
export function roundToInteger(a: F80, rc: number): F80 {
  if (a.kind !== 'n' || a.mant === 0n || a.exp >= 0) return a;
  const s = BigInt(-a.exp);
  if (-a.exp > 64) {
    const one = rc === 2 ? !a.neg : rc === 1 ? a.neg : false;
    return one ? fromBigInt(a.neg ? -1n : 1n) : { ...F80_ZERO, neg: a.neg };
  }
  let q = a.mant >> s;
  const rem = a.mant & ((1n << s) - 1n);
  const half = 1n << (s - 1n);
  let up = false;
  if (rc === 0) up = rem > half || (rem === half && (q & 1n) === 1n);
  else if (rc === 1) up = a.neg && rem !== 0n;
  else if (rc === 2) up = !a.neg && rem !== 0n;
  if (up) q += 1n;
  if (q === 0n) return { ...F80_ZERO, neg: a.neg };
  return round80(a.neg, q, 0);
}

/** The integer value of an integral F80 (finite). */
export function toBigInt(a: F80): bigint {
  if (a.kind !== 'n' || a.mant === 0n) return 0n;
  const v = a.exp >= 0 ? a.mant << BigInt(a.exp) : a.mant >> BigInt(-a.exp);
  return a.neg ? -v : v;
}

/** Encode to the 10-byte memory format (little-endian). */
export function encode80(a: F80, view: DataView, at: number): void {
  let e: number;
  let m = a.mant;
  if (a.kind !== 'n') e = 0x7fff;
  else if (m === 0n) e = 0;
  else {
    e = a.exp + 63 + 16383;
    if (e >= 0x7fff) {
      e = 0x7fff;
      m = TOP;
    } else if (e <= 0) {
      // Extended denormal: shift right, biased exponent 0.
      const s = 1 - e;
      m = s >= 64 ? 0n : m >> BigInt(s);
      e = 0;
    }
  }
  view.setUint32(at, Number(m & 0xffffffffn), true);
  view.setUint32(at + 4, Number((m >> 32n) & 0xffffffffn), true);
  view.setUint16(at + 8, (a.neg ? 0x8000 : 0) | e, true);
}

export function decode80(view: DataView, at: number): F80 {
  const m = (BigInt(view.getUint32(at + 4, true)) << 32n) | BigInt(view.getUint32(at, true));
  const se = view.getUint16(at + 8, true);
  const neg = (se & 0x8000) !== 0;
  const e = se & 0x7fff;
  if (e === 0x7fff) {
    if ((m & ~TOP) === 0n) return { neg, kind: 'i', exp: 0, mant: TOP };
    return { neg, kind: 'q', exp: 0, mant: m };
  }
  if (m === 0n) return { neg, kind: 'n', exp: 0, mant: 0n };
  return round80(neg, m, (e === 0 ? 1 : e) - 16383 - 63);
}
