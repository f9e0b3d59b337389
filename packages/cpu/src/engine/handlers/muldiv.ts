/**
 * Multiply and divide at every width (SDM vol. 2, MUL/IMUL/DIV/IDIV). CF and OF
 * say whether the upper half is significant; SF, ZF, AF and PF after a multiply
 * are architecturally undefined and are set here as current Intel cores do
 * (SF/ZF/PF from the low result, AF clear). Division by zero and quotients that
 * do not fit raise #DE, with nothing written.
 */
import type { Instruction, Operand } from '../../decoder/instruction.js';
import { OperandKind } from '../../decoder/instruction.js';
import type { Cpu } from '../cpu.js';
import { CpuFault } from '../fault.js';
import { computeFlags, PARITY, RFLAGS, setKnownFlags } from '../flags.js';
import { define } from './registry.js';

const op = (i: Instruction, n: number) => i.operands[n] as Operand;

function readU(c: Cpu, i: Instruction, o: Operand, size: number): bigint {
  const lo = c.read(i, o, size);
  if (size === 8) return (BigInt(c.hi >>> 0) << 32n) | BigInt(lo >>> 0);
  return BigInt(lo >>> 0) & ((1n << BigInt(size * 8)) - 1n);
}

function regU(c: Cpu, n: number, size: number): bigint {
  const v = (BigInt((c.r[2 * n + 1] as number) >>> 0) << 32n) | BigInt((c.r[2 * n] as number) >>> 0);
  return BigInt.asUintN(size * 8, v);
}

function setRegSized(c: Cpu, n: number, v: bigint, size: number): void {
  const r = c.r;
  const lo = Number(v & 0xffffffffn) | 0;
  if (size === 8) {
    r[2 * n] = lo;
    r[2 * n + 1] = Number((v >> 32n) & 0xffffffffn) | 0;
  } else if (size === 4) {
    r[2 * n] = lo;
    r[2 * n + 1] = 0;
  } else if (size === 2) r[2 * n] = ((r[2 * n] as number) & ~0xffff) | (lo & 0xffff);
  else r[2 * n] = ((r[2 * n] as number) & ~0xff) | (lo & 0xff);
}

function mulFlags(c: Cpu, low: bigint, bits: number, overflow: boolean): void {
  let f = computeFlags(c.F) & ~(RFLAGS.CF | RFLAGS.OF | RFLAGS.SF | RFLAGS.ZF | RFLAGS.PF | RFLAGS.AF);
  if (overflow) f |= RFLAGS.CF | RFLAGS.OF;
  if ((low >> BigInt(bits - 1)) & 1n) f |= RFLAGS.SF;
  if (low === 0n) f |= RFLAGS.ZF;
  if (PARITY[Number(low & 0xffn)]) f |= RFLAGS.PF;
  setKnownFlags(c.F, f);
}

/** One-operand multiply: rDX:rAX (AX for bytes) = rAX * src. */
function mulOne(c: Cpu, i: Instruction, signed: boolean): void {
  const s = op(i, 0);
  const size = s.size;
  const bits = size * 8;
  const B = BigInt(bits);
  let a = regU(c, 0, size);
  let b = readU(c, i, s, size);
  if (signed) {
    a = BigInt.asIntN(bits, a);
    b = BigInt.asIntN(bits, b);
  }
  const p = a * b;
  const low = BigInt.asUintN(bits, p);
  const high = BigInt.asUintN(bits, p >> B);
  const overflow = signed ? p !== BigInt.asIntN(bits, p) : high !== 0n;
  if (size === 1) setRegSized(c, 0, BigInt.asUintN(16, p), 2);
  else {
    setRegSized(c, 0, low, size);
    setRegSized(c, 2, high, size);
  }
  mulFlags(c, low, bits, overflow);
}

/** High word of the last `mulU32`. */
let mulHigh = 0;

/** 32 × 32 → 64-bit unsigned product: returns the low word, leaves the high word in `mulHigh` (16-bit pieces stay exact). */
function mulU32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  mulHigh = (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
  return (mid << 16) | (p00 & 0xffff);
}

/** 64 × 64 → 128-bit unsigned product as four 32-bit words, low to high. */
export function mul128(aLo: number, aHi: number, bLo: number, bHi: number, out: Int32Array): void {
  const w0 = mulU32(aLo, bLo);
  const c1 = mulHigh >>> 0;
  const x = mulU32(aLo, bHi) >>> 0;
  const xh = mulHigh >>> 0;
  const y = mulU32(aHi, bLo) >>> 0;
  const yh = mulHigh >>> 0;
  const z = mulU32(aHi, bHi) >>> 0;
  const zh = mulHigh >>> 0;
  // Column sums stay below 2^34: exact in doubles.
  const s1 = c1 + x + y;
  const s2 = Math.floor(s1 / 4294967296) + xh + yh + z;
  out[0] = w0;
  out[1] = s1 | 0;
  out[2] = s2 | 0;
  out[3] = (Math.floor(s2 / 4294967296) + zh) | 0;
}

