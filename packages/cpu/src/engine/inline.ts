/**
 * Inline translations of the hot integer instructions: general registers,
 * immediates and plain memory operands at 32 and 64 bits. Anything else
 * returns null and runs through the generic implementation. Flags are written
 * to the lazy-flags record; a conditional jump right after its flag producer
 * in the same block tests the producer's values directly.
 */
import { type Instruction, type Operand, OperandKind, RegClass, RIP_BASE } from '../decoder/instruction.js';
import { FlagOp } from './flags.js';
import { CACHE_MASK } from './memory-port.js';

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
  /** The flag record stores of the instruction just emitted (written only when its flags may be observed). */
  flagStore: string;
  /** Whether the flags the current instruction leaves may be observed (flag-liveness.ts). */
  flagsObserved: boolean;
  /** A call of the current instruction's generic implementation, for inline code with a slow path. */
  generic(): string;
}

const TWO32 = '4294967296';

function isGpr(o: Operand | undefined): boolean {
  return !!o && o.kind === OperandKind.Reg && o.regClass === RegClass.Gpr;
}

export function simpleMem(i: Instruction, o: Operand | undefined): boolean {
  return !!o && o.kind === OperandKind.Mem && o.seg < 0 && i.addrSize === 8 && o.base !== -2;
}

/** JS expression for the linear address of a plain memory operand. */
export function address(i: Instruction, o: Operand): string {
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
    const a = s.local('ma');
    const v = s.local('mv');
    const p = s.local('mp');
    // The read cache's hit inline (memory-port.ts read64), the rest through the port.
    return [
      `const ${a} = ${address(i, o)}, ${v} = Math.floor(${a} / 4096), ${p} = ${a} - ${v} * 4096; let ${lo}, ${hi}; if (RT[${v} & ${CACHE_MASK}] === ${v} && ${p} <= 4088) { const q = RB[${v} & ${CACHE_MASK}] + ${p}; ${lo} = DV.getInt32(q, true); ${hi} = DV.getInt32(q + 4, true); } else { ${lo} = m.read64(${a}); ${hi} = m.hi; }`,
      lo,
      hi,
    ];
  }
  return null;
}

function store(
  i: Instruction,
  o: Operand,
  size: number,
  lo: string,
  hi: string,
  s: InlineState,
): string | null {
  if (isGpr(o))
    return size === 8
      ? `r[${2 * o.reg}] = ${lo}; r[${2 * o.reg + 1}] = ${hi};`
      : `r[${2 * o.reg}] = ${lo}; r[${2 * o.reg + 1}] = 0;`;
  if (!simpleMem(i, o)) return null;
  if (size !== 8) return `m.write32(${address(i, o)}, ${lo});`;
  const a = s.local('sa');
  const v = s.local('sv');
  const p = s.local('sp');
  // The write cache's hit inline (memory-port.ts write64; frames holding code never hit), the rest through the port.
  return `const ${a} = ${address(i, o)}, ${v} = Math.floor(${a} / 4096), ${p} = ${a} - ${v} * 4096; if (WT[${v} & ${CACHE_MASK}] === ${v} && ${p} <= 4088) { const q = WB[${v} & ${CACHE_MASK}] + ${p}; DV.setInt32(q, ${lo}, true); DV.setInt32(q + 4, ${hi}, true); } else m.write64(${a}, ${lo}, ${hi});`;
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
  const st = store(i, d, size, lo, hi, s);
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
    const st = store(i, d, size, rl, rh, s);
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
  const st = store(i, d, size, rl, rh, s);
  if (st === null) return null;
  const op = inc ? FlagOp.Inc : FlagOp.Dec;
  code += ` ${st}`;
  s.flagStore = `F[0] = ${op * 16 + size}; F[1] = ${rl}; F[2] = ${rh}; F[3] = ${dl}; F[4] = ${dh}; F[5] = 1; F[6] = 0; F[7] = cf${rl};`;
  s.producer = { kind: 'incdec', size, res: [rl, rh], dst: [dl, dh], src: ['1', '0'], carry: `cf${rl}` };
  return code;
}

