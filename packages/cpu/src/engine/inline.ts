/**
 * Inline translations of the hot integer instructions: general registers,
 * immediates and plain memory operands at 32 and 64 bits. Anything else
 * returns null and runs through the generic implementation. Flags are written
 * to the lazy-flags record; a conditional jump right after its flag producer
 * in the same block tests the producer's values directly.
 */
import { type Instruction, type Operand, OperandKind, RegClass, RIP_BASE } from '../decoder/instruction.js';
import { FlagOp } from './flags.js';

export interface FlagProducer {
  kind: 'sub' | 'logic' | 'add' | 'incdec';
  size: number;
  res: [string, string];
  dst: [string, string];
  src: [string, string];
  /** inc/dec: the local holding the CF it kept. */
  carry?: string;
}

export interface InlineState {
  /** Set by an inline flag producer; cleared by anything else that may touch flags. */
  producer: FlagProducer | null;
  local(hint: string): string;
  k: number;
  /** The flag record stores of the instruction just emitted (kept apart so a later producer can drop them). */
  flagStore: string;
}

const TWO32 = '4294967296';

function isGpr(o: Operand | undefined): boolean {
  return !!o && o.kind === OperandKind.Reg && o.regClass === RegClass.Gpr;
}

function simpleMem(i: Instruction, o: Operand | undefined): boolean {
  return !!o && o.kind === OperandKind.Mem && o.seg < 0 && i.addrSize === 8 && o.base !== -2;
}

/** JS expression for the linear address of a plain memory operand. */
function address(i: Instruction, o: Operand): string {
  if (o.base === RIP_BASE) return String(i.address + i.length + o.disp);
  const parts: string[] = [];
  if (o.base >= 0) parts.push(`(r[${2 * o.base + 1}] * ${TWO32} + (r[${2 * o.base}] >>> 0))`);
  if (o.index >= 0) parts.push(`(r[${2 * o.index + 1}] * ${TWO32} + (r[${2 * o.index}] >>> 0)) * ${o.scale}`);
  if (o.disp !== 0 || parts.length === 0) parts.push(String(o.disp));
  const sum = parts.join(' + ');
  // RSP/RBP-based addresses raise #SS rather than #GP when not canonical.
  return o.base === 4 || o.base === 5 ? `ss(${sum})` : sum;
}

/** Statements reading operand `o` (4 or 8 bytes) into fresh locals; returns [code, lo, hi]. */
function load(i: Instruction, o: Operand, size: number, s: InlineState): [string, string, string] | null {
  if (isGpr(o)) return ['', `r[${2 * o.reg}]`, size === 8 ? `r[${2 * o.reg + 1}]` : '0'];
  if (o.kind === OperandKind.Imm) return ['', String(o.immLo | 0), size === 8 ? String(o.immHi | 0) : '0'];
  if (simpleMem(i, o)) {
    const lo = s.local('l');
    if (size === 4) return [`const ${lo} = m.read32(${address(i, o)});`, lo, '0'];
    const hi = s.local('h');
    return [`const ${lo} = m.read64(${address(i, o)}); const ${hi} = m.hi;`, lo, hi];
  }
  return null;
}

function store(i: Instruction, o: Operand, size: number, lo: string, hi: string): string | null {
  if (isGpr(o))
    return size === 8
      ? `r[${2 * o.reg}] = ${lo}; r[${2 * o.reg + 1}] = ${hi};`
      : `r[${2 * o.reg}] = ${lo}; r[${2 * o.reg + 1}] = 0;`;
  if (simpleMem(i, o))
    return size === 8 ? `m.write64(${address(i, o)}, ${lo}, ${hi});` : `m.write32(${address(i, o)}, ${lo});`;
  return null;
}

function sized(i: Instruction): number {
  const d = i.operands[0];
  return d ? d.size : 0;
}

