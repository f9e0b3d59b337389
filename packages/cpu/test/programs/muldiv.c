/*
 * Multiply and divide at 8, 16, 32 and 64 bits over edge values:
 * mul and imul with one operand (register and memory), imul with two
 * operands (register and memory source) and with three (imm8 and imm32),
 * div and idiv (register and memory divisor).
 *
 * rax and rdx hold a pattern above the operand width, so the output shows
 * which parts of them each width writes (8-bit: ax only; 16-bit: ax and dx;
 * 32-bit: both zero-extended).
 *
 * Undefined flags ('?'): SF ZF AF PF after mul and imul (CF and OF are
 * defined); every status flag after div and idiv, which are not printed.
 * Divisions that would raise #DE (divisor 0, quotient too large) are left out:
 * faults are tested by fault-divide.
 */
#include "common.h"

#define RAX_FILL 0x1111111111111111ull
#define RDX_FILL 0x2222222222222222ull

static const uint64_t e8[] = EDGE8, e16[] = EDGE16, e32[] = EDGE32, e64[] = EDGE64;
static const uint64_t *edges(int bits) {
  return bits == 8 ? e8 : bits == 16 ? e16 : bits == 32 ? e32 : e64;
}
static uint64_t filled(uint64_t fill, int bits, uint64_t v) {
  return bits == 64 ? v : (fill & ~((1ull << bits) - 1)) | v;
}
static int64_t sext(uint64_t v, int bits) {
  return bits == 64 ? (int64_t)v : (int64_t)(v << (64 - bits)) >> (64 - bits);
}
static uint64_t mask(int bits) { return bits == 64 ? ~0ull : (1ull << bits) - 1; }

#define MD_DEF (F_CF | F_OF)

/* One-operand forms: rdx:rax op src. */
#define ONE(op, MOD, SUF, W)                                                                   \
  static void op##W(uint64_t *rax, uint64_t *rdx, uint64_t s, uint64_t fin, uint64_t *fo) {    \
    uint64_t a = *rax, d = *rdx, f;                                                            \
    __asm__ volatile(ASM_PRE #op " %" MOD "[s]" ASM_POST                                       \
                     : "+a"(a), "+d"(d), [fo] "=&r"(f)                                         \
                     : [s] "r"(s), [fin] "r"(fin)                                              \
                     : "cc");                                                                  \
    *rax = a, *rdx = d, *fo = f;                                                               \
  }                                                                                            \
  static void op##W##_m(uint64_t *rax, uint64_t *rdx, uint64_t s, uint64_t fin, uint64_t *fo) { \
    uint64_t a = *rax, d = *rdx, f, cell[1] = {s};                                             \
    __asm__ volatile(ASM_PRE #op SUF " (%[p])" ASM_POST                                        \
                     : "+a"(a), "+d"(d), [fo] "=&r"(f)                                         \
                     : [p] "r"(cell), [fin] "r"(fin)                                           \
                     : "cc", "memory");                                                        \
    *rax = a, *rdx = d, *fo = f;                                                               \
  }
#define WIDTHS(M, op) M(op, "b", "b", 8) M(op, "w", "w", 16) M(op, "k", "l", 32) M(op, "q", "q", 64)
WIDTHS(ONE, mul)
WIDTHS(ONE, imul)
WIDTHS(ONE, div)
WIDTHS(ONE, idiv)

typedef void (*onefn)(uint64_t *, uint64_t *, uint64_t, uint64_t, uint64_t *);
static const onefn mul_r[] = {mul8, mul16, mul32, mul64}, mul_m[] = {mul8_m, mul16_m, mul32_m, mul64_m};
static const onefn imul_r[] = {imul8, imul16, imul32, imul64},
                   imul_m[] = {imul8_m, imul16_m, imul32_m, imul64_m};
static const onefn div_r[] = {div8, div16, div32, div64}, div_m[] = {div8_m, div16_m, div32_m, div64_m};
static const onefn idiv_r[] = {idiv8, idiv16, idiv32, idiv64},
                   idiv_m[] = {idiv8_m, idiv16_m, idiv32_m, idiv64_m};

/* Two-operand imul: reg *= reg/mem (16, 32, 64 bits). */
#define TWO(MOD, W)                                                                            \
  static uint64_t imul2_##W(uint64_t a, uint64_t b, uint64_t fin, uint64_t *fo) {              \
    uint64_t f;                                                                                \
    __asm__ volatile(ASM_PRE "imul %" MOD "[b], %" MOD "[a]" ASM_POST                          \
                     : [a] "+r"(a), [fo] "=&r"(f)                                              \
                     : [b] "r"(b), [fin] "r"(fin)                                              \
                     : "cc");                                                                  \
    *fo = f;                                                                                   \
    return a;                                                                                  \
  }                                                                                            \
  static uint64_t imul2m_##W(uint64_t a, uint64_t b, uint64_t fin, uint64_t *fo) {             \
    uint64_t f, cell[1] = {b};                                                                 \
    __asm__ volatile(ASM_PRE "imul (%[p]), %" MOD "[a]" ASM_POST                               \
                     : [a] "+r"(a), [fo] "=&r"(f)                                              \
                     : [p] "r"(cell), [fin] "r"(fin)                                           \
                     : "cc", "memory");                                                        \
    *fo = f;                                                                                   \
    return a;                                                                                  \
  }
