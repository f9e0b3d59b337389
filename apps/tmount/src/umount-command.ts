/**
 * `tumount`: unmount a tmount mount, named by its mount point or its image
 * (or lofi device). The lofi device the mount attached for itself goes with
 * it; a device attached by hand stays. A busy mount says so and stays mounted
 * unless -l (lazy: detached now, gone when no longer used) is given.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isProcessAlive, LofiTable, type MountEntry, MountTable } from '@x/lofi';
import { FuseBusyError, unmountFuse } from './fuse/index.js';
import { kernelMountAt } from './fuse/mountinfo.js';
import { CommandError, type CommandIo, UsageError } from './io.js';
import { FUSE_TYPE, sweepStaleMounts } from './stale.js';
import { removeAutoMountPoint } from './state.js';

export const TUMOUNT_USAGE = `usage: tumount [-l] MOUNT_POINT|SPECIAL ...
  -l   lazy: detach now, even if busy; the file system goes once nothing uses it
`;

/** How long the daemon gets to notice the unmount and clean up after itself. */
const DAEMON_EXIT_MS = 10_000;

async function waitForExit(m: MountEntry): Promise<boolean> {
  const until = Date.now() + DAEMON_EXIT_MS;
  while (isProcessAlive(m)) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

async function unmountOne(target: string, lazy: boolean, io: CommandIo): Promise<void> {
  const table = new MountTable();
  const entry = table.find(target);
  if (!entry) {
    // A mount of ours whose daemon and entry are gone: still take it off.
    const path = resolve(target);
    if (kernelMountAt(path)?.fstype === FUSE_TYPE) {
      await unmountFuse(path, { lazy: true });
      removeAutoMountPoint(path);
      return;
    }
    throw new CommandError(`${target}: not mounted`);
  }
  try {
    await unmountFuse(entry.mountPoint, { lazy });
  } catch (e) {
    if (e instanceof FuseBusyError)
      throw new CommandError(`${entry.mountPoint}: busy (a process is using it; -l detaches it lazily)`);
    throw e;
  }
  if (lazy) {
    // Detached, but its users may still read it: the daemon serves them until
    // the last one lets go, then cleans up after itself. The mount point is free now.
    if (table.find(entry.mountPoint)?.pid === entry.pid) table.remove(entry.mountPoint);
    removeAutoMountPoint(entry.mountPoint);
    return;
  }
  if (!(await waitForExit(entry))) {
    io.err(`tumount: the daemon serving ${entry.mountPoint} (pid ${entry.pid}) did not exit; stopping it\n`);
    process.kill(entry.pid, 'SIGTERM');
    await waitForExit(entry);
  }
  // The daemon normally does this itself; make sure, in case it could not.
  if (table.find(entry.mountPoint)?.pid === entry.pid) table.remove(entry.mountPoint);
  new LofiTable().list();
  removeAutoMountPoint(entry.mountPoint);
}

export async function tumountMain(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      lazy: { type: 'boolean', short: 'l' },
      force: { type: 'boolean', short: 'f' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(TUMOUNT_USAGE);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('name a mount point or an image');
  await sweepStaleMounts((l) => io.err(`tumount: ${l}\n`));
  let status = 0;
  for (const target of positionals) {
    try {
      await unmountOne(target, !!(values.lazy || values.force), io);
    } catch (e) {
      if (!(e instanceof CommandError)) throw e;
      io.err(`tumount: ${e.message}\n`);
      status = 1;
    }
  }
  return status;
}
