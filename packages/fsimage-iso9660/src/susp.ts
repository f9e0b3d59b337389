/**
 * The System Use Sharing Protocol (SUSP 1.12): entries in a directory record's
 * system use area, continued through CE continuation areas. Every length is
 * checked against the area it sits in (an entry shorter than its header, or
 * one that runs past its area, is corruption), every continuation area must lie
 * inside one logical block of the image, and a chain of them is bounded by
 * `limits.maxChainLength` and may not revisit an area.
 */
import { both32, corruptAt, isAllZero, latin1 } from './bytes.js';
import type { IsoContext } from './context.js';

export interface SuspEntry {
  /** Two-letter signature ("PX", "NM" …). */
  signature: string;
  version: number;
  /** The bytes after the 4-byte header (a view). */
  data: Uint8Array;
  /** Absolute byte position of the entry. */
  position: number;
}

const HEADER = 4;
const CE_LENGTH = 28;
const SP_LENGTH = 7;

type Reader = Pick<IsoContext, 'source' | 'blockSize' | 'limits' | 'guard'>;

interface Continuation {
  position: number;
  length: number;
}

/** The SP entry (SUSP 5.3) at the start of the root's "." record: returns LEN_SKP, or null. */
export function sharingProtocolSkip(systemUse: Uint8Array): number | null {
  if (systemUse.length < SP_LENGTH) return null;
  const isSp = systemUse[0] === 0x53 && systemUse[1] === 0x50 && systemUse[2]! >= SP_LENGTH;
  if (!isSp || systemUse[4] !== 0xbe || systemUse[5] !== 0xef) return null;
  return systemUse[6]!;
}

function continuationOf(ctx: Reader, entry: SuspEntry): Continuation {
  if (entry.data.length + HEADER !== CE_LENGTH) {
    throw corruptAt(
      'SUSP CE entry',
      entry.position,
      `length ${entry.data.length + HEADER} is not ${CE_LENGTH}`,
    );
  }
  const block = both32(entry.data, 0, 'SUSP CE block', entry.position + 4);
  const offset = both32(entry.data, 8, 'SUSP CE offset', entry.position + 12);
  const length = both32(entry.data, 16, 'SUSP CE length', entry.position + 20);
  // The area must lie inside one logical block, and that block inside the image.
  if (offset >= ctx.blockSize || length > ctx.blockSize - offset) {
    throw corruptAt(
      'SUSP CE entry',
      entry.position,
      `continuation area (offset ${offset}, length ${length}) does not fit in a ${ctx.blockSize}-byte block`,
    );
  }
  const position = block * ctx.blockSize + offset;
  if (block === 0 || position + length > ctx.source.size) {
    throw corruptAt(
      'SUSP CE entry',
      entry.position,
      `continuation area in block ${block} is outside the image`,
    );
  }
  return { position, length };
}

/** Append the entries of one area to `out`; returns the area's continuation, if any. */
function scanArea(ctx: Reader, area: Uint8Array, areaPosition: number, out: SuspEntry[]): SuspEntry | null {
  let continuation: SuspEntry | null = null;
  let o = 0;
  while (o + HEADER <= area.length) {
    ctx.guard.check();
    const length = area[o + 2]!;
    const position = areaPosition + o;
    if (length < HEADER) {
      // Zero bytes to the end are padding; anything else is a malformed entry.
      if (isAllZero(area, o)) break;
      throw corruptAt('SUSP entry', position, `length ${length} is shorter than its ${HEADER}-byte header`);
    }
    if (o + length > area.length) {
      throw corruptAt('SUSP entry', position, `length ${length} runs past its ${area.length - o}-byte area`);
    }
    const entry: SuspEntry = {
      signature: latin1(area.subarray(o, o + 2)),
      version: area[o + 3]!,
      data: area.subarray(o + HEADER, o + length),
      position,
    };
    o += length;
    if (entry.signature === 'ST') break;
    if (entry.signature === 'CE') continuation = entry;
    else if (entry.signature !== 'PD') out.push(entry);
  }
  return continuation;
}

/**
 * All SUSP entries of a system use area and its continuation areas, in order,
 * without CE, PD and ST. `skip` is LEN_SKP (0 for the root's "." record, whose
 * area starts with the SP entry itself).
 */
export function readSuspEntries(
  ctx: Reader,
  systemUse: Uint8Array,
  position: number,
  skip: number,
): SuspEntry[] {
  const out: SuspEntry[] = [];
  let next = scanArea(ctx, systemUse.subarray(Math.min(skip, systemUse.length)), position + skip, out);
  const visited = new Set<number>();
  while (next) {
    const area = continuationOf(ctx, next);
    if (visited.has(area.position)) {
      throw corruptAt('SUSP CE entry', next.position, 'continuation chain loops');
    }
    if (visited.size >= ctx.limits.maxChainLength) {
      throw corruptAt(
        'SUSP CE entry',
        next.position,
        `more than ${ctx.limits.maxChainLength} continuation areas`,
      );
    }
    visited.add(area.position);
    const bytes = new Uint8Array(area.length);
    ctx.source.read(bytes, area.position);
    next = scanArea(ctx, bytes, area.position, out);
  }
  return out;
}