/** lea: the effective address as exact 64-bit halves (or its low 32 bits), without touching memory or flags. */
export function emitLea(i: Instruction, s: InlineState): string | null {
  const [d, m] = i.operands;
  if (!d || !m || !isGpr(d) || m.kind !== OperandKind.Mem || m.base === -2 || m.base === RIP_BASE)
    return null;
  if (d.size !== 4 && d.size !== 8) return null;
  const terms: string[] = [];
  const his: string[] = [];
  if (m.base >= 0) {
    terms.push(`(r[${2 * m.base}] >>> 0)`);
    his.push(`r[${2 * m.base + 1}]`);
  }
  if (m.index >= 0) {
    terms.push(`(r[${2 * m.index}] >>> 0) * ${m.scale}`);
    his.push(`r[${2 * m.index + 1}] * ${m.scale}`);
  }
  if (m.disp !== 0 || terms.length === 0) {
    terms.push(String(m.disp));
  }
  const lo = s.local('q');
  if (d.size === 4 || i.addrSize === 4)
    return `const ${lo} = ${terms.join(' + ')}; r[${2 * d.reg}] = ${lo} | 0; r[${2 * d.reg + 1}] = 0;`;
  // The low sum is exact in a double (below 2^36); its carries (or borrow, for a negative displacement) go to the high half.
  const hi = [...his, `Math.floor(${lo} / ${TWO32})`].join(' + ');
  return `const ${lo} = ${terms.join(' + ')}; r[${2 * d.reg + 1}] = (${hi}) | 0; r[${2 * d.reg}] = ${lo} | 0;`;
}

/** imul r32, r/m32 [, imm]: the low half and CF = OF = "the product did not fit", as the generic form sets them. */
export function emitImul32(i: Instruction, s: InlineState): string | null {
  const [d, a, b] = i.operands;
  if (!d || !a || !isGpr(d) || d.size !== 4) return null;
  const x = load(i, a, 4, s);
  const y = b ? load(i, b, 4, s) : load(i, d, 4, s);
  if (!x || !y) return null;
  const l = s.local('m');
  const p = s.local('p');
  // The double product is exact below 2^53; beyond that it cannot equal a 32-bit value, so the test still holds.
  const code = `${x[0]} ${y[0]} const ${p} = (${x[1]} | 0) * (${y[1]} | 0); const ${l} = Math.imul(${x[1]}, ${y[1]}); r[${2 * d.reg}] = ${l}; r[${2 * d.reg + 1}] = 0;`;
  s.flagStore = `F[0] = 0; F[8] = (${p} !== ${l} ? 0x801 : 0) | (${l} < 0 ? 0x80 : 0) | (${l} === 0 ? 0x40 : 0) | (P[${l} & 0xff] << 2);`;
  s.producer = null;
  return code;
}

