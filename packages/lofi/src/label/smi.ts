/**
 * The SPARC SMI (Sun) label: a big-endian `dk_label` (sys/dklabel.h,
 * _SUNOS_VTOC_8) in sector 0. Eight slices whose start is a cylinder number
 * (× heads × sectors per track); tags and flags come from the VTOC part when
 * its sanity word is there.
 *
 *   0   dkl_asciilabel[128]
 *   128 v_version  132 v_volume[8]  140 v_nparts  142 v_part[8] { u16 tag, u16 flag }
 *   188 v_sanity 0x600DDEEE
 *   436 dkl_nhead  438 dkl_nsect  444 dkl_map[8] { u32 cylno, u32 nblk }
 *   508 dkl_magic 0xDABE  510 dkl_cksum (XOR of all 16-bit words is 0)
 */
import type { ByteReader } from '../byte-reader.js';
import { LabelError } from '../errors.js';
import {
  asciiz,
  checkInImage,
  contextFor,
  guardLabel,
  hexByte,
  type ParseContext,
  readAt,
  view,
  xorWords,
} from './read.js';
import type { DiskLabel, LabelOptions, Partition } from './types.js';
import { SECTOR } from './types.js';
import { DKL_MAGIC, VTOC_SANITY, VTOC_TAG_BACKUP, VTOC_VERSION, vtocTagName } from './vtoc-tags.js';

export const SMI_SLICES = 8;

const OFF = {
  asciiLabel: 0,
  version: 128,
  volume: 132,
  nparts: 140,
  parts: 142,
  sanity: 188,
  nhead: 436,
  nsect: 438,
  map: 444,
  magic: 508,
} as const;

/** Whether sector 0 carries the SMI magic (its checksum is checked by the parser). */
export function hasSmiMagic(sector: Uint8Array): boolean {
  return sector.byteLength >= SECTOR && view(sector).getUint16(OFF.magic, false) === DKL_MAGIC;
}

/** Whether sector 0 is an SMI label whose checksum holds. */
export function isSmiSector(sector: Uint8Array): boolean {
  return hasSmiMagic(sector) && xorWords(sector, false) === 0;
}

export function parseSmi(reader: ByteReader, options: LabelOptions = {}): DiskLabel {
  return guardLabel(() => parseSmiIn(contextFor(reader, options)));
}

export function parseSmiIn(ctx: ParseContext): DiskLabel {
  const sector = readAt(ctx, 0, SECTOR, 'SMI label', 'smi');
  if (!hasSmiMagic(sector)) {
    throw new LabelError('BAD_ENTRY', 'sector 0 has no SMI label magic (0xDABE at byte 508)', {
      scheme: 'smi',
    });
  }
  if (xorWords(sector, false) !== 0) {
    throw new LabelError('BAD_CHECKSUM', 'the SMI label checksum does not match', { scheme: 'smi' });
  }
  const dv = view(sector);
  const nparts = dv.getUint16(OFF.nparts, false);
  // Tags and flags only mean something when the VTOC part is there (Linux once wrote labels without one).
  const hasVtoc =
    dv.getUint32(OFF.sanity, false) === VTOC_SANITY &&
    dv.getUint32(OFF.version, false) === VTOC_VERSION &&
    nparts <= SMI_SLICES;
  if (!hasVtoc) ctx.warnings.push('the SMI label has no VTOC part; slice tags are unknown');
  const sectorsPerCylinder = dv.getUint16(OFF.nhead, false) * dv.getUint16(OFF.nsect, false);

  const slices: Partition[] = [];
  for (let i = 0; i < SMI_SLICES; i++) {
    const cylinder = dv.getUint32(OFF.map + i * 8, false);
    const sectors = dv.getUint32(OFF.map + i * 8 + 4, false);
    if (sectors === 0) continue;
    const name = `s${i}`;
    if (sectorsPerCylinder === 0 && cylinder !== 0) {
      throw new LabelError(
        'BAD_ENTRY',
        `${name} starts at cylinder ${cylinder} of a label with no geometry`,
        {
          scheme: 'smi',
          partition: name,
        },
      );
    }
    const tag = hasVtoc ? dv.getUint16(OFF.parts + i * 4, false) : undefined;
    const flag = hasVtoc ? dv.getUint16(OFF.parts + i * 4 + 2, false) : undefined;
    const slice: Partition = {
      name,
      number: i,
      scheme: 'smi',
      start: cylinder * sectorsPerCylinder * SECTOR,
      size: sectors * SECTOR,
      type: tag === undefined ? 'unknown' : hexByte(tag),
      typeName: tag === undefined ? 'unknown' : vtocTagName(tag),
    };
    if (tag !== undefined) slice.tag = tag;
    if (flag !== undefined) slice.flag = flag;
    if (tag === VTOC_TAG_BACKUP) slice.wholeDisk = true;
    checkInImage(ctx, slice);
    slices.push(slice);
  }
  const label: DiskLabel = {
    scheme: 'smi',
    sectorSize: SECTOR,
    diskId: '',
    partitions: slices,
    warnings: ctx.warnings,
  };
  const description = asciiz(sector.subarray(OFF.asciiLabel, OFF.asciiLabel + 128));
  if (description) label.description = description;
  return label;
}
