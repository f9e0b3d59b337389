/**
 * Inline SSE2 integer instructions between XMM registers: the bitwise ops,
 * lane adds and subtracts, shifts by an immediate, byte compares and
 * pmovmskb. `X` is the XMM file as 32-bit lanes, `XB` the same bytes. Memory
 * and MMX forms run through the generic implementation.
 */
import { type Instruction, type Operand, OperandKind, RegClass } from '../decoder/instruction.js';
import { address, type InlineState, simpleMem } from './inline.js';

/** What emitSseInteger translates. */
export const SSE_INTEGER_MNEMONICS = [
  'pxor',
  'por',
  'pand',
  'pandn',
  'paddb',
  'paddd',
  'paddq',
  'psubb',
  'psubd',
  'psubq',
  'pslld',
  'psrld',
  'psllq',
  'psrlq',
  'pcmpeqb',
  'pcmpeqd',
  'pmovmskb',
];

/** What emitSseShuffle translates. */
export const SSE_SHUFFLE_MNEMONICS = [
  'psrlw',
  'psllw',
  'psraw',
  'packuswb',
  'pshufd',
  'punpcklbw',
  'punpckhbw',
  'punpcklwd',
  'punpckhwd',
  'punpckldq',
  'punpckhdq',
  'punpcklqdq',
  'punpckhqdq',
];

function xmm(o: Operand | undefined): number {
  return o && o.kind === OperandKind.Reg && o.regClass === RegClass.Xmm ? o.reg : -1;
}

/** Four statements, one per 32-bit lane: `f(dst lane, src lane)`. */
function lanes32(d: number, s: number, f: (x: string, y: string) => string): string {
  let out = '';
  for (let j = 0; j < 4; j++) out += `X[${4 * d + j}] = ${f(`X[${4 * d + j}]`, `X[${4 * s + j}]`)}; `;
  return out;
}

const BITWISE: Record<string, (x: string, y: string) => string> = {
  pxor: (x, y) => `${x} ^ ${y}`,
  por: (x, y) => `${x} | ${y}`,
  pand: (x, y) => `${x} & ${y}`,
  pandn: (x, y) => `~${x} & ${y}`,
  paddd: (x, y) => `(${x} + ${y}) | 0`,
  psubd: (x, y) => `(${x} - ${y}) | 0`,
};

function emitQwordAddSub(d: number, s: number, sub: boolean, st: InlineState): string {
  let out = '';
  for (const j of [0, 2]) {
    const [dl, dh, sl, sh] = [4 * d + j, 4 * d + j + 1, 4 * s + j, 4 * s + j + 1];
    const t = st.local('q');
    out += sub
      ? `const ${t} = (X[${dl}] >>> 0) - (X[${sl}] >>> 0); X[${dh}] = (X[${dh}] - X[${sh}] - (${t} < 0 ? 1 : 0)) | 0; X[${dl}] = ${t} | 0; `
      : `const ${t} = (X[${dl}] >>> 0) + (X[${sl}] >>> 0); X[${dh}] = (X[${dh}] + X[${sh}] + (${t} > 0xffffffff ? 1 : 0)) | 0; X[${dl}] = ${t} | 0; `;
  }
  return out;
}

function emitShiftImm(m: string, d: number, n: number): string | null {
  if (m === 'pslld' || m === 'psrld') {
    if (n >= 32) return lanes32(d, d, () => '0');
    return lanes32(d, d, (x) => (m === 'pslld' ? `${x} << ${n}` : `${x} >>> ${n}`));
  }
  if (m === 'psllq' || m === 'psrlq') {
    let out = '';
    for (const j of [0, 2]) {
      const lo = `X[${4 * d + j}]`;
      const hi = `X[${4 * d + j + 1}]`;
      if (n >= 64) out += `${lo} = 0; ${hi} = 0; `;
      else if (n === 0) out += '';
      else if (n >= 32)
        out +=
          m === 'psllq'
            ? `${hi} = ${lo} << ${n - 32}; ${lo} = 0; `
            : `${lo} = ${hi} >>> ${n - 32}; ${hi} = 0; `;
      else
        out +=
          m === 'psllq'
            ? `${hi} = (${hi} << ${n}) | (${lo} >>> ${32 - n}); ${lo} = ${lo} << ${n}; `
            : `${lo} = (${lo} >>> ${n}) | (${hi} << ${32 - n}); ${hi} = ${hi} >>> ${n}; `;
    }
    return out;
  }
  return null;
}

