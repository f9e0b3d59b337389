/**
 * The kernel ABI tables of the runtime against the C headers: every system
 * call number, errno, signal and flag value, and the offsets of the structures
 * it writes into guest memory (stat, statx, sigcontext, ucontext, siginfo,
 * sysinfo, termios …), each printed by a program compiled with gcc here.
 * The stat encoders are also compared byte for byte with what the kernel
 * returns to a native program.
 */
import { lstatSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, tempDir } from '@x/testkit';
import { describe, expect, it } from 'vitest';
import { ERRNO } from '../src/linux/errno.js';
import {
  FP_XSTATE_MAGIC1,
  FRAME,
  FXSAVE,
  SIGCONTEXT,
  SIGINFO,
  STACK_T,
  UC,
  UCONTEXT,
} from '../src/linux/sigframe.js';
import { SIG } from '../src/linux/signal-numbers.js';
import { SA, SS } from '../src/linux/signals.js';
import { F } from '../src/linux/syscalls/files.js';
import { MAP } from '../src/linux/syscalls/memory.js';
import { SYSCALL_NUMBERS } from '../src/linux/syscalls/numbers.js';
import { O, POLL, SEEK } from '../src/linux/syscalls/open-file.js';
import { AT, AT_FDCWD } from '../src/linux/syscalls/paths.js';
import { ARCH, FUTEX } from '../src/linux/syscalls/process-calls.js';
import { encodeStat, encodeStatx, STAT, STATX, statFromHost } from '../src/linux/syscalls/stat-layout.js';
import { IOCTL } from '../src/linux/syscalls/terminal.js';
import { CLOCK } from '../src/linux/syscalls/time.js';
import { PROT } from '../src/linux/vma.js';
import { compileC } from './linux-helpers.js';

/** Compile a program that prints `name value` for each C expression, and read the values back. */
function cValues(includes: string[], expressions: Record<string, string>): Record<string, number> {
  const names = Object.keys(expressions);
  const source = `#define _GNU_SOURCE
${includes.map((h) => `#include <${h}>`).join('\n')}
#include <stdio.h>
#include <stddef.h>
int main(void) {
${names.map((n) => `  printf("%s %lld\\n", "${n}", (long long)(${expressions[n]}));`).join('\n')}
  return 0;
}
`;
  const out = run(compileC('values', source, { flags: ['-O0'] }), []);
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((l) => [l.split(' ')[0]!, Number(l.split(' ')[1])]),
  );
}

/** The same expression for each key of a table: `prefix + key`. */
function sameNames<T extends Record<string, number>>(table: T, prefix: string, skip: string[] = []) {
  return Object.fromEntries(
    Object.keys(table)
      .filter((k) => !skip.includes(k))
      .map((k) => [k, `${prefix}${k}`]),
  );
}

function pick<T extends Record<string, number>>(table: T, skip: string[] = []): Record<string, number> {
  return Object.fromEntries(Object.entries(table).filter(([k]) => !skip.includes(k)));
}

function offsets(struct: string, fields: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, `offsetof(${struct}, ${f})`]));
}

describe('numbers against the headers', () => {
  it('system call numbers match <asm/unistd_64.h>', () => {
    const names = Object.keys(SYSCALL_NUMBERS);
    const exprs = Object.fromEntries(
      names.map((n) => [n, `({ long v = -1;\n#ifdef __NR_${n}\n v = __NR_${n};\n#endif\n v; })`]),
    );
    const values = cValues(['asm/unistd_64.h'], exprs);
    const known = Object.entries(values).filter(([, v]) => v >= 0);
    expect(known.length).toBeGreaterThan(350);
    for (const [name, value] of known)
      expect([name, SYSCALL_NUMBERS[name as keyof typeof SYSCALL_NUMBERS]]).toEqual([name, value]);
  });

  it('errno values match <errno.h>', () => {
    expect(cValues(['errno.h'], sameNames(ERRNO, ''))).toEqual({ ...ERRNO });
  });

  it('signal numbers and sigaction flags match <signal.h>', () => {
    expect(cValues(['signal.h'], sameNames(SIG, ''))).toEqual({ ...SIG });
    expect(cValues(['signal.h'], sameNames(SA, 'SA_', ['RESTORER']))).toEqual(pick(SA, ['RESTORER']));
    expect(cValues(['asm/signal.h'], { RESTORER: 'SA_RESTORER' })).toEqual({ RESTORER: SA.RESTORER });
    expect(cValues(['signal.h'], { ONSTACK: 'SS_ONSTACK', DISABLE: 'SS_DISABLE' })).toEqual(
      pick(SS, ['AUTODISARM']),
    );
    expect(cValues(['linux/signal.h'], { AUTODISARM: '(unsigned)SS_AUTODISARM' })).toEqual({
      AUTODISARM: SS.AUTODISARM,
    });
  });

  it('open flags match the kernel <asm/fcntl.h>, and fcntl, seek, poll and AT_* values match libc', () => {
    // The kernel header calls O_ASYNC FASYNC.
    expect(cValues(['asm/fcntl.h'], { ...sameNames(O, 'O_', ['ASYNC']), ASYNC: 'FASYNC' })).toEqual({ ...O });
    expect(cValues(['fcntl.h'], sameNames(F, 'F_'))).toEqual({ ...F });
    expect(cValues(['unistd.h'], sameNames(SEEK, 'SEEK_'))).toEqual({ ...SEEK });
    expect(cValues(['poll.h'], sameNames(POLL, 'POLL'))).toEqual({ ...POLL });
    expect(cValues(['fcntl.h'], { ...sameNames(AT, 'AT_'), FDCWD: 'AT_FDCWD' })).toEqual({
      ...AT,
      FDCWD: AT_FDCWD,
    });
  });

  it('mmap, clock, futex, arch_prctl and ioctl numbers match their headers', () => {
    expect(cValues(['sys/mman.h'], sameNames(PROT, 'PROT_'))).toEqual({ ...PROT });
    expect(cValues(['sys/mman.h'], { ...sameNames(MAP, 'MAP_', ['BIT32']), BIT32: 'MAP_32BIT' })).toEqual({
      ...MAP,
    });
    expect(cValues(['time.h'], sameNames(CLOCK, 'CLOCK_'))).toEqual({ ...CLOCK });
    expect(cValues(['linux/futex.h'], sameNames(FUTEX, 'FUTEX_'))).toEqual({ ...FUTEX });
    expect(cValues(['asm/prctl.h'], sameNames(ARCH, 'ARCH_'))).toEqual({ ...ARCH });
    expect(cValues(['asm/termbits.h', 'asm/ioctls.h'], sameNames(IOCTL, ''))).toEqual({ ...IOCTL });
  });
});

