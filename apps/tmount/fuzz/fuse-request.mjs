/**
 * Fuzz target: what the kernel writes to /dev/fuse, fed to a whole FUSE
 * session serving a small tree (the request decoder and every handler behind
 * it). `handle` must answer anything, malformed or not, without throwing:
 * there is no expected error here, so every throw is a crash.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSystemOf, HostDirVolume } from '@x/fsimage';
import { FuseSession, ReplyBuffer } from '../dist/fuse.js';

const root = mkdtempSync(join(tmpdir(), 'fuse-fuzz-'));
mkdirSync(join(root, 'dir/sub'), { recursive: true });
writeFileSync(join(root, 'file'), 'x'.repeat(5000));
writeFileSync(join(root, 'dir/sub/inner'), 'inner\n');
symlinkSync('dir/sub/inner', join(root, 'link'));

const session = new FuseSession(fileSystemOf(new HostDirVolume(root)), { maxRead: 1 << 20 });
const reply = new ReplyBuffer(session.replyCapacity + 4096);

const OP = {
  LOOKUP: 1,
  FORGET: 2,
  GETATTR: 3,
  READLINK: 5,
  OPEN: 14,
  READ: 15,
  STATFS: 17,
  RELEASE: 18,
  GETXATTR: 22,
  LISTXATTR: 23,
  INIT: 26,
  OPENDIR: 27,
  READDIR: 28,
  ACCESS: 34,
  INTERRUPT: 36,
  BATCH_FORGET: 42,
  READDIRPLUS: 44,
  LSEEK: 46,
};

/** A request as fuse.h lays it out: the 40-byte fuse_in_header, then the body. */
function request(opcode, nodeid, body = new Uint8Array(0)) {
  const out = new Uint8Array(40 + body.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, out.length, true);
  v.setUint32(4, opcode, true);
  v.setBigUint64(8, 2n, true);
  v.setBigUint64(16, BigInt(nodeid), true);
  out.set(body, 40);
  return out;
}
const name = (s) => new TextEncoder().encode(`${s}\0`);
function u32s(...values) {
  const b = new Uint8Array(values.length * 4);
  const v = new DataView(b.buffer);
  for (const [i, x] of values.entries()) v.setUint32(i * 4, x, true);
  return b;
}
/** fuse_read_in: fh, offset, size, read_flags, lock_owner, flags, padding. */
function readIn(offset, size) {
  const b = new Uint8Array(40);
  const v = new DataView(b.buffer);
  v.setBigUint64(8, BigInt(offset), true);
  v.setUint32(16, size, true);
  return b;
}

export function seeds() {
  return [
    request(OP.INIT, 0, u32s(7, 38, 131072, 0x73fffffb, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
    request(OP.LOOKUP, 1, name('file')),
    request(OP.LOOKUP, 1, name('link')),
    request(OP.GETATTR, 1, new Uint8Array(16)),
    request(OP.READLINK, 1),
    request(OP.OPEN, 1, u32s(0, 0)),
    request(OP.READ, 1, readIn(4000, 4096)),
    request(OP.OPENDIR, 1, u32s(0, 0)),
    request(OP.READDIR, 1, readIn(0, 4096)),
    request(OP.READDIRPLUS, 1, readIn(0, 4096)),
    request(OP.STATFS, 1),
    request(OP.ACCESS, 1, u32s(4, 0)),
    request(OP.GETXATTR, 1, new Uint8Array([...u32s(0, 0), ...name('user.x')])),
    request(OP.LISTXATTR, 1, u32s(0, 0)),
    request(OP.FORGET, 1, new Uint8Array(8)),
    request(OP.BATCH_FORGET, 0, new Uint8Array([...u32s(1, 0), ...new Uint8Array(16)])),
    request(OP.LSEEK, 1, new Uint8Array(24)),
    request(OP.INTERRUPT, 0, new Uint8Array(8)),
  ];
}

export const dictionary = ['file\0', 'link\0', 'dir\0', 'sub\0', 'inner\0', '..\0', '.\0', 'user.\0'];

export function fuzz(data) {
  session.handle(data, reply);
}
