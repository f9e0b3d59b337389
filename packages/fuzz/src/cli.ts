#!/usr/bin/env node
/**
 * `xvm-fuzz TARGET.mjs`: run a fuzzing campaign from the command line.
 * Exit status: 0 nothing found, 1 a crash or hang was found, 2 the
 * invocation or the target is wrong.
 */
import { parseArgs } from 'node:util';
import { runFuzzer } from './engine.js';
import { FuzzError } from './errors.js';
import type { FuzzOptions } from './options.js';

const USAGE = `usage: xvm-fuzz TARGET.mjs [options]

  --runs N           stop after N executions
  --seconds S        stop after S seconds (with neither, run until interrupted)
  --jobs J           parallel workers (default 1)
  --corpus DIR       read the starting corpus from DIR and write new inputs to it
  --crashes DIR      where crashes and hangs are saved (default ./crashes)
  --max-len BYTES    largest input (default: the largest seed, at least 4096)
  --timeout MS       an execution longer than this is a hang (default 1000)
  --memory MB        heap limit of a worker and array-buffer bound of a run (default 512)
  --seed N           seed of the mutation choices, to repeat a campaign
  --minimize         shrink each crashing input after the campaign (saved as <crash>.min)
  --no-feedback      mutate the seeds without coverage guidance (for comparison)
  --stop-on-crash    end at the first crash or hang
  --quiet            print only the summary
`;

function number(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value))
    throw new FuzzError('EUSAGE', `--${name} needs a number, not "${text}"`);
  return value;
}

export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    process.stderr.write(`xvm-fuzz: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    process.stderr.write(`xvm-fuzz: give exactly one target module\n${USAGE}`);
    return 2;
  }
  const controller = new AbortController();
  let interrupts = 0;
  const onInterrupt = () => {
    // The first Ctrl-C ends the campaign with its summary; the second ends the process.
    if (++interrupts > 1) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onInterrupt);
  try {
    const options: FuzzOptions = {
      target: positionals[0]!,
      runs: number('runs', values.runs),
      seconds: number('seconds', values.seconds),
      jobs: number('jobs', values.jobs),
      corpusDir: values.corpus,
      crashesDir: values.crashes ?? 'crashes',
      maxLen: number('max-len', values['max-len']),
      timeoutMs: number('timeout', values.timeout),
      memoryLimitMb: number('memory', values.memory),
      seed: number('seed', values.seed),
      feedback: !values['no-feedback'],
      minimize: values.minimize ?? false,
      stopOnFinding: values['stop-on-crash'] ?? false,
      signal: controller.signal,
      log: (line) => {
        if (!values.quiet || line.startsWith('done') || line.startsWith('  '))
          process.stderr.write(`${line}\n`);
      },
    };
    const report = await runFuzzer(options);
    return report.crashes.length + report.hangs.length > 0 ? 1 : 0;
  } catch (e) {
    if (e instanceof FuzzError) {
      process.stderr.write(`xvm-fuzz: ${e.message}\n`);
      return 2;
    }
    throw e;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      runs: { type: 'string' },
      seconds: { type: 'string' },
      jobs: { type: 'string' },
      corpus: { type: 'string' },
      crashes: { type: 'string' },
      'max-len': { type: 'string' },
      timeout: { type: 'string' },
      memory: { type: 'string' },
      seed: { type: 'string' },
      minimize: { type: 'boolean' },
      'no-feedback': { type: 'boolean' },
      'stop-on-crash': { type: 'boolean' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`xvm-fuzz: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 70;
  },
);
