/** The device table: attach, detach, lookups, labelled devices and their owners. */
import { existsSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tempDir } from '@x/testkit';
import { describe, expect, it } from 'vitest';
import {
  currentProcess,
  isLofiError,
  type LofiErrorCode,
  LofiTable,
  MountTable,
  processIdentity,
} from '../src/index.js';
import { idleProcess } from './helpers/children.js';
import { blankImage, readBytes, sfdisk, writeBytes } from './helpers/images.js';
import { partx } from './helpers/partx.js';
import { writeVtoc } from './helpers/vtoc-writer.js';

function freshTable(): { table: LofiTable; dir: string } {
  const dir = join(tempDir(), 'state');
  return { table: new LofiTable({ stateDir: dir, lockTimeoutMs: 2000 }), dir };
}

function codeOf(fn: () => unknown): LofiErrorCode | 'none' | 'other' {
  try {
    fn();
    return 'none';
  } catch (e) {
    return isLofiError(e) ? e.code : 'other';
  }
}

function files(n: number): string[] {
  return Array.from({ length: n }, (_, i) => blankImage(`file-${i}-${Math.random()}.img`, 1 << 20));
}

describe('LofiTable', () => {
  it('attaches read-only by default at the lowest free number and keeps it across instances', () => {
    const { table, dir } = freshTable();
    const [a, b, c] = files(3);
    expect(table.attach(a!)).toMatchObject({
      device: '/dev/lofi/1',
      minor: 1,
      file: a,
      readonly: true,
      labelled: false,
    });
    expect(table.attach(b!, { readonly: false }).device).toBe('/dev/lofi/2');
    table.detach('/dev/lofi/1');
    expect(table.attach(c!).device).toBe('/dev/lofi/1');
    const again = new LofiTable({ stateDir: dir });
    expect(again.list().map((d) => [d.device, d.file, d.readonly])).toEqual([
      ['/dev/lofi/1', c, true],
      ['/dev/lofi/2', b, false],
    ]);
    expect(again.byFile(b!)?.device).toBe('/dev/lofi/2');
    expect(again.byDevice('/dev/lofi/1')?.file).toBe(c);
    expect(again.byDevice('/dev/rlofi/2')?.file).toBe(b);
    expect(again.byDevice('/dev/lofi/9')).toBeUndefined();
  });

  it('records the real path, and refuses the same file twice naming its device', () => {
    const { table } = freshTable();
    const [a] = files(1);
    const link = join(tempDir(), 'link.img');
    symlinkSync(a!, link);
    table.attach(a!);
    for (const alias of [link, relative(process.cwd(), a!)]) {
      let error: unknown;
      try {
        table.attach(alias);
      } catch (e) {
        error = e;
      }
      expect(isLofiError(error, 'EBUSY')).toBe(true);
      expect((error as Error).message).toBe(`${a} is already attached as /dev/lofi/1`);
    }
    expect(table.byFile(link)?.device).toBe('/dev/lofi/1');
  });

  it('gives the device asked for, if it is free', () => {
    const { table } = freshTable();
    const [a, b, c] = files(3);
    expect(table.attach(a!, { device: '/dev/lofi/7' }).device).toBe('/dev/lofi/7');
    expect(codeOf(() => table.attach(b!, { device: '/dev/lofi/7' }))).toBe('EBUSY');
    expect(codeOf(() => table.attach(b!, { device: '/dev/lofi/x' }))).toBe('EINVAL');
    expect(codeOf(() => table.attach(b!, { device: '/dev/lofi/3p1' }))).toBe('EINVAL');
    expect(table.attach(b!).device).toBe('/dev/lofi/1');
    expect(table.attach(c!, { device: '/dev/rlofi/4' }).device).toBe('/dev/lofi/4');
  });

  it('refuses files that are missing or not files', () => {
    const { table } = freshTable();
    expect(codeOf(() => table.attach('/nonexistent/disk.img'))).toBe('ENOENT');
    expect(codeOf(() => table.attach(tempDir()))).toBe('EINVAL');
    expect(table.list()).toEqual([]);
  });

  it('detaches by file or device, and refuses a partition device or an unknown one', () => {
    const { table } = freshTable();
    const [a, b] = files(2);
    table.attach(a!);
    table.attach(b!);
    expect(codeOf(() => table.detach('/dev/lofi/1p1'))).toBe('EINVAL');
    expect(codeOf(() => table.detach('/dev/lofi/5'))).toBe('ENOENT');
    expect(codeOf(() => table.detach('/tmp/not-attached.img'))).toBe('ENOENT');
    expect(table.detach(a!).device).toBe('/dev/lofi/1');
    expect(table.detach('/dev/lofi/2').file).toBe(b);
    expect(table.list()).toEqual([]);
  });

  it('makes a device of each partition of a labelled GPT disk, where partx says they are', () => {
    const { table } = freshTable();
    const image = blankImage('labelled-gpt.img', 16 << 20);
    sfdisk(image, ['label: gpt', 'size=2048, name=boot', 'size=4096, name=data', 'size=1024', ''].join('\n'));
    const d = table.attach(image, { labelled: true });
    expect(d.partitions.map((p) => [p.device, p.label ?? ''])).toEqual([
      ['/dev/lofi/1p1', 'boot'],
      ['/dev/lofi/1p2', 'data'],
      ['/dev/lofi/1p3', ''],
    ]);
    for (const e of partx(image)) {
      const resolved = table.resolveDevice(`/dev/lofi/1p${e.nr}`);
      expect(resolved).toEqual({
        device: `/dev/lofi/1p${e.nr}`,
        file: image,
        offset: e.start * 512,
        size: e.size,
        readonly: true,
        partition: `p${e.nr}`,
      });
      // What is written where partx says the partition starts is what the device reads first.
      const marker = Buffer.from(`partition ${e.nr}`);
      writeBytes(image, e.start * 512, marker);
      expect(readBytes(resolved.file, resolved.offset, marker.length)).toEqual(marker);
    }
    expect(table.resolveDevice('/dev/rlofi/1')).toEqual({
      device: '/dev/lofi/1',
      file: image,
      offset: 0,
      size: 16 << 20,
      readonly: true,
    });
    expect(codeOf(() => table.resolveDevice('/dev/lofi/1p4'))).toBe('ENOENT');
    expect(codeOf(() => table.resolveDevice('/dev/lofi/1s0'))).toBe('ENOENT');
    expect(codeOf(() => table.resolveDevice('/dev/lofi/2'))).toBe('ENOENT');
    expect(codeOf(() => table.resolveDevice('lofi1'))).toBe('EINVAL');
  });

  it('makes slice devices of a VTOC and refuses one the file no longer covers', () => {
    const { table } = freshTable();
    const image = blankImage('labelled-vtoc.img', 16 << 20);
    sfdisk(image, ['label: dos', 'start=2048, size=16384, type=bf', ''].join('\n'));
    writeVtoc(image, 2048 * 512, {
      slices: [
        { slot: 0, tag: 2, flag: 0, start: 16, sectors: 8192 },
        { slot: 2, tag: 5, flag: 0, start: 0, sectors: 16384 },
        { slot: 7, tag: 8, flag: 0, start: 8208, sectors: 4096 },
      ],
    });
    const warnings: string[] = [];
    const d = table.attach(image, { labelled: true, readonly: false, onWarning: (w) => warnings.push(w) });
    expect(warnings).toEqual([]);
    expect(d.partitions.map((p) => [p.device, p.offset / 512, p.size / 512, p.wholeDisk ?? false])).toEqual([
      ['/dev/lofi/1p1', 2048, 16384, false],
      ['/dev/lofi/1s0', 2064, 8192, false],
      ['/dev/lofi/1s2', 2048, 16384, true],
      ['/dev/lofi/1s7', 10256, 4096, false],
    ]);
    expect(table.resolveDevice('/dev/lofi/1s7')).toMatchObject({
      offset: 10256 * 512,
      size: 4096 * 512,
      readonly: false,
    });
    truncateSync(image, 12000 * 512);
    expect(codeOf(() => table.resolveDevice('/dev/lofi/1s7'))).toBe('ENXIO');
    expect(table.resolveDevice('/dev/lofi/1s0').size).toBe(8192 * 512);
  });

  it('refuses to attach labelled when the partition table is corrupt', () => {
    const { table } = freshTable();
    const image = blankImage('labelled-bad.img', 4 << 20);
    sfdisk(image, ['label: dos', 'start=2048, size=2048, type=83', ''].join('\n'));
    truncateSync(image, 3 << 19);
    // The partition (sectors 2048..4095) now runs past the end of the 1.5 MiB file.
    expect(() => table.attach(image, { labelled: true })).toThrow(
      expect.objectContaining({ code: 'OUT_OF_RANGE' }),
    );
    expect(table.attach(image).labelled).toBe(false);
  });

  it('drops entries whose owning mount process is gone, and keeps hand-made ones', async () => {
    const { table } = freshTable();
    const [a, b, c] = files(3);
    const child = idleProcess();
    await child.firstLine;
    const owner = { ...processIdentity(child.process.pid!)!, mountPoint: '/mnt/a' };
    table.attach(a!, { owner });
    table.attach(b!);
    // This process under an earlier start time: a pid that has been reused.
    const me = currentProcess();
    table.attach(c!, { owner: { pid: me.pid, startTime: me.startTime - 1, mountPoint: '/mnt/c' } });
    expect(table.list().map((d) => d.file)).toEqual([a, b]);
    expect(table.byFile(a!)?.owner).toEqual(owner);
    child.process.kill('SIGKILL');
    await child.done;
    expect(table.list().map((d) => d.file)).toEqual([b]);
  });

  it('will not detach a device a live mount uses, unless forced', async () => {
    const dir = join(tempDir(), 'state');
    const table = new LofiTable({ stateDir: dir });
    const mounts = new MountTable({ stateDir: dir });
    const [a, b] = files(2);
    table.attach(a!, { labelled: false });
    table.attach(b!);
    const child = idleProcess();
    await child.firstLine;
    mounts.add({
      special: '/dev/lofi/1',
      mountPoint: '/mnt/one',
      fstype: 'hsfs',
      options: 'ro',
      pid: child.process.pid!,
    });
    mounts.add({ special: '/dev/lofi/2p1', mountPoint: '/mnt/two', fstype: 'ufs', options: 'ro' });
    expect(() => table.detach(a!)).toThrow('/dev/lofi/1 is busy: /dev/lofi/1 is mounted on /mnt/one');
    expect(codeOf(() => table.detach('/dev/lofi/2'))).toBe('EBUSY');
    expect(table.detach('/dev/lofi/2', { force: true }).file).toBe(b);
    // Once the serving process is gone, the mount no longer holds the device.
    child.process.kill('SIGKILL');
    await child.done;
    expect(table.detach(a!).device).toBe('/dev/lofi/1');
  });

  it('reports a corrupt table file and leaves it alone', () => {
    const { table, dir } = freshTable();
    table.list();
    const path = join(dir, 'lofi.json');
    const cases = [
      '{ not json',
      '[]',
      '{"version": 2, "devices": []}',
      '{"version": 1, "devices": {}}',
      '{"version": 1, "devices": [{"device": "/dev/lofi/1", "minor": 2}]}',
      '{"version": 1, "devices": [{"device": "/dev/lofi/1", "minor": 1, "file": "rel.img", "readonly": true, "labelled": false, "partitions": [], "attachedAt": 0}]}',
    ];
    for (const text of cases) {
      writeFileSync(path, text);
      let error: unknown;
      try {
        table.list();
      } catch (e) {
        error = e;
      }
      expect(isLofiError(error, 'ECORRUPT')).toBe(true);
      expect((error as Error).message).toContain(path);
      expect(readFileSync(path, 'utf8')).toBe(text);
    }
    expect(existsSync(join(dir, 'lock'))).toBe(false);
  });
});
