/**
 * The device table: which file is `/dev/lofi/N`, read-only or not, labelled
 * or not. It survives restarts (a JSON file in the state directory) and is
 * safe against other processes (every operation holds the state lock).
 * Entries a mount created go away when that mount's process is gone; entries
 * attached by hand stay until detached.
 */
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { FileByteReader } from '../byte-reader.js';
import { LofiError } from '../errors.js';
import { readDiskLabel } from '../label/disk-label.js';
import {
  deviceName,
  LOFI_DEVICE_DIR,
  looksLikeDevice,
  MAX_LOFI_MINOR,
  parseDeviceName,
} from './device-names.js';
import { isProcessAlive } from './process-identity.js';
import {
  LOFI_FILE,
  LOFI_KEY,
  type LofiDevice,
  type LofiOwner,
  type LofiPartitionDevice,
  MNTTAB_FILE,
  MNTTAB_KEY,
  type MountEntry,
  readLofiRecord,
  readMountRecord,
} from './records.js';
import { type StateOptions, StateStore } from './store.js';

export interface AttachOptions {
  /** Read-only (the default, as with `lofiadm -r`); false for `-w`. */
  readonly?: boolean;
  /** Read the partition table and make a device of each partition and slice. */
  labelled?: boolean;
  /** Ask for this device (`/dev/lofi/N`) instead of the lowest free one. */
  device?: string;
  /** The mount that attaches it: the entry is dropped when this process is gone. */
  owner?: LofiOwner;
  /** Told about faults in the partition table that left the rest readable. */
  onWarning?: (message: string) => void;
}

/** Where a device's bytes are: what a mount needs to read `/dev/lofi/3s0`. */
export interface ResolvedDevice {
  /** The name as asked for, normalised to `/dev/lofi/…`. */
  device: string;
  file: string;
  /** Byte offset of the device in the file. */
  offset: number;
  /** Length in bytes (for a whole device: the file's size now). */
  size: number;
  readonly: boolean;
  /** `p1`, `s0` … for a partition or slice device. */
  partition?: string;
}

interface FileCheck {
  path: string;
  size: number;
}

/** The file as the table records it: its real absolute path, checked usable. */
function checkFile(file: string, writable: boolean): FileCheck {
  let path: string;
  try {
    path = realpathSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new LofiError(
      code === 'EACCES' ? 'EACCES' : 'ENOENT',
      `${file}: ${code === 'EACCES' ? 'permission denied' : 'no such file'}`,
      { cause: e },
    );
  }
  const st = statSync(path);
  if (!st.isFile() && !st.isBlockDevice()) {
    throw new LofiError('EINVAL', `${file} is not a regular file or block device`);
  }
  try {
    accessSync(path, writable ? constants.R_OK | constants.W_OK : constants.R_OK);
  } catch (e) {
    throw new LofiError(
      'EACCES',
      `${file}: cannot open for ${writable ? 'reading and writing' : 'reading'}`,
      {
        cause: e,
      },
    );
  }
  return { path, size: st.size };
}

/** The partitions and slices a labelled device exposes (extended containers hold no data of their own). */
function partitionDevices(
  path: string,
  onWarning?: (message: string) => void,
): Omit<LofiPartitionDevice, 'device'>[] {
  const reader = new FileByteReader(path);
  try {
    const label = readDiskLabel(reader);
    for (const w of label.warnings) onWarning?.(w);
    return label.partitions
      .filter((p) => !p.extended)
      .map((p) => {
        const d: Omit<LofiPartitionDevice, 'device'> = {
          name: p.name,
          offset: p.start,
          size: p.size,
          type: p.type,
          typeName: p.typeName,
        };
        if (p.label) d.label = p.label;
        if (p.wholeDisk) d.wholeDisk = true;
        return d;
      });
  } finally {
    reader.close();
  }
}

function parseWholeDevice(name: string): number {
  const parsed = parseDeviceName(name) ?? parseDeviceName(`${LOFI_DEVICE_DIR}${name}`);
  if (!parsed) throw new LofiError('EINVAL', `malformed device name ${name}`);
  if (parsed.partition) {
    throw new LofiError(
      'EINVAL',
      `${name} is a partition device; name the whole device /dev/lofi/${parsed.minor}`,
    );
  }
  if (parsed.minor > MAX_LOFI_MINOR)
    throw new LofiError('EINVAL', `device number ${parsed.minor} is too large`);
  return parsed.minor;
}

export class LofiTable {
  readonly store: StateStore;

  constructor(options: StateOptions | StateStore = {}) {
    this.store = options instanceof StateStore ? options : new StateStore(options);
  }

  /**
   * The live entries. Entries whose owning mount process is dead are dropped
   * (and the file rewritten) on every read.
   */
  private load(): LofiDevice[] {
    const all = this.store.readDocument(LOFI_FILE, LOFI_KEY, readLofiRecord);
    const live = all.filter((d) => !d.owner || isProcessAlive(d.owner));
    if (live.length !== all.length) this.save(live);
    return live;
  }

  private save(devices: LofiDevice[]): void {
    this.store.writeDocument(
      LOFI_FILE,
      LOFI_KEY,
      [...devices].sort((a, b) => a.minor - b.minor),
    );
  }

