/*
 * What is left of the user-mode integer ISA:
 *   enter (nesting levels 0 1 2 3, the frame pointers it copies) and leave;
 *   push and pop forms (imm8 imm32 sign-extended, memory, 16-bit pushw/popw,
 *   push/pop rsp), call/ret with ret imm16;
 *   the segment registers user mode sees (cs 0x33, ss 0x2b, ds es fs gs 0 on
 *   Linux), mov from them to r16 r32 and memory, push fs/gs (pop into a
 *   segment register is left out: loading fs would change its base);
 *   the fs-relative thread pointer (fs:0 is the TCB's own address);
 *   lea over every addressing form: scales 1 2 4 8, no base, no index, rbp
 *   and r13 bases (disp8 0), rsp and r12 (SIB), 32-bit operand size,
 *   16-bit operand size, 32-bit address size (67 prefix), rip-relative;
 *   lahf and sahf over all flag values (OF is not touched by sahf);
 *   clc stc cmc cld std; the RFLAGS bits popfq can change at CPL 3
 *   (CF PF AF ZF SF DF OF NT AC ID: not IF IOPL VIP VIF RF; TF is not tried);
 *   xlat; multi-byte nops; fences, pause and prefetch (must execute, no output).
 * No addresses are printed: stack slots are printed relative to rsp.
 */
#include "common.h"

static uint64_t display[8];
static uint64_t saved[16];

/* enter $16, $level with rbp pointing into `display`; copies what enter pushed. */
#define ENTER(level)                                                                              \
  do {                                                                                            \
    for (int i = 0; i < 8; i++) display[i] = 0x1000 * (uint64_t)(i + 1) + 0xd0;                   \
    memset(saved, 0, sizeof saved);                                                               \
    __asm__ volatile("mov %%rsp, %%r12\n\t"                                                       \
                     "mov %%rbp, %%r13\n\t"                                                       \
                     "lea -256(%%rsp), %%rsp\n\t"                                                 \
                     "mov %[top], %%rbp\n\t"                                                      \
                     "mov %%rsp, %%r14\n\t"                                                       \
                     "enter $16, $" #level "\n\t"                                                 \
                     "mov %%r14, 0(%[out])\n\t"  /* rsp before */                                 \
                     "mov %%rsp, 8(%[out])\n\t"  /* rsp after */                                  \
                     "mov %%rbp, 16(%[out])\n\t" /* rbp after */                                  \
                     "mov 16(%%rsp), %%rax\n\tmov %%rax, 24(%[out])\n\t"                          \
                     "mov 24(%%rsp), %%rax\n\tmov %%rax, 32(%[out])\n\t"                          \
                     "mov 32(%%rsp), %%rax\n\tmov %%rax, 40(%[out])\n\t"                          \
                     "mov 40(%%rsp), %%rax\n\tmov %%rax, 48(%[out])\n\t"                          \
                     "mov 48(%%rsp), %%rax\n\tmov %%rax, 56(%[out])\n\t"                          \
                     "leave\n\t"                                                                  \
                     "mov %%rsp, 64(%[out])\n\t"                                                  \
                     "mov %%rbp, 72(%[out])\n\t"                                                  \
                     "mov %%r12, %%rsp\n\t"                                                       \
                     "mov %%r13, %%rbp"                                                           \
                     :                                                                            \
                     : [top] "S"(&display[4]), [out] "D"(saved)                                   \
                     : "rax", "r12", "r13", "r14", "memory");                                     \
    uint64_t before = saved[0];                                                                   \
    printf("enter $16,$%d: rsp %+d rbp=rsp%+d stack:", level, (int)(saved[1] - before),           \
           (int)(saved[2] - before));                                                             \
    /* enter pushed rbp, level-1 frame pointers copied from the old frame, and the new rbp */      \
    for (int i = 3; i < 3 + (level == 0 ? 1 : level + 1); i++) {                                  \
      uint64_t v = saved[i];                                                                      \
      if (v - before + 512 < 1024) printf(" rsp%+d", (int)(v - before));                          \
      else if (v >= (uint64_t)(uintptr_t)display && v < (uint64_t)(uintptr_t)(display + 8))       \
        printf(" display[%d]", (int)((v - (uint64_t)(uintptr_t)display) / 8));                    \
      else printf(" %s", hx(v, 64));                                                              \
    }                                                                                             \
    printf(" leave: rsp %+d rbp=%s\n", (int)(saved[8] - before),                                  \
           saved[9] == (uint64_t)(uintptr_t)&display[4] ? "display[4]" : "?");                    \
  } while (0)

static void enter_leave(void) {
  ENTER(0);
  ENTER(1);
  ENTER(2);
  ENTER(3);
}

