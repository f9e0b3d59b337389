/** What an inline emitter knows while it writes one instruction's JavaScript. */
export interface EmitContext {
  /** Index of the instruction in its block (for unique local names). */
  k: number;
  /** A fresh local variable name. */
  local(hint: string): string;
}
