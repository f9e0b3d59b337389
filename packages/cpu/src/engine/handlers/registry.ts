/**
 * The instruction table of the engine: mnemonic → semantics. Each entry has the
 * generic implementation (`exec`, operating on the decoded operands) and, for
 * the hot instructions, an `emit` that writes specialised JavaScript for the
 * block compiler. Control transfers set `cpu.next`.
 */
import type { Instruction } from '../../decoder/instruction.js';
import type { Cpu } from '../cpu.js';
import type { EmitContext } from '../emit-context.js';

export interface Semantics {
  exec: (cpu: Cpu, i: Instruction) => void;
  /** Ends the block: a control transfer, or something that changes how later code must be translated. */
  ends?: boolean;
  /** The instruction sets cpu.next (the block's exit address comes from it). */
  branch?: boolean;
  /** Ends the block only for some operand forms (mov to a control register). */
  endsIf?: (i: Instruction) => boolean;
  /** Inline translation; returns null to fall back to `exec`. */
  emit?: (i: Instruction, x: EmitContext) => string | null;
}

const TABLE = new Map<string, Semantics>();

export function define(mnemonics: string | string[], s: Semantics): void {
  for (const m of Array.isArray(mnemonics) ? mnemonics : [mnemonics]) TABLE.set(m, s);
}

export function semanticsOf(i: Instruction): Semantics | undefined {
  return TABLE.get(i.mnemonic);
}

export function endsBlock(i: Instruction): boolean {
  const s = TABLE.get(i.mnemonic);
  return !s || s.ends === true || s.branch === true || (s.endsIf?.(i) ?? false);
}

export function definedMnemonics(): string[] {
  return [...TABLE.keys()];
}
