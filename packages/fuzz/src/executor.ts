/**
 * The engine's handle on one execution worker: start it, run one input at a
 * time under a deadline, and turn every way a worker can fail into an
 * outcome: a hang (stopped with `worker.terminate()`), an out-of-memory death
 * (`resourceLimits`), an uncaught error or an exit. A worker that died is
 * started again before the next input.
 */
import { Worker } from 'node:worker_threads';
import { FuzzError } from './errors.js';
import type { HangProbe } from './hang-probe.js';
import type { ReadyMessage, RunRequest, ThrownValue, WorkerInit, WorkerMessage } from './protocol.js';

export type ExecOutcome =
  | { kind: 'ok'; features: Float64Array; featureCount: number; rarest: number }
  | { kind: 'crash'; error: ThrownValue }
  | { kind: 'oom'; cause: 'JS heap' | 'allocation failed' | 'array buffers'; error?: ThrownValue }
  /** Ran past its timeout; the stack shows where, when the worker could be paused. */
  | { kind: 'hang'; stack: string | undefined }
  /** The executor was stopped while the input ran: no verdict. */
  | { kind: 'stopped' };

export interface ExecutorOptions {
  init: Omit<WorkerInit, 'wantSeeds'>;
  timeoutMs: number;
  /** Heap limit of the worker, in MiB. */
  memoryLimitMb: number;
  /** How long loading the target (and making its seeds) may take. */
  startTimeoutMs: number;
  /** Reads a hung worker's stack before it is terminated. */
  probe: HangProbe | undefined;
}

const WORKER_URL = new URL('./worker.js', import.meta.url);
/** Numbers the workers of this process, for their names (what the hang probe knows them by). */
let workersStarted = 0;

/**
 * Drop the listeners this class adds, for a worker whose fate is settled. Not
 * `removeAllListeners()`: a Worker keeps listeners of its own
 * (newListener/removeListener) that deliver its messages. An error it still
 * raises (running out of memory while being terminated) is of no interest,
 * but must not go unhandled.
 */
function detach(worker: Worker): void {
  for (const event of ['message', 'error', 'exit']) worker.removeAllListeners(event);
  worker.on('error', () => {});
}

interface Pending {
  id: number;
  settle: (outcome: ExecOutcome) => void;
  timer: NodeJS.Timeout;
  /** Past its deadline: a late answer no longer counts. */
  overdue: boolean;
}

export class Executor {
  private worker: Worker | null = null;
  private workerName = '';
  private pending: Pending | null = null;
  private nextId = 1;
  private stopped = false;
  /** Workers being terminated. */
  private readonly dying = new Set<Promise<void>>();
  /** Set while a worker is starting: makes the start resolve with null. */
  private cancelStart: (() => void) | null = null;
  /** A hung worker's stack being read: it is paused, and must be resumed before it can be terminated. */
  private probing: Promise<string | undefined> | null = null;
  /** Worker starts after the first: each is a hang, an out-of-memory or a death. */
  restarts = 0;

  constructor(private readonly options: ExecutorOptions) {}

  /**
   * Start the worker; resolves once the target is loaded (and, if asked, has
   * made its seeds), or with null if the executor is stopped meanwhile.
   */
  async start(wantSeeds = false): Promise<ReadyMessage | null> {
    if (this.stopped) return null;
    const { init, memoryLimitMb, startTimeoutMs } = this.options;
    const workerData: WorkerInit = { ...init, wantSeeds };
    const name = `xvm-fuzz worker ${++workersStarted}`;
    const worker = new Worker(WORKER_URL, {
      name,
      workerData,
      resourceLimits: { maxOldGenerationSizeMb: memoryLimitMb },
    });
    const ready = await new Promise<ReadyMessage | null>((resolve, reject) => {
      const settle = (outcome: ReadyMessage | FuzzError | null) => {
        clearTimeout(timer);
        detach(worker);
        this.cancelStart = null;
        if (outcome instanceof FuzzError || outcome === null) this.terminate(worker);
        if (outcome instanceof FuzzError) reject(outcome);
        else resolve(outcome);
      };
      const fail = (message: string) => settle(new FuzzError('ETARGET', message));
      const timer = setTimeout(
        () => fail(`the target did not load within ${startTimeoutMs} ms`),
        startTimeoutMs,
      );
      this.cancelStart = () => settle(null);
      worker.once('message', (message: WorkerMessage) => {
        if (message.type === 'ready') settle(message);
        else if (message.type === 'fatal') fail(message.message);
        else fail(`unexpected ${message.type} message from a starting worker`);
      });
      worker.once('error', (e) => fail(`the target failed while loading: ${e.message}`));
      worker.once('exit', (code) => fail(`the worker exited with code ${code} while loading the target`));
    });
    if (!ready) return null;
    this.worker = worker;
    this.workerName = name;
    worker.on('message', (message: WorkerMessage) => this.onMessage(message));
    worker.on('error', (e: Error & { code?: string }) => this.onDeath(worker, e));
    worker.on('exit', (code) => this.onDeath(worker, undefined, code));
    return ready;
  }