/** shl/shr/sar of a 32- or 64-bit register by an immediate; flags recorded lazily (FlagOp.Shl/Shr/Sar). */
export function emitShift(i: Instruction, s: InlineState): string | null {
  const [d, c] = i.operands;
  if (!d || !c || !isGpr(d) || c.kind !== OperandKind.Imm || (d.size !== 4 && d.size !== 8)) return null;
  const m = i.mnemonic === 'sal' ? 'shl' : i.mnemonic;
  if (m !== 'shl' && m !== 'shr' && m !== 'sar') return null;
  const n = c.immLo & (d.size === 8 ? 63 : 31);
  const lo = `r[${2 * d.reg}]`;
  const hi = `r[${2 * d.reg + 1}]`;
  // A zero count changes nothing (flags included), but a 32-bit register is still written.
  if (n === 0) return d.size === 4 ? `${hi} = 0;` : '';
  const dl = s.local('a');
  const dh = s.local('b');
  const rl = s.local('e');
  const rh = s.local('f');
  let code = `const ${dl} = ${lo} | 0, ${dh} = ${d.size === 8 ? hi : '0'} | 0;`;
  if (d.size === 4) {
    const op = m === 'shl' ? '<<' : m === 'shr' ? '>>>' : '>>';
    code += ` const ${rl} = (${dl} ${op} ${n}) | 0, ${rh} = 0;`;
  } else if (m === 'shl') {
    code +=
      n < 32
        ? ` const ${rl} = ${dl} << ${n}, ${rh} = (${dh} << ${n}) | (${dl} >>> ${32 - n});`
        : ` const ${rl} = 0, ${rh} = ${dl} << ${n - 32};`;
  } else {
    const hop = m === 'shr' ? '>>>' : '>>';
    code +=
      n < 32
        ? ` const ${rl} = (${dl} >>> ${n}) | (${dh} << ${32 - n}), ${rh} = (${dh} ${hop} ${n}) | 0;`
        : ` const ${rl} = (${dh} ${hop} ${n - 32}) | 0, ${rh} = ${m === 'shr' ? '0' : `${dh} >> 31`};`;
  }
  code += ` ${lo} = ${rl}; ${hi} = ${rh};`;
  const op = m === 'shl' ? FlagOp.Shl : m === 'shr' ? FlagOp.Shr : FlagOp.Sar;
  s.flagStore = `F[0] = ${op * 16 + d.size}; F[1] = ${rl}; F[2] = ${rh}; F[3] = ${dl}; F[4] = ${dh}; F[7] = ${n};`;
  s.producer = null;
  return code;
}

/** movzx/movsx/movsxd into a 32- or 64-bit register from a low byte/word/dword register or plain memory. */
export function emitExtend(i: Instruction, s: InlineState): string | null {
  const [d, src] = i.operands;
  if (!d || !src || !isGpr(d) || (d.size !== 4 && d.size !== 8)) return null;
  const signed = i.mnemonic !== 'movzx';
  let v: string;
  if (isGpr(src)) {
    const r = `r[${2 * src.reg}]`;
    v =
      src.size === 1
        ? signed
          ? `(${r} << 24 >> 24)`
          : `(${r} & 0xff)`
        : src.size === 2
          ? signed
            ? `(${r} << 16 >> 16)`
            : `(${r} & 0xffff)`
          : `(${r} | 0)`;
  } else if (simpleMem(i, src)) {
    const a = address(i, src);
    v =
      src.size === 1
        ? signed
          ? `(m.read8(${a}) << 24 >> 24)`
          : `m.read8(${a})`
        : src.size === 2
          ? signed
            ? `(m.read16(${a}) << 16 >> 16)`
            : `m.read16(${a})`
          : `m.read32(${a})`;
  } else return null;
  const t = s.local('x');
  const high = d.size === 8 && signed ? `${t} >> 31` : '0';
  return `const ${t} = ${v}; r[${2 * d.reg}] = ${t}; r[${2 * d.reg + 1}] = ${high};`;
}

/** mov of a byte or word between a low register, an immediate and plain memory. */
export function emitMovNarrow(i: Instruction, s: InlineState): string | null {
  const [d, src] = i.operands;
  if (!d || !src || (d.size !== 1 && d.size !== 2)) return null;
  const size = d.size;
  const mask = size === 1 ? '0xff' : '0xffff';
  let v: string;
  if (isGpr(src)) v = `(r[${2 * src.reg}] & ${mask})`;
  else if (src.kind === OperandKind.Imm) v = String(src.immLo & (size === 1 ? 0xff : 0xffff));
  else if (simpleMem(i, src)) v = size === 1 ? `m.read8(${address(i, src)})` : `m.read16(${address(i, src)})`;
  else return null;
  if (isGpr(d)) {
    const t = s.local('n');
    return `const ${t} = ${v}; r[${2 * d.reg}] = (r[${2 * d.reg}] & ~${mask}) | ${t};`;
  }
  if (simpleMem(i, d))
    return size === 1 ? `m.write8(${address(i, d)}, ${v});` : `m.write16(${address(i, d)}, ${v});`;
  return null;
}

