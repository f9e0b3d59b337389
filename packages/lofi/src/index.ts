/**
 * @x/lofi: file-backed block devices. Partition and slice tables (MBR with
 * logical partitions, GPT, Solaris x86 VTOC, SPARC SMI), a persistent device
 * table (`/dev/lofi/N`) and mount table, and the `tlofiadm` command logic.
 */
export { type ByteReader, FileByteReader, MemoryByteReader } from './byte-reader.js';
export { formatDeviceList, formatPartitionTable } from './cli/format.js';
export { type LofiadmIo, lofiadmMain } from './cli/lofiadm.js';
export {
  isLabelError,
  isLofiError,
  LabelError,
  type LabelErrorCode,
  type LabelScheme,
  LofiError,
  type LofiErrorCode,
} from './errors.js';
export { findPartition, readDiskLabel } from './label/disk-label.js';
export { type GptHeader, gptSectorSize, parseGpt } from './label/gpt.js';
export { GPT_ATTRIBUTE, GPT_TYPES, gptTypeName } from './label/gpt-types.js';
export { formatGuid } from './label/guid.js';
export {
  isMbrSector,
  isProtectiveMbr,
  type MbrEntry,
  type MbrOptions,
  mbrEntries,
  parseMbr,
} from './label/mbr.js';
export { MBR_EXTENDED_TYPES, MBR_TYPES, mbrTypeName } from './label/mbr-types.js';
export { isSmiSector, parseSmi, SMI_SLICES } from './label/smi.js';
export type { DiskLabel, LabelOptions, Partition } from './label/types.js';
export { parseVtoc, VTOC_LABEL_SECTOR, VTOC_MAX_SLICES, type VtocTable } from './label/vtoc.js';
export {
  DKL_MAGIC,
  VTOC_FLAG,
  VTOC_SANITY,
  VTOC_TAG_BACKUP,
  VTOC_TAGS,
  VTOC_VERSION,
  vtocTagName,
} from './label/vtoc-tags.js';
export { type DeviceName, deviceName, LOFI_DEVICE_DIR, parseDeviceName } from './state/device-names.js';
export { DEFAULT_LOCK_TIMEOUT_MS, StateLock } from './state/lock.js';
export { type AttachOptions, LofiTable, type ResolvedDevice } from './state/lofi-table.js';
export { formatMnttab, MountTable, type MountTableOptions, type NewMount } from './state/mount-table.js';
export {
  currentProcess,
  isProcessAlive,
  type ProcessIdentity,
  processIdentity,
} from './state/process-identity.js';
export type { LofiDevice, LofiOwner, LofiPartitionDevice, MountEntry } from './state/records.js';
export { ensureStateDirectory, stateDirectory } from './state/state-dir.js';
export { type StateOptions, StateStore } from './state/store.js';