export function emitSseInteger(i: Instruction, s: InlineState): string | null {
  const [a, b] = i.operands;
  const m = i.mnemonic;
  const d = xmm(a);
  if (m === 'pmovmskb') {
    const src = xmm(b);
    if (!a || a.kind !== OperandKind.Reg || a.regClass !== RegClass.Gpr || src < 0) return null;
    const bits: string[] = [];
    for (let j = 0; j < 16; j++) bits.push(`((XB[${16 * src + j}] >> 7) << ${j})`);
    return `r[${2 * a.reg}] = ${bits.join(' | ')}; r[${2 * a.reg + 1}] = 0;`;
  }
  if (d < 0 || !b) return null;
  if (b.kind === OperandKind.Imm) return emitShiftImm(m, d, b.immLo & 0xff);
  const src = xmm(b);
  if (src < 0) return null;
  const f = BITWISE[m];
  if (f) return lanes32(d, src, f);
  if (m === 'paddq' || m === 'psubq') return emitQwordAddSub(d, src, m === 'psubq', s);
  if (m === 'pcmpeqb' || m === 'psubb' || m === 'paddb') {
    let out = '';
    for (let j = 0; j < 16; j++) {
      const x = `XB[${16 * d + j}]`;
      const y = `XB[${16 * src + j}]`;
      out +=
        m === 'pcmpeqb'
          ? `${x} = ${x} === ${y} ? 255 : 0; `
          : m === 'psubb'
            ? `${x} = ${x} - ${y}; `
            : `${x} = ${x} + ${y}; `;
    }
    return out;
  }
  if (m === 'pcmpeqd') return lanes32(d, src, (x, y) => `${x} === ${y} ? -1 : 0`);
  return null;
}

/** movlps/movlpd/movhps/movhpd between an XMM register's low or high quadword and plain memory. */
export function emitHalfMove(i: Instruction, s: InlineState): string | null {
  const [d, src] = i.operands;
  const lane = i.mnemonic.startsWith('movh') ? 2 : 0;
  if (xmm(d) >= 0 && src && simpleMem(i, src)) {
    const x = 4 * xmm(d) + lane;
    const t = s.local('hl');
    return `const ${t} = m.read64(${address(i, src)}); X[${x}] = ${t}; X[${x + 1}] = m.hi;`;
  }
  if (d && simpleMem(i, d) && xmm(src) >= 0) {
    const y = 4 * xmm(src) + lane;
    return `m.write64(${address(i, d)}, X[${y}], X[${y + 1}]);`;
  }
  return null;
}

/**
 * comisd/ucomisd between XMM registers: ZF, PF and CF from the order of two
 * doubles that are neither NaN nor denormal (no MXCSR flag can arise); other
 * operands go to the generic form, called from the same code.
 */
export function emitCompareDouble(i: Instruction, s: InlineState): string | null {
  const a = xmm(i.operands[0]);
  const b = xmm(i.operands[1]);
  if (a < 0 || b < 0) return null;
  const e = (n: number) => `((X[${4 * n + 1}] >>> 20) & 0x7ff)`;
  const zero = (n: number) => `(X[${4 * n}] === 0 && (X[${4 * n + 1}] & 0x7fffffff) === 0)`;
  const [ea, eb] = [s.local('ea'), s.local('eb')];
  const [fa, fb] = [s.local('fa'), s.local('fb')];
  return `const ${ea} = ${e(a)}, ${eb} = ${e(b)};
if (${ea} !== 0x7ff && ${eb} !== 0x7ff && (${ea} !== 0 || ${zero(a)}) && (${eb} !== 0 || ${zero(b)})) {
  const ${fa} = XF[${2 * a}], ${fb} = XF[${2 * b}];
  F[0] = 0; F[8] = ${fa} < ${fb} ? 1 : ${fa} === ${fb} ? 0x40 : 0;
} else { ${s.generic()} }`;
}

