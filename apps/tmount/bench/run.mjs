#!/usr/bin/env node
/**
 * tmount against the references, side by side in one run, as ratios:
 *  - a 256 MiB file read through the mount with a cold page cache: tmount,
 *    fuseiso on the same ISO, and the kernel's ext4 over a loop device holding
 *    the same file;
 *  - find + stat over a 2,000-entry directory, cold: tmount and fuseiso;
 *  - copying the file out without mounting: `fsimage cp` (warm cache), and
 *    Xen's libfsimage on the same ISO where its Python binding is installed.
 * Needs root (cold caches, loop mounts), hyperfine, genisoimage, fuseiso, mke2fs.
 * Timings come from hyperfine; each figure is the mean of its runs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyOut, openImage } from '@x/fsimage';
import { plugin as iso9660 } from '@x/fsimage-iso9660';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '../dist');
const fsimageCli = join(here, '../../../packages/fsimage/dist/cli.js');
const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const FILE_MIB = 256;
const DIR_ENTRIES = 2000;

function sh(cmd, args, options = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}
function has(tool) {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

for (const tool of ['hyperfine', 'genisoimage', 'fuseiso', 'mke2fs']) {
  if (!has(tool)) {
    console.error(`bench: ${tool} is needed (npm test installs it)`);
    process.exit(1);
  }
}
if (process.getuid?.() !== 0) {
  console.error('bench: run as root (it drops the page cache and loop-mounts an ext4 image)');
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'tmount-bench-'));
const state = join(work, 'state');
const env = { ...process.env, XVM_STATE_DIR: state };
const mounts = [];

function cleanup() {
  for (const [kind, mp] of mounts.reverse()) {
    if (kind === 'tmount') spawnSync(process.execPath, [join(dist, 'tumount.js'), mp], { env });
    else if (kind === 'fuseiso') spawnSync('fusermount3', ['-u', mp]);
    else spawnSync('umount', [mp]);
  }
  rmSync(work, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

// The source tree: one large file of incompressible bytes, and a large directory.
const src = join(work, 'src');
mkdirSync(join(src, 'many'), { recursive: true });
const fd = openSync(join(src, 'big.bin'), 'w');
const chunk = Buffer.alloc(1 << 20);
for (let i = 0; i < FILE_MIB; i++) writeSync(fd, randomFillSync(chunk));
closeSync(fd);
for (let i = 0; i < DIR_ENTRIES; i++) writeFileSync(join(src, 'many', `entry-${i}.txt`), `${i}\n`);

const iso = join(work, 'bench.iso');
sh('genisoimage', ['-quiet', '-R', '-J', '-o', iso, src]);
const ext4 = join(work, 'bench.ext4');
sh('mke2fs', ['-q', '-t', 'ext4', '-d', src, ext4, `${FILE_MIB + 64}M`]);

const mp = (name) => {
  const dir = join(work, name);
  mkdirSync(dir);
  return dir;
};
const mTmount = mp('tmount');
sh(process.execPath, [join(dist, 'tmount.js'), '-F', 'hsfs', iso, mTmount], { env });
mounts.push(['tmount', mTmount]);
const mFuseiso = mp('fuseiso');
sh('fuseiso', [iso, mFuseiso]);
mounts.push(['fuseiso', mFuseiso]);
const mExt4 = mp('ext4');
sh('mount', ['-o', 'loop,ro', ext4, mExt4]);
mounts.push(['kernel', mExt4]);

const DROP = 'sync; echo 3 > /proc/sys/vm/drop_caches';

/** hyperfine over named commands; returns name → mean seconds. */
function hyperfine(title, commands, { prepare, runs = RUNS, warmup = 0 } = {}) {
  const json = join(work, 'hf.json');
  const args = ['--runs', String(runs), '--warmup', String(warmup), '--export-json', json, '--style', 'none'];
  if (prepare) args.push('--prepare', prepare);
  for (const [name, command] of Object.entries(commands)) args.push('--command-name', name, command);
  sh('hyperfine', args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const results = JSON.parse(readFileSync(json, 'utf8')).results;
  const means = Object.fromEntries(results.map((r) => [r.command, r.mean]));
  console.log(`\n${title}`);
  for (const r of results) {
    console.log(`  ${r.command.padEnd(26)} ${r.mean.toFixed(3)} s ± ${r.stddev?.toFixed(3) ?? '0.000'}`);
  }
  return means;
}

function ratio(label, a, b) {
  console.log(`  ${label.padEnd(40)} ${(a / b).toFixed(2)}x`);
}

const rel = 'big.bin';
const read = hyperfine(
  `reading a ${FILE_MIB} MiB file, cold page cache (${RUNS} runs each)`,
  {
    tmount: `cat ${join(mTmount, rel)}`,
    fuseiso: `cat ${join(mFuseiso, rel)}`,
    'kernel ext4 (loop)': `cat ${join(mExt4, rel)}`,
  },
  { prepare: DROP },
);
ratio('tmount / fuseiso (lower is better)', read.tmount, read.fuseiso);
ratio('tmount / kernel ext4 (target ≤ 1.5)', read.tmount, read['kernel ext4 (loop)']);

const walk = (dir) => `find ${join(dir, 'many')} -printf '%s %m %T@\\n'`;
// One warm-up run each: the servers' own first look at the directory (and
// tmount's JIT) is not what is measured; the kernel's caches are dropped before every run.
const tree = hyperfine(
  `find + stat over ${DIR_ENTRIES} entries, cold kernel caches`,
  { tmount: walk(mTmount), fuseiso: walk(mFuseiso), 'kernel ext4 (loop)': walk(mExt4) },
  { prepare: DROP, warmup: 1 },
);
ratio('tmount / fuseiso (lower is better)', tree.tmount, tree.fuseiso);
const warmTree = hyperfine(
  `find + stat over ${DIR_ENTRIES} entries, warm`,
  {
    tmount: walk(mTmount),
    fuseiso: walk(mFuseiso),
  },
  { warmup: 1 },
);
ratio('tmount / fuseiso (lower is better)', warmTree.tmount, warmTree.fuseiso);

const out = join(work, 'out.bin');
const copies = {
  'fsimage cp': `${process.execPath} ${fsimageCli} cp ${iso}:/${rel} ${out}`,
};
const XEN_PYTHON = '/usr/lib/xen-4.17/lib/python';
const libfsimage = spawnSync('python3', ['-c', 'import xenfsimage'], {
  env: { ...process.env, PYTHONPATH: XEN_PYTHON },
});
if (libfsimage.status === 0) {
  const script = join(work, 'libfsimage-cp.py');
  writeFileSync(
    script,
    [
      'import sys, xenfsimage',
      'fs = xenfsimage.open(sys.argv[1], 0)',
      'f = fs.open_file(sys.argv[2])',
      "open(sys.argv[3], 'wb').write(f.read())",
    ].join('\n'),
  );
  copies["Xen's libfsimage"] = `env PYTHONPATH=${XEN_PYTHON} python3 ${script} ${iso} /${rel} ${out}`;
}
copies['node start-up alone'] = `${process.execPath} -e 0`;
const cp = hyperfine(`copying the ${FILE_MIB} MiB file out of the ISO, warm cache`, copies, {
  warmup: 1,
  prepare: `rm -f ${out}`,
});
const bytes = FILE_MIB * 2 ** 20;
console.log(
  `  fsimage cp, whole command                ${(bytes / 1e9 / cp['fsimage cp']).toFixed(2)} GB/s (target ≥ 1 GB/s)`,
);
console.log(
  `  fsimage cp, less Node's start-up         ${(bytes / 1e9 / (cp['fsimage cp'] - cp['node start-up alone'])).toFixed(2)} GB/s`,
);
// The same copy in this process (copyOut is what `fsimage cp` runs), best of RUNS.
const image = openImage(iso, { plugins: [iso9660] });
let inProcess = Number.POSITIVE_INFINITY;
for (let i = 0; i < RUNS; i++) {
  rmSync(out, { force: true });
  const start = performance.now();
  copyOut(image, `/${rel}`, out, false);
  inProcess = Math.min(inProcess, (performance.now() - start) / 1000);
}
image.close();
console.log(
  `  copyOut in process                       ${(bytes / 1e9 / inProcess).toFixed(2)} GB/s (${inProcess.toFixed(3)} s)`,
);
if (cp["Xen's libfsimage"])
  ratio("fsimage cp / Xen's libfsimage (lower is better)", cp['fsimage cp'], cp["Xen's libfsimage"]);
else console.log("  (Xen's libfsimage not installed: apt-get install xen-utils-4.17 to compare)");
