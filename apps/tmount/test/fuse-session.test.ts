/**
 * The session without a kernel: requests built by hand from fuse.h's layouts
 * go in, replies come out and are read back the same way. The truth is the
 * host's own view of the tree (lstat, readdir, readlink, file bytes) and the
 * protocol's rules.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  type DirPage,
  FsError,
  fileSystemOf,
  HostDirVolume,
  S_IFDIR,
  S_IFREG,
  type Stat,
  type StatFs,
  type Volume,
  type VolumeInfo,
} from '@x/fsimage';
import { makeTree, tempDir } from '@x/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { FuseSession } from '../src/fuse/index.js';
import { ReplyBuffer } from '../src/fuse/reply.js';
import { bytes } from './fixtures/fuse-harness.js';
import {
  concat,
  cstring,
  type Dirent,
  initBody,
  OP,
  parseDirents,
  readBody,
  replyOf,
  request,
  struct,
} from './fixtures/fuse-requests.js';

// fuse.h values, written out independently of the server's tables.
const FUSE_ASYNC_READ = 1 << 0;
const FUSE_BIG_WRITES = 1 << 5;
const FUSE_DO_READDIRPLUS = 1 << 13;
const FUSE_READDIRPLUS_AUTO = 1 << 14;
const FUSE_PARALLEL_DIROPS = 1 << 18;
const FUSE_MAX_PAGES = 1 << 22;
const FUSE_CACHE_SYMLINKS = 1 << 23;
const FOPEN_KEEP_CACHE = 1 << 1;
const FOPEN_CACHE_DIR = 1 << 3;
const EROFS = 30;
const ENOSYS = 38;
const ENODATA = 61;
const EACCES = 13;
const EPROTO = 71;
const EIO = 5;

let root: string;
let logs: string[];
let session: FuseSession;
let rb: ReplyBuffer;

function call(b: Uint8Array) {
  const n = session.handle(b, rb);
  return n === 0 ? null : replyOf(rb.bytes.slice(0, n));
}

function ok(b: Uint8Array) {
  const r = call(b);
  if (!r) throw new Error('no reply');
  expect(r.error).toBe(0);
  return r;
}

/** `fuse_attr` at `at`: the fields a test compares with lstat. */
function attrAt(v: DataView, at: number) {
  return {
    ino: Number(v.getBigUint64(at, true)),
    size: Number(v.getBigUint64(at + 8, true)),
    mtime: Number(v.getBigInt64(at + 32, true)),
    mtimensec: v.getUint32(at + 52, true),
    mode: v.getUint32(at + 60, true),
    nlink: v.getUint32(at + 64, true),
    uid: v.getUint32(at + 68, true),
    gid: v.getUint32(at + 72, true),
  };
}

function hostAttr(path: string) {
  const st = lstatSync(path, { bigint: true });
  return {
    ino: Number(st.ino),
    size: Number(st.size),
    mtime:
      Number(st.mtimeNs / 1_000_000_000n) - (st.mtimeNs < 0n && st.mtimeNs % 1_000_000_000n !== 0n ? 1 : 0),
    mtimensec: Number(((st.mtimeNs % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n),
    mode: Number(st.mode),
    nlink: Number(st.nlink),
    uid: Number(st.uid),
    gid: Number(st.gid),
  };
}

/** LOOKUP `name` in node `dir`: the node id and attributes from `fuse_entry_out`. */
function lookup(dir: number, name: string) {
  const r = ok(request(OP.LOOKUP, cstring(name), { nodeid: dir }));
  return {
    nodeid: Number(r.body.getBigUint64(0, true)),
    entryValid: r.body.getBigUint64(16, true),
    attr: attrAt(r.body, 40),
  };
}

/** A whole listing, read in requests of `size` bytes, each resuming at the last cookie. */
function listAll(nodeid: number, size: number, plus: boolean): Dirent[] {
  const all: Dirent[] = [];
  let offset = 0;
  for (let i = 0; i < 10_000; i++) {
    const r = ok(request(plus ? OP.READDIRPLUS : OP.READDIR, readBody(offset, size), { nodeid }));
    const page = parseDirents(r.body, plus);
    if (page.length === 0) return all;
    all.push(...page);
    offset = Number(page[page.length - 1]!.off);
  }
  throw new Error('listing does not end');
}

beforeAll(() => {
  root = makeTree(join(tempDir('fuse-session-'), 'tree'), {
    'a.txt': { content: 'alpha\n', mtime: 1_500_000_000 },
    'data.bin': bytes(300_000, 7),
    secret: { content: 's', mode: 0o600 },
    'sub/inner.txt': 'inner\n',
    link: { symlink: 'sub/inner.txt' },
    ...Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`dir/n${i}`, `${i}`])),
  });
  logs = [];
  session = new FuseSession(fileSystemOf(new HostDirVolume(root)), { log: (l) => logs.push(l) });
  rb = new ReplyBuffer(session.replyCapacity);
});