  attach(file: string, options: AttachOptions = {}): LofiDevice {
    const readonly = options.readonly ?? true;
    const checked = checkFile(file, !readonly);
    const wanted = options.device === undefined ? undefined : parseWholeDevice(options.device);
    // Reading the label may take a while: do it before taking the lock.
    const partitions = options.labelled ? partitionDevices(checked.path, options.onWarning) : [];
    return this.store.transaction(() => {
      const devices = this.load();
      const existing = devices.find((d) => d.file === checked.path);
      if (existing) throw new LofiError('EBUSY', `${checked.path} is already attached as ${existing.device}`);
      let minor: number;
      if (wanted !== undefined) {
        const taken = devices.find((d) => d.minor === wanted);
        if (taken) throw new LofiError('EBUSY', `${taken.device} is already in use for ${taken.file}`);
        minor = wanted;
      } else {
        const used = new Set(devices.map((d) => d.minor));
        minor = 1;
        while (used.has(minor)) minor++;
      }
      const entry: LofiDevice = {
        device: deviceName(minor),
        minor,
        file: checked.path,
        readonly,
        labelled: options.labelled ?? false,
        partitions: partitions.map((p) => ({ device: deviceName(minor, p.name), ...p })),
        attachedAt: Date.now(),
      };
      if (options.owner) entry.owner = { ...options.owner, mountPoint: resolve(options.owner.mountPoint) };
      devices.push(entry);
      this.save(devices);
      return entry;
    });
  }

  /**
   * Detach by file or by whole-device name. A device a live mount still uses
   * is busy unless `force` is given.
   */
  detach(fileOrDevice: string, options: { force?: boolean } = {}): LofiDevice {
    return this.store.transaction(() => {
      const devices = this.load();
      const entry = this.find(devices, fileOrDevice);
      if (!options.force) {
        // Mount entries of dead daemons are the mount table's to report and clear; only live ones count here.
        const mount = this.store
          .readDocument(MNTTAB_FILE, MNTTAB_KEY, readMountRecord)
          .find((m) => isProcessAlive(m) && mountUses(m, entry.minor));
        if (mount) {
          throw new LofiError(
            'EBUSY',
            `${entry.device} is busy: ${mount.special} is mounted on ${mount.mountPoint}`,
          );
        }
      }
      this.save(devices.filter((d) => d !== entry));
      return entry;
    });
  }

  list(): LofiDevice[] {
    return this.store.transaction(() => this.load());
  }

  /** The device a file is attached as. */
  byFile(path: string): LofiDevice | undefined {
    const wanted = realPathOrResolved(path);
    return this.list().find((d) => d.file === wanted);
  }

  /** The device entry for `/dev/lofi/N`, or for the whole device of `/dev/lofi/Np1`. */
  byDevice(name: string): LofiDevice | undefined {
    const parsed = parseDeviceName(name);
    if (!parsed) return undefined;
    return this.list().find((d) => d.minor === parsed.minor);
  }

  /** File, offset, size and mode of a whole device or of one of its partitions or slices. */
  resolveDevice(name: string): ResolvedDevice {
    const parsed = parseDeviceName(name);
    if (!parsed) throw new LofiError('EINVAL', `malformed device name ${name}`);
    const entry = this.list().find((d) => d.minor === parsed.minor);
    if (!entry) throw new LofiError('ENOENT', `${deviceName(parsed.minor)}: no such lofi device`);
    let size: number;
    try {
      size = statSync(entry.file).size;
    } catch (e) {
      throw new LofiError('ENOENT', `${entry.device}: its file ${entry.file} is gone`, { cause: e });
    }
    if (!parsed.partition) {
      return { device: entry.device, file: entry.file, offset: 0, size, readonly: entry.readonly };
    }
    const device = deviceName(parsed.minor, parsed.partition);
    if (!entry.labelled) {
      throw new LofiError('ENOENT', `${device}: ${entry.device} was not attached labelled (-l)`);
    }
    const part = entry.partitions.find((p) => p.name === parsed.partition);
    if (!part)
      throw new LofiError('ENOENT', `${device}: ${entry.device} has no partition ${parsed.partition}`);
    if (part.offset + part.size > size) {
      throw new LofiError(
        'ENXIO',
        `${device} (bytes ${part.offset}..${part.offset + part.size}) is past the end of ${entry.file} (${size} bytes) now`,
      );
    }
    return {
      device,
      file: entry.file,
      offset: part.offset,
      size: part.size,
      readonly: entry.readonly,
      partition: part.name,
    };
  }

  /** The entry named by a device name or a file path; ENOENT (or EINVAL) if there is none. */
  private find(devices: LofiDevice[], fileOrDevice: string): LofiDevice {
    if (looksLikeDevice(fileOrDevice)) {
      const minor = parseWholeDevice(fileOrDevice);
      const entry = devices.find((d) => d.minor === minor);
      if (!entry) throw new LofiError('ENOENT', `${fileOrDevice}: no such lofi device`);
      return entry;
    }
    const path = realPathOrResolved(fileOrDevice);
    const entry = devices.find((d) => d.file === path);
    if (!entry) throw new LofiError('ENOENT', `${fileOrDevice} is not attached`);
    return entry;
  }
}

/** Whether a mount reads the device `minor` or one of its partitions. */
function mountUses(m: MountEntry, minor: number): boolean {
  return [m.device, m.special].some((name) => name !== undefined && parseDeviceName(name)?.minor === minor);
}

/** The real path of a file that exists; for one that is gone, the absolute path as written. */
function realPathOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}
