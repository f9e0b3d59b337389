/** The mount table: entries, lookups, the mnttab format, and entries of dead daemons. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@x/testkit';
import { describe, expect, it } from 'vitest';
import {
  currentProcess,
  formatMnttab,
  isLofiError,
  LofiTable,
  type MountEntry,
  MountTable,
  processIdentity,
} from '../src/index.js';
import { idleProcess } from './helpers/children.js';
import { blankImage } from './helpers/images.js';

describe('MountTable', () => {
  it('adds, finds, lists and removes mounts', () => {
    const dir = join(tempDir(), 'state');
    const table = new MountTable({ stateDir: dir });
    const before = Math.floor(Date.now() / 1000);
    const a = table.add({
      special: '/images/a.iso',
      mountPoint: '/mnt/a',
      fstype: 'hsfs',
      options: 'ro,nosuid',
    });
    const b = table.add({
      special: '/dev/lofi/1s0',
      mountPoint: '/mnt/b/',
      fstype: 'ufs',
      options: 'ro',
      device: '/dev/lofi/1',
    });
    expect(a).toMatchObject({ pid: process.pid, startTime: currentProcess().startTime });
    expect(a.time).toBeGreaterThanOrEqual(before);
    expect(b.mountPoint).toBe('/mnt/b');
    expect(table.list()).toEqual([a, b]);
    expect(table.find('/mnt/a')).toEqual(a);
    expect(table.find('/dev/lofi/1s0')).toEqual(b);
    expect(table.find('/mnt/c')).toBeUndefined();
    expect(() => table.add({ special: 'x', mountPoint: '/mnt/a', fstype: 'ufs', options: '' })).toThrow(
      '/mnt/a is already a mount point (/images/a.iso)',
    );
    expect(new MountTable({ stateDir: dir }).remove('/images/a.iso')).toEqual(a);
    expect(() => table.remove('/mnt/a')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(table.list()).toEqual([b]);
  });

  it('prints like /etc/mnttab: special, mount point, type, options, time, tab-separated', () => {
    const entries: MountEntry[] = [
      {
        special: '/a.iso',
        mountPoint: '/mnt/a',
        fstype: 'hsfs',
        options: 'ro',
        time: 1700000000,
        pid: 1,
        startTime: 0,
      },
      {
        special: 'rpool/ROOT',
        mountPoint: '/',
        fstype: 'zfs',
        options: '',
        time: 1700000001,
        pid: 1,
        startTime: 0,
      },
    ];
    expect(formatMnttab(entries)).toBe(
      '/a.iso\t/mnt/a\thsfs\tro\t1700000000\nrpool/ROOT\t/\tzfs\t-\t1700000001\n',
    );
  });

  it('removes and reports entries whose daemon died, together with the devices it attached', async () => {
    const dir = join(tempDir(), 'state');
    const stale: MountEntry[][] = [];
    const table = new MountTable({ stateDir: dir, onStale: (s) => stale.push(s) });
    const devices = new LofiTable({ stateDir: dir });
    const image = blankImage('daemon.img', 1 << 20);
    const daemon = idleProcess();
    await daemon.firstLine;
    const pid = daemon.process.pid!;
    const dev = devices.attach(image, { owner: { ...processIdentity(pid)!, mountPoint: '/mnt/d' } });
    const dead = table.add({
      special: dev.device,
      mountPoint: '/mnt/d',
      fstype: 'ufs',
      options: 'ro',
      pid,
      device: dev.device,
    });
    const alive = table.add({ special: '/b.iso', mountPoint: '/mnt/e', fstype: 'hsfs', options: 'ro' });
    expect(table.list()).toEqual([dead, alive]);
    expect(stale).toEqual([]);
    daemon.process.kill('SIGKILL');
    await daemon.done;
    expect(table.list()).toEqual([alive]);
    expect(stale).toEqual([[dead]]);
    expect(table.sweep()).toEqual([]);
    expect(devices.list()).toEqual([]);
  });

  it('sweep returns the dead entries to a caller without a callback', async () => {
    const dir = join(tempDir(), 'state');
    const table = new MountTable({ stateDir: dir });
    const daemon = idleProcess();
    await daemon.firstLine;
    const m = table.add({
      special: '/c.iso',
      mountPoint: '/mnt/f',
      fstype: 'hsfs',
      options: 'ro',
      pid: daemon.process.pid!,
    });
    daemon.process.kill('SIGKILL');
    await daemon.done;
    expect(table.sweep()).toEqual([m]);
    expect(table.list()).toEqual([]);
  });

  it('refuses a serving process that is not running, and reports a corrupt file', () => {
    const dir = join(tempDir(), 'state');
    const table = new MountTable({ stateDir: dir });
    expect(() =>
      table.add({ special: 'x', mountPoint: '/mnt/x', fstype: 'ufs', options: '', pid: 0x3fffffff }),
    ).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    table.list();
    const path = join(dir, 'mnttab.json');
    writeFileSync(path, '{"version": 1, "mounts": [{"special": 1}]}');
    let error: unknown;
    try {
      table.list();
    } catch (e) {
      error = e;
    }
    expect(isLofiError(error, 'ECORRUPT')).toBe(true);
    expect((error as Error).message).toMatch(/mounts\[0\]: special is not a string/);
    expect(readFileSync(path, 'utf8')).toContain('"special": 1');
  });
});
