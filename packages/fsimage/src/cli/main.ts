#!/usr/bin/env node
/**
 * `fsimage`: read file-system images without mounting them, like grub-fstest
 * but friendlier. Works without FUSE and without root, wherever Node runs.
 */
import { parseArgs } from 'node:util';
import { FileBlockSource } from '../block-source.js';
import { copyOut } from '../copy.js';
import { FsError, toFsError } from '../errors.js';
import { type FileSystem, joinPath } from '../filesystem.js';
import { openImage } from '../open.js';
import type { FsPlugin } from '../plugin.js';
import { type DirEntry, fileTypeOfMode, type Stat } from '../volume.js';
import { discoverPlugins } from './discover.js';
import { humanSize, longListing, statBlock } from './format.js';
import { parseImageSpec, parseOffset } from './image-spec.js';

const USAGE = `usage: fsimage [-F TYPE] [-o OFFSET | -p PART] COMMAND ...

commands:
  info IMG                   partition table, file-system type, label, size and format details
  ls [-l] [-R] IMG[:PATH]    list a directory (or name a file)
  cat IMG:PATH ...           write files to standard output
  cp [-r] IMG:PATH DEST      copy a file or a tree out, keeping symlinks and modes
  stat IMG:PATH              show an entry's attributes
  types                      list the file-system types the installed plugins read

options:
  -F, --type TYPE      file-system type (hsfs, iso9660, ufs, ext4, pcfs, zfs …) instead of probing
  -o, --offset OFFSET  where the file system starts in the image: bytes, or 2048s, 64k, 1M
  -p, --partition PART read partition or slice PART of a disk image (p1, p5, s0 …; see info)
  -l                   long listing          -R, -r   recursive
  -h, --help           this text
`;

class UsageError extends Error {}

interface Context {
  plugins: FsPlugin[];
  fstype: string | undefined;
  offset: number;
  partition: string | undefined;
  out: (chunk: string | Uint8Array) => Promise<void>;
  err: (text: string) => void;
}

function warner(ctx: Context): (message: string) => void {
  return (m) => ctx.err(`fsimage: warning: ${m}`);
}

/** Partition tables are read by @x/lofi, loaded only when a command needs one. */
const disk = () => import('./disk.js');

async function open(ctx: Context, image: string): Promise<FileSystem> {
  let range: { offset: number; size?: number } = { offset: ctx.offset };
  if (ctx.partition !== undefined) {
    const { partitionRange } = await disk();
    const source = new FileBlockSource(image);
    try {
      range = partitionRange(source, ctx.partition, warner(ctx));
    } finally {
      source.close();
    }
  }
  return openImage(image, { fstype: ctx.fstype, ...range, plugins: ctx.plugins, onWarning: warner(ctx) });
}

function table(rows: Array<[string, string]>, indent = ''): string {
  const width = Math.max(0, ...rows.map(([k]) => k.length)) + 1;
  return rows.map(([k, v]) => `${indent}${`${k}:`.padEnd(width)} ${v}`).join('\n');
}

