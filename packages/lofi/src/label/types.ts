/** The result of reading a disk's partition tables. */
import type { LabelScheme } from '../errors.js';

export interface Partition {
  /** `p1`, `p5` for MBR and GPT partitions as Linux numbers them; `s0` … `s15` for slices. */
  name: string;
  /** The number in the name: slot + 1 for MBR primaries and GPT, 5 on for logicals, the slot for slices. */
  number: number;
  /** The table this entry comes from. */
  scheme: LabelScheme;
  /** Offset from the start of the image, in bytes. */
  start: number;
  /** Length in bytes. */
  size: number;
  /** `0x83` for MBR ids and slice tags, the lower-case type GUID for GPT. */
  type: string;
  /** What the type is called, or `unknown`. */
  typeName: string;
  /** MBR boot indicator 0x80, or GPT attribute bit 2 (legacy BIOS bootable). */
  bootable?: boolean;
  /** GPT partition name. */
  label?: string;
  /** GPT unique partition GUID; for MBR, Linux's PARTUUID (`<disk id>-<nn>`). */
  uuid?: string;
  /** VTOC / SMI slice tag. */
  tag?: number;
  /** VTOC / SMI slice flags (0x01 unmountable, 0x10 read-only). */
  flag?: number;
  /** The partition this one lies in: the extended partition of a logical, the fdisk partition of a slice. */
  container?: string;
  /** An MBR extended partition: it holds logical partitions, not a file system. */
  extended?: boolean;
  /** The VTOC / SMI backup slice (tag 5) that covers the whole disk or fdisk partition. */
  wholeDisk?: boolean;
  /** GPT attribute bits. */
  attributes?: bigint;
  /** Runs past the end of the image (only reported when reading with `beyondEnd: 'warn'`). */
  beyondEnd?: boolean;
}

export interface DiskLabel {
  /** The outermost table: a VTOC inside an fdisk partition makes an `mbr` label with slices. */
  scheme: 'mbr' | 'gpt' | 'smi' | 'none';
  /** Logical sector size the table is written in. */
  sectorSize: number;
  /** MBR disk signature (8 hex digits), GPT disk GUID; empty when the table has none. */
  diskId: string;
  /** Primaries, then logicals, then slices; GPT entries in slot order. */
  partitions: Partition[];
  /** Faults that left the rest readable: a GPT read from its backup, a VTOC that failed its checksum … */
  warnings: string[];
  /** SMI ASCII label or VTOC volume name, when there is one. */
  description?: string;
}

export interface LabelOptions {
  /**
   * An entry that runs past the end of the image is an error (`'error'`, the
   * default), or is kept with `beyondEnd: true` and a warning (`'warn'`, for
   * listing a truncated image; such an entry must still never be read).
   */
  beyondEnd?: 'error' | 'warn';
  /** Most extended boot records followed in one chain (default 1024). */
  maxEbrs?: number;
  /** Largest GPT partition-entry array read, in bytes (default 4 MiB). */
  maxGptEntryBytes?: number;
}

export const DEFAULT_MAX_EBRS = 1024;
export const DEFAULT_MAX_GPT_ENTRY_BYTES = 4 << 20;

/** The table sector every scheme here uses for its own bookkeeping. */
export const SECTOR = 512;