/** Unpack (interleave) the low or high halves of two XMM registers by bytes, words, dwords or qwords. */
function emitUnpack(d: number, src: number, bytes: number, high: boolean, s: InlineState): string {
  // Work on 16-bit lanes for words and wider; bytes use the byte view.
  const view = bytes === 1 ? 'XB' : 'XH';
  const lane = bytes === 1 ? 1 : bytes / 2;
  const lanes = bytes === 1 ? 16 : 8;
  const start = high ? lanes / 2 : 0;
  const tmp: string[] = [];
  const out: string[] = [];
  const t = s.local('u');
  for (let j = 0; j < lanes / 2; j++) tmp.push(`${t}d${j} = ${view}[${lanes * d + start + j}]`);
  for (let j = 0; j < lanes / 2; j++) tmp.push(`${t}s${j} = ${view}[${lanes * src + start + j}]`);
  // Element e (lane units) of the result: alternating destination and source elements.
  const elems = lanes / 2 / lane;
  for (let e = 0; e < elems; e++)
    for (let w = 0; w < lane; w++) {
      out.push(`${view}[${lanes * d + 2 * e * lane + w}] = ${t}d${e * lane + w};`);
      out.push(`${view}[${lanes * d + (2 * e + 1) * lane + w}] = ${t}s${e * lane + w};`);
    }
  return `const ${tmp.join(', ')}; ${out.join(' ')}`;
}

const UNPACK: Record<string, [number, boolean]> = {
  punpcklbw: [1, false],
  punpckhbw: [1, true],
  punpcklwd: [2, false],
  punpckhwd: [2, true],
  punpckldq: [4, false],
  punpckhdq: [4, true],
  punpcklqdq: [8, false],
  punpckhqdq: [8, true],
};

/** Word shifts by an immediate, packuswb, pshufd and the unpacks, between XMM registers. */
export function emitSseShuffle(i: Instruction, s: InlineState): string | null {
  const [a, b, c] = i.operands;
  const m = i.mnemonic;
  const d = xmm(a);
  if (d < 0 || !b) return null;
  if (b.kind === OperandKind.Imm && (m === 'psrlw' || m === 'psllw' || m === 'psraw')) {
    const n = b.immLo & 0xff;
    let out = '';
    for (let j = 0; j < 8; j++) {
      const x = `XH[${8 * d + j}]`;
      if (m === 'psraw') out += `${x} = ${x} >> ${Math.min(n, 15)}; `;
      else if (n >= 16) out += `${x} = 0; `;
      else out += m === 'psllw' ? `${x} = ${x} << ${n}; ` : `${x} = (${x} & 0xffff) >>> ${n}; `;
    }
    return out;
  }
  const src = xmm(b);
  if (src < 0) return null;
  const unpack = UNPACK[m];
  if (unpack) return emitUnpack(d, src, unpack[0], unpack[1], s);
  if (m === 'packuswb') {
    const t = s.local('k');
    const words: string[] = [];
    for (let j = 0; j < 8; j++) words.push(`${t}${j} = XH[${8 * d + j}]`);
    for (let j = 0; j < 8; j++) words.push(`${t}${8 + j} = XH[${8 * src + j}]`);
    let out = `const ${words.join(', ')}; `;
    for (let j = 0; j < 16; j++)
      out += `XB[${16 * d + j}] = ${t}${j} < 0 ? 0 : ${t}${j} > 255 ? 255 : ${t}${j}; `;
    return out;
  }
  if (m === 'pshufd' && c?.kind === OperandKind.Imm) {
    const t = s.local('p');
    const imm = c.immLo & 0xff;
    const picks = [0, 1, 2, 3].map((j) => `${t}${j} = X[${4 * src + ((imm >> (2 * j)) & 3)}]`);
    return `const ${picks.join(', ')}; ${[0, 1, 2, 3].map((j) => `X[${4 * d + j}] = ${t}${j};`).join(' ')}`;
  }
  return null;
}
