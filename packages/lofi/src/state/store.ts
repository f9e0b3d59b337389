/**
 * The state directory and its one lock. Tables read and write their JSON
 * documents inside a transaction; a document that is not what this package
 * writes is reported (ECORRUPT) and left untouched for the user to look at.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LofiError } from '../errors.js';
import { readTextIfExists, writeFileAtomic } from './atomic-file.js';
import { DEFAULT_LOCK_TIMEOUT_MS, StateLock } from './lock.js';
import { isProcessAlive } from './process-identity.js';
import { ensureStateDirectory, stateDirectory } from './state-dir.js';

export interface StateOptions {
  /** The state directory; by default from `env` (see `stateDirectory`). */
  stateDir?: string;
  /** Environment to find the state directory in (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for another process's lock (default 10 s). */
  lockTimeoutMs?: number;
}

const DOCUMENT_VERSION = 1;
const LEFTOVER = /^(?:\.(\d+)\.[a-z0-9]+\.tmp|lock\.(\d+)\.[a-z0-9]+\.stale)$/;

/** Turns one parsed JSON item into a typed record, or throws a message saying what is wrong. */
export type RecordReader<T> = (value: unknown) => T;

export class StateStore {
  readonly dir: string;
  private readonly lock: StateLock;
  private depth = 0;

  constructor(options: StateOptions = {}) {
    this.dir = options.stateDir ?? stateDirectory(options.env);
    this.lock = new StateLock(join(this.dir, 'lock'), options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
  }

  path(file: string): string {
    return join(this.dir, file);
  }

  /** Run `fn` holding the state lock (re-entrant within this object). */
  transaction<T>(fn: () => T): T {
    if (this.depth > 0) return fn();
    ensureStateDirectory(this.dir);
    return this.lock.with(() => {
      this.sweepLeftovers();
      this.depth++;
      try {
        return fn();
      } finally {
        this.depth--;
      }
    });
  }

  /**
   * Remove temporary files a killed process left mid-write (`.PID.x.tmp`) or
   * mid-takeover (`lock.PID.x.stale`), once that process is gone.
   */
  private sweepLeftovers(): void {
    for (const name of readdirSync(this.dir)) {
      const m = LEFTOVER.exec(name);
      if (m && !isProcessAlive({ pid: Number(m[1] ?? m[2]), startTime: 0 }))
        rmSync(this.path(name), { force: true });
    }
  }

  /** The items of `{ version: 1, [key]: [...] }` in `file`; none if the file does not exist yet. */
  readDocument<T>(file: string, key: string, readRecord: RecordReader<T>): T[] {
    const path = this.path(file);
    const text = readTextIfExists(path);
    if (text === undefined) return [];
    const corrupt = (what: string) =>
      new LofiError('ECORRUPT', `${path} is corrupt: ${what}; it was left as it is: repair or remove it`);
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw corrupt(`not valid JSON (${(e as Error).message})`);
    }
    if (typeof doc !== 'object' || doc === null) throw corrupt('not a JSON object');
    const { version, [key]: items } = doc as Record<string, unknown>;
    if (version !== DOCUMENT_VERSION) throw corrupt(`unsupported version ${JSON.stringify(version)}`);
    if (!Array.isArray(items)) throw corrupt(`"${key}" is not a list`);
    return items.map((item, i) => {
      try {
        return readRecord(item);
      } catch (e) {
        throw corrupt(`${key}[${i}]: ${(e as Error).message}`);
      }
    });
  }

  writeDocument<T>(file: string, key: string, items: readonly T[]): void {
    writeFileAtomic(
      this.path(file),
      `${JSON.stringify({ version: DOCUMENT_VERSION, [key]: items }, null, 2)}\n`,
    );
  }
}

/** Field readers for RecordReaders: each throws a message naming the field. */
export const field = {
  object(v: unknown, name: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${name} is not an object`);
    return v as Record<string, unknown>;
  },
  string(o: Record<string, unknown>, key: string): string {
    const v = o[key];
    if (typeof v !== 'string') throw new Error(`${key} is not a string`);
    return v;
  },
  optionalString(o: Record<string, unknown>, key: string): string | undefined {
    return o[key] === undefined ? undefined : field.string(o, key);
  },
  integer(o: Record<string, unknown>, key: string, min = 0): number {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
      throw new Error(`${key} is not an integer ≥ ${min}`);
    }
    return v;
  },
  boolean(o: Record<string, unknown>, key: string): boolean {
    const v = o[key];
    if (typeof v !== 'boolean') throw new Error(`${key} is not true or false`);
    return v;
  },
};
