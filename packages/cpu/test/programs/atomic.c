/*
 * Exchange and compare-exchange, with and without lock: xchg (register and
 * memory, every width; 87 C0 "xchg eax,eax" which zero-extends rax against 90
 * "nop" which does not), xadd, cmpxchg (success and failure, register and
 * memory destination, every width), cmpxchg8b and cmpxchg16b (success and
 * failure), and the lock-prefixed read-modify-write forms of add sub and or
 * xor inc dec neg not adc sbb bts btr btc.
 *
 * cmpxchg with 32-bit operands leaves in a 64-bit register a part the vendors
 * do not describe alike: after success the accumulator is not written (its
 * bits 63..32 stay on Intel), after failure the destination register is not
 * written. Only the low 32 bits of those are printed.
 * Flags of cmpxchg, cmpxchg8b/16b (ZF only is defined for those two) and xadd
 * are printed with the defined mask.
 */
#include "common.h"

#define UPPER 0xfedcba9876543210ull
static uint64_t filled(int bits, uint64_t v) {
  return bits == 64 ? v : (UPPER & ~((1ull << bits) - 1)) | v;
}
static uint64_t mask(int bits) { return bits == 64 ? ~0ull : (1ull << bits) - 1; }

static void exchange(void) {
  uint64_t x = 0xaaaaaaaa00000001ull, y = 0xbbbbbbbb00000002ull;
#define XCHG(MOD, bits)                                                                   \
  do {                                                                                    \
    uint64_t a = x, b = y, cell[1] = {y};                                                 \
    __asm__ volatile("xchg %" MOD "0, %" MOD "1" : "+r"(a), "+r"(b));                      \
    printf("xchg%d reg %s %s\n", bits, hx(a, 64), hx(b, 64));                             \
    a = x;                                                                                \
    __asm__ volatile("xchg %" MOD "0, (%1)" : "+r"(a) : "r"(cell) : "memory");            \
    printf("xchg%d mem %s %s\n", bits, hx(a, 64), hx(cell[0], 64));                       \
    a = x, cell[0] = y;                                                                   \
    __asm__ volatile("lock xchg %" MOD "0, (%1)" : "+r"(a) : "r"(cell) : "memory");       \
    printf("lock xchg%d mem %s %s\n", bits, hx(a, 64), hx(cell[0], 64));                  \
    a = x, b = y;                                                                         \
    __asm__ volatile("xchg %" MOD "0, %" MOD "1" : "+a"(a), "+r"(b));                      \
    printf("xchg%d acc %s %s\n", bits, hx(a, 64), hx(b, 64));                             \
  } while (0)
  XCHG("b", 8);
  XCHG("w", 16);
  XCHG("k", 32);
  XCHG("q", 64);
  uint64_t a = x;
  __asm__ volatile(".byte 0x87, 0xc0" : "+a"(a)); /* xchg eax, eax: writes eax, clears bits 63..32 */
  printf("87c0 %s\n", hx(a, 64));
  a = x;
  __asm__ volatile(".byte 0x90" : "+a"(a)); /* nop */
  printf("90 %s\n", hx(a, 64));
  a = x;
  register uint64_t r8 __asm__("r8") = y;
  __asm__ volatile(".byte 0x41, 0x90" : "+a"(a), "+r"(r8)); /* REX.B 90 is xchg eax, r8d, not a nop */
  printf("4190 rax=%s r8=%s\n", hx(a, 64), hx(r8, 64));
}

#define XADD(MOD, SUF, bits, LOCK)                                                            \
  do {                                                                                        \
    static const uint64_t v[] = {0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffffffff, ~0ull};  \
    for (unsigned i = 0; i < COUNT_OF(v); i++)                                                \
      for (unsigned j = 0; j < COUNT_OF(v); j++) {                                            \
        uint64_t a = filled(bits, v[i] & mask(bits)), b = filled(bits, v[j] & mask(bits));   \
        uint64_t cell[1] = {b}, fin = flags_in(i + j), f, fm, am = a;                         \
        __asm__ volatile(ASM_PRE "xadd %" MOD "[a], %" MOD "[b]" ASM_POST                     \
                         : [a] "+r"(a), [b] "+r"(b), [fo] "=&r"(f)                            \
                         : [fin] "r"(fin)                                                     \
                         : "cc");                                                             \
        __asm__ volatile(ASM_PRE LOCK "xadd" SUF " %" MOD "[a], (%[p])" ASM_POST              \
                         : [a] "+r"(am), [fo] "=&r"(fm)                                       \
                         : [p] "r"(cell), [fin] "r"(fin)                                      \
                         : "cc", "memory");                                                   \
        printf("%sxadd%d %s,%s -> %s %s %s mem %s %s %s\n", LOCK, bits, hx(v[i], bits),       \
               hx(v[j], bits), hx(a, 64), hx(b, 64), flagstr(f, F_ALL), hx(am, 64),           \
               hx(cell[0], 64), flagstr(fm, F_ALL));                                          \
      }                                                                                       \
  } while (0)