/** setcc into a low byte register, from the fused producer or the lazy record. */
export function emitSetcc(i: Instruction, s: InlineState): string | null {
  const d = i.operands[0];
  if (!d || !isGpr(d) || d.size !== 1 || i.cc < 0) return null;
  const cond = (s.producer && fusedCondition(i.cc, s.producer)) ?? `cond(computeFlags(F), ${i.cc})`;
  return `r[${2 * d.reg}] = (r[${2 * d.reg}] & ~0xff) | ((${cond}) ? 1 : 0);`;
}

function isXmm(o: Operand | undefined): o is Operand {
  return !!o && o.kind === OperandKind.Reg && o.regClass === RegClass.Xmm;
}

/** 16-byte moves (movups/movaps/movdqu/movdqa) and movsd/movq loads between XMM registers and plain memory. */
export function emitXmmMove(i: Instruction, s: InlineState): string | null {
  const [d, src] = i.operands;
  if (!d || !src) return null;
  const m = i.mnemonic;
  const aligned = m === 'movaps' || m === 'movapd' || m === 'movdqa';
  const full = aligned || m === 'movups' || m === 'movupd' || m === 'movdqu';
  const a = s.local('xa');
  const check = aligned ? ` if (${a} % 16 !== 0) gp();` : '';
  if (full) {
    if (isXmm(d) && isXmm(src)) {
      const x = 4 * d.reg;
      const y = 4 * src.reg;
      return `X[${x}] = X[${y}]; X[${x + 1}] = X[${y + 1}]; X[${x + 2}] = X[${y + 2}]; X[${x + 3}] = X[${y + 3}];`;
    }
    if (isXmm(d) && simpleMem(i, src))
      return `const ${a} = ${address(i, src)};${check} m.read128(${a}, X, ${4 * d.reg});`;
    if (simpleMem(i, d) && isXmm(src))
      return `const ${a} = ${address(i, d)};${check} m.write128(${a}, X, ${4 * src.reg});`;
    return null;
  }
  if ((m === 'movsd' || m === 'movq') && isXmm(d) && simpleMem(i, src) && src.size === 8) {
    const x = 4 * d.reg;
    const t = s.local('xl');
    return `const ${t} = m.read64(${address(i, src)}); X[${x}] = ${t}; X[${x + 1}] = m.hi; X[${x + 2}] = 0; X[${x + 3}] = 0;`;
  }
  if ((m === 'movsd' || m === 'movq') && simpleMem(i, d) && isXmm(src) && d.size === 8) {
    const y = 4 * src.reg;
    return `m.write64(${address(i, d)}, X[${y}], X[${y + 1}]);`;
  }
  return null;
}

/** rol/ror of a 32- or 64-bit register by an immediate, when nothing observes the CF and OF it sets. */
export function emitRotate(i: Instruction, s: InlineState): string | null {
  const [d, c] = i.operands;
  if (
    s.flagsObserved ||
    !d ||
    !c ||
    !isGpr(d) ||
    c.kind !== OperandKind.Imm ||
    (d.size !== 4 && d.size !== 8)
  )
    return null;
  const bits = d.size * 8;
  const count = c.immLo & (bits - 1);
  const lo = `r[${2 * d.reg}]`;
  const hi = `r[${2 * d.reg + 1}]`;
  if (count === 0) return d.size === 4 ? `${hi} = 0;` : '';
  // ror by n is rol by width - n.
  const n = i.mnemonic === 'rol' ? count : bits - count;
  if (d.size === 4) {
    const v = s.local('v');
    return `const ${v} = ${lo}; ${lo} = (${v} << ${n}) | (${v} >>> ${32 - n}); ${hi} = 0;`;
  }
  const a = s.local('a');
  const b = s.local('b');
  // Rotating by 32 or more swaps the halves first.
  const [x, y] = n >= 32 ? [b, a] : [a, b];
  const k = n % 32;
  if (k === 0) return `const ${a} = ${lo}, ${b} = ${hi}; ${lo} = ${x}; ${hi} = ${y};`;
  return `const ${a} = ${lo}, ${b} = ${hi}; ${lo} = (${x} << ${k}) | (${y} >>> ${32 - k}); ${hi} = (${y} << ${k}) | (${x} >>> ${32 - k});`;
}

