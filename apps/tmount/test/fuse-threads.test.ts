/**
 * The threaded server (built code: worker threads load dist/fuse-worker.js):
 * each thread opens the image itself from a spec and blocks in read(2) on the
 * device. Checked on a host directory (through a pointer-file plugin, with the
 * descriptor shared and cloned), and on a third-party ISO 9660 image through
 * @x/fsimage-iso9660, against xorriso's extraction of the same image.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { S_IFDIR, S_IFLNK, S_IFMT } from '@x/fsimage';
import { makeTree, requireTool, tempDir, thirdPartyImage } from '@x/testkit';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mountFuse, serveFuse, unmountFuse } from '../src/fuse/index.js';
import { APP_DIR, buildTree, detach, exec, isMounted, requireBuilt, sh } from './fixtures/fuse-harness.js';

const HOSTDIR_PLUGIN = join(APP_DIR, 'test/fixtures/hostdir-plugin.mjs');

let base: string;
let src: string;
let pointer: string;
const mounts: string[] = [];

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('the FUSE mount tests run as root (mount(2) and /dev/fuse)');
  requireBuilt(['fuse.js', 'fuse-worker.js']);
  base = tempDir('fuse-threads-');
  src = buildTree(join(base, 'src'), { manyEntries: 500 });
  pointer = join(base, 'tree.hostdir');
  writeFileSync(pointer, `xvm-hostdir\n${src}\n`);
});

afterEach(async () => {
  for (const m of mounts.splice(0)) await detach(m);
});

function freshMountPoint(name: string): string {
  const m = join(base, name);
  mkdirSync(m);
  mounts.push(m);
  return m;
}

describe.each([
  { cloneFd: false, label: 'sharing one descriptor' },
  { cloneFd: true, label: 'each with a cloned descriptor' },
])('two serving threads $label', ({ cloneFd }) => {
  it('serve the tree exactly as the source has it, both threads answering', async () => {
    const mnt = freshMountPoint(`mnt-${cloneFd ? 'clone' : 'shared'}`);
    const logs: string[] = [];
    const fd = await mountFuse({ mountPoint: mnt, source: pointer });
    const server = await serveFuse({
      fd,
      threads: 2,
      cloneFd,
      spec: { image: pointer, pluginModules: [HOSTDIR_PLUGIN] },
      onLog: (l) => logs.push(l),
    });
    expect(server.threads).toBe(2);
    const script =
      "ls -laR --time-style=full-iso .; find . -printf '%p %y %m %s %T@ %l\\n' | sort; find . -type f -print0 | sort -z | xargs -0 sha256sum";
    const [a, b] = await Promise.all([sh(script, { cwd: src }), sh(script, { cwd: mnt })]);
    expect(b).toContain('./big.bin');
    expect(b).toBe(a);
    // Several readers at once: the threads answer in parallel.
    const files = ['big.bin', 'nested/a/b/c/deep.dat', 'odd.bin', 'page.bin'];
    const sums = await Promise.all(files.map((f) => sh(`sha256sum ${join(mnt, f)} | cut -d' ' -f1`)));
    const want = await Promise.all(files.map((f) => sh(`sha256sum ${join(src, f)} | cut -d' ' -f1`)));
    expect(sums).toEqual(want);
    await unmountFuse(mnt);
    const end = await server.ended;
    expect(end.reason).toBe('unmounted');
    expect(end.requests).toHaveLength(2);
    for (const n of end.requests!) expect(n).toBeGreaterThan(0);
    expect(logs.filter((l) => !l.startsWith('fuse: cannot clone'))).toEqual([]);
    expect(readdirSync(mnt)).toEqual([]);
  });
});

describe('serving threads that cannot open the image', () => {
  it('make serveFuse reject before any thread reads the device', async () => {
    const mnt = freshMountPoint('mnt-missing');
    const fd = await mountFuse({ mountPoint: mnt, source: 'missing' });
    await expect(
      serveFuse({
        fd,
        threads: 2,
        spec: { image: join(base, 'no-such-image'), pluginModules: [HOSTDIR_PLUGIN] },
      }),
    ).rejects.toThrow(/could not open the image.*no-such-image/);
    await unmountFuse(mnt, { lazy: true });
    expect(isMounted(mnt)).toBe(false);
  });
});

describe('a serving thread that dies in the middle of a request', () => {
  it('has that request answered EIO and is replaced; the mount keeps answering', async () => {
    const crashSrc = makeTree(join(base, 'crash-src'), {
      'crash-the-thread': 'boom\n',
      'fine.txt': 'fine\n',
    });
    const crashPointer = join(base, 'crash.hostdir');
    writeFileSync(crashPointer, `xvm-hostdir\n${crashSrc}\n`);
    const mnt = freshMountPoint('mnt-crash');
    const logs: string[] = [];
    const fd = await mountFuse({ mountPoint: mnt, source: crashPointer });
    const server = await serveFuse({
      fd,
      threads: 2,
      spec: { image: crashPointer, pluginModules: [HOSTDIR_PLUGIN] },
      onLog: (l) => logs.push(l),
    });
    const r = await exec('cat', [join(mnt, 'crash-the-thread')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Input/output error');
    expect(logs.some((l) => l.includes('answering it EIO'))).toBe(true);
    expect(logs.some((l) => l.includes('starting another'))).toBe(true);
    for (let i = 0; i < 5; i++) expect(await sh(`cat ${join(mnt, 'fine.txt')}`)).toBe('fine\n');
    expect((await sh(`ls ${mnt}`)).split('\n').filter(Boolean)).toEqual(['crash-the-thread', 'fine.txt']);
    await unmountFuse(mnt);
    expect((await server.ended).reason).toBe('unmounted');
  });
});

describe('an ISO 9660 image genisoimage makes from the test tree, in two threads', () => {
  it('shows the tree as the source has it (Rock Ridge keeps modes, times and links)', async () => {
    requireTool('genisoimage');
    const iso = join(base, 'tree.iso');
    // link-long is left out: genisoimage writes a malformed SL entry for a target
    // over about 250 bytes (isoinfo reports "BAD RRVERSION"), so the image
    // cannot hold it; the ISO plugin lists such an entry under its ISO 9660 name.
    const made = await exec('genisoimage', ['-quiet', '-R', '-m', 'link-long', '-o', iso, src]);
    expect(made.stderr).toBe('');
    const mnt = freshMountPoint('mnt-tree-iso');
    const logs: string[] = [];
    const fd = await mountFuse({ mountPoint: mnt, source: iso });
    const server = await serveFuse({
      fd,
      threads: 2,
      spec: { image: iso, pluginModules: ['@x/fsimage-iso9660'] },
      onLog: (l) => logs.push(l),
    });
    try {
      // Rock Ridge times are whole seconds, and an ISO directory's size is its extent: compare
      // names, types, modes, seconds and link targets of all, sizes and bytes of the rest.
      const script = [
        "find . ! -name . ! -name link-long -printf '%p %y %m %Ts %l\\n' | LC_ALL=C sort",
        "find . ! -type d ! -name link-long -printf '%p %s\\n' | LC_ALL=C sort",
        'find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum',
      ].join('; ');
      const [a, b] = await Promise.all([sh(script, { cwd: src }), sh(script, { cwd: mnt })]);
      expect(b).toContain('./many/entry-0499');
      expect(b).toBe(a);
      expect(logs).toEqual([]);
    } finally {
      await unmountFuse(mnt);
    }
    expect((await server.ended).reason).toBe('unmounted');
  });
});

/** `find -printf '%T@'` of a time: seconds, a point and ten digits. */
function findTime(t: { sec: number; nsec: number }): string {
  return `${t.sec}.${String(t.nsec).padStart(9, '0')}0`;
}