#define CMPXCHG(MOD, SUF, bits, LOCK)                                                         \
  do {                                                                                        \
    static const uint64_t v[] = {0, 1, 0x80, 0xffffffff, 0x8000000000000000ull, ~0ull};       \
    for (unsigned i = 0; i < COUNT_OF(v); i++)                                                \
      for (unsigned j = 0; j < COUNT_OF(v); j++) {                                            \
        /* accumulator v[i], destination v[j], source a pattern */                            \
        uint64_t acc = filled(bits, v[i] & mask(bits)), dst = filled(bits, v[j] & mask(bits)); \
        uint64_t src = 0x1122334455667788ull, fin = flags_in(i + j), f, fm;                   \
        uint64_t accm = acc, cell[1] = {dst};                                                 \
        int success = ((acc ^ dst) & mask(bits)) == 0;                                        \
        __asm__ volatile(ASM_PRE "cmpxchg %" MOD "[s], %" MOD "[d]" ASM_POST                  \
                         : "+a"(acc), [d] "+r"(dst), [fo] "=&r"(f)                            \
                         : [s] "r"(src), [fin] "r"(fin)                                       \
                         : "cc");                                                             \
        __asm__ volatile(ASM_PRE LOCK "cmpxchg" SUF " %" MOD "[s], (%[p])" ASM_POST           \
                         : "+a"(accm), [fo] "=&r"(fm)                                         \
                         : [s] "r"(src), [p] "r"(cell), [fin] "r"(fin)                        \
                         : "cc", "memory");                                                   \
        int quirk = bits == 32;                                                               \
        printf("%scmpxchg%d acc=%s dst=%s -> acc=%s dst=%s %s mem acc=%s dst=%s %s\n", LOCK,  \
               bits, hx(v[i], bits), hx(v[j], bits), hx(acc, quirk && success ? 32 : 64),     \
               hx(dst, quirk && !success ? 32 : 64), flagstr(f, F_ALL),                       \
               hx(accm, quirk && success ? 32 : 64), hx(cell[0], 64), flagstr(fm, F_ALL));    \
      }                                                                                       \
  } while (0)

static void cmpxchg_wide(void) {
  /* cmpxchg8b: edx:eax against m64; ecx:ebx stored on success, m64 loaded into edx:eax on failure. */
  static uint64_t cell8[2];
  for (int k = 0; k < 4; k++) {
    uint64_t old = k & 1 ? 0x8899aabbccddeeffull : 0x0123456789abcdefull;
    cell8[0] = 0x0123456789abcdefull;
    uint64_t rax = 0xffffffff00000000ull | (old & 0xffffffff), rdx = 0xeeeeeeee00000000ull | (old >> 32);
    uint64_t rbx = 0x5555555511112222ull, rcx = 0x6666666633334444ull, fin = flags_in(k), f;
    if (k & 2)
      __asm__ volatile(ASM_PRE "lock cmpxchg8b (%[p])" ASM_POST
                       : "+a"(rax), "+d"(rdx), [fo] "=&r"(f)
                       : "b"(rbx), "c"(rcx), [p] "r"(cell8), [fin] "r"(fin)
                       : "cc", "memory");
    else
      __asm__ volatile(ASM_PRE "cmpxchg8b (%[p])" ASM_POST
                       : "+a"(rax), "+d"(rdx), [fo] "=&r"(f)
                       : "b"(rbx), "c"(rcx), [p] "r"(cell8), [fin] "r"(fin)
                       : "cc", "memory");
    /* On success edx:eax are not written (their upper halves are not printed). */
    int success = !(k & 1);
    printf("%scmpxchg8b %s -> rax=%s rdx=%s m=%s %s\n", k & 2 ? "lock " : "", success ? "equal" : "differ",
           hx(rax, success ? 32 : 64), hx(rdx, success ? 32 : 64), hx(cell8[0], 64), flagstr(f, F_ZF));
  }
  static __attribute__((aligned(16))) uint64_t cell16[2];
  for (int k = 0; k < 4; k++) {
    cell16[0] = 0x0123456789abcdefull, cell16[1] = 0xfedcba9876543210ull;
    uint64_t rax = 0x0123456789abcdefull, rdx = k & 1 ? 0x1111111111111111ull : 0xfedcba9876543210ull;
    uint64_t rbx = 0x5555555511112222ull, rcx = 0x6666666633334444ull, fin = flags_in(k), f;
    if (k & 2)
      __asm__ volatile(ASM_PRE "lock cmpxchg16b (%[p])" ASM_POST
                       : "+a"(rax), "+d"(rdx), [fo] "=&r"(f)
                       : "b"(rbx), "c"(rcx), [p] "r"(cell16), [fin] "r"(fin)
                       : "cc", "memory");
    else
      __asm__ volatile(ASM_PRE "cmpxchg16b (%[p])" ASM_POST
                       : "+a"(rax), "+d"(rdx), [fo] "=&r"(f)
                       : "b"(rbx), "c"(rcx), [p] "r"(cell16), [fin] "r"(fin)
                       : "cc", "memory");
    printf("%scmpxchg16b %s -> rax=%s rdx=%s m=%s:%s %s\n", k & 2 ? "lock " : "", k & 1 ? "differ" : "equal",
           hx(rax, 64), hx(rdx, 64), hx(cell16[1], 64), hx(cell16[0], 64), flagstr(f, F_ZF));
  }
}

