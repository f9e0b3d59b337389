/**
 * Fuzz target: ISO 9660 with Rock Ridge (SUSP, CE continuations, SL, NM, TF,
 * CL/RE relocation, zisofs), Joliet and El Torito. The volume is used
 * directly, not through the path layer, which would turn a stray RangeError
 * into an FsError and hide it: here only FsError is an answer, anything else
 * thrown is a crash. Inputs start at the volume descriptors (sector 16); the
 * system area before them is zeros, added by the target.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FsError,
  MemoryBlockSource,
  OperationGuard,
  resolveLimits,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
} from '@x/fsimage';
import { plugin } from '@x/fsimage-iso9660';

const SYSTEM_AREA = 16 * 2048;
const limits = resolveLimits({ operationTimeoutMs: 2000, maxDirEntries: 10_000, maxChainLength: 64 });
const guard = new OperationGuard(limits.operationTimeoutMs);
const buffer = new Uint8Array(1 << 16);

export function isExpected(e) {
  return e instanceof FsError;
}

function tree() {
  const root = join(mkdtempSync(join(tmpdir(), 'iso-seed-')), 'tree');
  mkdirSync(join(root, 'a/b/c/d/e/f/g/h/i'), { recursive: true });
  writeFileSync(join(root, 'a/b/c/d/e/f/g/h/i/deep.txt'), 'relocated\n');
  writeFileSync(join(root, `${'long-name-'.repeat(20)}.txt`), 'a name that needs a continuation area\n');
  writeFileSync(join(root, 'text.txt'), 'compress me, compress me. '.repeat(800));
  symlinkSync('a/b/../b/c', join(root, 'link'));
  symlinkSync('/abs/target', join(root, 'abs'));
  return root;
}

/** Images made by real tools, without their system area. */
export function seeds() {
  const src = tree();
  const work = mkdtempSync(join(tmpdir(), 'iso-seed-'));
  writeFileSync(join(work, 'boot.img'), new Uint8Array(2048));
  const images = [
    execFileSync('genisoimage', ['-quiet', '-no-pad', '-R', '-J', '-o', '-', src]),
    execFileSync('genisoimage', ['-quiet', '-no-pad', '-J', '-o', '-', src]),
  ];
  const zisofs = join(work, 'zisofs.iso');
  execFileSync(
    'xorriso',
    ['-outdev', zisofs, '-map', src, '/', '-set_filter_r', '--zisofs', '/', '--', '-commit'],
    { stdio: 'ignore' },
  );
  images.push(readFileSync(zisofs));
  const boot = join(work, 'boot.iso');
  execFileSync(
    'xorriso',
    ['-as', 'mkisofs', '-quiet', '-R', '-b', 'boot.img', '-no-emul-boot', '-o', boot, work],
    { stdio: 'ignore' },
  );
  images.push(readFileSync(boot));
  return images.map((i) => new Uint8Array(i).subarray(SYSTEM_AREA));
}

export const dictionary = [
  'CD001',
  '\x01CD001\x01',
  'RR',
  'PX',
  'PN',
  'SL',
  'NM',
  'CE',
  'TF',
  'ZF',
  'CL',
  'PL',
  'RE',
  'SP',
  'ER',
  'ST',
  'pz',
  'RRIP_1991A',
  '%/E',
  '%/@',
  'EL TORITO SPECIFICATION',
];

/** One operation; a typed error is its answer, and the walk goes on. */
function attempt(fn) {
  guard.begin();
  try {
    return fn();
  } catch (e) {
    if (e instanceof FsError) return undefined;
    throw e;
  }
}

export function fuzz(data) {
  const image = new Uint8Array(SYSTEM_AREA + data.length);
  image.set(data, SYSTEM_AREA);
  const source = new MemoryBlockSource(image);
  if (!plugin.probe(source)) return;
  guard.begin();
  const volume = plugin.mount(source, { limits, guard, options: {}, warn() {} });
  attempt(() => volume.info());
  attempt(() => volume.statfs());
  const queue = [volume.root];
  const seen = new Set();
  let budget = 200;
  while (queue.length > 0 && budget > 0) {
    const dir = queue.shift();
    if (seen.has(dir)) continue;
    seen.add(dir);
    const page = attempt(() => volume.readdir(dir, 0, 64));
    for (const entry of page?.entries ?? []) {
      if (--budget <= 0) break;
      attempt(() => volume.lookup(dir, entry.name));
      const st = attempt(() => volume.stat(entry.ino));
      if (!st) continue;
      const type = st.mode & S_IFMT;
      if (type === S_IFDIR) queue.push(entry.ino);
      else if (type === S_IFLNK) attempt(() => volume.readlink(entry.ino));
      else if (type === S_IFREG)
        attempt(() => volume.read(entry.ino, buffer, Math.max(0, st.size - buffer.length)));
    }
  }
}