const product = new Int32Array(4);

/** Signed or unsigned 64-bit multiply: sets product[0..3] (low to high words). */
function mul64(aLo: number, aHi: number, bLo: number, bHi: number, signed: boolean): void {
  mul128(aLo, aHi, bLo, bHi, product);
  if (!signed) return;
  // Signed high half = unsigned high half - (a < 0 ? b : 0) - (b < 0 ? a : 0).
  let h0 = (product[2] as number) >>> 0;
  let h1 = (product[3] as number) >>> 0;
  const subtract = (lo: number, hi: number) => {
    const l = h0 - (lo >>> 0);
    h0 = l < 0 ? l + 4294967296 : l;
    h1 = (h1 - (hi >>> 0) - (l < 0 ? 1 : 0) + 8589934592) % 4294967296;
  };
  if (aHi < 0) subtract(bLo, bHi);
  if (bHi < 0) subtract(aLo, aHi);
  product[2] = h0 | 0;
  product[3] = h1 | 0;
}

function fastFlags(c: Cpu, overflow: boolean, lowSign: boolean, lowZero: boolean, lowByte: number): void {
  // Every arithmetic flag is set here (AF clear), so the previous ones do not matter.
  let f = 0;
  if (overflow) f |= RFLAGS.CF | RFLAGS.OF;
  if (lowSign) f |= RFLAGS.SF;
  if (lowZero) f |= RFLAGS.ZF;
  if (PARITY[lowByte & 0xff]) f |= RFLAGS.PF;
  setKnownFlags(c.F, f);
}

/** The 32- and 64-bit forms without BigInt; returns false for the byte/word forms. */
function fastMul(c: Cpu, i: Instruction, signed: boolean): boolean {
  const n = i.operands.length;
  const d = op(i, 0);
  const size = d.size;
  if (size !== 4 && size !== 8) return false;
  let aLo: number;
  let aHi: number;
  let bLo: number;
  let bHi: number;
  if (n === 1) {
    aLo = c.r[0] as number;
    aHi = c.r[1] as number;
    bLo = c.read(i, d, size);
    bHi = size === 8 ? c.hi : 0;
  } else {
    const src = op(i, 1);
    aLo = c.read(i, src, size);
    aHi = size === 8 ? c.hi : 0;
    if (n === 3) {
      const t = op(i, 2);
      bLo = t.immLo;
      bHi = t.immHi;
    } else {
      bLo = c.r[2 * d.reg] as number;
      bHi = c.r[2 * d.reg + 1] as number;
    }
  }
  if (size === 4) {
    const p = signed ? (aLo | 0) * (bLo | 0) : (aLo >>> 0) * (bLo >>> 0);
    const low = Math.imul(aLo, bLo);
    const high = Math.floor((p - (low >>> 0)) / 4294967296) | 0;
    // Exact high half: the double product is exact to 2^53; recompute it from 16-bit limbs when it is not.
    let hiWord = high;
    if (Math.abs(p) >= 2 ** 53) {
      mul64(aLo, signed ? aLo >> 31 : 0, bLo, signed ? bLo >> 31 : 0, false);
      hiWord = product[1] as number;
    }
    const overflow = signed ? hiWord !== low >> 31 : hiWord !== 0;
    if (n === 1) {
      c.r[0] = low;
      c.r[1] = 0;
      c.r[4] = hiWord;
      c.r[5] = 0;
    } else c.write(i, d, low, 0, 4);
    fastFlags(c, overflow, low < 0, low === 0, low);
    return true;
  }
  mul64(aLo, aHi, bLo, bHi, signed);
  const l0 = product[0] as number;
  const l1 = product[1] as number;
  const h0 = product[2] as number;
  const h1 = product[3] as number;
  const overflow = signed ? !(h0 === l1 >> 31 && h1 === l1 >> 31) : h0 !== 0 || h1 !== 0;
  if (n === 1) {
    c.r[0] = l0;
    c.r[1] = l1;
    c.r[4] = h0;
    c.r[5] = h1;
  } else c.write(i, d, l0, l1, 8);
  fastFlags(c, overflow, l1 < 0, l0 === 0 && l1 === 0, l0);
  return true;
}

