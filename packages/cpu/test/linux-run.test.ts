/**
 * Whole programs through runLinuxProgram on the real engine: the output and
 * exit status of each must be what the same program gives natively. Skipped
 * until packages/cpu/src/index.ts exports Cpu.
 */
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool, tempDir, tryRun } from '@x/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { CPUID_PROFILES, Cpu } from '../src/index.js';
import { x86RunMain } from '../src/linux/cli.js';
import { type LinuxRunOptions, type LinuxRunResult, runLinuxProgram } from '../src/linux/run.js';
import { compileC } from './linux-helpers.js';

const engine = { Cpu, CPUID_PROFILES };

interface Outcome {
  status: number;
  stdout: string;
  stderr: string;
  result?: LinuxRunResult;
}

const ENV = ['PATH=/usr/bin:/bin', 'LANG=C', 'TZ=UTC', 'HOME=/nonexistent'];

/** Run a program on the emulator with stdout and stderr captured in files. */
function emulate(program: string, args: string[] = [], options: Partial<LinuxRunOptions> = {}): Outcome {
  const dir = tempDir('x86-run-io-');
  const files = ['out', 'err'].map((n) => join(dir, n));
  const [out, err] = files.map((f) => openSync(f, 'w+'));
  const stdin = openSync('/dev/null', 'r');
  try {
    const result = runLinuxProgram({
      path: program,
      argv: [program, ...args],
      env: ENV,
      stdin,
      stdout: out!,
      stderr: err!,
      createCpu: (memory, mmu) => new engine!.Cpu({ memory, mmu }),
      hwcap: engine!.CPUID_PROFILES['baseline']?.leaf1Edx,
      memoryBytes: 256 << 20,
      ...options,
    });
    return {
      status: result.status,
      stdout: readFileSync(files[0]!, 'utf8'),
      stderr: readFileSync(files[1]!, 'utf8'),
      result,
    };
  } finally {
    for (const fd of [out!, err!, stdin]) closeSync(fd);
  }
}

