/**
 * As an ordinary user: a process of user `xvmtest` mounts a directory through
 * the setuid fusermount3 (which passes the /dev/fuse descriptor back over a
 * socketpair) and serves it with the built code; the same user reads it and
 * unmounts it with `fusermount3 -u`.
 *
 * The mount is made without allow_other (that would need `user_allow_other`
 * in /etc/fuse.conf), so only its owner may enter it: not even root, which
 * the test checks too.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@x/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_DIR, buildTree, detach, exec, isMounted, requireBuilt, sh } from './fixtures/fuse-harness.js';

const USER = 'xvmtest';
let user: { uid: number; gid: number };
let base: string;
let src: string;
let mnt: string;
let server: ChildProcessWithoutNullStreams | undefined;
let serverOut = '';
let serverErr = '';
let deviceMode: number | undefined;

async function ensureUser(): Promise<{ uid: number; gid: number }> {
  let id = await exec('id', ['-u', USER]);
  if (id.code !== 0) {
    const add = await exec('useradd', ['-m', USER]);
    if (add.code !== 0) throw new Error(`useradd -m ${USER} failed: ${add.stderr}`);
    id = await exec('id', ['-u', USER]);
  }
  const gid = await exec('id', ['-g', USER]);
  return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function waitFor(pattern: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server never said ${pattern}: ${serverErr}`)),
      timeoutMs,
    );
    const check = () => {
      if (pattern.test(serverOut)) {
        clearTimeout(timer);
        resolve();
      }
    };
    server!.stdout.on('data', check);
    server!.once('exit', (code) => {
      check();
      clearTimeout(timer);
      if (!pattern.test(serverOut))
        reject(new Error(`server exited ${code} before ${pattern}: ${serverErr}`));
    });
    check();
  });
}

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('this test runs as root: it creates a user and acts as it');
  requireBuilt(['fuse.js', 'fuse-worker.js']);
  user = await ensureUser();
  // fusermount3 opens /dev/fuse as the calling user: Debian's udev makes it 0666.
  deviceMode = statSync('/dev/fuse').mode & 0o777;
  if ((deviceMode & 0o666) !== 0o666) chmodSync('/dev/fuse', 0o666);
  else deviceMode = undefined;
  base = tempDir('fuse-user-');
  src = buildTree(join(base, 'src'), { manyEntries: 300 });
  mnt = join(base, 'mnt');
  mkdirSync(mnt);
  await sh(`chown -R ${user.uid}:${user.gid} ${base}`);
  server = spawn(process.execPath, [join(APP_DIR, 'test/fixtures/serve-as-user.mjs'), src, mnt], {
    uid: user.uid,
    gid: user.gid,
    cwd: APP_DIR,
    env: { PATH: process.env['PATH'], HOME: `/home/${USER}` },
  });
  server.stdout.setEncoding('utf8').on('data', (s: string) => {
    serverOut += s;
  });
  server.stderr.setEncoding('utf8').on('data', (s: string) => {
    serverErr += s;
  });
  await waitFor(/serving/, 30_000);
}, 60_000);

afterAll(async () => {
  if (mnt) await detach(mnt);
  if (server && server.exitCode === null) server.kill();
  if (deviceMode !== undefined) chmodSync('/dev/fuse', deviceMode);
});

describe('FUSE mount by an ordinary user through fusermount3', () => {
  it('is mounted as fuse.tmount, owned by the user, read-only', () => {
    expect(isMounted(mnt)).toBe(true);
    const line = readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .find((l) => l.split(' ')[1] === mnt)!;
    expect(line.split(' ')[2]).toBe('fuse.tmount');
    expect(line).toMatch(new RegExp(`\\bro\\b.*user_id=${user.uid},group_id=${user.gid}`));
  });

  it('shows the user the same tree as the source', async () => {
    const script =
      "ls -laR --time-style=full-iso .; find . -printf '%p %y %m %s %T@ %l\\n' | sort; find . -type f -print0 | sort -z | xargs -0 sha256sum";
    const [a, b] = await Promise.all([sh(script, { cwd: src, ...user }), sh(script, { cwd: mnt, ...user })]);
    expect(b).toContain('./big.bin');
    expect(b).toBe(a);
  });

  it('keeps out everyone else, root included (no allow_other)', async () => {
    const r = await exec('ls', [mnt]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Permission denied');
  });

  it('cannot be unmounted by another ordinary user', async () => {
    const r = await exec('fusermount3', ['-u', mnt], { uid: 65534, gid: 65534 });
    expect(r.code).not.toBe(0);
    expect(isMounted(mnt)).toBe(true);
  });

  it('refuses writes with EROFS', async () => {
    const r = await exec('touch', [join(mnt, 'new')], user);
    expect(r.stderr).toContain('Read-only file system');
  });

  it('unmounts with fusermount3 -u; the server sees the end', async () => {
    const r = await exec('fusermount3', ['-u', mnt], user);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    await waitFor(/ended unmounted/, 10_000);
    await new Promise((resolve) =>
      server!.exitCode === null ? server!.once('exit', resolve) : resolve(null),
    );
    expect(server!.exitCode).toBe(0);
    expect(serverErr).toBe('');
    expect(isMounted(mnt)).toBe(false);
    expect(readdirSync(mnt)).toEqual([]);
  });
});
