/**
 * Parsing of the opcode maps' entries ("add Ev,Gv d64") into operand
 * specifications, once per distinct string.
 */

export interface OperandSpec {
  /** Addressing method: E, G, I, J, Z, O, S, A, C, D, R, M, V, W, U, P, Q, N, RM, fixed (AL, rAX…), seg, ST0, STi, one. */
  method: string;
  /** Size code: b, w, d, q, v, z, y, x, ss, sd, t, p, or '' when the method fixes it. */
  size: string;
  /** For "Rd/Mb": the size when the r/m operand is memory. */
  memSize?: string;
  /** Fixed register number or segment for the fixed methods. */
  fixed?: number;
}

export interface EntrySpec {
  mnemonic: string;
  operands: OperandSpec[];
  /** Operand size defaults to 64 bits (push, pop…). */
  d64: boolean;
  /** Operand size is always 64 bits (near branches). */
  f64: boolean;
  /** One of the operands is encoded in a ModRM byte. */
  modrm: boolean;
}

const FIXED: Record<string, OperandSpec> = {
  AL: { method: 'fixed', size: 'b', fixed: 0 },
  CL: { method: 'fixed', size: 'b', fixed: 1 },
  AX: { method: 'fixed', size: 'w', fixed: 0 },
  DX: { method: 'fixed', size: 'w', fixed: 2 },
  rAX: { method: 'fixed', size: 'v', fixed: 0 },
  eAX: { method: 'fixed', size: 'z', fixed: 0 },
  FS: { method: 'seg', size: 'w', fixed: 4 },
  GS: { method: 'seg', size: 'w', fixed: 5 },
  ES: { method: 'seg', size: 'w', fixed: 0 },
  CS: { method: 'seg', size: 'w', fixed: 1 },
  SS: { method: 'seg', size: 'w', fixed: 2 },
  DS: { method: 'seg', size: 'w', fixed: 3 },
  XMM0: { method: 'xmm0', size: 'x', fixed: 0 },
  ST0: { method: 'ST0', size: '' },
  STi: { method: 'STi', size: '' },
  '1': { method: 'one', size: 'b' },
};

function parseOperand(text: string): OperandSpec {
  const fixed = FIXED[text];
  if (fixed) return fixed;
  const slash = text.indexOf('/');
  if (slash > 0) {
    const reg = parseOperand(text.slice(0, slash));
    const mem = parseOperand(text.slice(slash + 1));
    return { method: 'RM', size: reg.size, memSize: mem.size };
  }
  if (text === 'Ibs') return { method: 'Ibs', size: 'b' };
  return { method: text[0] ?? '', size: text.slice(1) };
}

const MODRM_METHODS = new Set(['E', 'G', 'M', 'S', 'C', 'D', 'R', 'V', 'W', 'U', 'P', 'Q', 'N', 'RM', 'STi']);

const cache = new Map<string, EntrySpec>();

export function parseEntry(entry: string): EntrySpec {
  const cached = cache.get(entry);
  if (cached) return cached;
  const words = entry.split(' ');
  const mnemonic = words[0] ?? '';
  let operands: OperandSpec[] = [];
  let d64 = false;
  let f64 = false;
  for (const w of words.slice(1)) {
    if (w === 'd64') d64 = true;
    else if (w === 'f64') f64 = true;
    else operands = w.split(',').map(parseOperand);
  }
  const modrm = operands.some((o) => MODRM_METHODS.has(o.method));
  const spec = { mnemonic, operands, d64, f64, modrm };
  cache.set(entry, spec);
  return spec;
}
