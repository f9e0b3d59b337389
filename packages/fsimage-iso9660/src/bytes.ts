/**
 * Field decoding for ECMA-119's numeric and character types (section 7), and
 * the plugin's error helpers. Both-endian fields (7.2.3, 7.3.3) record a value
 * twice; the halves disagree only when the structure is damaged, so a mismatch
 * is reported as corruption rather than silently trusting one half.
 */
import { corrupt, FsError } from '@x/fsimage';

export const PLUGIN = 'iso9660';

/** ECMA-119 logical sector size: volume descriptors and directory-record sectors. */
export const SECTOR_SIZE = 2048;

/** Error for a damaged structure, naming it and where it sits in the image. */
export function corruptAt(structure: string, position: number, problem: string): FsError {
  return corrupt(PLUGIN, `${structure} at byte ${position}: ${problem}`);
}

/** Error for something deliberately not supported. */
export function unsupported(message: string): FsError {
  return new FsError('ENOTSUP', message, { plugin: PLUGIN });
}

export function le16(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}

export function be16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

export function le32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

export function be32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** Unsigned 64-bit little-endian value; corruption if it exceeds 2^53. */
export function le64(b: Uint8Array, o: number, structure: string, position: number): number {
  const high = le32(b, o + 4);
  if (high >= 0x200000) throw corruptAt(structure, position, `64-bit value ${high}·2^32 is out of range`);
  return high * 0x100000000 + le32(b, o);
}

/** ECMA-119 7.2.3: 16-bit both-byte-order field. */
export function both16(b: Uint8Array, o: number, structure: string, position: number): number {
  const le = le16(b, o);
  const be = be16(b, o + 2);
  if (le !== be) throw corruptAt(structure, position, `both-endian field disagrees (LE ${le}, BE ${be})`);
  return le;
}

/** ECMA-119 7.3.3: 32-bit both-byte-order field. */
export function both32(b: Uint8Array, o: number, structure: string, position: number): number {
  const le = le32(b, o);
  const be = be32(b, o + 4);
  if (le !== be) throw corruptAt(structure, position, `both-endian field disagrees (LE ${le}, BE ${be})`);
  return le;
}

/** An a-/d-character field (ECMA-119 7.4), padded with spaces. */
export function textField(b: Uint8Array, o: number, length: number): string {
  let end = o + length;
  while (end > o && (b[end - 1] === 0x20 || b[end - 1] === 0)) end--;
  return latin1(b.subarray(o, end));
}

export function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** UCS-2 big-endian text (Joliet); surrogate pairs pass through as UTF-16. */
export function ucs2be(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i + 1 < b.length; i += 2) s += String.fromCharCode((b[i]! << 8) | b[i + 1]!);
  return s;
}

/** A Joliet text field: UCS-2 padded with spaces (or NULs). */
export function ucs2Field(b: Uint8Array, o: number, length: number): string {
  return ucs2be(b.subarray(o, o + length)).replace(/[ \0]+$/, '');
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Rock Ridge names and link targets are bytes; POSIX writers put UTF-8 there. */
export function utf8Text(b: Uint8Array): string {
  return utf8.decode(b);
}

export function isAllZero(b: Uint8Array, from = 0, to = b.length): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}
