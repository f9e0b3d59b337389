/**
 * One mount's life, as its daemon lives it: attach the image as a lofi device
 * (unless it came as one), mount FUSE, record the mount, serve it in worker
 * threads; when the kernel unmounts it, undo all of that. A step that fails
 * undoes the steps before it, so a failed mount leaves nothing behind.
 */
import { closeSync } from 'node:fs';
import { currentProcess, LofiTable, MountTable } from '@x/lofi';
import { mountFuse, type SessionEnd, serveFuse, unmountFuse } from './fuse/index.js';
import { PLUGIN_MODULES } from './plugins.js';
import type { MountSource } from './special.js';
import { removeAutoMountPoint } from './state.js';

export interface MountPlan {
  source: MountSource;
  /** Absolute. */
  mountPoint: string;
  /** The plugin's name, for the serving threads. */
  fstype: string;
  /** The type and options as the mount table shows them. */
  fstypeShown: string;
  optionsShown: string;
  pluginOptions: Record<string, string | true>;
  allowOther: boolean;
  noexec: boolean;
  /** Serving threads (undefined: the FUSE server's default). */
  threads?: number;
}

export interface ActiveMount {
  /** Settles when the file system is unmounted (or the session fails). */
  ended: Promise<SessionEnd>;
  /** Unmount lazily: the session then ends. */
  stop(): Promise<void>;
  /** Remove the table entry and the device this mount made. Idempotent. */
  cleanup(): void;
}

/** What a mount made, to be taken down in reverse. */
class Footprint {
  attachedDevice: string | undefined;
  fd: number | undefined;
  recorded = false;
  mounted = false;

  constructor(
    private readonly plan: MountPlan,
    private readonly log: (line: string) => void,
  ) {}

  private step(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.log(`cleanup: ${what}: ${(e as Error).message}`);
    }
  }

  async takeDown(): Promise<void> {
    if (this.mounted) {
      this.mounted = false;
      await unmountFuse(this.plan.mountPoint, { lazy: true }).catch((e: Error) =>
        this.log(`cleanup: unmount: ${e.message}`),
      );
    }
    this.release();
  }

  /** Everything but the kernel mount, which is gone already. */
  release(): void {
    const { mountPoint } = this.plan;
    if (this.fd !== undefined) {
      const fd = this.fd;
      this.fd = undefined;
      this.step('close', () => closeSync(fd));
    }
    if (this.recorded) {
      this.recorded = false;
      this.step('mount table', () => {
        const mounts = new MountTable();
        if (mounts.find(mountPoint)?.pid === process.pid) mounts.remove(mountPoint);
      });
    }
    if (this.attachedDevice) {
      const device = this.attachedDevice;
      this.attachedDevice = undefined;
      this.step('lofi', () => new LofiTable().detach(device, { force: true }));
    }
    removeAutoMountPoint(mountPoint);
  }
}

export async function startMount(plan: MountPlan, log: (line: string) => void): Promise<ActiveMount> {
  const made = new Footprint(plan, log);
  try {
    const lofi = new LofiTable();
    let device = plan.source.device ?? lofi.byFile(plan.source.file)?.device;
    if (!device) {
      const owner = { ...currentProcess(), mountPoint: plan.mountPoint };
      device = lofi.attach(plan.source.file, { readonly: true, owner }).device;
      made.attachedDevice = device;
    }
    made.fd = await mountFuse({
      mountPoint: plan.mountPoint,
      source: plan.source.special,
      allowOther: plan.allowOther,
      noexec: plan.noexec,
    });
    made.mounted = true;
    new MountTable().add({
      special: plan.source.special,
      mountPoint: plan.mountPoint,
      fstype: plan.fstypeShown,
      options: plan.optionsShown,
      device,
    });
    made.recorded = true;
    const server = await serveFuse({
      fd: made.fd,
      threads: plan.threads,
      spec: {
        image: plan.source.file,
        offset: plan.source.offset,
        size: plan.source.size,
        fstype: plan.fstype,
        options: plan.pluginOptions,
        pluginModules: [...PLUGIN_MODULES],
      },
      onLog: log,
    });
    return {
      ended: server.ended.finally(() => {
        made.mounted = false;
      }),
      stop: () => unmountFuse(plan.mountPoint, { lazy: true }),
      cleanup: () => made.release(),
    };
  } catch (e) {
    await made.takeDown();
    throw e;
  }
}
