/**
 * A volume that fails the way plugin bugs and corrupt images do (untyped
 * exceptions, RangeErrors) must never give a dead mount: the failing operation
 * gets EIO (a malformed structure too, as a damaged medium) and one log line naming the
 * operation and inode, and everything else keeps answering.
 */
import { lstatSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type DirPage, fileSystemOf, HostDirVolume, type Stat } from '@x/fsimage';
import { makeTree, tempDir } from '@x/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FuseServer, mountFuse, serveFuse, unmountFuse } from '../src/fuse/index.js';
import { detach, exec, sh } from './fixtures/fuse-harness.js';

/** The host directory, except that some inodes trip the volume up. */
class FaultyVolume extends HostDirVolume {
  constructor(
    root: string,
    private readonly faults: { read: number; stat: number; readdir: number; lookup: string },
  ) {
    super(root);
  }
  override read(ino: number, buf: Uint8Array, position: number): number {
    if (ino === this.faults.read) throw new Error('simulated plugin bug in read');
    return super.read(ino, buf, position);
  }
  /** Set while listing: the directory records are fine, only the inode itself is corrupt. */
  private listing = false;
  override stat(ino: number): Stat {
    if (ino === this.faults.stat && !this.listing)
      throw new RangeError('Offset is outside the bounds of the DataView');
    return super.stat(ino);
  }
  override readdir(dir: number, cursor: number, max: number): DirPage {
    if (dir === this.faults.readdir) throw new Error('simulated plugin bug in readdir');
    this.listing = true;
    try {
      return super.readdir(dir, cursor, max);
    } finally {
      this.listing = false;
    }
  }
  override lookup(dir: number, name: string): number {
    if (name === this.faults.lookup) throw new Error('simulated plugin bug in lookup');
    return super.lookup(dir, name);
  }
}

let base: string;
let mnt: string;
let server: FuseServer;
let faults: { read: number; stat: number; readdir: number; lookup: string };
const logs: string[] = [];

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('the FUSE mount tests run as root (mount(2) and /dev/fuse)');
  base = tempDir('fuse-robust-');
  const src = makeTree(join(base, 'src'), {
    'good.txt': 'still fine\n',
    'poison.bin': 'the volume cannot read this\n',
    'bad-stat': 'its inode is corrupt\n',
    'broken-dir/hidden': 'never listed\n',
    'ghost-parent/x': 'x',
  });
  faults = {
    read: lstatSync(join(src, 'poison.bin')).ino,
    stat: lstatSync(join(src, 'bad-stat')).ino,
    readdir: lstatSync(join(src, 'broken-dir')).ino,
    lookup: 'ghost',
  };
  mnt = join(base, 'mnt');
  mkdirSync(mnt);
  const fd = await mountFuse({ mountPoint: mnt, source: src });
  const fs = fileSystemOf(new FaultyVolume(src, faults));
  server = await serveFuse({ fd, threads: 0, fileSystem: fs, onLog: (l) => logs.push(l) });
});

afterAll(async () => {
  if (mnt) await detach(mnt);
});

describe('FUSE server over a failing volume', () => {
  it('gives EIO to cat for an untyped read failure, and logs the op and inode once', async () => {
    const r = await exec('cat', [join(mnt, 'poison.bin')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Input/output error');
    // One line per failed READ (the kernel retries a failed readahead once, synchronously).
    const lines = logs.filter((l) => l.includes('simulated plugin bug in read'));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    for (const line of lines) {
      expect(line).not.toContain('\n');
      expect(line).toContain(`READ inode ${faults.read}`);
    }
  });

  it('keeps answering: ls and cat of other files work, and the failure repeats as EIO', async () => {
    expect((await sh(`ls ${mnt}`)).split('\n').filter(Boolean).sort()).toEqual([
      'bad-stat',
      'broken-dir',
      'ghost-parent',
      'good.txt',
      'poison.bin',
    ]);
    expect(await sh(`cat ${join(mnt, 'good.txt')}`)).toBe('still fine\n');
    const again = await exec('cat', [join(mnt, 'poison.bin')]);
    expect(again.stderr).toContain('Input/output error');
  });

  it('gives EIO for a malformed structure, and lists the rest', async () => {
    const r = await exec('stat', [join(mnt, 'bad-stat')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Input/output error');
    const ls = await exec('ls', ['-l', mnt]);
    expect(ls.stdout).toContain('good.txt');
    expect(ls.stdout).toContain('poison.bin');
    expect(logs.some((l) => l.includes('LOOKUP inode 1 "bad-stat"') && l.includes('DataView'))).toBe(true);
  });

  it('gives EIO for a directory the volume cannot list, and for a lookup that fails', async () => {
    const r = await exec('ls', [join(mnt, 'broken-dir')]);
    expect(r.stderr).toContain('Input/output error');
    const l = await exec('stat', [join(mnt, 'ghost')]);
    expect(l.stderr).toContain('Input/output error');
    expect(logs.some((line) => line.startsWith('fuse: LOOKUP inode 1') && line.includes('lookup'))).toBe(
      true,
    );
    expect(await sh(`cat ${join(mnt, 'ghost-parent/x')}`)).toBe('x');
  });

  it('still unmounts cleanly', async () => {
    await unmountFuse(mnt);
    await expect(server.ended).resolves.toMatchObject({ reason: 'unmounted' });
  });
});
