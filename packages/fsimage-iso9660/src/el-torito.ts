/**
 * The El Torito boot catalog (El Torito specification 1.0): 32-byte entries in
 * 2048-byte sectors. A validation entry (checksummed, with key bytes 55 AA),
 * the initial/default entry, then sections: a header naming a platform and
 * its entry count, each entry optionally followed by extension entries.
 */
import type { BlockSource } from '@x/fsimage';
import { corruptAt, le16, le32, SECTOR_SIZE, textField } from './bytes.js';

export type BootPlatform = 'x86' | 'PowerPC' | 'Mac' | 'EFI' | `0x${string}`;
export type BootMediaType = 'no-emulation' | '1.2M floppy' | '1.44M floppy' | '2.88M floppy' | 'hard disk';

export interface BootEntry {
  /** Boot indicator 0x88. */
  bootable: boolean;
  platform: BootPlatform;
  platformId: number;
  mediaType: BootMediaType;
  /** Load segment as recorded; 0 means the traditional 0x7C0. */
  loadSegment: number;
  /** Partition type byte of a hard-disk image's partition. */
  systemType: number;
  /** Virtual (512-byte) sectors loaded. */
  sectorCount: number;
  /** 2048-byte sector where the image starts. */
  loadRba: number;
  /** Selection criteria type (section entries only; 0 for none). */
  selectionCriteriaType: number;
}

export interface BootSection {
  platform: BootPlatform;
  platformId: number;
  id: string;
  entries: BootEntry[];
}

export interface BootCatalog {
  /** Sector of the catalog. */
  sector: number;
  /** The platform and manufacturer id string of the validation entry. */
  platform: BootPlatform;
  platformId: number;
  id: string;
  defaultEntry: BootEntry;
  sections: BootSection[];
}

const ENTRY_SIZE = 32;
const HEADER = { VALIDATION: 0x01, MORE_SECTIONS: 0x90, FINAL_SECTION: 0x91, EXTENSION: 0x44 } as const;
const BOOTABLE = 0x88;
/** Extension and section entries: "more follow" flag in byte 1 / the media byte. */
const CONTINUATION_FLAG = 0x20;
/** More entries than fit the sectors a catalog may reasonably span. */
const MAX_ENTRIES = 64 * (SECTOR_SIZE / ENTRY_SIZE);

const PLATFORMS: ReadonlyMap<number, BootPlatform> = new Map([
  [0x00, 'x86'],
  [0x01, 'PowerPC'],
  [0x02, 'Mac'],
  [0xef, 'EFI'],
] as Array<[number, BootPlatform]>);

const MEDIA_TYPES: readonly BootMediaType[] = [
  'no-emulation',
  '1.2M floppy',
  '1.44M floppy',
  '2.88M floppy',
  'hard disk',
];

function platformOf(id: number): BootPlatform {
  return PLATFORMS.get(id) ?? `0x${id.toString(16).padStart(2, '0')}`;
}

/** Reads the catalog's entries one at a time, a sector at a time. */
class EntryStream {
  private sectorBytes = new Uint8Array(SECTOR_SIZE);
  private loaded = -1;
  index = 0;

  constructor(
    private readonly source: BlockSource,
    readonly start: number,
  ) {}

  next(): { bytes: Uint8Array; position: number } {
    if (this.index >= MAX_ENTRIES) {
      throw corruptAt('El Torito boot catalog', this.start, `more than ${MAX_ENTRIES} entries`);
    }
    const offset = this.index * ENTRY_SIZE;
    const sector = Math.floor(offset / SECTOR_SIZE);
    if (sector !== this.loaded) {
      const position = this.start + sector * SECTOR_SIZE;
      if (position + SECTOR_SIZE > this.source.size) {
        throw corruptAt('El Torito boot catalog', this.start, 'runs past the end of the image');
      }
      this.source.read(this.sectorBytes, position);
      this.loaded = sector;
    }
    const within = offset % SECTOR_SIZE;
    this.index++;
    return { bytes: this.sectorBytes.slice(within, within + ENTRY_SIZE), position: this.start + offset };
  }
}

