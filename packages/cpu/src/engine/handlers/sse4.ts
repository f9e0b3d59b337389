/**
 * SSE3, SSSE3, SSE4.1 and SSE4.2 (advertised by the `v2` CPUID profiles):
 * byte shuffles and alignment, horizontal and signed operations, blends,
 * widening moves, inserts and extracts, rounding, dot products, ptest,
 * phminposuw, mpsadbw, the string compares (pcmpXstrX), crc32 and movbe.
 */
import type { Instruction } from '../../decoder/instruction.js';
import { OperandKind, RegClass } from '../../decoder/instruction.js';
import type { Cpu } from '../cpu.js';
import { CpuFault } from '../fault.js';
import { RFLAGS, setKnownFlags } from '../flags.js';
import { arith, DOUBLE, MXCSR, SINGLE } from '../sse-arith.js';
import { define } from './registry.js';
import { raise } from './sse-float.js';
import { dst, loadSource, op, type SseViews, sse } from './sse-state.js';

function xmmOnly(i: Instruction): void {
  if (i.operands.some((o) => o.kind === OperandKind.Reg && o.regClass === RegClass.Mmx))
    throw new CpuFault(6, undefined);
}

/** Run `fn` with the destination's current value in `t` (a copy) and the source in `s`, then store `t`. */
function binary(fn: (a: SseViews, b: SseViews, out: SseViews, i: Instruction) => void, aligned = true) {
  return (c: Cpu, i: Instruction) => {
    xmmOnly(i);
    const s = loadSource(c, i, op(i, 1), 16, aligned);
    const { x, t } = sse(c);
    const d = dst(i);
    const a = copyOf(x, d);
    fn(a, s, t, i);
    x.i32.set(t.i32, d);
  };
}

const copies = new ArrayBuffer(16);
const copyViews: SseViews = {
  i32: new Int32Array(copies),
  u32: new Uint32Array(copies),
  i16: new Int16Array(copies),
  u16: new Uint16Array(copies),
  i8: new Int8Array(copies),
  u8: new Uint8Array(copies),
  f32: new Float32Array(copies),
  f64: new Float64Array(copies),
};

function copyOf(x: SseViews, d: number): SseViews {
  copyViews.i32.set(x.i32.subarray(d, d + 4));
  return copyViews;
}

const satS16 = (v: number) => Math.max(-32768, Math.min(32767, v));
const imm8 = (i: Instruction) => (i.operands[i.operands.length - 1]?.immLo ?? 0) & 0xff;

define('pshufb', {
  exec: binary((a, b, t) => {
    for (let k = 0; k < 16; k++) {
      const m = b.u8[k] as number;
      t.u8[k] = m & 0x80 ? 0 : (a.u8[m & 15] as number);
    }
  }),
});

define('palignr', {
  exec: binary((a, b, t, i) => {
    const n = imm8(i);
    for (let k = 0; k < 16; k++) {
      const j = k + n;
      t.u8[k] = j < 16 ? (b.u8[j] as number) : j < 32 ? (a.u8[j - 16] as number) : 0;
    }
  }),
});

function horizontal(lane: 'i16' | 'i32', fn: (x: number, y: number) => number) {
  return binary((a, b, t) => {
    const per = lane === 'i16' ? 8 : 4;
    const out = t[lane];
    const half = per / 2;
    for (let k = 0; k < half; k++) out[k] = fn(a[lane][2 * k] as number, a[lane][2 * k + 1] as number);
    for (let k = 0; k < half; k++) out[half + k] = fn(b[lane][2 * k] as number, b[lane][2 * k + 1] as number);
  });
}
define('phaddw', { exec: horizontal('i16', (x, y) => x + y) });
define('phaddd', { exec: horizontal('i32', (x, y) => (x + y) | 0) });
define('phaddsw', { exec: horizontal('i16', (x, y) => satS16(x + y)) });
define('phsubw', { exec: horizontal('i16', (x, y) => x - y) });
define('phsubd', { exec: horizontal('i32', (x, y) => (x - y) | 0) });
define('phsubsw', { exec: horizontal('i16', (x, y) => satS16(x - y)) });

