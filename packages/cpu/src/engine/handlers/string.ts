/**
 * String instructions (movs, stos, lods, scas, cmps, ins, outs) with rep,
 * repe and repne, both directions, every width. Registers advance element by
 * element, so a fault in the middle leaves rsi/rdi/rcx where the hardware
 * would, and rip on the instruction to restart it. Forward movs and stos copy a
 * page run at a time.
 */

import { AccessKind } from '@x/mmu';
import type { Instruction } from '../../decoder/instruction.js';
import type { Cpu } from '../cpu.js';
import { F_AUX, FlagOp } from '../flags.js';
import { addSub, mask, recordFlags } from './alu.js';
import { define } from './registry.js';

const TWO32 = 4294967296;

function sizeOf(i: Instruction): number {
  const m = i.mnemonic;
  const last = m[m.length - 1];
  return last === 'b' ? 1 : last === 'w' ? 2 : last === 'd' ? 4 : 8;
}

function ptr(c: Cpu, i: Instruction, reg: number): number {
  return i.addrSize === 4 ? (c.r[2 * reg] as number) >>> 0 : c.regLinear(reg);
}

function advance(c: Cpu, i: Instruction, reg: number, by: number): void {
  if (i.addrSize === 4) {
    c.r[2 * reg] = ((c.r[2 * reg] as number) + by) | 0;
    c.r[2 * reg + 1] = 0;
  } else {
    c.setRegLinear(reg, c.regLinear(reg) + by);
  }
}

function count(c: Cpu, i: Instruction): number {
  return i.addrSize === 4
    ? (c.r[2] as number) >>> 0
    : ((c.r[3] as number) >>> 0) * TWO32 + ((c.r[2] as number) >>> 0);
}

function setCount(c: Cpu, i: Instruction, n: number): void {
  c.r[2] = (n % TWO32) | 0;
  c.r[3] = i.addrSize === 4 ? 0 : Math.floor(n / TWO32) | 0;
}

function readN(c: Cpu, a: number, size: number): number {
  const p = c.port;
  if (size === 1) return p.read8(a);
  if (size === 2) return p.read16(a);
  if (size === 4) return p.read32(a);
  const lo = p.read64(a);
  c.hi = p.hi;
  return lo;
}

function writeN(c: Cpu, a: number, size: number, lo: number, hi: number): void {
  const p = c.port;
  if (size === 1) p.write8(a, lo);
  else if (size === 2) p.write16(a, lo);
  else if (size === 4) p.write32(a, lo);
  else p.write64(a, lo, hi);
}

function seg(c: Cpu, i: Instruction): number {
  const o = i.operands[0];
  return o?.seg === 4 ? c.fsBase : o?.seg === 5 ? c.gsBase : 0;
}

/** Elements of `size` left in the page of `a` going forward. */
function inPage(a: number, size: number): number {
  const off = ((a % 4096) + 4096) % 4096;
  return Math.floor((4096 - off) / size);
}

function movs(c: Cpu, i: Instruction): void {
  const size = sizeOf(i);
  const step = size * c.direction;
  const rep = i.rep !== 0;
  let n = rep ? count(c, i) : 1;
  const base = seg(c, i);
  while (n > 0) {
    const src = base + ptr(c, i, 6);
    const dst = ptr(c, i, 7);
    if (rep && step > 0 && n > 1 && i.addrSize === 8) {
      const run = Math.min(n, inPage(src, size), inPage(dst, size));
      if (run > 1) {
        const ps = c.port.translate(src, AccessKind.Read);
        const pd = c.port.translate(dst, AccessKind.Write);
        c.port.u8.copyWithin(pd, ps, ps + run * size);
        n -= run;
        advance(c, i, 6, run * size);
        advance(c, i, 7, run * size);
        setCount(c, i, n);
        continue;
      }
    }
    const lo = readN(c, src, size);
    writeN(c, dst, size, lo, c.hi);
    advance(c, i, 6, step);
    advance(c, i, 7, step);
    n--;
    if (rep) setCount(c, i, n);
  }
}