export function emitMov(i: Instruction, s: InlineState): string | null {
  const [d, src] = i.operands;
  const size = sized(i);
  if (!d || !src || (size !== 4 && size !== 8)) return null;
  if (src.kind === OperandKind.Reg && src.regClass !== RegClass.Gpr) return null;
  if (d.kind === OperandKind.Reg && d.regClass !== RegClass.Gpr) return null;
  const l = load(i, src, size, s);
  if (!l) return null;
  // Copy into locals first so that a register written by the store is not read after it changes.
  const lo = s.local('v');
  const hi = s.local('w');
  const st = store(i, d, size, lo, hi);
  if (st === null) return null;
  return `${l[0]} const ${lo} = ${l[1]}; const ${hi} = ${l[2]}; ${st}`;
}

const ALU_KIND: Record<string, 'add' | 'sub' | 'logic'> = {
  add: 'add',
  sub: 'sub',
  cmp: 'sub',
  and: 'logic',
  or: 'logic',
  xor: 'logic',
  test: 'logic',
};

export function emitAlu(i: Instruction, s: InlineState): string | null {
  const [d, src] = i.operands;
  const size = sized(i);
  if (!d || !src || (size !== 4 && size !== 8)) return null;
  const kind = ALU_KIND[i.mnemonic];
  if (!kind) return null;
  const a = load(i, d, size, s);
  const b = load(i, src, size, s);
  if (!a || !b) return null;
  const dl = s.local('a');
  const dh = s.local('b');
  const sl = s.local('c');
  const sh = s.local('d');
  const rl = s.local('e');
  const rh = s.local('f');
  let code = `${a[0]} ${b[0]} const ${dl} = ${a[1]} | 0, ${dh} = ${a[2]} | 0, ${sl} = ${b[1]} | 0, ${sh} = ${b[2]} | 0;`;
  const m = i.mnemonic;
  if (size === 4) {
    const expr =
      m === 'add'
        ? `(${dl} + ${sl}) | 0`
        : kind === 'sub'
          ? `(${dl} - ${sl}) | 0`
          : m === 'or'
            ? `${dl} | ${sl}`
            : m === 'xor'
              ? `${dl} ^ ${sl}`
              : `${dl} & ${sl}`;
    code += ` const ${rl} = ${expr}, ${rh} = 0;`;
  } else if (kind === 'add') {
    const t = s.local('t');
    code += ` const ${t} = (${dl} >>> 0) + (${sl} >>> 0); const ${rl} = ${t} | 0, ${rh} = (${dh} + ${sh} + (${t} > 0xffffffff ? 1 : 0)) | 0;`;
  } else if (kind === 'sub') {
    const t = s.local('t');
    code += ` const ${t} = (${dl} >>> 0) - (${sl} >>> 0); const ${rl} = ${t} | 0, ${rh} = (${dh} - ${sh} - (${t} < 0 ? 1 : 0)) | 0;`;
  } else {
    const op = m === 'or' ? '|' : m === 'xor' ? '^' : '&';
    code += ` const ${rl} = ${dl} ${op} ${sl}, ${rh} = ${dh} ${op} ${sh};`;
  }
  if (m !== 'cmp' && m !== 'test') {
    const st = store(i, d, size, rl, rh);
    if (st === null) return null;
    code += ` ${st}`;
  }
  const flagOp = kind === 'add' ? FlagOp.Add : kind === 'sub' ? FlagOp.Sub : FlagOp.Logic;
  s.flagStore = `F[0] = ${flagOp * 16 + size}; F[1] = ${rl}; F[2] = ${rh}; F[3] = ${dl}; F[4] = ${dh}; F[5] = ${sl}; F[6] = ${sh};`;
  s.producer = { kind, size, res: [rl, rh], dst: [dl, dh], src: [sl, sh] };
  return code;
}