TWO("w", 16)
TWO("k", 32)
TWO("q", 64)

static void one_operand(const char *name, const onefn *r, const onefn *m, int is_div, int is_signed) {
  for (int w = 0; w < 4; w++) {
    int bits = 8 << w;
    const uint64_t *e = edges(bits);
    for (unsigned i = 0; i < NEDGE; i++)
      for (unsigned j = 0; j < NEDGE; j++)
        for (unsigned h = 0; h < (is_div ? 3u : 1u); h++) {
          uint64_t lo = e[i], s = e[j], hi;
          /* The high half of the dividend: zero, the sign extension of lo, or a small value. */
          hi = h == 0 ? 0 : h == 1 ? (sext(lo, bits) < 0 ? mask(bits) : 0) : 1;
          if (is_div) {
            if ((s & mask(bits)) == 0) continue;
            int fits;
            if (is_signed) {
              __int128 n = ((__int128)sext(hi, bits) << bits) | (__int128)(lo & mask(bits));
              __int128 q = n / sext(s, bits);
              fits = q >= -((__int128)1 << (bits - 1)) && q < ((__int128)1 << (bits - 1));
            } else {
              unsigned __int128 n = ((unsigned __int128)hi << bits) | (lo & mask(bits));
              fits = n / (s & mask(bits)) <= mask(bits);
            }
            if (!fits) continue;
          }
          uint64_t rax, rdx, fo, fin = flags_in(i + j);
          if (bits == 8) {
            rax = filled(RAX_FILL, 16, (hi << 8) | lo);
            rdx = RDX_FILL;
          } else {
            rax = filled(RAX_FILL, bits, lo);
            rdx = filled(RDX_FILL, bits, hi);
          }
          uint64_t rax2 = rax, rdx2 = rdx, fo2;
          r[w](&rax, &rdx, s, fin, &fo);
          m[w](&rax2, &rdx2, s, fin, &fo2);
          printf("%s%d %s:%s,%s -> rax=%s rdx=%s", name, bits, hx(hi, bits), hx(lo, bits), hx(s, bits),
                 hx(rax, 64), hx(rdx, 64));
          if (!is_div) printf(" %s", flagstr(fo, MD_DEF));
          if (rax2 != rax || rdx2 != rdx || (!is_div && ((fo ^ fo2) & MD_DEF))) printf(" MEMORY FORM DIFFERS");
          printf("\n");
        }
  }
}

static void two_operand(void) {
  typedef uint64_t (*fn)(uint64_t, uint64_t, uint64_t, uint64_t *);
  const fn r[] = {imul2_16, imul2_32, imul2_64}, m[] = {imul2m_16, imul2m_32, imul2m_64};
  for (int w = 0; w < 3; w++) {
    int bits = 16 << w;
    const uint64_t *e = edges(bits);
    for (unsigned i = 0; i < NEDGE; i++)
      for (unsigned j = 0; j < NEDGE; j++) {
        uint64_t fin = flags_in(i + j), fo, fm;
        uint64_t a = filled(RAX_FILL, bits, e[i]);
        uint64_t x = r[w](a, e[j], fin, &fo), y = m[w](a, e[j], fin, &fm);
        printf("imul2_%d %s,%s -> %s %s m %s %s\n", bits, hx(e[i], bits), hx(e[j], bits), hx(x, 64),
               flagstr(fo, MD_DEF), hx(y, 64), flagstr(fm, MD_DEF));
      }
  }
}

/* Three-operand imul: dst = src * imm (6B /r ib and 69 /r iw/id). */
#define THREE(MOD, bits, imm)                                                                  \
  do {                                                                                         \
    const uint64_t *e = edges(bits);                                                           \
    for (unsigned i = 0; i < NEDGE; i++) {                                                     \
      uint64_t d = RDX_FILL, fin = flags_in(i), f;                                             \
      __asm__ volatile(ASM_PRE "imul %[im], %" MOD "[s], %" MOD "[d]" ASM_POST                 \
                       : [d] "+r"(d), [fo] "=&r"(f)                                            \
                       : [s] "r"(e[i]), [im] "i"(imm), [fin] "r"(fin)                          \
                       : "cc");                                                                \
      printf("imul3_%d %s,$%s -> %s %s\n", bits, hx(e[i], bits), #imm, hx(d, 64),              \
             flagstr(f, MD_DEF));                                                              \
    }                                                                                          \
  } while (0)
#define THREE_ALL(imm)      \
  THREE("w", 16, imm);      \
  THREE("k", 32, imm);      \
  THREE("q", 64, imm)

int main(void) {
  one_operand("mul", mul_r, mul_m, 0, 0);
  one_operand("imul", imul_r, imul_m, 0, 1);
  one_operand("div", div_r, div_m, 1, 0);
  one_operand("idiv", idiv_r, idiv_m, 1, 1);
  two_operand();
  THREE_ALL(0);
  THREE_ALL(1);
  THREE_ALL(-1);
  THREE_ALL(3);
  THREE_ALL(127);
  THREE_ALL(-128);
  THREE_ALL(0x1234);
  THREE_ALL(-0x7fff);
  THREE("k", 32, 0x12345678);
  THREE("q", 64, 0x12345678);
  THREE("k", 32, -0x80000000ll);
  THREE("q", 64, -0x80000000ll);
  THREE("q", 64, 0x7fffffff);
  return 0;
}
