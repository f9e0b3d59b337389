/** Several processes on one state directory at once, and a lock left behind by a killed one. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@x/testkit';
import { describe, expect, it } from 'vitest';
import { isLofiError, LofiTable, MountTable } from '../src/index.js';
import { spawnModule } from './helpers/children.js';
import { blankImage } from './helpers/images.js';

function stateEnv(dir: string): NodeJS.ProcessEnv {
  return { ...process.env, XVM_STATE_DIR: dir };
}

describe('concurrent processes', () => {
  it('8 processes attaching 8 files at once get 8 distinct devices', async () => {
    const dir = join(tempDir(), 'state');
    const images = Array.from({ length: 8 }, (_, i) => blankImage(`concurrent-${i}.img`, 1 << 20));
    // All start together: each waits for the same wall-clock moment before attaching.
    const startAt = Date.now() + 1500;
    const children = images.map((image) =>
      spawnModule(
        `while (Date.now() < ${startAt}) {}
         const d = new lofi.LofiTable().attach(${JSON.stringify(image)});
         console.log(JSON.stringify({ device: d.device, file: d.file }));`,
        stateEnv(dir),
      ),
    );
    const results = await Promise.all(children.map((c) => c.done));
    for (const r of results) expect(r).toMatchObject({ code: 0, stderr: '' });
    const attached = results.map((r) => JSON.parse(r.stdout) as { device: string; file: string });
    expect(new Set(attached.map((a) => a.device)).size).toBe(8);
    expect(attached.map((a) => a.file).sort()).toEqual([...images].sort());
    const listed = new LofiTable({ stateDir: dir }).list();
    expect(listed.map((d) => d.device)).toEqual(Array.from({ length: 8 }, (_, i) => `/dev/lofi/${i + 1}`));
    expect(listed.map((d) => [d.device, d.file]).sort()).toEqual(
      attached.map((a) => [a.device, a.file]).sort(),
    );
  });

  it('mount and device tables written by many processes at once lose nothing', async () => {
    const dir = join(tempDir(), 'state');
    const startAt = Date.now() + 1500;
    const children = Array.from({ length: 6 }, (_, i) =>
      spawnModule(
        `while (Date.now() < ${startAt}) {}
         const mounts = new lofi.MountTable();
         for (let j = 0; j < 5; j++) {
           mounts.add({ special: '/img/${i}-' + j, mountPoint: '/mnt/${i}/' + j, fstype: 'hsfs', options: 'ro', pid: ${process.pid} });
         }`,
        stateEnv(dir),
      ),
    );
    for (const r of await Promise.all(children.map((c) => c.done)))
      expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(new MountTable({ stateDir: dir }).list()).toHaveLength(30);
  });

  it('takes over a lock left by a killed process', async () => {
    const dir = join(tempDir(), 'state');
    const child = spawnModule(
      `new lofi.StateStore().transaction(() => process.kill(process.pid, 'SIGKILL'));`,
      stateEnv(dir),
    );
    const result = await child.done;
    expect(result.signal).toBe('SIGKILL');
    const lock = join(dir, 'lock');
    expect(existsSync(lock)).toBe(true);
    expect(JSON.parse(readFileSync(lock, 'utf8')).pid).toBe(child.process.pid);
    // What a process killed in the middle of a table write or a lock takeover leaves behind.
    const leftovers = [`.${child.process.pid}.k3x9.tmp`, `lock.${child.process.pid}.q7z.stale`].map((n) =>
      join(dir, n),
    );
    for (const path of leftovers) writeFileSync(path, '{}');
    const table = new LofiTable({ stateDir: dir, lockTimeoutMs: 1000 });
    const started = Date.now();
    expect(table.attach(blankImage('after-kill.img', 1 << 20)).device).toBe('/dev/lofi/1');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(existsSync(lock)).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['lofi.json']);
    for (const path of leftovers) expect(existsSync(path)).toBe(false);
  });

  it('waits for a live holder, then times out with a clear error', async () => {
    const dir = join(tempDir(), 'state');
    const child = spawnModule(
      `new lofi.StateStore().transaction(() => {
         console.log('locked');
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
       });`,
      stateEnv(dir),
    );
    expect(await child.firstLine).toBe('locked');
    let error: unknown;
    const started = Date.now();
    try {
      new LofiTable({ stateDir: dir, lockTimeoutMs: 300 }).list();
    } catch (e) {
      error = e;
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(isLofiError(error, 'ETIMEDOUT')).toBe(true);
    expect((error as Error).message).toContain(`held by pid ${child.process.pid}`);
    // Given long enough, the waiter gets the lock once the holder lets go.
    expect(new LofiTable({ stateDir: dir, lockTimeoutMs: 5000 }).list()).toEqual([]);
    expect((await child.done).code).toBe(0);
  });
});
