/** SSE2 integer instructions: lane-wise arithmetic and compares, logic, shifts, shuffles, packs, moves. */
import type { Instruction } from '../../decoder/instruction.js';
import { OperandKind, RegClass } from '../../decoder/instruction.js';
import type { Cpu } from '../cpu.js';
import { CpuFault } from '../fault.js';
import { define } from './registry.js';
import { dst, loadSource, op, sse, storeTo } from './sse-state.js';

type Lane = 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32';
type LaneFn = (a: number, b: number) => number;

const satS8 = (v: number) => (v > 127 ? 127 : Math.max(v, -128));
const satU8 = (v: number) => (v > 255 ? 255 : Math.max(v, 0));
const satS16 = (v: number) => (v > 32767 ? 32767 : Math.max(v, -32768));
const satU16 = (v: number) => (v > 65535 ? 65535 : Math.max(v, 0));

/** Lane-wise binary operations: [lane type, function]. Results are stored with wrap-around in that lane type. */
const LANEWISE: Record<string, [Lane, LaneFn]> = {
  paddb: ['u8', (a, b) => a + b],
  paddw: ['u16', (a, b) => a + b],
  paddd: ['i32', (a, b) => (a + b) | 0],
  psubb: ['u8', (a, b) => a - b],
  psubw: ['u16', (a, b) => a - b],
  psubd: ['i32', (a, b) => (a - b) | 0],
  paddsb: ['i8', (a, b) => satS8(a + b)],
  paddsw: ['i16', (a, b) => satS16(a + b)],
  psubsb: ['i8', (a, b) => satS8(a - b)],
  psubsw: ['i16', (a, b) => satS16(a - b)],
  paddusb: ['u8', (a, b) => satU8(a + b)],
  paddusw: ['u16', (a, b) => satU16(a + b)],
  psubusb: ['u8', (a, b) => satU8(a - b)],
  psubusw: ['u16', (a, b) => satU16(a - b)],
  pcmpeqb: ['u8', (a, b) => (a === b ? 0xff : 0)],
  pcmpeqw: ['u16', (a, b) => (a === b ? 0xffff : 0)],
  pcmpeqd: ['i32', (a, b) => (a === b ? -1 : 0)],
  pcmpgtb: ['i8', (a, b) => (a > b ? -1 : 0)],
  pcmpgtw: ['i16', (a, b) => (a > b ? -1 : 0)],
  pcmpgtd: ['i32', (a, b) => (a > b ? -1 : 0)],
  pminub: ['u8', (a, b) => Math.min(a, b)],
  pmaxub: ['u8', (a, b) => Math.max(a, b)],
  pminsw: ['i16', (a, b) => Math.min(a, b)],
  pmaxsw: ['i16', (a, b) => Math.max(a, b)],
  pavgb: ['u8', (a, b) => (a + b + 1) >> 1],
  pavgw: ['u16', (a, b) => (a + b + 1) >> 1],
  pmullw: ['i16', (a, b) => Math.imul(a, b)],
  pmulhw: ['i16', (a, b) => (a * b) >> 16],
  pmulhuw: ['u16', (a, b) => Math.floor((a * b) / 65536)],
  pand: ['i32', (a, b) => a & b],
  pandn: ['i32', (a, b) => ~a & b],
  por: ['i32', (a, b) => a | b],
  pxor: ['i32', (a, b) => a ^ b],
  andps: ['i32', (a, b) => a & b],
  andpd: ['i32', (a, b) => a & b],
  andnps: ['i32', (a, b) => ~a & b],
  andnpd: ['i32', (a, b) => ~a & b],
  orps: ['i32', (a, b) => a | b],
  orpd: ['i32', (a, b) => a | b],
  xorps: ['i32', (a, b) => a ^ b],
  xorpd: ['i32', (a, b) => a ^ b],
  // SSE4.1 lanes (advertised only by the v2 profiles).
  pminsb: ['i8', (a, b) => Math.min(a, b)],
  pmaxsb: ['i8', (a, b) => Math.max(a, b)],
  pminuw: ['u16', (a, b) => Math.min(a, b)],
  pmaxuw: ['u16', (a, b) => Math.max(a, b)],
  pminsd: ['i32', (a, b) => Math.min(a, b)],
  pmaxsd: ['i32', (a, b) => Math.max(a, b)],
  pminud: ['u32', (a, b) => Math.min(a, b)],
  pmaxud: ['u32', (a, b) => Math.max(a, b)],
  pmulld: ['i32', (a, b) => Math.imul(a, b)],
};

