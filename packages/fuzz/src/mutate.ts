/**
 * Mutations, after libFuzzer's: bit flips, bytes set to interesting values,
 * 16/32/64-bit integers in either byte order set to interesting values or to
 * sizes derived from the input's length, chunks erased, inserted, duplicated
 * and copied, splices with another corpus entry, and dictionary words.
 * Each mutator returns a new array (corpus entries are never changed in
 * place), or null when it does not apply to this input.
 */
import type { Random } from './random.js';

export interface MutationContext {
  readonly rng: Random;
  readonly maxLen: number;
  readonly dictionary: readonly Uint8Array[];
  /** Another corpus entry to splice with, if there is one. */
  other(): Uint8Array | undefined;
}

type Mutator = (data: Uint8Array, ctx: MutationContext) => Uint8Array | null;

/** Bytes that sit on boundaries: zero, one, the sign bit's neighbours, all ones. */
const INTERESTING_8 = [0x00, 0x01, 0x7f, 0x80, 0xff] as const;

/** Small powers of two and signed limits, as lengths and counts often meet them. */
const INTERESTING_16 = [
  0, 1, 0x7f, 0x80, 0xff, 0x100, 0x200, 0x400, 0x800, 0x1000, 0x7fff, 0x8000, 0xfffe, 0xffff,
] as const;

const INTERESTING_32 = [
  ...INTERESTING_16,
  0x10000,
  0x100000,
  0x1000000,
  0x7ffffffe,
  0x7fffffff,
  0x80000000,
  0x80000001,
  0xfffffffe,
  0xffffffff,
] as const;

const INTERESTING_64: readonly bigint[] = [
  ...INTERESTING_32.map((v) => BigInt(v)),
  0x1_0000_0000n,
  BigInt(Number.MAX_SAFE_INTEGER),
  BigInt(Number.MAX_SAFE_INTEGER) + 1n,
  0x7fff_ffff_ffff_ffffn,
  0x8000_0000_0000_0000n,
  0xffff_ffff_ffff_ffffn,
];

