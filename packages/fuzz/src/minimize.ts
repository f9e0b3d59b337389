/**
 * Crash minimisation: cut chunks out of a crashing input, halving the chunk
 * size from half the input down to one byte, and keep each cut after which
 * the input still crashes with the same key. Bounded by a number of runs.
 */
import type { ExecOutcome } from './executor.js';

export interface MinimizeOptions {
  /** Run one candidate; the outcome decides whether it still fails the same way. */
  run: (data: Uint8Array) => Promise<ExecOutcome>;
  /** The same failure: same dedupe key. */
  sameFailure: (outcome: ExecOutcome) => boolean;
  maxRuns: number;
  /** Checked between runs: the campaign has been asked to stop. */
  stopped: () => boolean;
}

export async function minimize(input: Uint8Array, options: MinimizeOptions): Promise<Uint8Array> {
  let current = input;
  let runs = 0;
  for (let chunk = Math.max(1, current.length >> 1); chunk >= 1; chunk >>= 1) {
    let at = 0;
    while (at < current.length) {
      if (runs >= options.maxRuns || options.stopped()) return current;
      const candidate = new Uint8Array(current.length - Math.min(chunk, current.length - at));
      candidate.set(current.subarray(0, at));
      candidate.set(current.subarray(at + chunk), at);
      runs++;
      if (options.sameFailure(await options.run(candidate))) current = candidate;
      else at += chunk;
    }
  }
  return current;
}
