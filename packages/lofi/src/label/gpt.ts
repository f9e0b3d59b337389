/**
 * The GUID partition table (UEFI specification, chapter 5): a header at LBA 1
 * and a backup at the last LBA, each with a CRC32 of itself and of the
 * partition-entry array it points to. A bad primary falls back to the backup,
 * with a warning. The logical sector size (512 or 4096) is found from where
 * the "EFI PART" signature is.
 */
import { crc32 } from 'node:zlib';
import type { ByteReader } from '../byte-reader.js';
import { LabelError } from '../errors.js';
import { GPT_ATTRIBUTE, gptTypeName } from './gpt-types.js';
import { formatGuid, isNilGuid } from './guid.js';
import { isProtectiveMbr, mbrEntries } from './mbr.js';
import { MBR_GPT_PROTECTIVE } from './mbr-types.js';
import { checkInImage, contextFor, guardLabel, type ParseContext, readAt, view } from './read.js';
import { DEFAULT_MAX_GPT_ENTRY_BYTES, type DiskLabel, type LabelOptions, type Partition } from './types.js';

const SIGNATURE = 'EFI PART';
const MIN_HEADER_SIZE = 92;
const MIN_ENTRY_SIZE = 128;
const MAX_ENTRY_SIZE = 4096;
const NAME_OFFSET = 56;
const NAME_BYTES = 72;
const SECTOR_SIZES = [512, 4096] as const;

/** The fields of a GPT header this reader uses. */
export interface GptHeader {
  /** The LBA the header was read from (its MyLBA). */
  lba: number;
  alternateLba: number;
  firstUsableLba: number;
  lastUsableLba: number;
  diskGuid: string;
  entriesLba: number;
  entryCount: number;
  entrySize: number;
  entriesCrc: number;
}

/** A header and its entry array, both checked, or why not. */
type Checked = { header: GptHeader; entries: Uint8Array } | { problem: string };

function hasSignature(bytes: Uint8Array): boolean {
  for (let i = 0; i < SIGNATURE.length; i++) if (bytes[i] !== SIGNATURE.charCodeAt(i)) return false;
  return true;
}

/** A u64 LBA as a number, or undefined when its byte offset would not be exact. */
function lba64(dv: DataView, off: number, sectorSize: number): number | undefined {
  const v = dv.getBigUint64(off, true);
  return v <= BigInt(Math.floor(Number.MAX_SAFE_INTEGER / sectorSize)) ? Number(v) : undefined;
}

