/**
 * The volume descriptor set (ECMA-119 8): consecutive 2048-byte sectors from
 * sector 16, ended by a terminator. We keep the primary descriptor, the first
 * Joliet supplementary descriptor, and the El Torito boot record.
 */
import type { BlockSource } from '@x/fsimage';
import { both16, both32, corruptAt, latin1, le32, SECTOR_SIZE, textField, ucs2Field } from './bytes.js';
import { type DescriptorDate, descriptorDate, descriptorDigits } from './dates.js';
import { type DirectoryRecord, isDirectoryRecord, parseRecord } from './record.js';

/** Volume descriptor type codes (ECMA-119 8.1.1). */
export const DESCRIPTOR_TYPE = {
  BOOT_RECORD: 0,
  PRIMARY: 1,
  SUPPLEMENTARY: 2,
  PARTITION: 3,
  TERMINATOR: 255,
} as const;

const STANDARD_ID = 'CD001';
const FIRST_DESCRIPTOR_SECTOR = 16;
/** More descriptors than any writer records; a set without terminator stops here. */
const MAX_DESCRIPTORS = 64;

/** Joliet's escape sequences (in the supplementary descriptor's escape field) and the level each names. */
const JOLIET_ESCAPES: ReadonlyArray<[string, 1 | 2 | 3]> = [
  ['%/@', 1],
  ['%/C', 2],
  ['%/E', 3],
];

const EL_TORITO_ID = 'EL TORITO SPECIFICATION';

/** Identifiers and dates common to the primary and supplementary descriptors. */
export interface VolumeIdentity {
  systemId: string;
  volumeId: string;
  volumeSetId: string;
  publisherId: string;
  preparerId: string;
  applicationId: string;
  copyrightFileId: string;
  abstractFileId: string;
  bibliographicFileId: string;
  created: DescriptorDate | null;
  modified: DescriptorDate | null;
  expires: DescriptorDate | null;
  effective: DescriptorDate | null;
}

export interface PrimaryDescriptor extends VolumeIdentity {
  /** Byte position of the descriptor. */
  position: number;
  /** Logical blocks in the volume. */
  volumeSpaceSize: number;
  volumeSetSize: number;
  volumeSequenceNumber: number;
  logicalBlockSize: number;
  pathTableSize: number;
  fileStructureVersion: number;
  root: DirectoryRecord;
  /** The recorded digits of the modification (else creation) date, for a volume id. */
  dateDigits: string | null;
}

export interface JolietDescriptor extends VolumeIdentity {
  position: number;
  level: 1 | 2 | 3;
  root: DirectoryRecord;
}

export interface DescriptorSet {
  primary: PrimaryDescriptor;
  joliet: JolietDescriptor | null;
  /** ISO 9660:1999 enhanced volume descriptor present (supplementary, version 2). */
  enhanced: boolean;
  /** Sector of the El Torito boot catalog, when a boot record names one. */
  bootCatalogSector: number | null;
}

/** Whether the sector looks like a volume descriptor (any type). */
function isDescriptor(b: Uint8Array): boolean {
  return latin1(b.subarray(1, 6)) === STANDARD_ID;
}

/** Cheap check for probing: a primary descriptor within the first few descriptors. */
export function findPrimary(source: BlockSource): Uint8Array | null {
  const b = new Uint8Array(SECTOR_SIZE);
  for (let i = 0; i < MAX_DESCRIPTORS; i++) {
    const position = (FIRST_DESCRIPTOR_SECTOR + i) * SECTOR_SIZE;
    if (position + SECTOR_SIZE > source.size) return null;
    source.read(b, position);
    if (!isDescriptor(b)) return null;
    if (b[0] === DESCRIPTOR_TYPE.PRIMARY) return b;
    if (b[0] === DESCRIPTOR_TYPE.TERMINATOR) return null;
  }
  return null;
}

function identity(b: Uint8Array, text: (o: number, n: number) => string): VolumeIdentity {
  return {
    systemId: text(8, 32),
    volumeId: text(40, 32),
    volumeSetId: text(190, 128),
    publisherId: text(318, 128),
    preparerId: text(446, 128),
    applicationId: text(574, 128),
    copyrightFileId: text(702, 37),
    abstractFileId: text(739, 37),
    bibliographicFileId: text(776, 37),
    created: descriptorDate(b, 813),
    modified: descriptorDate(b, 830),
    expires: descriptorDate(b, 847),
    effective: descriptorDate(b, 864),
  };
}