describe('structure layouts against the headers', () => {
  it('struct stat and struct statx', () => {
    const stat = cValues(['sys/stat.h'], {
      ...offsets('struct stat', {
        dev: 'st_dev',
        ino: 'st_ino',
        nlink: 'st_nlink',
        mode: 'st_mode',
        uid: 'st_uid',
        gid: 'st_gid',
        rdev: 'st_rdev',
        size: 'st_size',
        blksize: 'st_blksize',
        blocks: 'st_blocks',
        atime: 'st_atim.tv_sec',
        atimeNsec: 'st_atim.tv_nsec',
        mtime: 'st_mtim.tv_sec',
        mtimeNsec: 'st_mtim.tv_nsec',
        ctime: 'st_ctim.tv_sec',
        ctimeNsec: 'st_ctim.tv_nsec',
      }),
      bytes: 'sizeof(struct stat)',
    });
    expect(stat).toEqual({ ...STAT });
    const statx = cValues(['sys/stat.h'], {
      ...offsets('struct statx', {
        mask: 'stx_mask',
        blksize: 'stx_blksize',
        attributes: 'stx_attributes',
        nlink: 'stx_nlink',
        uid: 'stx_uid',
        gid: 'stx_gid',
        mode: 'stx_mode',
        ino: 'stx_ino',
        size: 'stx_size',
        blocks: 'stx_blocks',
        attributesMask: 'stx_attributes_mask',
        atime: 'stx_atime',
        btime: 'stx_btime',
        ctime: 'stx_ctime',
        mtime: 'stx_mtime',
        rdevMajor: 'stx_rdev_major',
        rdevMinor: 'stx_rdev_minor',
        devMajor: 'stx_dev_major',
        devMinor: 'stx_dev_minor',
      }),
      bytes: 'sizeof(struct statx)',
    });
    expect(statx).toEqual({ ...STATX });
  });

  it('struct sigcontext, the kernel ucontext, stack_t and the rt_sigframe built from them', () => {
    const kernel = ['asm/sigcontext.h', 'asm/signal.h', 'asm/ucontext.h'];
    const sc = cValues(kernel, {
      ...offsets('struct sigcontext', {
        r8: 'r8',
        r9: 'r9',
        r10: 'r10',
        r11: 'r11',
        r12: 'r12',
        r13: 'r13',
        r14: 'r14',
        r15: 'r15',
        rdi: 'rdi',
        rsi: 'rsi',
        rbp: 'rbp',
        rbx: 'rbx',
        rdx: 'rdx',
        rax: 'rax',
        rcx: 'rcx',
        rsp: 'rsp',
        rip: 'rip',
        eflags: 'eflags',
        cs: 'cs',
        gs: 'gs',
        fs: 'fs',
        ss: 'ss',
        err: 'err',
        trapno: 'trapno',
        oldmask: 'oldmask',
        cr2: 'cr2',
        fpstate: 'fpstate',
        reserved1: 'reserved1',
      }),
      size: 'sizeof(struct sigcontext)',
    });
    expect(sc).toEqual({ ...SIGCONTEXT });
    const uc = cValues(kernel, {
      ...offsets('struct ucontext', {
        flags: 'uc_flags',
        link: 'uc_link',
        stack: 'uc_stack',
        mcontext: 'uc_mcontext',
        sigmask: 'uc_sigmask',
      }),
      size: 'sizeof(struct ucontext)',
    });
    expect(uc).toEqual({ ...UCONTEXT });
    expect(
      cValues(kernel, {
        ...offsets('stack_t', { sp: 'ss_sp', flags: 'ss_flags', size: 'ss_size' }),
        bytes: 'sizeof(stack_t)',
      }),
    ).toEqual({ ...STACK_T });
    expect(
      cValues(kernel, {
        FP_XSTATE: 'UC_FP_XSTATE',
        SIGCONTEXT_SS: 'UC_SIGCONTEXT_SS',
        STRICT_RESTORE_SS: 'UC_STRICT_RESTORE_SS',
        MAGIC1: 'FP_XSTATE_MAGIC1',
        fxsave: 'sizeof(struct _fpstate_64)',
        swReserved: 'offsetof(struct _fpstate_64, sw_reserved)',
        mxcsr: 'offsetof(struct _fpstate_64, mxcsr)',
        mxcsrMask: 'offsetof(struct _fpstate_64, mxcsr_mask)',
      }),
    ).toEqual({
      ...UC,
      MAGIC1: FP_XSTATE_MAGIC1,
      fxsave: FXSAVE.size,
      swReserved: FXSAVE.swReserved,
      mxcsr: FXSAVE.mxcsr,
      mxcsrMask: FXSAVE.mxcsrMask,
    });
    // struct rt_sigframe { char *pretcode; struct ucontext uc; struct siginfo info; }
    expect(FRAME).toEqual({
      pretcode: 0,
      uc: 8,
      info: 8 + UCONTEXT.size,
      size: 8 + UCONTEXT.size + SIGINFO.size,
    });
  });

  it('glibc indexes gregs[] in sigcontext order (REG_R8 … REG_CR2)', () => {
    const regs = {
      r8: 'REG_R8',
      r9: 'REG_R9',
      r10: 'REG_R10',
      r11: 'REG_R11',
      r12: 'REG_R12',
      r13: 'REG_R13',
      r14: 'REG_R14',
      r15: 'REG_R15',
      rdi: 'REG_RDI',
      rsi: 'REG_RSI',
      rbp: 'REG_RBP',
      rbx: 'REG_RBX',
      rdx: 'REG_RDX',
      rax: 'REG_RAX',
      rcx: 'REG_RCX',
      rsp: 'REG_RSP',
      rip: 'REG_RIP',
      eflags: 'REG_EFL',
      cs: 'REG_CSGSFS',
      err: 'REG_ERR',
      trapno: 'REG_TRAPNO',
      oldmask: 'REG_OLDMASK',
      cr2: 'REG_CR2',
    };
    const values = cValues(
      ['sys/ucontext.h'],
      Object.fromEntries(Object.entries(regs).map(([k, v]) => [k, `${v} * 8`])),
    );
    expect(values).toEqual(
      Object.fromEntries(Object.keys(regs).map((k) => [k, SIGCONTEXT[k as keyof typeof SIGCONTEXT]])),
    );
    const glibc = cValues(['signal.h', 'sys/ucontext.h'], {
      mcontext: 'offsetof(ucontext_t, uc_mcontext)',
      fpregs: 'offsetof(ucontext_t, uc_mcontext.fpregs)',
      sigmask: 'offsetof(ucontext_t, uc_sigmask)',
    });
    expect(glibc).toEqual({
      mcontext: UCONTEXT.mcontext,
      fpregs: UCONTEXT.mcontext + SIGCONTEXT.fpstate,
      sigmask: UCONTEXT.sigmask,
    });
  });

  it('siginfo_t', () => {
    expect(
      cValues(['signal.h'], {
        ...offsets('siginfo_t', {
          signo: 'si_signo',
          errno: 'si_errno',
          code: 'si_code',
          addr: 'si_addr',
          pkey: '_sifields._sigfault._bounds._pkey',
          pid: 'si_pid',
          uid: 'si_uid',
        }),
        size: 'sizeof(siginfo_t)',
      }),
    ).toEqual({ ...SIGINFO });
  });

  it('the small structures the system calls fill', () => {
    expect(
      cValues(
        [
          'sys/sysinfo.h',
          'sys/utsname.h',
          'poll.h',
          'sys/uio.h',
          'dirent.h',
          'sys/resource.h',
          'sys/times.h',
        ],
        {
          sysinfo: 'sizeof(struct sysinfo)',
          totalram: 'offsetof(struct sysinfo, totalram)',
          freeram: 'offsetof(struct sysinfo, freeram)',
          procs: 'offsetof(struct sysinfo, procs)',
          memUnit: 'offsetof(struct sysinfo, mem_unit)',
          uts: 'sizeof(((struct utsname *)0)->sysname)',
          utsname: 'sizeof(struct utsname)',
          pollfd: 'sizeof(struct pollfd)',
          revents: 'offsetof(struct pollfd, revents)',
          iovec: 'sizeof(struct iovec)',
          direntName: 'offsetof(struct dirent64, d_name)',
          direntType: 'offsetof(struct dirent64, d_type)',
          rusage: 'sizeof(struct rusage)',
          maxrss: 'offsetof(struct rusage, ru_maxrss)',
          tms: 'sizeof(struct tms)',
          rlimit: 'sizeof(struct rlimit64)',
        },
      ),
    ).toEqual({
      sysinfo: 112,
      totalram: 32,
      freeram: 40,
      procs: 80,
      memUnit: 104,
      uts: 65,
      utsname: 6 * 65,
      pollfd: 8,
      revents: 6,
      iovec: 16,
      direntName: 19,
      direntType: 18,
      rusage: 144,
      maxrss: 32,
      tms: 32,
      rlimit: 16,
    });
    expect(
      cValues(['asm/termbits.h'], {
        termios: 'sizeof(struct termios)',
        termios2: 'sizeof(struct termios2)',
        cc: 'offsetof(struct termios, c_cc)',
      }),
    ).toEqual({ termios: 36, termios2: 44, cc: 17 });
  });
});