/** Read and check the header at `lba` and the entry array it points to. */
function checkHeader(ctx: ParseContext, lba: number, sectorSize: number): Checked {
  const imageSectors = Math.floor(ctx.size / sectorSize);
  if (lba < 1 || lba >= imageSectors) return { problem: `LBA ${lba} is outside the image` };
  const sector = readAt(ctx, lba * sectorSize, sectorSize, `GPT header at LBA ${lba}`, 'gpt');
  if (!hasSignature(sector)) return { problem: `no "EFI PART" signature at LBA ${lba}` };
  const dv = view(sector);
  const headerSize = dv.getUint32(12, true);
  if (headerSize < MIN_HEADER_SIZE || headerSize > sectorSize) {
    return { problem: `header size ${headerSize} is not between ${MIN_HEADER_SIZE} and ${sectorSize}` };
  }
  const stored = dv.getUint32(16, true);
  const copy = sector.slice(0, headerSize);
  copy.fill(0, 16, 20);
  const computed = crc32(copy);
  if (computed !== stored) {
    return {
      problem: `header CRC32 mismatch (stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)})`,
    };
  }
  const myLba = lba64(dv, 24, sectorSize);
  const alternateLba = lba64(dv, 32, sectorSize);
  const firstUsableLba = lba64(dv, 40, sectorSize);
  const lastUsableLba = lba64(dv, 48, sectorSize);
  const entriesLba = lba64(dv, 72, sectorSize);
  if (
    myLba === undefined ||
    alternateLba === undefined ||
    firstUsableLba === undefined ||
    lastUsableLba === undefined ||
    entriesLba === undefined
  ) {
    return { problem: 'an LBA field is too large' };
  }
  if (myLba !== lba) return { problem: `the header at LBA ${lba} says it is at LBA ${myLba}` };
  if (lastUsableLba < firstUsableLba) {
    return { problem: `last usable LBA ${lastUsableLba} is before the first, ${firstUsableLba}` };
  }
  const entryCount = dv.getUint32(80, true);
  const entrySize = dv.getUint32(84, true);
  if (entrySize < MIN_ENTRY_SIZE || entrySize > MAX_ENTRY_SIZE || (entrySize & (entrySize - 1)) !== 0) {
    return { problem: `partition entry size ${entrySize} is not 128 × 2^n (up to ${MAX_ENTRY_SIZE})` };
  }
  const arrayBytes = entryCount * entrySize;
  const limit = ctx.options.maxGptEntryBytes ?? DEFAULT_MAX_GPT_ENTRY_BYTES;
  if (arrayBytes > limit) {
    return { problem: `${entryCount} entries of ${entrySize} bytes exceed the ${limit}-byte limit` };
  }
  const arrayStart = entriesLba * sectorSize;
  if (entriesLba < 1 || arrayStart + arrayBytes > ctx.size) {
    return { problem: `the entry array at LBA ${entriesLba} (${arrayBytes} bytes) is outside the image` };
  }
  const arraySectors = Math.ceil(arrayBytes / sectorSize);
  if (lba >= entriesLba && lba < entriesLba + arraySectors) {
    return { problem: `the entry array at LBA ${entriesLba} overlaps its own header` };
  }
  const entries = readAt(ctx, arrayStart, arrayBytes, 'GPT partition entries', 'gpt');
  const entriesCrc = dv.getUint32(88, true);
  const entriesComputed = crc32(entries);
  if (entriesComputed !== entriesCrc) {
    return {
      problem: `partition entry array CRC32 mismatch (stored 0x${entriesCrc.toString(16)}, computed 0x${entriesComputed.toString(16)})`,
    };
  }
  const header: GptHeader = {
    lba,
    alternateLba,
    firstUsableLba,
    lastUsableLba,
    diskGuid: formatGuid(sector, 56),
    entriesLba,
    entryCount,
    entrySize,
    entriesCrc,
  };
  return { header, entries };
}

/** The sector size a GPT is written in: where its primary (or else backup) signature is. */
export function gptSectorSize(reader: ByteReader): number | undefined {
  return guardLabel(() => findSectorSize(contextFor(reader)));
}

function findSectorSize(ctx: ParseContext): number | undefined {
  for (const ss of SECTOR_SIZES) {
    if (ctx.size >= 2 * ss && hasSignature(readAt(ctx, ss, 8, 'GPT signature', 'gpt'))) return ss;
  }
  for (const ss of SECTOR_SIZES) {
    const last = Math.floor(ctx.size / ss) - 1;
    if (last >= 2 && hasSignature(readAt(ctx, last * ss, 8, 'GPT signature', 'gpt'))) return ss;
  }
  return undefined;
}

const utf16le = new TextDecoder('utf-16le');

/** The UTF-16LE partition name, up to its first NUL (unpaired surrogates become U+FFFD). */
function decodeName(raw: Uint8Array): string {
  let end = 0;
  while (end + 1 < raw.byteLength && (raw[end] !== 0 || raw[end + 1] !== 0)) end += 2;
  return utf16le.decode(raw.subarray(0, end));
}

