/**
 * A cheap target for measuring the engine: a few branches over a 16-byte
 * header, microseconds of work, so that the cost per execution is the
 * engine's own (coverage collection, messaging, mutation).
 */
export function seeds() {
  return [new Uint8Array(64)];
}

export function fuzz(data) {
  if (data.length < 16) return 0;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const kind = view.getUint16(0, true);
  const count = view.getUint16(2, true);
  let sum = 0;
  if (kind === 1) {
    for (let i = 0; i < Math.min(count, data.length - 4); i++) sum += data[4 + i];
  } else if (kind === 2) {
    sum = view.getUint32(4, false) ^ view.getUint32(8, false);
  }
  return sum;
}
