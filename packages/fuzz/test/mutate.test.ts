/** Mutations keep to the input bound, never change the input they start from, and use the dictionary. */
import { describe, expect, it } from 'vitest';
import { MUTATORS, type MutationContext, mutate } from '../src/mutate.js';
import { Random } from '../src/random.js';

function context(
  rng: Random,
  maxLen: number,
  dictionary: Uint8Array[] = [],
  other?: Uint8Array,
): MutationContext {
  return { rng, maxLen, dictionary, other: () => other };
}

describe('mutations', () => {
  it('stay within maxLen and leave their input untouched, for every mutator', () => {
    const rng = new Random(42);
    const other = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const word = Uint8Array.from(Buffer.from('EFI PART'));
    for (const mutator of MUTATORS) {
      let applied = 0;
      for (let i = 0; i < 2000; i++) {
        const length = rng.below(80);
        const input = Uint8Array.from({ length }, () => rng.byte());
        const before = input.slice();
        const maxLen = Math.max(length, 1 + rng.below(100));
        const out = mutator.apply(input, context(rng, maxLen, [word], other));
        expect(input).toEqual(before);
        if (out) {
          applied++;
          expect(out.length).toBeLessThanOrEqual(maxLen);
        }
      }
      expect(applied, mutator.name).toBeGreaterThan(100);
    }
  });

  it('cut inputs longer than the bound, and insert dictionary words', () => {
    const rng = new Random(7);
    const ctx = context(rng, 64, [Uint8Array.from(Buffer.from('CD001'))]);
    let withWord = 0;
    for (let i = 0; i < 5000; i++) {
      const out = mutate(new Uint8Array(100), ctx);
      expect(out.length).toBeLessThanOrEqual(64);
      if (Buffer.from(out).includes('CD001')) withWord++;
    }
    expect(withWord).toBeGreaterThan(100);
  });

  it('write sizes derived from the input length as 16/32/64-bit integers in either byte order', () => {
    const rng = new Random(9);
    const integer = MUTATORS.find((m) => m.name === 'integer')!;
    const seen = new Set<string>();
    const length = 4096;
    for (let i = 0; i < 20_000; i++) {
      const out = integer.apply(new Uint8Array(length), context(rng, length))!;
      const first = out.findIndex((b) => b !== 0);
      if (first < 0) continue;
      const last = out.findLastIndex((b) => b !== 0);
      const view = new DataView(out.buffer);
      // Every field that could hold the written bytes: what does it read as?
      for (const width of [2, 4, 8]) {
        for (let at = Math.max(0, last - width + 1); at <= first && at + width <= length; at++) {
          if (width === 4 && view.getUint32(at, true) === length - at - 4) seen.add('u32le rest');
          if (width === 4 && view.getUint32(at, false) === length - at - 4) seen.add('u32be rest');
          if (width === 2 && view.getUint16(at, true) === length >> 11) seen.add('u16le sectors');
          if (width === 8 && view.getBigUint64(at, false) === 0x7fffffffffffffffn) seen.add('u64be max');
        }
      }
    }
    expect([...seen].sort()).toEqual(['u16le sectors', 'u32be rest', 'u32le rest', 'u64be max']);
  });
});
