/**
 * The x86-run command line:
 *
 *   x86-run [--stats] [--trace] [--cpuid PROFILE] [--memory SIZE] PROGRAM [ARGS...]
 *
 * Options come before PROGRAM; everything after it belongs to the program.
 * A program name without a slash is looked up in PATH, as execvp does. The
 * exit status is the program's, 128 + N when signal N killed it (with a line
 * on stderr saying why), 126 when it cannot be run, 127 when it is not
 * found, 2 for a usage error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Mmu, PhysicalMemory } from '@x/mmu';
import type { GuestCpu } from '../machine-interface.js';
import { isLinuxRunError } from './errors.js';
import { runLinuxProgram } from './run.js';

/** What the command needs from the engine (given by the bin, so the runtime does not import it). */
export interface X86RunEngine {
  createCpu(memory: PhysicalMemory, mmu: Mmu, cpuidProfile: string): GuestCpu;
  /** CPUID.1:EDX of a profile, undefined for a name the engine does not know. */
  hwcap(cpuidProfile: string): number | undefined;
  profiles: readonly string[];
}

export interface X86RunIo {
  stdin: number;
  stdout: number;
  stderr: number;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export const X86_RUN_USAGE = `Usage: x86-run [--stats] [--trace] [--cpuid PROFILE] [--memory SIZE] PROGRAM [ARGS...]

Runs a static x86-64 Linux program on the emulated CPU.
  --stats          print instructions, blocks translated, time, MIPS and unknown system calls
  --trace          print each system call, strace-style, to stderr
  --cpuid PROFILE  the CPUID the program sees (default baseline)
  --memory SIZE    guest RAM, e.g. 512M or 2G (default 1G)
`;

const EXIT_USAGE = 2;
const EXIT_CANNOT_EXECUTE = 126;
const EXIT_NOT_FOUND = 127;

class UsageError extends Error {}

interface Parsed {
  stats: boolean;
  trace: boolean;
  cpuid: string;
  memoryBytes: number;
  program: string;
  args: string[];
}

function parseSize(text: string): number {
  const m = /^(\d+)([KMG]?)i?B?$/i.exec(text);
  if (!m) throw new UsageError(`bad memory size: ${text}`);
  const unit = { '': 1, K: 1024, M: 1 << 20, G: 1 << 30 }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G'];
  const bytes = Number(m[1]) * unit;
  if (bytes < 1 << 20 || bytes % 4096 !== 0 || bytes > 4 * 2 ** 30 - 4096) {
    throw new UsageError(`memory size ${text} must be a multiple of 4 KiB between 1M and 4G - 4K`);
  }
  return bytes;
}

function parse(argv: readonly string[]): Parsed | 'help' {
  const out: Parsed = {
    stats: false,
    trace: false,
    cpuid: 'baseline',
    memoryBytes: 1 << 30,
    program: '',
    args: [],
  };
  let i = 0;
  const value = (name: string, inline: string | undefined) => {
    if (inline !== undefined) return inline;
    const v = argv[++i];
    if (v === undefined) throw new UsageError(`${name} needs a value`);
    return v;
  };
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    const [name, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg];
    switch (name) {
      case '--stats':
        out.stats = true;
        break;
      case '--trace':
        out.trace = true;
        break;
      case '--cpuid':
        out.cpuid = value(name, inline);
        break;
      case '--memory':
        out.memoryBytes = parseSize(value(name, inline));
        break;
      case '-h':
      case '--help':
        return 'help';
      default:
        throw new UsageError(`unknown option ${arg}`);
    }
  }
  const program = argv[i];
  if (program === undefined) throw new UsageError('no program given');
  out.program = program;
  out.args = argv.slice(i + 1);
  return out;
}

/**
 * execvp's search: a name with a slash is a path; otherwise the first
 * executable file of that name in PATH. `file` is where it is on the host,
 * `execfn` the name execvp would hand execve (AT_EXECFN): the name as given,
 * or the PATH entry joined with it.
 */
export function findProgram(
  name: string,
  env: NodeJS.ProcessEnv,
  cwd: string,
): { file: string; execfn: string } | undefined {
  if (name.includes('/')) return { file: path.resolve(cwd, name), execfn: name };
  for (const dir of (env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    const execfn = `${dir || '.'}/${name}`;
    const file = path.resolve(cwd, execfn);
    try {
      if (fs.statSync(file).isFile()) {
        fs.accessSync(file, fs.constants.X_OK);
        return { file, execfn };
      }
    } catch {}
  }
  return undefined;
}

function say(fd: number, text: string): void {
  try {
    fs.writeSync(fd, text);
  } catch {}
}

export function x86RunMain(argv: readonly string[], engine: X86RunEngine, io: X86RunIo): number {
  let parsed: Parsed | 'help';
  try {
    parsed = parse(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    say(io.stderr, `x86-run: ${e.message}\n${X86_RUN_USAGE}`);
    return EXIT_USAGE;
  }
  if (parsed === 'help') {
    say(io.stdout, X86_RUN_USAGE);
    return 0;
  }
  const options = parsed;
  const hwcap = engine.hwcap(options.cpuid);
  if (hwcap === undefined) {
    say(
      io.stderr,
      `x86-run: unknown CPUID profile ${options.cpuid} (known: ${engine.profiles.join(', ')})\n`,
    );
    return EXIT_USAGE;
  }
  const found = findProgram(options.program, io.env, io.cwd);
  if (found === undefined || !fs.existsSync(found.file)) {
    say(io.stderr, `x86-run: ${options.program}: not found\n`);
    return EXIT_NOT_FOUND;
  }
  try {
    const result = runLinuxProgram({
      path: found.file,
      execfn: found.execfn,
      argv: [options.program, ...options.args],
      env: Object.entries(io.env).map(([k, v]) => `${k}=${v ?? ''}`),
      stdin: io.stdin,
      stdout: io.stdout,
      stderr: io.stderr,
      cwd: io.cwd,
      createCpu: (memory, mmu) => engine.createCpu(memory, mmu, options.cpuid),
      memoryBytes: options.memoryBytes,
      cpuidProfile: options.cpuid,
      hwcap,
      stats: options.stats,
      trace: options.trace,
    });
    if (result.exit.kind === 'signal') {
      say(io.stderr, `x86-run: ${options.program} killed by ${result.exit.name} (${result.exit.detail})\n`);
    }
    return result.status;
  } catch (e) {
    if (!isLinuxRunError(e)) throw e;
    say(io.stderr, `x86-run: ${e.message}\n`);
    return EXIT_CANNOT_EXECUTE;
  }
}
