/**
 * ioctl and poll. Terminal requests answer as the tty driver would for a
 * descriptor that is a terminal, and ENOTTY for anything else (which is how
 * libc's isatty tells them apart). Terminal modes cannot be changed through
 * node:fs, so TCSETS* are remembered per description but not applied.
 */
import { ERRNO } from '../errno.js';
import type { LinuxProcess } from '../process.js';
import type { SyscallArgs } from '../registers.js';
import { fileOf } from './files.js';
import { HostFile, O, type OpenFile, POLL, sleepMs, WouldBlockForever } from './open-file.js';
import type { SyscallRow } from './types.js';

/** ioctl request numbers (include/uapi/asm-generic/ioctls.h). */
export const IOCTL = {
  TCGETS: 0x5401,
  TCSETS: 0x5402,
  TCSETSW: 0x5403,
  TCSETSF: 0x5404,
  TIOCSCTTY: 0x540e,
  TIOCGPGRP: 0x540f,
  TIOCSPGRP: 0x5410,
  TIOCGWINSZ: 0x5413,
  TIOCSWINSZ: 0x5414,
  FIONREAD: 0x541b,
  FIONBIO: 0x5421,
  TIOCGSID: 0x5429,
  TCGETS2: 0x802c542a,
  TCSETS2: 0x402c542b,
  TCSETSW2: 0x402c542c,
  TCSETSF2: 0x402c542d,
  FIONCLEX: 0x5450,
  FIOCLEX: 0x5451,
} as const;

/** struct termios (the kernel's: 4 flag words, c_line, 19 control characters) and termios2 (+ speeds). */
const TERMIOS_SIZE = 36;
const TERMIOS2_SIZE = 44;

/** tty_std_termios (drivers/tty/tty_io.c) with the line discipline's usual echo flags. */
function standardTermios(): Uint8Array {
  const t = new Uint8Array(TERMIOS2_SIZE);
  const v = new DataView(t.buffer);
  v.setUint32(0, 0o2400, true); // c_iflag: ICRNL | IXON
  v.setUint32(4, 0o5, true); // c_oflag: OPOST | ONLCR
  v.setUint32(8, 0o2277, true); // c_cflag: B38400 | CS8 | CREAD | HUPCL
  v.setUint32(12, 0o105073, true); // c_lflag: ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN
  t[16] = 0; // c_line: N_TTY
  // c_cc: VINTR VQUIT VERASE VKILL VEOF VTIME VMIN VSWTC VSTART VSTOP VSUSP VEOL VREPRINT VDISCARD VWERASE VLNEXT VEOL2
  t.set([3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0x0f, 0x17, 0x16, 0], 17);
  v.setUint32(36, 38400, true); // c_ispeed
  v.setUint32(40, 38400, true); // c_ospeed
  return t;
}

const termiosOf = new WeakMap<OpenFile, Uint8Array>();

/** The terminal's size: node knows it for the tty its own stdout or stderr is. */
function windowSize(): { rows: number; cols: number } {
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.isTTY && stream.columns && stream.rows) return { rows: stream.rows, cols: stream.columns };
  }
  return { rows: 24, cols: 80 };
}