describe('FuseSession: INIT', () => {
  it('agrees on min(kernel, 7.38) and the wanted subset of the offered flags', () => {
    const r = ok(request(OP.INIT, initBody(7, 45, 131072, 0x73fffffb), { nodeid: 0 }));
    const v = r.body;
    expect(r.len).toBe(16 + 64);
    expect([v.getUint32(0, true), v.getUint32(4, true)]).toEqual([7, 38]);
    // max_readahead: room for one full READ; the kernel keeps the smaller of this and the mount's.
    expect(v.getUint32(8, true)).toBe(1 << 20);
    const wanted =
      FUSE_ASYNC_READ |
      FUSE_BIG_WRITES |
      FUSE_PARALLEL_DIROPS |
      FUSE_DO_READDIRPLUS |
      FUSE_CACHE_SYMLINKS |
      FUSE_MAX_PAGES;
    expect(v.getUint32(12, true)).toBe((wanted & 0x73fffffb) >>> 0);
    // Plus listings always: the auto mode would fall back to a LOOKUP per name after the first page.
    expect(v.getUint32(12, true) & FUSE_READDIRPLUS_AUTO).toBe(0);
    expect(v.getUint32(20, true)).toBeGreaterThanOrEqual(4096); // max_write
    expect(v.getUint32(24, true)).toBe(1); // time_gran
    expect(v.getUint16(28, true)).toBe(256); // max_pages: 1 MiB reads
  });

  it('never asks for a flag the kernel did not offer', () => {
    const r = ok(
      request(OP.INIT, initBody(7, 31, 65536, FUSE_ASYNC_READ | FUSE_CACHE_SYMLINKS), { nodeid: 0 }),
    );
    expect(r.body.getUint32(4, true)).toBe(31);
    expect(r.body.getUint32(12, true)).toBe(FUSE_ASYNC_READ | FUSE_CACHE_SYMLINKS);
    expect(r.body.getUint16(28, true)).toBe(0);
  });

  it('answers a newer major with its own major only, and refuses old protocols', () => {
    const newer = ok(request(OP.INIT, initBody(8, 0, 131072, 0), { nodeid: 0 }));
    expect(newer.body.getUint32(0, true)).toBe(7);
    expect(newer.body.getUint32(4, true)).toBe(0);
    expect(call(request(OP.INIT, initBody(7, 22, 131072, 0), { nodeid: 0 }))!.error).toBe(-EPROTO);
    expect(call(request(OP.INIT, initBody(6, 99, 131072, 0), { nodeid: 0 }))!.error).toBe(-EPROTO);
    ok(request(OP.INIT, initBody(7, 45, 131072, 0x73fffffb), { nodeid: 0 }));
  });
});