function xmmOnly(i: Instruction): void {
  const d = op(i, 0);
  if (d.regClass === RegClass.Mmx || op(i, 1)?.regClass === RegClass.Mmx) throw new CpuFault(6, undefined);
}

for (const [name, [lane, fn]] of Object.entries(LANEWISE)) {
  define(name, {
    exec(c, i) {
      xmmOnly(i);
      const s = loadSource(c, i, op(i, 1), 16, true);
      const { x } = sse(c);
      const d = dst(i);
      const xs = x[lane];
      const ss = s[lane];
      const per = 16 / xs.BYTES_PER_ELEMENT;
      const base = (d * 4) / xs.BYTES_PER_ELEMENT;
      for (let k = 0; k < per; k++) xs[base + k] = fn(xs[base + k] as number, ss[k] as number);
    },
  });
}

define('paddq', {
  exec(c, i) {
    xmmOnly(i);
    const s = loadSource(c, i, op(i, 1), 16, true);
    const x = sse(c).x.i32;
    const d = dst(i);
    for (let k = 0; k < 4; k += 2) {
      const lo = ((x[d + k] as number) >>> 0) + ((s.i32[k] as number) >>> 0);
      x[d + k] = lo | 0;
      x[d + k + 1] = ((x[d + k + 1] as number) + (s.i32[k + 1] as number) + (lo > 0xffffffff ? 1 : 0)) | 0;
    }
  },
});

define('psubq', {
  exec(c, i) {
    xmmOnly(i);
    const s = loadSource(c, i, op(i, 1), 16, true);
    const x = sse(c).x.i32;
    const d = dst(i);
    for (let k = 0; k < 4; k += 2) {
      const lo = ((x[d + k] as number) >>> 0) - ((s.i32[k] as number) >>> 0);
      x[d + k] = lo | 0;
      x[d + k + 1] = ((x[d + k + 1] as number) - (s.i32[k + 1] as number) - (lo < 0 ? 1 : 0)) | 0;
    }
  },
});

define('pmuludq', {
  exec(c, i) {
    xmmOnly(i);
    const s = loadSource(c, i, op(i, 1), 16, true);
    const x = sse(c).x.i32;
    const d = dst(i);
    for (let k = 0; k < 4; k += 2) {
      const p = BigInt((x[d + k] as number) >>> 0) * BigInt((s.i32[k] as number) >>> 0);
      x[d + k] = Number(p & 0xffffffffn) | 0;
      x[d + k + 1] = Number(p >> 32n) | 0;
    }
  },
});

define('pmaddwd', {
  exec(c, i) {
    xmmOnly(i);
    const s = loadSource(c, i, op(i, 1), 16, true);
    const { x, t } = sse(c);
    const d = dst(i);
    const a = x.i16;
    const b = s.i16;
    const base = d * 2;
    for (let k = 0; k < 4; k++) {
      t.i32[k] =
        (Math.imul(a[base + 2 * k] as number, b[2 * k] as number) +
          Math.imul(a[base + 2 * k + 1] as number, b[2 * k + 1] as number)) |
        0;
    }
    x.i32.set(t.i32, d);
  },
});

define('psadbw', {
  exec(c, i) {
    xmmOnly(i);
    const s = loadSource(c, i, op(i, 1), 16, true);
    const x = sse(c).x;
    const d = dst(i);
    for (let h = 0; h < 2; h++) {
      let sum = 0;
      for (let k = 0; k < 8; k++)
        sum += Math.abs((x.u8[d * 4 + h * 8 + k] as number) - (s.u8[h * 8 + k] as number));
      x.i32[d + h * 2] = sum;
      x.i32[d + h * 2 + 1] = 0;
    }
  },
});

