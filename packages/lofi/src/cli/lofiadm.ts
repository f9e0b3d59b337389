/**
 * tlofiadm: the command logic of Solaris lofiadm(1M) over our device table.
 *
 *   tlofiadm                          list the devices
 *   tlofiadm [-r|-w] [-l] -a FILE [DEVICE]
 *                                     attach (read-only unless -w; -l also makes
 *                                     a device of each partition and slice)
 *   tlofiadm [-f] -d FILE|DEVICE      detach (-f even if mounted)
 *   tlofiadm FILE | DEVICE            the device of a file, the file of a device
 *   tlofiadm -p FILE|DEVICE           print the partition table
 *
 * Exit status 0 on success, 1 when the operation fails, 2 for a usage error.
 */
import { parseArgs } from 'node:util';
import { FileByteReader } from '../byte-reader.js';
import { isLabelError, isLofiError } from '../errors.js';
import { readDiskLabel } from '../label/disk-label.js';
import { looksLikeDevice, parseDeviceName } from '../state/device-names.js';
import { LofiTable } from '../state/lofi-table.js';
import { formatDeviceList, formatPartitionDevices, formatPartitionTable } from './format.js';

export interface LofiadmIo {
  out: { write(text: string): unknown };
  err: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
}

const PROGRAM = 'tlofiadm';
const EXIT_OK = 0;
const EXIT_ERROR = 1;
const EXIT_USAGE = 2;

const USAGE = `Usage: ${PROGRAM} [-r | -w] [-l] -a file [device]
       ${PROGRAM} [-f] -d file | device
       ${PROGRAM} -p file | device
       ${PROGRAM} [file | device]
`;

class UsageError extends Error {}

interface Request {
  kind: 'list' | 'attach' | 'detach' | 'lookup' | 'print';
  target?: string;
  device?: string;
  readonly: boolean;
  labelled: boolean;
  force: boolean;
}

function parse(argv: string[]): Request {
  let parsed: ReturnType<typeof parseWith>;
  try {
    parsed = parseWith(argv);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values: v, positionals } = parsed;
  if (v.help) throw new UsageError('');
  const modes = [v.a !== undefined, v.d !== undefined, v.p === true].filter(Boolean).length;
  if (modes > 1) throw new UsageError('-a, -d and -p exclude each other');
  if ((v.w || v.r || v.l) && v.a === undefined) throw new UsageError('-r, -w and -l go with -a');
  if (v.w && v.r) throw new UsageError('-r and -w exclude each other');
  if (v.f && v.d === undefined) throw new UsageError('-f goes with -d');
  const base = { readonly: !v.w, labelled: v.l === true, force: v.f === true };
  if (v.a !== undefined) {
    if (positionals.length > 1) throw new UsageError('-a takes a file and at most one device');
    const request: Request = { kind: 'attach', target: v.a, ...base };
    if (positionals[0] !== undefined) request.device = positionals[0];
    return request;
  }
  if (v.d !== undefined) {
    if (positionals.length > 0) throw new UsageError('-d takes one file or device');
    return { kind: 'detach', target: v.d, ...base };
  }
  if (v.p) {
    if (positionals.length !== 1) throw new UsageError('-p takes one file or device');
    return { kind: 'print', target: positionals[0]!, ...base };
  }
  if (positionals.length > 1) throw new UsageError('too many arguments');
  return positionals.length === 0
    ? { kind: 'list', ...base }
    : { kind: 'lookup', target: positionals[0]!, ...base };
}

function parseWith(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      a: { type: 'string', short: 'a' },
      d: { type: 'string', short: 'd' },
      p: { type: 'boolean', short: 'p' },
      r: { type: 'boolean', short: 'r' },
      w: { type: 'boolean', short: 'w' },
      l: { type: 'boolean', short: 'l' },
      f: { type: 'boolean', short: 'f' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** A failure of the operation asked for (exit status 1), as opposed to a usage error. */
class OperationError extends Error {}

function checkDeviceName(name: string): void {
  if (!parseDeviceName(name)) throw new OperationError(`malformed device name ${name}`);
}

function run(request: Request, io: LofiadmIo): void {
  const table = new LofiTable({ env: io.env });
  const warn = (message: string) => io.err.write(`${PROGRAM}: warning: ${message}\n`);
  switch (request.kind) {
    case 'list':
      io.out.write(formatDeviceList(table.list()));
      return;
    case 'attach': {
      if (request.device !== undefined) checkDeviceName(request.device);
      const options: Parameters<LofiTable['attach']>[1] = {
        readonly: request.readonly,
        labelled: request.labelled,
        onWarning: warn,
      };
      if (request.device !== undefined) options.device = request.device;
      const d = table.attach(request.target!, options);
      io.out.write(`${d.device}\n${formatPartitionDevices(d.partitions)}`);
      return;
    }
    case 'detach':
      if (looksLikeDevice(request.target!)) checkDeviceName(request.target!);
      table.detach(request.target!, { force: request.force });
      return;
    case 'lookup': {
      const target = request.target!;
      if (looksLikeDevice(target)) {
        checkDeviceName(target);
        const resolved = table.resolveDevice(target);
        io.out.write(`${resolved.file}\n`);
        return;
      }
      const d = table.byFile(target);
      if (!d) throw new OperationError(`could not find device for ${target}`);
      io.out.write(`${d.device}\n`);
      return;
    }
    case 'print': {
      let file = request.target!;
      if (looksLikeDevice(file)) {
        checkDeviceName(file);
        const resolved = table.resolveDevice(file);
        if (resolved.partition) throw new UsageError(`-p takes a whole device, not ${file}`);
        file = resolved.file;
      }
      const reader = new FileByteReader(file);
      try {
        const label = readDiskLabel(reader, { beyondEnd: 'warn' });
        for (const w of label.warnings) warn(w);
        io.out.write(formatPartitionTable(request.target!, label));
      } finally {
        reader.close();
      }
      return;
    }
  }
}

/** Run tlofiadm with `argv` (without the program name); returns the exit status and never throws. */
export function lofiadmMain(argv: string[], io: Partial<LofiadmIo> = {}): number {
  const full: LofiadmIo = {
    out: io.out ?? process.stdout,
    err: io.err ?? process.stderr,
    env: io.env ?? process.env,
  };
  try {
    run(parse(argv), full);
    return EXIT_OK;
  } catch (e) {
    if (e instanceof UsageError) {
      if (!e.message) {
        full.out.write(USAGE);
        return EXIT_OK;
      }
      full.err.write(`${PROGRAM}: ${e.message}\n${USAGE}`);
      return EXIT_USAGE;
    }
    full.err.write(`${PROGRAM}: ${describe(e)}\n`);
    return EXIT_ERROR;
  }
}

function describe(e: unknown): string {
  if (isLabelError(e)) return `partition table: ${e.message}`;
  if (isLofiError(e) || e instanceof OperationError) return e.message;
  const sys = e as NodeJS.ErrnoException;
  if (sys && typeof sys.code === 'string' && typeof sys.path === 'string') {
    return `${sys.path}: ${sys.code === 'ENOENT' ? 'no such file or directory' : sys.message}`;
  }
  return e instanceof Error ? e.message : String(e);
}
