/**
 * Shifts and rotates (SDM vol. 2, SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR, SHLD/SHRD).
 * The count is masked to 5 bits (6 for 64-bit operands); a masked count of 0
 * changes nothing, flags included. Flags are computed eagerly; OF follows the
 * 1-bit definition for every count (what current Intel cores do), AF is cleared.
 * Values are handled as BigInt here: shifts are not on the hot path of the
 * generic engine (the block compiler inlines the common forms).
 */
import { type Instruction, type Operand, OperandKind } from '../../decoder/instruction.js';
import type { Cpu } from '../cpu.js';
import { computeFlags, PARITY, RFLAGS, setKnownFlags } from '../flags.js';
import { define } from './registry.js';

const op = (i: Instruction, n: number) => i.operands[n] as Operand;

function readBig(c: Cpu, i: Instruction, o: Operand, size: number): bigint {
  const lo = c.read(i, o, size);
  if (size === 8) return (BigInt(c.hi >>> 0) << 32n) | BigInt(lo >>> 0);
  return BigInt(lo >>> 0) & ((1n << BigInt(size * 8)) - 1n);
}

function writeBig(c: Cpu, i: Instruction, o: Operand, v: bigint, size: number): void {
  c.write(i, o, Number(v & 0xffffffffn) | 0, Number((v >> 32n) & 0xffffffffn) | 0, size);
}

function resultFlags(old: number, v: bigint, bits: number, cf: number, of: number): number {
  let f = old & ~(RFLAGS.CF | RFLAGS.OF | RFLAGS.ZF | RFLAGS.SF | RFLAGS.PF | RFLAGS.AF);
  if (cf) f |= RFLAGS.CF;
  if (of) f |= RFLAGS.OF;
  if (v === 0n) f |= RFLAGS.ZF;
  if ((v >> BigInt(bits - 1)) & 1n) f |= RFLAGS.SF;
  if (PARITY[Number(v & 0xffn)]) f |= RFLAGS.PF;
  return f;
}

function countOf(c: Cpu, i: Instruction, o: Operand | undefined, size: number): number {
  const raw = o ? c.read(i, o, 1) & 0xff : 1;
  return raw & (size === 8 ? 63 : 31);
}

/** shl/shr/sar of 32-bit values without BigInt (the common case); flags as in `shift`. */
function shift32(c: Cpu, i: Instruction, d: Operand, count: number): void {
  const v = c.read(i, d, 4);
  const m = i.mnemonic;
  const flags = computeFlags(c.F);
  let r: number;
  let cf: number;
  let of: number;
  if (m === 'shr') {
    r = v >>> count;
    cf = (v >>> (count - 1)) & 1;
    of = v >>> 31;
  } else if (m === 'sar') {
    r = v >> count;
    cf = (v >> (count - 1)) & 1;
    of = 0;
  } else {
    r = v << count;
    cf = (v >>> (32 - count)) & 1;
    of = (r >>> 31) ^ cf;
  }
  c.write(i, d, r, 0, 4);
  let f = flags & ~(RFLAGS.CF | RFLAGS.OF | RFLAGS.ZF | RFLAGS.SF | RFLAGS.PF | RFLAGS.AF);
  if (cf) f |= RFLAGS.CF;
  if (of) f |= RFLAGS.OF;
  if (r === 0) f |= RFLAGS.ZF;
  if (r < 0) f |= RFLAGS.SF;
  if (PARITY[r & 0xff]) f |= RFLAGS.PF;
  setKnownFlags(c.F, f);
}

