/**
 * The few libc calls Node.js lacks, through the koffi FFI (prebuilt, so no
 * compiler is needed where this runs): mount(2) and umount2(2) for root,
 * socketpair(2) and recvmsg(2) with SCM_RIGHTS to take the `/dev/fuse`
 * descriptor from fusermount3, and ioctl(2) to clone a descriptor. Loaded on
 * first use; errno is read right after a failed call, on the same thread.
 */
import { createRequire } from 'node:module';
import { getSystemErrorName } from 'node:util';
import { FuseUnavailableError } from './errors.js';

/** The libc constants used, by their C names (checked against the headers by the ABI test). */
export const LIBC_CONSTANTS = {
  MS_RDONLY: 1,
  MS_NOSUID: 2,
  MS_NODEV: 4,
  MS_NOEXEC: 8,
  /** umount2(2): detach now, finish when no longer busy. */
  MNT_DETACH: 2,
  AF_UNIX: 1,
  SOCK_STREAM: 1,
  SOCK_CLOEXEC: 0o2000000,
  SOL_SOCKET: 1,
  SCM_RIGHTS: 1,
  MSG_CMSG_CLOEXEC: 0x40000000,
} as const;

export const { MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MNT_DETACH } = LIBC_CONSTANTS;
const { AF_UNIX, SOCK_STREAM, SOCK_CLOEXEC, SOL_SOCKET, SCM_RIGHTS, MSG_CMSG_CLOEXEC } = LIBC_CONSTANTS;

/**
 * `struct msghdr`, `struct iovec` and `struct cmsghdr` on 64-bit Linux
 * (x86-64, arm64): the only layouts built here, checked against the C headers
 * by the ABI test.
 */
export const SOCKET_LAYOUT = {
  msghdr: { size: 56, fields: { msg_iov: 16, msg_iovlen: 24, msg_control: 32, msg_controllen: 40 } },
  iovec: { size: 16, fields: { iov_base: 0, iov_len: 8 } },
  cmsghdr: { size: 16, fields: { cmsg_len: 0, cmsg_level: 8, cmsg_type: 12 } },
  /** CMSG_SPACE(sizeof(int)) and CMSG_LEN(sizeof(int)). */
  cmsgSpaceInt: 24,
  cmsgLenInt: 20,
} as const;

/** A failed call: the errno and its name. */
export class LibcError extends Error {
  override readonly name = 'LibcError';
  constructor(
    readonly call: string,
    readonly errno: number,
  ) {
    super(`${call}: ${errnoName(errno)} (${errno})`);
  }
  get code(): string {
    return errnoName(this.errno);
  }
}

export function errnoName(errno: number): string {
  try {
    return getSystemErrorName(-errno);
  } catch {
    return `errno ${errno}`;
  }
}

// Minimal shapes of the koffi API used here.
type NativeFunction = ((...args: unknown[]) => number) & {
  async: (...args: unknown[]) => void;
};
interface Koffi {
  load(path: string): { func(signature: string): NativeFunction };
  errno(): number;
  alloc(type: string, count: number): bigint;
  free(ptr: bigint): void;
  view(ptr: bigint, length: number): ArrayBuffer;
}

interface Libc {
  koffi: Koffi;
  mount: NativeFunction;
  umount2: NativeFunction;
  socketpair: NativeFunction;
  recvmsg: NativeFunction;
  ioctl: NativeFunction;
}

let libc: Libc | undefined;

function load(): Libc {
  if (libc) return libc;
  let koffi: Koffi;
  try {
    koffi = createRequire(import.meta.url)('koffi') as Koffi;
  } catch (e) {
    throw new FuseUnavailableError(
      `the koffi FFI module could not be loaded (${e instanceof Error ? e.message : String(e)}); it is needed to mount`,
    );
  }
  try {
    const lib = koffi.load('libc.so.6');
    libc = {
      koffi,
      mount: lib.func(
        'int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)',
      ),
      umount2: lib.func('int umount2(const char *target, int flags)'),
      socketpair: lib.func('int socketpair(int domain, int type, int protocol, _Out_ int *sv)'),
      recvmsg: lib.func('long recvmsg(int fd, void *msg, int flags)'),
      ioctl: lib.func('int ioctl(int fd, unsigned long request, ...)'),
    };
    return libc;
  } catch (e) {
    throw new FuseUnavailableError(
      `libc.so.6 could not be bound: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

function check(call: string, result: number): number {
  if (result < 0) throw new LibcError(call, load().koffi.errno());
  return result;
}

export function mount(source: string, target: string, fstype: string, flags: number, data: string): void {
  const c = load();
  check('mount', c.mount(source, target, fstype, flags, data));
}

export function umount2(target: string, flags: number): void {
  const c = load();
  check('umount2', c.umount2(target, flags));
}

/** A connected pair of Unix stream sockets, both close-on-exec (a child gets one through dup2). */
export function socketPair(): [number, number] {
  const c = load();
  const sv = [-1, -1];
  check('socketpair', c.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
  return [sv[0]!, sv[1]!];
}

/**
 * Receive one descriptor passed with SCM_RIGHTS on `socket`. The call blocks,
 * so it runs on a koffi worker thread; the promise resolves with the new
 * descriptor (close-on-exec), or null when the peer closed without sending one.
 */
export function receiveFd(socket: number): Promise<number | null> {
  const c = load();
  const L = SOCKET_LAYOUT;
  const dataOffset = L.msghdr.size + L.iovec.size;
  const controlOffset = dataOffset + 8;
  const total = controlOffset + L.cmsgSpaceInt;
  const mem = c.koffi.alloc('uint8_t', total);
  const bytes = new Uint8Array(c.koffi.view(mem, total));
  bytes.fill(0);
  const v = new DataView(bytes.buffer, bytes.byteOffset, total);
  const at = (offset: number) => mem + BigInt(offset);
  v.setBigUint64(L.msghdr.fields.msg_iov, at(L.msghdr.size), true);
  v.setBigUint64(L.msghdr.fields.msg_iovlen, 1n, true);
  v.setBigUint64(L.msghdr.fields.msg_control, at(controlOffset), true);
  v.setBigUint64(L.msghdr.fields.msg_controllen, BigInt(L.cmsgSpaceInt), true);
  v.setBigUint64(L.msghdr.size + L.iovec.fields.iov_base, at(dataOffset), true);
  v.setBigUint64(L.msghdr.size + L.iovec.fields.iov_len, 1n, true);
  return new Promise((resolve, reject) => {
    c.recvmsg.async(socket, mem, MSG_CMSG_CLOEXEC, (err: unknown, n: number) => {
      try {
        if (err) return reject(err);
        if (n <= 0) return resolve(null);
        const cmsg = controlOffset;
        const len = Number(v.getBigUint64(cmsg + L.cmsghdr.fields.cmsg_len, true));
        const level = v.getInt32(cmsg + L.cmsghdr.fields.cmsg_level, true);
        const type = v.getInt32(cmsg + L.cmsghdr.fields.cmsg_type, true);
        if (len < L.cmsgLenInt || level !== SOL_SOCKET || type !== SCM_RIGHTS) return resolve(null);
        resolve(v.getInt32(cmsg + L.cmsghdr.size, true));
      } finally {
        c.koffi.free(mem);
      }
    });
  });
}

/** ioctl(fd, request, &value) with a pointer to one 32-bit value. */
export function ioctlWithU32(fd: number, request: number, value: number): void {
  const c = load();
  check('ioctl', c.ioctl(fd, request, 'uint32_t *', [value]));
}