define('pmaddubsw', {
  exec: binary((a, b, t) => {
    for (let k = 0; k < 8; k++) {
      const v =
        (a.u8[2 * k] as number) * (b.i8[2 * k] as number) +
        (a.u8[2 * k + 1] as number) * (b.i8[2 * k + 1] as number);
      t.i16[k] = satS16(v);
    }
  }),
});

define('pmulhrsw', {
  exec: binary((a, b, t) => {
    for (let k = 0; k < 8; k++) t.i16[k] = ((((a.i16[k] as number) * (b.i16[k] as number)) >> 14) + 1) >> 1;
  }),
});

function sign(lane: 'i8' | 'i16' | 'i32') {
  return binary((a, b, t) => {
    const n = 16 / a[lane].BYTES_PER_ELEMENT;
    for (let k = 0; k < n; k++) {
      const s = b[lane][k] as number;
      t[lane][k] = s < 0 ? -(a[lane][k] as number) : s === 0 ? 0 : (a[lane][k] as number);
    }
  });
}
define('psignb', { exec: sign('i8') });
define('psignw', { exec: sign('i16') });
define('psignd', { exec: sign('i32') });

function abs(lane: 'i8' | 'i16' | 'i32') {
  return binary((_a, b, t) => {
    const n = 16 / b[lane].BYTES_PER_ELEMENT;
    for (let k = 0; k < n; k++) t[lane][k] = Math.abs(b[lane][k] as number);
  });
}
define('pabsb', { exec: abs('i8') });
define('pabsw', { exec: abs('i16') });
define('pabsd', { exec: abs('i32') });

// ---- SSE4.1 ----------------------------------------------------------------------

function blendVariable(width: number) {
  return (c: Cpu, i: Instruction) => {
    const s = loadSource(c, i, op(i, 1), 16, true);
    const x = sse(c).x;
    const d = dst(i) * 4;
    for (let k = 0; k < 16; k += width) {
      // The mask is the top bit of each element of XMM0.
      if ((x.u8[k + width - 1] as number) & 0x80)
        for (let j = 0; j < width; j++) x.u8[d + k + j] = s.u8[k + j] as number;
    }
  };
}
define('pblendvb', { exec: blendVariable(1) });
define('blendvps', { exec: blendVariable(4) });
define('blendvpd', { exec: blendVariable(8) });

function blendImmediate(width: number) {
  return (c: Cpu, i: Instruction) => {
    const s = loadSource(c, i, op(i, 1), 16, true);
    const x = sse(c).x;
    const d = dst(i) * 4;
    const m = imm8(i);
    for (let k = 0; k < 16 / width; k++)
      if ((m >> k) & 1)
        for (let j = 0; j < width; j++) x.u8[d + k * width + j] = s.u8[k * width + j] as number;
  };
}
define('pblendw', { exec: blendImmediate(2) });
define('blendps', { exec: blendImmediate(4) });
define('blendpd', { exec: blendImmediate(8) });

define('ptest', {
  exec(c, i) {
    const s = loadSource(c, i, op(i, 1), 16, true);
    const x = sse(c).x.i32;
    const d = dst(i);
    let and = 0;
    let andn = 0;
    for (let k = 0; k < 4; k++) {
      and |= (x[d + k] as number) & (s.i32[k] as number);
      andn |= ~(x[d + k] as number) & (s.i32[k] as number);
    }
    setKnownFlags(c.F, (and === 0 ? RFLAGS.ZF : 0) | (andn === 0 ? RFLAGS.CF : 0));
  },
});

