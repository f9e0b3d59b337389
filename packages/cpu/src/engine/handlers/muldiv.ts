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

define('mul', { exec: (c, i) => mulOne(c, i, false) });

define('imul', {
  exec(c, i) {
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

function divide(c: Cpu, i: Instruction, signed: boolean): void {
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