static void push_pop(void) {
  uint64_t out[8], cell[2] = {0x1122334455667788ull, 0};
  __asm__ volatile("mov %%rsp, %%r12\n\t"
                   "lea -128(%%rsp), %%rsp\n\t"
                   "push $-2\n\t"           /* 6a ib */
                   "push $0x7fffff00\n\t"   /* 68 id */
                   "push $-0x80000000\n\t"  /* 68 id, sign-extended */
                   "pushq (%[c])\n\t"        /* ff /6 */
                   "pushw $0x1234\n\t"      /* 66 68 iw: rsp moves by 2 */
                   "pushw 2(%[c])\n\t"       /* 66 ff /6 */
                   "popw %%ax\n\t"
                   "popw %%cx\n\t"
                   "popq 8(%[c])\n\t"        /* 8f /0 */
                   "pop %%rdx\n\t"
                   "pop %%rsi\n\t"
                   "pop %%rdi\n\t"
                   "mov %%ax, 0(%[o])\n\t"
                   "mov %%cx, 8(%[o])\n\t"
                   "mov %%rdx, 16(%[o])\n\t"
                   "mov %%rsi, 24(%[o])\n\t"
                   "mov %%rdi, 32(%[o])\n\t"
                   "push %%rsp\n\t" /* pushes the value before the push */
                   "pop %%rax\n\t"
                   "sub %%rsp, %%rax\n\t"
                   "mov %%rax, 40(%[o])\n\t"
                   "mov %%rsp, %%rax\n\t"
                   "push $5\n\t"
                   "pop %%rsp\n\t" /* pop rsp: rsp gets the popped value */
                   "mov %%rsp, 48(%[o])\n\t"
                   "mov %%rax, %%rsp\n\t"
                   "mov %%r12, %%rsp"
                   :
                   : [c] "r"(cell), [o] "r"(out)
                   : "rax", "rcx", "rdx", "rsi", "rdi", "r12", "memory");
  printf("push/pop: popw %s %s pop %s %s %s mem %s push rsp %+d pop rsp %s\n", hx(out[0], 16), hx(out[1], 16),
         hx(out[2], 64), hx(out[3], 64), hx(out[4], 64), hx(cell[1], 64), (int)out[5], hx(out[6], 64));
}

__attribute__((noinline)) static uint64_t callee_ret8(void) {
  uint64_t r;
  /* call a local routine that returns with ret $8, popping an argument pushed for it */
  __asm__ volatile("push $0x55\n\t"
                   "call 1f\n\t"
                   "jmp 2f\n"
                   "1:\tmov 8(%%rsp), %0\n\t"
                   "ret $8\n"
                   "2:"
                   : "=&r"(r)
                   :
                   : "memory");
  return r;
}

static void segments(void) {
  uint64_t s[6], w = ~0ull, pf, pg, m[1] = {~0ull};
  __asm__("mov %%cs, %k0" : "=r"(s[0]));
  __asm__("mov %%ss, %k0" : "=r"(s[1]));
  __asm__("mov %%ds, %k0" : "=r"(s[2]));
  __asm__("mov %%es, %k0" : "=r"(s[3]));
  __asm__("mov %%fs, %k0" : "=r"(s[4]));
  __asm__("mov %%gs, %k0" : "=r"(s[5]));
  __asm__("mov %%ss, %w0" : "+r"(w));
  __asm__("push %%fs\n\tpop %0\n\tpush %%gs\n\tpop %1" : "=r"(pf), "=r"(pg));
  __asm__("mov %%cs, (%0)" : : "r"(m) : "memory");
  printf("cs %s ss %s ds %s es %s fs %s gs %s; mov ss,r16 %s; push fs %s gs %s; mov cs,mem %s\n", hx(s[0], 64),
         hx(s[1], 64), hx(s[2], 64), hx(s[3], 64), hx(s[4], 64), hx(s[5], 64), hx(w, 64), hx(pf, 64), hx(pg, 64),
         hx(m[0], 64));
  uint64_t self;
  __asm__("mov %%fs:0, %0" : "=r"(self));
  printf("fs:0 is the thread pointer: %s\n", self == (uint64_t)(uintptr_t)__builtin_thread_pointer() ? "yes" : "no");
}

#define LEA(form, ...)                                                                        \
  do {                                                                                        \
    uint64_t r = 0x5555555555555555ull;                                                       \
    __asm__("lea " form : "+r"(r) : __VA_ARGS__);                                             \
    printf("lea %-36s -> %s\n", form, hx(r, 64));                                             \
  } while (0)