/** pmovsx/pmovzx: widen the low elements of the source. */
function widen(from: 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32', to: 16 | 32 | 64) {
  return (c: Cpu, i: Instruction) => {
    const fromBytes = from.endsWith('8') ? 1 : from.endsWith('16') ? 2 : 4;
    const count = 16 / (to / 8);
    const s = loadSource(c, i, op(i, 1), count * fromBytes);
    const x = sse(c).x;
    const d = dst(i);
    const vals: number[] = [];
    for (let k = 0; k < count; k++) vals.push(s[from][k] as number);
    for (let k = 0; k < count; k++) {
      const v = vals[k] as number;
      if (to === 16) x.i16[d * 2 + k] = v;
      else if (to === 32) x.i32[d + k] = v;
      else {
        x.i32[d + 2 * k] = v | 0;
        x.i32[d + 2 * k + 1] = v < 0 ? -1 : 0;
      }
    }
  };
}
const WIDEN: [string, 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32', 16 | 32 | 64][] = [
  ['pmovsxbw', 'i8', 16],
  ['pmovsxbd', 'i8', 32],
  ['pmovsxbq', 'i8', 64],
  ['pmovsxwd', 'i16', 32],
  ['pmovsxwq', 'i16', 64],
  ['pmovsxdq', 'i32', 64],
  ['pmovzxbw', 'u8', 16],
  ['pmovzxbd', 'u8', 32],
  ['pmovzxbq', 'u8', 64],
  ['pmovzxwd', 'u16', 32],
  ['pmovzxwq', 'u16', 64],
  ['pmovzxdq', 'u32', 64],
];
for (const [name, from, to] of WIDEN) define(name, { exec: widen(from, to) });

define('pmuldq', {
  exec: binary((a, b, t) => {
    for (let k = 0; k < 2; k++) {
      const p = BigInt.asUintN(64, BigInt(a.i32[2 * k] as number) * BigInt(b.i32[2 * k] as number));
      t.i32[2 * k] = Number(p & 0xffffffffn) | 0;
      t.i32[2 * k + 1] = Number(p >> 32n) | 0;
    }
  }),
});

function qwordCompare(fn: (x: bigint, y: bigint) => boolean) {
  return binary((a, b, t) => {
    for (let k = 0; k < 2; k++) {
      const x = (BigInt(a.i32[2 * k + 1] as number) << 32n) | BigInt((a.i32[2 * k] as number) >>> 0);
      const y = (BigInt(b.i32[2 * k + 1] as number) << 32n) | BigInt((b.i32[2 * k] as number) >>> 0);
      const v = fn(x, y) ? -1 : 0;
      t.i32[2 * k] = v;
      t.i32[2 * k + 1] = v;
    }
  });
}
define('pcmpeqq', { exec: qwordCompare((x, y) => x === y) });
define('pcmpgtq', { exec: qwordCompare((x, y) => x > y) });

define('phminposuw', {
  exec: binary((_a, b, t) => {
    let min = 0x10000;
    let at = 0;
    for (let k = 0; k < 8; k++) {
      const v = b.u16[k] as number;
      if (v < min) {
        min = v;
        at = k;
      }
    }
    t.i32.fill(0);
    t.u16[0] = min;
    t.u16[1] = at;
  }),
});

define('mpsadbw', {
  exec: binary((a, b, t, i) => {
    const m = imm8(i);
    const aOff = ((m >> 2) & 1) * 4;
    const bOff = (m & 3) * 4;
    for (let k = 0; k < 8; k++) {
      let sum = 0;
      for (let j = 0; j < 4; j++)
        sum += Math.abs((a.u8[aOff + k + j] as number) - (b.u8[bOff + j] as number));
      t.u16[k] = sum;
    }
  }),
});

