/**
 * The `fsimage` command on real ISO images, against the source trees they
 * were made from and the host's own tools (ls, stat, sfdisk, isoinfo).
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fixturePath, makeTree, requireTool, run, tempDir, tryRun } from '@x/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { genisoimage } from './support/images.js';

const cli = join(createRequire(import.meta.url).resolve('@x/fsimage'), '../cli.js');
const big = new Uint8Array(3 << 20).map((_, i) => (i * 2654435761) >>> 24);

let src: string;
let iso: string;

function fsimage(args: string[], options: { cwd?: string } = {}) {
  return tryRun(process.execPath, [cli, ...args], { cwd: options.cwd ?? process.cwd() });
}

beforeAll(() => {
  src = makeTree(join(tempDir(), 'src'), {
    'README.txt': { content: 'hello\n', mode: 0o644, mtime: 1_200_000_000 },
    'bin/tool': { content: '#!/bin/sh\necho tool\n', mode: 0o755, mtime: 1_200_000_100 },
    'data/big.bin': { content: big, mode: 0o600, mtime: 1_200_000_200 },
    'data/with space.txt': { content: 'spaced\n', mtime: 1_200_000_300 },
    'data/empty': { content: '', mtime: 1_200_000_400 },
    'links/rel': { symlink: '../README.txt', mtime: 1_200_000_500 },
    'links/abs': { symlink: '/bin/tool', mtime: 1_200_000_600 },
    'links/dangling': { symlink: 'no/such/thing', mtime: 1_200_000_700 },
    sticky: { dir: true, mode: 0o1777, mtime: 1_200_000_800 },
    bin: { dir: true, mode: 0o755, mtime: 1_200_000_900 },
  });
  iso = genisoimage(src, ['-R', '-J', '-V', 'CLI_TEST']);
});

/** Every path below `dir`, relative, as `find` would list them. */
function hostTree(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel)).flatMap((name) => {
    const p = rel ? `${rel}/${name}` : name;
    return lstatSync(join(dir, p)).isDirectory() ? [p, ...hostTree(dir, p)] : [p];
  });
}

describe('fsimage ls', () => {
  it('-R lists the same tree as the source, each directory under its heading', () => {
    const r = fsimage(['ls', '-R', iso]);
    expect(r.status).toBe(0);
    const listed: string[] = [];
    let dir = '';
    for (const line of r.stdout.split('\n')) {
      if (line.endsWith(':')) dir = line.slice(0, -1) === '/' ? '' : line.slice(1, -1);
      else if (line) listed.push(dir ? `${dir}/${line}` : line);
    }
    expect(listed.sort()).toEqual(hostTree(src).sort());
  });

  it('-l shows what ls -ln shows of the source (mode, size, time, name, link target)', () => {
    const ours = fsimage(['ls', '-l', `${iso}:/links`])
      .stdout.trim()
      .split('\n');
    const host = run('ls', ['-ln', '--time-style=long-iso', join(src, 'links')])
      .trim()
      .split('\n')
      .slice(1);
    const shape = (line: string) => {
      const f = line.split(/\s+/);
      return [f[0], f[5], f[6], f.slice(7).join(' ')];
    };
    expect(ours.map(shape)).toEqual(host.map(shape));
  });

  it('a file operand is listed itself', () => {
    expect(fsimage(['ls', `${iso}:/data/with space.txt`]).stdout).toBe('/data/with space.txt\n');
  });

  it('a missing path is ENOENT and exit status 1', () => {
    const r = fsimage(['ls', `${iso}:/nope`]);
    expect([r.status, r.stderr.trim()]).toEqual([1, expect.stringMatching(/\/nope: .*\(ENOENT\)$/)]);
  });
});

