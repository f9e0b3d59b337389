/**
 * A campaign: start the workers, run the seeds and the saved corpus, then
 * mutate corpus entries and keep every input that reaches a new coverage
 * feature, until a budget runs out. Each worker has one input in flight; all
 * decisions (corpus, features, findings, budgets) are made here, on the main
 * thread, so that `--jobs` only adds executors.
 */
import { existsSync, statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Corpus, readCorpusDir, sha1Of, writeInput } from './corpus.js';
import { FuzzError } from './errors.js';
import { type ExecOutcome, Executor } from './executor.js';
import { crashKey, type Failure, Findings, topFrame } from './findings.js';
import { HangProbe } from './hang-probe.js';
import { minimize } from './minimize.js';
import { type MutationContext, mutate } from './mutate.js';
import { type FuzzOptions, type FuzzReport, type ResolvedOptions, resolveOptions } from './options.js';
import { Random } from './random.js';
import { statusLine, summaryLines } from './status.js';

/** Mutations stacked on one corpus entry, each intermediate input run (libFuzzer's -mutate_depth). */
const MUTATE_DEPTH = 5;
/** Smallest default input bound, whatever the seeds' sizes. */
const MIN_DEFAULT_MAX_LEN = 4096;
/**
 * Length control, as libFuzzer's -len_control: mutants may at first be no
 * longer than the longest starting input, and the bound grows by log2 of
 * itself each time this many runs times log2 pass without new coverage.
 * Short inputs keep the offsets that matter likely to be hit.
 */
const LEN_CONTROL_RUNS = 100;
const START_TIMEOUT_MS = 120_000;

/** The failure an outcome shows, if any: what crashes and hangs are judged and deduplicated by. */
function failureOf(outcome: ExecOutcome, input: Uint8Array, timeoutMs: number): Failure | null {
  switch (outcome.kind) {
    case 'crash':
      return {
        kind: 'crash',
        reason: 'exception',
        key: crashKey(outcome.error),
        message: outcome.error.message,
        stack: outcome.error.stack,
      };
    case 'oom': {
      const frame = topFrame(outcome.error?.stack);
      return {
        kind: 'crash',
        reason: 'out of memory',
        key: `out of memory (${outcome.cause})${frame ? ` at ${frame}` : ''}`,
        message: outcome.error?.message ?? `out of memory (${outcome.cause})`,
        stack: outcome.error?.stack,
      };
    }
    case 'hang': {
      const frame = topFrame(outcome.stack);
      return {
        kind: 'hang',
        reason: 'timeout',
        key: frame ? `hang at ${frame}` : `hang ${sha1Of(input)}`,
        message: `no answer within ${timeoutMs} ms`,
        stack: outcome.stack,
      };
    }
    default:
      return null;
  }
}

function featureCountOf(outcome: ExecOutcome): number {
  return outcome.kind === 'ok' ? outcome.featureCount : 0;
}

export async function runFuzzer(options: FuzzOptions): Promise<FuzzReport> {
  return new Campaign(resolveOptions(options)).run();
}

class Campaign {
  private readonly rng: Random;
  private readonly corpus = new Corpus();
  private readonly features = new Set<number>();
  private readonly findings: Findings;
  private readonly executors: Executor[] = [];
  private dictionary: Uint8Array[] = [];
  private maxLen = MIN_DEFAULT_MAX_LEN;
  /** The current bound on mutants, growing to maxLen (length control). */
  private mutationMaxLen = MIN_DEFAULT_MAX_LEN;
  private lastNewRun = 0;
  private issued = 0;
  private runs = 0;
  private newCorpusFiles = 0;
  private readonly startedAt = performance.now();
  private endedAt: number | undefined;
  private stopReason: FuzzReport['stoppedBy'] | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private probe: HangProbe | undefined;

  constructor(private readonly o: ResolvedOptions) {
    this.rng = new Random(o.seed);
    this.findings = new Findings(o.crashesDir);
  }

