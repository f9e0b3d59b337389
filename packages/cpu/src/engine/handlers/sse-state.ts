/**
 * Shared machinery of the SSE handlers: typed views over the XMM register file
 * and a source scratch register, operand loading and storing, the x86 NaN rules.
 */
import type { Instruction, Operand } from '../../decoder/instruction.js';
import { OperandKind, RegClass } from '../../decoder/instruction.js';
import type { Cpu } from '../cpu.js';
import { CpuFault } from '../fault.js';

export interface SseViews {
  i32: Int32Array;
  u32: Uint32Array;
  i16: Int16Array;
  u16: Uint16Array;
  i8: Int8Array;
  u8: Uint8Array;
  f32: Float32Array;
  f64: Float64Array;
}

function views(buffer: ArrayBufferLike, byteOffset: number, bytes: number): SseViews {
  return {
    i32: new Int32Array(buffer, byteOffset, bytes / 4),
    u32: new Uint32Array(buffer, byteOffset, bytes / 4),
    i16: new Int16Array(buffer, byteOffset, bytes / 2),
    u16: new Uint16Array(buffer, byteOffset, bytes / 2),
    i8: new Int8Array(buffer, byteOffset, bytes),
    u8: new Uint8Array(buffer, byteOffset, bytes),
    f32: new Float32Array(buffer, byteOffset, bytes / 4),
    f64: new Float64Array(buffer, byteOffset, bytes / 8),
  };
}

const cache = new WeakMap<Cpu, { x: SseViews; s: SseViews; t: SseViews }>();

/** Views of the XMM file (`x`), the source scratch (`s`) and a result scratch (`t`), 16 bytes each for s and t. */
export function sse(c: Cpu): { x: SseViews; s: SseViews; t: SseViews } {
  let v = cache.get(c);
  if (!v) {
    const scratch = new ArrayBuffer(32);
    v = {
      x: views(c.xmm.buffer, c.xmm.byteOffset, 256),
      s: views(scratch, 0, 16),
      t: views(scratch, 16, 16),
    };
    cache.set(c, v);
  }
  return v;
}

export const op = (i: Instruction, n: number) => i.operands[n] as Operand;

/** Load operand `o` (XMM register or memory of `bytes`) into the source scratch; memory reads are zero-extended. */
export function loadSource(c: Cpu, i: Instruction, o: Operand, bytes: number, aligned = false): SseViews {
  const { x, s } = sse(c);
  if (o.kind === OperandKind.Reg && o.regClass === RegClass.Xmm) {
    const b = o.reg * 4;
    s.i32[0] = x.i32[b] as number;
    s.i32[1] = x.i32[b + 1] as number;
    s.i32[2] = x.i32[b + 2] as number;
    s.i32[3] = x.i32[b + 3] as number;
    return s;
  }
  if (o.kind === OperandKind.Reg) {
    // A general register source (movd/movq, cvtsi2sd, pinsrw).
    s.i32.fill(0);
    s.i32[0] = c.read(i, o);
    if (o.size === 8) s.i32[1] = c.hi;
    return s;
  }
  const a = c.ea(i, o);
  if (aligned && a % 16 !== 0) throw new CpuFault(13, 0);
  s.i32.fill(0);
  const port = c.port;
  if (bytes === 16) {
    s.i32[0] = port.read64(a);
    s.i32[1] = port.hi;
    s.i32[2] = port.read64(a + 8);
    s.i32[3] = port.hi;
  } else if (bytes === 8) {
    s.i32[0] = port.read64(a);
    s.i32[1] = port.hi;
  } else if (bytes === 4) s.i32[0] = port.read32(a);
  else if (bytes === 2) s.i32[0] = port.read16(a);
  else s.i32[0] = port.read8(a);
  return s;
}

/** Store `bytes` of views `v` (from lane 0) to operand `o`. */
export function storeTo(
  c: Cpu,
  i: Instruction,
  o: Operand,
  v: SseViews,
  bytes: number,
  aligned = false,
): void {
  const { x } = sse(c);
  if (o.kind === OperandKind.Reg && o.regClass === RegClass.Xmm) {
    const b = o.reg * 4;
    for (let k = 0; k < bytes / 4; k++) x.i32[b + k] = v.i32[k] as number;
    return;
  }
  if (o.kind === OperandKind.Reg) {
    c.write(i, o, v.i32[0] as number, bytes === 8 ? (v.i32[1] as number) : 0, bytes === 8 ? 8 : 4);
    return;
  }
  const a = c.ea(i, o);
  if (aligned && a % 16 !== 0) throw new CpuFault(13, 0);
  const port = c.port;
  if (bytes === 16) {
    port.probeWrite(a, 16);
    port.write64(a, v.i32[0] as number, v.i32[1] as number);
    port.write64(a + 8, v.i32[2] as number, v.i32[3] as number);
  } else if (bytes === 8) port.write64(a, v.i32[0] as number, v.i32[1] as number);
  else if (bytes === 4) port.write32(a, v.i32[0] as number);
  else if (bytes === 2) port.write16(a, v.i32[0] as number);
  else port.write8(a, v.i32[0] as number);
}

/** Index of the first dword of the destination XMM register. */
export function dst(i: Instruction): number {
  return op(i, 0).reg * 4;
}
