/**
 * Turns a decoded block into one JavaScript function. Hot instructions are
 * written inline (inline.ts); the rest call their generic implementation with
 * the decoded instruction bound as a constant. Before each instruction the
 * block records its index in `cpu.k`, so a fault knows the exact rip and how
 * many instructions completed. A block whose final conditional jump returns to
 * its own start runs as a loop inside the function, counting its iterations in
 * `cpu.loopCount` and leaving at least every `cpu.loopLimit` instructions so
 * the run loop can check its budget and stop requests.
 */
import { type Instruction, OperandKind } from '../decoder/instruction.js';
import { type Cpu, stackAddress } from './cpu.js';
import { CpuFault } from './fault.js';
import { carryOf, computeFlags, conditionHolds, PARITY } from './flags.js';
import { semanticsOf } from './handlers/registry.js';
import {
  emitAlu,
  emitExtend,
  emitImul32,
  emitIncDec,
  emitLea,
  emitMov,
  emitMovNarrow,
  emitSetcc,
  emitShift,
  emitXmmMove,
  fusedCondition,
  type InlineState,
} from './inline.js';

export interface CompiledBlock {
  run: () => number;
  count: number;
}

type Exec = (c: Cpu, i: Instruction) => void;

function undefinedOpcode(): Exec {
  return () => {
    throw new CpuFault(6, undefined);
  };
}

const TWO32 = 4294967296;

function splitConst(v: number): [number, number] {
  return [(v % TWO32) | 0, Math.floor(v / TWO32) | 0];
}

/** Flag-touching mnemonics that inline code does not track: they end a fused producer. */
function touchesFlagsOrUnknown(i: Instruction): boolean {
  return !['mov', 'lea', 'nop', 'endbr64', 'push', 'pop', 'movzx', 'movsx', 'movsxd'].includes(i.mnemonic);
}

