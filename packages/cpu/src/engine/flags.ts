/**
 * Lazy arithmetic flags. An instruction that sets flags records what it did
 * (operation, size, operands, result) in the Int32Array `F`; a flag is computed
 * only when something reads it. F[OP] = FlagOp * 16 + size, or FlagOp.Known with
 * the six flags already in F[KNOWN].
 */

export const RFLAGS = {
  CF: 1 << 0,
  FIXED1: 1 << 1,
  PF: 1 << 2,
  AF: 1 << 4,
  ZF: 1 << 6,
  SF: 1 << 7,
  TF: 1 << 8,
  IF: 1 << 9,
  DF: 1 << 10,
  OF: 1 << 11,
  IOPL: 3 << 12,
  NT: 1 << 14,
  RF: 1 << 16,
  VM: 1 << 17,
  AC: 1 << 18,
  VIF: 1 << 19,
  VIP: 1 << 20,
  ID: 1 << 21,
} as const;

export const ARITH_FLAGS = RFLAGS.CF | RFLAGS.PF | RFLAGS.AF | RFLAGS.ZF | RFLAGS.SF | RFLAGS.OF;

/** Slots of the lazy-flags array. */
export const F_OP = 0;
export const F_RES = 1; // result lo, hi at 2
export const F_DST = 3; // first operand lo, hi at 4
export const F_SRC = 5; // second operand lo, hi at 6
export const F_AUX = 7; // carry in (adc/sbb), carry kept by inc/dec
export const F_KNOWN = 8; // materialised flags when the op is Known
export const F_LENGTH = 9;

export const FlagOp = {
  Known: 0,
  Add: 1,
  Adc: 2,
  Sub: 3,
  Sbb: 4,
  Logic: 5,
  Inc: 6,
  Dec: 7,
  Neg: 8,
  /** Shifts by a count 1..width-1, kept in F[F_AUX]; AF is left clear. */
  Shl: 9,
  Shr: 10,
  Sar: 11,
} as const;

const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let p = 1;
  for (let b = i; b; b >>= 1) p ^= b & 1;
  PARITY[i] = p;
}

export { PARITY };

/** Sign bit of a value of `size` bytes held in lo/hi. */
function signOf(lo: number, hi: number, size: number): number {
  switch (size) {
    case 1:
      return (lo >> 7) & 1;
    case 2:
      return (lo >> 15) & 1;
    case 4:
      return (lo >>> 31) & 1;
    default:
      return (hi >>> 31) & 1;
  }
}

function isZero(lo: number, hi: number, size: number): boolean {
  switch (size) {
    case 1:
      return (lo & 0xff) === 0;
    case 2:
      return (lo & 0xffff) === 0;
    case 4:
      return lo === 0;
    default:
      return lo === 0 && hi === 0;
  }
}

/** Bit n of a 64-bit value held as halves. */
function bitOf(lo: number, hi: number, n: number): number {
  return n < 32 ? (lo >>> n) & 1 : (hi >>> (n - 32)) & 1;
}

/** Unsigned a < b over `size` bytes. */
function below(aLo: number, aHi: number, bLo: number, bHi: number, size: number): boolean {
  if (size === 8) {
    const ah = aHi >>> 0;
    const bh = bHi >>> 0;
    return ah < bh || (ah === bh && aLo >>> 0 < bLo >>> 0);
  }
  return aLo >>> 0 < bLo >>> 0;
}