static void lea_forms(void) {
  uint64_t b = 0x1000, i = 0x30, nb = 0xfffffffffffffff0ull, big = 0x00000000fffffff8ull;
  LEA("(%1), %q0", "r"(b));
  LEA("8(%1), %q0", "r"(b));
  LEA("-8(%1), %q0", "r"(b));
  LEA("0x12345678(%1), %q0", "r"(b));
  LEA("-0x80000000(%1), %q0", "r"(b));
  LEA("(%1,%2), %q0", "r"(b), "r"(i));
  LEA("(%1,%2,2), %q0", "r"(b), "r"(i));
  LEA("(%1,%2,4), %q0", "r"(b), "r"(i));
  LEA("7(%1,%2,8), %q0", "r"(b), "r"(i));
  LEA("0x100(,%1,8), %q0", "r"(i));
  LEA("(,%1,1), %q0", "r"(i));
  LEA("0x20(%1,%1,4), %q0", "r"(nb));
  LEA("0x20(%1), %q0", "r"(nb));
  LEA("0x20(%1), %k0", "r"(nb));
  LEA("0x20(%1), %w0", "r"(nb));
  LEA("0x10(%1,%2,2), %k0", "r"(big), "r"(i));
  LEA("0x10(%k1,%k2,2), %q0", "r"(big), "r"(i));
  LEA("0x10(%k1,%k2,2), %k0", "r"(big), "r"(i));
  LEA("0x10(%k1), %w0", "r"(big));
  uint64_t r[6];
  /* rbp, r13 (need a disp8 of 0), rsp, r12 (need a SIB byte) as bases. */
  /* rbp is changed inside: results go through rdi, nothing else is an operand. */
  __asm__("push %%rbp\n\t"
          "mov $0x100, %%rbp\n\tmov $0x200, %%r13\n\tmov $0x300, %%r12\n\t"
          "lea (%%rbp), %%rax\n\tmov %%rax, 0(%%rdi)\n\t"
          "lea (%%r13), %%rax\n\tmov %%rax, 8(%%rdi)\n\t"
          "lea (%%r12), %%rax\n\tmov %%rax, 16(%%rdi)\n\t"
          "lea 4(%%r12,%%rbp,2), %%rax\n\tmov %%rax, 24(%%rdi)\n\t"
          "lea (%%r13,%%r13), %%rax\n\tmov %%rax, 32(%%rdi)\n\t"
          "lea 24(%%rsp), %%rax\n\tsub %%rsp, %%rax\n\tmov %%rax, 40(%%rdi)\n\t"
          "pop %%rbp"
          :
          : "D"(r)
          : "rax", "r12", "r13", "memory");
  printf("lea rbp %s r13 %s r12 %s r12+rbp*2+4 %s r13+r13 %s rsp+24 %d\n", hx(r[0], 64), hx(r[1], 64),
         hx(r[2], 64), hx(r[3], 64), hx(r[4], 64), (int)r[5]);
  /* rip-relative: lea of a label against its absolute address. */
  uint64_t rel, abs;
  __asm__("lea 1f(%%rip), %0\n\tmovabs $1f, %1\n1:" : "=r"(rel), "=r"(abs));
  printf("lea rip-relative %s\n", rel == abs ? "matches" : "differs");
}

static void lahf_sahf(void) {
  for (unsigned k = 0; k < 64; k++) {
    uint64_t fin = 2 | ((k & 1) ? F_CF : 0) | ((k & 2) ? F_PF : 0) | ((k & 4) ? F_AF : 0) |
                   ((k & 8) ? F_ZF : 0) | ((k & 16) ? F_SF : 0) | ((k & 32) ? F_OF : 0);
    uint64_t ah = 0, f;
    __asm__ volatile(ASM_PRE "mov $0xaaaaaaaaaaaaaaaa, %%rax\n\tlahf\n\tmov %%rax, %[ah]" ASM_POST
                     : [ah] "=&r"(ah), [fo] "=&r"(f)
                     : [fin] "r"(fin)
                     : "rax", "cc");
    /* sahf from a value with every bit of ah set except those of k, flags fed in inverted */
    uint64_t in = ((uint64_t)(~k & 0x1f) << 8), f2, fin2 = (fin ^ F_ALL) | 2;
    uint64_t v = ((in >> 8 & 1) ? 0x01 : 0) | ((in >> 8 & 2) ? 0x04 : 0) | ((in >> 8 & 4) ? 0x10 : 0) |
                 ((in >> 8 & 8) ? 0x40 : 0) | ((in >> 8 & 16) ? 0x80 : 0) | 0x2a;
    __asm__ volatile(ASM_PRE "mov %[v], %%rax\n\tmov %%al, %%ah\n\tsahf" ASM_POST
                     : [fo] "=&r"(f2)
                     : [v] "r"(v), [fin] "r"(fin2)
                     : "rax", "cc");
    printf("lahf %s -> rax=%s; sahf %02x over %s -> %s\n", flagstr(fin, F_ALL), hx(ah, 64), (unsigned)v,
           flagstr(fin2, F_ALL), flagstr(f2, F_ALL));
  }
}

