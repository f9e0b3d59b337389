/**
 * Progress lines, in the spirit of libFuzzer's: executions, speed, corpus,
 * features and findings, then a summary naming where each finding was saved.
 */
import type { FuzzReport } from './options.js';

export interface FuzzStatus {
  runs: number;
  seconds: number;
  execsPerSecond: number;
  corpusSize: number;
  features: number;
  crashes: number;
  hangs: number;
}

export function statusLine(s: FuzzStatus): string {
  return [
    `#${s.runs}`,
    `exec/s ${Math.round(s.execsPerSecond)}`,
    `corpus ${s.corpusSize}`,
    `features ${s.features}`,
    `crashes ${s.crashes}`,
    `hangs ${s.hangs}`,
    `${Math.round(s.seconds)}s`,
  ].join('  ');
}

export function summaryLines(r: FuzzReport): string[] {
  const lines = [
    `done (${r.stoppedBy}): ${r.runs} runs in ${r.seconds.toFixed(1)}s, ${Math.round(r.execsPerSecond)} exec/s, ` +
      `corpus ${r.corpusSize} (${r.newCorpusFiles} new files), features ${r.features}, ` +
      `${r.crashes.length} crash(es), ${r.hangs.length} hang(s), seed ${r.seed}`,
  ];
  for (const f of [...r.crashes, ...r.hangs]) {
    lines.push(`  ${f.kind} x${f.count}: ${f.key}`);
    if (f.path) lines.push(`    saved: ${f.path}`);
    if (f.minimized?.path)
      lines.push(`    minimized (${f.minimized.input.length} bytes): ${f.minimized.path}`);
  }
  return lines;
}