/** A condition evaluated straight from the producer's values, or null when only the lazy record can say. */
export function fusedCondition(cc: number, p: FlagProducer): string | null {
  const [rl, rh] = p.res;
  const [dl, dh] = p.dst;
  const [sl, sh] = p.src;
  const wide = p.size === 8;
  const zero = wide ? `(${rl} === 0 && ${rh} === 0)` : `(${rl} === 0)`;
  const sign = wide ? `(${rh} < 0)` : `(${rl} < 0)`;
  let base: string | null = null;
  const c2 = cc >> 1;
  if (c2 === 2) base = zero;
  else if (c2 === 4) base = sign;
  else if (p.kind === 'logic') {
    // CF = OF = 0.
    if (c2 === 0 || c2 === 1) base = 'false';
    else if (c2 === 3) base = zero;
    else if (c2 === 6) base = sign;
    else if (c2 === 7) base = `(${zero} || ${sign})`;
  } else if (p.kind === 'sub') {
    const below = wide
      ? `((${dh} >>> 0) < (${sh} >>> 0) || (${dh} === ${sh} && (${dl} >>> 0) < (${sl} >>> 0)))`
      : `((${dl} >>> 0) < (${sl} >>> 0))`;
    const less = wide
      ? `(${dh} < ${sh} || (${dh} === ${sh} && (${dl} >>> 0) < (${sl} >>> 0)))`
      : `(${dl} < ${sl})`;
    if (c2 === 1) base = below;
    else if (c2 === 3) base = `(${below} || ${zero})`;
    else if (c2 === 6) base = less;
    else if (c2 === 7) base = `(${less} || ${zero})`;
  }
  if (base === null || (p.kind === 'incdec' && c2 !== 2 && c2 !== 4)) return null;
  return cc & 1 ? `!${base}` : base;
}

/** inc/dec: like add/sub of 1, but CF is kept (recorded from the previous flags into F[7]). */
export function emitIncDec(i: Instruction, s: InlineState): string | null {
  const d = i.operands[0];
  const size = sized(i);
  if (!d || (size !== 4 && size !== 8)) return null;
  const a = load(i, d, size, s);
  if (!a) return null;
  const dl = s.local('a');
  const dh = s.local('b');
  const rl = s.local('e');
  const rh = s.local('f');
  const inc = i.mnemonic === 'inc';
  const p = s.producer;
  let carry = 'carryOf(F)';
  if (p?.kind === 'logic') carry = '0';
  else if (p?.kind === 'add')
    carry =
      p.size === 8
        ? `((${p.res[1]} >>> 0) < (${p.dst[1]} >>> 0) || (${p.res[1]} === ${p.dst[1]} && (${p.res[0]} >>> 0) < (${p.dst[0]} >>> 0)) ? 1 : 0)`
        : `((${p.res[0]} >>> 0) < (${p.dst[0]} >>> 0) ? 1 : 0)`;
  else if (p?.kind === 'sub')
    carry =
      p.size === 8
        ? `((${p.dst[1]} >>> 0) < (${p.src[1]} >>> 0) || (${p.dst[1]} === ${p.src[1]} && (${p.dst[0]} >>> 0) < (${p.src[0]} >>> 0)) ? 1 : 0)`
        : `((${p.dst[0]} >>> 0) < (${p.src[0]} >>> 0) ? 1 : 0)`;
  else if (p?.kind === 'incdec' && p.carry) carry = p.carry;
  let code = `${a[0]} const ${dl} = ${a[1]} | 0, ${dh} = ${a[2]} | 0; const cf${rl} = ${carry};`;
  if (size === 4) code += ` const ${rl} = (${dl} ${inc ? '+' : '-'} 1) | 0, ${rh} = 0;`;
  else if (inc) code += ` const ${rl} = (${dl} + 1) | 0, ${rh} = (${dh} + (${dl} === -1 ? 1 : 0)) | 0;`;
  else code += ` const ${rl} = (${dl} - 1) | 0, ${rh} = (${dh} - (${dl} === 0 ? 1 : 0)) | 0;`;
  const st = store(i, d, size, rl, rh);
  if (st === null) return null;
  const op = inc ? FlagOp.Inc : FlagOp.Dec;
  code += ` ${st}`;
  s.flagStore = `F[0] = ${op * 16 + size}; F[1] = ${rl}; F[2] = ${rh}; F[3] = ${dl}; F[4] = ${dh}; F[5] = 1; F[6] = 0; F[7] = cf${rl};`;
  s.producer = { kind: 'incdec', size, res: [rl, rh], dst: [dl, dh], src: ['1', '0'], carry: `cf${rl}` };
  return code;
}