static void flag_ops(void) {
  const char *names[] = {"clc", "stc", "cmc", "cld", "std"};
  for (int k = 0; k < 2; k++) {
    uint64_t fin = flags_in(k), f[5];
    __asm__ volatile(ASM_PRE "clc" ASM_POST : [fo] "=&r"(f[0]) : [fin] "r"(fin) : "cc");
    __asm__ volatile(ASM_PRE "stc" ASM_POST : [fo] "=&r"(f[1]) : [fin] "r"(fin) : "cc");
    __asm__ volatile(ASM_PRE "cmc" ASM_POST : [fo] "=&r"(f[2]) : [fin] "r"(fin) : "cc");
    __asm__ volatile(ASM_PRE "std\n\tcld" ASM_POST : [fo] "=&r"(f[3]) : [fin] "r"(fin) : "cc");
    __asm__ volatile(ASM_PRE "std\n\tpushfq\n\tcld\n\tpop %[fo]\n\tpush %[fo]\n\tpopfq\n\tcld"
                             "\n\tlea 128(%%rsp), %%rsp"
                     : [fo] "=&r"(f[4])
                     : [fin] "r"(fin)
                     : "cc");
    for (int i = 0; i < 5; i++)
      printf("%s over %s -> %s%s\n", names[i], flagstr(fin, F_ALL), flagstr(f[i], F_ALL), f[i] & F_DF ? " DF" : "");
  }
  /* Which bits popfq changes at CPL 3 (TF would single-step: not tried). */
  const uint64_t tries[] = {0, 0x0000000000000fd5ull & ~0x100ull, 0x4000, 0x40000, 0x200000, 0x3000, 0x80000,
                            0x100000, 0x10000, 0x200, 0xffffffffffffffffull & ~0x100ull};
  for (unsigned i = 0; i < COUNT_OF(tries); i++) {
    uint64_t out, orig;
    __asm__ volatile("pushfq\n\tpop %1\n\tlea -128(%%rsp), %%rsp\n\tpush %2\n\tpopfq\n\tpushfq\n\tpop %0\n\t"
                     "push %1\n\tpopfq\n\tlea 128(%%rsp), %%rsp"
                     : "=&r"(out), "=&r"(orig)
                     : "r"(tries[i])
                     : "cc", "memory");
    printf("popfq %s -> pushfq %s\n", hx(tries[i], 64), hx(out, 64));
  }
}

static void xlat_and_nops(void) {
  static const unsigned char table[256] = {[0] = 0x10, [1] = 0x11, [0x7f] = 0x7f, [0x80] = 0x80, [0xff] = 0xee};
  const uint64_t idx[] = {0, 1, 0x7f, 0x80, 0xff, 0xffffffffffffff01ull};
  for (unsigned i = 0; i < COUNT_OF(idx); i++) {
    uint64_t a = idx[i];
    __asm__("xlat" : "+a"(a) : "b"(table), "m"(table));
    printf("xlat %s -> %s\n", hx(idx[i], 64), hx(a, 64));
  }
  __asm__ volatile(".byte 0x90\n\t"
                   ".byte 0x66, 0x90\n\t"
                   ".byte 0x0f, 0x1f, 0x00\n\t"
                   ".byte 0x0f, 0x1f, 0x40, 0x00\n\t"
                   ".byte 0x0f, 0x1f, 0x44, 0x00, 0x00\n\t"
                   ".byte 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00\n\t"
                   ".byte 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00\n\t"
                   ".byte 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00\n\t"
                   ".byte 0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00\n\t"
                   ".byte 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00\n\t"
                   "pause\n\tlfence\n\tmfence\n\tsfence\n\t"
                   "prefetcht0 (%0)\n\tprefetcht1 (%0)\n\tprefetcht2 (%0)\n\tprefetchnta (%0)\n\t"
                   "endbr64" ::"r"(table)
                   : "memory");
  printf("nops, fences, pause, prefetch, endbr64: ran\n");
  printf("call/ret $8: %s\n", hx(callee_ret8(), 64));
}

int main(void) {
  enter_leave();
  push_pop();
  segments();
  lea_forms();
  lahf_sahf();
  flag_ops();
  xlat_and_nops();
  return 0;
}
