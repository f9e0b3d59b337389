/**
 * The read-modify-write exchanges: xadd, cmpxchg, cmpxchg8b/16b. One processor
 * runs at a time, so each is atomic by construction; LOCK only matters to the
 * decoder's validity rules. Memory is written before registers change so a
 * fault leaves the registers as they were.
 */
import type { Instruction, Operand } from '../../decoder/instruction.js';
import { OperandKind } from '../../decoder/instruction.js';
import { CpuFault } from '../fault.js';
import { computeFlags, F_AUX, FlagOp, RFLAGS, setKnownFlags } from '../flags.js';
import { addSub, mask, recordFlags } from './alu.js';
import { define } from './registry.js';

const op = (i: Instruction, n: number) => i.operands[n] as Operand;

define('xadd', {
  exec(c, i) {
    const d = op(i, 0);
    const s = op(i, 1);
    const size = d.size;
    const dl = c.read(i, d, size);
    const dh = size === 8 ? c.hi : 0;
    const sl = c.read(i, s, size);
    const sh = size === 8 ? c.hi : 0;
    const rl = addSub(c, false, 0, size, dl, dh, sl, sh);
    const rh = c.hi;
    c.write(i, d, rl, rh, size);
    if (d.kind !== OperandKind.Reg || d.reg !== s.reg || d.regClass !== s.regClass)
      c.write(i, s, dl, dh, size);
    recordFlags(c, FlagOp.Add, size, rl, rh, mask(dl, size), dh, mask(sl, size), sh);
    c.F[F_AUX] = 0;
  },
});

define('cmpxchg', {
  exec(c, i) {
    const d = op(i, 0);
    const s = op(i, 1);
    const size = d.size;
    const al = c.read(i, { ...d, kind: OperandKind.Reg, regClass: 0, reg: 0 }, size);
    const ah = size === 8 ? c.hi : 0;
    const dl = c.read(i, d, size);
    const dh = size === 8 ? c.hi : 0;
    const rl = addSub(c, true, 0, size, al, ah, dl, dh);
    const rh = c.hi;
    const equal = mask(al, size) === mask(dl, size) && ah === dh;
    if (equal) {
      const sl = c.read(i, s, size);
      c.write(i, d, sl, size === 8 ? c.hi : 0, size);
    } else {
      // The destination is written back even when unequal (a locked cycle always writes).
      if (d.kind === OperandKind.Mem) c.write(i, d, dl, dh, size);
      c.write(i, { ...d, kind: OperandKind.Reg, regClass: 0, reg: 0 }, dl, dh, size);
    }
    recordFlags(c, FlagOp.Sub, size, rl, rh, mask(al, size), ah, mask(dl, size), dh);
    c.F[F_AUX] = 0;
  },
});

define(['cmpxchg8b', 'cmpxchg16b'], {
  exec(c, i) {
    const a = c.ea(i, op(i, 0));
    const r = c.r;
    const f = computeFlags(c.F);
    const port = c.port;
    if (i.mnemonic === 'cmpxchg8b') {
      const lo = port.read32(a);
      const hi = port.read32(a + 4);
      if (lo === r[0] && hi === r[4]) {
        port.write64(a, r[6] as number, r[2] as number);
        setKnownFlags(c.F, f | RFLAGS.ZF);
      } else {
        port.write64(a, lo, hi);
        r[0] = lo;
        r[1] = 0;
        r[4] = hi;
        r[5] = 0;
        setKnownFlags(c.F, f & ~RFLAGS.ZF);
      }
      return;
    }
    if (a % 16 !== 0) throw new CpuFault(13, 0);
    port.probeWrite(a, 16);
    const w0 = port.read64(a);
    const w1 = port.hi;
    const w2 = port.read64(a + 8);
    const w3 = port.hi;
    if (w0 === r[0] && w1 === r[1] && w2 === r[4] && w3 === r[5]) {
      port.write64(a, r[6] as number, r[7] as number);
      port.write64(a + 8, r[2] as number, r[3] as number);
      setKnownFlags(c.F, f | RFLAGS.ZF);
    } else {
      port.write64(a, w0, w1);
      port.write64(a + 8, w2, w3);
      r[0] = w0;
      r[1] = w1;
      r[4] = w2;
      r[5] = w3;
      setKnownFlags(c.F, f & ~RFLAGS.ZF);
    }
  },
});