/** The partition table of a disk image, with what each partition holds. */
async function partitionSection(ctx: Context, image: string): Promise<string | undefined> {
  if (ctx.offset !== 0 || ctx.partition !== undefined) return undefined;
  const { diskLabelOf, partitionContents } = await disk();
  const source = new FileBlockSource(image);
  try {
    const label = diskLabelOf(source, warner(ctx));
    if (!label) return undefined;
    const head = ['NAME', 'START', 'SIZE', 'TYPE', 'CONTENTS', 'LABEL'];
    const rows = label.partitions.map((p) => [
      p.name,
      String(p.start),
      String(p.size),
      p.typeName === 'unknown' ? p.type : p.typeName,
      partitionContents(source, p, ctx.plugins),
      p.label ?? '',
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) =>
      r
        .map((c, i) => (i === 1 || i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd();
    return [
      table([
        ['Partition table', label.scheme],
        ['Sector size', String(label.sectorSize)],
        ['Disk id', label.diskId || '-'],
      ]),
      '',
      line(head),
      ...rows.map(line),
    ].join('\n');
  } finally {
    source.close();
  }
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

async function cmdInfo(ctx: Context, args: string[]): Promise<number> {
  if (args.length !== 1) throw new UsageError('info takes one image');
  const { image } = parseImageSpec(args[0]!);
  const partitions = await partitionSection(ctx, image);
  let fs: FileSystem;
  try {
    fs = await open(ctx, image);
  } catch (e) {
    // A partitioned disk need not hold a file system of its own.
    if (partitions && ctx.fstype === undefined) {
      await ctx.out(`${partitions}\n`);
      return 0;
    }
    throw e;
  }
  try {
    const sf = fs.statfs();
    const rows: Array<[string, string]> = [
      ['Type', fs.fsType],
      ['Label', fs.label() ?? '-'],
      ['UUID', fs.uuid() ?? '-'],
      ['Size', humanSize(sf.blocks * sf.blockSize)],
      ['Block size', String(sf.blockSize)],
    ];
    const info = fs.info();
    rows.push(...info.rows);
    let text = table(rows);
    for (const section of info.sections ?? []) text += `\n\n${section.title}:\n${table(section.rows, '  ')}`;
    if (partitions) text += `\n\n${partitions}`;
    await ctx.out(`${text}\n`);
  } finally {
    fs.close();
  }
  return 0;
}

async function cmdLs(ctx: Context, args: string[], long: boolean, recursive: boolean): Promise<number> {
  if (args.length !== 1) throw new UsageError('ls takes one IMG[:PATH]');
  const { image, path } = parseImageSpec(args[0]!);
  const fs = await open(ctx, image);
  let status = 0;
  try {
    // Like ls: an entry that cannot be read is reported and the listing goes on.
    const format = (rows: Array<{ name: string; ino: number }>, dir: string): string[] => {
      if (!long) return rows.map((r) => r.name);
      const described: Array<{ name: string; stat: Stat; target: string | undefined }> = [];
      for (const r of rows) {
        try {
          const stat = fs.statInode(r.ino);
          const target = fileTypeOfMode(stat.mode) === 'symlink' ? fs.readlinkInode(r.ino) : undefined;
          described.push({ name: r.name, stat, target });
        } catch (e) {
          ctx.err(`fsimage: ${toFsError(e, { path: joinPath(dir, r.name) }).describe()}`);
          status = 1;
        }
      }
      return longListing(described);
    };
    // As ls does: a file operand is listed itself; a symlink to a directory is
    // followed unless -l asks about the link.
    const ino = fs.resolve(path, { follow: false });
    const kind = fileTypeOfMode(fs.statInode(ino).mode);
    if (kind !== 'dir' && !(kind === 'symlink' && !long && isDirTarget(fs, path))) {
      const lines = format([{ name: path, ino }], '/');
      if (lines.length) await ctx.out(`${lines.join('\n')}\n`);
      return status;
    }
    if (!recursive) {
      const lines = format(fs.readdir(path).sort(byName), path);
      if (lines.length) await ctx.out(`${lines.join('\n')}\n`);
      return status;
    }
    // ls -R: each directory's listing under a "path:" heading, parents first.
    const dirs: string[] = [path.startsWith('/') ? path : `/${path}`];
    let first = true;
    while (dirs.length > 0) {
      const dir = dirs.shift()!;
      let entries: DirEntry[];
      try {
        entries = fs.readdir(dir).sort(byName);
      } catch (e) {
        ctx.err(`fsimage: ${toFsError(e, { path: dir }).describe()}`);
        status = 1;
        continue;
      }
      const lines = format(entries, dir);
      await ctx.out(`${first ? '' : '\n'}${dir}:\n${lines.length ? `${lines.join('\n')}\n` : ''}`);
      first = false;
      const sub = entries
        .filter((e) => e.type === 'dir')
        .map((e) => (dir === '/' ? `/${e.name}` : `${dir}/${e.name}`));
      dirs.unshift(...sub);
    }
  } finally {
    fs.close();
  }
  return status;
}

function isDirTarget(fs: FileSystem, path: string): boolean {
  try {
    return fileTypeOfMode(fs.stat(path).mode) === 'dir';
  } catch {
    return false;
  }
}

async function cmdCat(ctx: Context, args: string[]): Promise<number> {
  if (args.length === 0) throw new UsageError('cat takes IMG:PATH ...');
  for (const arg of args) {
    const { image, path } = parseImageSpec(arg);
    const fs = await open(ctx, image);
    try {
      const ino = fs.resolve(path);
      const st = fs.statInode(ino);
      if (fileTypeOfMode(st.mode) === 'dir') throw new FsError('EISDIR', 'is a directory', { path });
      const chunk = 1 << 20;
      for (let pos = 0; pos < st.size; ) {
        const buf = new Uint8Array(Math.min(chunk, st.size - pos));
        const n = fs.read(ino, buf, pos);
        if (n <= 0) throw new FsError('EIO', `file ends at ${pos} of ${st.size} bytes`, { path });
        await ctx.out(buf.subarray(0, n));
        pos += n;
      }
    } finally {
      fs.close();
    }
  }
  return 0;
}

async function cmdCp(ctx: Context, args: string[], recursive: boolean): Promise<number> {
  if (args.length !== 2) throw new UsageError('cp takes IMG:PATH DEST');
  const { image, path } = parseImageSpec(args[0]!);
  const fs = await open(ctx, image);
  try {
    const report = copyOut(fs, path, args[1]!, recursive);
    for (const p of report.skipped) ctx.err(`fsimage: ${p}: special file not copied`);
  } finally {
    fs.close();
  }
  return 0;
}

async function cmdStat(ctx: Context, args: string[]): Promise<number> {
  if (args.length === 0) throw new UsageError('stat takes IMG:PATH ...');
  const blocks: string[] = [];
  for (const arg of args) {
    const { image, path } = parseImageSpec(arg);
    const fs = await open(ctx, image);
    try {
      const st = fs.lstat(path);
      blocks.push(statBlock(path, st, fileTypeOfMode(st.mode) === 'symlink' ? fs.readlink(path) : undefined));
    } finally {
      fs.close();
    }
  }
  await ctx.out(`${blocks.join('\n')}\n`);
  return 0;
}

async function cmdTypes(ctx: Context): Promise<number> {
  const lines = ctx.plugins.map(
    (p) => `${p.name.padEnd(10)} ${[...p.aliases].join(', ').padEnd(24)} ${p.description}`,
  );
  await ctx.out(lines.length ? `${lines.join('\n')}\n` : 'no file-system plugins installed\n');
  return 0;
}

function writer(stream: NodeJS.WriteStream): (chunk: string | Uint8Array) => Promise<void> {
  return (chunk) =>
    new Promise((resolve, reject) => {
      stream.write(chunk, (e) => (e ? reject(e) : resolve()));
    });
}

export async function main(argv: string[]): Promise<number> {
  const err = (text: string) => process.stderr.write(`${text}\n`);
  let parsed: ReturnType<typeof parse>;
  const parse = () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        type: { type: 'string', short: 'F' },
        offset: { type: 'string', short: 'o' },
        partition: { type: 'string', short: 'p' },
        long: { type: 'boolean', short: 'l' },
        recursive: { type: 'boolean', short: 'R' },
        r: { type: 'boolean', short: 'r' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  try {
    parsed = parse();
  } catch (e) {
    err(`fsimage: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  if (values.help || !command) {
    (values.help ? process.stdout : process.stderr).write(USAGE);
    return values.help ? 0 : 2;
  }
  try {
    const ctx: Context = {
      plugins: await discoverPlugins(),
      fstype: values.type,
      offset: values.offset === undefined ? 0 : parseOffset(values.offset),
      partition: values.partition,
      out: writer(process.stdout),
      err,
    };
    if (values.offset !== undefined && values.partition !== undefined) {
      throw new UsageError('-o and -p both say where the file system starts: give one');
    }
    const recursive = !!(values.recursive || values.r);
    switch (command) {
      case 'info':
        return await cmdInfo(ctx, args);
      case 'ls':
        return await cmdLs(ctx, args, !!values.long, recursive);
      case 'cat':
        return await cmdCat(ctx, args);
      case 'cp':
        return await cmdCp(ctx, args, recursive);
      case 'stat':
        return await cmdStat(ctx, args);
      case 'types':
        return await cmdTypes(ctx);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`fsimage: ${e.message}\n${USAGE}`);
      return 2;
    }
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') return 0;
    err(`fsimage: ${toFsError(e).describe()}`);
    return 1;
  }
}

// A reader that goes away (`fsimage cat … | head`) ends the command quietly, as with cat(1).
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`fsimage: internal error: ${(e as Error).stack}\n`);
    process.exitCode = 70;
  },
);
