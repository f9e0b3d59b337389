/**
 * What the kernel has mounted, from /proc/self/mountinfo: which device number
 * a mount has (to set its readahead), and whether a mount point holds one of
 * ours whose server is gone.
 */
import { readFileSync } from 'node:fs';

export interface KernelMount {
  /** `major:minor` of the mounted file system. */
  device: string;
  mountPoint: string;
  fstype: string;
  source: string;
  options: string;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescapeField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

export function parseMountInfo(text: string): KernelMount[] {
  const mounts: KernelMount[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const fields = line.split(' ');
    const sep = fields.indexOf('-', 6);
    if (sep < 0 || fields.length < sep + 3) continue;
    mounts.push({
      device: fields[2]!,
      mountPoint: unescapeField(fields[4]!),
      options: fields[5]!,
      fstype: fields[sep + 1]!,
      source: unescapeField(fields[sep + 2]!),
    });
  }
  return mounts;
}

export function kernelMounts(): KernelMount[] {
  try {
    return parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8'));
  } catch {
    return [];
  }
}

/** The topmost kernel mount at `mountPoint`, if any. */
export function kernelMountAt(mountPoint: string): KernelMount | undefined {
  return kernelMounts()
    .filter((m) => m.mountPoint === mountPoint)
    .pop();
}