/** shl/shr/sar of 64-bit values as two halves, without BigInt. */
function shift64(c: Cpu, i: Instruction, d: Operand, count: number): void {
  const lo = c.read(i, d, 8);
  const hi = c.hi;
  const m = i.mnemonic;
  const flags = computeFlags(c.F);
  let rl: number;
  let rh: number;
  let cf: number;
  let of: number;
  const bit = (n: number) => (n < 32 ? (lo >>> n) & 1 : (hi >>> (n - 32)) & 1);
  if (m === 'shr' || m === 'sar') {
    const fill = m === 'sar' ? hi >> 31 : 0;
    if (count < 32) {
      rl = (lo >>> count) | (count ? hi << (32 - count) : 0);
      rh = m === 'sar' ? hi >> count : hi >>> count;
    } else {
      rl = m === 'sar' ? hi >> (count - 32) : count === 32 ? hi : hi >>> (count - 32);
      rh = fill;
    }
    cf = bit(count - 1);
    of = m === 'sar' ? 0 : hi >>> 31;
  } else {
    if (count < 32) {
      rh = (hi << count) | (count ? lo >>> (32 - count) : 0);
      rl = lo << count;
    } else {
      rh = lo << (count - 32);
      rl = 0;
    }
    cf = bit(64 - count);
    of = (rh >>> 31) ^ cf;
  }
  c.write(i, d, rl, rh, 8);
  let f = flags & ~(RFLAGS.CF | RFLAGS.OF | RFLAGS.ZF | RFLAGS.SF | RFLAGS.PF | RFLAGS.AF);
  if (cf) f |= RFLAGS.CF;
  if (of) f |= RFLAGS.OF;
  if (rl === 0 && rh === 0) f |= RFLAGS.ZF;
  if (rh < 0) f |= RFLAGS.SF;
  if (PARITY[rl & 0xff]) f |= RFLAGS.PF;
  setKnownFlags(c.F, f);
}

/** rol/ror of 32- and 64-bit values without BigInt; only CF and OF change. */
function rotate(c: Cpu, i: Instruction, d: Operand, size: number, count: number): void {
  const lo = c.read(i, d, size);
  const hi = size === 8 ? c.hi : 0;
  const left = i.mnemonic === 'rol';
  let rl: number;
  let rh = 0;
  if (size === 4) {
    rl = left ? (lo << count) | (lo >>> (32 - count)) : (lo >>> count) | (lo << (32 - count));
  } else {
    // Rotating right by n is rotating left by 64 - n; a rotation by 32 or more swaps the halves first.
    let n = left ? count : 64 - count;
    let a = lo;
    let b = hi;
    if (n >= 32) {
      const t = a;
      a = b;
      b = t;
      n -= 32;
    }
    rl = n === 0 ? a : (a << n) | (b >>> (32 - n));
    rh = n === 0 ? b : (b << n) | (a >>> (32 - n));
  }
  c.write(i, d, rl | 0, rh | 0, size);
  const top = size === 8 ? rh >>> 31 : rl >>> 31;
  const cf = left ? rl & 1 : top;
  const second = size === 8 ? (rh >>> 30) & 1 : (rl >>> 30) & 1;
  const of = left ? top ^ cf : top ^ second;
  let f = computeFlags(c.F) & ~(RFLAGS.CF | RFLAGS.OF);
  if (cf) f |= RFLAGS.CF;
  if (of) f |= RFLAGS.OF;
  setKnownFlags(c.F, f);
}