function ioctl(p: LinuxProcess, a: SyscallArgs): number {
  const fd = a.int(0);
  const f = fileOf(p, fd);
  if (typeof f === 'number') return f;
  const request = a.uint(1);
  const arg = a.ptr(2);
  switch (request) {
    case IOCTL.FIONBIO: {
      const on = p.mem.readI32(arg) !== 0;
      f.statusFlags = on ? f.statusFlags | O.NONBLOCK : f.statusFlags & ~O.NONBLOCK;
      return 0;
    }
    case IOCTL.FIOCLEX:
      p.fds.setCloexec(fd, true);
      return 0;
    case IOCTL.FIONCLEX:
      p.fds.setCloexec(fd, false);
      return 0;
    case IOCTL.FIONREAD:
      if (f instanceof HostFile && f.kind === 'dir') return -ERRNO.ENOTTY;
      p.mem.writeU32(arg, f.available());
      return 0;
  }
  if (!f.isTty()) return -ERRNO.ENOTTY;
  switch (request) {
    case IOCTL.TCGETS:
    case IOCTL.TCGETS2: {
      const t = termiosOf.get(f) ?? standardTermios();
      p.mem.write(arg, t.subarray(0, request === IOCTL.TCGETS ? TERMIOS_SIZE : TERMIOS2_SIZE));
      return 0;
    }
    case IOCTL.TCSETS:
    case IOCTL.TCSETSW:
    case IOCTL.TCSETSF:
    case IOCTL.TCSETS2:
    case IOCTL.TCSETSW2:
    case IOCTL.TCSETSF2: {
      const size = request <= IOCTL.TCSETSF ? TERMIOS_SIZE : TERMIOS2_SIZE;
      const t = termiosOf.get(f) ?? standardTermios();
      t.set(p.mem.read(arg, size));
      termiosOf.set(f, t);
      return 0;
    }
    case IOCTL.TIOCGWINSZ: {
      const { rows, cols } = windowSize();
      const w = new Uint8Array(8);
      const v = new DataView(w.buffer);
      v.setUint16(0, rows, true);
      v.setUint16(2, cols, true);
      p.mem.write(arg, w);
      return 0;
    }
    case IOCTL.TIOCSWINSZ:
      p.mem.read(arg, 8);
      return 0;
    case IOCTL.TIOCGPGRP:
    case IOCTL.TIOCGSID:
      p.mem.writeU32(arg, p.pid);
      return 0;
    case IOCTL.TIOCSPGRP:
      return p.mem.readI32(arg) === p.pid ? 0 : -ERRNO.EPERM;
    case IOCTL.TIOCSCTTY:
      return 0;
    default:
      return -ERRNO.ENOTTY;
  }
}

/**
 * poll over struct pollfd { int fd; short events; short revents; }. Host
 * descriptors are reported ready (a read then blocks as it would have);
 * in-process pipes know their state exactly. With nothing ready the call
 * sleeps out its timeout; waiting forever would never end.
 */
function pollFds(p: LinuxProcess, address: number, count: number, timeoutMs: number): number {
  if (count > p.fds.limit) return -ERRNO.EINVAL;
  const raw = p.mem.read(address, count * 8);
  const view = new DataView(raw.buffer);
  let ready = 0;
  for (let i = 0; i < count; i++) {
    const fd = view.getInt32(i * 8, true);
    const events = view.getInt16(i * 8 + 4, true);
    let revents = 0;
    if (fd >= 0) {
      const f = p.fds.get(fd);
      revents = f ? f.poll(events | POLL.ERR | POLL.HUP) : POLL.NVAL;
    }
    view.setInt16(i * 8 + 6, revents, true);
    if (revents) ready++;
  }
  if (ready === 0) {
    if (timeoutMs < 0)
      throw new WouldBlockForever('poll with no timeout on descriptors only this process can make ready');
    sleepMs(timeoutMs);
  }
  p.mem.write(address, raw);
  return ready;
}

function ppoll(p: LinuxProcess, a: SyscallArgs): number {
  let timeout = -1;
  if (a.ptr(2) !== 0) {
    const t = p.mem.read(a.ptr(2), 16);
    const v = new DataView(t.buffer);
    const sec = Number(v.getBigInt64(0, true));
    const nsec = Number(v.getBigInt64(8, true));
    if (sec < 0 || nsec < 0 || nsec > 999_999_999) return -ERRNO.EINVAL;
    timeout = sec * 1000 + nsec / 1e6;
  }
  if (a.ptr(3) !== 0 && a.ulong(4) !== 8) return -ERRNO.EINVAL;
  return pollFds(p, a.ptr(0), a.uint(1), timeout);
}

export const TERMINAL_SYSCALLS: readonly SyscallRow[] = [
  ['ioctl', ioctl, ['d', 'x', 'x']],
  ['poll', (p, a) => pollFds(p, a.ptr(0), a.uint(1), a.int(2)), ['x', 'u', 'd']],
  ['ppoll', ppoll, ['x', 'u', 'x', 'x', 'u']],
];
