/**
 * The SSE4.2 string compares pcmpistri, pcmpistrm, pcmpestri, pcmpestrm
 * (SDM vol. 2, 4.1 "Imm8 control byte operation for PCMPESTRI …"): element
 * format, aggregation (equal any, ranges, equal each, equal ordered), polarity,
 * and the index, mask and flags outputs.
 */
import type { Instruction } from '../../decoder/instruction.js';
import type { Cpu } from '../cpu.js';
import { RFLAGS, setKnownFlags } from '../flags.js';
import { define } from './registry.js';
import { dst, loadSource, op, sse } from './sse-state.js';

function elements(bytes: Uint8Array, words: boolean, signed: boolean): number[] {
  const out: number[] = [];
  const n = words ? 8 : 16;
  for (let k = 0; k < n; k++) {
    let v = words ? (bytes[2 * k] as number) | ((bytes[2 * k + 1] as number) << 8) : (bytes[k] as number);
    if (signed) v = words ? (v << 16) >> 16 : (v << 24) >> 24;
    out.push(v);
  }
  return out;
}

function implicitLength(v: number[]): number {
  const z = v.indexOf(0);
  return z < 0 ? v.length : z;
}

/** An explicit length register (rax/rdx, or eax/edx without REX.W): absolute value, at most n. */
function explicitLength(c: Cpu, reg: number, wide: boolean, n: number): number {
  let v: number;
  if (wide) {
    const hi = c.r[2 * reg + 1] as number;
    const lo = (c.r[2 * reg] as number) >>> 0;
    if (hi < 0) v = hi === -1 && lo !== 0 ? 4294967296 - lo : n;
    else v = hi > 0 ? n : lo;
  } else v = Math.abs(c.r[2 * reg] as number);
  return Math.min(v, n);
}

function compareStrings(c: Cpu, i: Instruction, explicit: boolean, wantIndex: boolean): void {
  const imm = (i.operands[2]?.immLo ?? 0) & 0xff;
  const words = (imm & 1) !== 0;
  const signed = (imm & 2) !== 0;
  const n = words ? 8 : 16;
  const s = loadSource(c, i, op(i, 1), 16);
  const x = sse(c).x.u8;
  const d = dst(i) * 4;
  const a = elements(x.subarray(d, d + 16), words, signed);
  const b = elements(s.u8, words, signed);
  const wide = i.opSize === 8;
  const la = explicit ? explicitLength(c, 0, wide, n) : implicitLength(a);
  const lb = explicit ? explicitLength(c, 2, wide, n) : implicitLength(b);
  const aggregation = (imm >> 2) & 3;
  let res1 = 0;
  for (let j = 0; j < n; j++) {
    let bit = false;
    switch (aggregation) {
      case 0: // equal any
        if (j < lb) for (let k = 0; k < la && !bit; k++) bit = b[j] === a[k];
        break;
      case 1: // ranges: pairs (low, high) in a
        if (j < lb)
          for (let k = 0; k + 1 < la + (la % 2) && !bit; k += 2) {
            if (k + 1 >= la) break;
            bit = (b[j] as number) >= (a[k] as number) && (b[j] as number) <= (a[k + 1] as number);
          }
        break;
      case 2: {
        // equal each
        const av = j < la;
        const bv = j < lb;
        bit = !av && !bv ? true : av && bv ? a[j] === b[j] : false;
        break;
      }
      default: {
        // equal ordered: a occurs in b at position j
        bit = true;
        for (let k = 0; k < n - j && bit; k++) {
          const av = k < la;
          const bv = j + k < lb;
          if (!av) break;
          bit = bv ? a[k] === b[j + k] : false;
        }
      }
    }
    if (bit) res1 |= 1 << j;
  }
  const all = (1 << n) - 1;
  let res2: number;
  switch ((imm >> 4) & 3) {
    case 1:
      res2 = ~res1 & all;
      break;
    case 3:
      res2 = (res1 ^ ((1 << lb) - 1)) & all;
      break;
    default:
      res2 = res1;
  }
  let flags = 0;
  if (res2 !== 0) flags |= RFLAGS.CF;
  if (lb < n) flags |= RFLAGS.ZF;
  if (la < n) flags |= RFLAGS.SF;
  if (res2 & 1) flags |= RFLAGS.OF;
  setKnownFlags(c.F, flags);
  if (wantIndex) {
    let index = n;
    if (res2 !== 0) index = imm & 0x40 ? 31 - Math.clz32(res2) : 31 - Math.clz32(res2 & -res2);
    c.r[2] = index;
    c.r[3] = 0;
    return;
  }
  const xmm0 = sse(c).x;
  if (imm & 0x40) {
    for (let k = 0; k < n; k++) {
      const v = (res2 >> k) & 1 ? 0xff : 0;
      if (words) {
        xmm0.u8[2 * k] = v;
        xmm0.u8[2 * k + 1] = v;
      } else xmm0.u8[k] = v;
    }
  } else {
    xmm0.i32.fill(0, 0, 4);
    xmm0.i32[0] = res2;
  }
}

define('pcmpistri', { exec: (c, i) => compareStrings(c, i, false, true) });
define('pcmpistrm', { exec: (c, i) => compareStrings(c, i, false, false) });
define('pcmpestri', { exec: (c, i) => compareStrings(c, i, true, true) });
define('pcmpestrm', { exec: (c, i) => compareStrings(c, i, true, false) });
