/**
 * The CPU state that translated code reads and writes, kept in one small
 * WebAssembly memory so that regions translated to WebAssembly and to
 * JavaScript share it: the general registers as 32-bit halves (register n at
 * byte 8n, little-endian, so WebAssembly reads it as one i64) and the
 * lazy-flags record (flags.ts).
 */
import { F_LENGTH } from '../flags.js';

/** Byte offsets in the state memory. */
export const STATE = {
  registers: 0,
  flags: 128,
  /** Instructions a WebAssembly region ran, for the run loop's count. */
  count: 192,
} as const;

/** The parts of the WebAssembly API the engine uses (Node.js has it; its types are not in the ES library). */
export interface WasmApi {
  Memory: new (d: { initial: number }) => { buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
}

export const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

export interface CpuState {
  /** The WebAssembly memory (null where the host has no WebAssembly: every region is JavaScript). */
  memory: { buffer: ArrayBuffer } | null;
  r: Int32Array;
  F: Int32Array;
  count: Int32Array;
}

export function createState(): CpuState {
  const memory = wasmApi ? new wasmApi.Memory({ initial: 1 }) : null;
  const buffer = memory ? memory.buffer : new ArrayBuffer(256);
  return {
    memory,
    r: new Int32Array(buffer, STATE.registers, 32),
    F: new Int32Array(buffer, STATE.flags, F_LENGTH),
    count: new Int32Array(buffer, STATE.count, 1),
  };
}