/** pextrb/w/d/q and extractps: an element to a general register (zero-extended) or memory. */
function extract(bytes: number) {
  return (c: Cpu, i: Instruction) => {
    const x = sse(c).x.u8;
    const src = op(i, 1).reg * 16;
    const n = imm8(i) & (16 / bytes - 1);
    let lo = 0;
    let hi = 0;
    for (let k = 0; k < Math.min(bytes, 4); k++) lo |= (x[src + n * bytes + k] as number) << (8 * k);
    if (bytes === 8) for (let k = 0; k < 4; k++) hi |= (x[src + n * 8 + 4 + k] as number) << (8 * k);
    const d = op(i, 0);
    if (d.kind === OperandKind.Mem) c.write(i, d, lo, hi, bytes);
    else c.write(i, d, lo, hi, bytes === 8 ? 8 : d.size === 8 ? 8 : 4);
  };
}
define('pextrb', { exec: extract(1) });
define('pextrd', { exec: extract(4) });
define('pextrq', { exec: extract(8) });
define('extractps', { exec: extract(4) });

function insert(bytes: number) {
  return (c: Cpu, i: Instruction) => {
    const s = op(i, 1);
    const lo = c.read(i, s, bytes === 8 ? 8 : s.kind === OperandKind.Mem ? bytes : 4);
    const hi = c.hi;
    const x = sse(c).x.u8;
    const d = dst(i) * 4;
    const n = imm8(i) & (16 / bytes - 1);
    for (let k = 0; k < Math.min(bytes, 4); k++) x[d + n * bytes + k] = (lo >> (8 * k)) & 0xff;
    if (bytes === 8) for (let k = 0; k < 4; k++) x[d + n * 8 + 4 + k] = (hi >> (8 * k)) & 0xff;
  };
}
define('pinsrb', { exec: insert(1) });
define('pinsrd', { exec: insert(4) });
define('pinsrq', { exec: insert(8) });

define('insertps', {
  exec(c, i) {
    const m = imm8(i);
    const s = op(i, 1);
    const x = sse(c).x.i32;
    const d = dst(i);
    const v = s.kind === OperandKind.Mem ? c.read(i, s, 4) : (x[s.reg * 4 + ((m >> 6) & 3)] as number);
    x[d + ((m >> 4) & 3)] = v;
    for (let k = 0; k < 4; k++) if ((m >> k) & 1) x[d + k] = 0;
  },
});

/** roundXX: round to an integral value per imm8 (bit 2 selects MXCSR.RC, bit 3 suppresses PE). */
function roundLanes(double: boolean, count: number, bytes: number) {
  return (c: Cpu, i: Instruction) => {
    const s = loadSource(c, i, op(i, 1), bytes, bytes === 16);
    const x = sse(c).x.i32;
    const d = dst(i);
    const m = imm8(i);
    const rc = m & 4 ? (c.mxcsr >> 13) & 3 : m & 3;
    const mx = (c.mxcsr & ~(3 << 13)) | (rc << 13);
    const fmt = double ? DOUBLE : SINGLE;
    const out: number[] = [];
    let flags = 0;
    for (let k = 0; k < count; k++) {
      const w = double ? 2 * k : k;
      const r = roundIntegral(fmt, s.i32[w] as number, double ? (s.i32[w + 1] as number) : 0, mx);
      flags |= m & 8 ? r.flags & ~MXCSR.PE : r.flags;
      out.push(r.lo);
      if (double) out.push(r.hi);
    }
    raise(c, flags);
    out.forEach((v, k) => {
      x[d + k] = v;
    });
  };
}