/** Shifts by an immediate or by the low 64 bits of an XMM/memory source. */
function shiftCount(c: Cpu, i: Instruction): number {
  const o = op(i, 1);
  if (o.kind === OperandKind.Imm) return o.immLo & 0xff;
  const s = loadSource(c, i, o, 16, true);
  return (s.i32[1] as number) !== 0 ? 1 << 30 : (s.i32[0] as number) >>> 0;
}

function laneShift(lane: 'u16' | 'i16' | 'u32' | 'i32', width: number, kind: 'l' | 'r' | 'a') {
  return (c: Cpu, i: Instruction) => {
    xmmOnly(i);
    const n = shiftCount(c, i);
    const x = sse(c).x[lane];
    const base = (dst(i) * 4) / x.BYTES_PER_ELEMENT;
    const per = 16 / x.BYTES_PER_ELEMENT;
    for (let k = 0; k < per; k++) {
      const v = x[base + k] as number;
      if (kind === 'a') x[base + k] = n >= width ? (v < 0 ? -1 : 0) : v >> n;
      else if (n >= width) x[base + k] = 0;
      else x[base + k] = kind === 'l' ? v << n : v >>> n;
    }
  };
}

define('psllw', { exec: laneShift('u16', 16, 'l') });
define('psrlw', { exec: laneShift('u16', 16, 'r') });
define('psraw', { exec: laneShift('i16', 16, 'a') });
define('pslld', { exec: laneShift('i32', 32, 'l') });
define('psrld', { exec: laneShift('u32', 32, 'r') });
define('psrad', { exec: laneShift('i32', 32, 'a') });

function qwordShift(left: boolean) {
  return (c: Cpu, i: Instruction) => {
    xmmOnly(i);
    const n = shiftCount(c, i);
    const x = sse(c).x.i32;
    const d = dst(i);
    for (let k = 0; k < 4; k += 2) {
      const v = (BigInt((x[d + k + 1] as number) >>> 0) << 32n) | BigInt((x[d + k] as number) >>> 0);
      const r = n >= 64 ? 0n : BigInt.asUintN(64, left ? v << BigInt(n) : v >> BigInt(n));
      x[d + k] = Number(r & 0xffffffffn) | 0;
      x[d + k + 1] = Number(r >> 32n) | 0;
    }
  };
}
define('psllq', { exec: qwordShift(true) });
define('psrlq', { exec: qwordShift(false) });

function byteShift(left: boolean) {
  return (c: Cpu, i: Instruction) => {
    const n = Math.min(op(i, 1).immLo & 0xff, 16);
    const { x, t } = sse(c);
    const b = dst(i) * 4;
    for (let k = 0; k < 16; k++) {
      const from = left ? k - n : k + n;
      t.u8[k] = from >= 0 && from < 16 ? (x.u8[b + from] as number) : 0;
    }
    x.u8.set(t.u8, b);
  };
}
define('pslldq', { exec: byteShift(true) });
define('psrldq', { exec: byteShift(false) });

define('pshufd', {
  exec(c, i) {
    const s = loadSource(c, i, op(i, 1), 16, true);
    const imm = op(i, 2).immLo;
    const x = sse(c).x.i32;
    const d = dst(i);
    const v = [s.i32[0], s.i32[1], s.i32[2], s.i32[3]] as number[];
    for (let k = 0; k < 4; k++) x[d + k] = v[(imm >> (2 * k)) & 3] as number;
  },
});

function shuffleHalf(high: boolean) {
  return (c: Cpu, i: Instruction) => {
    const s = loadSource(c, i, op(i, 1), 16, true);
    const imm = op(i, 2).immLo;
    const x = sse(c).x;
    const d = dst(i);
    const w = [...s.u16];
    const off = high ? 4 : 0;
    for (let k = 0; k < 4; k++) w[off + k] = s.u16[off + ((imm >> (2 * k)) & 3)] as number;
    x.u16.set(w, d * 2);
  };
}
define('pshuflw', { exec: shuffleHalf(false) });
define('pshufhw', { exec: shuffleHalf(true) });

