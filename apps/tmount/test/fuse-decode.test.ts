/**
 * The request decoder: well-formed requests decode to their fields, and every
 * truncated or inconsistent one gives a FuseProtocolError, never a throw.
 */
import { describe, expect, it } from 'vitest';
import { decodeRequest, FuseProtocolError, type Request } from '../src/fuse/index.js';
import { bytes } from './fixtures/fuse-harness.js';
import { concat, cstring, initBody, OP, readBody, request, struct } from './fixtures/fuse-requests.js';

function decoded(b: Uint8Array): Request {
  const r = decodeRequest(b);
  if (r instanceof FuseProtocolError) throw new Error(`unexpected protocol error: ${r.message}`);
  return r;
}

function refused(b: Uint8Array): FuseProtocolError {
  const r = decodeRequest(b);
  expect(r).toBeInstanceOf(FuseProtocolError);
  return r as FuseProtocolError;
}

describe('decodeRequest', () => {
  it('decodes the header and an INIT body', () => {
    const r = decoded(
      request(OP.INIT, initBody(7, 45, 131072, 0x73fffffb), { unique: 2, nodeid: 0, uid: 7, gid: 8 }),
    );
    expect(r.op.name).toBe('INIT');
    expect(r.kind).toBe('init');
    expect([r.uniqueLo, r.uniqueHi, r.nodeid, r.uid, r.gid, r.pid]).toEqual([2, 0, 0, 7, 8, 4242]);
    if (r.kind !== 'init') throw new Error('not init');
    expect([r.major, r.minor, r.maxReadahead, r.flags]).toEqual([7, 45, 131072, 0x73fffffb]);
  });

  it('accepts the 16-byte INIT body of kernels before 7.36', () => {
    const r = decoded(
      request(
        OP.INIT,
        struct([
          [4, 7],
          [4, 31],
          [4, 65536],
          [4, 1],
        ]),
        { nodeid: 0 },
      ),
    );
    expect(r.kind === 'init' && r.minor).toBe(31);
  });

  it('keeps a unique id above 2^32 exact', () => {
    const r = decoded(request(OP.GETATTR, new Uint8Array(16), { unique: 2 ** 40 + 6 }));
    expect(r.uniqueHi * 2 ** 32 + r.uniqueLo).toBe(2 ** 40 + 6);
  });

  it('decodes READ offsets and sizes, and LOOKUP names', () => {
    const read = decoded(request(OP.READ, readBody(2 ** 33 + 5, 1 << 20), { nodeid: 77 }));
    expect(read.kind === 'read' && [read.offset, read.size, read.nodeid]).toEqual([2 ** 33 + 5, 1 << 20, 77]);
    const lookup = decoded(request(OP.LOOKUP, cstring('ünïcødé 名前')));
    expect(lookup.kind === 'lookup' && lookup.name).toBe('ünïcødé 名前');
  });

  it('gives a name that is not UTF-8 as null', () => {
    const lookup = decoded(request(OP.LOOKUP, new Uint8Array([0x66, 0xff, 0xfe, 0])));
    expect(lookup.kind === 'lookup' && lookup.name).toBe(null);
  });

  it('answers opcodes it does not know as ENOSYS candidates', () => {
    const r = decoded(request(9999));
    expect(r.kind).toBe('nosys');
    expect(r.op.name).toBe('OPCODE_9999');
  });

  it('refuses requests shorter than their header', () => {
    expect(refused(new Uint8Array(0)).unique).toBeUndefined();
    expect(refused(new Uint8Array(15)).unique).toBeUndefined();
    const short = request(OP.GETATTR, new Uint8Array(16), { unique: 10 }).subarray(0, 39);
    const e = refused(short);
    expect(e.unique).toEqual({ lo: 10, hi: 0 });
    expect(e.opcode).toBe(OP.GETATTR);
  });

  it('refuses a header length that differs from the bytes read', () => {
    const b = request(OP.GETATTR, new Uint8Array(16));
    new DataView(b.buffer).setUint32(0, b.length + 8, true);
    expect(refused(b).message).toMatch(/header says/);
    new DataView(b.buffer).setUint32(0, b.length - 8, true);
    refused(b);
    const longer = concat(request(OP.STATFS), new Uint8Array(8));
    refused(longer);
  });

  it('refuses bodies shorter than the opcode needs', () => {
    const cases: Array<[number, number]> = [
      [OP.INIT, 15],
      [OP.GETATTR, 15],
      [OP.OPEN, 7],
      [OP.READ, 39],
      [OP.READDIR, 24],
      [OP.READDIRPLUS, 0],
      [OP.ACCESS, 4],
      [OP.FORGET, 7],
      [OP.BATCH_FORGET, 7],
      [OP.GETXATTR, 7],
      [OP.SETATTR, 87],
      [OP.WRITE, 39],
      [OP.INTERRUPT, 7],
    ];
    for (const [op, size] of cases) {
      expect(refused(request(op, new Uint8Array(size))).message).toMatch(/shorter than/);
    }
  });

  it('refuses names without a terminating NUL inside the body', () => {
    refused(request(OP.LOOKUP, new TextEncoder().encode('abc')));
    refused(request(OP.LOOKUP));
    // GETXATTR: 8-byte struct, then the attribute name.
    refused(
      request(
        OP.GETXATTR,
        concat(
          struct([
            [4, 0],
            [4, 0],
          ]),
          new TextEncoder().encode('user.x'),
        ),
      ),
    );
    // RENAME: newdir, then two names; the second lacks its NUL.
    refused(request(OP.RENAME, concat(struct([[8, 1]]), cstring('a'), new TextEncoder().encode('b'))));
    refused(request(OP.SYMLINK, cstring('only-one')));
    expect(decoded(request(OP.SYMLINK, concat(cstring('name'), cstring('target')))).kind).toBe('erofs');
  });

  it('does not read a name from the extension area', () => {
    // "ab\0" plus 8 bytes declared as extensions: the NUL is inside the body, fine.
    const ok = request(OP.LOOKUP, concat(cstring('ab'), new Uint8Array(5), new Uint8Array(8)), {
      totalExtlen: 1,
    });
    expect(decoded(ok).kind).toBe('lookup');
    // The only NUL lies in the extension area: refused.
    const b = request(OP.LOOKUP, concat(new TextEncoder().encode('abcdefgh'), new Uint8Array(8)), {
      totalExtlen: 1,
    });
    refused(b);
  });

  it('refuses extensions longer than the request', () => {
    refused(request(OP.STATFS, new Uint8Array(8), { totalExtlen: 2 }));
  });

  it('refuses a BATCH_FORGET whose count overruns the body', () => {
    const ok = request(
      OP.BATCH_FORGET,
      concat(
        struct([
          [4, 2],
          [4, 0],
        ]),
        new Uint8Array(32),
      ),
    );
    expect(decoded(ok).kind).toBe('silent');
    refused(
      request(
        OP.BATCH_FORGET,
        concat(
          struct([
            [4, 3],
            [4, 0],
          ]),
          new Uint8Array(32),
        ),
      ),
    );
    refused(
      request(
        OP.BATCH_FORGET,
        concat(
          struct([
            [4, 0xffffffff],
            [4, 0],
          ]),
          new Uint8Array(32),
        ),
      ),
    );
  });

  it('never throws on mutated or random input', () => {
    const seeds = [
      request(OP.INIT, initBody(7, 45, 131072, 0x73fffffb)),
      request(OP.LOOKUP, cstring('name')),
      request(OP.READ, readBody(0, 4096)),
      request(OP.RENAME, concat(struct([[8, 1]]), cstring('a'), cstring('b'))),
      request(
        OP.BATCH_FORGET,
        concat(
          struct([
            [4, 1],
            [4, 0],
          ]),
          new Uint8Array(16),
        ),
      ),
    ];
    const noise = bytes(400_000, 99);
    let n = 0;
    let protocolErrors = 0;
    for (let round = 0; round < 20_000; round++) {
      const seed = seeds[round % seeds.length]!;
      const b = new Uint8Array(seed);
      // Flip a few bytes (header fields included), sometimes truncate or extend.
      for (let k = 0; k < 1 + (noise[n++ % noise.length]! & 3); k++) {
        b[noise[n++ % noise.length]! % b.length] = noise[n++ % noise.length]!;
      }
      const cut = noise[n++ % noise.length]! % (b.length + 1);
      const input = round % 3 === 0 ? b.subarray(0, cut) : b;
      let result: unknown;
      expect(() => {
        result = decodeRequest(input);
      }).not.toThrow();
      if (result instanceof FuseProtocolError) protocolErrors++;
      else expect((result as Request).op).toBeDefined();
    }
    // Both outcomes occur: the mutations reach the checks.
    expect(protocolErrors).toBeGreaterThan(1000);
    expect(protocolErrors).toBeLessThan(20_000);
  });
});