/* lock-prefixed read-modify-write instructions on memory. */
#define LOCKED2(op, SUF, MOD, bits, def)                                                  \
  do {                                                                                    \
    static const uint64_t v[] = {0, 1, 0x7f, 0x80, 0xffffffff, ~0ull};                   \
    for (unsigned i = 0; i < COUNT_OF(v); i++) {                                          \
      uint64_t cell[1] = {filled(bits, v[i] & mask(bits))}, s = v[(i + 2) % 6];          \
      uint64_t fin = flags_in(i), f;                                                      \
      __asm__ volatile(ASM_PRE "lock " #op SUF " %" MOD "[s], (%[p])" ASM_POST            \
                       : [fo] "=&r"(f)                                                    \
                       : [s] "r"(s), [p] "r"(cell), [fin] "r"(fin)                        \
                       : "cc", "memory");                                                 \
      printf("lock %s%d %s,%s -> %s %s\n", #op, bits, hx(v[i], bits), hx(s, bits),        \
             hx(cell[0], 64), flagstr(f, def));                                           \
    }                                                                                     \
  } while (0)
/* Bit offsets below 64 keep the access inside the 8-byte cell. */
#define LOCKED_BT(op, SUF, MOD, bits)                                                     \
  do {                                                                                    \
    static const uint64_t offs[] = {0, 1, 5, 15, 31, 63};                                 \
    for (unsigned i = 0; i < COUNT_OF(offs); i++) {                                       \
      uint64_t cell[1] = {0x00ff00ff0f0f5555ull}, fin = flags_in(i), f;                   \
      __asm__ volatile(ASM_PRE "lock " #op SUF " %" MOD "[s], (%[p])" ASM_POST            \
                       : [fo] "=&r"(f)                                                    \
                       : [s] "r"(offs[i]), [p] "r"(cell), [fin] "r"(fin)                  \
                       : "cc", "memory");                                                 \
      printf("lock %s%d %d -> %s %s\n", #op, bits, (int)offs[i], hx(cell[0], 64),         \
             flagstr(f, F_CF | F_ZF));                                                    \
    }                                                                                     \
  } while (0)
#define LOCKED1(op, SUF, bits)                                                            \
  do {                                                                                    \
    static const uint64_t v[] = {0, 1, 0x7f, 0x80, 0xffffffff, ~0ull};                   \
    for (unsigned i = 0; i < COUNT_OF(v); i++) {                                          \
      uint64_t cell[1] = {filled(bits, v[i] & mask(bits))}, fin = flags_in(i), f;        \
      __asm__ volatile(ASM_PRE "lock " #op SUF " (%[p])" ASM_POST                         \
                       : [fo] "=&r"(f)                                                    \
                       : [p] "r"(cell), [fin] "r"(fin)                                    \
                       : "cc", "memory");                                                 \
      printf("lock %s%d %s -> %s %s\n", #op, bits, hx(v[i], bits), hx(cell[0], 64),     \
             flagstr(f, F_ALL));                                                          \
    }                                                                                     \
  } while (0)
#define LOCKED_W2(op, def)                 \
  LOCKED2(op, "b", "b", 8, def);           \
  LOCKED2(op, "w", "w", 16, def);          \
  LOCKED2(op, "l", "k", 32, def);          \
  LOCKED2(op, "q", "q", 64, def)
#define LOCKED_W1(op)        \
  LOCKED1(op, "b", 8);       \
  LOCKED1(op, "w", 16);      \
  LOCKED1(op, "l", 32);      \
  LOCKED1(op, "q", 64)

int main(void) {
  exchange();
  XADD("b", "b", 8, "");
  XADD("w", "w", 16, "");
  XADD("k", "l", 32, "");
  XADD("q", "q", 64, "");
  XADD("k", "l", 32, "lock ");
  XADD("q", "q", 64, "lock ");
  CMPXCHG("b", "b", 8, "");
  CMPXCHG("w", "w", 16, "");
  CMPXCHG("k", "l", 32, "");
  CMPXCHG("q", "q", 64, "");
  CMPXCHG("b", "b", 8, "lock ");
  CMPXCHG("k", "l", 32, "lock ");
  CMPXCHG("q", "q", 64, "lock ");
  cmpxchg_wide();
  LOCKED_W2(add, F_ALL);
  LOCKED_W2(adc, F_ALL);
  LOCKED_W2(sub, F_ALL);
  LOCKED_W2(sbb, F_ALL);
  LOCKED_W2(and, F_ALL & ~F_AF);
  LOCKED_W2(or, F_ALL & ~F_AF);
  LOCKED_W2(xor, F_ALL & ~F_AF);
  LOCKED_BT(bts, "w", "w", 16);
  LOCKED_BT(btr, "l", "k", 32);
  LOCKED_BT(btc, "q", "q", 64);
  LOCKED_W1(inc);
  LOCKED_W1(dec);
  LOCKED_W1(neg);
  LOCKED_W1(not);
  return 0;
}