/** The same program natively. */
function native(program: string, args: string[] = []): Outcome {
  const r = tryRun(program, args, {
    env: Object.fromEntries(ENV.map((e) => e.split('=') as [string, string])),
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const HELLO = `#include <stdio.h>
int main(int argc, char **argv) {
  printf("hello, world (%d args)\\n", argc);
  for (int i = 1; i < argc; i++) printf("argv[%d] = %s\\n", i, argv[i]);
  return 3;
}
`;

/** Signals with handlers: what the handler sees of a fault, a raise, an alternate stack. */
const SIGNALS = `#define _GNU_SOURCE
#include <signal.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>
static sigjmp_buf back;
static volatile int usr1;
static void on_segv(int sig, siginfo_t *info, void *ctx) {
  ucontext_t *uc = ctx;
  printf("segv sig=%d code=%d addr=%p err=%lld trapno=%lld cr2=%llx\\n", sig, info->si_code, info->si_addr,
         (long long)uc->uc_mcontext.gregs[REG_ERR], (long long)uc->uc_mcontext.gregs[REG_TRAPNO],
         (long long)uc->uc_mcontext.gregs[REG_CR2]);
  printf("frame: info-uc=%ld rsp%%16=%ld fpregs%%64=%ld\\n", (long)((char *)info - (char *)uc),
         (long)(((uintptr_t)__builtin_frame_address(0)) % 16), (long)((uintptr_t)uc->uc_mcontext.fpregs % 64));
  siglongjmp(back, 1);
}
static void on_usr1(int sig, siginfo_t *info, void *ctx) { (void)ctx; usr1 = sig * 100 + info->si_code; }
static char altmem[65536] __attribute__((aligned(16)));
static void on_alt(int sig) { char here; printf("alt sig=%d on altstack=%d\\n", sig, (&here > altmem && &here < altmem + sizeof altmem)); }
int main(void) {
  struct sigaction sa; memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv; sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigaction(SIGSEGV, &sa, 0);
  if (!sigsetjmp(back, 1)) *(volatile int *)0x10 = 1;
  if (!sigsetjmp(back, 1)) *(volatile int *)main = 1;
  sa.sa_sigaction = on_usr1; sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, 0);
  raise(SIGUSR1);
  printf("usr1=%d\\n", usr1);
  stack_t ss = { .ss_sp = altmem, .ss_size = sizeof altmem };
  sigaltstack(&ss, 0);
  memset(&sa, 0, sizeof sa); sa.sa_handler = on_alt; sa.sa_flags = SA_ONSTACK;
  sigaction(SIGUSR2, &sa, 0);
  raise(SIGUSR2);
  sigset_t set; sigemptyset(&set); sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, 0);
  usr1 = 0; raise(SIGUSR1);
  printf("blocked usr1=%d\\n", usr1);
  sigprocmask(SIG_UNBLOCK, &set, 0);
  printf("unblocked usr1=%d\\n", usr1);
  return 0;
}
`;

/** Files: create, write, seek, read back, stat, list a directory, rename, unlink. */
const FILES = `#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
static int cmp(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }
int main(int argc, char **argv) {
  if (chdir(argv[1])) return 1;
  int fd = open("data", O_CREAT | O_RDWR | O_TRUNC, 0644);
  for (int i = 0; i < 1000; i++) dprintf(fd, "line %d\\n", i);
  struct stat st; fstat(fd, &st);
  printf("size=%ld mode=%o\\n", (long)st.st_size, st.st_mode & 07777);
  lseek(fd, 5000, SEEK_SET);
  char buf[32] = {0}; read(fd, buf, 20);
  printf("at 5000: %.20s\\n", buf);
  char *map = mmap(0, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  printf("mapped: %.12s\\n", map + 100);
  close(fd);
  mkdir("sub", 0755);
  rename("data", "sub/moved");
  DIR *d = opendir("sub");
  struct dirent *e; char *names[16]; int n = 0;
  while ((e = readdir(d))) names[n++] = strdup(e->d_name);
  qsort(names, n, sizeof *names, cmp);
  for (int i = 0; i < n; i++) printf("entry %s\\n", names[i]);
  closedir(d);
  char cwd[4096]; getcwd(cwd, sizeof cwd);
  printf("cwd ends with %s\\n", strrchr(cwd, '/'));
  unlink("sub/moved"); rmdir("sub");
  printf("gone=%d\\n", access("sub", F_OK));
  char *p = malloc(10 << 20); memset(p, 1, 10 << 20); free(p);
  return 0;
}
`;

const CRASHES: Record<string, [string, number, RegExp]> = {
  null: [
    'int main(void) { *(volatile int *)0 = 1; return 0; }',
    139,
    /killed by SIGSEGV \(#PF error 0x6 at 0x0; rip 0x[0-9a-f]+\)/,
  ],
  abort: [
    '#include <stdlib.h>\nint main(void) { abort(); }',
    134,
    /killed by SIGABRT \(sent by tgkill; rip 0x[0-9a-f]+\)/,
  ],
  divide: [
    'int main(int argc, char **argv) { volatile int z = argc - 1; return 10 / z; }',
    136,
    /killed by SIGFPE \(#DE; rip 0x[0-9a-f]+\)/,
  ],
  ud2: [
    'int main(void) { __asm__ volatile("ud2"); return 0; }',
    132,
    /killed by SIGILL \(#UD; rip 0x[0-9a-f]+: 0f 0b( [0-9a-f]{2})*\)/,
  ],
};

describe('programs on the engine', () => {
  const programs: Record<string, string> = {};

  beforeAll(() => {
    const dir = tempDir('x86-run-programs-');
    programs['gcc -static'] = compileC('hello-static', HELLO, { dir });
    programs['gcc -static-pie'] = compileC('hello-pie', HELLO, { dir, flags: ['-static-pie', '-O2'] });
    programs['musl-gcc -static'] = compileC('hello-musl', HELLO, { dir, compiler: 'musl-gcc' });
  });

  for (const name of ['gcc -static', 'gcc -static-pie', 'musl-gcc -static']) {
    it(`runs a ${name} hello as it runs natively`, () => {
      const program = programs[name]!;
      const want = native(program, ['one', 'two words']);
      const got = emulate(program, ['one', 'two words']);
      expect({ status: got.status, stdout: got.stdout }).toEqual({
        status: want.status,
        stdout: want.stdout,
      });
      expect(got.result!.stats.unknownSyscalls.size).toBe(0);
    });
  }

  describe('busybox applets, as they run natively', () => {
    const dir = tempDir('x86-run-bb-');
    writeFileSync(join(dir, 'words'), 'pear\napple\nfig\napple\n');
    const cases: string[][] = [
      ['echo', 'hello', 'from', 'busybox'],
      ['cat', join(dir, 'words')],
      ['sort', '-u', join(dir, 'words')],
      ['wc', '-l', join(dir, 'words')],
      ['sha256sum', join(dir, 'words')],
      ['sh', '-c', 'x=6; echo $((x * 7)); for i in 1 2 3; do printf "%s," $i; done; echo'],
      ['ls', '-1', dir],
      ['expr', '12', '*', '12'],
      ['basename', '/a/b/c.txt', '.txt'],
    ];
    for (const args of cases) {
      it(`busybox ${args[0]}`, () => {
        requireTool('busybox');
        const want = native('/bin/busybox', args);
        const got = emulate('/bin/busybox', args);
        expect({ status: got.status, stdout: got.stdout }).toEqual({
          status: want.status,
          stdout: want.stdout,
        });
      });
    }
  });

  it('delivers signals to handlers with the frame a program expects', () => {
    const program = compileC('signals', SIGNALS);
    const want = native(program);
    expect(want.stdout).toMatch(/segv sig=11 code=1 addr=0x10 err=6 trapno=14 cr2=10/);
    const got = emulate(program);
    expect({ status: got.status, stdout: got.stdout }).toEqual({ status: want.status, stdout: want.stdout });
  });

  it('reads, writes, maps and lists files as natively', () => {
    const program = compileC('files', FILES);
    const workDir = (prefix: string) => {
      const dir = join(tempDir(prefix), 'work');
      mkdirSync(dir);
      return dir;
    };
    const want = native(program, [workDir('x86-run-native-')]);
    const got = emulate(program, [workDir('x86-run-emulated-')]);
    expect({ status: got.status, stdout: got.stdout }).toEqual({ status: want.status, stdout: want.stdout });
  });

  for (const [name, [source, status, message]] of Object.entries(CRASHES)) {
    it(`reports a program killed by a signal (${name}) with status ${status}`, () => {
      const program = compileC(`crash-${name}`, source);
      // What a shell reports for the native run: 128 + the signal.
      expect(tryRun('sh', ['-c', `"${program}" 2>/dev/null; echo $?`]).stdout.trim()).toBe(String(status));
      const io = ['out', 'err'].map((n) => join(tempDir('x86-run-crash-'), n));
      const [out, err] = io.map((f) => openSync(f, 'w+'));
      const code = x86RunMain(
        ['--memory', '256M', program],
        {
          createCpu: (memory, mmu, cpuid) => new engine!.Cpu({ memory, mmu, cpuid }),
          hwcap: (p) => engine!.CPUID_PROFILES[p]?.leaf1Edx,
          profiles: Object.keys(engine!.CPUID_PROFILES),
        },
        { stdin: 0, stdout: out!, stderr: err!, env: { PATH: '/usr/bin:/bin' }, cwd: process.cwd() },
      );
      closeSync(out!);
      closeSync(err!);
      expect(code).toBe(status);
      expect(readFileSync(io[1]!, 'utf8')).toMatch(
        new RegExp(`^x86-run: ${program.replace(/[/.]/g, '\\$&')} ${message.source}\\n$`),
      );
    });
  }

  it('--stats and --trace report on stderr', () => {
    const program = programs['gcc -static']!;
    const lines: string[] = [];
    const got = emulate(program, [], { stats: true, trace: (l) => lines.push(l) });
    expect(got.stderr).toMatch(
      /^x86-run: \d+ instructions, \d+ blocks translated \(\d+ to WebAssembly\), [\d.]+ s, [\d.]+ MIPS, \d+ system calls/,
    );
    expect(got.stderr).toMatch(/\nx86-run: unknown system calls: none\n$/);
    expect(lines[0]).toMatch(/^brk\(NULL\) = 0x[0-9a-f]+$/);
    expect(lines).toContain('write(1, "hello, world (1 args)\\n", 22) = 22');
    expect(lines.slice(-2)).toEqual(['exit_group(3) = ?', '+++ exited with 3 +++']);
  });
});
