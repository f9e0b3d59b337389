/**
 * End to end as root: a host directory served in this thread through the
 * kernel, checked with real programs (run as asynchronous child processes, so
 * this thread stays free to answer them) against the same directory read
 * directly. Whatever the kernel shows through the mount must equal the
 * source: listings, modes, sizes, times, link targets, bytes.
 *
 * Not compared: st_dev (another file system), birth time (FUSE 7.38 carries
 * none) and access times (reading the source through the mount changes them
 * while the mount caches attributes); `ls -la` and `find -printf` below show
 * none of these.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileSystemOf, HostDirVolume } from '@x/fsimage';
import { tempDir } from '@x/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FuseBusyError,
  FuseMountError,
  type FuseServer,
  mountFuse,
  serveFuse,
  unmountFuse,
} from '../src/fuse/index.js';
import { buildTree, detach, exec, isMounted, sh } from './fixtures/fuse-harness.js';

let base: string;
let src: string;
let mnt: string;
let volume: HostDirVolume;
let server: FuseServer;
const logs: string[] = [];

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('the FUSE mount tests run as root (mount(2) and /dev/fuse)');
  base = tempDir('fuse-mount-');
  src = buildTree(join(base, 'src'));
  mnt = join(base, 'mnt');
  mkdirSync(mnt);
  volume = new HostDirVolume(src);
  const fd = await mountFuse({ mountPoint: mnt, source: src });
  server = await serveFuse({ fd, threads: 0, fileSystem: fileSystemOf(volume), onLog: (l) => logs.push(l) });
}, 120_000);

afterAll(async () => {
  if (mnt) await detach(mnt);
});

/** The same command in both trees, from their roots. */
async function both(script: string): Promise<[string, string]> {
  return Promise.all([sh(script, { cwd: src }), sh(script, { cwd: mnt })]);
}