function entryOf(b: Uint8Array, position: number, platformId: number, section: boolean): BootEntry {
  if (b[0] !== BOOTABLE && b[0] !== 0) {
    throw corruptAt(
      'El Torito boot entry',
      position,
      `boot indicator 0x${b[0]!.toString(16)} is neither 0x88 nor 0`,
    );
  }
  const media = b[1]! & 0x0f;
  const mediaType = MEDIA_TYPES[media];
  if (!mediaType) throw corruptAt('El Torito boot entry', position, `unknown media type ${media}`);
  return {
    bootable: b[0] === BOOTABLE,
    platform: platformOf(platformId),
    platformId,
    mediaType,
    loadSegment: le16(b, 2),
    systemType: b[4]!,
    sectorCount: le16(b, 6),
    loadRba: le32(b, 8),
    selectionCriteriaType: section ? b[12]! : 0,
  };
}

function checkValidation(b: Uint8Array, position: number): void {
  if (b[0] !== HEADER.VALIDATION) {
    throw corruptAt('El Torito validation entry', position, `header id ${b[0]} is not 1`);
  }
  if (b[30] !== 0x55 || b[31] !== 0xaa) {
    throw corruptAt('El Torito validation entry', position, 'key bytes are not 55 AA');
  }
  // The sixteen little-endian words sum to zero.
  let sum = 0;
  for (let i = 0; i < ENTRY_SIZE; i += 2) sum = (sum + le16(b, i)) & 0xffff;
  if (sum !== 0) throw corruptAt('El Torito validation entry', position, 'checksum does not sum to zero');
}

/** Skip the extension entries that follow an entry whose media byte says one follows. */
function skipExtensions(stream: EntryStream, mediaByte: number): void {
  let more = (mediaByte & CONTINUATION_FLAG) !== 0;
  while (more) {
    const { bytes, position } = stream.next();
    if (bytes[0] !== HEADER.EXTENSION) {
      throw corruptAt(
        'El Torito extension entry',
        position,
        `indicator 0x${bytes[0]!.toString(16)} is not 0x44`,
      );
    }
    more = (bytes[1]! & CONTINUATION_FLAG) !== 0;
  }
}

/** Parse the boot catalog at `sector` (from the boot record volume descriptor). */
export function readBootCatalog(source: BlockSource, sector: number): BootCatalog {
  const start = sector * SECTOR_SIZE;
  if (sector < 16 || start + SECTOR_SIZE > source.size) {
    throw corruptAt(
      'El Torito boot record',
      16 * SECTOR_SIZE,
      `boot catalog sector ${sector} is outside the image`,
    );
  }
  const stream = new EntryStream(source, start);
  const validation = stream.next();
  checkValidation(validation.bytes, validation.position);
  const platformId = validation.bytes[1]!;
  const initial = stream.next();
  const catalog: BootCatalog = {
    sector,
    platform: platformOf(platformId),
    platformId,
    id: textField(validation.bytes, 4, 24),
    defaultEntry: entryOf(initial.bytes, initial.position, platformId, false),
    sections: [],
  };
  for (let final = false; !final; ) {
    const header = stream.next();
    const kind = header.bytes[0];
    // Anything but a section header ends the catalog (unused entries are zero).
    if (kind !== HEADER.MORE_SECTIONS && kind !== HEADER.FINAL_SECTION) break;
    final = kind === HEADER.FINAL_SECTION;
    const section: BootSection = {
      platformId: header.bytes[1]!,
      platform: platformOf(header.bytes[1]!),
      id: textField(header.bytes, 4, 28),
      entries: [],
    };
    const count = le16(header.bytes, 2);
    for (let i = 0; i < count; i++) {
      const entry = stream.next();
      section.entries.push(entryOf(entry.bytes, entry.position, section.platformId, true));
      skipExtensions(stream, entry.bytes[1]!);
    }
    catalog.sections.push(section);
  }
  return catalog;
}