/** Round one value to an integer in its own format (exact via the rounding of x + 0 at integer precision). */
function roundIntegral(
  fmt: typeof DOUBLE,
  lo: number,
  hi: number,
  mxcsr: number,
): { lo: number; hi: number; flags: number } {
  const view = new DataView(new ArrayBuffer(8));
  let v: number;
  if (fmt === DOUBLE) {
    view.setInt32(0, lo, true);
    view.setInt32(4, hi, true);
    v = view.getFloat64(0, true);
  } else {
    view.setInt32(0, lo, true);
    v = view.getFloat32(0, true);
  }
  if (Number.isNaN(v)) {
    // A NaN goes through arithmetic's NaN rule (quietened, IE for SNaN).
    return arith('add', fmt, lo, hi, lo, hi, mxcsr);
  }
  if (!Number.isFinite(v) || v === 0 || Math.abs(v) >= 2 ** (fmt.bits - 1)) return { lo, hi, flags: 0 };
  const rc = (mxcsr >> 13) & 3;
  const f = Math.floor(v);
  let r: number;
  if (rc === 0) {
    const diff = v - f;
    r = diff > 0.5 ? f + 1 : diff < 0.5 ? f : f % 2 === 0 ? f : f + 1;
  } else if (rc === 1) r = f;
  else if (rc === 2) r = Math.ceil(v);
  else r = Math.trunc(v);
  if (r === 0) r = v < 0 ? -0 : 0;
  const flags = r !== v ? MXCSR.PE : 0;
  if (fmt === DOUBLE) {
    view.setFloat64(0, r, true);
    return { lo: view.getInt32(0, true), hi: view.getInt32(4, true), flags };
  }
  view.setFloat32(0, r, true);
  return { lo: view.getInt32(0, true), hi: 0, flags };
}
define('roundps', { exec: roundLanes(false, 4, 16) });
define('roundpd', { exec: roundLanes(true, 2, 16) });
define('roundss', { exec: roundLanes(false, 1, 4) });
define('roundsd', { exec: roundLanes(true, 1, 8) });

/** dpps/dppd: multiply the selected lanes, sum, and broadcast to the selected result lanes. */
function dotProduct(double: boolean) {
  return (c: Cpu, i: Instruction) => {
    const s = loadSource(c, i, op(i, 1), 16, true);
    const x = sse(c).x.i32;
    const d = dst(i);
    const m = imm8(i);
    const fmt = double ? DOUBLE : SINGLE;
    const n = double ? 2 : 4;
    const zeroLane = (): [number, number] => [0, 0];
    const products: [number, number][] = [];
    let flags = 0;
    for (let k = 0; k < n; k++) {
      if ((m >> (4 + k)) & 1) {
        const w = double ? 2 * k : k;
        const r = arith(
          'mul',
          fmt,
          x[d + w] as number,
          double ? (x[d + w + 1] as number) : 0,
          s.i32[w] as number,
          double ? (s.i32[w + 1] as number) : 0,
          c.mxcsr,
        );
        flags |= r.flags;
        products.push([r.lo, r.hi]);
      } else products.push(zeroLane());
    }
    // Hardware adds in pairs: (p0 + p1) + (p2 + p3).
    const add = (a: [number, number], b: [number, number]): [number, number] => {
      const r = arith('add', fmt, a[0], a[1], b[0], b[1], c.mxcsr);
      flags |= r.flags;
      return [r.lo, r.hi];
    };
    const sum = double
      ? add(products[0] as [number, number], products[1] as [number, number])
      : add(
          add(products[0] as [number, number], products[1] as [number, number]),
          add(products[2] as [number, number], products[3] as [number, number]),
        );
    raise(c, flags);
    for (let k = 0; k < n; k++) {
      const w = double ? 2 * k : k;
      const on = (m >> k) & 1;
      x[d + w] = on ? sum[0] : 0;
      if (double) x[d + w + 1] = on ? sum[1] : 0;
    }
  };
}
define('dpps', { exec: dotProduct(false) });
define('dppd', { exec: dotProduct(true) });

// ---- SSE3 ------------------------------------------------------------------------

