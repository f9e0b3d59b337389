/**
 * A small writer of WebAssembly binaries (core spec 1.0 plus sign extension and the saturating truncations):
 * one module with an imported memory (and table) and functions and one
 * exported function, which is all a translated region (or the dispatcher
 * between regions) needs.
 */

export const I32 = 0x7f;
export const I64 = 0x7e;
export const F64 = 0x7c;
export const V128 = 0x7b;

/** Opcodes used by the translator (WebAssembly core specification, 5.4). */
export const Op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  brTable: 0x0e,
  return: 0x0f,
  call: 0x10,
  callIndirect: 0x11,
  drop: 0x1a,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  unreachable: 0x00,
  i32Load: 0x28,
  i64Load: 0x29,
  f64Load: 0x2b,
  i64Load8U: 0x31,
  i64Load16U: 0x33,
  i64Load32U: 0x35,
  i32Store: 0x36,
  i64Store: 0x37,
  f64Store: 0x39,
  i64Store8: 0x3c,
  i64Store16: 0x3d,
  i64Store32: 0x3e,
  i32Const: 0x41,
  i64Const: 0x42,
  f64Const: 0x44,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32Ne: 0x47,
  i32LtS: 0x48,
  i32LtU: 0x49,
  i32GtS: 0x4a,
  i32GtU: 0x4b,
  i32LeS: 0x4c,
  i32LeU: 0x4d,
  i32GeS: 0x4e,
  i32GeU: 0x4f,
  i64Eqz: 0x50,
  i64Eq: 0x51,
  i64Ne: 0x52,
  i64LtS: 0x53,
  i64LtU: 0x54,
  i64GtS: 0x55,
  i64GtU: 0x56,
  i64LeS: 0x57,
  i64LeU: 0x58,
  i64GeS: 0x59,
  i64GeU: 0x5a,
  f64Eq: 0x61,
  f64Ne: 0x62,
  f64Lt: 0x63,
  f64Ge: 0x66,
  f64Abs: 0x99,
  i32Popcnt: 0x69,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Or: 0x72,
  i32Xor: 0x73,
  i32Shl: 0x74,
  i32ShrS: 0x75,
  i32ShrU: 0x76,
  i32Rotl: 0x77,
  i32Rotr: 0x78,
  i64Add: 0x7c,
  i64Sub: 0x7d,
  i64Mul: 0x7e,
  i64And: 0x83,
  i64Or: 0x84,
  i64Xor: 0x85,
  i64Shl: 0x86,
  i64ShrS: 0x87,
  i64ShrU: 0x88,
  i64Rotl: 0x89,
  i64Rotr: 0x8a,
  i32WrapI64: 0xa7,
  i64ExtendI32S: 0xac,
  i64ExtendI32U: 0xad,
  /** The saturating truncations' prefix (0xfc): i32.trunc_sat_f64_u is 0xfc 3, i64.trunc_sat_f64_s 0xfc 6. */
  prefixFc: 0xfc,
  /** The SIMD instructions' prefix (0xfd), followed by their number (core spec 5.4.8). */
  prefixFd: 0xfd,
  f64ConvertI64S: 0xb9,
  f64ReinterpretI64: 0xbf,
  i32Extend8S: 0xc0,
  i32Extend16S: 0xc1,
  i64Extend8S: 0xc2,
  i64Extend16S: 0xc3,
  i64Extend32S: 0xc4,
} as const;

/** Block type of a structured instruction without results. */
export const VOID = 0x40;

/** A growing byte buffer with the encodings of the binary format. */
export class Bytes {
  private buf = new Uint8Array(1024);
  length = 0;

  byte(b: number): this {
    if (this.length === this.buf.length) {
      const grown = new Uint8Array(this.buf.length * 2);
      grown.set(this.buf);
      this.buf = grown;
    }
    this.buf[this.length++] = b;
    return this;
  }

  bytes(bs: ArrayLike<number>): this {
    for (let k = 0; k < bs.length; k++) this.byte(bs[k] as number);
    return this;
  }

  /** Unsigned LEB128 of a value below 2^32. */
  u32(v: number): this {
    let x = v >>> 0;
    do {
      const b = x & 0x7f;
      x >>>= 7;
      this.byte(x === 0 ? b : b | 0x80);
    } while (x !== 0);
    return this;
  }

