/**
 * A minimal raw walk over an image's primary tree, written for the tests
 * alone: where each directory record and each SUSP entry sits, so that
 * hostile-input tests can patch exact bytes of a real image.
 */
export interface RawEntry {
  signature: string;
  /** Byte position of the entry. */
  position: number;
  length: number;
}

export interface RawRecord {
  position: number;
  /** The Rock Ridge name if there is one, else the recorded identifier. */
  name: string;
  isDir: boolean;
  extent: number;
  size: number;
  entries: RawEntry[];
}

const SECTOR = 2048;

function u32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

function suspEntries(b: Uint8Array, start: number, end: number, out: RawEntry[], depth = 0): void {
  let o = start;
  while (o + 4 <= end && b[o + 2]! >= 4) {
    const signature = String.fromCharCode(b[o]!, b[o + 1]!);
    out.push({ signature, position: o, length: b[o + 2]! });
    if (signature === 'CE' && depth < 8) {
      const area = u32(b, o + 4) * SECTOR + u32(b, o + 12);
      suspEntries(b, area, area + u32(b, o + 20), out, depth + 1);
    }
    o += b[o + 2]!;
  }
}

/** Every record of the primary tree (not "." or ".."), depth first; `.` records of directories too, named "." */
export function rawRecords(b: Uint8Array): RawRecord[] {
  const pvd = 16 * SECTOR;
  const out: RawRecord[] = [];
  const visit = (extent: number, size: number, depth: number) => {
    for (let sector = extent * SECTOR; sector < extent * SECTOR + size; sector += SECTOR) {
      for (let o = sector; o < sector + SECTOR && b[o] !== 0; o += b[o]!) {
        const idLength = b[o + 32]!;
        const id = String.fromCharCode(...b.subarray(o + 33, o + 33 + idLength));
        const entries: RawEntry[] = [];
        suspEntries(b, o + 33 + idLength + (idLength % 2 === 0 ? 1 : 0), o + b[o]!, entries);
        // A long name is split over several NM entries.
        const nm = entries
          .filter((e) => e.signature === 'NM')
          .map((e) => String.fromCharCode(...b.subarray(e.position + 5, e.position + e.length)))
          .join('');
        const name = id === '\x00' ? '.' : id === '\x01' ? '..' : nm || id;
        const record = {
          position: o,
          name,
          isDir: (b[o + 25]! & 2) !== 0,
          extent: u32(b, o + 2),
          size: u32(b, o + 10),
          entries,
        };
        if (name !== '..') out.push(record);
        if (record.isDir && name !== '.' && name !== '..' && depth < 16)
          visit(record.extent, record.size, depth + 1);
      }
    }
  };
  visit(u32(b, pvd + 156 + 2), u32(b, pvd + 156 + 10), 0);
  return out;
}

/** The record named `name` (unique in the tree). */
export function rawRecord(b: Uint8Array, name: string): RawRecord {
  const found = rawRecords(b).filter((r) => r.name === name);
  if (found.length !== 1) throw new Error(`${found.length} records named ${name}`);
  return found[0]!;
}

/** Write a both-endian 32-bit value (ECMA-119 7.3.3). */
export function putBoth32(b: Uint8Array, o: number, value: number): void {
  for (let i = 0; i < 4; i++) {
    b[o + i] = (value >>> (8 * i)) & 0xff;
    b[o + 7 - i] = (value >>> (8 * i)) & 0xff;
  }
}