function partitionsOf(ctx: ParseContext, header: GptHeader, entries: Uint8Array, ss: number): Partition[] {
  const dv = view(entries);
  const partitions: Partition[] = [];
  for (let i = 0; i < header.entryCount; i++) {
    const off = i * header.entrySize;
    if (isNilGuid(entries, off)) continue;
    const name = `p${i + 1}`;
    const first = lba64(dv, off + 32, ss);
    const last = lba64(dv, off + 40, ss);
    if (first === undefined || last === undefined || last < first) {
      throw new LabelError('BAD_ENTRY', `${name}: ending LBA is before its starting LBA or out of range`, {
        scheme: 'gpt',
        partition: name,
      });
    }
    const type = formatGuid(entries, off);
    const attributes = dv.getBigUint64(off + 48, true);
    const p: Partition = {
      name,
      number: i + 1,
      scheme: 'gpt',
      start: first * ss,
      size: (last - first + 1) * ss,
      type,
      typeName: gptTypeName(type),
      label: decodeName(entries.subarray(off + NAME_OFFSET, off + NAME_OFFSET + NAME_BYTES)),
      uuid: formatGuid(entries, off + 16),
      attributes,
      bootable: (attributes & GPT_ATTRIBUTE.legacyBiosBootable) !== 0n,
    };
    if (first < header.firstUsableLba || last > header.lastUsableLba) {
      ctx.warnings.push(
        `${name} (LBA ${first}..${last}) is outside the usable LBAs ${header.firstUsableLba}..${header.lastUsableLba}`,
      );
    }
    checkInImage(ctx, p);
    partitions.push(p);
  }
  return partitions;
}

function checkProtectiveMbr(ctx: ParseContext): void {
  const sector = readAt(ctx, 0, 512, 'protective MBR', 'gpt');
  if (!isProtectiveMbr(sector)) {
    ctx.warnings.push('no protective MBR in sector 0');
    return;
  }
  const others = mbrEntries(sector).filter((e) => e.sectors > 0 && e.type !== MBR_GPT_PROTECTIVE);
  if (others.length > 0) {
    ctx.warnings.push(`hybrid MBR: sector 0 also lists ${others.length} partition(s); the GPT is used`);
  }
}

/**
 * Parse a GPT disk. Partitions are named by slot (`p1` is entry 0), as Linux
 * numbers them; unused entries (nil type GUID) are skipped.
 */
export function parseGpt(reader: ByteReader, options: LabelOptions = {}): DiskLabel {
  return guardLabel(() => parseGptIn(contextFor(reader, options)));
}

export function parseGptIn(ctx: ParseContext): DiskLabel {
  const ss = gptSectorSize(ctx.reader);
  if (ss === undefined) throw new LabelError('BAD_GPT', 'no GPT header found', { scheme: 'gpt' });
  checkProtectiveMbr(ctx);
  const lastLba = Math.floor(ctx.size / ss) - 1;
  const primary = checkHeader(ctx, 1, ss);
  let used: { header: GptHeader; entries: Uint8Array };
  if ('header' in primary) {
    used = primary;
    const alternate = primary.header.alternateLba;
    const backup = alternate > 1 && alternate <= lastLba ? checkHeader(ctx, alternate, ss) : undefined;
    if (!backup) {
      ctx.warnings.push(`the backup GPT header (LBA ${alternate}) is not inside the image`);
    } else if ('problem' in backup) {
      ctx.warnings.push(`the backup GPT header at LBA ${alternate} is unusable: ${backup.problem}`);
    } else if (backup.header.entriesCrc !== primary.header.entriesCrc) {
      ctx.warnings.push('the primary and backup GPT partition entries differ; the primary is used');
    }
  } else {
    const backup = checkHeader(ctx, lastLba, ss);
    if ('problem' in backup) {
      throw new LabelError(
        'BAD_GPT',
        `primary GPT header unusable (${primary.problem}); backup at LBA ${lastLba} unusable too (${backup.problem})`,
        { scheme: 'gpt' },
      );
    }
    ctx.warnings.push(
      `the primary GPT header is unusable (${primary.problem}); using the backup at LBA ${lastLba}`,
    );
    used = backup;
  }
  if (used.header.lastUsableLba > lastLba) {
    ctx.warnings.push(
      `the GPT describes a larger disk (last usable LBA ${used.header.lastUsableLba}) than the image (last LBA ${lastLba})`,
    );
  }
  return {
    scheme: 'gpt',
    sectorSize: ss,
    diskId: used.header.diskGuid,
    partitions: partitionsOf(ctx, used.header, used.entries, ss),
    warnings: ctx.warnings,
  };
}