describe('in-thread FUSE server over a host directory', () => {
  it('is mounted read-only as fuse.tmount', () => {
    expect(isMounted(mnt)).toBe(true);
  });

  it('gives the same `ls -laR --time-style=full-iso` listing', async () => {
    const [a, b] = await both('ls -laR --time-style=full-iso .');
    expect(b.split('\n').length).toBeGreaterThan(2000);
    expect(b).toBe(a);
  });

  it("gives the same `find -printf '%p %y %m %s %T@ %l'`", async () => {
    const [a, b] = await both("find . -printf '%p %y %m %s %T@ %l\\n' | sort");
    expect(b.split('\n').length).toBeGreaterThan(2000);
    expect(b).toBe(a);
  });

  it('gives the same inode numbers, link counts, owners and change times (stat)', async () => {
    const [a, b] = await both(
      "find . ! -name . -print0 | sort -z | xargs -0 stat -c '%n %i %h %u %g %a %s %Y %Z %F'",
    );
    expect(b).toBe(a);
  });

  it('gives the same bytes for every file (sha256sum)', async () => {
    const [a, b] = await both('find . -type f -print0 | sort -z | xargs -0 sha256sum');
    expect(b).toContain('./big.bin');
    expect(b).toBe(a);
  });

  it('reads a file bigger than a READ in odd pieces (dd) as the source has it', async () => {
    const [a, b] = await both('dd if=big.bin bs=777777 skip=1 2>/dev/null | sha256sum');
    expect(b).toBe(a);
  });

  it('gives the same symbolic link targets (readlink)', async () => {
    const [a, b] = await both(
      'find . -type l | sort | while read -r l; do printf "%s -> %s\\n" "$l" "$(readlink "$l")"; done',
    );
    expect(b.split('\n').filter(Boolean)).toHaveLength(6);
    expect(b).toBe(a);
  });

  it('answers statfs (stat -f) from the volume', async () => {
    const out = await sh(`stat -f -c '%S %l %c' ${mnt}`);
    const s = volume.statfs();
    expect(out.trim()).toBe(`${s.blockSize} ${s.nameMax} ${s.files}`);
  });

  it('copies out with cp -a to an identical tree', async () => {
    const copy = join(base, 'copy');
    await sh(`cp -a ${mnt}/. ${copy}/`);
    // A copied directory's size is whatever the host file system allocated for it (the mount's own
    // directory sizes are compared with the source above), so directories are listed without it.
    const listing =
      "find . \\( -type d -printf '%p %y %m %T@\\n' \\) -o -printf '%p %y %m %s %T@ %l\\n' | sort; find . -type f -print0 | sort -z | xargs -0 sha256sum";
    const [a, b] = await Promise.all([sh(listing, { cwd: src }), sh(listing, { cwd: copy })]);
    expect(b).toBe(a);
  });

  it('refuses every write with EROFS', async () => {
    const attempts = [
      ['touch', [join(mnt, 'new-file')]],
      ['mkdir', [join(mnt, 'new-dir')]],
      ['rm', ['-f', join(mnt, 'small.txt')]],
      ['sh', ['-c', `echo more >> ${join(mnt, 'small.txt')}`]],
      ['chmod', ['777', join(mnt, 'small.txt')]],
      ['ln', ['-s', 'x', join(mnt, 'new-link')]],
      ['mv', [join(mnt, 'small.txt'), join(mnt, 'moved.txt')]],
      ['truncate', ['-s', '0', join(mnt, 'small.txt')]],
    ] as const;
    for (const [cmd, args] of attempts) {
      const r = await exec(cmd, [...args]);
      expect(`${cmd}: ${r.code}`).not.toBe(`${cmd}: 0`);
      expect(r.stderr).toContain('Read-only file system');
    }
    const [a, b] = await both('sha256sum small.txt');
    expect(b).toBe(a);
  });

  it('refuses a mount point that is not an empty directory', async () => {
    await expect(mountFuse({ mountPoint: src, source: src })).rejects.toThrow(/not empty/);
    await expect(mountFuse({ mountPoint: join(src, 'small.txt'), source: src })).rejects.toMatchObject({
      code: 'ENOTDIR',
    });
    await expect(mountFuse({ mountPoint: join(base, 'absent'), source: src })).rejects.toBeInstanceOf(
      FuseMountError,
    );
  });

  it('says busy, naming the mount point, while a process works inside it', async () => {
    // The shell enters the mount, not spawn (see sh() in the harness).
    const child = spawn('sh', ['-c', `cd ${join(mnt, 'nested')} && echo inside && exec sleep 30`]);
    await new Promise((r) => child.stdout.once('data', r));
    try {
      const err = await unmountFuse(mnt).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FuseBusyError);
      expect((err as Error).message).toContain(mnt);
      expect(isMounted(mnt)).toBe(true);
    } finally {
      child.kill();
      await new Promise((r) => child.once('exit', r));
    }
  });

  it('logged nothing while serving', () => {
    expect(logs).toEqual([]);
  });

  it('unmounts: the session ends and the mount point is empty again', async () => {
    await unmountFuse(mnt);
    await expect(server.ended).resolves.toMatchObject({ reason: 'unmounted' });
    expect(isMounted(mnt)).toBe(false);
    expect(readdirSync(mnt)).toEqual([]);
  });
});

describe('the fusermount3 route, taken by root on request', () => {
  it('mounts, serves, reports busy and unmounts lazily through fusermount3', async () => {
    const small = buildTree(join(base, 'small-src'), { manyEntries: 20 });
    const point = join(base, 'mnt-fusermount');
    mkdirSync(point);
    try {
      const fd = await mountFuse({ mountPoint: point, source: small, useFusermount: true });
      const served = await serveFuse({ fd, threads: 0, fileSystem: fileSystemOf(new HostDirVolume(small)) });
      const script =
        "find . -printf '%p %y %m %s %T@ %l\\n' | sort; find . -type f -print0 | sort -z | xargs -0 sha256sum";
      const [a, b] = await Promise.all([sh(script, { cwd: small }), sh(script, { cwd: point })]);
      expect(b).toBe(a);
      const child = spawn('sh', ['-c', `cd ${point} && echo inside && exec sleep 30`]);
      await new Promise((r) => child.stdout.once('data', r));
      try {
        const err = await unmountFuse(point, { useFusermount: true }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(FuseBusyError);
        expect((err as Error).message).toContain(point);
        await unmountFuse(point, { useFusermount: true, lazy: true });
        expect(isMounted(point)).toBe(false);
      } finally {
        child.kill();
        await new Promise((r) => child.once('exit', r));
      }
      await expect(served.ended).resolves.toMatchObject({ reason: 'unmounted' });
      await expect(unmountFuse(point, { useFusermount: true })).rejects.toBeInstanceOf(FuseMountError);
    } finally {
      await detach(point);
    }
  });
});