describe('an ISO 9660 image through @x/fsimage-iso9660 in two threads', () => {
  it('shows what the plugin reads, and the bytes and times xorriso extracts', async () => {
    requireTool('xorriso');
    const image = thirdPartyImage('dfvfs/iso9660.raw');
    const mnt = freshMountPoint('mnt-iso');
    const fd = await mountFuse({ mountPoint: mnt, source: image });
    const server = await serveFuse({
      fd,
      threads: 2,
      spec: { image, pluginModules: ['@x/fsimage-iso9660'] },
    });
    try {
      // The plugin's own view, read in this thread without FUSE.
      await import('@x/fsimage-iso9660');
      const { openImage } = await import('@x/fsimage');
      const fs = openImage(image);
      const expected: string[] = [];
      const expectedSums: string[] = [];
      for (const e of fs.walk('/')) {
        const type =
          (e.stat.mode & S_IFMT) === S_IFDIR ? 'd' : (e.stat.mode & S_IFMT) === S_IFLNK ? 'l' : 'f';
        const mode = (e.stat.mode & 0o7777).toString(8);
        expected.push(`.${e.path} ${type} ${mode} ${e.stat.size} ${findTime(e.stat.mtime)}`);
        if (type === 'f') {
          expectedSums.push(`${createHash('sha256').update(fs.readFile(e.path)).digest('hex')}  .${e.path}`);
        }
      }
      fs.close();
      const listing = await sh("find . ! -name . -printf '%p %y %m %s %T@\\n' | LC_ALL=C sort", {
        cwd: mnt,
      });
      expect(listing.trim().split('\n')).toEqual(expected.sort());
      const sums = await sh('find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum', { cwd: mnt });
      expect(sums.trim().split('\n')).toEqual(
        expectedSums.sort((x, y) => (x.slice(66) < y.slice(66) ? -1 : 1)),
      );

      // xorriso's extraction: same files (names compared without case), bytes and times.
      const extracted = join(base, 'iso-extracted');
      const x = await exec('xorriso', ['-indev', image, '-osirrox', 'on', '-extract', '/', extracted]);
      expect(x.code).toBe(0);
      const normal = (out: string) =>
        out
          .trim()
          .split('\n')
          .map((l) => l.toLowerCase())
          .sort();
      const oracle = "find . ! -name . -printf '%p %y %T@\\n'; find . -type f -print0 | xargs -0 sha256sum";
      const [fromXorriso, fromMount] = await Promise.all([
        sh(oracle, { cwd: extracted }),
        sh(oracle, { cwd: mnt }),
      ]);
      expect(normal(fromMount)).toEqual(normal(fromXorriso));
      expect(normal(fromMount).length).toBeGreaterThan(5);
    } finally {
      await unmountFuse(mnt);
    }
    const end = await server.ended;
    expect(end.reason).toBe('unmounted');
  });
});