function stos(c: Cpu, i: Instruction): void {
  const size = sizeOf(i);
  const step = size * c.direction;
  const rep = i.rep !== 0;
  let n = rep ? count(c, i) : 1;
  const lo = c.r[0] as number;
  const hi = c.r[1] as number;
  while (n > 0) {
    const dst = ptr(c, i, 7);
    if (rep && step > 0 && n > 1 && i.addrSize === 8) {
      const run = Math.min(n, inPage(dst, size));
      if (run > 1) {
        const pd = c.port.translate(dst, AccessKind.Write);
        const u8 = c.port.u8;
        if (size === 1) u8.fill(lo & 0xff, pd, pd + run);
        else for (let k = 0; k < run; k++) writeN(c, dst + k * size, size, lo, hi);
        n -= run;
        advance(c, i, 7, run * size);
        setCount(c, i, n);
        continue;
      }
    }
    writeN(c, dst, size, lo, hi);
    advance(c, i, 7, step);
    n--;
    if (rep) setCount(c, i, n);
  }
}

function lods(c: Cpu, i: Instruction): void {
  const size = sizeOf(i);
  const step = size * c.direction;
  const rep = i.rep !== 0;
  let n = rep ? count(c, i) : 1;
  const base = seg(c, i);
  while (n > 0) {
    const v = readN(c, base + ptr(c, i, 6), size);
    const r = c.r;
    if (size === 1) r[0] = ((r[0] as number) & ~0xff) | v;
    else if (size === 2) r[0] = ((r[0] as number) & ~0xffff) | v;
    else {
      r[0] = v;
      r[1] = size === 8 ? c.hi : 0;
    }
    advance(c, i, 6, step);
    n--;
    if (rep) setCount(c, i, n);
  }
}

/** scas and cmps: compare, then stop on the rep condition. */
function compare(c: Cpu, i: Instruction, scas: boolean): void {
  const size = sizeOf(i);
  const step = size * c.direction;
  const rep = i.rep;
  let n = rep ? count(c, i) : 1;
  const base = seg(c, i);
  while (n > 0) {
    let dl: number;
    let dh: number;
    let sl: number;
    let sh: number;
    if (scas) {
      dl = mask(c.r[0] as number, size);
      dh = size === 8 ? (c.r[1] as number) : 0;
      sl = mask(readN(c, ptr(c, i, 7), size), size);
      sh = size === 8 ? c.hi : 0;
    } else {
      dl = mask(readN(c, base + ptr(c, i, 6), size), size);
      dh = size === 8 ? c.hi : 0;
      sl = mask(readN(c, ptr(c, i, 7), size), size);
      sh = size === 8 ? c.hi : 0;
    }
    const rl = addSub(c, true, 0, size, dl, dh, sl, sh);
    recordFlags(c, FlagOp.Sub, size, rl, c.hi, dl, dh, sl, sh);
    c.F[F_AUX] = 0;
    if (!scas) advance(c, i, 6, step);
    advance(c, i, 7, step);
    n--;
    if (rep) {
      setCount(c, i, n);
      const equal = rl === 0 && (size < 8 || c.hi === 0);
      if (rep === 0xf3 && !equal) break;
      if (rep === 0xf2 && equal) break;
    }
  }
}

define(['movsb', 'movsw', 'movsd', 'movsq'], {
  exec(c, i) {
    // movsd with an XMM operand is the SSE2 scalar move (handled in sse.ts).
    if (i.operands.length > 0) return sseMovsd(c, i);
    movs(c, i);
  },
});
define(['stosb', 'stosw', 'stosd', 'stosq'], { exec: stos });
define(['lodsb', 'lodsw', 'lodsd', 'lodsq'], { exec: lods });
define(['scasb', 'scasw', 'scasd', 'scasq'], { exec: (c, i) => compare(c, i, true) });
define(['cmpsb', 'cmpsw', 'cmpsd', 'cmpsq'], {
  exec(c, i) {
    if (i.operands.length > 0) return sseCmpsd(c, i);
    compare(c, i, false);
  },
});

let sseMovsd: (c: Cpu, i: Instruction) => void = () => {};
let sseCmpsd: (c: Cpu, i: Instruction) => void = () => {};

/** The SSE2 forms that share a mnemonic with string instructions register here. */
export function setScalarDoubleForms(movsd: typeof sseMovsd, cmpsd: typeof sseCmpsd): void {
  sseMovsd = movsd;
  sseCmpsd = cmpsd;
}
