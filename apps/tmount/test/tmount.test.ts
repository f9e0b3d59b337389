/**
 * tmount, tumount and tlofiadm as a user runs them: the built commands, a
 * real FUSE mount served by the detached daemon, and the machine's own
 * programs (find, sha256sum, cp -a, stat, diff) reading it, compared with the
 * source tree the image was made from by genisoimage.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
} from 'node:fs';
import { join } from 'node:path';
import { LofiTable, MountTable } from '@x/lofi';
import { makeTree, requireTool, run, tempDir, tryRun } from '@x/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const DIST = join(import.meta.dirname, '../dist');
const state = tempDir('tmount-state-');
const env = { ...process.env, XVM_STATE_DIR: state };
process.env['XVM_STATE_DIR'] = state;

function cmd(name: 'tmount' | 'tumount' | 'tlofiadm', args: string[], cwd?: string) {
  return tryRun(process.execPath, [join(DIST, `${name}.js`), ...args], { env, cwd });
}

let work: string;
let src: string;
let iso: string;
const mounted: string[] = [];

/** The tree as find sees it: what an image must reproduce, in a stable order. */
function findShape(dir: string): string {
  return run('sh', [
    '-c',
    `cd "$1" && find . ! -name . -printf '%p %y %m %Ts %l\\n' | LC_ALL=C sort`,
    'sh',
    dir,
  ]);
}
function fileSizes(dir: string): string {
  return run('sh', ['-c', `cd "$1" && find . -type f -printf '%p %s\\n' | LC_ALL=C sort`, 'sh', dir]);
}
function checksums(dir: string): string {
  return run('sh', [
    '-c',
    `cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum`,
    'sh',
    dir,
  ]);
}

