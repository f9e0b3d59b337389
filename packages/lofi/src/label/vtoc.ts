/**
 * The Solaris x86 VTOC: a `dk_label` (sys/dklabel.h, _SUNOS_VTOC_16) in the
 * second 512-byte sector of an fdisk partition, little-endian. Up to 16
 * slices, each with a tag, flags, and a start sector relative to the fdisk
 * partition.
 *
 *   0   v_bootinfo[3]      12  v_sanity 0x600DDEEE   16  v_version 1
 *   20  v_volume[8]        28  v_sectorsz            30  v_nparts
 *   72  v_part[16] { u16 tag, u16 flag, u32 start, u32 size }
 *   328 v_asciilabel[128]  …   508 dkl_magic 0xDABE  510 dkl_cksum
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
import type { LabelOptions, Partition } from './types.js';
import { SECTOR } from './types.js';
import { DKL_MAGIC, VTOC_SANITY, VTOC_TAG_BACKUP, VTOC_VERSION, vtocTagName } from './vtoc-tags.js';

/** dk_label sits in sector DK_LABEL_LOC = 1 of the fdisk partition. */
export const VTOC_LABEL_SECTOR = 1;
export const VTOC_MAX_SLICES = 16;

const OFF = {
  sanity: 12,
  version: 16,
  volume: 20,
  sectorSize: 28,
  nparts: 30,
  parts: 72,
  asciiLabel: 328,
  magic: 508,
} as const;
const SLICE_ENTRY = 12;

export interface VtocTable {
  /** v_volume. */
  volume: string;
  /** v_asciilabel. */
  asciiLabel: string;
  slices: Partition[];
}

/** Whether the sector holds a VTOC's sanity word: the test for "is there a VTOC at all". */
export function hasVtocSanity(sector: Uint8Array): boolean {
  return view(sector).getUint32(OFF.sanity, true) === VTOC_SANITY;
}

/**
 * Parse the VTOC inside `container` (an fdisk partition). Returns undefined
 * when the partition holds no VTOC (no sanity word); throws LabelError when it
 * holds a broken one.
 */
export function parseVtoc(
  reader: ByteReader,
  container: Pick<Partition, 'name' | 'start' | 'size'>,
  options: LabelOptions = {},
): VtocTable | undefined {
  return guardLabel(() => parseVtocIn(contextFor(reader, options), container));
}

export function parseVtocIn(
  ctx: ParseContext,
  container: Pick<Partition, 'name' | 'start' | 'size'>,
): VtocTable | undefined {
  const labelAt = container.start + VTOC_LABEL_SECTOR * SECTOR;
  if (container.size < (VTOC_LABEL_SECTOR + 1) * SECTOR || labelAt + SECTOR > ctx.size) return undefined;
  const sector = readAt(ctx, labelAt, SECTOR, `VTOC of ${container.name}`, 'vtoc');
  if (!hasVtocSanity(sector)) return undefined;
  const fail = (message: string) =>
    new LabelError('BAD_ENTRY', `VTOC of ${container.name}: ${message}`, {
      scheme: 'vtoc',
      partition: container.name,
    });
  const dv = view(sector);
  if (dv.getUint16(OFF.magic, true) !== DKL_MAGIC) {
    throw fail(`label magic is 0x${dv.getUint16(OFF.magic, true).toString(16)}, not 0xdabe`);
  }
  if (xorWords(sector, true) !== 0) {
    throw new LabelError('BAD_CHECKSUM', `VTOC of ${container.name}: the label checksum does not match`, {
      scheme: 'vtoc',
      partition: container.name,
    });
  }
  const version = dv.getUint32(OFF.version, true);
  if (version !== VTOC_VERSION) throw fail(`unsupported layout version ${version}`);
  const sectorSize = dv.getUint16(OFF.sectorSize, true);
  if (sectorSize !== SECTOR && sectorSize !== 0) throw fail(`sector size ${sectorSize} is not 512`);
  const nparts = dv.getUint16(OFF.nparts, true);
  if (nparts > VTOC_MAX_SLICES) throw fail(`${nparts} slices, more than ${VTOC_MAX_SLICES}`);

  const containerSectors = container.size / SECTOR;
  const slices: Partition[] = [];
  for (let i = 0; i < nparts; i++) {
    const off = OFF.parts + i * SLICE_ENTRY;
    const tag = dv.getUint16(off, true);
    const flag = dv.getUint16(off + 2, true);
    const first = dv.getUint32(off + 4, true);
    const sectors = dv.getUint32(off + 8, true);
    if (sectors === 0) continue;
    const name = `s${i}`;
    if (first + sectors > containerSectors) {
      throw new LabelError(
        'OUTSIDE_CONTAINER',
        `slice ${name} (sectors ${first}..${first + sectors - 1}) runs past the end of ${container.name} (${containerSectors} sectors)`,
        { scheme: 'vtoc', partition: name },
      );
    }
    const slice: Partition = {
      name,
      number: i,
      scheme: 'vtoc',
      start: container.start + first * SECTOR,
      size: sectors * SECTOR,
      type: hexByte(tag),
      typeName: vtocTagName(tag),
      tag,
      flag,
      container: container.name,
    };
    if (tag === VTOC_TAG_BACKUP) slice.wholeDisk = true;
    checkInImage(ctx, slice);
    slices.push(slice);
  }
  return {
    volume: asciiz(sector.subarray(OFF.volume, OFF.volume + 8)),
    asciiLabel: asciiz(sector.subarray(OFF.asciiLabel, OFF.asciiLabel + 128)),
    slices,
  };
}