/** Compute the six arithmetic flags from the lazy record. */
export function computeFlags(F: Int32Array): number {
  const op = F[F_OP] as number;
  if (op === FlagOp.Known) return F[F_KNOWN] as number;
  const kind = op >> 4;
  const size = op & 15;
  const rl = F[F_RES] as number;
  const rh = F[F_RES + 1] as number;
  const dl = F[F_DST] as number;
  const dh = F[F_DST + 1] as number;
  const sl = F[F_SRC] as number;
  const sh = F[F_SRC + 1] as number;
  let cf = 0;
  let of = 0;
  switch (kind) {
    case FlagOp.Add:
      cf = below(rl, rh, dl, dh, size) ? 1 : 0;
      of = signOf((dl ^ rl) & (sl ^ rl), (dh ^ rh) & (sh ^ rh), size);
      break;
    case FlagOp.Adc:
      cf = below(rl, rh, dl, dh, size) || ((F[F_AUX] as number) !== 0 && rl === dl && rh === dh) ? 1 : 0;
      of = signOf((dl ^ rl) & (sl ^ rl), (dh ^ rh) & (sh ^ rh), size);
      break;
    case FlagOp.Sub:
      cf = below(dl, dh, sl, sh, size) ? 1 : 0;
      of = signOf((dl ^ sl) & (dl ^ rl), (dh ^ sh) & (dh ^ rh), size);
      break;
    case FlagOp.Sbb:
      cf = below(dl, dh, sl, sh, size) || ((F[F_AUX] as number) !== 0 && dl === sl && dh === sh) ? 1 : 0;
      of = signOf((dl ^ sl) & (dl ^ rl), (dh ^ sh) & (dh ^ rh), size);
      break;
    case FlagOp.Logic:
      break;
    case FlagOp.Inc:
      cf = F[F_AUX] as number;
      of = signOf(~dl & rl, ~dh & rh, size);
      break;
    case FlagOp.Dec:
      cf = F[F_AUX] as number;
      of = signOf(dl & ~rl, dh & ~rh, size);
      break;
    case FlagOp.Neg:
      cf = isZero(sl, sh, size) ? 0 : 1;
      of = signOf(sl & rl, sh & rh, size);
      break;
    case FlagOp.Shl: {
      const n = F[F_AUX] as number;
      cf = bitOf(dl, dh, size * 8 - n);
      of = signOf(rl, rh, size) ^ cf;
      break;
    }
    case FlagOp.Shr:
      cf = bitOf(dl, dh, (F[F_AUX] as number) - 1);
      of = signOf(dl, dh, size);
      break;
    case FlagOp.Sar: {
      const n = F[F_AUX] as number;
      cf = n - 1 >= size * 8 ? signOf(dl, dh, size) : bitOf(dl, dh, n - 1);
      break;
    }
  }
  if (kind >= FlagOp.Shl) {
    let f = cf | (of << 11);
    if (isZero(rl, rh, size)) f |= RFLAGS.ZF;
    if (signOf(rl, rh, size)) f |= RFLAGS.SF;
    if (PARITY[rl & 0xff]) f |= RFLAGS.PF;
    return f;
  }
  let flags = cf | (of << 11);
  if (isZero(rl, rh, size)) flags |= RFLAGS.ZF;
  if (signOf(rl, rh, size)) flags |= RFLAGS.SF;
  if (PARITY[rl & 0xff]) flags |= RFLAGS.PF;
  if (kind !== FlagOp.Logic && (dl ^ sl ^ rl) & 0x10) flags |= RFLAGS.AF;
  return flags;
}

/** Set the flags to known values (after an instruction that computes them eagerly). */
export function setKnownFlags(F: Int32Array, flags: number): void {
  F[F_OP] = FlagOp.Known;
  F[F_KNOWN] = flags & ARITH_FLAGS;
}

/** Evaluate condition code cc (0-15, the jcc/setcc/cmovcc encoding) from flags. */
export function conditionHolds(flags: number, cc: number): boolean {
  let v: boolean;
  switch (cc >> 1) {
    case 0:
      v = (flags & RFLAGS.OF) !== 0;
      break;
    case 1:
      v = (flags & RFLAGS.CF) !== 0;
      break;
    case 2:
      v = (flags & RFLAGS.ZF) !== 0;
      break;
    case 3:
      v = (flags & (RFLAGS.CF | RFLAGS.ZF)) !== 0;
      break;
    case 4:
      v = (flags & RFLAGS.SF) !== 0;
      break;
    case 5:
      v = (flags & RFLAGS.PF) !== 0;
      break;
    case 6:
      v = ((flags & RFLAGS.SF) !== 0) !== ((flags & RFLAGS.OF) !== 0);
      break;
    default:
      v = (flags & RFLAGS.ZF) !== 0 || ((flags & RFLAGS.SF) !== 0) !== ((flags & RFLAGS.OF) !== 0);
      break;
  }
  return (cc & 1) === 0 ? v : !v;
}

/** CF alone (what inc/dec must keep), without computing the other flags. */
export function carryOf(F: Int32Array): number {
  const op = F[F_OP] as number;
  if (op === FlagOp.Known) return (F[F_KNOWN] as number) & 1;
  const kind = op >> 4;
  if (kind === FlagOp.Logic) return 0;
  if (kind === FlagOp.Inc || kind === FlagOp.Dec) return F[F_AUX] as number;
  return computeFlags(F) & 1;
}
