/** Two-operand arithmetic and logic, inc/dec/neg/not, with exact (lazily computed) flags. */
import type { Instruction } from '../../decoder/instruction.js';
import type { Cpu } from '../cpu.js';
import { computeFlags, F_AUX, F_DST, F_OP, F_RES, F_SRC, FlagOp, RFLAGS } from '../flags.js';
import { define } from './registry.js';

export function mask(v: number, size: number): number {
  return size === 1 ? v & 0xff : size === 2 ? v & 0xffff : v | 0;
}

/** Record a flag-setting operation. */
export function recordFlags(
  c: Cpu,
  op: number,
  size: number,
  rl: number,
  rh: number,
  dl: number,
  dh: number,
  sl: number,
  sh: number,
): void {
  const F = c.F;
  F[F_OP] = op * 16 + size;
  F[F_RES] = rl;
  F[F_RES + 1] = rh;
  F[F_DST] = dl;
  F[F_DST + 1] = dh;
  F[F_SRC] = sl;
  F[F_SRC + 1] = sh;
}

export function carry(c: Cpu): number {
  return computeFlags(c.F) & RFLAGS.CF;
}

/** Add or subtract with an optional carry/borrow in; returns the low half, high half in c.hi. */
export function addSub(
  c: Cpu,
  sub: boolean,
  cin: number,
  size: number,
  dl: number,
  dh: number,
  sl: number,
  sh: number,
): number {
  let rl: number;
  let rh = 0;
  if (size === 8) {
    if (sub) {
      const lo = (dl >>> 0) - (sl >>> 0) - cin;
      rl = lo | 0;
      rh = (dh - sh - (lo < 0 ? 1 : 0)) | 0;
    } else {
      const lo = (dl >>> 0) + (sl >>> 0) + cin;
      rl = lo | 0;
      rh = (dh + sh + (lo > 0xffffffff ? 1 : 0)) | 0;
    }
  } else {
    dl = mask(dl, size);
    sl = mask(sl, size);
    dh = 0;
    sh = 0;
    rl = mask(sub ? dl - sl - cin : dl + sl + cin, size);
  }
  c.hi = rh;
  return rl;
}

function aluExec(kind: 'add' | 'or' | 'adc' | 'sbb' | 'and' | 'sub' | 'xor' | 'cmp' | 'test') {
  return (c: Cpu, i: Instruction): void => {
    const [d, s] = i.operands as [
      NonNullable<Instruction['operands'][0]>,
      NonNullable<Instruction['operands'][0]>,
    ];
    const size = d.size;
    const dl = c.read(i, d, size);
    const dh = size === 8 ? c.hi : 0;
    // Immediates are already sign-extended to the operand size by the decoder.
    const sl = c.read(i, s, size);
    const sh = size === 8 ? c.hi : 0;
    let rl: number;
    let rh = 0;
    let op: number;
    let cin = 0;
    switch (kind) {
      case 'add':
      case 'adc':
        if (kind === 'adc') cin = carry(c);
        rl = addSub(c, false, cin, size, dl, dh, sl, sh);
        rh = c.hi;
        op = kind === 'adc' ? FlagOp.Adc : FlagOp.Add;
        break;
      case 'sub':
      case 'sbb':
      case 'cmp':
        if (kind === 'sbb') cin = carry(c);
        rl = addSub(c, true, cin, size, dl, dh, sl, sh);
        rh = c.hi;
        op = kind === 'sbb' ? FlagOp.Sbb : FlagOp.Sub;
        break;
      case 'and':
      case 'test':
        rl = mask(dl & sl, size);
        rh = dh & sh;
        op = FlagOp.Logic;
        break;
      case 'or':
        rl = mask(dl | sl, size);
        rh = dh | sh;
        op = FlagOp.Logic;
        break;
      default:
        rl = mask(dl ^ sl, size);
        rh = dh ^ sh;
        op = FlagOp.Logic;
        break;
    }
    if (kind !== 'cmp' && kind !== 'test') c.write(i, d, rl, rh, size);
    recordFlags(c, op, size, rl, rh, mask(dl, size), dh, mask(sl, size), sh);
    c.F[F_AUX] = cin;
  };
}

for (const k of ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp', 'test'] as const)
  define(k, { exec: aluExec(k) });

define(['inc', 'dec'], {
  exec(c, i) {
    const d = i.operands[0] as NonNullable<Instruction['operands'][0]>;
    const size = d.size;
    const cf = carry(c);
    const dl = c.read(i, d, size);
    const dh = size === 8 ? c.hi : 0;
    const sub = i.mnemonic === 'dec';
    const rl = addSub(c, sub, 0, size, dl, dh, 1, 0);
    const rh = c.hi;
    c.write(i, d, rl, rh, size);
    recordFlags(c, sub ? FlagOp.Dec : FlagOp.Inc, size, rl, rh, mask(dl, size), dh, 1, 0);
    c.F[F_AUX] = cf;
  },
});

define('neg', {
  exec(c, i) {
    const d = i.operands[0] as NonNullable<Instruction['operands'][0]>;
    const size = d.size;
    const sl = c.read(i, d, size);
    const sh = size === 8 ? c.hi : 0;
    const rl = addSub(c, true, 0, size, 0, 0, sl, sh);
    const rh = c.hi;
    c.write(i, d, rl, rh, size);
    recordFlags(c, FlagOp.Neg, size, rl, rh, 0, 0, mask(sl, size), sh);
  },
});

define('not', {
  exec(c, i) {
    const d = i.operands[0] as NonNullable<Instruction['operands'][0]>;
    const lo = c.read(i, d);
    const hi = d.size === 8 ? c.hi : 0;
    c.write(i, d, ~lo, ~hi);
  },
});
