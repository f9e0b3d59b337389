/** Bounded reads and checks shared by the table parsers. */
import type { ByteReader } from '../byte-reader.js';
import { LabelError, type LabelScheme } from '../errors.js';
import type { LabelOptions, Partition } from './types.js';

/** Everything a parser needs besides the bytes: the image size, the caller's options, warnings so far. */
export interface ParseContext {
  readonly reader: ByteReader;
  readonly size: number;
  readonly options: LabelOptions;
  readonly warnings: string[];
}

export function contextFor(reader: ByteReader, options: LabelOptions = {}): ParseContext {
  const size = reader.size;
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new LabelError('IO', `the reader reports an impossible size (${String(size)})`);
  }
  return { reader, size, options, warnings: [] };
}

/**
 * Read `length` bytes at `position`, checked against the image first: a table
 * structure cut off by the end of the image is TRUNCATED, and whatever the
 * reader throws becomes IO, so a parser throws nothing but LabelError.
 */
export function readAt(
  ctx: ParseContext,
  position: number,
  length: number,
  what: string,
  scheme: LabelScheme,
): Uint8Array {
  if (!Number.isSafeInteger(position) || position < 0 || position + length > ctx.size) {
    throw new LabelError(
      'TRUNCATED',
      `${what} at byte ${position} (${length} bytes) runs past the end of the image (${ctx.size} bytes)`,
      { scheme },
    );
  }
  const buf = new Uint8Array(length);
  try {
    ctx.reader.read(buf, position);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new LabelError('IO', `cannot read ${what} at byte ${position}: ${message}`, { scheme, cause: e });
  }
  return buf;
}

export function view(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * An entry must lie inside the image. In `beyondEnd: 'warn'` mode it is kept,
 * flagged and reported instead, so that a listing of a truncated image still
 * shows what the table says.
 */
export function checkInImage(ctx: ParseContext, p: Partition): void {
  if (p.start + p.size <= ctx.size) return;
  const message = `${p.name} (bytes ${p.start}..${p.start + p.size}) runs past the end of the image (${ctx.size} bytes)`;
  if (ctx.options.beyondEnd === 'warn') {
    p.beyondEnd = true;
    ctx.warnings.push(message);
    return;
  }
  throw new LabelError('OUT_OF_RANGE', message, { scheme: p.scheme, partition: p.name });
}

/** XOR of the 256 16-bit words of a 512-byte label: 0 when its checksum word is right. */
export function xorWords(sector: Uint8Array, littleEndian: boolean): number {
  const dv = view(sector);
  let x = 0;
  for (let off = 0; off < 512; off += 2) x ^= dv.getUint16(off, littleEndian);
  return x;
}

/** Text up to the first NUL, with control characters dropped. */
export function asciiz(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) {
    if (b === 0) break;
    s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '';
  }
  return s.trim();
}

export function hexByte(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

/**
 * Run a parser so that it throws nothing but LabelError: a fault this code did
 * not foresee (a DataView read past a buffer, say) still reaches the caller
 * typed, as a malformed label.
 */
export function guardLabel<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof LabelError) throw e;
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof RangeError || e instanceof TypeError) {
      throw new LabelError('BAD_ENTRY', `malformed partition table: ${message}`, { cause: e });
    }
    throw new LabelError('IO', message, { cause: e });
  }
}