function dupLanes(high: boolean) {
  return (c: Cpu, i: Instruction) => {
    const s = loadSource(c, i, op(i, 1), 16, true);
    const x = sse(c).x.i32;
    const d = dst(i);
    const a = high ? 1 : 0;
    const b = high ? 3 : 2;
    const v0 = s.i32[a] as number;
    const v1 = s.i32[b] as number;
    x[d] = v0;
    x[d + 1] = v0;
    x[d + 2] = v1;
    x[d + 3] = v1;
  };
}
define('movsldup', { exec: dupLanes(false) });
define('movshdup', { exec: dupLanes(true) });

function horizontalFloat(double: boolean, kind: 'add' | 'sub' | 'addsub') {
  return (c: Cpu, i: Instruction) => {
    const s = loadSource(c, i, op(i, 1), 16, true);
    const x = sse(c).x.i32;
    const d = dst(i);
    const fmt = double ? DOUBLE : SINGLE;
    const w = double ? 2 : 1;
    const lane = (v: Int32Array, at: number, k: number): [number, number] => [
      v[at + k * w] as number,
      double ? (v[at + k * w + 1] as number) : 0,
    ];
    const pairs: [[number, number], [number, number], 'add' | 'sub'][] = [];
    const n = double ? 2 : 4;
    if (kind === 'addsub') {
      for (let k = 0; k < n; k++) pairs.push([lane(x, d, k), lane(s.i32, 0, k), k % 2 === 0 ? 'sub' : 'add']);
    } else {
      for (let k = 0; k < n / 2; k++) pairs.push([lane(x, d, 2 * k), lane(x, d, 2 * k + 1), kind]);
      for (let k = 0; k < n / 2; k++) pairs.push([lane(s.i32, 0, 2 * k), lane(s.i32, 0, 2 * k + 1), kind]);
    }
    let flags = 0;
    const out = pairs.map(([p, q, o]) => {
      const r = arith(o, fmt, p[0], p[1], q[0], q[1], c.mxcsr);
      flags |= r.flags;
      return r;
    });
    raise(c, flags);
    out.forEach((r, k) => {
      x[d + k * w] = r.lo;
      if (double) x[d + k * w + 1] = r.hi;
    });
  };
}
define('haddpd', { exec: horizontalFloat(true, 'add') });
define('haddps', { exec: horizontalFloat(false, 'add') });
define('hsubpd', { exec: horizontalFloat(true, 'sub') });
define('hsubps', { exec: horizontalFloat(false, 'sub') });
define('addsubpd', { exec: horizontalFloat(true, 'addsub') });
define('addsubps', { exec: horizontalFloat(false, 'addsub') });

// ---- movbe and crc32 -------------------------------------------------------------

define('movbe', {
  exec(c, i) {
    const d = op(i, 0);
    const s = op(i, 1);
    const size = d.size;
    const lo = c.read(i, s, size);
    const hi = c.hi;
    const sw = (v: number) => ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
    if (size === 2) c.write(i, d, ((lo & 0xff) << 8) | ((lo >> 8) & 0xff), 0, 2);
    else if (size === 4) c.write(i, d, sw(lo), 0, 4);
    else c.write(i, d, sw(hi), sw(lo), 8);
  },
});

/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), bit by bit as the SDM defines crc32. */
const CRC32C = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let v = n;
  for (let k = 0; k < 8; k++) v = v & 1 ? (v >>> 1) ^ 0x82f63b78 : v >>> 1;
  CRC32C[n] = v;
}

define('crc32', {
  exec(c, i) {
    const d = op(i, 0);
    const s = op(i, 1);
    let crc = c.r[2 * d.reg] as number;
    const lo = c.read(i, s, s.size);
    const hi = s.size === 8 ? c.hi : 0;
    for (let k = 0; k < s.size; k++) {
      const byte = k < 4 ? (lo >>> (8 * k)) & 0xff : (hi >>> (8 * (k - 4))) & 0xff;
      crc = (crc >>> 8) ^ (CRC32C[(crc ^ byte) & 0xff] as number);
    }
    c.write(i, d, crc, 0, d.size === 8 ? 8 : 4);
  },
});