/** The root directory record held in a descriptor (34 bytes at offset 156). */
function rootRecord(b: Uint8Array, position: number): DirectoryRecord {
  const root = parseRecord(b, 156, position + 156, 'root directory record');
  if (root.length !== 34 || !isDirectoryRecord(root)) {
    throw corruptAt('root directory record', position + 156, 'is not a 34-byte directory record');
  }
  return root;
}

function parsePrimary(b: Uint8Array, position: number): PrimaryDescriptor {
  const where = 'primary volume descriptor';
  const logicalBlockSize = both16(b, 128, where, position + 128);
  // A power of two, at least 512 and at most the logical sector size.
  if (![512, 1024, 2048].includes(logicalBlockSize)) {
    throw corruptAt(where, position + 128, `logical block size ${logicalBlockSize} is not 512, 1024 or 2048`);
  }
  const modified = descriptorDigits(b, 830);
  return {
    ...identity(b, (o, n) => textField(b, o, n)),
    position,
    volumeSpaceSize: both32(b, 80, where, position + 80),
    volumeSetSize: both16(b, 120, where, position + 120),
    volumeSequenceNumber: both16(b, 124, where, position + 124),
    logicalBlockSize,
    pathTableSize: both32(b, 132, where, position + 132),
    fileStructureVersion: b[881]!,
    root: rootRecord(b, position),
    dateDigits: modified ?? descriptorDigits(b, 813),
  };
}

function jolietLevel(b: Uint8Array): 1 | 2 | 3 | null {
  const escapes = latin1(b.subarray(88, 120));
  for (const [sequence, level] of JOLIET_ESCAPES) if (escapes.includes(sequence)) return level;
  return null;
}

/** Read the descriptor set. Throws EINVAL when there is no primary descriptor. */
export function readDescriptors(source: BlockSource, warn: (m: string) => void): DescriptorSet {
  let primary: PrimaryDescriptor | null = null;
  let joliet: JolietDescriptor | null = null;
  let enhanced = false;
  let bootCatalogSector: number | null = null;
  let terminated = false;
  for (let i = 0; i < MAX_DESCRIPTORS && !terminated; i++) {
    const position = (FIRST_DESCRIPTOR_SECTOR + i) * SECTOR_SIZE;
    if (position + SECTOR_SIZE > source.size) break;
    const b = new Uint8Array(SECTOR_SIZE);
    source.read(b, position);
    if (!isDescriptor(b)) break;
    switch (b[0]) {
      case DESCRIPTOR_TYPE.PRIMARY:
        primary ??= parsePrimary(b, position);
        break;
      case DESCRIPTOR_TYPE.SUPPLEMENTARY: {
        if (b[6] === 2) {
          enhanced = true;
          break;
        }
        const level = jolietLevel(b);
        if (level !== null && joliet === null) {
          joliet = {
            ...identity(b, (o, n) => ucs2Field(b, o, n)),
            position,
            level,
            root: rootRecord(b, position),
          };
        }
        break;
      }
      case DESCRIPTOR_TYPE.BOOT_RECORD:
        if (textField(b, 7, 32) === EL_TORITO_ID) bootCatalogSector ??= le32(b, 71);
        break;
      case DESCRIPTOR_TYPE.TERMINATOR:
        terminated = true;
        break;
    }
  }
  if (!primary)
    throw corruptAt(
      'volume descriptor set',
      FIRST_DESCRIPTOR_SECTOR * SECTOR_SIZE,
      'no primary volume descriptor',
    );
  if (!terminated) warn('volume descriptor set has no terminator');
  if (primary.volumeSpaceSize * primary.logicalBlockSize > source.size) {
    warn(
      `volume claims ${primary.volumeSpaceSize} blocks of ${primary.logicalBlockSize} bytes but the image holds ${source.size} bytes`,
    );
  }
  return { primary, joliet, enhanced, bootCatalogSector };
}
