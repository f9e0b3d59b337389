/** The records of the two tables, and how each is read back (and checked) from its JSON file. */
import { isAbsolute } from 'node:path';
import { deviceName, parseDeviceName } from './device-names.js';
import { field } from './store.js';

export const LOFI_FILE = 'lofi.json';
export const LOFI_KEY = 'devices';
export const MNTTAB_FILE = 'mnttab.json';
export const MNTTAB_KEY = 'mounts';

/** The mount that created a device: the device goes when that process is gone. */
export interface LofiOwner {
  pid: number;
  /** Start time of `pid` (see ProcessIdentity), so a reused pid does not count as alive. */
  startTime: number;
  mountPoint: string;
}

/** A partition or slice of a labelled device, as a device of its own. */
export interface LofiPartitionDevice {
  /** `/dev/lofi/3p1`, `/dev/lofi/3s0`. */
  device: string;
  /** `p1`, `s0`. */
  name: string;
  /** Byte offset in the file. */
  offset: number;
  /** Length in bytes. */
  size: number;
  type: string;
  typeName: string;
  label?: string;
  /** The VTOC / SMI backup slice that covers the whole disk or fdisk partition. */
  wholeDisk?: boolean;
}

export interface LofiDevice {
  /** `/dev/lofi/N`. */
  device: string;
  minor: number;
  /** Absolute real path of the file. */
  file: string;
  readonly: boolean;
  labelled: boolean;
  /** For a labelled device: its partitions and slices (extended containers excepted). */
  partitions: LofiPartitionDevice[];
  /** Set when a mount attached it; absent for devices attached by hand. */
  owner?: LofiOwner;
  /** Milliseconds since the epoch. */
  attachedAt: number;
}

/** One mounted file system, as /etc/mnttab lists it, plus the daemon that serves it. */
export interface MountEntry {
  /** What was mounted: an image file or a lofi device. */
  special: string;
  mountPoint: string;
  fstype: string;
  /** Comma-separated, as given to mount. */
  options: string;
  /** Seconds since the epoch. */
  time: number;
  /** The process serving the mount, and its start time. */
  pid: number;
  startTime: number;
  /** The lofi device the mount attached for itself, if any. */
  device?: string;
}

function readOwner(v: unknown): LofiOwner {
  const o = field.object(v, 'owner');
  return {
    pid: field.integer(o, 'pid', 1),
    startTime: field.integer(o, 'startTime'),
    mountPoint: field.string(o, 'mountPoint'),
  };
}

function readPartitionDevice(v: unknown, minor: number): LofiPartitionDevice {
  const o = field.object(v, 'partition');
  const name = field.string(o, 'name');
  const device = field.string(o, 'device');
  if (device !== deviceName(minor, name) || parseDeviceName(device)?.partition !== name) {
    throw new Error(`partition device ${device} does not match ${name} of minor ${minor}`);
  }
  const p: LofiPartitionDevice = {
    device,
    name,
    offset: field.integer(o, 'offset'),
    size: field.integer(o, 'size'),
    type: field.string(o, 'type'),
    typeName: field.string(o, 'typeName'),
  };
  const label = field.optionalString(o, 'label');
  if (label !== undefined) p.label = label;
  if (o['wholeDisk'] !== undefined) p.wholeDisk = field.boolean(o, 'wholeDisk');
  return p;
}

export function readLofiRecord(v: unknown): LofiDevice {
  const o = field.object(v, 'device');
  const minor = field.integer(o, 'minor', 1);
  const device = field.string(o, 'device');
  if (device !== deviceName(minor)) throw new Error(`device ${device} does not match minor ${minor}`);
  const file = field.string(o, 'file');
  if (!isAbsolute(file)) throw new Error(`file ${file} is not an absolute path`);
  if (!Array.isArray(o['partitions'])) throw new Error('partitions is not a list');
  const d: LofiDevice = {
    device,
    minor,
    file,
    readonly: field.boolean(o, 'readonly'),
    labelled: field.boolean(o, 'labelled'),
    partitions: o['partitions'].map((p) => readPartitionDevice(p, minor)),
    attachedAt: field.integer(o, 'attachedAt'),
  };
  if (o['owner'] !== undefined) d.owner = readOwner(o['owner']);
  return d;
}

export function readMountRecord(v: unknown): MountEntry {
  const o = field.object(v, 'mount');
  const m: MountEntry = {
    special: field.string(o, 'special'),
    mountPoint: field.string(o, 'mountPoint'),
    fstype: field.string(o, 'fstype'),
    options: field.string(o, 'options'),
    time: field.integer(o, 'time'),
    pid: field.integer(o, 'pid', 1),
    startTime: field.integer(o, 'startTime'),
  };
  if (!isAbsolute(m.mountPoint)) throw new Error(`mount point ${m.mountPoint} is not an absolute path`);
  const device = field.optionalString(o, 'device');
  if (device !== undefined) m.device = device;
  return m;
}
