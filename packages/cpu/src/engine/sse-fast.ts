/**
 * Native fast paths for SSE arithmetic and compares. JavaScript's doubles are
 * IEEE binary64 in round-to-nearest-even, so add, sub, mul, div and sqrt of
 * normal operands give the bits SSE gives (for singles, rounding the double
 * result again is exact for these five operations). The fast path is taken
 * only where no MXCSR flag can be raised that is not already set: rounding to
 * nearest, finite non-denormal operands, a finite normal (or exactly zero)
 * result, and PE already set and masked, so whether this result was inexact
 * changes nothing. Everything else goes to the exact software path.
 */
import type { Format, LaneResult } from './sse-arith.js';

const f64 = new Float64Array(1);
const i32 = new Int32Array(f64.buffer);
const f32 = new Float32Array(1);
const s32 = new Int32Array(f32.buffer);

/** MXCSR bits (SDM vol. 1, 10.2.3): PE (5) and its mask PM (12); RC (13-14). */
const PE_SET_AND_MASKED = 0x20 | 0x1000;
const ROUNDING = 0x6000;

/** Exponent field class: 0 zero, 1 normal, 2 other (denormal, infinity, NaN). */
function classOf(fmt: Format, lo: number, hi: number): number {
  if (fmt.bits === 53) {
    const e = (hi >>> 20) & 0x7ff;
    if (e === 0) return (hi & 0xfffff) === 0 && lo === 0 ? 0 : 2;
    return e === 0x7ff ? 2 : 1;
  }
  const e = (lo >>> 23) & 0xff;
  if (e === 0) return (lo & 0x7fffff) === 0 ? 0 : 2;
  return e === 0xff ? 2 : 1;
}

function value(fmt: Format, lo: number, hi: number): number {
  if (fmt.bits === 53) {
    i32[0] = lo;
    i32[1] = hi;
    return f64[0] as number;
  }
  s32[0] = lo;
  return f32[0] as number;
}

const result: LaneResult = { lo: 0, hi: 0, flags: 0 };

/** The bits of `v` as a double, or rounded to a single, into `result`. */
function bitsOf(double: boolean, v: number): void {
  if (double) {
    f64[0] = v;
    result.lo = i32[0] as number;
    result.hi = i32[1] as number;
  } else {
    f32[0] = v;
    result.lo = s32[0] as number;
    result.hi = 0;
  }
}

/** The lane result, or null when the software path must decide. The returned object is reused. */
export function fastArith(
  op: string,
  fmt: Format,
  aLo: number,
  aHi: number,
  bLo: number,
  bHi: number,
  mxcsr: number,
): LaneResult | null {
  if ((mxcsr & PE_SET_AND_MASKED) !== PE_SET_AND_MASKED || (mxcsr & ROUNDING) !== 0) return null;
  const cb = classOf(fmt, bLo, bHi);
  if (cb === 2) return null;
  const b = value(fmt, bLo, bHi);
  let r: number;
  let zeroOk: boolean;
  if (op === 'sqrt') {
    if (b < 0) return null;
    r = Math.sqrt(b);
    zeroOk = true;
  } else {
    const ca = classOf(fmt, aLo, aHi);
    if (ca === 2) return null;
    const a = value(fmt, aLo, aHi);
    if (op === 'add' || op === 'sub') {
      r = op === 'add' ? a + b : a - b;
      // A sum of normals that rounds to zero is exactly zero.
      zeroOk = true;
    } else if (op === 'mul') {
      r = a * b;
      zeroOk = ca === 0 || cb === 0;
    } else if (op === 'div') {
      if (cb === 0) return null;
      r = a / b;
      zeroOk = ca === 0;
    } else return null;
  }
  bitsOf(fmt.bits === 53, r);
  const cr = classOf(fmt, result.lo, result.hi);
  if (cr === 2 || (cr === 0 && !zeroOk)) return null;
  result.flags = 0;
  return result;
}

const order = { order: 0, flags: 0 };

/** comis/ucomis/cmpXX order of two finite or zero non-denormal lanes (no flag can be raised), else null. */
export function fastCompare(
  fmt: Format,
  aLo: number,
  aHi: number,
  bLo: number,
  bHi: number,
): { order: number; flags: number } | null {
  if (classOf(fmt, aLo, aHi) === 2 || classOf(fmt, bLo, bHi) === 2) return null;
  const a = value(fmt, aLo, aHi);
  const b = value(fmt, bLo, bHi);
  order.order = a < b ? -1 : a > b ? 1 : 0;
  order.flags = 0;
  return order;
}

/**
 * cvtsi2sd/cvtsi2ss of the signed 64-bit integer (lo, hi): exact values need
 * no flag; an inexact one is rounded natively (one rounding of the exact sum)
 * when PE is already set and masked and rounding is to nearest. Null otherwise.
 */
export function fastFromInteger(double: boolean, lo: number, hi: number, mxcsr: number): LaneResult | null {
  // Rounded once; below 2^53 in magnitude (after rounding) the sum was exact.
  const v = hi * 4294967296 + (lo >>> 0);
  const exactLimit = double ? 2 ** 53 : 2 ** 24;
  const sticky = (mxcsr & PE_SET_AND_MASKED) === PE_SET_AND_MASKED && (mxcsr & ROUNDING) === 0;
  // For singles the double must be exact first, so that the value is rounded only once.
  if (Math.abs(v) >= exactLimit && !(sticky && (double || Math.abs(v) < 2 ** 53))) return null;
  bitsOf(double, v);
  result.flags = 0;
  return result;
}
