#!/usr/bin/env node
/**
 * Guest speed of x86-run beside qemu-x86_64 (Debian's QEMU user mode) on the
 * same static binaries, in one run: an integer loop, qsort/merge sort, and
 * sha256 of a 4 MiB file. The guest instruction count comes from
 * `x86-run --stats` (both run the same instruction stream); times are
 * hyperfine means of whole commands, start-up included. Prints MIPS and the
 * ratio to QEMU.
 *
 *   node bench/run.mjs [--quick]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const x86run = join(here, '../dist/bin/x86-run.js');
const programs = join(here, '../test/programs');
const quick = process.argv.includes('--quick');

for (const tool of ['gcc', 'qemu-x86_64', 'hyperfine']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    console.error(`bench: ${tool} is missing (Debian: gcc, qemu-user, hyperfine)`);
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
    const json = join(dir, 'hyperfine.json');
    const quote = (a) => `'${a.replaceAll("'", "'\\''")}'`;
    const cmd = (argv) => argv.map(quote).join(' ');
    execFileSync(
      'hyperfine',
      [
        '--runs',
        quick ? '2' : '3',
        '--warmup',
        '1',
        '--export-json',
        json,
        '-n',
        'x86-run',
        cmd([process.execPath, x86run, w.program, ...w.args]),
        '-n',
        'qemu-x86_64',
        cmd(['qemu-x86_64', w.program, ...w.args]),
        '-n',
        'native',
        cmd([w.program, ...w.args]),
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const results = JSON.parse(readFileSync(json, 'utf8')).results;
    const mean = (name) => results.find((r) => r.command === name).mean;
    rows.push({
      name: w.name,
      instructions,
      ours: mean('x86-run'),
      qemu: mean('qemu-x86_64'),
      native: mean('native'),
    });
  }

  const mips = (n, s) => (n / s / 1e6).toFixed(0);
  console.log('workload             guest instr   x86-run s  MIPS   qemu s   MIPS   x86-run/qemu  native s');
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(20)} ${String(r.instructions).padStart(12)} ${r.ours.toFixed(3).padStart(10)} ${mips(r.instructions, r.ours).padStart(5)} ${r.qemu.toFixed(3).padStart(8)} ${mips(r.instructions, r.qemu).padStart(6)} ${(r.qemu / r.ours).toFixed(3).padStart(13)}x ${r.native.toFixed(3).padStart(9)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
