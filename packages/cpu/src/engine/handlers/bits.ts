/**
 * Bit instructions: bt/bts/btr/btc (register and memory, where a register bit
 * offset reaches beyond the addressed operand), bsf/bsr (zero source: ZF set,
 * destination unchanged, as Intel and AMD cores do), tzcnt/lzcnt/popcnt.
 */
import type { Instruction, Operand } from '../../decoder/instruction.js';
import { OperandKind } from '../../decoder/instruction.js';
import type { Cpu } from '../cpu.js';
import { computeFlags, RFLAGS, setKnownFlags } from '../flags.js';
import { define } from './registry.js';

const op = (i: Instruction, n: number) => i.operands[n] as Operand;

function bitTest(c: Cpu, i: Instruction): void {
  const d = op(i, 0);
  const s = op(i, 1);
  const size = d.size;
  const bits = size * 8;
  let offset: number;
  if (s.kind === OperandKind.Imm) offset = s.immLo & (bits - 1);
  else {
    const lo = c.read(i, s, size);
    // Signed bit offset: a memory operand is addressed relative to the effective address.
    offset = size === 8 ? c.hi * 4294967296 + (lo >>> 0) : size === 4 ? lo : (lo << 16) >> 16;
  }
  let lo: number;
  let hi: number;
  let write: (l: number, h: number) => void;
  let bit: number;
  if (d.kind === OperandKind.Mem && s.kind !== OperandKind.Imm) {
    const a = c.ea(i, d) + Math.floor(offset / bits) * size;
    bit = ((offset % bits) + bits) % bits;
    const port = c.port;
    if (size === 8) {
      lo = port.read64(a);
      hi = port.hi;
      write = (l, h) => port.write64(a, l, h);
    } else if (size === 4) {
      lo = port.read32(a);
      hi = 0;
      write = (l) => port.write32(a, l);
    } else {
      lo = port.read16(a);
      hi = 0;
      write = (l) => port.write16(a, l);
    }
  } else {
    bit = ((offset % bits) + bits) % bits;
    lo = c.read(i, d, size);
    hi = size === 8 ? c.hi : 0;
    write = (l, h) => c.write(i, d, l, h, size);
  }
  const inHi = bit >= 32;
  const m = 1 << (bit & 31);
  const set = ((inHi ? hi : lo) & m) !== 0;
  const f = computeFlags(c.F);
  if (i.mnemonic !== 'bt') {
    let word = inHi ? hi : lo;
    if (i.mnemonic === 'bts') word |= m;
    else if (i.mnemonic === 'btr') word &= ~m;
    else word ^= m;
    if (inHi) write(lo, word);
    else write(word, hi);
  }
  setKnownFlags(c.F, set ? f | RFLAGS.CF : f & ~RFLAGS.CF);
}

define(['bt', 'bts', 'btr', 'btc'], { exec: bitTest });

function clz32(v: number): number {
  return Math.clz32(v);
}

function ctz32(v: number): number {
  return v === 0 ? 32 : 31 - Math.clz32(v & -v);
}

function scan(c: Cpu, i: Instruction): void {
  const d = op(i, 0);
  const size = d.size;
  const bits = size * 8;
  let lo = c.read(i, op(i, 1), size);
  let hi = size === 8 ? c.hi : 0;
  if (size === 2) lo &= 0xffff;
  if (size < 8) hi = 0;
  const zero = lo === 0 && hi === 0;
  const tz = lo !== 0 ? ctz32(lo) : 32 + ctz32(hi);
  const lz = size === 8 ? (hi !== 0 ? clz32(hi) : 32 + clz32(lo)) : clz32(lo) - (32 - bits);
  const f = computeFlags(c.F);
  switch (i.mnemonic) {
    case 'bsf':
    case 'bsr':
      if (zero) {
        setKnownFlags(
          c.F,
          (f & ~(RFLAGS.ZF | RFLAGS.CF | RFLAGS.OF | RFLAGS.SF | RFLAGS.AF | RFLAGS.PF)) | RFLAGS.ZF,
        );
        return;
      }
      c.write(i, d, i.mnemonic === 'bsf' ? tz : bits - 1 - lz, 0, size);
      setKnownFlags(c.F, f & ~(RFLAGS.ZF | RFLAGS.CF | RFLAGS.OF | RFLAGS.SF | RFLAGS.AF | RFLAGS.PF));
      return;
    case 'tzcnt':
    case 'lzcnt': {
      const n = zero ? bits : i.mnemonic === 'tzcnt' ? tz : lz;
      c.write(i, d, n, 0, size);
      let nf = f & ~(RFLAGS.ZF | RFLAGS.CF | RFLAGS.OF | RFLAGS.SF | RFLAGS.AF | RFLAGS.PF);
      if (zero) nf |= RFLAGS.CF;
      if (n === 0) nf |= RFLAGS.ZF;
      setKnownFlags(c.F, nf);
      return;
    }
    default: {
      const pop = (v: number) => {
        let x = v - ((v >>> 1) & 0x55555555);
        x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
        return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
      };
      const n = pop(lo) + pop(hi);
      c.write(i, d, n, 0, size);
      setKnownFlags(c.F, zero ? RFLAGS.ZF : 0);
    }
  }
}

define(['bsf', 'bsr', 'tzcnt', 'lzcnt', 'popcnt'], { exec: scan });