  async run(): Promise<FuzzReport> {
    const { o } = this;
    if (!existsSync(o.target) || !statSync(o.target).isFile()) {
      throw new FuzzError('ETARGET', `no target module at ${o.target}`);
    }
    this.probe = new HangProbe();
    for (let j = 0; j < o.jobs; j++) this.executors.push(this.newExecutor(o.feedback));
    const onAbort = () => this.stop('signal');
    o.signal?.addEventListener('abort', onAbort);
    try {
      this.startClock();
      // A null start means the campaign was stopped while its workers were starting.
      const ready = await this.executors[0]!.start(true);
      await Promise.all(this.executors.slice(1).map((e) => e.start()));
      if (ready) {
        this.dictionary = ready.dictionary;
        await this.runInitial(this.initialInputs(ready.seeds));
        if (this.corpus.size === 0) this.corpus.add(new Uint8Array(0), 0);
        await Promise.all(this.executors.map((e) => this.fuzzLoop(e)));
      }
      this.endedAt ??= performance.now();
      await this.stopExecutors();
      if (o.minimize && this.stopReason !== 'signal') await this.minimizeCrashes();
      const report = this.report();
      for (const line of summaryLines(report)) o.log(line);
      return report;
    } finally {
      o.signal?.removeEventListener('abort', onAbort);
      for (const t of this.timers) clearTimeout(t);
      await this.stopExecutors();
      this.probe?.close();
    }
  }

  private newExecutor(coverage: boolean): Executor {
    const { o } = this;
    return new Executor({
      init: {
        targetUrl: pathToFileURL(o.target).href,
        coverage,
        fuzzerUrl: new URL('.', import.meta.url).href,
        memoryLimitBytes: o.memoryLimitMb * 2 ** 20,
      },
      timeoutMs: o.timeoutMs,
      memoryLimitMb: o.memoryLimitMb,
      startTimeoutMs: START_TIMEOUT_MS,
      probe: this.probe,
    });
  }

  private startClock(): void {
    const { o } = this;
    if (o.signal?.aborted) this.stop('signal');
    if (Number.isFinite(o.seconds))
      this.timers.push(setTimeout(() => this.stop('seconds'), o.seconds * 1000));
    this.timers.push(setInterval(() => o.log(statusLine(this.status())), o.statusIntervalMs));
  }

  /** End the campaign: stop issuing inputs, and stop the workers (abandoning inputs in flight). */
  private stop(reason: NonNullable<FuzzReport['stoppedBy']>): void {
    if (this.stopReason) return;
    this.stopReason = reason;
    this.endedAt = performance.now();
    void this.stopExecutors();
  }

  private async stopExecutors(): Promise<void> {
    await Promise.all(this.executors.map((e) => e.stop()));
  }

  /** The saved corpus, then the target's seeds: deduplicated and cut to the input bound. */
  private initialInputs(seeds: Uint8Array[]): Uint8Array[] {
    const { o } = this;
    const all = [...(o.corpusDir ? readCorpusDir(o.corpusDir) : []), ...seeds];
    const longest = all.reduce((n, d) => Math.max(n, d.length), 0);
    this.maxLen = o.maxLen ?? Math.max(MIN_DEFAULT_MAX_LEN, longest);
    this.mutationMaxLen = Math.min(this.maxLen, Math.max(4, longest));
    const seen = new Set<string>();
    const inputs: Uint8Array[] = [];
    for (const input of all) {
      const data = input.length > this.maxLen ? input.slice(0, this.maxLen) : input;
      const sha1 = sha1Of(data);
      if (seen.has(sha1)) continue;
      seen.add(sha1);
      inputs.push(data);
    }
    return inputs;
  }

  /** Run every starting input once; all that run cleanly join the corpus. */
  private async runInitial(inputs: Uint8Array[]): Promise<void> {
    let next = 0;
    await Promise.all(
      this.executors.map(async (executor) => {
        while (next < inputs.length && this.reserve()) {
          const data = inputs[next++]!;
          const outcome = await executor.run(data);
          if (outcome.kind === 'stopped') return;
          if (this.judge(data, outcome) !== 'failed') this.corpus.add(data, featureCountOf(outcome));
        }
      }),
    );
  }

