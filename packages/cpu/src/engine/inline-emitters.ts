/**
 * Which inline emitter translates which mnemonic. An emitter returns the
 * JavaScript for the instruction, or null when this form (operand kinds,
 * sizes, observed flags) is left to the generic implementation.
 */
import type { Instruction } from '../decoder/instruction.js';
import {
  emitAlu,
  emitExtend,
  emitImul32,
  emitImul64,
  emitIncDec,
  emitLea,
  emitMov,
  emitMovNarrow,
  emitNeg,
  emitNot,
  emitRotate,
  emitSetcc,
  emitShift,
  emitXmmMove,
  type InlineState,
} from './inline.js';
import {
  emitCompareDouble,
  emitHalfMove,
  emitSseInteger,
  emitSseShuffle,
  SSE_INTEGER_MNEMONICS,
  SSE_SHUFFLE_MNEMONICS,
} from './inline-sse.js';
import { emitCall, emitJmp, emitPop, emitPush, emitRet } from './inline-stack.js';

type Emitter = (i: Instruction, s: InlineState) => string | null;

const nothing: Emitter = () => '';

const EMITTERS = new Map<string, Emitter>([
  ['mov', (i, s) => emitMov(i, s) ?? emitMovNarrow(i, s)],
  ['lea', emitLea],
  ['movzx', emitExtend],
  ['movsx', emitExtend],
  ['movsxd', emitExtend],
  ['shl', emitShift],
  ['sal', emitShift],
  ['shr', emitShift],
  ['sar', emitShift],
  ['rol', emitRotate],
  ['ror', emitRotate],
  ['not', emitNot],
  ['neg', emitNeg],
  ['imul', (i, s) => (i.operands.length < 2 ? null : (emitImul32(i, s) ?? emitImul64(i, s)))],
  ['inc', emitIncDec],
  ['dec', emitIncDec],
  ['push', emitPush],
  ['pop', emitPop],
  ['call', emitCall],
  ['ret', emitRet],
  ['jmp', emitJmp],
  ['nop', nothing],
  ['endbr64', nothing],
  ['comisd', emitCompareDouble],
  ['ucomisd', emitCompareDouble],
  ...['movlps', 'movlpd', 'movhps', 'movhpd'].map((m): [string, Emitter] => [m, emitHalfMove]),
  ...['add', 'sub', 'cmp', 'and', 'or', 'xor', 'test'].map((m): [string, Emitter] => [m, emitAlu]),
  ...['movups', 'movupd', 'movaps', 'movapd', 'movdqu', 'movdqa', 'movsd', 'movq'].map(
    (m): [string, Emitter] => [m, emitXmmMove],
  ),
  ...SSE_INTEGER_MNEMONICS.map((m): [string, Emitter] => [m, emitSseInteger]),
  ...SSE_SHUFFLE_MNEMONICS.map((m): [string, Emitter] => [m, emitSseShuffle]),
]);

/** The inline translation of `i`, or null for the generic path. */
export function emitInstruction(i: Instruction, s: InlineState): string | null {
  if (i.cc >= 0 && i.mnemonic.startsWith('set')) return emitSetcc(i, s);
  const e = EMITTERS.get(i.mnemonic);
  return e ? e(i, s) : null;
}