function mountOk(args: string[], cwd?: string): string {
  const r = cmd('tmount', args, cwd);
  if (r.status !== 0) throw new Error(`tmount ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

beforeAll(() => {
  requireTool('genisoimage');
  work = tempDir('tmount-work-');
  chmodSync(work, 0o755);
  const many = Object.fromEntries(
    Array.from({ length: 300 }, (_, i) => [`many/f${i}`, { content: `${i}\n`, mtime: 1_600_000_000 + i }]),
  );
  src = makeTree(join(work, 'src'), {
    'README.txt': { content: 'hello\n', mode: 0o644, mtime: 1_700_000_000 },
    'bin/run': { content: '#!/bin/sh\n', mode: 0o755, mtime: 1_700_000_001 },
    'data/big.bin': {
      content: new Uint8Array(5 << 20).map((_, i) => (i * 131) & 0xff),
      mtime: 1_700_000_002,
    },
    'data/empty': { content: '', mtime: 1_700_000_003 },
    'data/with space': { content: 'spaced\n', mtime: 1_700_000_004 },
    'links/rel': { symlink: '../README.txt', mtime: 1_700_000_005 },
    'links/abs': { symlink: '/etc/passwd', mtime: 1_700_000_006 },
    'links/dir': { symlink: '../data', mtime: 1_700_000_007 },
    ...many,
    many: { dir: true, mode: 0o755, mtime: 1_700_000_008 },
    bin: { dir: true, mode: 0o750, mtime: 1_700_000_009 },
  });
  chmodSync(src, 0o755);
  iso = join(work, 'disc.iso');
  run('genisoimage', ['-quiet', '-R', '-J', '-V', 'TMOUNT_TEST', '-o', iso, src]);
  chmodSync(iso, 0o644);
});

afterAll(() => {
  for (const mp of mounted) tryRun('umount', ['-l', mp]);
  for (const m of new MountTable().list()) tryRun('umount', ['-l', m.mountPoint]);
});

describe('tmount -F hsfs IMAGE MOUNT_POINT', () => {
  let mp: string;
  beforeAll(() => {
    mp = join(work, 'mnt');
    mkdirSync(mp);
    mounted.push(mp);
    expect(mountOk(['-F', 'hsfs', iso, mp])).toBe('');
  });

  it('every program sees the tree as the source has it', () => {
    expect(findShape(mp)).toBe(findShape(src));
    expect(fileSizes(mp)).toBe(fileSizes(src));
    expect(checksums(mp)).toBe(checksums(src));
    expect(run('readlink', [join(mp, 'links/abs')]).trim()).toBe('/etc/passwd');
    expect(run('cat', [join(mp, 'links/dir/with space')])).toBe('spaced\n');
    expect(run('stat', ['-c', '%a %Y', join(mp, 'bin/run')])).toBe(
      run('stat', ['-c', '%a %Y', join(src, 'bin/run')]),
    );
  });

  it('cp -a out of the mount reproduces the source tree', () => {
    const out = join(tempDir(), 'copy');
    run('cp', ['-a', mp, out]);
    expect(tryRun('diff', ['-r', '--no-dereference', src, out]).stdout).toBe('');
    expect(findShape(out).replace(/^\. d \d+ \d+ \n/m, '')).toBe(
      findShape(src).replace(/^\. d \d+ \d+ \n/m, ''),
    );
  });

  it('is read-only', () => {
    const r = tryRun('touch', [join(mp, 'new')]);
    expect(r.stderr).toContain('Read-only file system');
  });

  it('the mount table lists it like /etc/mnttab, and the kernel shows it', () => {
    const line = cmd('tmount', [])
      .stdout.split('\n')
      .find((l) => l.includes(mp))!;
    expect(line.split('\t').slice(0, 4)).toEqual([iso, mp, 'hsfs', 'ro']);
    expect(Math.abs(Number(line.split('\t')[4]) - Date.now() / 1000)).toBeLessThan(600);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).toMatch(
      new RegExp(` ${mp} .* - fuse\\.tmount ${iso} `),
    );
  });

  it('attached a lofi device for the mount, which tumount removes', () => {
    expect(cmd('tlofiadm', [iso]).stdout.trim()).toMatch(/^\/dev\/lofi\/\d+$/);
    const r = cmd('tumount', [mp]);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(readdirSync(mp)).toEqual([]);
    expect(cmd('tlofiadm', [iso]).status).toBe(1);
    expect(cmd('tmount', []).stdout).toBe('');
  });
});

describe('Linux habits, relative paths, a chosen mount point', () => {
  it('tmount -t iso9660 -o ro,loop ./disc.iso ./rel works from the image directory', () => {
    mkdirSync(join(work, 'rel'));
    expect(mountOk(['-t', 'iso9660', '-o', 'ro,loop', './disc.iso', './rel'], work)).toBe('');
    expect(readFileSync(join(work, 'rel/README.txt'), 'utf8')).toBe('hello\n');
    expect(cmd('tumount', ['./disc.iso'], work).status).toBe(0);
    expect(readdirSync(join(work, 'rel'))).toEqual([]);
  });

  it('without a mount point tmount makes one under the state directory, prints it, and tumount removes it', () => {
    const mp = mountOk(['disc.iso'], work);
    expect(mp.startsWith(join(state, 'mnt/'))).toBe(true);
    expect(readFileSync(join(mp, 'data/with space'), 'utf8')).toBe('spaced\n');
    expect(cmd('tumount', [mp]).status).toBe(0);
    expect(existsSync(mp)).toBe(false);
  });

  it('-o noexec reaches the kernel: a program on the mount cannot be run, and without it can', () => {
    const plain = mountOk([iso]);
    try {
      expect(run(join(plain, 'bin/run'), [])).toBe('');
    } finally {
      expect(cmd('tumount', [plain]).status).toBe(0);
    }
    const mp = mountOk(['-o', 'noexec', iso]);
    try {
      expect(readFileSync('/proc/self/mountinfo', 'utf8')).toContain(` ${mp} ro,nosuid,nodev,noexec,`);
      // execve(2) is refused by the kernel: EACCES.
      expect(tryRun(join(mp, 'bin/run'), []).stderr).toMatch(/EACCES/);
      expect(cmd('tmount', []).stdout).toContain(`${mp}\thsfs\tro,noexec\t`);
    } finally {
      expect(cmd('tumount', [mp]).status).toBe(0);
    }
  });

  it('a device attached by hand is mounted by its name and stays attached after tumount', () => {
    const device = cmd('tlofiadm', ['-a', iso]).stdout.trim();
    const mp = mountOk([device]);
    expect(readFileSync(join(mp, 'README.txt'), 'utf8')).toBe('hello\n');
    expect(cmd('tmount', []).stdout).toContain(`${device}\t${mp}\thsfs`);
    expect(cmd('tumount', [mp]).status).toBe(0);
    expect(cmd('tlofiadm', [iso]).stdout.trim()).toBe(device);
    expect(cmd('tlofiadm', ['-d', device]).status).toBe(0);
  });
});

describe('what goes wrong is said clearly and leaves nothing behind', () => {
  const cases: Array<[string, () => string[], RegExp]> = [
    [
      'a type whose plugin is not installed',
      () => ['-F', 'ufs', iso],
      /ufs needs @x\/fsimage-ufs, which is not installed/,
    ],
    ['an unknown type', () => ['-F', 'nosuchfs', iso], /unknown file-system type "nosuchfs"/],
    ['data of another kind', () => ['-F', 'hsfs', '/etc/hostname'], /not a hsfs file system/],
    ['no known file system', () => ['/etc/hostname'], /no known file system found/],
    ['a missing image', () => [join(work, 'nope.iso')], /no such file/],
    ['a read-write mount', () => ['-o', 'rw', iso], /read-write mounts are not supported/],
    [
      'set-id programs from an image',
      () => ['-o', 'suid', iso],
      /suid is not allowed: image mounts are always nosuid,nodev/,
    ],
    ['a mount point that is not empty', () => [iso, src], /mount point is not empty/],
  ];
  for (const [what, args, message] of cases) {
    it(what, () => {
      const r = cmd('tmount', args());
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(cmd('tmount', []).stdout).toBe('');
      expect(new LofiTable().list()).toEqual([]);
      expect(existsSync(join(state, 'mnt')) ? readdirSync(join(state, 'mnt')) : []).toEqual([]);
    });
  }

  it('tumount of something not mounted says so', () => {
    const r = cmd('tumount', [join(work, 'nowhere')]);
    expect([r.status, r.stderr]).toEqual([1, `tumount: ${join(work, 'nowhere')}: not mounted\n`]);
  });
});

describe('the daemon', () => {
  it('tumount of a busy mount says so and leaves it mounted; -l detaches it', async () => {
    const mp = mountOk([iso]);
    const holder: ChildProcess = spawn('sleep', ['30'], { cwd: join(mp, 'data'), stdio: 'ignore' });
    await new Promise((r) => holder.once('spawn', r));
    try {
      const r = cmd('tumount', [mp]);
      expect([r.status, r.stderr]).toEqual([1, expect.stringContaining(`${mp}: busy`)]);
      expect(readFileSync(join(mp, 'README.txt'), 'utf8')).toBe('hello\n');
      expect(cmd('tumount', ['-l', mp]).status).toBe(0);
      expect(cmd('tmount', []).stdout).toBe('');
    } finally {
      holder.kill();
    }
  });

  it('a killed daemon leaves no table entry that blocks the next mount', () => {
    const mp = mountOk([iso]);
    const entry = new MountTable().find(mp)!;
    process.kill(entry.pid, 'SIGKILL');
    // The kernel mount is left without its server: reads fail until it is cleared.
    expect(tryRun('ls', [mp]).stderr).toMatch(
      /Transport endpoint is not connected|Software caused connection abort/,
    );
    const again = mountOk([iso]);
    expect(again).toBe(mp);
    expect(readFileSync(join(again, 'README.txt'), 'utf8')).toBe('hello\n');
    expect(new LofiTable().list().length).toBe(1);
    expect(cmd('tumount', [again]).status).toBe(0);
    expect(new LofiTable().list()).toEqual([]);
  });

  it('a damaged image gives EIO to the reader and a log line, and the mount keeps answering', () => {
    const cut = join(work, 'cut.iso');
    copyFileSync(iso, cut);
    const extent = Number(run('isoinfo', ['-R', '-l', '-i', cut]).match(/\[\s*(\d+)\s+\d+\]\s+big\.bin/)![1]);
    truncateSync(cut, extent * 2048 + (1 << 20));
    const mp = mountOk([cut]);
    try {
      const r = tryRun('cat', [join(mp, 'data/big.bin')]);
      expect(r.stderr).toContain('Input/output error');
      expect(readFileSync(join(state, 'log/tmount.log'), 'utf8')).toMatch(
        /READ inode \d+: .*runs past the end of the image/,
      );
      expect(readFileSync(join(mp, 'README.txt'), 'utf8')).toBe('hello\n');
      expect(readdirSync(join(mp, 'many')).length).toBe(300);
    } finally {
      expect(cmd('tumount', [mp]).status).toBe(0);
    }
  });
});

describe('as an ordinary user', () => {
  const USER = 'xvmtest';
  let deviceMode: number;
  beforeAll(() => {
    if (tryRun('id', ['-u', USER]).status !== 0) run('useradd', ['-m', USER]);
    // Debian's udev rules make /dev/fuse 0666; fusermount3 opens it as the user.
    deviceMode = statSync('/dev/fuse').mode & 0o777;
    chmodSync('/dev/fuse', 0o666);
  });
  afterAll(() => chmodSync('/dev/fuse', deviceMode));

  it.runIf(process.getuid?.() === 0)(
    'mounts through fusermount3, reads, and unmounts, with state in its own home',
    () => {
      const as = (args: string[]) =>
        tryRun('runuser', ['-u', USER, '--', 'env', '-u', 'XVM_STATE_DIR', `HOME=/home/${USER}`, ...args], {
          cwd: '/',
        });
      const r = as([process.execPath, join(DIST, 'tmount.js'), iso]);
      expect([r.status, r.stderr]).toEqual([0, '']);
      const mp = r.stdout.trim();
      expect(mp).toBe(`/home/${USER}/.local/state/xvm/mnt/disc.iso`);
      try {
        expect(as(['cat', join(mp, 'README.txt')]).stdout).toBe('hello\n');
        // The user sees what the same user may see of the source (bin/ is 0750, root's).
        const visible = (dir: string) =>
          as(['sh', '-c', `cd "${dir}" && find . 2>/dev/null | LC_ALL=C sort`]).stdout;
        expect(visible(mp)).toBe(visible(src));
        expect(visible(mp)).not.toContain('./bin/run');
        expect(as([process.execPath, join(DIST, 'tmount.js')]).stdout).toContain(`${iso}\t${mp}\thsfs`);
        expect(readFileSync('/proc/self/mountinfo', 'utf8')).toContain(` ${mp} `);
      } finally {
        const u = as([process.execPath, join(DIST, 'tumount.js'), mp]);
        expect([u.status, u.stderr]).toEqual([0, '']);
      }
      expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(` ${mp} `);
      expect(existsSync(mp)).toBe(false);
    },
  );
});