/** not of a 32- or 64-bit register or plain memory operand (no flags). */
export function emitNot(i: Instruction, s: InlineState): string | null {
  const d = i.operands[0];
  const size = sized(i);
  if (!d || (size !== 4 && size !== 8)) return null;
  const a = load(i, d, size, s);
  if (!a) return null;
  const st = store(i, d, size, `~${a[1]}`, size === 8 ? `~${a[2]}` : '0', s);
  return st === null ? null : `${a[0]} ${st}`;
}

/** neg: 0 - x, with the flags of that subtraction (CF = x != 0). */
export function emitNeg(i: Instruction, s: InlineState): string | null {
  const d = i.operands[0];
  const size = sized(i);
  if (!d || (size !== 4 && size !== 8)) return null;
  const a = load(i, d, size, s);
  if (!a) return null;
  const sl = s.local('c');
  const sh = s.local('d');
  const rl = s.local('e');
  const rh = s.local('f');
  let code = `${a[0]} const ${sl} = ${a[1]} | 0, ${sh} = ${a[2]} | 0;`;
  code +=
    size === 4
      ? ` const ${rl} = -${sl} | 0, ${rh} = 0;`
      : ` const ${rl} = -${sl} | 0, ${rh} = (-${sh} - (${sl} !== 0 ? 1 : 0)) | 0;`;
  const st = store(i, d, size, rl, rh, s);
  if (st === null) return null;
  s.flagStore = `F[0] = ${FlagOp.Sub * 16 + size}; F[1] = ${rl}; F[2] = ${rh}; F[3] = 0; F[4] = 0; F[5] = ${sl}; F[6] = ${sh};`;
  s.producer = { kind: 'sub', size, res: [rl, rh], dst: ['0', '0'], src: [sl, sh] };
  return `${code} ${st}`;
}

/**
 * imul r64, r/m64 [, imm]: the low 64 bits of the product, when nothing
 * observes CF and OF (whether it fitted). The high word of the unsigned
 * low-by-low product comes from 16-bit pieces, exact in doubles.
 */
export function emitImul64(i: Instruction, s: InlineState): string | null {
  const [d, a, b] = i.operands;
  if (s.flagsObserved || !d || !a || !isGpr(d) || d.size !== 8) return null;
  const x = load(i, a, 8, s);
  const y = b ? load(i, b, 8, s) : load(i, d, 8, s);
  if (!x || !y) return null;
  const [al, ah, bl, bh, p01, p10, mid] = ['al', 'ah', 'bl', 'bh', 'pa', 'pb', 'pm'].map((h) => s.local(h));
  return `${x[0]} ${y[0]} const ${al} = ${x[1]} | 0, ${ah} = ${x[2]} | 0, ${bl} = ${y[1]} | 0, ${bh} = ${y[2]} | 0;
const ${p01} = (${al} & 0xffff) * (${bl} >>> 16), ${p10} = (${al} >>> 16) * (${bl} & 0xffff);
const ${mid} = (((${al} & 0xffff) * (${bl} & 0xffff)) >>> 16) + (${p01} & 0xffff) + (${p10} & 0xffff);
r[${2 * d.reg + 1}] = ((${al} >>> 16) * (${bl} >>> 16) + (${p01} >>> 16) + (${p10} >>> 16) + (${mid} >>> 16) + Math.imul(${al}, ${bh}) + Math.imul(${ah}, ${bl})) | 0;
r[${2 * d.reg}] = Math.imul(${al}, ${bl});`;
}
