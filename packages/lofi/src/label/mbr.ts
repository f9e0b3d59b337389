/**
 * The PC partition table (MBR): four primary entries in sector 0, and for an
 * extended partition a chain of extended boot records (EBRs), each holding a
 * logical partition (relative to that EBR) and a link to the next EBR
 * (relative to the start of the extended partition).
 */
import type { ByteReader } from '../byte-reader.js';
import { LabelError } from '../errors.js';
import { MBR_EXTENDED_TYPES, MBR_GPT_PROTECTIVE, mbrTypeName } from './mbr-types.js';
import { checkInImage, contextFor, guardLabel, hexByte, type ParseContext, readAt, view } from './read.js';
import { DEFAULT_MAX_EBRS, type DiskLabel, type LabelOptions, type Partition, SECTOR } from './types.js';

const TABLE_OFFSET = 446;
const ENTRY_SIZE = 16;
const DISK_SIGNATURE_OFFSET = 440;
const BOOT_SIGNATURE_OFFSET = 510;
const BOOT_ACTIVE = 0x80;
const FIRST_LOGICAL = 5;

/** One 16-byte entry of a partition table sector. */
export interface MbrEntry {
  /** 0 … 3. */
  slot: number;
  bootIndicator: number;
  type: number;
  /** First sector, relative to whatever the table is in. */
  firstSector: number;
  sectors: number;
}

export function hasBootSignature(sector: Uint8Array): boolean {
  return sector[BOOT_SIGNATURE_OFFSET] === 0x55 && sector[BOOT_SIGNATURE_OFFSET + 1] === 0xaa;
}

export function mbrEntries(sector: Uint8Array): MbrEntry[] {
  const dv = view(sector);
  const entries: MbrEntry[] = [];
  for (let slot = 0; slot < 4; slot++) {
    const off = TABLE_OFFSET + slot * ENTRY_SIZE;
    entries.push({
      slot,
      bootIndicator: dv.getUint8(off),
      type: dv.getUint8(off + 4),
      firstSector: dv.getUint32(off + 8, true),
      sectors: dv.getUint32(off + 12, true),
    });
  }
  return entries;
}

/**
 * A FAT volume boot record also ends in 55 AA; its BPB gives it away (a jump,
 * a power-of-two sector size, and the "FAT" file-system type string).
 */
function looksLikeFatBootSector(sector: Uint8Array): boolean {
  const jump = sector[0] === 0xeb || sector[0] === 0xe9;
  const bytesPerSector = sector[11]! | (sector[12]! << 8);
  const sane =
    bytesPerSector >= 512 && bytesPerSector <= 4096 && (bytesPerSector & (bytesPerSector - 1)) === 0;
  const fatString = (off: number) =>
    sector[off] === 0x46 && sector[off + 1] === 0x41 && sector[off + 2] === 0x54;
  return jump && sane && (fatString(54) || fatString(82));
}

/**
 * Whether sector 0 holds a partition table: the 55 AA signature, boot
 * indicators that are 0 or 0x80 (anything else is boot code or data), and not
 * a FAT boot sector.
 */
export function isMbrSector(sector: Uint8Array): boolean {
  if (sector.byteLength < SECTOR || !hasBootSignature(sector)) return false;
  if (mbrEntries(sector).some((e) => e.bootIndicator !== 0 && e.bootIndicator !== BOOT_ACTIVE)) return false;
  return !looksLikeFatBootSector(sector);
}

export function isProtectiveMbr(sector: Uint8Array): boolean {
  return (
    isMbrSector(sector) && mbrEntries(sector).some((e) => e.type === MBR_GPT_PROTECTIVE && e.sectors > 0)
  );
}

function diskSignature(sector: Uint8Array): string {
  return view(sector).getUint32(DISK_SIGNATURE_OFFSET, true).toString(16).padStart(8, '0');
}

function partitionOf(
  entry: MbrEntry,
  number: number,
  firstSector: number,
  sectorSize: number,
  diskId: string,
): Partition {
  const p: Partition = {
    name: `p${number}`,
    number,
    scheme: 'mbr',
    start: firstSector * sectorSize,
    size: entry.sectors * sectorSize,
    type: hexByte(entry.type),
    typeName: mbrTypeName(entry.type),
    bootable: entry.bootIndicator === BOOT_ACTIVE,
  };
  // Linux's PARTUUID for MBR disks: the disk signature and the partition number.
  if (diskId !== '00000000') p.uuid = `${diskId}-${number.toString(16).padStart(2, '0')}`;
  if (MBR_EXTENDED_TYPES.has(entry.type)) p.extended = true;
  return p;
}

function warnOverlaps(ctx: ParseContext, primaries: Partition[]): void {
  const sorted = [...primaries].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (cur.start < prev.start + prev.size) ctx.warnings.push(`${cur.name} overlaps ${prev.name}`);
  }
}

/**
 * Follow one extended partition's EBR chain. Bounded by `maxEbrs`; an EBR read
 * twice is a loop, an EBR or a logical partition outside the extended
 * partition is an error.
 */