  /** Signed LEB128 of a 32-bit integer. */
  s32(v: number): this {
    let x = v | 0;
    for (;;) {
      const b = x & 0x7f;
      x >>= 7;
      if ((x === 0 && (b & 0x40) === 0) || (x === -1 && (b & 0x40) !== 0)) return this.byte(b);
      this.byte(b | 0x80);
    }
  }

  /** Signed LEB128 of the 64-bit integer with 32-bit halves lo and hi. */
  s64(lo: number, hi: number): this {
    let x = (BigInt(hi | 0) << 32n) | BigInt(lo >>> 0);
    for (;;) {
      const b = Number(x & 0x7fn);
      x >>= 7n;
      if ((x === 0n && (b & 0x40) === 0) || (x === -1n && (b & 0x40) !== 0)) return this.byte(b);
      this.byte(b | 0x80);
    }
  }

  f64(v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    return this.bytes(b);
  }

  name(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.u32(b.length).bytes(b);
  }

  /** A section or function body: its size, then its bytes. */
  sized(inner: Bytes): this {
    return this.u32(inner.length).bytes(inner.view());
  }

  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

export interface FuncType {
  params: number[];
  results: number[];
}

export interface ModuleSpec {
  /** Imported functions, in index order, from module "x". */
  imports: { name: string; type: FuncType }[];
  /** The memory imported as "x"."mem" (one page at least). */
  exported: { name: string; type: FuncType; locals: number[]; body: Bytes };
  /** Import a table of functions as "x"."tab" too. */
  table?: boolean;
  /** More function types, after the imports' and the exported function's (for call_indirect). */
  types?: FuncType[];
  /** Export the imported functions too, under their names (so that they can go into a table). */
  reexport?: boolean;
  /** A name for the exported function in the name section (profiles and stack traces show it). */
  debugName?: string;
}

function section(out: Bytes, id: number, content: Bytes): void {
  out.byte(id).sized(content);
}

function funcType(b: Bytes, t: FuncType): void {
  b.byte(0x60).u32(t.params.length).bytes(t.params).u32(t.results.length).bytes(t.results);
}

/** The module's bytes: the imports, then the one function, exported. */
export function encodeModule(spec: ModuleSpec): Uint8Array {
  const out = new Bytes().bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const extra = spec.types ?? [];
  const types = new Bytes().u32(spec.imports.length + 1 + extra.length);
  for (const i of spec.imports) funcType(types, i.type);
  funcType(types, spec.exported.type);
  for (const t of extra) funcType(types, t);
  section(out, 1, types);
  const imports = new Bytes().u32(spec.imports.length + 1 + (spec.table ? 1 : 0));
  imports.name('x').name('mem').byte(0x02).byte(0x00).u32(1);
  // funcref, no maximum.
  if (spec.table) imports.name('x').name('tab').byte(0x01).byte(0x70).byte(0x00).u32(1);
  spec.imports.forEach((i, k) => {
    imports.name('x').name(i.name).byte(0x00).u32(k);
  });
  section(out, 2, imports);
  section(out, 3, new Bytes().u32(1).u32(spec.imports.length));
  const exports = new Bytes().u32(1 + (spec.reexport ? spec.imports.length : 0));
  exports.name(spec.exported.name).byte(0x00).u32(spec.imports.length);
  if (spec.reexport) for (const [k, i] of spec.imports.entries()) exports.name(i.name).byte(0x00).u32(k);
  section(out, 7, exports);
  // Locals, run-length encoded by type.
  const runs: [number, number][] = [];
  for (const t of spec.exported.locals) {
    const last = runs[runs.length - 1];
    if (last && last[1] === t) last[0]++;
    else runs.push([1, t]);
  }
  const fn = new Bytes().u32(runs.length);
  for (const [n, t] of runs) fn.u32(n).byte(t);
  fn.bytes(spec.exported.body.view()).byte(Op.end);
  section(out, 10, new Bytes().u32(1).sized(fn));
  if (spec.debugName) {
    // Custom section "name", subsection 1: the function names.
    const names = new Bytes().u32(1).u32(spec.imports.length).name(spec.debugName);
    section(out, 0, new Bytes().name('name').byte(1).sized(names));
  }
  return out.view().slice();
}
