/*
 * The frame of the fault programs: `fault-X MODE VARIANT`.
 *
 * MODE handler  installs a SA_SIGINFO handler (on an alternate stack) for
 *               SIGSEGV SIGBUS SIGFPE SIGILL SIGTRAP that prints what Linux put
 *               in the signal frame: signal number, si_code, si_addr, and from
 *               the ucontext the trap number, error code, cr2 (gregs[REG_CR2]
 *               is sigcontext.cr2: glibc and musl both name it), rip, rflags,
 *               cs/gs/fs/ss, uc_flags, the saved signal mask (uc_sigmask and
 *               sigcontext.oldmask), the registers the variant set, x87 control
 *               word, MXCSR and xmm1 from the saved FP state, and the signal mask
 *               while the handler runs; then _exit(0).
 * MODE resume   the same handler, which then changes the saved context (rip to
 *               the instruction after the faulting one, rax to 0x5eed, TF off)
 *               and returns: rt_sigreturn must bring all of it back.
 * MODE default  no handler: the program dies by the signal (x86-run must exit
 *               with 128+signal and name the signal on stderr).
 *
 * Before the variant runs, SIGUSR1 is blocked (so the saved mask is not
 * empty) and rbx r12 r13 r14 r15 xmm1 are loaded with known values.
 * Output is written with write(2): nothing is left in a stdio buffer when the
 * process dies. Addresses printed are those of the static (non-PIE) program
 * or of fixed mappings, the same in every run.
 */
#ifndef XTEST_FAULT_H
#define XTEST_FAULT_H

#define _GNU_SOURCE
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

struct variant {
  const char *name;
  void (*run)(void);
  int pops; /* resume: qwords the faulting call pushed (a call into a bad address) */
};

/* Set by each variant's assembly: where `resume` continues, and what rax held there. */
uint64_t resume_at, resumed_rax;

static void say(const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > 0) {
    ssize_t w = write(1, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
    (void)w;
  }
}

static const char *signame(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGTRAP: return "SIGTRAP";
    default: return "other";
  }
}

static int resume_mode;
static int pops;

static void handler(int sig, siginfo_t *si, void *ucv) {
  ucontext_t *uc = ucv;
  greg_t *g = uc->uc_mcontext.gregs;
  say("signal %d %s code %d addr %#lx\n", sig, signame(sig), si->si_code, (unsigned long)(uintptr_t)si->si_addr);
  say("trapno %lld err %#llx cr2 %#llx\n", (long long)g[REG_TRAPNO], (long long)g[REG_ERR], (long long)g[REG_CR2]);
  /* AF is left out of rflags: the setup before some faults is a logic op, after which AF is undefined. */
  say("rip %#llx rflags %#llx csgsfs %#llx uc_flags %#lx\n", (long long)g[REG_RIP], (long long)g[REG_EFL] & ~0x10ll,
      (long long)g[REG_CSGSFS], (unsigned long)uc->uc_flags & ~1ul /* UC_FP_XSTATE: XSAVE or FXSAVE layout */);
  say("rbx %#llx r12 %#llx r13 %#llx r14 %#llx r15 %#llx\n", (long long)g[REG_RBX], (long long)g[REG_R12],
      (long long)g[REG_R13], (long long)g[REG_R14], (long long)g[REG_R15]);
  unsigned long saved_mask;
  memcpy(&saved_mask, &uc->uc_sigmask, sizeof saved_mask);
  sigset_t now;
  sigprocmask(SIG_BLOCK, NULL, &now);
  unsigned long now_mask;
  memcpy(&now_mask, &now, sizeof now_mask);
  say("saved mask %#lx oldmask %#llx mask in handler %#lx\n", saved_mask, (long long)g[REG_OLDMASK], now_mask);
  if (uc->uc_mcontext.fpregs)
    say("fpu cwd %#x mxcsr %#x xmm1 %08x%08x%08x%08x\n", uc->uc_mcontext.fpregs->cwd,
        uc->uc_mcontext.fpregs->mxcsr, uc->uc_mcontext.fpregs->_xmm[1].element[3],
        uc->uc_mcontext.fpregs->_xmm[1].element[2], uc->uc_mcontext.fpregs->_xmm[1].element[1],
        uc->uc_mcontext.fpregs->_xmm[1].element[0]);
  else
    say("fpu state missing\n");
  if (!resume_mode) _exit(0);
  g[REG_RIP] = (greg_t)resume_at;
  g[REG_RSP] += 8 * pops;
  g[REG_RAX] = 0x5eed;
  g[REG_EFL] &= ~0x100ll; /* TF */
  if (uc->uc_mcontext.fpregs) uc->uc_mcontext.fpregs->mxcsr = 0x1f80;
}

