/**
 * GUIDs as GPT stores them: the first three fields little-endian, the last
 * two as bytes in order. Written the usual 8-4-4-4-12 way, lower case.
 */

function hex(bytes: Uint8Array, from: number, to: number, reverse: boolean): string {
  let s = '';
  if (reverse) for (let i = to - 1; i >= from; i--) s += bytes[i]!.toString(16).padStart(2, '0');
  else for (let i = from; i < to; i++) s += bytes[i]!.toString(16).padStart(2, '0');
  return s;
}

export function formatGuid(bytes: Uint8Array, offset: number): string {
  const o = offset;
  return [
    hex(bytes, o, o + 4, true),
    hex(bytes, o + 4, o + 6, true),
    hex(bytes, o + 6, o + 8, true),
    hex(bytes, o + 8, o + 10, false),
    hex(bytes, o + 10, o + 16, false),
  ].join('-');
}

export function isNilGuid(bytes: Uint8Array, offset: number): boolean {
  for (let i = offset; i < offset + 16; i++) if (bytes[i] !== 0) return false;
  return true;
}
