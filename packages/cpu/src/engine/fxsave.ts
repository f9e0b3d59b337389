/** The 512-byte FXSAVE image (SDM vol. 1, 10.5.1): x87 control/status/tags, MXCSR, ST0-7 and XMM0-15. */
import type { Cpu } from './cpu.js';

const scratch = new DataView(new ArrayBuffer(8));

/** Double → 80-bit extended (little-endian 10 bytes at `at`). */
export function writeF80(view: DataView, at: number, value: number): void {
  scratch.setFloat64(0, value, true);
  const hi = scratch.getUint32(4, true);
  const lo = scratch.getUint32(0, true);
  const sign = hi >>> 31;
  const exp = (hi >>> 20) & 0x7ff;
  const fracHi = hi & 0xfffff;
  let e80 = 0;
  let mHi = 0;
  let mLo = 0;
  if (exp === 0 && fracHi === 0 && lo === 0) {
    e80 = 0;
  } else if (exp === 0x7ff) {
    e80 = 0x7fff;
    mHi = 0x80000000 | (fracHi << 11) | (lo >>> 21);
    mLo = (lo << 11) >>> 0;
  } else if (exp === 0) {
    // Denormal double: normalise into the wider exponent range.
    let m = BigInt(fracHi) * 2n ** 32n + BigInt(lo);
    let e = -1022;
    while (m < 2n ** 52n) {
      m <<= 1n;
      e--;
    }
    m <<= 11n;
    e80 = e + 16383;
    mHi = Number(m >> 32n);
    mLo = Number(m & 0xffffffffn);
  } else {
    e80 = exp - 1023 + 16383;
    mHi = (0x80000000 | (fracHi << 11) | (lo >>> 21)) >>> 0;
    mLo = (lo << 11) >>> 0;
  }
  view.setUint32(at, mLo, true);
  view.setUint32(at + 4, mHi >>> 0, true);
  view.setUint16(at + 8, (sign << 15) | e80, true);
}

/** 80-bit extended → double (rounded). */
export function readF80(view: DataView, at: number): number {
  const mLo = view.getUint32(at, true);
  const mHi = view.getUint32(at + 4, true);
  const se = view.getUint16(at + 8, true);
  const sign = se >> 15 ? -1 : 1;
  const e = se & 0x7fff;
  if (e === 0x7fff)
    return (mHi & 0x7fffffff) === 0 && mLo === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  const mant = mHi * 4294967296 + mLo;
  if (mant === 0) return sign * 0;
  return sign * mant * 2 ** (e - 16383 - 63);
}

export function saveFx(c: Cpu, into: Uint8Array): void {
  const v = new DataView(into.buffer, into.byteOffset, 512);
  into.fill(0, 0, 512);
  const x = c.x87;
  v.setUint16(0, x.control, true);
  v.setUint16(2, (x.status & ~0x3800) | ((x.top & 7) << 11), true);
  let tags = 0;
  for (let k = 0; k < 8; k++) if (!x.empty[k]) tags |= 1 << k;
  v.setUint8(4, tags);
  v.setUint32(24, c.mxcsr, true);
  v.setUint32(28, 0xffff, true);
  for (let k = 0; k < 8; k++) writeF80(v, 32 + 16 * k, x.st[(x.top + k) & 7] as number);
  for (let k = 0; k < 64; k++) v.setInt32(160 + 4 * k, c.xmm[k] as number, true);
}

export function restoreFx(c: Cpu, from: Uint8Array): void {
  const v = new DataView(from.buffer, from.byteOffset, 512);
  const x = c.x87;
  x.control = v.getUint16(0, true);
  const status = v.getUint16(2, true);
  x.top = (status >> 11) & 7;
  x.status = status & ~0x3800;
  const tags = v.getUint8(4);
  for (let k = 0; k < 8; k++) x.empty[k] = (tags >> k) & 1 ? 0 : 1;
  c.mxcsr = v.getUint32(24, true) & 0xffff;
  for (let k = 0; k < 8; k++) x.st[(x.top + k) & 7] = readF80(v, 32 + 16 * k);
  for (let k = 0; k < 64; k++) c.xmm[k] = v.getInt32(160 + 4 * k, true);
}