describe('FuseSession: answers from the volume', () => {
  it('echoes the unique id, even above 2^32', () => {
    expect(call(request(OP.GETATTR, new Uint8Array(16), { unique: 2 ** 40 + 2 }))!.unique).toBe(
      BigInt(2 ** 40 + 2),
    );
  });

  it('gives node id 1 for the root and the attributes lstat gives', () => {
    const r = ok(request(OP.GETATTR, new Uint8Array(16), { nodeid: 1 }));
    expect(attrAt(r.body, 16)).toEqual(hostAttr(root));
    for (const name of ['a.txt', 'data.bin', 'sub', 'link', 'secret']) {
      const e = lookup(1, name);
      expect(e.attr).toEqual(hostAttr(join(root, name)));
      expect(e.nodeid).toBe(e.attr.ino);
      expect(e.entryValid).toBeGreaterThan(3600n);
      const g = ok(request(OP.GETATTR, new Uint8Array(16), { nodeid: e.nodeid }));
      expect(attrAt(g.body, 16)).toEqual(hostAttr(join(root, name)));
    }
  });

  it('caches a missing name as a negative entry', () => {
    const r = ok(request(OP.LOOKUP, cstring('no-such-file'), { nodeid: 1 }));
    expect(r.body.getBigUint64(0, true)).toBe(0n);
    expect(r.body.getBigUint64(16, true)).toBeGreaterThan(0n);
    const bad = ok(request(OP.LOOKUP, new Uint8Array([0xff, 0]), { nodeid: 1 }));
    expect(bad.body.getBigUint64(0, true)).toBe(0n);
  });

  it('reads file bytes at any offset, short only at the end', () => {
    const data = readFileSync(join(root, 'data.bin'));
    const node = lookup(1, 'data.bin').nodeid;
    for (const [offset, size] of [
      [0, 4096],
      [1, 131072],
      [299_990, 4096],
      [300_000, 4096],
      [250_000, 1 << 20],
    ] as const) {
      const r = ok(request(OP.READ, readBody(offset, size), { nodeid: node }));
      const got = new Uint8Array(r.body.buffer, r.body.byteOffset, r.body.byteLength);
      expect(Buffer.from(got).equals(data.subarray(offset, offset + size))).toBe(true);
    }
    expect(ok(request(OP.READ, readBody(2 ** 60, 4096), { nodeid: node })).len).toBe(16);
  });

  it('returns symlink targets', () => {
    const r = ok(request(OP.READLINK, new Uint8Array(0), { nodeid: lookup(1, 'link').nodeid }));
    expect(
      new TextDecoder().decode(new Uint8Array(r.body.buffer, r.body.byteOffset, r.body.byteLength)),
    ).toBe(readlinkSync(join(root, 'link')));
  });

  it('lists a directory through small READDIR pages, each entry once, with . and ..', () => {
    const dir = lookup(1, 'dir').nodeid;
    for (const size of [80, 200, 4096]) {
      const names = listAll(dir, size, false).map((e) => e.name);
      expect(names.slice(0, 2)).toEqual(['.', '..']);
      expect(names.slice(2).sort()).toEqual(readdirSync(join(root, 'dir')).sort());
    }
    const entries = listAll(1, 4096, false);
    const cookies = entries.map((e) => e.off);
    expect(new Set(cookies).size).toBe(cookies.length);
    for (const e of entries.slice(2)) {
      const host = lstatSync(join(root, e.name));
      expect(Number(e.ino)).toBe(host.ino);
      expect(e.type).toBe(host.isDirectory() ? 4 : host.isSymbolicLink() ? 10 : 8);
    }
  });

  it('lists with attributes through READDIRPLUS', () => {
    const dir = lookup(1, 'dir').nodeid;
    const entries = listAll(dir, 600, true);
    expect(
      entries
        .map((e) => e.name)
        .slice(2)
        .sort(),
    ).toEqual(readdirSync(join(root, 'dir')).sort());
    expect(entries[0]!.nodeid).toBe(0n);
    for (const e of entries.slice(2)) {
      const host = lstatSync(join(root, 'dir', e.name));
      expect(Number(e.nodeid)).toBe(host.ino);
      expect(e.mode).toBe(host.mode);
    }
  });

  it('reports statfs from the volume', () => {
    const r = ok(request(OP.STATFS, new Uint8Array(0)));
    expect(r.body.getUint32(40, true)).toBe(4096); // bsize
    expect(r.body.getUint32(44, true)).toBe(255); // namelen
  });
});