  /** Run one input. Never rejects on the target's account: every failure of the target is an outcome. */
  async run(data: Uint8Array): Promise<ExecOutcome> {
    if (this.stopped) return { kind: 'stopped' };
    if (!this.worker) {
      this.restarts++;
      if (!(await this.start())) return { kind: 'stopped' };
    }
    const worker = this.worker!;
    const id = this.nextId++;
    return new Promise<ExecOutcome>((settle) => {
      const name = this.workerName;
      const timer = setTimeout(() => void this.onTimeout(worker, name), this.options.timeoutMs);
      this.pending = { id, settle, timer, overdue: false };
      const request: RunRequest = { id, data };
      worker.postMessage(request);
    });
  }

  /** Stop for good: the input in flight, if any, gets no verdict. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelStart?.();
    this.finish({ kind: 'stopped' });
    await this.probing;
    const worker = this.worker;
    this.worker = null;
    if (worker) {
      detach(worker);
      this.terminate(worker);
    }
    await Promise.all(this.dying);
  }

  /** A hang: read where the worker is stuck, then terminate it (a paused worker is no use either). */
  private async onTimeout(worker: Worker, name: string): Promise<void> {
    const pending = this.pending;
    if (!pending) return;
    pending.overdue = true;
    this.probing = this.options.probe?.stackOf(name) ?? Promise.resolve(undefined);
    const stack = await this.probing;
    this.probing = null;
    if (this.pending !== pending) return;
    this.finish({ kind: 'hang', stack });
    this.discard(worker);
  }

  private onMessage(message: WorkerMessage): void {
    const pending = this.pending;
    if (message.type !== 'result' || !pending || pending.overdue || message.id !== pending.id) return;
    const { outcome, error, features, featureCount, rarest } = message;
    if (outcome === 'ok') this.finish({ kind: 'ok', features, featureCount, rarest });
    else if (outcome === 'oom') {
      const oom: Extract<ExecOutcome, { kind: 'oom' }> = {
        kind: 'oom',
        cause: message.oomCause ?? 'array buffers',
      };
      if (error) oom.error = error;
      this.finish(oom);
      // Let the memory go with the worker.
      if (this.worker) this.discard(this.worker);
    } else
      this.finish({ kind: 'crash', error: error ?? { name: 'Error', message: 'crash', stack: undefined } });
  }

  private onDeath(worker: Worker, error?: Error & { code?: string }, exitCode?: number): void {
    if (worker !== this.worker) return;
    this.worker = null;
    detach(worker);
    if (error?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
      this.finish({ kind: 'oom', cause: 'JS heap' });
    } else if (error) {
      this.finish({
        kind: 'crash',
        error: { name: error.name, message: `uncaught in the worker: ${error.message}`, stack: error.stack },
      });
    } else {
      this.finish({
        kind: 'crash',
        error: {
          name: 'Exit',
          message: `the target ended its thread (exit code ${exitCode})`,
          stack: undefined,
        },
      });
    }
    if (error) this.terminate(worker);
  }

  private discard(worker: Worker): void {
    if (worker === this.worker) this.worker = null;
    detach(worker);
    this.terminate(worker);
  }

  /**
   * Terminate without waiting here, but remember it: stop() waits for every
   * worker to be gone, so that a campaign leaves no thread behind (and Node's
   * inspector is not racing a dying worker when the next campaign starts).
   */
  private terminate(worker: Worker): void {
    const gone = worker.terminate().then(
      () => {},
      () => {},
    );
    this.dying.add(gone);
    void gone.then(() => this.dying.delete(gone));
  }

  private finish(outcome: ExecOutcome): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = null;
    clearTimeout(pending.timer);
    pending.settle(outcome);
  }
}