/** punpck*: interleave the low or high halves of destination and source, at a lane width. */
function unpack(bytes: number, high: boolean) {
  return (c: Cpu, i: Instruction) => {
    xmmOnly(i);
    const s = loadSource(c, i, op(i, 1), 16, true);
    const { x, t } = sse(c);
    const b = dst(i) * 4;
    const lanes = 8 / bytes;
    const start = high ? 8 : 0;
    for (let k = 0; k < lanes; k++) {
      for (let j = 0; j < bytes; j++) {
        t.u8[2 * k * bytes + j] = x.u8[b + start + k * bytes + j] as number;
        t.u8[(2 * k + 1) * bytes + j] = s.u8[start + k * bytes + j] as number;
      }
    }
    x.u8.set(t.u8, b);
  };
}
define('punpcklbw', { exec: unpack(1, false) });
define('punpcklwd', { exec: unpack(2, false) });
define(['punpckldq', 'unpcklps'], { exec: unpack(4, false) });
define(['punpcklqdq', 'unpcklpd'], { exec: unpack(8, false) });
define('punpckhbw', { exec: unpack(1, true) });
define('punpckhwd', { exec: unpack(2, true) });
define(['punpckhdq', 'unpckhps'], { exec: unpack(4, true) });
define(['punpckhqdq', 'unpckhpd'], { exec: unpack(8, true) });

function pack(from: 'i16' | 'i32', sat: (v: number) => number, to: 'u8' | 'i8' | 'i16' | 'u16') {
  return (c: Cpu, i: Instruction) => {
    xmmOnly(i);
    const s = loadSource(c, i, op(i, 1), 16, true);
    const { x, t } = sse(c);
    const d = dst(i);
    const src = x[from];
    const per = 16 / src.BYTES_PER_ELEMENT;
    const base = (d * 4) / src.BYTES_PER_ELEMENT;
    const out = t[to];
    for (let k = 0; k < per; k++) out[k] = sat(src[base + k] as number);
    for (let k = 0; k < per; k++) out[per + k] = sat(s[from][k] as number);
    x.i32.set(t.i32, d);
  };
}
define('packsswb', { exec: pack('i16', satS8, 'i8') });
define('packuswb', { exec: pack('i16', satU8, 'u8') });
define('packssdw', { exec: pack('i32', satS16, 'i16') });
define('packusdw', { exec: pack('i32', satU16, 'u16') });

define('pmovmskb', {
  exec(c, i) {
    xmmOnly(i);
    const x = sse(c).x.u8;
    const b = op(i, 1).reg * 16;
    let m = 0;
    for (let k = 0; k < 16; k++) if ((x[b + k] as number) & 0x80) m |= 1 << k;
    c.write(i, op(i, 0), m, 0, 4);
  },
});

define('pextrw', {
  exec(c, i) {
    xmmOnly(i);
    const x = sse(c).x.u16;
    c.write(i, op(i, 0), x[op(i, 1).reg * 8 + (op(i, 2).immLo & 7)] as number, 0, 4);
  },
});

define('pinsrw', {
  exec(c, i) {
    xmmOnly(i);
    const v = c.read(i, op(i, 1), 2);
    sse(c).x.u16[op(i, 0).reg * 8 + (op(i, 2).immLo & 7)] = v;
  },
});

// ---- moves -------------------------------------------------------------------

function move(bytes: number, aligned: boolean) {
  return (c: Cpu, i: Instruction) => {
    const s = loadSource(c, i, op(i, 1), bytes, aligned);
    storeTo(c, i, op(i, 0), s, bytes, aligned);
  };
}
define(['movdqa', 'movaps', 'movapd', 'movntdq', 'movntps', 'movntpd', 'movntdqa'], { exec: move(16, true) });
define(['movdqu', 'movups', 'movupd', 'lddqu'], { exec: move(16, false) });

define('movnti', {
  exec(c, i) {
    const s = op(i, 1);
    c.write(i, op(i, 0), c.read(i, s), c.hi, s.size);
  },
});