describe('FuseSession: a read-only server', () => {
  it('answers every modification with EROFS', () => {
    const mods = [
      request(OP.SETATTR, new Uint8Array(88)),
      request(OP.SYMLINK, concat(cstring('n'), cstring('t'))),
      request(
        OP.MKDIR,
        concat(
          struct([
            [4, 0o755],
            [4, 0],
          ]),
          cstring('d'),
        ),
      ),
      request(OP.UNLINK, cstring('a.txt')),
      request(OP.RENAME, concat(struct([[8, 1]]), cstring('a.txt'), cstring('b'))),
      request(OP.WRITE, concat(new Uint8Array(40), new Uint8Array(10))),
      request(OP.CREATE, concat(new Uint8Array(16), cstring('new'))),
      request(OP.RENAME2, concat(new Uint8Array(16), cstring('a'), cstring('b'))),
    ];
    for (const m of mods) expect(call(m)!.error).toBe(-EROFS);
  });

  it('opens files read-only with the cache kept, and refuses opening for writing', () => {
    const node = lookup(1, 'a.txt').nodeid;
    const r = ok(
      request(
        OP.OPEN,
        struct([
          [4, 0],
          [4, 0],
        ]),
        { nodeid: node },
      ),
    );
    expect(r.body.getUint32(8, true)).toBe(FOPEN_KEEP_CACHE);
    // O_WRONLY, O_RDWR and O_TRUNC: a read-only file system refuses each.
    for (const flags of [1, 2, 0o1000]) {
      const open = request(
        OP.OPEN,
        struct([
          [4, flags],
          [4, 0],
        ]),
        { nodeid: node },
      );
      expect([flags, call(open)!.error]).toEqual([flags, -EROFS]);
    }
    const d = ok(
      request(
        OP.OPENDIR,
        struct([
          [4, 0],
          [4, 0],
        ]),
        { nodeid: 1 },
      ),
    );
    expect(d.body.getUint32(8, true)).toBe(FOPEN_KEEP_CACHE | FOPEN_CACHE_DIR);
  });

  it('has no extended attributes', () => {
    expect(
      call(
        request(
          OP.GETXATTR,
          concat(
            struct([
              [4, 64],
              [4, 0],
            ]),
            cstring('user.x'),
          ),
        ),
      )!.error,
    ).toBe(-ENODATA);
    const sized = ok(
      request(
        OP.LISTXATTR,
        struct([
          [4, 0],
          [4, 0],
        ]),
      ),
    );
    expect(sized.body.getUint32(0, true)).toBe(0);
    expect(
      ok(
        request(
          OP.LISTXATTR,
          struct([
            [4, 4096],
            [4, 0],
          ]),
        ),
      ).len,
    ).toBe(16);
  });

  it('checks access by mode bits', () => {
    const secret = lookup(1, 'secret');
    const mask = (m: number) =>
      struct([
        [4, m],
        [4, 0],
      ]);
    const owner = { uid: secret.attr.uid, gid: secret.attr.gid };
    expect(call(request(OP.ACCESS, mask(4), { nodeid: secret.nodeid, uid: 4321, gid: 4321 }))!.error).toBe(
      -EACCES,
    );
    expect(call(request(OP.ACCESS, mask(4), { nodeid: secret.nodeid, ...owner }))!.error).toBe(0);
    expect(call(request(OP.ACCESS, mask(2), { nodeid: secret.nodeid, ...owner }))!.error).toBe(-EROFS);
    expect(call(request(OP.ACCESS, mask(1), { nodeid: secret.nodeid, uid: 0 }))!.error).toBe(-EACCES);
    expect(call(request(OP.ACCESS, mask(1), { nodeid: 1, uid: 0 }))!.error).toBe(0);
  });

  it('does not answer FORGET, BATCH_FORGET or INTERRUPT, and says ENOSYS to unknown opcodes', () => {
    expect(call(request(OP.FORGET, struct([[8, 1]])))).toBeNull();
    expect(
      call(
        request(
          OP.BATCH_FORGET,
          concat(
            struct([
              [4, 1],
              [4, 0],
            ]),
            struct([
              [8, 5],
              [8, 1],
            ]),
          ),
        ),
      ),
    ).toBeNull();
    expect(call(request(OP.INTERRUPT, struct([[8, 10]])))).toBeNull();
    expect(call(request(9999))!.error).toBe(-ENOSYS);
    expect(call(request(OP.RELEASE, new Uint8Array(24)))!.error).toBe(0);
  });

  it('answers a malformed request with EIO when it knows whom to answer', () => {
    const before = logs.length;
    const r = call(request(OP.READ, new Uint8Array(8), { unique: 1234 }));
    expect(r!.error).toBe(-EIO);
    expect(r!.unique).toBe(1234n);
    expect(call(new Uint8Array(10))).toBeNull();
    expect(logs.length).toBe(before + 2);
  });
});