/** A chunk length in [1, max], short ones more likely. */
function chunkLength(rng: Random, max: number): number {
  if (max <= 1) return 1;
  return rng.oneIn(2) ? rng.between(1, Math.min(max, 8)) : rng.between(1, max);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** `data` with `insert` placed at `at`, cut to `maxLen`. */
function inserted(data: Uint8Array, at: number, insert: Uint8Array, maxLen: number): Uint8Array {
  const out = concat(data.subarray(0, at), insert, data.subarray(at));
  return out.length > maxLen ? out.slice(0, maxLen) : out;
}

const flipBit: Mutator = (data, { rng }) => {
  if (data.length === 0) return null;
  const out = data.slice();
  const bit = rng.below(data.length * 8);
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
};

const setInterestingByte: Mutator = (data, { rng }) => {
  if (data.length === 0) return null;
  const out = data.slice();
  const at = rng.below(data.length);
  const choice = rng.below(INTERESTING_8.length + 2);
  if (choice < INTERESTING_8.length) out[at] = INTERESTING_8[choice]!;
  else out[at] = (out[at]! + (choice === INTERESTING_8.length ? 1 : -1)) & 0xff;
  return out;
};

const setRandomByte: Mutator = (data, { rng }) => {
  if (data.length === 0) return null;
  const out = data.slice();
  const at = rng.below(data.length);
  out[at] = (out[at]! + rng.between(1, 255)) & 0xff;
  return out;
};

/**
 * A 16/32/64-bit integer at a random offset, little- or big-endian: an
 * interesting constant, a size derived from the input's length (the whole
 * length, the bytes from or after the field, the length in 512- or
 * 2048-byte sectors), or the value already there moved by a small delta.
 */
const setInteger: Mutator = (data, { rng }) => {
  const width = rng.pick([2, 4, 8] as const);
  if (data.length < width) return null;
  // Fields of binary formats are mostly aligned to their width: half the time, only aligned offsets.
  const slots = data.length - width + 1;
  const at = rng.oneIn(2) ? rng.below(Math.ceil(slots / width)) * width : rng.below(slots);
  const littleEndian = rng.oneIn(2);
  const out = data.slice();
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const mask = (1n << BigInt(width * 8)) - 1n;
  const current =
    width === 2
      ? BigInt(view.getUint16(at, littleEndian))
      : width === 4
        ? BigInt(view.getUint32(at, littleEndian))
        : view.getBigUint64(at, littleEndian);
  const n = data.length;
  const sizes = [n, n - 1, n - at, n - at - width, n >> 9, n >> 11];
  let value: bigint;
  switch (rng.below(3)) {
    case 0:
      value =
        width === 2
          ? BigInt(rng.pick(INTERESTING_16))
          : width === 4
            ? BigInt(rng.pick(INTERESTING_32))
            : rng.pick(INTERESTING_64);
      break;
    case 1:
      value = BigInt(Math.max(0, rng.pick(sizes)));
      break;
    default: {
      const delta = BigInt(rng.between(1, 16));
      value = rng.oneIn(2) ? current + delta : current - delta;
    }
  }
  value &= mask;
  if (width === 2) view.setUint16(at, Number(value), littleEndian);
  else if (width === 4) view.setUint32(at, Number(value), littleEndian);
  else view.setBigUint64(at, value, littleEndian);
  return out;
};

const eraseChunk: Mutator = (data, { rng }) => {
  if (data.length < 2) return null;
  const length = chunkLength(rng, data.length - 1);
  const at = rng.below(data.length - length + 1);
  return concat(data.subarray(0, at), data.subarray(at + length));
};

/** Random bytes, or one byte repeated (zeros and 0xff runs are what padding looks like). */
const insertBytes: Mutator = (data, { rng, maxLen }) => {
  if (data.length >= maxLen) return null;
  const length = chunkLength(rng, Math.min(128, maxLen - data.length));
  const chunk = new Uint8Array(length);
  switch (rng.below(3)) {
    case 0:
      for (let i = 0; i < length; i++) chunk[i] = rng.byte();
      break;
    case 1:
      chunk.fill(rng.oneIn(2) ? 0x00 : 0xff);
      break;
    default:
      chunk.fill(rng.byte());
  }
  return inserted(data, rng.below(data.length + 1), chunk, maxLen);
};

/** A chunk of the input inserted again somewhere else in it. */
const duplicateChunk: Mutator = (data, { rng, maxLen }) => {
  if (data.length === 0 || data.length >= maxLen) return null;
  const length = chunkLength(rng, Math.min(data.length, maxLen - data.length));
  const from = rng.below(data.length - length + 1);
  return inserted(data, rng.below(data.length + 1), data.slice(from, from + length), maxLen);
};

/** A chunk of the input written over another place in it. */
const copyChunk: Mutator = (data, { rng }) => {
  if (data.length < 2) return null;
  const length = chunkLength(rng, data.length - 1);
  const from = rng.below(data.length - length + 1);
  const to = rng.below(data.length - length + 1);
  if (from === to) return null;
  const out = data.slice();
  out.set(data.subarray(from, from + length), to);
  return out;
};

/** Crossing over with another corpus entry: head of one and tail of the other, or a chunk of it inserted or written over. */
const splice: Mutator = (data, ctx) => {
  const other = ctx.other();
  if (!other || other.length === 0) return null;
  const { rng, maxLen } = ctx;
  switch (rng.below(3)) {
    case 0: {
      const head = data.subarray(0, rng.below(data.length + 1));
      const out = concat(head, other.subarray(rng.below(other.length)));
      return out.length > maxLen ? out.slice(0, maxLen) : out;
    }
    case 1: {
      if (data.length >= maxLen) return null;
      const length = chunkLength(rng, Math.min(other.length, maxLen - data.length));
      const from = rng.below(other.length - length + 1);
      return inserted(data, rng.below(data.length + 1), other.slice(from, from + length), maxLen);
    }
    default: {
      if (data.length === 0) return null;
      const length = chunkLength(rng, Math.min(other.length, data.length));
      const from = rng.below(other.length - length + 1);
      const out = data.slice();
      out.set(other.subarray(from, from + length), rng.below(data.length - length + 1));
      return out;
    }
  }
};

const insertWord: Mutator = (data, { rng, dictionary, maxLen }) => {
  if (dictionary.length === 0 || data.length >= maxLen) return null;
  return inserted(data, rng.below(data.length + 1), rng.pick(dictionary), maxLen);
};

const overwriteWithWord: Mutator = (data, { rng, dictionary }) => {
  if (dictionary.length === 0) return null;
  const word = rng.pick(dictionary);
  if (word.length > data.length) return null;
  const out = data.slice();
  out.set(word, rng.below(data.length - word.length + 1));
  return out;
};

/**
 * The mutators and their weights. Those that keep the length are drawn twice
 * as often: most binary formats put fields at fixed offsets, and a shift
 * breaks every offset and length after it.
 */
export const MUTATORS: readonly { name: string; weight: number; apply: Mutator }[] = [
  { name: 'flip-bit', weight: 2, apply: flipBit },
  { name: 'interesting-byte', weight: 2, apply: setInterestingByte },
  { name: 'random-byte', weight: 2, apply: setRandomByte },
  { name: 'integer', weight: 2, apply: setInteger },
  { name: 'copy', weight: 2, apply: copyChunk },
  { name: 'overwrite-word', weight: 2, apply: overwriteWithWord },
  { name: 'erase', weight: 1, apply: eraseChunk },
  { name: 'insert', weight: 1, apply: insertBytes },
  { name: 'duplicate', weight: 1, apply: duplicateChunk },
  { name: 'splice', weight: 1, apply: splice },
  { name: 'insert-word', weight: 1, apply: insertWord },
];

/** Each mutator repeated by its weight, so a uniform draw honours the weights. */
const DRAW = MUTATORS.flatMap((m) => Array.from({ length: m.weight }, () => m.apply));

/** One mutation of `data` (which is not changed). Inputs never exceed `ctx.maxLen`. */
export function mutate(data: Uint8Array, ctx: MutationContext): Uint8Array {
  const input = data.length > ctx.maxLen ? data.subarray(0, ctx.maxLen) : data;
  for (let attempt = 0; attempt < 4 * DRAW.length; attempt++) {
    const out = ctx.rng.pick(DRAW)(input, ctx);
    if (out) return out;
  }
  // Only an empty input at maxLen 0 gets here.
  return input.slice();
}
