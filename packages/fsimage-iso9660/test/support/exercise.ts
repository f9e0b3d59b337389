/**
 * Drive every operation of a volume over a (possibly hostile) image, at the
 * Volume level, so that nothing between the plugin and the test could turn a
 * stray exception into an FsError. Any exception that is not an FsError fails
 * the test; every FsError is collected.
 */
import {
  type BlockSource,
  FsError,
  OperationGuard,
  resolveLimits,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  type Volume,
} from '@x/fsimage';
import { plugin } from '../../src/index.js';

export interface Outcome {
  mounted: boolean;
  errors: FsError[];
  warnings: string[];
  /** Entries listed. */
  entries: number;
  /** Paths to the files read successfully, with their bytes. */
  files: Map<string, Uint8Array>;
  /** Symbolic link targets read. */
  links: Map<string, string>;
  volume?: Volume;
}

const MAX_ENTRIES = 20_000;
const READ_BYTES = 1 << 20;

export function exercise(
  source: BlockSource,
  options: Record<string, string | true> = {},
  limits = {},
): Outcome {
  const outcome: Outcome = {
    mounted: false,
    errors: [],
    warnings: [],
    entries: 0,
    files: new Map(),
    links: new Map(),
  };
  const resolved = resolveLimits({ operationTimeoutMs: 10_000, ...limits });
  const guard = new OperationGuard(resolved.operationTimeoutMs);
  const typed = <T>(fn: () => T): T | undefined => {
    guard.begin();
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
      outcome.errors.push(e);
      return undefined;
    }
  };
  const volume = typed(() =>
    plugin.mount(source, { limits: resolved, guard, options, warn: (m) => outcome.warnings.push(m) }),
  );
  if (!volume) return outcome;
  outcome.mounted = true;
  outcome.volume = volume;
  typed(() => volume.info());
  typed(() => volume.statfs());
  typed(() => volume.label());
  typed(() => volume.uuid());
  const queue: Array<[number, string]> = [[volume.root, '']];
  const seen = new Set<number>();
  while (queue.length > 0 && outcome.entries < MAX_ENTRIES) {
    const [dir, path] = queue.shift()!;
    if (seen.has(dir)) continue;
    seen.add(dir);
    let cursor = 0;
    for (;;) {
      const page = typed(() => volume.readdir(dir, cursor, 100));
      if (!page) break;
      for (const e of page.entries) {
        outcome.entries++;
        const child = `${path}/${e.name}`;
        typed(() => volume.lookup(dir, e.name));
        const st = typed(() => volume.stat(e.ino));
        if (!st) continue;
        if ((st.mode & S_IFMT) === S_IFDIR) queue.push([e.ino, child]);
        if ((st.mode & S_IFMT) === S_IFLNK) {
          const target = typed(() => volume.readlink(e.ino));
          if (target !== undefined) outcome.links.set(child, target);
        }
        if ((st.mode & S_IFMT) === S_IFREG) {
          const buf = new Uint8Array(Math.min(st.size, READ_BYTES));
          const n = typed(() => volume.read(e.ino, buf, 0));
          if (n !== undefined) outcome.files.set(child, buf.subarray(0, n));
        }
      }
      const last = page.entries[page.entries.length - 1];
      if (page.done || !last) break;
      cursor = last.next;
    }
  }
  return outcome;
}

/** The codes of the errors an outcome met, deduplicated. */
export function codes(outcome: Outcome): string[] {
  return [...new Set(outcome.errors.map((e) => e.code))].sort();
}