/** A two-entry volume whose root is inode 5 and whose file is inode 1, to see the node-id swap. */
class SwapVolume implements Volume {
  readonly fsType = 'swap';
  readonly root = 5;
  private stats = new Map<number, Stat>([
    [5, this.make(5, S_IFDIR | 0o755)],
    [1, this.make(1, S_IFREG | 0o644)],
    [9, this.make(9, S_IFREG | 0o600)],
  ]);
  private make(ino: number, mode: number): Stat {
    const t = { sec: 1_000_000 + ino, nsec: ino };
    return {
      ino,
      mode,
      nlink: 1,
      uid: 0,
      gid: 0,
      size: ino,
      blocks: 0,
      blksize: 512,
      rdevMajor: 0,
      rdevMinor: 0,
      atime: t,
      mtime: t,
      ctime: t,
    };
  }
  lookup(dir: number, name: string): number {
    if (dir !== 5) throw new FsError('ENOTDIR', 'not a directory');
    if (name === 'one') return 1;
    if (name === 'nine') return 9;
    if (name === 'boom') throw new Error('plugin bug');
    throw new FsError('ENOENT', 'no entry');
  }
  stat(ino: number): Stat {
    const s = this.stats.get(ino);
    if (!s) throw new FsError('ENOENT', 'no inode');
    return s;
  }
  readdir(dir: number, cursor: number): DirPage {
    this.stat(dir);
    const all = [
      { name: 'one', ino: 1, type: 'file' as const, next: 10 },
      { name: 'bad/name', ino: 9, type: 'file' as const, next: 20 },
      { name: 'nine', ino: 9, type: 'file' as const, next: 30 },
    ];
    const entries = all.filter((e) => e.next > cursor).slice(0, 1);
    return { entries, done: entries.length === 0 || entries[0]!.next === 30 };
  }
  readlink(): string {
    throw new FsError('EINVAL', 'not a symlink');
  }
  read(): number {
    throw new TypeError('cannot read properties of undefined');
  }
  statfs(): StatFs {
    return { blockSize: 2048, blocks: 10, blocksFree: 0, files: 3, filesFree: 0, nameMax: 255 };
  }
  label(): string | undefined {
    return undefined;
  }
  uuid(): string | undefined {
    return undefined;
  }
  info(): VolumeInfo {
    return { rows: [] };
  }
  close(): void {}
}

describe('FuseSession: node ids and failures', () => {
  it('swaps the root with the volume inode 1, passes other inodes through', () => {
    const lines: string[] = [];
    session = new FuseSession(fileSystemOf(new SwapVolume()), { log: (l) => lines.push(l) });
    const root5 = ok(request(OP.GETATTR, new Uint8Array(16), { nodeid: 1 }));
    expect(attrAt(root5.body, 16).ino).toBe(5);
    const one = lookup(1, 'one');
    expect(one.nodeid).toBe(5);
    expect(one.attr.ino).toBe(1);
    expect(attrAt(ok(request(OP.GETATTR, new Uint8Array(16), { nodeid: 5 })).body, 16).ino).toBe(1);
    expect(lookup(1, 'nine').nodeid).toBe(9);
    expect(call(request(OP.GETATTR, new Uint8Array(16), { nodeid: 0 }))!.error).toBe(-116);
  });

  it('lists past entries the path layer filters, with node ids swapped', () => {
    const names = listAll(1, 4096, true);
    expect(names.map((e) => [e.name, e.nodeid])).toEqual([
      ['.', 0n],
      ['..', 0n],
      ['one', 5n],
      ['nine', 9n],
    ]);
  });

  it('turns an untyped plugin failure into EIO and one log line naming the op and inode', () => {
    const lines: string[] = [];
    session = new FuseSession(fileSystemOf(new SwapVolume()), { log: (l) => lines.push(l) });
    expect(call(request(OP.LOOKUP, cstring('boom'), { nodeid: 1 }))!.error).toBe(-EIO);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/LOOKUP inode 1/);
    expect(lines[0]).toMatch(/plugin bug/);
    // A TypeError from a plugin is a corrupt structure: EIO, as for a damaged medium, also logged.
    expect(call(request(OP.READ, readBody(0, 4096), { nodeid: 9 }))!.error).toBe(-EIO);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/READ inode 9/);
    // Typed, expected errors are answered quietly.
    expect(call(request(OP.READLINK, new Uint8Array(0), { nodeid: 9 }))!.error).toBe(-22);
    expect(ok(request(OP.LOOKUP, cstring('missing'), { nodeid: 1 })).body.getBigUint64(0, true)).toBe(0n);
    expect(call(request(OP.LOOKUP, cstring('x'), { nodeid: 9 }))!.error).toBe(-20);
    expect(lines).toHaveLength(2);
  });

  it('ends at DESTROY', () => {
    expect(session.ended).toBe(false);
    expect(ok(request(OP.DESTROY)).len).toBe(16);
    expect(session.ended).toBe(true);
  });
});
