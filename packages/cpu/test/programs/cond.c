/*
 * The 16 conditions under every combination of OF SF ZF PF CF (32 inputs,
 * AF set and clear alternately; no condition reads it): setcc (register and
 * memory), cmovcc at 16/32/64 bits (register and memory source), jcc (short
 * and near forms). Also loop, loope, loopne, jrcxz, jecxz.
 *
 * cmovcc with a 32-bit operand writes the destination register even when the
 * condition is false: bits 63..32 are cleared either way (documented by both
 * vendors). The 16-bit form leaves bits 63..16 alone.
 */
#include "common.h"

#define CONDS(X) \
  X(o) X(no) X(b) X(ae) X(e) X(ne) X(be) X(a) X(s) X(ns) X(p) X(np) X(l) X(ge) X(le) X(g)

static uint64_t flags_of(unsigned k) {
  uint64_t f = 2;
  if (k & 1) f |= F_CF;
  if (k & 2) f |= F_PF;
  if (k & 4) f |= F_ZF;
  if (k & 8) f |= F_SF;
  if (k & 16) f |= F_OF;
  if (k & 1) f |= F_AF;
  return f;
}

#define SET(cc)                                                                                  \
  {                                                                                              \
    uint64_t r = 0x5a5a5a5a5a5a5a5aull, f;                                                       \
    unsigned char m = 0x77;                                                                      \
    __asm__ volatile(ASM_PRE "set" #cc " %b[r]\n\tset" #cc " (%[p])" ASM_POST                    \
                     : [r] "+r"(r), [fo] "=&r"(f)                                                \
                     : [p] "r"(&m), [fin] "r"(fin)                                               \
                     : "cc", "memory");                                                          \
    if ((r >> 8) != 0x5a5a5a5a5a5a5aull || (r & 0xfe) || ((f ^ fin) & (F_ALL | F_DF)) || m != (r & 0xff)) bad = 1;   \
    set[n] = (char)('0' + (r & 1));                                                              \
  }                                                                                              \
  n++;
#define CMOV(cc)                                                                                 \
  {                                                                                              \
    uint64_t a16 = 0x1111111111111111ull, a32 = a16, a64 = a16, m64 = a16, f;                    \
    uint64_t s = 0x2222222222222222ull, cell[1] = {s};                                           \
    __asm__ volatile(ASM_PRE "cmov" #cc " %w[s], %w[a16]\n\tcmov" #cc " %k[s], %k[a32]\n\t"      \
                             "cmov" #cc " %q[s], %q[a64]\n\tcmov" #cc " (%[p]), %q[m64]" ASM_POST \
                     : [a16] "+r"(a16), [a32] "+r"(a32), [a64] "+r"(a64), [m64] "+r"(m64),       \
                       [fo] "=&r"(f)                                                             \
                     : [s] "r"(s), [p] "r"(cell), [fin] "r"(fin)                                 \
                     : "cc", "memory");                                                          \
    if (((f ^ fin) & (F_ALL | F_DF))) bad = 1;                                                   \
    /* t: moved, n: not moved; anything else printed in full */                                  \
    char c16 = a16 == 0x1111111111112222ull ? 't' : a16 == 0x1111111111111111ull ? 'n' : 'X';    \
    char c32 = a32 == 0x22222222ull ? 't' : a32 == 0x11111111ull ? 'n' : 'X';                    \
    char c64 = a64 == s ? 't' : a64 == 0x1111111111111111ull ? 'n' : 'X';                        \
    char cm = m64 == s ? 't' : m64 == 0x1111111111111111ull ? 'n' : 'X';                         \
    printf(" %c%c%c%c", c16, c32, c64, cm);                                                      \
    if (c16 == 'X' || c32 == 'X' || c64 == 'X' || cm == 'X')                                     \
      printf("(%s/%s/%s/%s)", hx(a16, 64), hx(a32, 64), hx(a64, 64), hx(m64, 64));               \
  }