describe('fsimage cat and stat', () => {
  it('cat writes the exact bytes, through symlinks', () => {
    const bytes = execBytes([cli, 'cat', `${iso}:/data/big.bin`]);
    expect(bytes.equals(Buffer.from(big))).toBe(true);
    expect(execBytes([cli, 'cat', `${iso}:/links/rel`]).toString()).toBe('hello\n');
  });

  it('stat gives the size, mode and time stat(1) gives for the source', () => {
    const ours = fsimage(['stat', `${iso}:/bin/tool`]).stdout;
    const host = run('stat', ['-c', '%s %a/%A %Y', join(src, 'bin/tool')])
      .trim()
      .split(' ');
    expect(ours).toContain(`Size: ${host[0]}\t`);
    expect(ours).toContain(`Access: (0${host[1]})`);
    expect(ours).toMatch(new RegExp(`Modify: ${new Date(Number(host[2]) * 1000).getFullYear()}-`));
  });
});

function execBytes(args: string[]): Buffer {
  const r = spawnSync(process.execPath, args, { maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(String(r.stderr));
  return r.stdout;
}

describe('fsimage cp', () => {
  it('-r reproduces the source tree: bytes, symlinks, modes, mtimes', () => {
    const out = join(tempDir(), 'copy');
    const r = fsimage(['cp', '-r', `${iso}:/`, out]);
    expect(r.stderr).toBe('');
    expect(hostTree(out).sort()).toEqual(hostTree(src).sort());
    for (const p of hostTree(src)) {
      const a = lstatSync(join(src, p));
      const b = lstatSync(join(out, p));
      expect([p, b.mode.toString(8)]).toEqual([p, a.mode.toString(8)]);
      expect([p, Math.floor(b.mtimeMs / 1000)]).toEqual([p, Math.floor(a.mtimeMs / 1000)]);
      if (a.isSymbolicLink()) expect(readlinkSync(join(out, p))).toBe(readlinkSync(join(src, p)));
      else if (a.isFile()) expect(readFileSync(join(out, p)).equals(readFileSync(join(src, p)))).toBe(true);
    }
  });

  it('into an existing directory it takes the source name, as cp does', () => {
    const dir = tempDir();
    expect(fsimage(['cp', `${iso}:/data/big.bin`, dir]).status).toBe(0);
    expect(readFileSync(join(dir, 'big.bin')).equals(Buffer.from(big))).toBe(true);
    expect(lstatSync(join(dir, 'big.bin')).mode & 0o777).toBe(0o600);
  });

  it('a directory without -r is refused', () => {
    const r = fsimage(['cp', `${iso}:/data`, join(tempDir(), 'x')]);
    expect([r.status, r.stderr]).toEqual([1, expect.stringContaining('(EISDIR)')]);
  });

  it('a copy that fails half-way leaves nothing behind', () => {
    // Cut the image inside big.bin's data: its extent now runs past the end.
    const cut = join(tempDir(), 'cut.iso');
    copyFileSync(iso, cut);
    const extent = Number(run('isoinfo', ['-R', '-l', '-i', cut]).match(/\[\s*(\d+)\s+\d+\]\s+big\.bin/)![1]);
    truncateSync(cut, extent * 2048 + (1 << 20));
    const dest = tempDir();
    const r = fsimage(['cp', '-r', `${cut}:/data`, dest]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/: \/data\/big\.bin: .* \(EFSCORRUPTED\)$/m);
    expect(readdirSync(dest)).toEqual([]);
  });
});

describe('a damaged entry', () => {
  it('does not take its directory down: ls names it, ls -l reports it and goes on, as ls does', () => {
    // genisoimage writes a malformed SL entry for a link target over about 250
    // bytes; isoinfo reports "BAD RRVERSION" for it.
    const tree = makeTree(join(tempDir(), 'long'), {
      a: 'fine\n',
      'link-long': { symlink: `${'x'.repeat(200)}/${'y'.repeat(200)}` },
    });
    const broken = genisoimage(tree, ['-R']);
    expect(run('isoinfo', ['-R', '-l', '-i', broken])).toContain('BAD RRVERSION');
    expect(fsimage(['ls', broken]).stdout).toBe('a\nlink_lon\n');
    const long = fsimage(['ls', '-l', broken]);
    expect(long.status).toBe(1);
    expect(long.stdout).toMatch(/^-rw-r--r-- 1 0 0 5 .* a\n$/);
    expect(long.stderr).toMatch(/^fsimage: iso9660: \/link_lon: .*\(EFSCORRUPTED\)$/m);
    expect(fsimage(['cat', `${broken}:/a`]).stdout).toBe('fine\n');
  });
});

describe('choosing the file system', () => {
  it('-F hsfs names the type; a wrong type says what the data looks like', () => {
    expect(fsimage(['-F', 'hsfs', 'ls', iso]).status).toBe(0);
    const wrong = fsimage(['-F', 'ext4', 'ls', iso]);
    expect([wrong.status, wrong.stderr]).toEqual([
      1,
      expect.stringContaining('no plugin for file-system type "ext4"'),
    ]);
  });

  it('-o finds a file system inside a larger file', () => {
    const padded = join(tempDir(), 'padded.img');
    writeFileSync(padded, Buffer.concat([Buffer.alloc(1 << 20), readFileSync(iso)]));
    expect(fsimage(['ls', padded]).status).toBe(1);
    expect(fsimage(['-o', '1M', 'cat', `${padded}:/README.txt`]).stdout).toBe('hello\n');
    expect(fsimage(['-o', '2048s', 'cat', `${padded}:/README.txt`]).stdout).toBe('hello\n');
  });

  it('-p reads a partition, and info lists the table with what each partition holds', () => {
    requireTool('sfdisk');
    const disk = join(tempDir(), 'disk.img');
    const body = readFileSync(iso);
    writeFileSync(disk, Buffer.alloc((2048 << 9) + body.length + (1 << 20)));
    run('sfdisk', ['--quiet', disk], {
      input: `label: dos\nstart=2048, size=${Math.ceil(body.length / 512)}, type=83\nstart=${2048 + Math.ceil(body.length / 512) + 8}, type=83\n`,
    });
    const fd = openSync(disk, 'r+');
    writeSync(fd, body, 0, body.length, 2048 * 512);
    closeSync(fd);
    expect(fsimage(['-p', 'p1', 'cat', `${disk}:/README.txt`]).stdout).toBe('hello\n');
    const info = fsimage(['info', disk]).stdout;
    expect(info).toMatch(/^Partition table: mbr$/m);
    expect(info).toMatch(/^p1\s+1048576\s+\d+\s+Linux\s+iso9660/m);
    expect(info).toMatch(/^p2\s+\d+\s+\d+\s+Linux\s+-/m);
    const none = fsimage(['-p', 'p7', 'ls', disk]);
    expect([none.status, none.stderr]).toEqual([
      1,
      expect.stringContaining('no partition p7 (mbr table has: p1, p2)'),
    ]);
  });

  it('info gives the label and identifiers isoinfo reads', () => {
    const info = fsimage(['info', iso]).stdout;
    const volumeId = run('isoinfo', ['-d', '-i', iso]).match(/^Volume id: (.*)$/m)![1];
    expect(info).toMatch(/^Type:\s+iso9660$/m);
    expect(info).toMatch(new RegExp(`^Label:\\s+${volumeId}$`, 'm'));
  });
});

describe('usage', () => {
  it('an unknown command or a missing image is reported with the exit status of its kind', () => {
    expect(fsimage(['frobnicate', iso]).status).toBe(2);
    const missing = fsimage(['ls', '/no/such.iso']);
    expect([missing.status, missing.stderr]).toEqual([1, expect.stringContaining('no such image file')]);
  });

  it.runIf(process.getuid?.() === 0)('works for an ordinary user, without FUSE', () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const copy = join(dir, 'world.iso');
    copyFileSync(iso, copy);
    chmodSync(copy, 0o644);
    const r = tryRun('runuser', ['-u', 'nobody', '--', process.execPath, cli, 'cat', `${copy}:/README.txt`], {
      cwd: '/',
    });
    expect([r.status, r.stdout]).toEqual([0, 'hello\n']);
  });
});

it('the example image in the repository lists as its build script says', () => {
  const example = fixturePath('examples/example.iso');
  expect(fsimage(['cat', `${example}:/platform/i86xpv/kernel/unix`]).stdout).toBe('not really a kernel\n');
});
