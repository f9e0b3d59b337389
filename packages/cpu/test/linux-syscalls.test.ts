/**
 * System-call handlers, called as the `syscall` hook would call them, on a
 * stand-in CPU (no engine needed): files, pipes, descriptors, memory
 * management, time, identity, and the ABI details around them (rcx/r11,
 * -EFAULT, ENOSYS counting, the trace format).
 */

import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import {
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { AccessKind, AccessMode } from '@x/mmu';
import { tempDir } from '@x/testkit';
import { describe, expect, it } from 'vitest';
import { FaultResult } from '../src/linux/address-space.js';
import { ERRNO } from '../src/linux/errno.js';
import { regNumber } from '../src/linux/registers.js';
import { SIG } from '../src/linux/signal-numbers.js';
import { SIG_IGN } from '../src/linux/signals.js';
import { MAP } from '../src/linux/syscalls/memory.js';
import { SYSCALL_NUMBERS as NR } from '../src/linux/syscalls/numbers.js';
import { O } from '../src/linux/syscalls/open-file.js';
import { AT_FDCWD } from '../src/linux/syscalls/paths.js';
import { encodeStat, statFromHost } from '../src/linux/syscalls/stat-layout.js';
import { PROT } from '../src/linux/vma.js';
import { Reg } from '../src/machine-interface.js';
import { makeProcess, putString, SCRATCH, syscall, type TestProcess } from './linux-helpers.js';

const BUF = SCRATCH + 0x10000;
const PATH = SCRATCH;

function bytes(t: TestProcess, at: number, n: number): Buffer {
  return Buffer.from(t.proc.mem.read(at, n));
}

function outputFile(): { fd: number; read: () => string } {
  const file = join(tempDir('x86-run-out-'), 'out');
  const fd = openSync(file, 'w+');
  return { fd, read: () => readFileSync(file, 'utf8') };
}

describe('the system-call ABI', () => {
  it('returns in rax and clobbers rcx with rip and r11 with rflags, as syscall/sysret do', () => {
    const t = makeProcess();
    t.cpu.rip = 0x401234;
    t.cpu.rflags = 0x246;
    expect(syscall(t, NR.getpid)).toBe(4242);
    expect(regNumber(t.cpu, Reg.RCX)).toBe(0x401234);
    expect(regNumber(t.cpu, Reg.R11)).toBe(0x246);
  });

  it('answers ENOSYS to unknown calls and counts them by name', () => {
    const t = makeProcess();
    expect(syscall(t, NR.io_uring_setup, 8, 0)).toBe(-ERRNO.ENOSYS);
    expect(syscall(t, NR.io_uring_setup, 8, 0)).toBe(-ERRNO.ENOSYS);
    expect(syscall(t, 9999)).toBe(-ERRNO.ENOSYS);
    expect(syscall(t, -1)).toBe(-ERRNO.ENOSYS);
    expect([...t.proc.stats.unknown]).toEqual([
      ['io_uring_setup', 2],
      ['syscall_9999', 1],
      ['syscall_-1', 1],
    ]);
  });

  it('publishes each call on the x86-run:syscall diagnostics channel', () => {
    const seen: unknown[] = [];
    const listener = (message: unknown) => seen.push(message);
    subscribe('x86-run:syscall', listener);
    try {
      const t = makeProcess();
      syscall(t, NR.getppid);
      syscall(t, NR.close, 99);
    } finally {
      unsubscribe('x86-run:syscall', listener);
    }
    expect(seen).toEqual([
      { pid: 4242, number: NR.getppid, name: 'getppid', result: 1 },
      { pid: 4242, number: NR.close, name: 'close', result: -ERRNO.EBADF },
    ]);
  });

  it('gives -EFAULT for pointers the program could not use', () => {
    const t = makeProcess();
    expect(syscall(t, NR.write, 1, 0, 5)).toBe(-ERRNO.EFAULT);
    expect(syscall(t, NR.write, 1, 0xffff800000000000n, 5)).toBe(-ERRNO.EFAULT);
    expect(syscall(t, NR.uname, 0x20000000)).toBe(-ERRNO.EFAULT);
    expect(syscall(t, NR.openat, AT_FDCWD, 0x1000, O.RDONLY)).toBe(-ERRNO.EFAULT);
  });

  it('traces calls strace-style', () => {
    const lines: string[] = [];
    const out = outputFile();
    const t = makeProcess({ stdio: [0, out.fd, 2], trace: (l) => lines.push(l) });
    t.proc.mem.write(BUF, Buffer.from('hi\n'));
    syscall(t, NR.write, 1, BUF, 3);
    putString(t, PATH, '/nonexistent/file');
    syscall(t, NR.openat, AT_FDCWD, PATH, O.RDONLY | O.CLOEXEC);
    syscall(t, NR.mmap, 0, 8192, PROT.READ | PROT.WRITE, MAP.PRIVATE | MAP.ANONYMOUS, -1, 0);
    syscall(t, NR.exit_group, 3);
    const u = makeProcess({ trace: (l) => lines.push(l) });
    syscall(u, NR.kill, 4242, SIG.SIGUSR1);
    expect(lines).toEqual([
      'write(1, "hi\\n", 3) = 3',
      'openat(AT_FDCWD, "/nonexistent/file", O_RDONLY|O_CLOEXEC, 00) = -1 ENOENT (No such file or directory)',
      'mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7ffd000',
      'exit_group(3) = ?',
      '+++ exited with 3 +++',
      'kill(4242, SIGUSR1) = 0',
      `--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid=4242, si_uid=${u.proc.uid}} ---`,
      '+++ killed by SIGUSR1 +++',
    ]);
    expect(t.proc.exit).toEqual({ kind: 'exit', code: 3 });
    expect(t.cpu.stopRequested).toBe(true);
    closeSync(out.fd);
  });
});

describe('files', () => {
  it('open, read, lseek, pread, write, close on host files', () => {
    const dir = tempDir('x86-run-files-');
    writeFileSync(join(dir, 'in'), 'abcdefghij');
    const t = makeProcess();
    putString(t, PATH, join(dir, 'in'));
    const fd = syscall(t, NR.open, PATH, O.RDONLY);
    expect(fd).toBe(3);
    expect(syscall(t, NR.read, fd, BUF, 4)).toBe(4);
    expect(bytes(t, BUF, 4).toString()).toBe('abcd');
    expect(syscall(t, NR.lseek, fd, 0, 1)).toBe(4);
    expect(syscall(t, NR.lseek, fd, -2, 2)).toBe(8);
    expect(syscall(t, NR.read, fd, BUF, 100)).toBe(2);
    expect(bytes(t, BUF, 2).toString()).toBe('ij');
    expect(syscall(t, NR.read, fd, BUF, 100)).toBe(0);
    expect(syscall(t, NR.pread64, fd, BUF, 3, 1)).toBe(3);
    expect(bytes(t, BUF, 3).toString()).toBe('bcd');
    expect(syscall(t, NR.lseek, fd, -20, 0)).toBe(-ERRNO.EINVAL);
    expect(syscall(t, NR.write, fd, BUF, 1)).toBe(-ERRNO.EBADF);
    expect(syscall(t, NR.close, fd)).toBe(0);
    expect(syscall(t, NR.close, fd)).toBe(-ERRNO.EBADF);
    expect(syscall(t, NR.read, fd, BUF, 1)).toBe(-ERRNO.EBADF);

    putString(t, PATH, join(dir, 'new'));
    const w = syscall(t, NR.openat, AT_FDCWD, PATH, O.WRONLY | O.CREAT | O.EXCL, 0o640);
    expect(w).toBe(3);
    t.proc.mem.write(BUF, Buffer.from('one two'));
    expect(syscall(t, NR.write, w, BUF, 7)).toBe(7);
    expect(syscall(t, NR.pwrite64, w, BUF, 3, 4)).toBe(3);
    expect(syscall(t, NR.fsync, w)).toBe(0);
    expect(syscall(t, NR.close, w)).toBe(0);
    expect(readFileSync(join(dir, 'new'), 'utf8')).toBe('one one');
    expect(syscall(t, NR.openat, AT_FDCWD, PATH, O.WRONLY | O.CREAT | O.EXCL, 0o640)).toBe(-ERRNO.EEXIST);
    const st = t.proc.mem;
    expect(syscall(t, NR.stat, PATH, BUF)).toBe(0);
    expect(st.readU32(BUF + 24) & 0o7777).toBe(0o640 & ~0o022);
  });

  it('appends with O_APPEND, and F_GETFL shows the flags with O_LARGEFILE', () => {
    const dir = tempDir('x86-run-append-');
    writeFileSync(join(dir, 'log'), 'start\n');
    const t = makeProcess();
    putString(t, PATH, join(dir, 'log'));
    const fd = syscall(t, NR.open, PATH, O.WRONLY | O.APPEND);
    t.proc.mem.write(BUF, Buffer.from('more\n'));
    expect(syscall(t, NR.write, fd, BUF, 5)).toBe(5);
    expect(syscall(t, NR.lseek, fd, 0, 1)).toBe(11);
    expect(readFileSync(join(dir, 'log'), 'utf8')).toBe('start\nmore\n');
    expect(syscall(t, NR.fcntl, fd, 3 /* F_GETFL */)).toBe(O.WRONLY | O.APPEND | O.LARGEFILE);
    expect(syscall(t, NR.fcntl, fd, 4 /* F_SETFL */, O.NONBLOCK)).toBe(0);
    expect(syscall(t, NR.fcntl, fd, 3)).toBe(O.WRONLY | O.NONBLOCK | O.LARGEFILE);
  });

  it('readv and writev scatter and gather', () => {
    const out = outputFile();
    const t = makeProcess({ stdio: [0, out.fd, 2] });
    const m = t.proc.mem;
    m.write(BUF, Buffer.from('hello, world\n'));
    const iov = BUF + 0x100;
    m.writeU64(iov, BUF);
    m.writeU64(iov + 8, 7);
    m.writeU64(iov + 16, BUF + 7);
    m.writeU64(iov + 24, 6);
    expect(syscall(t, NR.writev, 1, iov, 2)).toBe(13);
    expect(out.read()).toBe('hello, world\n');
    m.writeU64(iov + 24, 2n ** 64n - 1n);
    expect(syscall(t, NR.writev, 1, iov, 2)).toBe(-ERRNO.EINVAL);
    expect(syscall(t, NR.writev, 1, iov, 1025)).toBe(-ERRNO.EINVAL);
    closeSync(out.fd);
  });

  it('stat family: fstat and newfstatat("", AT_EMPTY_PATH) encode the host stat', () => {
    const dir = tempDir('x86-run-stat-');
    writeFileSync(join(dir, 'f'), 'x'.repeat(5000));
    symlinkSync('f', join(dir, 'link'));
    const t = makeProcess();
    putString(t, PATH, join(dir, 'f'));
    const fd = syscall(t, NR.open, PATH, O.RDONLY);
    expect(syscall(t, NR.fstat, fd, BUF)).toBe(0);
    const host = Buffer.from(encodeStat(statFromHost(statSync(join(dir, 'f'), { bigint: true }))));
    expect(bytes(t, BUF, 144).equals(host)).toBe(true);
    putString(t, PATH + 0x800, '');
    expect(syscall(t, NR.newfstatat, fd, PATH + 0x800, BUF, 0x1000)).toBe(0);
    expect(bytes(t, BUF, 144).equals(host)).toBe(true);
    expect(syscall(t, NR.newfstatat, fd, PATH + 0x800, BUF, 0)).toBe(-ERRNO.ENOENT);
    putString(t, PATH, join(dir, 'link'));
    expect(syscall(t, NR.lstat, PATH, BUF)).toBe(0);
    expect(t.proc.mem.readU32(BUF + 24) & 0o170000).toBe(0o120000);
    expect(syscall(t, NR.stat, PATH, BUF)).toBe(0);
    expect(t.proc.mem.readU32(BUF + 24) & 0o170000).toBe(0o100000);
    expect(syscall(t, NR.statx, AT_FDCWD, PATH, 0x100, 0x7ff, BUF)).toBe(0);
    expect(t.proc.mem.readU32(BUF + 28) & 0o170000).toBe(0o120000);
  });

  it('getdents64 lists a directory with . and .., inode numbers and types', () => {
    const dir = tempDir('x86-run-dents-');
    mkdirSync(join(dir, 'sub'));
    for (let i = 0; i < 40; i++) writeFileSync(join(dir, `file-${i}-${'n'.repeat(i)}`), '');
    symlinkSync('sub', join(dir, 'ln'));
    const t = makeProcess();
    putString(t, PATH, dir);
    const fd = syscall(t, NR.openat, AT_FDCWD, PATH, O.RDONLY | O.DIRECTORY);
    const seen = new Map<string, number>();
    for (;;) {
      const n = syscall(t, NR.getdents64, fd, BUF, 512);
      expect(n).toBeGreaterThanOrEqual(0);
      if (n === 0) break;
      const b = bytes(t, BUF, n);
      for (let at = 0; at < n; ) {
        const reclen = b.readUInt16LE(at + 16);
        const name = b.subarray(at + 19, b.indexOf(0, at + 19)).toString();
        expect(reclen % 8).toBe(0);
        expect(b.readBigUInt64LE(at)).toBe(lstatSync(join(dir, name), { bigint: true }).ino);
        seen.set(name, b[at + 18]!);
        at += reclen;
      }
    }
    expect([...seen.keys()].sort()).toEqual(['.', '..', ...readdirSync(dir)].sort());
    expect(seen.get('sub')).toBe(4); // DT_DIR
    expect(seen.get('ln')).toBe(10); // DT_LNK
    expect(seen.get('file-0-')).toBe(8); // DT_REG
    expect(syscall(t, NR.getdents64, fd, BUF, 10)).toBe(0);
    expect(syscall(t, NR.lseek, fd, 0, 0)).toBe(0);
    expect(syscall(t, NR.getdents64, fd, BUF, 10)).toBe(-ERRNO.EINVAL);
    expect(syscall(t, NR.getdents64, 0, BUF, 512)).toBe(-ERRNO.ENOTDIR);
  });

  it('pipes: data, EOF, EAGAIN, EPIPE with SIGPIPE, and a read that could never end', () => {
    const t = makeProcess();
    const m = t.proc.mem;
    expect(syscall(t, NR.pipe2, BUF, O.NONBLOCK | O.CLOEXEC)).toBe(0);
    const [r, w] = [m.readI32(BUF), m.readI32(BUF + 4)];
    expect([r, w]).toEqual([3, 4]);
    expect(syscall(t, NR.fcntl, r, 1 /* F_GETFD */)).toBe(1);
    expect(syscall(t, NR.read, r, BUF, 10)).toBe(-ERRNO.EAGAIN);
    m.write(BUF + 0x100, Buffer.from('through the pipe'));
    expect(syscall(t, NR.write, w, BUF + 0x100, 16)).toBe(16);
    expect(syscall(t, NR.ioctl, r, 0x541b /* FIONREAD */, BUF + 0x200)).toBe(0);
    expect(m.readU32(BUF + 0x200)).toBe(16);
    expect(syscall(t, NR.read, r, BUF, 7)).toBe(7);
    expect(syscall(t, NR.read, r, BUF + 7, 100)).toBe(9);
    expect(bytes(t, BUF, 16).toString()).toBe('through the pipe');
    expect(syscall(t, NR.fstat, r, BUF + 0x300)).toBe(0);
    expect(m.readU32(BUF + 0x300 + 24) & 0o170000).toBe(0o010000);
    expect(syscall(t, NR.lseek, r, 0, 0)).toBe(-ERRNO.ESPIPE);
    expect(syscall(t, NR.close, w)).toBe(0);
    expect(syscall(t, NR.read, r, BUF, 10)).toBe(0);

    expect(syscall(t, NR.pipe, BUF)).toBe(0);
    const [r2, w2] = [m.readI32(BUF), m.readI32(BUF + 4)];
    expect(syscall(t, NR.close, r2)).toBe(0);
    syscall(t, NR.rt_sigaction, SIG.SIGPIPE, 0, 0, 8);
    expect(syscall(t, NR.write, w2, BUF, 1)).toBe(-ERRNO.EPIPE);
    // Nobody handles SIGPIPE: its default action ends the process.
    expect(t.proc.exit).toMatchObject({ kind: 'signal', signal: SIG.SIGPIPE });

    const u = makeProcess();
    expect(syscall(u, NR.pipe, BUF)).toBe(0);
    expect(syscall(u, NR.read, u.proc.mem.readI32(BUF), BUF + 8, 1)).toBe(0);
    expect(u.proc.exit).toMatchObject({
      kind: 'signal',
      signal: SIG.SIGKILL,
      detail: expect.stringMatching(/deadlock/),
    });
  });

  it('dup, dup2, dup3 and F_DUPFD_CLOEXEC share the file description', () => {
    const dir = tempDir('x86-run-dup-');
    writeFileSync(join(dir, 'f'), '0123456789');
    const t = makeProcess();
    putString(t, PATH, join(dir, 'f'));
    const fd = syscall(t, NR.open, PATH, O.RDONLY);
    const copy = syscall(t, NR.dup, fd);
    expect(copy).toBe(fd + 1);
    expect(syscall(t, NR.read, fd, BUF, 3)).toBe(3);
    expect(syscall(t, NR.lseek, copy, 0, 1)).toBe(3);
    expect(syscall(t, NR.dup2, fd, 10)).toBe(10);
    expect(syscall(t, NR.dup2, fd, fd)).toBe(fd);
    expect(syscall(t, NR.dup3, fd, fd, 0)).toBe(-ERRNO.EINVAL);
    expect(syscall(t, NR.dup3, fd, 11, O.CLOEXEC)).toBe(11);
    expect(syscall(t, NR.fcntl, 11, 1)).toBe(1);
    expect(syscall(t, NR.fcntl, fd, 1030 /* F_DUPFD_CLOEXEC */, 20)).toBe(20);
    expect(syscall(t, NR.fcntl, 20, 1)).toBe(1);
    expect(syscall(t, NR.fcntl, 20, 2, 0)).toBe(0);
    expect(syscall(t, NR.fcntl, 20, 1)).toBe(0);
    expect(syscall(t, NR.close, fd)).toBe(0);
    expect(syscall(t, NR.read, 10, BUF, 100)).toBe(7);
    expect(syscall(t, NR.dup2, 99, 5)).toBe(-ERRNO.EBADF);
  });

  it('ioctl: ENOTTY for what is not a terminal', () => {
    const out = outputFile();
    const t = makeProcess({ stdio: [out.fd, out.fd, out.fd] });
    expect(syscall(t, NR.ioctl, 1, 0x5401 /* TCGETS */, BUF)).toBe(-ERRNO.ENOTTY);
    expect(syscall(t, NR.ioctl, 1, 0x5413 /* TIOCGWINSZ */, BUF)).toBe(-ERRNO.ENOTTY);
    expect(syscall(t, NR.ioctl, 42, 0x5401, BUF)).toBe(-ERRNO.EBADF);
    closeSync(out.fd);
  });

  it('getcwd, chdir, readlink of /proc/self/exe, mkdir, rename, unlink, access', () => {
    const dir = realpathSync(tempDir('x86-run-paths-'));
    const t = makeProcess();
    putString(t, PATH, dir);
    expect(syscall(t, NR.chdir, PATH)).toBe(0);
    expect(syscall(t, NR.getcwd, BUF, 4096)).toBe(dir.length + 1);
    expect(bytes(t, BUF, dir.length).toString()).toBe(dir);
    expect(syscall(t, NR.getcwd, BUF, 3)).toBe(-ERRNO.ERANGE);
    putString(t, PATH, 'made');
    expect(syscall(t, NR.mkdir, PATH, 0o755)).toBe(0);
    expect(syscall(t, NR.mkdir, PATH, 0o755)).toBe(-ERRNO.EEXIST);
    putString(t, PATH + 0x100, 'made/file');
    const fd = syscall(t, NR.creat, PATH + 0x100, 0o600);
    expect(fd).toBeGreaterThan(2);
    putString(t, PATH + 0x200, 'made/renamed');
    expect(syscall(t, NR.rename, PATH + 0x100, PATH + 0x200)).toBe(0);
    expect(syscall(t, NR.access, PATH + 0x200, 4)).toBe(0);
    expect(syscall(t, NR.access, PATH + 0x100, 0)).toBe(-ERRNO.ENOENT);
    expect(syscall(t, NR.unlinkat, AT_FDCWD, PATH, 0)).toBe(-ERRNO.EISDIR);
    expect(syscall(t, NR.unlink, PATH + 0x200)).toBe(0);
    expect(syscall(t, NR.unlinkat, AT_FDCWD, PATH, 0x200)).toBe(0);
    putString(t, PATH, '/proc/self/exe');
    expect(syscall(t, NR.readlink, PATH, BUF, 4096)).toBe('/opt/guest/program'.length);
    expect(bytes(t, BUF, 18).toString()).toBe('/opt/guest/program');
    expect(syscall(t, NR.readlink, PATH, BUF, 4)).toBe(4);
    putString(t, PATH, 'x');
    symlinkSync('target/of/link', join(dir, 'x'));
    expect(syscall(t, NR.readlinkat, AT_FDCWD, PATH, BUF, 100)).toBe(14);
    expect(bytes(t, BUF, 14).toString()).toBe('target/of/link');
    // *at calls relative to a directory descriptor.
    putString(t, PATH, dir);
    const dirfd = syscall(t, NR.open, PATH, O.RDONLY | O.DIRECTORY);
    putString(t, PATH, 'x');
    expect(syscall(t, NR.readlinkat, dirfd, PATH, BUF, 100)).toBe(14);
    expect(syscall(t, NR.readlinkat, 1, PATH, BUF, 100)).toBe(-ERRNO.ENOTDIR);
  });
});

describe('memory', () => {
  const anon = MAP.PRIVATE | MAP.ANONYMOUS;
  const rw = PROT.READ | PROT.WRITE;

  it('mmap places anonymous memory top-down below mmap_base, zeroed, on demand', () => {
    const t = makeProcess();
    const resident = t.space.residentPages;
    const a = syscall(t, NR.mmap, 0, 10000, rw, anon, -1, 0);
    expect(a).toBe(0x7ffff7fff000 - 12288);
    const b = syscall(t, NR.mmap, 0, 4096, rw, anon, -1, 0);
    expect(b).toBe(a - 4096);
    expect(t.space.residentPages).toBe(resident);
    expect(bytes(t, a, 12288).every((x) => x === 0)).toBe(true);
    // A hint that is free is taken.
    expect(syscall(t, NR.mmap, 0x200000000, 4096, rw, anon, -1, 0)).toBe(0x200000000);
    expect(syscall(t, NR.mmap, 0, 0, rw, anon, -1, 0)).toBe(-ERRNO.EINVAL);
    expect(syscall(t, NR.mmap, 0, 4096, rw, anon, -1, 1)).toBe(-ERRNO.EINVAL);
    expect(syscall(t, NR.mmap, 0, 4096, rw, MAP.ANONYMOUS, -1, 0)).toBe(-ERRNO.EINVAL);
    expect(syscall(t, NR.mmap, 0, 4096, rw, MAP.PRIVATE, 99, 0)).toBe(-ERRNO.EBADF);
  });

  it('MAP_FIXED replaces, MAP_FIXED_NOREPLACE refuses, low addresses are refused', () => {
    const t = makeProcess();
    const at = 0x300000000;
    expect(syscall(t, NR.mmap, at, 8192, rw, anon | MAP.FIXED, -1, 0)).toBe(at);
    t.proc.mem.write(at, Buffer.from('old'));
    expect(syscall(t, NR.mmap, at, 4096, rw, anon | MAP.FIXED_NOREPLACE, -1, 0)).toBe(-ERRNO.EEXIST);
    expect(syscall(t, NR.mmap, at, 4096, rw, anon | MAP.FIXED, -1, 0)).toBe(at);
    expect(bytes(t, at, 3).toString('hex')).toBe('000000');
    expect(syscall(t, NR.mmap, at + 1, 4096, rw, anon | MAP.FIXED, -1, 0)).toBe(-ERRNO.EINVAL);
    expect(syscall(t, NR.mmap, 0x1000, 4096, rw, anon | MAP.FIXED, -1, 0)).toBe(-ERRNO.EPERM);
  });

  it('munmap frees frames and makes the range fault; mprotect changes what the MMU allows', () => {
    const t = makeProcess();
    const a = syscall(t, NR.mmap, 0, 3 * 4096, rw, anon, -1, 0);
    t.proc.mem.write(a, new Uint8Array(3 * 4096).fill(7));
    const resident = t.space.residentPages;
    expect(syscall(t, NR.munmap, a + 4096, 4096)).toBe(0);
    expect(t.space.residentPages).toBe(resident - 1);
    expect(syscall(t, NR.write, 1, a + 4096, 1)).toBe(-ERRNO.EFAULT);
    expect(t.mmu.translate(a + 4096, AccessKind.Read, AccessMode.User)).toBe(-1);
    expect(syscall(t, NR.mprotect, a, 3 * 4096, PROT.READ)).toBe(-ERRNO.ENOMEM);
    expect(syscall(t, NR.mprotect, a, 4096, PROT.READ)).toBe(0);
    expect(t.mmu.translate(a, AccessKind.Write, AccessMode.User)).toBe(-1);
    expect(t.mmu.translate(a, AccessKind.Read, AccessMode.User)).toBeGreaterThanOrEqual(0);
    expect(syscall(t, NR.read, 0, a, 1)).toBe(-ERRNO.EFAULT);
    expect(syscall(t, NR.mprotect, a, 4096, PROT.NONE)).toBe(0);
    expect(t.mmu.translate(a, AccessKind.Read, AccessMode.User)).toBe(-1);
    expect(syscall(t, NR.mprotect, a, 4096, PROT.READ | PROT.EXEC)).toBe(0);
    // PROT_NONE took the PTE away; the page (and its frame) come back on the next fault.
    expect(t.mmu.translate(a, AccessKind.Execute, AccessMode.User)).toBe(-1);
    expect(t.space.fault(a, AccessKind.Execute)).toBe(FaultResult.Mapped);
    expect(t.mmu.translate(a, AccessKind.Execute, AccessMode.User)).toBeGreaterThanOrEqual(0);
    expect(bytes(t, a, 2).toString('hex')).toBe('0707');
    expect(t.mmu.translate(a + 2 * 4096, AccessKind.Execute, AccessMode.User)).toBe(-1);
    expect(syscall(t, NR.mprotect, a + 1, 4096, PROT.READ)).toBe(-ERRNO.EINVAL);
  });

  it('mremap grows in place, moves with MREMAP_MAYMOVE keeping the contents, and shrinks', () => {
    const t = makeProcess();
    const a = syscall(t, NR.mmap, 0, 8192, rw, anon, -1, 0);
    t.proc.mem.write(a, Buffer.from('keep me'));
    // Below `a` is free (top-down placement), above it the previous mapping would be: grow needs a move.
    syscall(t, NR.mmap, a + 8192, 4096, rw, anon | MAP.FIXED, -1, 0);
    expect(syscall(t, NR.mremap, a, 8192, 16384, 0, 0)).toBe(-ERRNO.ENOMEM);
    const moved = syscall(t, NR.mremap, a, 8192, 16384, 1 /* MAYMOVE */, 0);
    expect(moved).not.toBe(a);
    expect(bytes(t, moved, 7).toString()).toBe('keep me');
    expect(syscall(t, NR.write, 1, a, 1)).toBe(-ERRNO.EFAULT);
    expect(syscall(t, NR.mremap, moved, 16384, 4096, 0, 0)).toBe(moved);
    expect(t.space.vmas.find(moved + 4096)).toBeUndefined();
    expect(syscall(t, NR.mremap, moved, 4096, 8192, 0, 0)).toBe(moved);
    expect(bytes(t, moved + 4096, 4).toString('hex')).toBe('00000000');
  });

  it('madvise(MADV_DONTNEED) gives zeros back; brk grows, shrinks and refuses to go below its start', () => {
    const t = makeProcess();
    const a = syscall(t, NR.mmap, 0, 4096, rw, anon, -1, 0);
    t.proc.mem.write(a, Buffer.from('data'));
    expect(syscall(t, NR.madvise, a, 4096, 4)).toBe(0);
    expect(bytes(t, a, 4).toString('hex')).toBe('00000000');
    expect(syscall(t, NR.madvise, 0x50000000, 4096, 4)).toBe(-ERRNO.ENOMEM);

    const start = syscall(t, NR.brk, 0);
    expect(start).toBe(0x600000);
    expect(syscall(t, NR.brk, start + 0x21000)).toBe(start + 0x21000);
    t.proc.mem.write(start + 0x20000, Buffer.from('heap'));
    expect(t.space.vmas.find(start)?.name).toBe('[heap]');
    expect(syscall(t, NR.brk, start + 0x100)).toBe(start + 0x100);
    expect(syscall(t, NR.write, 1, start + 0x20000, 1)).toBe(-ERRNO.EFAULT);
    expect(syscall(t, NR.brk, start - 4096)).toBe(start + 0x100);
    // Growing into another mapping fails and leaves the break where it was.
    syscall(t, NR.mmap, start + 0x200000, 4096, rw, anon | MAP.FIXED, -1, 0);
    expect(syscall(t, NR.brk, start + 0x300000)).toBe(start + 0x100);
  });

  it('mmap of a file reads it in (private), past-EOF bytes are zero', () => {
    const dir = tempDir('x86-run-mapfile-');
    writeFileSync(join(dir, 'data'), Buffer.concat([Buffer.alloc(4096, 1), Buffer.from('second page')]));
    const t = makeProcess();
    putString(t, PATH, join(dir, 'data'));
    const fd = syscall(t, NR.open, PATH, O.RDONLY);
    const a = syscall(t, NR.mmap, 0, 8192, PROT.READ, MAP.PRIVATE, fd, 4096);
    expect(bytes(t, a, 11).toString()).toBe('second page');
    expect(bytes(t, a + 11, 10).every((b) => b === 0)).toBe(true);
    expect(syscall(t, NR.mmap, 0, 4096, PROT.READ | PROT.WRITE, MAP.SHARED, fd, 0)).toBe(-ERRNO.EACCES);
    expect(t.space.vmas.find(a)).toMatchObject({ kind: 'file', offset: 4096 });
  });
});

describe('memfd', () => {
  it('maps the same frames twice with MAP_SHARED, seen by read and write too, and frees them at the end', () => {
    const t = makeProcess();
    const m = t.proc.mem;
    putString(t, PATH, 'jit');
    const fd = syscall(t, NR.memfd_create, PATH, 1 /* MFD_CLOEXEC */);
    expect(fd).toBe(3);
    expect(syscall(t, NR.fcntl, fd, 1)).toBe(1);
    expect(syscall(t, NR.ftruncate, fd, 8192)).toBe(0);
    const w = syscall(t, NR.mmap, 0, 8192, PROT.READ | PROT.WRITE, MAP.SHARED, fd, 0);
    const x = syscall(t, NR.mmap, 0, 8192, PROT.READ | PROT.EXEC, MAP.SHARED, fd, 0);
    expect(w).not.toBe(x);
    m.write(w + 4096, Buffer.from('written through w'));
    expect(bytes(t, x + 4096, 17).toString()).toBe('written through w');
    expect(syscall(t, NR.pread64, fd, BUF, 17, 4096)).toBe(17);
    expect(bytes(t, BUF, 17).toString()).toBe('written through w');
    m.write(BUF, Buffer.from('via the fd'));
    expect(syscall(t, NR.pwrite64, fd, BUF, 10, 0)).toBe(10);
    expect(bytes(t, x, 10).toString()).toBe('via the fd');
    // A private mapping is a copy.
    const c = syscall(t, NR.mmap, 0, 4096, PROT.READ | PROT.WRITE, MAP.PRIVATE, fd, 0);
    m.write(c, Buffer.from('copy'));
    expect(bytes(t, w, 4).toString()).toBe('via ');
    expect(syscall(t, NR.fstat, fd, BUF)).toBe(0);
    expect(Number(m.readU64(BUF + 48))).toBe(8192);
    // /proc/self/maps names it as Linux does.
    putString(t, PATH, '/proc/self/maps');
    const maps = syscall(t, NR.open, PATH, O.RDONLY);
    const n = syscall(t, NR.read, maps, BUF, 4096);
    expect(bytes(t, BUF, n).toString()).toMatch(/ rw-s 00000000 00:01 \d+ +\/memfd:jit \(deleted\)\n/);
    syscall(t, NR.close, maps);
    // Two file pages (the memfd's) and one private copy: all three go back to physical memory.
    const peak = t.memory.framesOwnedBy(0);
    for (const [at, length] of [
      [w, 8192],
      [x, 8192],
      [c, 4096],
    ] as const)
      expect(syscall(t, NR.munmap, at, length)).toBe(0);
    expect(t.memory.framesOwnedBy(0)).toBe(peak - 1); // the private page; the file keeps its two while open
    expect(syscall(t, NR.close, fd)).toBe(0);
    expect(t.memory.framesOwnedBy(0)).toBe(peak - 3);
  });

  it('a shared page past the end of the file is SIGBUS', () => {
    const t = makeProcess();
    putString(t, PATH, 'short');
    const fd = syscall(t, NR.memfd_create, PATH, 0);
    syscall(t, NR.ftruncate, fd, 100);
    const at = syscall(t, NR.mmap, 0, 8192, PROT.READ | PROT.WRITE, MAP.SHARED, fd, 0);
    expect(t.proc.onException(14, 4, at + 4096)).toBe(true);
    expect(t.proc.exit).toMatchObject({
      signal: SIG.SIGBUS,
      detail: expect.stringMatching(/past the end of a shared file/),
    });
  });
});

describe('process, time and identity', () => {
  it('arch_prctl sets and reads the FS and GS bases', () => {
    const t = makeProcess();
    expect(syscall(t, NR.arch_prctl, 0x1002, 0x4ad380)).toBe(0);
    expect(t.cpu.fsBase).toBe(0x4ad380);
    expect(syscall(t, NR.arch_prctl, 0x1003, BUF)).toBe(0);
    expect(t.proc.mem.readU64(BUF)).toBe(0x4ad380n);
    expect(syscall(t, NR.arch_prctl, 0x1001, 0x1234)).toBe(0);
    expect(t.cpu.gsBase).toBe(0x1234);
    expect(syscall(t, NR.arch_prctl, 0x1002, 0xffff800000000000n)).toBe(-ERRNO.EPERM);
    expect(syscall(t, NR.arch_prctl, 0x3001, 0)).toBe(-ERRNO.EINVAL);
  });

  it('uname says Linux x86_64; identities, limits, affinity and the thread calls', () => {
    const t = makeProcess();
    expect(syscall(t, NR.uname, BUF)).toBe(0);
    const field = (i: number) => {
      const b = bytes(t, BUF + i * 65, 65);
      return b.subarray(0, b.indexOf(0)).toString();
    };
    expect(field(0)).toBe('Linux');
    expect(field(4)).toBe('x86_64');
    expect(syscall(t, NR.gettid)).toBe(4242);
    expect(syscall(t, NR.getppid)).toBe(1);
    expect(syscall(t, NR.set_tid_address, BUF)).toBe(4242);
    expect(syscall(t, NR.set_robust_list, BUF, 24)).toBe(0);
    expect(syscall(t, NR.set_robust_list, BUF, 12)).toBe(-ERRNO.EINVAL);
    expect(syscall(t, NR.rseq, BUF, 32, 0, 0x53053053)).toBe(-ERRNO.ENOSYS);
    expect(t.proc.stats.unknown.size).toBe(0);
    expect(syscall(t, NR.prlimit64, 0, 3 /* STACK */, 0, BUF)).toBe(0);
    expect(t.proc.mem.readU64(BUF)).toBe(8n << 20n);
    expect(t.proc.mem.readU64(BUF + 8)).toBe(2n ** 64n - 1n);
    expect(syscall(t, NR.prlimit64, 99, 3, 0, BUF)).toBe(-ERRNO.ESRCH);
    expect(syscall(t, NR.sched_getaffinity, 0, 128, BUF)).toBe(8);
    expect(t.proc.mem.readU64(BUF)).toBe(1n);
    expect(syscall(t, NR.sched_getaffinity, 0, 4, BUF)).toBe(-ERRNO.EINVAL);
    putString(t, PATH, 'renamed-thread-name');
    expect(syscall(t, NR.prctl, 15 /* PR_SET_NAME */, PATH)).toBe(0);
    expect(syscall(t, NR.prctl, 16 /* PR_GET_NAME */, BUF)).toBe(0);
    expect(bytes(t, BUF, 16).toString('latin1')).toBe('renamed-thread-\0');
    expect(syscall(t, NR.umask, 0o077)).toBe(0o022);
    expect(syscall(t, NR.umask, 0o022)).toBe(0o077);
    expect(syscall(t, NR.wait4, -1, 0, 0, 0)).toBe(-ERRNO.ECHILD);
  });

  it('futex with one thread: EAGAIN on a changed word, timeouts, WAKE finds nobody', () => {
    const t = makeProcess();
    t.proc.mem.writeU32(BUF, 5);
    expect(syscall(t, NR.futex, BUF, 128 /* WAIT|PRIVATE */, 4, 0)).toBe(-ERRNO.EAGAIN);
    t.proc.mem.writeU64(BUF + 16, 0);
    t.proc.mem.writeU64(BUF + 24, 1_000_000);
    expect(syscall(t, NR.futex, BUF, 0, 5, BUF + 16)).toBe(-ERRNO.ETIMEDOUT);
    expect(syscall(t, NR.futex, BUF, 1 /* WAKE */, 1)).toBe(0);
    expect(syscall(t, NR.futex, BUF + 1, 1, 1)).toBe(-ERRNO.EINVAL);
    // A wait nothing can end: the process is killed rather than hanging the emulator.
    syscall(t, NR.futex, BUF, 0, 5, 0);
    expect(t.proc.exit).toMatchObject({ kind: 'signal', signal: SIG.SIGKILL });
  });

  it('clocks advance, nanosleep sleeps, getrandom fills, time agrees with Date', () => {
    const t = makeProcess();
    expect(syscall(t, NR.clock_gettime, 1, BUF)).toBe(0);
    const first = t.proc.mem.readU64(BUF) * 1_000_000_000n + t.proc.mem.readU64(BUF + 8);
    t.proc.mem.writeU64(BUF + 32, 0);
    t.proc.mem.writeU64(BUF + 40, 20_000_000);
    const before = performance.now();
    expect(syscall(t, NR.nanosleep, BUF + 32, 0)).toBe(0);
    expect(performance.now() - before).toBeGreaterThanOrEqual(19);
    expect(syscall(t, NR.clock_gettime, 1, BUF)).toBe(0);
    const second = t.proc.mem.readU64(BUF) * 1_000_000_000n + t.proc.mem.readU64(BUF + 8);
    expect(second - first).toBeGreaterThanOrEqual(20_000_000n);
    expect(syscall(t, NR.clock_gettime, 99, BUF)).toBe(-ERRNO.EINVAL);
    t.proc.mem.writeU64(BUF + 40, 1_000_000_000);
    expect(syscall(t, NR.nanosleep, BUF + 32, 0)).toBe(-ERRNO.EINVAL);
    expect(Math.abs(syscall(t, NR.time, 0) - Date.now() / 1000)).toBeLessThan(2);
    expect(syscall(t, NR.gettimeofday, BUF, 0)).toBe(0);
    expect(Math.abs(Number(t.proc.mem.readU64(BUF)) - Date.now() / 1000)).toBeLessThan(2);
    expect(syscall(t, NR.getrandom, BUF, 64, 1)).toBe(64);
    expect(bytes(t, BUF, 64).some((b) => b !== 0)).toBe(true);
    expect(syscall(t, NR.getrandom, BUF, 8, 6)).toBe(-ERRNO.EINVAL);
  });

  it('rt_sigaction and rt_sigprocmask keep what they are given', () => {
    const t = makeProcess();
    const m = t.proc.mem;
    m.writeU64(BUF, 0x401000);
    m.writeU64(BUF + 8, 0x04000004);
    m.writeU64(BUF + 16, 0x401100);
    m.writeU64(BUF + 24, (1n << 8n) | (1n << 1n)); // SIGKILL's bit is dropped, SIGINT's kept
    expect(syscall(t, NR.rt_sigaction, SIG.SIGUSR1, BUF, 0, 8)).toBe(0);
    expect(syscall(t, NR.rt_sigaction, SIG.SIGUSR1, 0, BUF + 64, 8)).toBe(0);
    expect([m.readU64(BUF + 64), m.readU64(BUF + 72), m.readU64(BUF + 80), m.readU64(BUF + 88)]).toEqual([
      0x401000n,
      0x04000004n,
      0x401100n,
      2n,
    ]);
    expect(syscall(t, NR.rt_sigaction, SIG.SIGKILL, BUF, 0, 8)).toBe(-ERRNO.EINVAL);
    expect(syscall(t, NR.rt_sigaction, SIG.SIGUSR1, BUF, 0, 16)).toBe(-ERRNO.EINVAL);
    expect(syscall(t, NR.rt_sigaction, 65, 0, 0, 8)).toBe(-ERRNO.EINVAL);
    m.writeU64(BUF, (1n << 8n) | (1n << 11n)); // SIGKILL, SIGUSR2
    expect(syscall(t, NR.rt_sigprocmask, 0, BUF, BUF + 8, 8)).toBe(0);
    expect(m.readU64(BUF + 8)).toBe(0n);
    expect(t.proc.signals.blocked).toBe(1n << 11n);
    expect(syscall(t, NR.rt_sigprocmask, 7, BUF, 0, 8)).toBe(-ERRNO.EINVAL);
    // A blocked signal stays pending; ignoring it discards it.
    expect(syscall(t, NR.kill, 4242, SIG.SIGUSR2)).toBe(0);
    expect(t.proc.exit).toBeNull();
    expect(syscall(t, NR.rt_sigpending, BUF, 8)).toBe(0);
    expect(m.readU64(BUF)).toBe(1n << 11n);
    m.writeU64(BUF + 32, SIG_IGN);
    m.writeU64(BUF + 40, 0);
    expect(syscall(t, NR.rt_sigaction, SIG.SIGUSR2, BUF + 32, 0, 8)).toBe(0);
    expect(t.proc.signals.pending).toEqual([]);
    expect(syscall(t, NR.kill, 1, SIG.SIGTERM)).toBe(-ERRNO.EPERM);
    expect(syscall(t, NR.kill, -1, SIG.SIGTERM)).toBe(-ERRNO.ESRCH);
    expect(syscall(t, NR.tgkill, 4242, 4243, SIG.SIGTERM)).toBe(-ERRNO.ESRCH);
    expect(syscall(t, NR.kill, 4242, 0)).toBe(0);
    expect(syscall(t, NR.tgkill, 4242, 4242, SIG.SIGTERM)).toBe(0);
    expect(t.proc.exit).toMatchObject({ kind: 'signal', signal: SIG.SIGTERM, name: 'SIGTERM' });
  });
});
