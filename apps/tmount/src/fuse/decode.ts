/**
 * The request decoder: bytes read from `/dev/fuse` → a typed request, or a
 * FuseProtocolError saying what is wrong with them. Pure and total: it
 * validates the header length against the bytes read, each opcode's minimum
 * body, the extension area and every NUL-terminated name, and never throws.
 */
import { OPCODES, type OpInfo, type OpKind, STRUCTS } from './abi.js';
import { FuseProtocolError } from './errors.js';

const H = STRUCTS.fuse_in_header;
const TWO_32 = 4294967296;

export interface RequestHeader {
  readonly op: OpInfo;
  /** Unique id, exact as two 32-bit halves (echoed in the reply). */
  readonly uniqueLo: number;
  readonly uniqueHi: number;
  /** The node id; not a safe integer if the kernel sent one above 2^53 (never one of ours). */
  readonly nodeid: number;
  readonly uid: number;
  readonly gid: number;
  readonly pid: number;
}

export type RequestBody =
  | { kind: 'init'; major: number; minor: number; maxReadahead: number; flags: number; flags2: number }
  | { kind: 'lookup'; name: string | null }
  | { kind: 'open' | 'opendir'; flags: number }
  | { kind: 'read' | 'readdir' | 'readdirplus'; offset: number; size: number }
  | { kind: 'access'; mask: number }
  | { kind: 'getxattr'; size: number; name: string | null }
  | { kind: 'listxattr'; size: number }
  | {
      kind: Exclude<
        OpKind,
        | 'init'
        | 'lookup'
        | 'open'
        | 'opendir'
        | 'read'
        | 'readdir'
        | 'readdirplus'
        | 'access'
        | 'getxattr'
        | 'listxattr'
      >;
    };

/**
 * A decoded request. `name` is null when the bytes are not UTF-8: such a name
 * cannot be that of any entry this server lists.
 */
export type Request = RequestHeader & RequestBody;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function u64(view: DataView, offset: number): number {
  return view.getUint32(offset + 4, true) * TWO_32 + view.getUint32(offset, true);
}

/** Where a NUL-terminated string in [start, end) ends, or -1 when there is no terminator. */
function nulAt(bytes: Uint8Array, start: number, end: number): number {
  const i = bytes.subarray(start, end).indexOf(0);
  return i < 0 ? -1 : start + i;
}

function nameAt(bytes: Uint8Array, start: number, nul: number): string | null {
  try {
    return utf8.decode(bytes.subarray(start, nul));
  } catch {
    return null;
  }
}

function unknownOp(opcode: number): OpInfo {
  return { opcode, name: `OPCODE_${opcode}`, kind: 'nosys', body: null, minBody: 0, trailer: 'none' };
}

export function decodeRequest(bytes: Uint8Array): Request | FuseProtocolError {
  try {
    return decode(bytes);
  } catch (e) {
    // Unreachable by construction; kept so that no input can make decoding throw.
    return new FuseProtocolError(`undecodable request: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function decode(bytes: Uint8Array): Request | FuseProtocolError {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < H.fields.unique + 8) {
    return new FuseProtocolError(`request of ${bytes.length} bytes is shorter than its header`);
  }
  const opcode = view.getUint32(H.fields.opcode, true);
  const unique = { lo: view.getUint32(H.fields.unique, true), hi: view.getUint32(H.fields.unique + 4, true) };
  const fail = (message: string) => new FuseProtocolError(message, opcode, unique);
  if (bytes.length < H.size) return fail(`request of ${bytes.length} bytes is shorter than its header`);
  const len = view.getUint32(H.fields.len, true);
  if (len !== bytes.length) return fail(`header says ${len} bytes but ${bytes.length} were read`);

  const op = OPCODES.get(opcode) ?? unknownOp(opcode);
  const extBytes = view.getUint16(H.fields.total_extlen, true) * 8;
  const bodyEnd = len - extBytes;
  if (bodyEnd < H.size) return fail(`extensions of ${extBytes} bytes overrun the request`);
  const bodyLength = bodyEnd - H.size;
  if (bodyLength < op.minBody) {
    return fail(`${op.name} body of ${bodyLength} bytes is shorter than ${op.minBody}`);
  }

  const header: RequestHeader = {
    op,
    uniqueLo: unique.lo,
    uniqueHi: unique.hi,
    nodeid: u64(view, H.fields.nodeid),
    uid: view.getUint32(H.fields.uid, true),
    gid: view.getUint32(H.fields.gid, true),
    pid: view.getUint32(H.fields.pid, true),
  };

  // Trailing strings after the fixed part: each must end with a NUL inside the body.
  const fixedEnd = H.size + op.minBody;
  let firstName: string | null = null;
  if (op.trailer === 'name' || op.trailer === 'two-names') {
    const nul = nulAt(bytes, fixedEnd, bodyEnd);
    if (nul < 0) return fail(`${op.name} name is not NUL-terminated within the request`);
    firstName = nameAt(bytes, fixedEnd, nul);
    if (op.trailer === 'two-names' && nulAt(bytes, nul + 1, bodyEnd) < 0) {
      return fail(`${op.name} second name is not NUL-terminated within the request`);
    }
  }

  const body = H.size;
  switch (op.kind) {
    case 'init': {
      const f = STRUCTS.fuse_init_in.fields;
      const flags = view.getUint32(body + f.flags, true);
      return {
        ...header,
        kind: 'init',
        major: view.getUint32(body + f.major, true),
        minor: view.getUint32(body + f.minor, true),
        maxReadahead: view.getUint32(body + f.max_readahead, true),
        flags,
        flags2: bodyLength >= f.flags2 + 4 ? view.getUint32(body + f.flags2, true) : 0,
      };
    }
    case 'lookup':
      return { ...header, kind: 'lookup', name: firstName };
    case 'open':
    case 'opendir':
      return {
        ...header,
        kind: op.kind,
        flags: view.getUint32(body + STRUCTS.fuse_open_in.fields.flags, true),
      };
    case 'read':
    case 'readdir':
    case 'readdirplus': {
      const f = STRUCTS.fuse_read_in.fields;
      return {
        ...header,
        kind: op.kind,
        offset: u64(view, body + f.offset),
        size: view.getUint32(body + f.size, true),
      };
    }
    case 'access':
      return {
        ...header,
        kind: 'access',
        mask: view.getUint32(body + STRUCTS.fuse_access_in.fields.mask, true),
      };
    case 'getxattr':
      return {
        ...header,
        kind: 'getxattr',
        size: view.getUint32(body + STRUCTS.fuse_getxattr_in.fields.size, true),
        name: firstName,
      };
    case 'listxattr':
      return {
        ...header,
        kind: 'listxattr',
        size: view.getUint32(body + STRUCTS.fuse_getxattr_in.fields.size, true),
      };
    case 'silent':
      if (op.name === 'BATCH_FORGET') {
        const count = view.getUint32(body + STRUCTS.fuse_batch_forget_in.fields.count, true);
        const room = bodyLength - STRUCTS.fuse_batch_forget_in.size;
        if (count * STRUCTS.fuse_forget_one.size > room) {
          return fail(`BATCH_FORGET of ${count} entries does not fit in ${room} bytes`);
        }
      }
      return { ...header, kind: 'silent' };
    default:
      return { ...header, kind: op.kind };
  }
}
