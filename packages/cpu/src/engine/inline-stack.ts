/**
 * Inline push/pop of general registers, near calls (direct and through a
 * register) and near returns: 64-bit stack slots, with the #SS check of a
 * non-canonical stack address and the #GP of a non-canonical return target.
 */
import { type Instruction, OperandKind, RegClass } from '../decoder/instruction.js';
import { address, type InlineState, simpleMem } from './inline.js';

const TWO32 = 4294967296;

function splitConst(v: number): [number, number] {
  return [(v % TWO32) | 0, Math.floor(v / TWO32) | 0];
}

/** Statements that push the 64-bit value (lo, hi) and leave rsp below it. */
function pushValue(s: InlineState, lo: string, hi: string): string {
  const sp = s.local('sp');
  return `const ${sp} = ss(r[9] * ${TWO32} + (r[8] >>> 0) - 8); m.write64(${sp}, ${lo}, ${hi}); r[8] = ${sp} | 0; r[9] = Math.floor(${sp} / ${TWO32}) | 0;`;
}

function gpr(i: Instruction): number {
  const o = i.operands[0];
  return o && o.kind === OperandKind.Reg && o.regClass === RegClass.Gpr ? o.reg : -1;
}

export function emitPush(i: Instruction, s: InlineState): string | null {
  const n = gpr(i);
  if (n < 0 || i.opSize !== 8) return null;
  return pushValue(s, `r[${2 * n}]`, `r[${2 * n + 1}]`);
}

export function emitPop(i: Instruction, s: InlineState): string | null {
  const n = gpr(i);
  if (n < 0 || i.opSize !== 8) return null;
  const sp = s.local('sp');
  const lo = s.local('pl');
  return `const ${sp} = ss(r[9] * ${TWO32} + (r[8] >>> 0)); const ${lo} = m.read64(${sp}); r[8] = (${sp} + 8) | 0; r[9] = Math.floor((${sp} + 8) / ${TWO32}) | 0; r[${2 * n}] = ${lo}; r[${2 * n + 1}] = m.hi;`;
}

/**
 * Statements putting the target of an indirect near jump or call (a general
 * register or a plain 64-bit memory operand) in a fresh local, with the #GP
 * of a non-canonical target; null for other forms.
 */
function indirectTarget(i: Instruction, s: InlineState): [string, string] | null {
  const o = i.operands[0];
  const t = s.local('ct');
  const canonical = (hi: string) => `if (((${hi} >> 15) + 1) >>> 1 !== 0) gp();`;
  const n = gpr(i);
  if (n >= 0 && o?.size === 8)
    return [
      `const ${t} = r[${2 * n + 1}] * ${TWO32} + (r[${2 * n}] >>> 0); ${canonical(`r[${2 * n + 1}]`)}`,
      t,
    ];
  if (o && simpleMem(i, o) && o.size === 8) {
    const lo = s.local('tl');
    const hi = s.local('th');
    return [
      `const ${lo} = m.read64(${address(i, o)}), ${hi} = m.hi; ${canonical(hi)} const ${t} = ${hi} * ${TWO32} + (${lo} >>> 0);`,
      t,
    ];
  }
  return null;
}

/** call rel32 (the region continues at the target) and indirect calls (set `c.next`). */
export function emitCall(i: Instruction, s: InlineState): string | null {
  const o = i.operands[0];
  const [lo, hi] = splitConst(i.address + i.length);
  if (o?.kind === OperandKind.Rel) return `${pushValue(s, String(lo), String(hi))} c.next = ${o.target};`;
  const target = indirectTarget(i, s);
  if (!target) return null;
  return `${target[0]} ${pushValue(s, String(lo), String(hi))} c.next = ${target[1]};`;
}

/** Indirect near jumps (direct ones are region edges). */
export function emitJmp(i: Instruction, s: InlineState): string | null {
  const target = indirectTarget(i, s);
  return target ? `${target[0]} c.next = ${target[1]};` : null;
}

export function emitRet(i: Instruction, s: InlineState): string | null {
  if (i.operands.length !== 0) return null;
  const sp = s.local('sp');
  const lo = s.local('rl');
  const hi = s.local('rh');
  return `const ${sp} = ss(r[9] * ${TWO32} + (r[8] >>> 0)); const ${lo} = m.read64(${sp}), ${hi} = m.hi; if (((${hi} >> 15) + 1) >>> 1 !== 0) gp(); r[8] = (${sp} + 8) | 0; r[9] = Math.floor((${sp} + 8) / ${TWO32}) | 0; c.next = ${hi} * ${TWO32} + (${lo} >>> 0);`;
}
