#!/usr/bin/env node
/**
 * What an execution costs. Measures, on this machine:
 *   1. V8's Profiler.takePreciseCoverage in a worker thread, alone, and how
 *      many scripts (mostly Node's own) the worker's isolate holds;
 *   2. the engine's executions per second on a cheap target with coverage
 *      feedback and without, with one and two workers.
 * Usage: node bench/run.mjs [RUNS]   (build first: pnpm --filter @x/fuzz build)
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { runFuzzer } from '@x/fuzz';

const runs = Number(process.argv[2] ?? 20000);
const target = fileURLToPath(new URL('./cheap.mjs', import.meta.url));

/** Time takePreciseCoverage in a fresh worker that has loaded the cheap target. */
function takeCost() {
  const code = `
    const { Session } = require('node:inspector');
    const { parentPort, workerData } = require('node:worker_threads');
    const session = new Session();
    session.connect();
    const post = (method, params = {}) => {
      let answer;
      session.post(method, params, (err, result) => { if (err) throw err; answer = result; });
      return answer;
    };
    post('Profiler.enable');
    post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
    import(workerData.target).then((t) => {
      const data = new Uint8Array(64);
      post('Profiler.takePreciseCoverage');
      const n = 2000;
      let t0 = performance.now();
      for (let i = 0; i < n; i++) { t.fuzz(data); post('Profiler.takePreciseCoverage'); }
      const takeMicros = ((performance.now() - t0) * 1000) / n;
      t0 = performance.now();
      for (let i = 0; i < n; i++) t.fuzz(data);
      const runMicros = ((performance.now() - t0) * 1000) / n;
      const scripts = new Set();
      session.on('Debugger.scriptParsed', ({ params }) => scripts.add(params.scriptId));
      post('Debugger.enable');
      post('Debugger.disable');
      session.disconnect();
      parentPort.postMessage({ takeMicros, runMicros, scripts: scripts.size });
    });`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, {
      eval: true,
      workerData: { target: new URL('./cheap.mjs', import.meta.url).href },
    });
    worker.once('message', (m) => worker.terminate().then(() => resolve(m), reject));
    worker.once('error', reject);
  });
}

const take = await takeCost();
console.log(
  `takePreciseCoverage in a worker: ${take.takeMicros.toFixed(0)} µs per call ` +
    `(${take.scripts} scripts in the isolate; the target itself runs in ${take.runMicros.toFixed(2)} µs)`,
);
for (const [feedback, jobs] of [
  [true, 1],
  [false, 1],
  [true, 2],
]) {
  const report = await runFuzzer({ target, runs, jobs, feedback, seed: 1 });
  console.log(
    `engine, ${feedback ? 'coverage feedback' : 'no feedback'}, ${jobs} job(s): ` +
      `${Math.round(report.execsPerSecond)} exec/s (${report.runs} runs in ${report.seconds.toFixed(1)} s)`,
  );
}
