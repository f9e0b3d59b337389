/** The xvm-fuzz command: exit status, where findings go, what it prints, and Ctrl-C. */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fixture, scratch, sha1 } from './helpers.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

function xvmFuzz(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
}

describe('xvm-fuzz', () => {
  it('exits 1 and saves the crash when the target crashes', () => {
    const crashes = scratch();
    const r = xvmFuzz([
      fixture('contains.mjs'),
      '--runs',
      '100',
      '--seed',
      '1',
      '--crashes',
      crashes,
      '--quiet',
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/done \(runs\): 100 runs/);
    expect(r.stderr).toMatch(/crash x\d+: TypeError at fuzz/);
    const names = readdirSync(crashes).sort();
    expect(names).toHaveLength(2);
    const [input, note] = names;
    expect(note).toBe(`${input}.txt`);
    const data = readFileSync(join(crashes, input!));
    expect(input).toBe(`crash-${sha1(data)}`);
    expect(data.includes(0xab)).toBe(true);
  });

  it('exits 0 when nothing is found, and prints status lines unless quiet', () => {
    const corpus = scratch();
    const r = xvmFuzz([fixture('branch.mjs'), '--seconds', '4', '--corpus', corpus, '--crashes', scratch()]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^#\d+ {2}exec\/s \d+ {2}corpus \d+ {2}features \d+ {2}crashes 0 {2}hangs 0/m);
    expect(r.stderr).toMatch(/done \(seconds\)/);
    expect(readdirSync(corpus).length).toBeGreaterThan(0);
  });

  it('exits 2 on a bad invocation or a bad target', () => {
    expect(xvmFuzz([]).status).toBe(2);
    expect(xvmFuzz([fixture('chain.mjs'), '--runs', 'many']).status).toBe(2);
    expect(xvmFuzz([fixture('chain.mjs'), '--bogus']).status).toBe(2);
    const missing = xvmFuzz([fixture('absent.mjs'), '--runs', '1']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('no target module at');
    const help = xvmFuzz(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: xvm-fuzz TARGET.mjs');
  });

  it('ends an unbounded campaign on SIGINT with its summary', async () => {
    const child = spawn(process.execPath, [CLI, fixture('branch.mjs'), '--crashes', scratch()], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // Interrupt once the campaign is under way (its first status line).
    const deadline = Date.now() + 30_000;
    while (!stderr.includes('exec/s') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(stderr).toMatch(/done \(signal\): \d+ runs/);
  });
});