define('mul', {
  exec(c, i) {
    if (!fastMul(c, i, false)) mulOne(c, i, false);
  },
});

define('imul', {
  exec(c, i) {
    if (fastMul(c, i, true)) return;
    if (i.operands.length === 1) {
      mulOne(c, i, true);
      return;
    }
    const d = op(i, 0);
    const size = d.size;
    const bits = size * 8;
    const src = i.operands.length === 3 ? op(i, 1) : op(i, 1);
    const a = BigInt.asIntN(bits, readU(c, i, src, size));
    const third = i.operands[2];
    const b =
      i.operands.length === 3 && third
        ? BigInt.asIntN(bits, third.kind === OperandKind.Imm ? readU(c, i, third, size) : 0n)
        : BigInt.asIntN(bits, regU(c, d.reg, size));
    const p = a * b;
    const low = BigInt.asUintN(bits, p);
    setRegSized(c, d.reg, low, size);
    mulFlags(c, low, bits, p !== BigInt.asIntN(bits, p));
  },
});

/** 32- and 64-bit division when dividend and divisor fit in doubles exactly (rdx only a sign or zero extension). */
function fastDivide(c: Cpu, i: Instruction, signed: boolean): boolean {
  const s = op(i, 0);
  const size = s.size;
  if (size !== 4 && size !== 8) return false;
  const r = c.r;
  const dl = c.read(i, s, size);
  const dh = size === 8 ? c.hi : 0;
  let divisor: number;
  let dividend: number;
  if (size === 4) {
    const ext = signed ? (r[0] as number) >> 31 : 0;
    if ((r[4] as number) !== ext) return false;
    divisor = signed ? dl | 0 : dl >>> 0;
    dividend = signed ? (r[0] as number) | 0 : (r[0] as number) >>> 0;
  } else {
    const ext = signed ? (r[1] as number) >> 31 : 0;
    if ((r[4] as number) !== ext || (r[5] as number) !== ext) return false;
    const limit = 2 ** 21;
    const ah = r[1] as number;
    if (
      signed
        ? ah >= limit || ah < -limit || dh >= limit || dh < -limit
        : ah >>> 0 >= limit || dh >>> 0 >= limit
    )
      return false;
    divisor = signed ? dh * 4294967296 + (dl >>> 0) : (dh >>> 0) * 4294967296 + (dl >>> 0);
    dividend = signed
      ? ah * 4294967296 + ((r[0] as number) >>> 0)
      : (ah >>> 0) * 4294967296 + ((r[0] as number) >>> 0);
  }
  if (divisor === 0) throw new CpuFault(0, undefined);
  const q = Math.trunc(dividend / divisor);
  const rem = dividend - q * divisor;
  // The one quotient that does not fit: the most negative value divided by -1.
  if (signed && size === 4 && q === 2147483648) throw new CpuFault(0, undefined);
  if (size === 4) {
    r[0] = q | 0;
    r[1] = 0;
    r[4] = rem | 0;
    r[5] = 0;
  } else {
    r[0] = (q % 4294967296) | 0;
    r[1] = Math.floor(q / 4294967296) | 0;
    r[4] = (rem % 4294967296) | 0;
    r[5] = Math.floor(rem / 4294967296) | 0;
  }
  return true;
}

function divide(c: Cpu, i: Instruction, signed: boolean): void {
  if (fastDivide(c, i, signed)) return;
  const s = op(i, 0);
  const size = s.size;
  const bits = size * 8;
  const B = BigInt(bits);
  let divisor = readU(c, i, s, size);
  let dividend = size === 1 ? regU(c, 0, 2) : (regU(c, 2, size) << B) | regU(c, 0, size);
  if (divisor === 0n) throw new CpuFault(0, undefined);
  if (signed) {
    divisor = BigInt.asIntN(bits, divisor);
    dividend = BigInt.asIntN(bits * 2, dividend);
  }
  const q = dividend / divisor;
  const rem = dividend % divisor;
  const fits = signed ? q === BigInt.asIntN(bits, q) : q >> B === 0n;
  if (!fits) throw new CpuFault(0, undefined);
  if (size === 1) {
    const ax = (BigInt.asUintN(8, rem) << 8n) | BigInt.asUintN(8, q);
    setRegSized(c, 0, ax, 2);
  } else {
    setRegSized(c, 0, BigInt.asUintN(bits, q), size);
    setRegSized(c, 2, BigInt.asUintN(bits, rem), size);
  }
}

define('div', { exec: (c, i) => divide(c, i, false) });
define('idiv', { exec: (c, i) => divide(c, i, true) });
