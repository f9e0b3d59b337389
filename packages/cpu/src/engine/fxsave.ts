/** The 512-byte FXSAVE image (SDM vol. 1, 10.5.1): x87 control/status/tags, MXCSR, ST0-7 and XMM0-15. */
import type { Cpu } from './cpu.js';
import { decode80, encode80, type F80 } from './f80.js';

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
  for (let k = 0; k < 8; k++) encode80(x.st[(x.top + k) & 7] as F80, v, 32 + 16 * k);
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
  for (let k = 0; k < 8; k++) x.st[(x.top + k) & 7] = decode80(v, 32 + 16 * k);
  for (let k = 0; k < 64; k++) c.xmm[k] = v.getInt32(160 + 4 * k, true);
}
