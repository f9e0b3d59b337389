/**
 * Find every table on a disk: an SMI label in sector 0, a GPT behind a
 * protective MBR, or an MBR with its logical partitions and a Solaris VTOC
 * inside a 0xBF (or old 0x82) fdisk partition.
 */
import type { ByteReader } from '../byte-reader.js';
import { isLabelError } from '../errors.js';
import { gptSectorSize, parseGptIn } from './gpt.js';
import { isMbrSector, isProtectiveMbr, parseMbrIn } from './mbr.js';
import { MBR_SOLARIS, MBR_SOLARIS_OLD } from './mbr-types.js';
import { contextFor, guardLabel, hexByte, type ParseContext, readAt } from './read.js';
import { hasSmiMagic, isSmiSector, parseSmiIn } from './smi.js';
import type { DiskLabel, LabelOptions, Partition } from './types.js';
import { SECTOR } from './types.js';
import { parseVtocIn } from './vtoc.js';

const SOLARIS_TYPES = new Set([hexByte(MBR_SOLARIS), hexByte(MBR_SOLARIS_OLD)]);

/**
 * Add the slices of the first VTOC found in a Solaris fdisk partition. A
 * broken VTOC leaves the fdisk partitions readable, so it is a warning; 0x82
 * without a VTOC is simply Linux swap.
 */
function addSolarisSlices(ctx: ParseContext, label: DiskLabel): void {
  const candidates = label.partitions.filter(
    (p) => p.container === undefined && !p.beyondEnd && SOLARIS_TYPES.has(p.type),
  );
  let holder: Partition | undefined;
  for (const p of candidates) {
    const solarisType = p.type === hexByte(MBR_SOLARIS);
    let slices: Partition[];
    try {
      const vtoc = parseVtocIn(ctx, p);
      if (!vtoc) {
        if (solarisType) ctx.warnings.push(`${p.name} is a Solaris partition without a VTOC`);
        continue;
      }
      slices = vtoc.slices;
    } catch (e) {
      if (!isLabelError(e)) throw e;
      ctx.warnings.push(`${e.message}; its slices are not listed`);
      continue;
    }
    if (holder) {
      ctx.warnings.push(`${p.name} also holds a VTOC; only the slices of ${holder.name} are listed`);
      continue;
    }
    holder = p;
    label.partitions.push(...slices);
  }
}

function detect(ctx: ParseContext): DiskLabel {
  const none: DiskLabel = {
    scheme: 'none',
    sectorSize: SECTOR,
    diskId: '',
    partitions: [],
    warnings: ctx.warnings,
  };
  if (ctx.size < SECTOR) return none;
  const sector0 = readAt(ctx, 0, SECTOR, 'sector 0', 'mbr');
  if (isSmiSector(sector0)) return parseSmiIn(ctx);
  if (isProtectiveMbr(sector0)) return parseGptIn(ctx);
  if (isMbrSector(sector0)) {
    const label = parseMbrIn(ctx, SECTOR);
    if (gptSectorSize(ctx.reader) !== undefined) {
      ctx.warnings.push('a GPT header is present but sector 0 has no protective entry; the MBR is used');
    }
    addSolarisSlices(ctx, label);
    return label;
  }
  // The SMI magic with a bad checksum and no PC table: a damaged Sun label.
  if (hasSmiMagic(sector0)) return parseSmiIn(ctx);
  // A GPT whose sector 0 was wiped is still a GPT (a warning says the protective MBR is missing).
  if (gptSectorSize(ctx.reader) !== undefined) return parseGptIn(ctx);
  return none;
}

/**
 * Read every partition table on the disk. Throws LabelError (and nothing
 * else) when a table is corrupt beyond reading; faults that leave the rest
 * readable come back in `warnings`.
 */
export function readDiskLabel(reader: ByteReader, options: LabelOptions = {}): DiskLabel {
  return guardLabel(() => detect(contextFor(reader, options)));
}

/** The partition or slice called `name` (`p1`, `s0`), if the label has one. */
export function findPartition(label: DiskLabel, name: string): Partition | undefined {
  return label.partitions.find((p) => p.name === name);
}
