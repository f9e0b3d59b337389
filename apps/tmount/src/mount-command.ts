/**
 * `tmount`: mount an image file on a directory, read-only, through FUSE.
 *
 *   tmount                                   the mount table, as /etc/mnttab
 *   tmount [-F TYPE | -t TYPE] [-o OPTS] [-f] SPECIAL [MOUNT_POINT]
 *
 * SPECIAL is an image file (relative paths are fine) or a lofi device
 * (/dev/lofi/3, /dev/lofi/3s0). Without -F the type is probed; without a mount
 * point one is made under the state directory and printed.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import {
  FileBlockSource,
  type FileSystem,
  isFsError,
  openImage,
  probeAll,
  SliceBlockSource,
} from '@x/fsimage';
import { formatMnttab, LofiTable, MountTable, readDiskLabel } from '@x/lofi';
import { type DaemonReport, runDaemon } from './daemon-main.js';
import { FS_TYPE_NAMES, pluginForType } from './fstypes.js';
import { kernelMountAt } from './fuse/mountinfo.js';
import { CommandError, type CommandIo, UsageError } from './io.js';
import { type MountRequestOptions, parseMountOptions } from './mount-options.js';
import type { MountPlan } from './mount-service.js';
import { PLUGINS } from './plugins.js';
import { type MountSource, resolveSpecial } from './special.js';
import { clearKernelMount, FUSE_TYPE, sweepStaleMounts } from './stale.js';
import { logFile, makeAutoMountPoint, removeAutoMountPoint } from './state.js';

export const TMOUNT_USAGE = `usage: tmount [-F TYPE | -t TYPE] [-o OPTIONS] [-f] SPECIAL [MOUNT_POINT]
       tmount                   print the mount table

  SPECIAL        an image file, or a lofi device (/dev/lofi/N, /dev/lofi/Ns0 …)
  MOUNT_POINT    an empty directory; without one, tmount makes one and prints it
  -F, -t TYPE    hsfs (iso9660) …; probed when not given
  -o OPTIONS     ro, loop, offset=BYTES, sizelimit=BYTES, part=p1|s0, allow_other,
                 noexec, threads=N, and the file system's own (norock, nojoliet, map=off …)
  -f             stay in the foreground and serve until unmounted
  -r             read-only (always so)
`;

/** How long tmount waits for its daemon to report the mount. */
const DAEMON_TIMEOUT_MS = 60_000;

interface Chosen {
  source: MountSource;
  fstype: string;
  fstypeShown: string;
}

function shownType(pluginName: string, variant: string, typed: string | undefined): string {
  if (typed) return typed.toLowerCase();
  if (variant !== pluginName) return variant;
  return FS_TYPE_NAMES.find((t) => t.plugin === pluginName)?.names[0] ?? pluginName;
}

/** Open the image in this process once: the type is settled and a bad image is reported here, not in the daemon. */
function tryOpen(source: MountSource, fstype: string | undefined, options: MountRequestOptions): FileSystem {
  return openImage(source.file, {
    offset: source.offset,
    size: source.size,
    fstype,
    options: options.plugin,
    plugins: PLUGINS,
  });
}

/** A disk image with no file system of its own: the one partition that has a known one. */
function onlyFileSystemPartition(source: MountSource, io: CommandIo): MountSource | undefined {
  const disk = new FileBlockSource(source.file);
  try {
    let label: ReturnType<typeof readDiskLabel>;
    try {
      label = readDiskLabel(disk);
    } catch {
      return undefined;
    }
    const found = label.partitions
      .filter((p) => !p.extended && !p.wholeDisk)
      .map((p) => ({ p, match: probeAll(new SliceBlockSource(disk, p.start, p.size), PLUGINS)[0] }))
      .filter((x) => x.match);
    if (found.length === 0) return undefined;
    if (found.length > 1) {
      const list = found.map((x) => `${x.p.name} (${x.match!.plugin.name})`).join(', ');
      throw new CommandError(
        `${source.special} is a disk with several file systems: ${list}; choose one with -o part=NAME`,
      );
    }
    const { p, match } = found[0]!;
    io.err(`tmount: ${source.special}: mounting partition ${p.name} (${match!.plugin.name})\n`);
    return { ...source, offset: p.start, size: p.size };
  } finally {
    disk.close();
  }
}

function choose(
  special: string,
  typed: string | undefined,
  options: MountRequestOptions,
  io: CommandIo,
): Chosen {
  const source = resolveSpecial(special, options, new LofiTable());
  if (typed !== undefined) pluginForType(typed, PLUGINS);
  const whole = options.offset === undefined && options.part === undefined && !source.device;
  let fs: FileSystem;
  let chosen = source;
  try {
    fs = tryOpen(source, typed, options);
  } catch (e) {
    const other = whole && isFsError(e, 'EINVAL') ? onlyFileSystemPartition(source, io) : undefined;
    if (!other) throw e;
    chosen = other;
    fs = tryOpen(chosen, typed, options);
  }
  try {
    return {
      source: chosen,
      fstype: fs.volume.fsType,
      fstypeShown: shownType(fs.volume.fsType, fs.fsType, typed),
    };
  } finally {
    fs.close();
  }
}