#define JCC(cc)                                                                                  \
  {                                                                                              \
    uint64_t r, f;                                                                               \
    __asm__ volatile(ASM_PRE "j" #cc " 1f\n\tmov $0, %k[r]\n\tjmp 2f\n1:\tmov $1, %k[r]\n2:"       \
                             "\n\tj" #cc " 3f\n\t.fill 200, 1, 0x90\n\tjmp 4f\n3:\tlea 2(%q[r]), %k[r]\n4:" \
                             ASM_POST                                                            \
                     : [r] "=&r"(r), [fo] "=&r"(f)                                               \
                     : [fin] "r"(fin)                                                            \
                     : "cc");                                                                    \
    if (((f ^ fin) & (F_ALL | F_DF)) || (r != 0 && r != 3)) bad = 1;                                                 \
    jcc[n] = (char)('0' + (r & 1));                                                              \
  }                                                                                              \
  n++;

static void conditions(void) {
  printf("conditions: o no b ae e ne be a s ns p np l ge le g\n");
  for (unsigned k = 0; k < 32; k++) {
    uint64_t fin = flags_of(k);
    char set[17] = {0}, jcc[17] = {0};
    int n = 0, bad = 0;
    CONDS(SET)
    n = 0;
    CONDS(JCC)
    printf("%s set=%s jcc=%s%s\n", flagstr(fin, F_ALL), set, jcc, bad ? " BAD" : "");
    printf("  cmov");
    CONDS(CMOV)
    printf("%s\n", bad ? " BAD" : "");
  }
}

static void loops(void) {
  const uint64_t counts[] = {0, 1, 2, 5, 0x100000003ull};
  for (unsigned i = 0; i < COUNT_OF(counts); i++) {
    uint64_t c = counts[i], iters = 0;
    /* loop: rcx is decremented first; with rcx 0 it runs 2^64 times, so 0 is skipped here. */
    if (c != 0 && c < 100) {
      __asm__ volatile("1:\tinc %[n]\n\tloop 1b" : "+c"(c), [n] "+r"(iters) : : "cc");
      printf("loop %" PRIu64 " -> iterations %" PRIu64 " rcx %" PRIu64 "\n", counts[i], iters, c);
    }
    /* jrcxz / jecxz: the 0x100000003 count has ecx 3 and rcx not zero; 0x100000000 has ecx 0. */
    uint64_t z64, z32;
    c = counts[i];
    __asm__ volatile("mov $0, %k0\n\tjrcxz 1f\n\tmov $1, %k0\n1:" : "=&r"(z64) : "c"(c));
    __asm__ volatile("mov $0, %k0\n\tjecxz 1f\n\tmov $1, %k0\n1:" : "=&r"(z32) : "c"(c));
    printf("jrcxz %s -> %s, jecxz -> %s\n", hx(c, 64), z64 ? "not taken" : "taken", z32 ? "not taken" : "taken");
  }
  uint64_t c = 0x100000000ull, z32;
  __asm__ volatile("mov $0, %k0\n\tjecxz 1f\n\tmov $1, %k0\n1:" : "=&r"(z32) : "c"(c));
  printf("jecxz 100000000 -> %s\n", z32 ? "not taken" : "taken");
  /* loope / loopne: stop on the count or on ZF. Counts down an array looking for a value. */
  const unsigned char hay[8] = {5, 5, 5, 7, 5, 5, 5, 5};
  for (int want = 5; want <= 7; want += 2) {
    uint64_t rcx = 8, idx = 0;
    __asm__ volatile("1:\tcmpb %b[w], (%[h],%[i])\n\tlea 1(%[i]), %[i]\n\tloope 1b"
                     : "+c"(rcx), [i] "+r"(idx)
                     : [w] "r"((uint64_t)want), [h] "r"(hay)
                     : "cc");
    printf("loope want %d -> rcx %" PRIu64 " idx %" PRIu64 "\n", want, rcx, idx);
    rcx = 8, idx = 0;
    __asm__ volatile("1:\tcmpb %b[w], (%[h],%[i])\n\tlea 1(%[i]), %[i]\n\tloopne 1b"
                     : "+c"(rcx), [i] "+r"(idx)
                     : [w] "r"((uint64_t)want), [h] "r"(hay)
                     : "cc");
    printf("loopne want %d -> rcx %" PRIu64 " idx %" PRIu64 "\n", want, rcx, idx);
  }
}

int main(void) {
  conditions();
  loops();
  return 0;
}