/*
 * Load the known register values, record where to resume, run `insn`, and
 * store rax at the resume point. `insn` takes no operands: it names constants
 * and globals (rip-relative) itself, and may use every register but rsp rbp
 * (and those it restores).
 */
#define FAULT_ASM(insn)                                                                             \
  __asm__ volatile("movabs $0x1111111111111111, %%rbx\n\t"                                          \
                   "movabs $0x1212121212121212, %%r12\n\t"                                          \
                   "movabs $0x1313131313131313, %%r13\n\t"                                          \
                   "movabs $0x1414141414141414, %%r14\n\t"                                          \
                   "movabs $0x1515151515151515, %%r15\n\t"                                          \
                   "movq %%r12, %%xmm1\n\t"                                                         \
                   "pinsrw $7, %%ebx, %%xmm1\n\t"                                                   \
                   "mov $1, %%r11d\n\tcmp $3, %%r11d\n\t" /* known flags: CF SF AF set */           \
                   "lea 1f(%%rip), %%r11\n\t"                                                       \
                   "mov %%r11, resume_at(%%rip)\n\t" insn "\n"                                      \
                   "1:\tmov %%rax, resumed_rax(%%rip)"                                              \
                   :                                                                                \
                   :                                                                                \
                   : "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", \
                     "r14", "r15", "xmm0", "xmm1", "memory", "cc")

/* A page at a fixed address (the same in every run: ASLR does not apply to MAP_FIXED_NOREPLACE). */
__attribute__((unused)) static void *fixed_page(uint64_t addr, int prot) {
  void *p = mmap((void *)(uintptr_t)addr, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (p != (void *)(uintptr_t)addr) {
    say("mmap at %#llx failed\n", (unsigned long long)addr);
    exit(3);
  }
  return p;
}

static int fault_main(int argc, char **argv, const struct variant *variants, size_t n) {
  const char *mode = argc > 1 ? argv[1] : "";
  const char *which = argc > 2 ? argv[2] : "";
  const struct variant *v = NULL;
  for (size_t i = 0; i < n; i++)
    if (strcmp(variants[i].name, which) == 0) v = &variants[i];
  int handled = strcmp(mode, "handler") == 0 || strcmp(mode, "resume") == 0;
  if (!v || (!handled && strcmp(mode, "default") != 0)) {
    say("usage: %s handler|resume|default VARIANT; variants:", argv[0]);
    for (size_t i = 0; i < n; i++) say(" %s", variants[i].name);
    say("\n");
    return 2;
  }
  resume_mode = strcmp(mode, "resume") == 0;
  pops = v->pops;
  if (handled) {
    static char altstack[65536];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
  }
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigprocmask(SIG_BLOCK, &block, NULL);
  say("%s %s: start\n", which, mode);
  v->run();
  sigset_t now;
  sigprocmask(SIG_BLOCK, NULL, &now);
  unsigned long now_mask;
  memcpy(&now_mask, &now, sizeof now_mask);
  say("%s: resumed, rax %#llx, mask %#lx\n", which, (unsigned long long)resumed_rax, now_mask);
  return 0;
}

#define FAULT_PROGRAM(list) \
  int main(int argc, char **argv) { return fault_main(argc, argv, list, sizeof list / sizeof list[0]); }

#endif