/** movd/movq between general registers, memory and XMM: to XMM zero-extends to 128 bits. */
define(['movd', 'movq'], {
  exec(c, i) {
    const d = op(i, 0);
    const s = op(i, 1);
    if (d.regClass === RegClass.Mmx || s.regClass === RegClass.Mmx) throw new CpuFault(6, undefined);
    const bytes = i.mnemonic === 'movd' ? 4 : 8;
    if (d.kind === OperandKind.Reg && d.regClass === RegClass.Xmm) {
      const src = loadSource(c, i, s, bytes);
      const x = sse(c).x.i32;
      const b = d.reg * 4;
      x[b] = src.i32[0] as number;
      x[b + 1] = bytes === 8 ? (src.i32[1] as number) : 0;
      x[b + 2] = 0;
      x[b + 3] = 0;
      return;
    }
    const src = loadSource(c, i, s, 16);
    storeTo(c, i, d, src, bytes);
  },
});

define(['movlps', 'movlpd', 'movhps', 'movhpd'], {
  exec(c, i) {
    const high = i.mnemonic.startsWith('movh');
    const d = op(i, 0);
    const x = sse(c).x.i32;
    if (d.kind === OperandKind.Reg) {
      const s = loadSource(c, i, op(i, 1), 8);
      const b = d.reg * 4 + (high ? 2 : 0);
      x[b] = s.i32[0] as number;
      x[b + 1] = s.i32[1] as number;
      return;
    }
    const r = op(i, 1).reg * 4 + (high ? 2 : 0);
    c.port.write64(c.ea(i, d), x[r] as number, x[r + 1] as number);
  },
});

define('movhlps', {
  exec(c, i) {
    const x = sse(c).x.i32;
    const d = dst(i);
    const s = op(i, 1).reg * 4;
    x[d] = x[s + 2] as number;
    x[d + 1] = x[s + 3] as number;
  },
});

define('movlhps', {
  exec(c, i) {
    const x = sse(c).x.i32;
    const d = dst(i);
    const s = op(i, 1).reg * 4;
    x[d + 2] = x[s] as number;
    x[d + 3] = x[s + 1] as number;
  },
});

define('shufps', {
  exec(c, i) {
    const s = loadSource(c, i, op(i, 1), 16, true);
    const imm = op(i, 2).immLo;
    const x = sse(c).x.i32;
    const d = dst(i);
    const a = [x[d], x[d + 1], x[d + 2], x[d + 3]] as number[];
    x[d] = a[imm & 3] as number;
    x[d + 1] = a[(imm >> 2) & 3] as number;
    x[d + 2] = s.i32[(imm >> 4) & 3] as number;
    x[d + 3] = s.i32[(imm >> 6) & 3] as number;
  },
});

define('shufpd', {
  exec(c, i) {
    const s = loadSource(c, i, op(i, 1), 16, true);
    const imm = op(i, 2).immLo;
    const x = sse(c).x.i32;
    const d = dst(i);
    const lo = imm & 1 ? 2 : 0;
    const hi = imm & 2 ? 2 : 0;
    const a0 = x[d + lo] as number;
    const a1 = x[d + lo + 1] as number;
    x[d] = a0;
    x[d + 1] = a1;
    x[d + 2] = s.i32[hi] as number;
    x[d + 3] = s.i32[hi + 1] as number;
  },
});

define(['movmskps', 'movmskpd'], {
  exec(c, i) {
    const x = sse(c).x.i32;
    const b = op(i, 1).reg * 4;
    let m = 0;
    if (i.mnemonic === 'movmskps') for (let k = 0; k < 4; k++) m |= ((x[b + k] as number) >>> 31) << k;
    else m = ((x[b + 1] as number) >>> 31) | (((x[b + 3] as number) >>> 31) << 1);
    c.write(i, op(i, 0), m, 0, 4);
  },
});

define('emms', {
  exec() {},
});

/** maskmovdqu: store the bytes of the first operand whose mask byte has its top bit set, at [rdi]. */
define('maskmovdqu', {
  exec(c, i) {
    const x = sse(c).x.u8;
    const data = op(i, 0).reg * 16;
    const m = op(i, 1).reg * 16;
    const base = i.addrSize === 4 ? (c.r[14] as number) >>> 0 : c.regLinear(7);
    const a = base + (op(i, 0).seg === 4 ? c.fsBase : op(i, 0).seg === 5 ? c.gsBase : 0);
    for (let k = 0; k < 16; k++) if ((x[m + k] as number) & 0x80) c.port.write8(a + k, x[data + k] as number);
  },
});
