/**
 * The path layer against the kernel: the same tree lives on the host, and
 * `FileSystem` over a HostDirVolume of it must resolve every path (relative
 * symlinks, "..", chains, loops) to what realpath/stat on the host say, and
 * fail with the same error codes.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FsError, fileSystemOf, HostDirVolume } from '@x/fsimage';
import { makeTree, tempDir } from '@x/testkit';
import { beforeAll, describe, expect, it } from 'vitest';

let root: string;
let fs: ReturnType<typeof fileSystemOf>;

beforeAll(() => {
  root = makeTree(join(tempDir(), 'img'), {
    'etc/motd': 'hello\n',
    'usr/lib/libc.so.1': 'ELF',
    'usr/lib/64': { symlink: '.' },
    lib: { symlink: 'usr/lib' },
    'bin/up': { symlink: '../usr/lib/../lib/libc.so.1' },
    'bin/chain1': { symlink: 'chain2' },
    'bin/chain2': { symlink: 'chain3' },
    'bin/chain3': { symlink: '../etc/motd' },
    'loop/a': { symlink: 'b' },
    'loop/b': { symlink: 'a' },
    'loop/self': { symlink: 'self' },
    dangling: { symlink: 'nowhere/at/all' },
    dirlink: { symlink: 'usr' },
    'file-as-dir': { symlink: 'etc/motd/x' },
    empty: { dir: true },
  });
  fs = fileSystemOf(new HostDirVolume(root), { limits: { maxSymlinkDepth: 40 } });
});

/** What the host says about `rel` inside the tree: the inode, or the error code. */
function hostResolve(rel: string, follow: boolean): number | string {
  try {
    return (follow ? statSync : lstatSync)(join(root, rel)).ino;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code!;
  }
}

function ourResolve(rel: string, follow: boolean): number | string {
  try {
    return fs.resolve(`/${rel}`, { follow });
  } catch (e) {
    expect(e).toBeInstanceOf(FsError);
    return (e as FsError).code;
  }
}

const PATHS = [
  'etc/motd',
  'etc/../etc/./motd',
  'lib/libc.so.1',
  'lib/64/64/64/libc.so.1',
  'bin/up',
  'bin/chain1',
  'bin/../bin/chain1',
  'dirlink/lib/../lib/libc.so.1',
  'dirlink/../etc/motd',
  'loop/a',
  'loop/self',
  'dangling',
  'file-as-dir',
  'etc/motd/x',
  'nope',
  'empty',
  'empty/..',
];

describe('path resolution agrees with the kernel', () => {
  for (const p of PATHS) {
    it(`stat ${p}`, () => expect(ourResolve(p, true)).toEqual(hostResolve(p, true)));
    it(`lstat ${p}`, () => expect(ourResolve(p, false)).toEqual(hostResolve(p, false)));
  }
});

describe('reads agree with the kernel', () => {
  it('readlink returns the stored target', () => {
    for (const p of ['lib', 'bin/up', 'dangling', 'loop/a'])
      expect(fs.readlink(`/${p}`)).toBe(readlinkSync(join(root, p)));
  });
  it('readlink of a non-link is EINVAL, as readlink(2)', () => {
    expect(() => readlinkSync(join(root, 'etc/motd'))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => fs.readlink('/etc/motd')).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
  it('readFile follows links and matches the bytes', () => {
    expect(Buffer.from(fs.readFile('/bin/chain1'))).toEqual(readFileSync(join(root, 'bin/chain1')));
  });
  it('readFile of a directory is EISDIR, as read(2)', () => {
    expect(() => readFileSync(join(root, 'usr'))).toThrow(expect.objectContaining({ code: 'EISDIR' }));
    expect(() => fs.readFile('/usr')).toThrow(expect.objectContaining({ code: 'EISDIR' }));
  });
  it('readdir lists what the host lists, through a symlinked directory', () => {
    const ours = fs
      .readdir('/dirlink/lib')
      .map((e) => e.name)
      .sort();
    expect(ours).toEqual(readdirSync(realpathSync(join(root, 'dirlink/lib'))).sort());
  });
  it('walk visits every entry once, parents first', () => {
    const seen = [...fs.walk('/')].map((e) => e.path);
    const expected: string[] = [];
    const visit = (rel: string) => {
      for (const name of readdirSync(join(root, rel)).sort()) {
        const p = rel ? `${rel}/${name}` : name;
        expected.push(`/${p}`);
        if (lstatSync(join(root, p)).isDirectory()) visit(p);
      }
    };
    visit('');
    expect([...seen].sort()).toEqual([...expected].sort());
    for (const e of seen) {
      const parent = e.slice(0, e.lastIndexOf('/')) || '/';
      if (parent !== '/') expect(seen.indexOf(parent)).toBeLessThan(seen.indexOf(e));
    }
  });
});

describe('absolute symlinks resolve inside the image (POSIX resolution with the image root as /)', () => {
  let abs: ReturnType<typeof fileSystemOf>;
  beforeAll(() => {
    const r = makeTree(join(tempDir(), 'abs'), {
      'etc/motd': 'x',
      'a/b': { symlink: '/etc/motd' },
      'a/c': { symlink: '/../../../etc' },
      'a/d': { symlink: '/a/d' },
    });
    abs = fileSystemOf(new HostDirVolume(r));
  });
  it('an absolute target starts again at the image root', () => {
    expect(abs.resolve('/a/b')).toBe(abs.resolve('/etc/motd'));
  });
  it('".." above the image root stays at the root', () => {
    expect(abs.resolve('/a/c/motd')).toBe(abs.resolve('/etc/motd'));
  });
  it('a link to itself by absolute path is ELOOP', () => {
    expect(() => abs.resolve('/a/d')).toThrow(expect.objectContaining({ code: 'ELOOP' }));
  });
});

describe('limits', () => {
  it('maxSymlinkDepth bounds a long chain', () => {
    const spec: Record<string, { symlink: string } | string> = { end: 'x' };
    for (let i = 0; i < 10; i++) spec[`l${i}`] = { symlink: i === 9 ? 'end' : `l${i + 1}` };
    const small = fileSystemOf(new HostDirVolume(makeTree(join(tempDir(), 'chain'), spec)), {
      limits: { maxSymlinkDepth: 5 },
    });
    expect(() => small.resolve('/l0')).toThrow(expect.objectContaining({ code: 'ELOOP' }));
    expect(small.resolve('/l5')).toBe(small.resolve('/end'));
  });
  it('maxFileBytes bounds readFile', () => {
    const small = fileSystemOf(new HostDirVolume(root), { limits: { maxFileBytes: 3 } });
    expect(() => small.readFile('/etc/motd')).toThrow(expect.objectContaining({ code: 'EFBIG' }));
  });
  it('maxDirEntries bounds readdir', () => {
    const small = fileSystemOf(new HostDirVolume(root), { limits: { maxDirEntries: 2 } });
    expect(() => small.readdir('/')).toThrow(expect.objectContaining({ code: 'EFBIG' }));
  });
});
