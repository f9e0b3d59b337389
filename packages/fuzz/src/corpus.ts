/**
 * The corpus: the inputs kept because they reached something new, the
 * choice of which to mutate next, and the directory that carries them from
 * one campaign to the next (one file per input, named by the SHA-1 of its
 * bytes, as libFuzzer names them).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FuzzError } from './errors.js';
import type { Random } from './random.js';

export function sha1Of(data: Uint8Array): string {
  return createHash('sha1').update(data).digest('hex');
}

export interface CorpusEntry {
  readonly data: Uint8Array;
  readonly sha1: string;
  /** Features its own execution reached: how deep it goes. */
  readonly featureCount: number;
  /** Executions of mutants of this entry. */
  trials: number;
  /** Sum over those executions of 1 / (global hits of the rarest feature the mutant reached). */
  rareYield: number;
}

/** Weights are rebuilt after this many credits (and whenever an entry is added). */
const REWEIGH_EVERY = 64;

/**
 * The corpus. Which entry to mutate next: an entry's weight is the number of
 * features its own run reached (deeper inputs are worth more, as AFL scores
 * larger coverage higher) times a yield after the idea of libFuzzer's
 * entropic schedule: the mean over its mutants of 1 / (how many executions
 * so far reached the mutant's rarest feature), starting from one optimistic
 * trial. A new entry is tried at once; an entry whose mutants only meet
 * well-trodden code fades.
 */
export class Corpus {
  private readonly entries: CorpusEntry[] = [];
  private readonly hashes = new Set<string>();
  private cumulative: number[] = [];
  private creditsSinceReweigh = 0;

  get size(): number {
    return this.entries.length;
  }

  /** Add an input; null if the corpus already holds these bytes. */
  add(data: Uint8Array, featureCount: number): CorpusEntry | null {
    const sha1 = sha1Of(data);
    if (this.hashes.has(sha1)) return null;
    this.hashes.add(sha1);
    const entry: CorpusEntry = { data, sha1, featureCount, trials: 0, rareYield: 0 };
    this.entries.push(entry);
    this.cumulative = [];
    return entry;
  }

  /** Record one execution of a mutant of `entry`: `rarest` is its rarest feature's hit count (0: none). */
  credit(entry: CorpusEntry, rarest: number): void {
    entry.trials++;
    if (rarest > 0) entry.rareYield += 1 / rarest;
    if (++this.creditsSinceReweigh >= REWEIGH_EVERY) this.cumulative = [];
  }

  /** An entry to mutate, drawn by weight. */
  pick(rng: Random): CorpusEntry {
    if (this.cumulative.length !== this.entries.length) this.reweigh();
    const total = this.cumulative[this.cumulative.length - 1]!;
    const r = rng.fraction() * total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid]! <= r) lo = mid + 1;
      else hi = mid;
    }
    return this.entries[lo]!;
  }

  /** Any entry, uniformly: a splice partner. */
  any(rng: Random): CorpusEntry | undefined {
    return this.entries.length === 0 ? undefined : this.entries[rng.below(this.entries.length)];
  }

  private reweigh(): void {
    let sum = 0;
    this.cumulative = this.entries.map((e) => {
      sum += (Math.max(1, e.featureCount) * (1 + e.rareYield)) / (1 + e.trials);
      return sum;
    });
    this.creditsSinceReweigh = 0;
  }
}

/** Read every regular file of a corpus directory (created if missing). */
export function readCorpusDir(dir: string): Uint8Array[] {
  try {
    mkdirSync(dir, { recursive: true });
    const inputs: Uint8Array[] = [];
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith('.')) continue;
      const path = join(dir, name);
      if (statSync(path).isFile()) inputs.push(new Uint8Array(readFileSync(path)));
    }
    return inputs;
  } catch (e) {
    throw new FuzzError('EIO', `cannot read the corpus directory ${dir}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/** Write one input into a directory under its SHA-1 name; returns the path. */
export function writeInput(dir: string, name: string, data: Uint8Array): string {
  const path = join(dir, name);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path, data);
  } catch (e) {
    throw new FuzzError('EIO', `cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
  return path;
}