function shift(c: Cpu, i: Instruction): void {
  const d = op(i, 0);
  const size = d.size;
  const m = i.mnemonic;
  if ((size === 4 || size === 8) && (m === 'rol' || m === 'ror')) {
    const count = countOf(c, i, i.operands[1], size);
    if (count !== 0) {
      rotate(c, i, d, size, count);
      return;
    }
  }
  if ((size === 4 || size === 8) && (m === 'shl' || m === 'sal' || m === 'shr' || m === 'sar')) {
    const count = countOf(c, i, i.operands[1], size);
    if (count !== 0) {
      if (size === 4) shift32(c, i, d, count);
      else shift64(c, i, d, count);
      return;
    }
  }
  const bits = size * 8;
  const B = BigInt(bits);
  const all = (1n << B) - 1n;
  const count = countOf(c, i, i.operands[1], size);
  const v = readBig(c, i, d, size);
  if (count === 0) {
    // Nothing shifts, but a 32-bit register destination is still written (its upper half cleared).
    if (size === 4 && d.kind === OperandKind.Reg) writeBig(c, i, d, v, size);
    return;
  }
  const n = BigInt(count);
  const flags = computeFlags(c.F);
  const cfIn = flags & RFLAGS.CF ? 1n : 0n;
  const top = (x: bigint) => Number((x >> (B - 1n)) & 1n);
  let r: bigint;
  let cf: number;
  let of: number;
  let keepSzp = false;
  switch (i.mnemonic) {
    case 'shl':
    case 'sal':
      r = (v << n) & all;
      cf = count > bits ? 0 : Number((v >> (B - n)) & 1n);
      of = top(r) ^ cf;
      break;
    case 'shr':
      r = v >> n;
      cf = Number((v >> (n - 1n)) & 1n);
      of = top(v);
      break;
    case 'sar': {
      const signed = BigInt.asIntN(bits, v);
      r = BigInt.asUintN(bits, signed >> n);
      cf = Number(BigInt.asUintN(bits + 64, signed >> (n - 1n)) & 1n);
      of = 0;
      break;
    }
    case 'rol': {
      const m = n % B;
      r = ((v << m) | (v >> ((B - m) % B))) & all;
      cf = Number(r & 1n);
      of = top(r) ^ cf;
      keepSzp = true;
      break;
    }
    case 'ror': {
      const m = n % B;
      r = ((v >> m) | (v << ((B - m) % B))) & all;
      cf = top(r);
      of = top(r) ^ Number((r >> (B - 2n)) & 1n);
      keepSzp = true;
      break;
    }
    case 'rcl': {
      const m = size <= 2 ? n % (B + 1n) : n;
      const wide = (cfIn << B) | v;
      const W = B + 1n;
      const rot = m === 0n ? wide : ((wide << m) | (wide >> (W - m))) & ((1n << W) - 1n);
      r = rot & all;
      cf = Number((rot >> B) & 1n);
      of = top(r) ^ cf;
      keepSzp = true;
      if (m === 0n) {
        writeBig(c, i, d, v, size);
        return;
      }
      break;
    }
    default: {
      // rcr
      const m = size <= 2 ? n % (B + 1n) : n;
      const wide = (cfIn << B) | v;
      const W = B + 1n;
      const rot = m === 0n ? wide : ((wide >> m) | (wide << (W - m))) & ((1n << W) - 1n);
      r = rot & all;
      cf = Number((rot >> B) & 1n);
      of = top(r) ^ Number((r >> (B - 2n)) & 1n);
      keepSzp = true;
      if (m === 0n) {
        writeBig(c, i, d, v, size);
        return;
      }
      break;
    }
  }
  writeBig(c, i, d, r, size);
  if (keepSzp) {
    let f = flags & ~(RFLAGS.CF | RFLAGS.OF);
    if (cf) f |= RFLAGS.CF;
    if (of) f |= RFLAGS.OF;
    setKnownFlags(c.F, f);
  } else {
    setKnownFlags(c.F, resultFlags(flags, r, bits, cf, of));
  }
}

define(['shl', 'sal', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr'], { exec: shift });

function doubleShift(c: Cpu, i: Instruction): void {
  const d = op(i, 0);
  const size = d.size;
  const bits = size * 8;
  const B = BigInt(bits);
  const all = (1n << B) - 1n;
  const count = countOf(c, i, i.operands[2], size === 8 ? 8 : 4);
  const v = readBig(c, i, d, size);
  const s = readBig(c, i, op(i, 1), size);
  if (count === 0) {
    if (size === 4 && d.kind === OperandKind.Reg) writeBig(c, i, d, v, size);
    return;
  }
  const n = BigInt(count);
  let r: bigint;
  let cf: number;
  if (i.mnemonic === 'shld') {
    // For 16-bit operands counts above 16 are undefined; this is the common behaviour of concatenating again.
    const wide = (v << B) | s;
    const rot = size === 2 ? ((wide << n) | (wide >> (2n * B - n))) & ((1n << (2n * B)) - 1n) : wide << n;
    r = (rot >> B) & all;
    cf = Number((((v << B) | s) >> (2n * B - n)) & 1n);
  } else {
    const wide = (s << B) | v;
    const rot = size === 2 ? ((wide >> n) | (wide << (2n * B - n))) & ((1n << (2n * B)) - 1n) : wide >> n;
    r = rot & all;
    cf = Number((wide >> (n - 1n)) & 1n);
  }
  writeBig(c, i, d, r, size);
  const of = Number(((r ^ v) >> (B - 1n)) & 1n);
  setKnownFlags(c.F, resultFlags(computeFlags(c.F), r, bits, cf, of));
}

define(['shld', 'shrd'], { exec: doubleShift });