function readLogicals(
  ctx: ParseContext,
  extended: Partition,
  sectorSize: number,
  diskId: string,
  firstNumber: number,
): Partition[] {
  const maxEbrs = ctx.options.maxEbrs ?? DEFAULT_MAX_EBRS;
  const extFirst = extended.start / sectorSize;
  const extEnd = extFirst + extended.size / sectorSize;
  const logicals: Partition[] = [];
  const visited = new Set<number>();
  let ebr = extFirst;
  for (let count = 0; ; count++) {
    if (count >= maxEbrs) {
      throw new LabelError('LIMIT', `the EBR chain of ${extended.name} is longer than ${maxEbrs} records`, {
        scheme: 'mbr',
        partition: extended.name,
      });
    }
    if (visited.has(ebr)) {
      throw new LabelError('EBR_LOOP', `the EBR chain of ${extended.name} loops back to sector ${ebr}`, {
        scheme: 'mbr',
        partition: extended.name,
      });
    }
    visited.add(ebr);
    if (ebr < extFirst || ebr >= extEnd) {
      throw new LabelError(
        'OUTSIDE_CONTAINER',
        `an EBR of ${extended.name} is at sector ${ebr}, outside the extended partition (sectors ${extFirst}..${extEnd - 1})`,
        { scheme: 'mbr', partition: extended.name },
      );
    }
    if ((ebr + 1) * sectorSize > ctx.size) {
      // Only reachable when an extended partition past the end is being listed, not read.
      ctx.warnings.push(
        `the EBR at sector ${ebr} is past the end of the image; logical partitions stop there`,
      );
      return logicals;
    }
    const sector = readAt(ctx, ebr * sectorSize, SECTOR, `EBR of ${extended.name}`, 'mbr');
    if (!hasBootSignature(sector)) {
      // An extended partition with no logicals may start with a blank sector.
      if (count > 0 || sector.some((b) => b !== 0)) {
        ctx.warnings.push(`the EBR at sector ${ebr} has no 55 AA signature; logical partitions stop there`);
      }
      return logicals;
    }
    const entries = mbrEntries(sector);
    for (const e of entries) {
      if (e.sectors === 0 || MBR_EXTENDED_TYPES.has(e.type)) continue;
      const number = firstNumber + logicals.length;
      const first = ebr + e.firstSector;
      const p = partitionOf(e, number, first, sectorSize, diskId);
      p.container = extended.name;
      if (first < extFirst || first + e.sectors > extEnd) {
        throw new LabelError(
          'OUTSIDE_CONTAINER',
          `logical partition ${p.name} (sectors ${first}..${first + e.sectors - 1}) lies outside ${extended.name} (sectors ${extFirst}..${extEnd - 1})`,
          { scheme: 'mbr', partition: p.name },
        );
      }
      checkInImage(ctx, p);
      logicals.push(p);
    }
    // The first extended-type entry links to the next EBR; anything after it is ignored, as Linux does.
    const link = entries.find((e) => e.sectors > 0 && MBR_EXTENDED_TYPES.has(e.type));
    if (!link) return logicals;
    ebr = extFirst + link.firstSector;
  }
}

export interface MbrOptions extends LabelOptions {
  /** Logical sector size the entries count in (512 unless the disk says otherwise). */
  sectorSize?: number;
}

/**
 * Parse the MBR in sector 0 with its logical partitions. Primaries are p1-p4
 * by slot (an empty slot's number is not reused); logicals are p5 on, in chain
 * order. The protective entry of a GPT disk is listed like any other: use
 * `readDiskLabel` to have GPT take over.
 */
export function parseMbr(reader: ByteReader, options: MbrOptions = {}): DiskLabel {
  return guardLabel(() => parseMbrIn(contextFor(reader, options), options.sectorSize ?? SECTOR));
}

export function parseMbrIn(ctx: ParseContext, sectorSize: number): DiskLabel {
  const sector = readAt(ctx, 0, SECTOR, 'MBR', 'mbr');
  if (!isMbrSector(sector)) {
    throw new LabelError('BAD_ENTRY', 'sector 0 does not hold an MBR partition table', { scheme: 'mbr' });
  }
  const diskId = diskSignature(sector);
  const primaries: Partition[] = [];
  for (const e of mbrEntries(sector)) {
    if (e.sectors === 0) continue;
    const p = partitionOf(e, e.slot + 1, e.firstSector, sectorSize, diskId);
    if (e.type === 0) ctx.warnings.push(`${p.name} has type 0 (empty) but a size of ${e.sectors} sectors`);
    checkInImage(ctx, p);
    primaries.push(p);
  }
  warnOverlaps(ctx, primaries);
  const logicals: Partition[] = [];
  for (const p of primaries) {
    if (!p.extended) continue;
    logicals.push(...readLogicals(ctx, p, sectorSize, diskId, FIRST_LOGICAL + logicals.length));
  }
  return {
    scheme: 'mbr',
    sectorSize,
    diskId,
    partitions: [...primaries, ...logicals],
    warnings: ctx.warnings,
  };
}
