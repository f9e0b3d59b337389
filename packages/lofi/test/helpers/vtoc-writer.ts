/**
 * A test-only writer of the Solaris x86 VTOC (no Debian tool writes one),
 * straight from the dk_label layout of sys/dklabel.h (_SUNOS_VTOC_16, little
 * endian), placed in sector 1 of an fdisk partition.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export interface VtocSlice {
  /** 0 … 15. */
  slot: number;
  tag: number;
  flag: number;
  /** First sector, relative to the fdisk partition. */
  start: number;
  sectors: number;
}

export interface VtocSpec {
  slices: VtocSlice[];
  volume?: string;
  asciiLabel?: string;
  /** v_nparts (16 unless a test wants otherwise). */
  nparts?: number;
  sanity?: number;
  version?: number;
  magic?: number;
  /** Leave the checksum word wrong. */
  badChecksum?: boolean;
}

/** The 512-byte dk_label. */
export function vtocLabel(spec: VtocSpec): Buffer {
  const b = Buffer.alloc(512);
  b.writeUInt32LE(spec.sanity ?? 0x600ddeee, 12); // v_sanity
  b.writeUInt32LE(spec.version ?? 1, 16); // v_version
  b.write((spec.volume ?? '').slice(0, 8), 20, 'latin1'); // v_volume[8]
  b.writeUInt16LE(512, 28); // v_sectorsz
  b.writeUInt16LE(spec.nparts ?? 16, 30); // v_nparts
  for (const s of spec.slices) {
    const off = 72 + s.slot * 12; // v_part[16]: tag, flag, start, size
    b.writeUInt16LE(s.tag, off);
    b.writeUInt16LE(s.flag, off + 2);
    b.writeUInt32LE(s.start, off + 4);
    b.writeUInt32LE(s.sectors, off + 8);
  }
  b.write((spec.asciiLabel ?? '').slice(0, 127), 328, 'latin1'); // v_asciilabel[128]
  b.writeUInt16LE(spec.magic ?? 0xdabe, 508); // dkl_magic
  let x = 0;
  for (let off = 0; off < 510; off += 2) x ^= b.readUInt16LE(off);
  b.writeUInt16LE(spec.badChecksum ? x ^ 1 : x, 510); // dkl_cksum makes the XOR of all words 0
  return b;
}

/** Write the VTOC into the fdisk partition that starts at `partitionStart` (bytes) of `image`. */
export function writeVtoc(image: string, partitionStart: number, spec: VtocSpec): void {
  const fd = openSync(image, 'r+');
  try {
    writeSync(fd, vtocLabel(spec), 0, 512, partitionStart + 512);
  } finally {
    closeSync(fd);
  }
}
