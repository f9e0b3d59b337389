/**
 * The options of a campaign, their defaults, and what a campaign reports.
 */
import { resolve } from 'node:path';
import { FuzzError } from './errors.js';
import type { Finding } from './findings.js';

export interface FuzzOptions {
  /** Path of the target module (`.mjs` exporting `fuzz`). */
  target: string;
  /** Stop after this many executions. */
  runs?: number;
  /** Stop after this many seconds. With neither budget, run until `signal` aborts. */
  seconds?: number;
  /** Parallel workers (default 1). */
  jobs?: number;
  /** Read the starting corpus from, and write each newly kept input to, this directory. */
  corpusDir?: string;
  /** Save crashes and hangs here (nothing is saved without it). */
  crashesDir?: string;
  /** Largest input, in bytes (default: the largest seed, at least 4096). */
  maxLen?: number;
  /** An execution longer than this is a hang (default 1000 ms). */
  timeoutMs?: number;
  /** A worker's heap limit, and the array-buffer memory it may hold after a run, in MiB (default 512). */
  memoryLimitMb?: number;
  /** Seed of the mutation choices (default: random); one job and one seed repeat a campaign. */
  seed?: number;
  /** Keep inputs that reach new coverage (default true). False: mutate the seeds blindly, for comparison. */
  feedback?: boolean;
  /** Shrink each crashing input after the campaign. */
  minimize?: boolean;
  /** Executions each minimisation may spend (default 2000). */
  minimizeRuns?: number;
  /** End the campaign at the first crash or hang. */
  stopOnFinding?: boolean;
  /** How often to report progress (default 3000 ms). */
  statusIntervalMs?: number;
  /** Progress lines: periodic status, new findings, the final summary. */
  log?: (line: string) => void;
  /** Ends the campaign early, as a budget would. */
  signal?: AbortSignal;
}

export interface FuzzReport {
  /** Executions completed. */
  runs: number;
  seconds: number;
  execsPerSecond: number;
  corpusSize: number;
  /** Coverage features reached (0 without feedback). */
  features: number;
  crashes: Finding[];
  hangs: Finding[];
  /** Inputs written to the corpus directory in this campaign. */
  newCorpusFiles: number;
  /** Workers started again after a hang, an out-of-memory or a death. */
  workerRestarts: number;
  maxLen: number;
  seed: number;
  stoppedBy: 'runs' | 'seconds' | 'finding' | 'signal';
}

export interface ResolvedOptions {
  target: string;
  runs: number;
  seconds: number;
  jobs: number;
  corpusDir: string | undefined;
  crashesDir: string | undefined;
  maxLen: number | undefined;
  timeoutMs: number;
  memoryLimitMb: number;
  seed: number;
  feedback: boolean;
  minimize: boolean;
  minimizeRuns: number;
  stopOnFinding: boolean;
  statusIntervalMs: number;
  log: (line: string) => void;
  signal: AbortSignal | undefined;
}

function positive(name: string, value: number | undefined, fallback: number, integer = true): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new FuzzError(
      'EUSAGE',
      `${name} must be a positive ${integer ? 'integer' : 'number'}, not ${value}`,
    );
  }
  return value;
}

export function resolveOptions(options: FuzzOptions): ResolvedOptions {
  if (!options.target) throw new FuzzError('EUSAGE', 'no target module given');
  const seed = options.seed ?? Math.floor(Math.random() * 0x1_0000_0000);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 0x1_0000_0000) {
    throw new FuzzError('EUSAGE', `seed must be an integer in [0, 2^32), not ${seed}`);
  }
  return {
    target: resolve(options.target),
    runs: positive('runs', options.runs, Number.POSITIVE_INFINITY),
    seconds: positive('seconds', options.seconds, Number.POSITIVE_INFINITY, false),
    jobs: positive('jobs', options.jobs, 1),
    corpusDir: options.corpusDir === undefined ? undefined : resolve(options.corpusDir),
    crashesDir: options.crashesDir === undefined ? undefined : resolve(options.crashesDir),
    maxLen: options.maxLen === undefined ? undefined : positive('maxLen', options.maxLen, 0),
    timeoutMs: positive('timeoutMs', options.timeoutMs, 1000),
    memoryLimitMb: positive('memoryLimitMb', options.memoryLimitMb, 512),
    seed,
    feedback: options.feedback ?? true,
    minimize: options.minimize ?? false,
    minimizeRuns: positive('minimizeRuns', options.minimizeRuns, 2000),
    stopOnFinding: options.stopOnFinding ?? false,
    statusIntervalMs: positive('statusIntervalMs', options.statusIntervalMs, 3000),
    log: options.log ?? (() => {}),
    signal: options.signal,
  };
}