describe('stat encoders against the kernel', () => {
  it('encode what lstat and statx return to a native program, byte for byte', () => {
    const dir = tempDir('x86-run-stat-');
    const file = join(dir, 'file');
    writeFileSync(file, 'some bytes\n');
    utimesSync(file, 1_700_000_000.123456, 1_600_000_000.987654);
    const native = compileC(
      'statdump',
      `#define _GNU_SOURCE
#include <stdio.h>
#include <fcntl.h>
#include <sys/stat.h>
static void dump(const void *p, size_t n) { const unsigned char *b = p; for (size_t i = 0; i < n; i++) printf("%02x", b[i]); printf("\\n"); }
int main(int argc, char **argv) {
  struct stat s; struct statx x;
  if (lstat(argv[1], &s) || statx(AT_FDCWD, argv[1], AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS | STATX_BTIME, &x)) return 1;
  dump(&s, sizeof s); dump(&x, sizeof x);
  return 0;
}
`,
    );
    const [statHex, statxHex] = run(native, [file]).trim().split('\n');
    const info = statFromHost(lstatSync(file, { bigint: true }));
    expect(Buffer.from(encodeStat(info)).toString('hex')).toBe(statHex);
    // statx: every field the encoder fills (the mask and mount id carry host extras).
    const ours = Buffer.from(encodeStatx(info));
    const theirs = Buffer.from(statxHex!, 'hex');
    const ranges: Array<[number, number]> = [
      [STATX.blksize, STATX.blksize + 4],
      [STATX.nlink, STATX.ino + 8],
      [STATX.ino, STATX.blocks + 8],
      [STATX.atime, STATX.mtime + 16],
      [STATX.rdevMajor, STATX.devMinor + 4],
    ];
    for (const [from, to] of ranges)
      expect(ours.subarray(from, to).toString('hex')).toBe(theirs.subarray(from, to).toString('hex'));
    expect(ours.readUInt32LE(STATX.mask) & ~theirs.readUInt32LE(STATX.mask)).toBe(0);
  });
});
