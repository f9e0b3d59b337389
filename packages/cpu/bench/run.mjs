#!/usr/bin/env node
/**
 * Guest speed of x86-run beside qemu-x86_64 (Debian's QEMU user mode) on the
 * same static binaries, in one run: an integer loop, qsort/merge sort, and
 * sha256 of a 4 MiB file. The guest instruction count comes from
 * `x86-run --stats` (both run the same instruction stream); times are
 * medians of whole commands, start-up included, over rounds that run x86-run,
 * QEMU and the native program one after the other. Prints MIPS and the ratio
 * to QEMU (the median of the rounds' ratios).
 *
 *   node bench/run.mjs [--quick]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const x86run = join(here, '../dist/bin/x86-run.js');
const programs = join(here, '../test/programs');
const quick = process.argv.includes('--quick');
const rounds = quick ? 2 : 5;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

for (const tool of ['gcc', 'qemu-x86_64']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    console.error(`bench: ${tool} is missing (Debian: gcc, qemu-user)`);
    process.exit(1);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'x86-run-bench-'));
try {
  const build = (name, source) => {
    const out = join(dir, name);
    execFileSync('gcc', ['-static', '-O2', '-o', out, source]);
    return out;
  };
  const data = join(dir, 'data.bin');
  const bytes = Buffer.alloc((quick ? 1 : 4) << 20);
  for (let k = 0; k < bytes.length; k++) bytes[k] = (k * 2654435761) >>> 24;
  writeFileSync(data, bytes);

  const workloads = [
    {
      name: 'integer loop',
      program: build('loop', join(here, 'loop.c')),
      args: [String(quick ? 20_000_000 : 200_000_000)],
    },
    {
      name: 'qsort + merge sort',
      program: build('sort', join(programs, 'sort.c')),
      args: [String(quick ? 50_000 : 200_000)],
    },
    { name: 'sha256 of a file', program: build('sha256', join(programs, 'sha256.c')), args: [data] },
  ];

  const rows = [];
  for (const w of workloads) {
    const stats = spawnSync(process.execPath, [x86run, '--stats', w.program, ...w.args], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    const m = /x86-run: (\d+) instructions/.exec(stats.stderr);
    if (stats.status !== 0 || !m) throw new Error(`x86-run failed on ${w.name}: ${stats.stderr}`);
    const instructions = Number(m[1]);
    // Interleaved rounds, each running the three commands one after the other, so a slow spell
    // of the machine falls on all of them alike; the ratio is the median of the rounds' ratios.
    const time = (argv) => {
      const t0 = performance.now();
      const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'ignore'] });
      if (r.status !== 0) throw new Error(`${argv[0]} failed on ${w.name}`);
      return (performance.now() - t0) / 1000;
    };
    const commands = {
      ours: [process.execPath, x86run, w.program, ...w.args],
      qemu: ['qemu-x86_64', w.program, ...w.args],
      native: [w.program, ...w.args],
    };
    for (const argv of Object.values(commands)) time(argv); // warm-up: page cache, binaries
    const times = { ours: [], qemu: [], native: [] };
    for (let round = 0; round < rounds; round++)
      for (const [name, argv] of Object.entries(commands)) times[name].push(time(argv));
    rows.push({
      name: w.name,
      instructions,
      ours: median(times.ours),
      qemu: median(times.qemu),
      native: median(times.native),
      ratio: median(times.ours.map((t, k) => times.qemu[k] / t)),
    });
  }

  const mips = (n, s) => (n / s / 1e6).toFixed(0);
  console.log('workload             guest instr   x86-run s  MIPS   qemu s   MIPS   x86-run/qemu  native s');
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(20)} ${String(r.instructions).padStart(12)} ${r.ours.toFixed(3).padStart(10)} ${mips(r.instructions, r.ours).padStart(5)} ${r.qemu.toFixed(3).padStart(8)} ${mips(r.instructions, r.qemu).padStart(6)} ${r.ratio.toFixed(3).padStart(13)}x ${r.native.toFixed(3).padStart(9)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