function mountPointFor(arg: string | undefined, image: string): { path: string; auto: boolean } {
  if (arg === undefined) return { path: makeAutoMountPoint(image), auto: true };
  const path = resolve(arg);
  if (!existsSync(path)) throw new CommandError(`${arg}: mount point does not exist`);
  if (!statSync(path).isDirectory()) throw new CommandError(`${arg}: mount point is not a directory`);
  return { path, auto: false };
}

/** Start the detached daemon and wait for its word. */
function startDaemon(plan: MountPlan): Promise<DaemonReport> {
  const script = new URL('./daemon.js', import.meta.url);
  const child = spawn(process.execPath, [script.pathname, JSON.stringify(plan)], {
    detached: true,
    cwd: '/',
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
  });
  const pipe = child.stdio[3] as Readable;
  return new Promise((done) => {
    let text = '';
    const finish = (r: DaemonReport) => {
      clearTimeout(timer);
      pipe.destroy();
      child.unref();
      done(r);
    };
    const timer = setTimeout(
      () => finish({ ok: false, error: `the mount daemon did not answer in ${DAEMON_TIMEOUT_MS / 1000} s` }),
      DAEMON_TIMEOUT_MS,
    );
    pipe.setEncoding('utf8');
    pipe.on('data', (s: string) => {
      text += s;
      const nl = text.indexOf('\n');
      if (nl >= 0) finish(JSON.parse(text.slice(0, nl)) as DaemonReport);
    });
    pipe.on('error', () => {});
    child.on('exit', (code) =>
      finish({ ok: false, error: `the mount daemon exited (status ${code}) before mounting` }),
    );
  });
}

function lastLogLines(n: number): string {
  try {
    return readFileSync(logFile(), 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '';
  }
}

async function mount(
  positionals: string[],
  typed: string | undefined,
  optionLists: string[],
  foreground: boolean,
  io: CommandIo,
): Promise<number> {
  const [special, mountPointArg] = positionals;
  const options = parseMountOptions(optionLists);
  const { source, fstype, fstypeShown } = choose(special!, typed, options, io);
  const mp = mountPointFor(mountPointArg, source.file);
  try {
    const already = new MountTable().find(mp.path);
    if (already && already.mountPoint === mp.path) {
      throw new CommandError(`${mp.path} is already a mount point (${already.special})`);
    }
    // A kernel mount of ours with no table entry is left over from a dead daemon.
    if (kernelMountAt(mp.path)?.fstype === FUSE_TYPE)
      await clearKernelMount(mp.path, (l) => io.err(`tmount: ${l}\n`));
    const plan: MountPlan = {
      source,
      mountPoint: mp.path,
      fstype,
      fstypeShown,
      optionsShown: options.display,
      pluginOptions: options.plugin,
      allowOther: options.allowOther ?? process.getuid?.() === 0,
      noexec: options.noexec,
      threads: options.threads,
    };
    if (foreground || options.foreground) {
      const log = (line: string) => io.err(`tmount: ${line}\n`);
      const report = (r: DaemonReport) => {
        if (r.ok) io.out(`${mp.path}\n`);
      };
      return await runDaemon(plan, report, log);
    }
    const report = await startDaemon(plan);
    if (!report.ok) {
      const tail = lastLogLines(3);
      throw new CommandError(
        `${report.error ?? 'mount failed'}${tail ? `\n(log ${logFile()}):\n${tail}` : ''}`,
      );
    }
    if (mp.auto) io.out(`${mp.path}\n`);
    return 0;
  } catch (e) {
    if (mp.auto) removeAutoMountPoint(mp.path);
    throw e;
  }
}

export async function tmountMain(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      type: { type: 'string', short: 'F' },
      t: { type: 'string', short: 't' },
      options: { type: 'string', short: 'o', multiple: true },
      readonly: { type: 'boolean', short: 'r' },
      foreground: { type: 'boolean', short: 'f' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(TMOUNT_USAGE);
    return 0;
  }
  if (values.type !== undefined && values.t !== undefined && values.type !== values.t) {
    throw new UsageError('-F and -t name different types');
  }
  await sweepStaleMounts((l) => io.err(`tmount: ${l}\n`));
  if (positionals.length === 0) {
    io.out(formatMnttab(new MountTable().list()));
    return 0;
  }
  if (positionals.length > 2) throw new UsageError('too many operands');
  return mount(positionals, values.type ?? values.t, values.options ?? [], !!values.foreground, io);
}
