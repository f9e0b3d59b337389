/** Rounding of exact BigInt significands, shared by the x87 (f80.ts) and SSE (sse-arith.ts) arithmetic. */

export function bitLength(m: bigint): number {
  return m === 0n ? 0 : m.toString(2).length;
}

/** Drop `shift` low bits of mant with rounding mode rc; returns the kept bits and whether anything was lost. */
export function roundBits(
  mant: bigint,
  shift: number,
  neg: boolean,
  rc: number,
  sticky: boolean,
): [bigint, boolean] {
  if (shift <= 0) {
    const q = mant << BigInt(-shift);
    const up = sticky && ((rc === 1 && neg) || (rc === 2 && !neg));
    return [up ? q + 1n : q, sticky];
  }
  const s = BigInt(shift);
  let q = mant >> s;
  const rem = mant & ((1n << s) - 1n);
  const half = 1n << (s - 1n);
  const inexact = rem !== 0n || sticky;
  let up = false;
  if (rc === 0) up = rem > half || (rem === half && (sticky || (q & 1n) === 1n));
  else if (rc === 1) up = neg && inexact;
  else if (rc === 2) up = !neg && inexact;
  if (up) q += 1n;
  return [q, inexact];
}
