/**
 * Which instructions of a block write flags that nothing can observe. A
 * rotate or multiply followed by an instruction that overwrites every status
 * flag needs no flag computation at all. Flags stay exact wherever they can be
 * seen: at the end of the block, before any instruction that reads them, and
 * before any instruction that may fault (the exception frame holds RFLAGS).
 */
import { type Instruction, OperandKind, RegClass } from '../decoder/instruction.js';
import { SSE_INTEGER_MNEMONICS, SSE_SHUFFLE_MNEMONICS } from './inline-sse.js';

/** Write all six status flags from their operands alone (when they cannot fault). */
const WRITES_ALL = new Set(['add', 'sub', 'cmp', 'and', 'or', 'xor', 'test', 'neg', 'imul']);

/** Neither read nor write a status flag. */
const NEUTRAL = new Set([
  'mov',
  'movzx',
  'movsx',
  'movsxd',
  'lea',
  'nop',
  'endbr64',
  'not',
  'bswap',
  'push',
  'pop',
  'jmp',
  'call',
  'movd',
  'movq',
  'movdqa',
  'movdqu',
  'movaps',
  'movups',
  'movapd',
  'movupd',
  'movsd',
  'movss',
  'paddw',
  'psubw',
  ...SSE_INTEGER_MNEMONICS,
  ...SSE_SHUFFLE_MNEMONICS,
]);

/** Status flag bits (SDM vol. 1, 3.4.3). */
const CF = 0x1;
const OF = 0x800;
const ALL = 0x8d5;

/** Immediate count after masking; -1 when the count is not an immediate. */
function immediateCount(i: Instruction): number {
  const [d, c] = i.operands;
  if (!d || !c || c.kind !== OperandKind.Imm) return -1;
  return c.immLo & (d.size === 8 ? 63 : 31);
}

function mayFault(i: Instruction): boolean {
  if (i.invalid) return true;
  const m = i.mnemonic;
  if (m === 'lea' || m === 'nop' || m === 'endbr64') return false;
  if (m === 'push' || m === 'pop' || m === 'call') return true;
  // The string instruction shares its name with the SSE move and has only implicit memory operands.
  if (m === 'movsd' && i.operands.length === 0) return true;
  // Only the general-register forms of the XMM instructions above are known not to fault.
  return i.operands.some(
    (o) => o.kind === OperandKind.Mem || (o.kind === OperandKind.Reg && o.regClass === RegClass.Mmx),
  );
}

/**
 * For each instruction, whether a flag it writes may be observed before
 * something overwrites it. Flags are tracked one by one, so a rotate (CF and
 * OF only) before another rotate is seen through. The model follows this
 * engine: a rotate whose CF and OF are observed runs generically and reads
 * every previous flag to keep the others; inc and dec carry CF over from the
 * previous flags.
 */
export function flagsObserved(insns: readonly Instruction[]): boolean[] {
  return analyse(insns).observed;
}

/**
 * Whether a block may read a status flag before it writes it, that is,
 * whether the flags a predecessor leaves can be observed through it (at its
 * own end they are taken as observed).
 */
export function readsFlagsOnEntry(insns: readonly Instruction[]): boolean {
  return analyse(insns).liveIn !== 0;
}

function analyse(insns: readonly Instruction[]): { observed: boolean[]; liveIn: number } {
  const out = new Array<boolean>(insns.length);
  let live = ALL;
  for (let k = insns.length - 1; k >= 0; k--) {
    const i = insns[k] as Instruction;
    const m = i.mnemonic;
    const shift = m === 'shl' || m === 'sal' || m === 'shr' || m === 'sar';
    const rotate = m === 'rol' || m === 'ror';
    const count = shift || rotate ? immediateCount(i) : -1;
    let writes = ALL;
    if (NEUTRAL.has(m) || ((shift || rotate) && count === 0)) writes = 0;
    else if (rotate && count > 0) writes = CF | OF;
    out[k] = (live & writes) !== 0;
    if (mayFault(i)) live = ALL;
    else if (writes === 0) continue;
    else if (rotate && count > 0) live = out[k] ? ALL : live;
    else if (WRITES_ALL.has(m) || (shift && count > 0)) live = 0;
    else if (m === 'inc' || m === 'dec') live = CF;
    else live = ALL;
  }
  return { observed: out, liveIn: live };
}
