/**
 * The messages between the engine (main thread) and an execution worker.
 * One input is in flight per worker at a time; the engine owns the clock.
 */

/** What a worker is started with (its `workerData`). */
export interface WorkerInit {
  /** file: URL of the target module. */
  targetUrl: string;
  /** Collect block coverage (off only for the no-feedback comparison and minimisation). */
  coverage: boolean;
  /** Call the target's `seeds()` and send the result back (one worker does). */
  wantSeeds: boolean;
  /** file: URL of the fuzzer's own directory, whose scripts are never feedback. */
  fuzzerUrl: string;
  /** Array-buffer bytes a worker may hold after an execution before it counts as out of memory. */
  memoryLimitBytes: number;
}

/** The worker has imported the target and is ready for inputs. */
export interface ReadyMessage {
  type: 'ready';
  seeds: Uint8Array[];
  dictionary: Uint8Array[];
  hasIsExpected: boolean;
}

/** The worker could not start: the target is missing, malformed, or threw while loading. */
export interface FatalMessage {
  type: 'fatal';
  message: string;
}

export interface RunRequest {
  id: number;
  data: Uint8Array;
}

/** A thrown value, flattened so it can cross the thread boundary. */
export interface ThrownValue {
  name: string;
  message: string;
  stack: string | undefined;
}

export interface RunResult {
  type: 'result';
  id: number;
  /**
   * `ok`: returned, or threw what the target calls expected.
   * `crash`: threw anything else. `oom`: ran out of memory without dying.
   */
  outcome: 'ok' | 'crash' | 'oom';
  /** Features this worker had not seen before (only after an `ok` run). */
  features: Float64Array;
  /** All features of this run, new or not. */
  featureCount: number;
  /** How many of this worker's runs reached the rarest feature of this one, this one included (0: no features). */
  rarest: number;
  error?: ThrownValue;
  /** For `oom`: an allocation V8 refused, or array buffers left over the limit. */
  oomCause?: 'allocation failed' | 'array buffers';
}

export type WorkerMessage = ReadyMessage | FatalMessage | RunResult;