  private async fuzzLoop(executor: Executor): Promise<void> {
    const campaign = this;
    const context: MutationContext = {
      rng: this.rng,
      get maxLen() {
        return campaign.mutationMaxLen;
      },
      dictionary: this.dictionary,
      other: () => this.corpus.any(this.rng)?.data,
    };
    while (!this.stopReason) {
      const entry = this.corpus.pick(this.rng);
      let data = entry.data;
      const depth = 1 + this.rng.below(MUTATE_DEPTH);
      for (let i = 0; i < depth; i++) {
        data = mutate(data, context);
        if (!this.reserve()) return;
        const outcome = await executor.run(data);
        if (outcome.kind === 'stopped') return;
        this.corpus.credit(entry, outcome.kind === 'ok' ? outcome.rarest : 0);
        if (this.judge(data, outcome) === 'new') this.keep(data, featureCountOf(outcome));
        else this.controlLength();
      }
    }
  }

  private controlLength(): void {
    if (this.mutationMaxLen >= this.maxLen) return;
    const step = Math.max(1, Math.floor(Math.log2(this.mutationMaxLen)));
    if (this.runs - this.lastNewRun > LEN_CONTROL_RUNS * step) {
      this.mutationMaxLen = Math.min(this.maxLen, this.mutationMaxLen + step);
      this.lastNewRun = this.runs;
    }
  }

  /** Take one execution from the runs budget. */
  private reserve(): boolean {
    if (this.stopReason) return false;
    if (this.issued >= this.o.runs) {
      this.stopReason = 'runs';
      return false;
    }
    this.issued++;
    return true;
  }

  /** Count one execution and record what it showed: new coverage, a failure, or nothing. */
  private judge(data: Uint8Array, outcome: ExecOutcome): 'new' | 'ok' | 'failed' {
    this.runs++;
    if (outcome.kind === 'ok') {
      let fresh = 0;
      if (this.o.feedback) {
        for (const f of outcome.features) {
          if (!this.features.has(f)) {
            this.features.add(f);
            fresh++;
          }
        }
      }
      return fresh > 0 ? 'new' : 'ok';
    }
    const failure = failureOf(outcome, data, this.o.timeoutMs);
    if (!failure) return 'failed';
    const finding = this.findings.record(failure, data);
    if (finding) {
      this.o.log(
        `${finding.kind} (${finding.reason}): ${finding.key}${finding.path ? ` -> ${finding.path}` : ''}`,
      );
      if (this.o.stopOnFinding) this.stop('finding');
    }
    return 'failed';
  }

  private keep(data: Uint8Array, featureCount: number): void {
    this.lastNewRun = this.runs;
    const entry = this.corpus.add(data, featureCount);
    if (entry && this.o.corpusDir) {
      writeInput(this.o.corpusDir, entry.sha1, data);
      this.newCorpusFiles++;
    }
  }

  private async minimizeCrashes(): Promise<void> {
    const { o } = this;
    const executor = this.newExecutor(false);
    this.executors.push(executor);
    for (const finding of this.findings.crashes) {
      const smaller = await minimize(finding.input, {
        run: (data) => executor.run(data),
        sameFailure: (outcome) => failureOf(outcome, finding.input, o.timeoutMs)?.key === finding.key,
        maxRuns: o.minimizeRuns,
        stopped: () => o.signal?.aborted === true,
      });
      if (smaller.length < finding.input.length) {
        this.findings.saveMinimized(finding, smaller);
        o.log(`minimized ${finding.key}: ${finding.input.length} -> ${smaller.length} bytes`);
      }
    }
  }

  private status() {
    const seconds = ((this.endedAt ?? performance.now()) - this.startedAt) / 1000;
    return {
      runs: this.runs,
      seconds,
      execsPerSecond: seconds > 0 ? this.runs / seconds : 0,
      corpusSize: this.corpus.size,
      features: this.features.size,
      crashes: this.findings.crashes.length,
      hangs: this.findings.hangs.length,
    };
  }

  private report(): FuzzReport {
    const status = this.status();
    return {
      ...status,
      crashes: this.findings.crashes,
      hangs: this.findings.hangs,
      newCorpusFiles: this.newCorpusFiles,
      workerRestarts: this.executors.reduce((n, e) => n + e.restarts, 0),
      maxLen: this.maxLen,
      seed: this.o.seed,
      stoppedBy: this.stopReason ?? 'runs',
    };
  }
}
