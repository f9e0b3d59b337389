/**
 * Mounts whose daemon died (killed, crashed, the machine's OOM killer): their
 * table entries go, their kernel mounts (which answer ENOTCONN) are detached
 * lazily, and the mount points tmount made are removed, so that nothing blocks
 * the next mount. Run before every tmount and tumount.
 */
import { LofiTable, type MountEntry, MountTable } from '@x/lofi';
import { unmountFuse } from './fuse/index.js';
import { kernelMountAt } from './fuse/mountinfo.js';
import { removeAutoMountPoint } from './state.js';

export const FUSE_TYPE = 'fuse.tmount';

/** Detach a kernel mount of ours that has no live daemon behind it. */
export async function clearKernelMount(mountPoint: string, log: (line: string) => void): Promise<void> {
  if (kernelMountAt(mountPoint)?.fstype !== FUSE_TYPE) return;
  try {
    await unmountFuse(mountPoint, { lazy: true });
  } catch (e) {
    log(`${mountPoint}: cannot detach the stale mount: ${(e as Error).message}`);
  }
}

export async function sweepStaleMounts(log: (line: string) => void): Promise<MountEntry[]> {
  const stale = new MountTable().sweep();
  for (const m of stale) {
    await clearKernelMount(m.mountPoint, log);
    removeAutoMountPoint(m.mountPoint);
  }
  // Reading the device table drops the devices owned by dead daemons.
  new LofiTable().list();
  return stale;
}
