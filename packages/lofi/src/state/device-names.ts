/**
 * Device names: `/dev/lofi/N` for a whole file, `/dev/lofi/Np1` and
 * `/dev/lofi/Ns0` for the partitions and slices of a labelled one. They are
 * names in our own table; nothing is created under /dev. The raw-device
 * spelling `/dev/rlofi/…` of Solaris is accepted as the same device.
 */

export const LOFI_DEVICE_DIR = '/dev/lofi/';
/** Highest device number that can be asked for. */
export const MAX_LOFI_MINOR = 999_999;

export interface DeviceName {
  minor: number;
  /** `p1`, `s0` … for a partition or slice device. */
  partition?: string;
}

const PATTERN = /^\/dev\/r?lofi\/([1-9][0-9]{0,5})(p[1-9][0-9]{0,4}|s[0-9]{1,2})?$/;

/** Whether `name` is spelt as a lofi device (well-formed or not), rather than a file path. */
export function looksLikeDevice(name: string): boolean {
  return name.startsWith('/dev/lofi/') || name.startsWith('/dev/rlofi/');
}

export function parseDeviceName(name: string): DeviceName | undefined {
  const m = PATTERN.exec(name);
  if (!m) return undefined;
  const minor = Number(m[1]);
  return m[2] ? { minor, partition: m[2] } : { minor };
}

export function deviceName(minor: number, partition?: string): string {
  return `${LOFI_DEVICE_DIR}${minor}${partition ?? ''}`;
}
