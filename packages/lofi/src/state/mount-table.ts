/**
 * The mount table: what is mounted where, and which process serves it, in the
 * same state directory and under the same lock as the device table. An entry
 * whose daemon has died is removed on every read and reported, so the caller
 * can also clear the kernel's stale FUSE mount.
 */
import { resolve } from 'node:path';
import { LofiError } from '../errors.js';
import { currentProcess, isProcessAlive, processIdentity } from './process-identity.js';
import { MNTTAB_FILE, MNTTAB_KEY, type MountEntry, readMountRecord } from './records.js';
import { type StateOptions, StateStore } from './store.js';

export interface MountTableOptions extends StateOptions {
  /** Told about entries removed because their daemon is dead, each time some are. */
  onStale?: (stale: MountEntry[]) => void;
}

/** What `add` needs; time and the serving process default to now and this process. */
export type NewMount = Omit<MountEntry, 'time' | 'pid' | 'startTime'> & Partial<MountEntry>;

export class MountTable {
  readonly store: StateStore;
  private readonly onStale: ((stale: MountEntry[]) => void) | undefined;

  constructor(options: MountTableOptions | StateStore = {}) {
    if (options instanceof StateStore) {
      this.store = options;
      this.onStale = undefined;
    } else {
      this.store = new StateStore(options);
      this.onStale = options.onStale;
    }
  }

  /** Live entries, and the dead ones just removed. */
  private load(): { mounts: MountEntry[]; stale: MountEntry[] } {
    const all = this.store.readDocument(MNTTAB_FILE, MNTTAB_KEY, readMountRecord);
    const mounts: MountEntry[] = [];
    const stale: MountEntry[] = [];
    for (const m of all) (isProcessAlive(m) ? mounts : stale).push(m);
    if (stale.length > 0) {
      this.save(mounts);
      this.onStale?.(stale);
    }
    return { mounts, stale };
  }

  private save(mounts: MountEntry[]): void {
    this.store.writeDocument(MNTTAB_FILE, MNTTAB_KEY, mounts);
  }

  add(entry: NewMount): MountEntry {
    const server = entry.pid === undefined ? currentProcess() : processIdentity(entry.pid);
    if (!server)
      throw new LofiError('EINVAL', `process ${entry.pid} serving ${entry.mountPoint} is not running`);
    const m: MountEntry = {
      special: entry.special,
      mountPoint: resolve(entry.mountPoint),
      fstype: entry.fstype,
      options: entry.options,
      time: entry.time ?? Math.floor(Date.now() / 1000),
      pid: server.pid,
      startTime: entry.startTime ?? server.startTime,
    };
    if (entry.device !== undefined) m.device = entry.device;
    return this.store.transaction(() => {
      const { mounts } = this.load();
      const busy = mounts.find((x) => x.mountPoint === m.mountPoint);
      if (busy) throw new LofiError('EBUSY', `${m.mountPoint} is already a mount point (${busy.special})`);
      mounts.push(m);
      this.save(mounts);
      return m;
    });
  }

  /** Remove the entry for a mount point or, failing that, the latest mount of a special. */
  remove(specialOrMountPoint: string): MountEntry {
    return this.store.transaction(() => {
      const { mounts } = this.load();
      const m = pick(mounts, specialOrMountPoint);
      if (!m) throw new LofiError('ENOENT', `${specialOrMountPoint} is not mounted`);
      this.save(mounts.filter((x) => x !== m));
      return m;
    });
  }

  list(): MountEntry[] {
    return this.store.transaction(() => this.load().mounts);
  }

  find(specialOrMountPoint: string): MountEntry | undefined {
    return pick(this.list(), specialOrMountPoint);
  }

  /** Remove the entries whose daemon is dead and return them. */
  sweep(): MountEntry[] {
    return this.store.transaction(() => this.load().stale);
  }
}

function pick(mounts: MountEntry[], specialOrMountPoint: string): MountEntry | undefined {
  const path = resolve(specialOrMountPoint);
  const byMountPoint = mounts.find((m) => m.mountPoint === path);
  if (byMountPoint) return byMountPoint;
  return mounts.findLast((m) => m.special === specialOrMountPoint || m.special === path);
}

/** The table in the format of /etc/mnttab: special, mount point, type, options, time, tab-separated. */
export function formatMnttab(mounts: readonly MountEntry[]): string {
  return mounts
    .map((m) => `${[m.special, m.mountPoint, m.fstype, m.options || '-', String(m.time)].join('\t')}\n`)
    .join('');
}
