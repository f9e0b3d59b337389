/**
 * Crashes and hangs: deduplicated, and saved as the input (`crash-<sha1>`,
 * `hang-<sha1>`) next to a text file saying what happened (`<name>.txt`).
 * A crash is known by its error name and its top stack frame outside Node's
 * internals; an out-of-memory by its cause (and frame, when V8 refused the
 * allocation); a hang by the frame the hung worker was paused in, or, when it
 * could not be paused, by its input.
 */
import { sha1Of, writeInput } from './corpus.js';
import type { ThrownValue } from './protocol.js';

export type FindingKind = 'crash' | 'hang';

/** What one failed execution showed, before it is counted and saved. */
export interface Failure {
  kind: FindingKind;
  reason: Finding['reason'];
  key: string;
  message: string;
  stack: string | undefined;
}

export interface Finding {
  kind: FindingKind;
  /** `exception`, `out of memory` or `timeout`. */
  reason: 'exception' | 'out of memory' | 'timeout';
  /** What duplicates share: error name and top frame, the out-of-memory cause, the hang's frame or input hash. */
  key: string;
  /** The error message, or a sentence for out-of-memory and timeouts. */
  message: string;
  stack: string | undefined;
  /** The first input that showed it. */
  input: Uint8Array;
  /** Where that input was saved, when there is a crash directory. */
  path: string | undefined;
  /** How many executions ended this way. */
  count: number;
  /** The smallest input found that still ends the same way (with `minimize`). */
  minimized?: { input: Uint8Array; path: string | undefined };
}

/** The first stack frame outside Node's internals, without the leading "at". */
export function topFrame(stack: string | undefined): string | undefined {
  if (!stack) return undefined;
  const frames = stack
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('at '))
    .map((line) => line.slice(3));
  const internal = /(^|\()(node:|<anonymous>)/;
  return frames.find((f) => !internal.test(f)) ?? frames[0];
}

export function crashKey(error: ThrownValue): string {
  const frame = topFrame(error.stack);
  return frame ? `${error.name} at ${frame}` : `${error.name}: ${error.message}`;
}

export class Findings {
  private readonly byKey = new Map<string, Finding>();

  constructor(private readonly dir: string | undefined) {}

  get crashes(): Finding[] {
    return [...this.byKey.values()].filter((f) => f.kind === 'crash');
  }

  get hangs(): Finding[] {
    return [...this.byKey.values()].filter((f) => f.kind === 'hang');
  }

  /** Record one execution's failure; returns the finding when it is a new one. */
  record(failure: Failure, input: Uint8Array): Finding | null {
    const known = this.byKey.get(failure.key);
    if (known) {
      known.count++;
      return null;
    }
    const name = `${failure.kind}-${sha1Of(input)}`;
    const finding: Finding = { ...failure, input, path: undefined, count: 1 };
    if (this.dir) {
      finding.path = writeInput(this.dir, name, input);
      writeInput(this.dir, `${name}.txt`, Buffer.from(describeFinding(finding)));
    }
    this.byKey.set(failure.key, finding);
    return finding;
  }

  /** Save a smaller input that fails the same way, as `<name>.min`. */
  saveMinimized(finding: Finding, input: Uint8Array): void {
    const path = finding.path ? writeInput(this.dir!, `${baseName(finding.path)}.min`, input) : undefined;
    finding.minimized = { input, path };
  }
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function describeFinding(f: Finding): string {
  const lines = [
    `${f.kind}: ${f.reason}`,
    `key: ${f.key}`,
    `input: ${f.input.length} bytes`,
    '',
    f.stack ?? f.message,
    '',
  ];
  return lines.join('\n');
}
