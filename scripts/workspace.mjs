#!/usr/bin/env node
/**
 * The two quick-start commands, runnable with nothing but Node.js and npm:
 *   npm run demo   set up, build, and read (and, where FUSE is available, mount) the bundled example ISO
 *   npm test       set up, build, lint, type-check and run every test suite
 * pnpm is fetched through npx at the version package.json pins when it is not
 * already on PATH at that version. The Debian tools the tests compare against
 * are installed with apt-get when missing (as root), or named for the user to install.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpmVersion = pkg.packageManager.split('@')[1];

/** Tool → Debian package, for what the tests and the demo use as oracles or helpers. */
const DEBIAN_TOOLS = {
  genisoimage: 'genisoimage',
  isoinfo: 'genisoimage',
  xorriso: 'xorriso',
  makefs: 'makefs',
  fusermount3: 'fuse3',
  fuseiso: 'fuseiso',
  sfdisk: 'fdisk',
  sgdisk: 'gdisk',
  partx: 'util-linux',
  mke2fs: 'e2fsprogs',
  cc: 'gcc',
  as: 'binutils',
  hyperfine: 'hyperfine',
  busybox: 'busybox-static',
  'musl-gcc': 'musl-tools',
  'qemu-x86_64': 'qemu-user',
  // gcc-multilib installs no command of its own: look for its 32-bit start files.
  '/usr/lib/gcc/x86_64-linux-gnu/12/32/crtbegin.o': 'gcc-multilib',
};

function log(message) {
  process.stderr.write(`\x1b[1m==> ${message}\x1b[0m\n`);
}

function sh(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...options });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function must(cmd, args, options) {
  const status = sh(cmd, args, options);
  if (status !== 0) {
    log(`${cmd} ${args.join(' ')} failed (exit ${status})`);
    process.exit(status);
  }
}

function has(tool) {
  if (tool.startsWith('/')) return existsSync(tool);
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/** The pnpm to run: the one on PATH if it is the pinned version, else npx's copy. */
function pnpmCommand() {
  const r = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  if (r.status === 0 && r.stdout.trim() === pnpmVersion) return ['pnpm', []];
  return ['npx', ['--yes', `pnpm@${pnpmVersion}`]];
}

function ensureDebianTools(tools) {
  const missing = [...new Set(tools.filter((t) => !has(t)).map((t) => DEBIAN_TOOLS[t]))];
  if (missing.length === 0) return;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !has('apt-get')) {
    log(
      `missing Debian packages: ${missing.join(' ')}; install them (sudo apt-get install -y ${missing.join(' ')}) and run again`,
    );
    process.exit(1);
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  must('apt-get', ['update', '-qq'], { env });
  must('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
}

function setup() {
  const [pnpm, pre] = pnpmCommand();
  const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };
  const run = (...args) => must(pnpm, [...pre, ...args], { env });
  log(`installing dependencies (pnpm ${pnpmVersion})`);
  run('install', '--frozen-lockfile', '--reporter=append-only');
  log('building');
  run('exec', 'turbo', 'run', 'build', '--output-logs=errors-only');
  return run;
}

/** Sum the vitest JSON reports into the closing "N passed, N failed" line. */
function summarise(reportDir) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const file of existsSync(reportDir) ? readdirSync(reportDir) : []) {
    const r = JSON.parse(readFileSync(join(reportDir, file), 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    // A test file that fails to load fails no single test, but fails all the same.
    failed += r.testResults.filter(
      (file) => file.status === 'failed' && !file.assertionResults.some((t) => t.status === 'failed'),
    ).length;
    skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  }
  return { passed, failed, skipped };
}

function test() {
  ensureDebianTools(Object.keys(DEBIAN_TOOLS));
  const run = setup();
  log('lint and format check');
  run('exec', 'biome', 'ci', '.');
  run('exec', 'turbo', 'run', 'lint', 'typecheck', '--output-logs=errors-only');
  log('tests');
  const reportDir = join(root, '.test-reports');
  rmSync(reportDir, { recursive: true, force: true });
  mkdirSync(reportDir);
  const [pnpm, pre] = pnpmCommand();
  const status = sh(pnpm, [...pre, 'exec', 'turbo', 'run', 'test', '--concurrency=1', '--continue'], {
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', XVM_TEST_REPORT_DIR: reportDir },
  });
  const { passed, failed, skipped } = summarise(reportDir);
  process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  process.exit(status !== 0 || failed > 0 || passed === 0 ? 1 : 0);
}

function demo() {
  ensureDebianTools(['fusermount3']);
  setup();
  must(process.execPath, [join(root, 'examples/demo.mjs')]);
}

const command = process.argv[2];
if (command === 'test') test();
else if (command === 'demo') demo();
else {
  process.stderr.write('usage: node scripts/workspace.mjs test|demo\n');
  process.exit(2);
}