export function compileBlock(cpu: Cpu, insns: Instruction[]): CompiledBlock {
  const calls: Exec[] = [];
  const lines: string[] = [];
  let locals = 0;
  let exit = '';
  let selfLoop: { cond: string; fallthrough: number } | null = null;
  const start = insns[0]?.address ?? 0;
  const state: InlineState = { producer: null, k: 0, flagStore: '', local: (hint) => `${hint}${locals++}` };
  /** Line index of flag stores that nothing has observed yet (a later producer may drop them). */
  let pendingFlags = -1;
  insns.forEach((insn, k) => {
    state.k = k;
    const s = semanticsOf(insn);
    const last = k === insns.length - 1;
    // The instruction index is recorded only before instructions that can fault or call out.
    const indexLine = lines.length;
    lines.push('');
    let inline: string | null = null;
    // inc/dec read CF from the record when no inline producer precedes them: that record must then stay.
    const readsRecord = (insn.mnemonic === 'inc' || insn.mnemonic === 'dec') && state.producer === null;
    const m = insn.mnemonic;
    if (!insn.invalid) {
      if (m === 'mov') inline = emitMov(insn, state) ?? emitMovNarrow(insn, state);
      else if (m === 'shl' || m === 'sal' || m === 'shr' || m === 'sar') inline = emitShift(insn, state);
      else if (m === 'movzx' || m === 'movsx' || m === 'movsxd') inline = emitExtend(insn, state);
      else if (m === 'lea') inline = emitLea(insn, state);
      else if (m.startsWith('set') && insn.cc >= 0) inline = emitSetcc(insn, state);
      else if (['movups', 'movupd', 'movaps', 'movapd', 'movdqu', 'movdqa', 'movsd', 'movq'].includes(m))
        inline = emitXmmMove(insn, state);
      else if (m === 'imul' && insn.operands.length >= 2) inline = emitImul32(insn, state);
      else if (
        m === 'add' ||
        m === 'sub' ||
        m === 'cmp' ||
        m === 'and' ||
        m === 'or' ||
        m === 'xor' ||
        m === 'test'
      ) {
        inline = emitAlu(insn, state);
        if (inline === null) state.producer = null;
      } else if (m === 'inc' || m === 'dec') {
        inline = emitIncDec(insn, state);
        if (inline === null) state.producer = null;
      } else if (insn.cc >= 0 && m.startsWith('j') && insn.operands[0]?.kind === OperandKind.Rel) {
        const target = insn.operands[0].target;
        const fall = insn.address + insn.length;
        const cond =
          (state.producer && fusedCondition(insn.cc, state.producer)) ?? `cond(computeFlags(F), ${insn.cc})`;
        if (last && target === start) {
          selfLoop = { cond, fallthrough: fall };
          inline = '';
        } else {
          inline = `c.next = (${cond}) ? ${target} : ${fall};`;
        }
      } else if (m === 'jmp' && insn.operands[0]?.kind === OperandKind.Rel) {
        inline = `c.next = ${insn.operands[0].target};`;
      } else if (m === 'call' && insn.operands[0]?.kind === OperandKind.Rel) {
        const [lo, hi] = splitConst(insn.address + insn.length);
        const sp = state.local('sp');
        inline = `const ${sp} = ss(r[9] * ${TWO32} + (r[8] >>> 0) - 8); m.write64(${sp}, ${lo}, ${hi}); r[8] = ${sp} | 0; r[9] = Math.floor(${sp} / ${TWO32}) | 0; c.next = ${insn.operands[0].target};`;
      } else if (
        m === 'call' &&
        insn.operands[0]?.kind === OperandKind.Reg &&
        insn.operands[0].regClass === 0
      ) {
        const n = insn.operands[0].reg;
        const [lo, hi] = splitConst(insn.address + insn.length);
        const sp = state.local('sp');
        const t = state.local('ct');
        inline = `const ${t} = r[${2 * n + 1}] * ${TWO32} + (r[${2 * n}] >>> 0); if (((r[${2 * n + 1}] >> 15) + 1) >>> 1 !== 0) gp(); const ${sp} = ss(r[9] * ${TWO32} + (r[8] >>> 0) - 8); m.write64(${sp}, ${lo}, ${hi}); r[8] = ${sp} | 0; r[9] = Math.floor(${sp} / ${TWO32}) | 0; c.next = ${t};`;
      } else if (m === 'ret' && insn.operands.length === 0) {
        const sp = state.local('sp');
        const lo = state.local('rl');
        const hi = state.local('rh');
        inline = `const ${sp} = ss(r[9] * ${TWO32} + (r[8] >>> 0)); const ${lo} = m.read64(${sp}), ${hi} = m.hi; if (((${hi} >> 15) + 1) >>> 1 !== 0) gp(); r[8] = (${sp} + 8) | 0; r[9] = Math.floor((${sp} + 8) / ${TWO32}) | 0; c.next = ${hi} * ${TWO32} + (${lo} >>> 0);`;
      } else if (
        (m === 'push' || m === 'pop') &&
        insn.opSize === 8 &&
        insn.operands[0]?.kind === OperandKind.Reg &&
        insn.operands[0].regClass === 0
      ) {
        const n = insn.operands[0].reg;
        const sp = state.local('sp');
        if (m === 'push') {
          inline = `const ${sp} = ss(r[9] * ${TWO32} + (r[8] >>> 0) - 8); m.write64(${sp}, r[${2 * n}], r[${2 * n + 1}]); r[8] = ${sp} | 0; r[9] = Math.floor(${sp} / ${TWO32}) | 0;`;
        } else {
          const lo = state.local('pl');
          inline = `const ${sp} = ss(r[9] * ${TWO32} + (r[8] >>> 0)); const ${lo} = m.read64(${sp}); r[8] = (${sp} + 8) | 0; r[9] = Math.floor((${sp} + 8) / ${TWO32}) | 0; r[${2 * n}] = ${lo}; r[${2 * n + 1}] = m.hi;`;
        }
      } else if (m === 'nop' || m === 'endbr64') {
        inline = '';
      }
    }
    if (inline !== null) {
      const producer = state.flagStore !== '';
      const touchesMemory =
        (m !== 'lea' && m !== 'nop' && insn.operands.some((o) => o.kind === OperandKind.Mem)) ||
        m === 'push' ||
        m === 'pop' ||
        m === 'call' ||
        m === 'ret';
      // A register-only producer overwrites every flag before anything could observe the previous record.
      if (producer && !touchesMemory && !readsRecord && pendingFlags >= 0) lines[pendingFlags] = '';
      if (touchesMemory || m.startsWith('j') || m.startsWith('set')) pendingFlags = -1;
      if (touchesMemory) lines[indexLine] = `c.k = ${k};`;
      lines.push(inline);
      if (producer) {
        lines.push(state.flagStore);
        pendingFlags = lines.length - 1;
        state.flagStore = '';
      }
      if (
        !['add', 'sub', 'cmp', 'and', 'or', 'xor', 'test', 'inc', 'dec'].includes(m) &&
        touchesFlagsOrUnknown(insn) &&
        !m.startsWith('j')
      )
        state.producer = null;
    } else {
      const exec = s && !insn.invalid ? s.exec : undefinedOpcode();
      calls.push(exec);
      lines[indexLine] = `c.k = ${k};`;
      lines.push(`h[${calls.length - 1}](c, I[${k}]);`);
      state.producer = null;
      pendingFlags = -1;
    }
    if (last) {
      const branches = (s?.branch && !insn.invalid) || inline?.includes('c.next =');
      exit = branches ? 'return c.next;' : `return ${insn.address + insn.length};`;
    }
  });
  let body: string;
  const loop = selfLoop as { cond: string; fallthrough: number } | null;
  if (loop) {
    body = `return function block() {
  for (;;) {
${lines.join('\n')}
    if (!(${loop.cond})) return ${loop.fallthrough};
    c.loopCount += ${insns.length};
    if (c.loopCount >= c.loopLimit) { c.loopCount -= ${insns.length}; return ${start}; }
  }
};`;
  } else {
    body = `return function block() {\n${lines.join('\n')}\n${exit}\n};`;
  }
  const factory = new Function(
    'c',
    'h',
    'I',
    'r',
    'm',
    'F',
    'cond',
    'computeFlags',
    'gp',
    'carryOf',
    'ss',
    'P',
    'X',
    body,
  ) as (
    c: Cpu,
    h: Exec[],
    I: Instruction[],
    r: Int32Array,
    m: Cpu['port'],
    F: Int32Array,
    cond: typeof conditionHolds,
    cf: typeof computeFlags,
    gp: () => never,
    carry: typeof carryOf,
    ss: typeof stackAddress,
    P: Uint8Array,
    X: Int32Array,
  ) => () => number;
  const gp = (): never => {
    throw new CpuFault(13, 0);
  };
  return {
    run: factory(
      cpu,
      calls,
      insns,
      cpu.r,
      cpu.port,
      cpu.F,
      conditionHolds,
      computeFlags,
      gp,
      carryOf,
      stackAddress,
      PARITY,
      cpu.xmm,
    ),
    count: insns.length,
  };
}
