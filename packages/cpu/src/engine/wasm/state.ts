/**
 * The CPU state that translated code reads and writes, kept in WebAssembly
 * memory so that regions translated to WebAssembly and to JavaScript share
 * it: the general registers as 32-bit halves (register n at byte 8n,
 * little-endian, so WebAssembly reads it as one i64), the XMM registers, the
 * lazy-flags record (flags.ts), and the memory port's translation caches
 * (memory-port.ts).
 *
 * Where the RAM is itself a WebAssembly memory (PhysicalMemory's side area,
 * @x/mmu), the state lives in its side area, and WebAssembly regions reach
 * guest memory through the caches too. Otherwise it gets a small memory of
 * its own and those regions stay register-only.
 */
import type { PhysicalMemory, WasmMemory } from '@x/mmu';
import { F_LENGTH } from '../flags.js';
import { CACHE_TABLES_LENGTH } from '../memory-port.js';

/** Byte offsets from the state's base. */
export const STATE = {
  registers: 0,
  flags: 128,
  /** Instructions a WebAssembly region ran, for the run loop's count. */
  count: 192,
  /** The rip of the indirect site a WebAssembly region left through, or -1 (an f64). */
  site: 200,
  /** A value passed to or from the memory port on a WebAssembly region's slow path (up to 16 bytes). */
  scratch: 208,
  /** FS and GS bases (f64 each), written before a region that uses them runs. */
  segments: 224,
  /** The table slot of the region the dispatcher runs now (links.ts), and the instructions of those it finished. */
  running: 240,
  total: 244,
  /** The XMM registers, 16 bytes each. */
  xmm: 256,
  /** The memory port's caches: tags and bases, read, write, execute (f64 each). */
  caches: 512,
} as const;

/** Entries of the dispatcher's map from rip to region (links.ts): 16 bytes each. */
export const LINK_MAP_ENTRIES = 8192;
/** Byte offset of that map. */
export const LINK_MAP = STATE.caches + 8 * CACHE_TABLES_LENGTH;
const STATE_BYTES = LINK_MAP + 16 * LINK_MAP_ENTRIES;

/** The parts of the WebAssembly API the engine uses (Node.js has it; its types are not in the ES library). */
export interface WasmApi {
  Memory: new (d: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
  Table: new (d: { initial: number; element: 'anyfunc' }) => WasmTable;
}

export interface WasmTable {
  readonly length: number;
  grow(delta: number): number;
  set(index: number, value: unknown): void;
}

export const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

export interface CpuState {
  /** The WebAssembly memory (null where the host has no WebAssembly: every region is JavaScript). */
  memory: WasmMemory | null;
  /** Offset of the state in `memory`. */
  base: number;
  /** Whether `memory` is also the RAM (its first `PhysicalMemory.bytes`). */
  ramInMemory: boolean;
  r: Int32Array;
  F: Int32Array;
  count: Int32Array;
  site: Float64Array;
  /** The slow-path value as 32-bit words. */
  scratch: Int32Array;
  xmm: Int32Array;
  /** FS and GS bases for the regions that address through them. */
  segments: Float64Array;
  /** The memory port's six cache tables, one after the other. */
  caches: Float64Array;
  running: Int32Array;
  total: Int32Array;
  /** The dispatcher's map, as 32-bit words: rip low, rip high, slot, entry. */
  links: Int32Array;
}

export function createState(ram: PhysicalMemory): CpuState {
  let memory: WasmMemory | null = null;
  let base = ram.wasmMemory ? ram.allocateSide(STATE_BYTES, 64) : -1;
  const ramInMemory = base >= 0;
  if (ramInMemory) memory = ram.wasmMemory;
  else {
    base = 0;
    if (wasmApi) memory = new wasmApi.Memory({ initial: Math.ceil(STATE_BYTES / 65536) });
  }
  const buffer = memory ? memory.buffer : new ArrayBuffer(STATE_BYTES);
  const site = new Float64Array(buffer, base + STATE.site, 1);
  site[0] = -1;
  return {
    memory,
    base,
    ramInMemory,
    r: new Int32Array(buffer, base + STATE.registers, 32),
    F: new Int32Array(buffer, base + STATE.flags, F_LENGTH),
    count: new Int32Array(buffer, base + STATE.count, 1),
    site,
    scratch: new Int32Array(buffer, base + STATE.scratch, 4),
    xmm: new Int32Array(buffer, base + STATE.xmm, 64),
    segments: new Float64Array(buffer, base + STATE.segments, 2),
    caches: new Float64Array(buffer, base + STATE.caches, CACHE_TABLES_LENGTH),
    running: new Int32Array(buffer, base + STATE.running, 1),
    total: new Int32Array(buffer, base + STATE.total, 1),
    links: new Int32Array(buffer, base + LINK_MAP, 4 * LINK_MAP_ENTRIES),
  };
}
