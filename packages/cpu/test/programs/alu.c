/*
 * Integer ALU instructions at 8, 16, 32 and 64 bits over edge values, with the
 * flags they leave: add adc sub sbb cmp and or xor test (register, memory and
 * immediate forms, the accumulator short forms), inc dec neg not.
 *
 * The destination register holds a pattern in the bits above the operand
 * width, so the output also shows that 8- and 16-bit writes keep the upper
 * bits and 32-bit writes clear bits 63..32. Flags go in alternately all clear
 * and all set (all set for adc/sbb means CF=1), which shows the flags an
 * instruction leaves alone (CF for inc/dec, all for not).
 *
 * Undefined flags ('?'): AF after and/or/xor/test. Nothing else here.
 */
#include "common.h"

#define UPPER 0xfedcba9876543210ull

static const uint64_t e8[] = EDGE8, e16[] = EDGE16, e32[] = EDGE32, e64[] = EDGE64;
static const uint64_t *edges(int bits) {
  return bits == 8 ? e8 : bits == 16 ? e16 : bits == 32 ? e32 : e64;
}
/* The value v in the low `bits` of a register whose other bits hold a pattern. */
static uint64_t filled(int bits, uint64_t v) {
  return bits == 64 ? v : (UPPER & ~((1ull << bits) - 1)) | v;
}

typedef uint64_t (*binop)(uint64_t a, uint64_t b, uint64_t fin, uint64_t *fo);
typedef uint64_t (*unop)(uint64_t a, uint64_t fin, uint64_t *fo);

/* reg, reg */
#define BIN(op, MOD, W)                                                                        \
  static uint64_t op##W(uint64_t a, uint64_t b, uint64_t fin, uint64_t *fo) {                  \
    uint64_t f;                                                                                \
    __asm__ volatile(ASM_PRE #op " %" MOD "[b], %" MOD "[a]" ASM_POST                          \
                     : [a] "+r"(a), [fo] "=&r"(f)                                              \
                     : [b] "r"(b), [fin] "r"(fin)                                              \
                     : "cc");                                                                  \
    *fo = f;                                                                                   \
    return a;                                                                                  \
  }
/* mem, reg: the destination in memory */
#define BINM(op, SUF, MOD, W)                                                                  \
  static uint64_t op##W##_m(uint64_t a, uint64_t b, uint64_t fin, uint64_t *fo) {              \
    uint64_t f, cell[1] = {a};                                                                 \
    __asm__ volatile(ASM_PRE #op SUF " %" MOD "[b], (%[p])" ASM_POST                           \
                     : [fo] "=&r"(f)                                                           \
                     : [b] "r"(b), [p] "r"(cell), [fin] "r"(fin)                               \
                     : "cc", "memory");                                                        \
    *fo = f;                                                                                   \
    return cell[0];                                                                            \
  }
/* reg, mem: the source in memory */
#define BINR(op, SUF, MOD, W)                                                                  \
  static uint64_t op##W##_r(uint64_t a, uint64_t b, uint64_t fin, uint64_t *fo) {              \
    uint64_t f, cell[1] = {b};                                                                 \
    __asm__ volatile(ASM_PRE #op SUF " (%[p]), %" MOD "[a]" ASM_POST                           \
                     : [a] "+r"(a), [fo] "=&r"(f)                                              \
                     : [p] "r"(cell), [fin] "r"(fin)                                           \
                     : "cc", "memory");                                                        \
    *fo = f;                                                                                   \
    return a;                                                                                  \
  }
#define UN(op, MOD, W)                                                                         \
  static uint64_t op##W(uint64_t a, uint64_t fin, uint64_t *fo) {                              \
    uint64_t f;                                                                                \
    __asm__ volatile(ASM_PRE #op " %" MOD "[a]" ASM_POST : [a] "+r"(a), [fo] "=&r"(f) : [fin] "r"(fin) : "cc"); \
    *fo = f;                                                                                   \
    return a;                                                                                  \
  }
#define UNM(op, SUF, W)                                                                        \
  static uint64_t op##W##_m(uint64_t a, uint64_t fin, uint64_t *fo) {                          \
    uint64_t f, cell[1] = {a};                                                                 \
    __asm__ volatile(ASM_PRE #op SUF " (%[p])" ASM_POST                                        \
                     : [fo] "=&r"(f)                                                           \
                     : [p] "r"(cell), [fin] "r"(fin)                                           \
                     : "cc", "memory");                                                        \
    *fo = f;                                                                                   \
    return cell[0];                                                                            \
  }

#define ALL_WIDTHS(M, op) M(op, "b", 8) M(op, "w", 16) M(op, "k", 32) M(op, "q", 64)
#define ALL_WIDTHS_S(M, op) M(op, "b", "b", 8) M(op, "w", "w", 16) M(op, "l", "k", 32) M(op, "q", "q", 64)
#define ALL_WIDTHS_U(M, op) M(op, "b", 8) M(op, "w", 16) M(op, "l", 32) M(op, "q", 64)

#define BINOPS(X) X(add) X(adc) X(sub) X(sbb) X(cmp) X(and) X(or) X(xor) X(test)
#define DEF_BIN(op) ALL_WIDTHS(BIN, op) ALL_WIDTHS_S(BINM, op) ALL_WIDTHS_S(BINR, op)
BINOPS(DEF_BIN)
#define UNOPS(X) X(inc) X(dec) X(neg) X(not)
#define DEF_UN(op) ALL_WIDTHS(UN, op) ALL_WIDTHS_U(UNM, op)
UNOPS(DEF_UN)

struct binrow {
  const char *name;
  binop f[4], m[4], r[4];
  uint64_t defined;
  int carry_in; /* both CF=0 and CF=1 for every pair */
};
#define ROW(op, def, cin) {#op, {op##8, op##16, op##32, op##64}, {op##8_m, op##16_m, op##32_m, op##64_m}, \
                           {op##8_r, op##16_r, op##32_r, op##64_r}, def, cin}
static const struct binrow binops[] = {
    ROW(add, F_ALL, 0),          ROW(adc, F_ALL, 1),          ROW(sub, F_ALL, 0),
    ROW(sbb, F_ALL, 1),          ROW(cmp, F_ALL, 0),          ROW(and, F_ALL & ~F_AF, 0),
    ROW(or, F_ALL & ~F_AF, 0),   ROW(xor, F_ALL & ~F_AF, 0),  ROW(test, F_ALL & ~F_AF, 0),
};
struct unrow {
  const char *name;
  unop f[4], m[4];
};
#define UROW(op) {#op, {op##8, op##16, op##32, op##64}, {op##8_m, op##16_m, op##32_m, op##64_m}}
static const struct unrow unops[] = {UROW(inc), UROW(dec), UROW(neg), UROW(not)};

static void binary(void) {
  for (unsigned o = 0; o < COUNT_OF(binops); o++) {
    const struct binrow *op = &binops[o];
    for (int w = 0; w < 4; w++) {
      int bits = 8 << w;
      const uint64_t *e = edges(bits);
      for (unsigned i = 0; i < NEDGE; i++)
        for (unsigned j = 0; j < NEDGE; j++)
          for (unsigned k = 0; k < (op->carry_in ? 2u : 1u); k++) {
            uint64_t fin = flags_in(op->carry_in ? k : i + j), fo;
            uint64_t r = op->f[w](filled(bits, e[i]), e[j], fin, &fo);
            printf("%s%d %s,%s f=%s -> %s %s\n", op->name, bits, hx(e[i], bits), hx(e[j], bits),
                   flagstr(fin, F_ALL), hx(r, 64), flagstr(fo, op->defined));
          }
      /* Memory forms over the first six edge values. */
      for (unsigned i = 0; i < 6; i++)
        for (unsigned j = 0; j < 6; j++) {
          uint64_t fin = flags_in(i + j + 1), fm, fr;
          uint64_t m = op->m[w](filled(bits, e[i]), e[j], fin, &fm);
          uint64_t r = op->r[w](filled(bits, e[i]), e[j], fin, &fr);
          printf("%s%d mem %s,%s f=%s -> m %s %s r %s %s\n", op->name, bits, hx(e[i], bits), hx(e[j], bits),
                 flagstr(fin, F_ALL), hx(m, 64), flagstr(fm, op->defined), hx(r, 64), flagstr(fr, op->defined));
        }
    }
  }
}

static void unary(void) {
  for (unsigned o = 0; o < COUNT_OF(unops); o++)
    for (int w = 0; w < 4; w++) {
      int bits = 8 << w;
      const uint64_t *e = edges(bits);
      for (unsigned i = 0; i < NEDGE; i++)
        for (unsigned k = 0; k < 2; k++) {
          uint64_t fin = flags_in(k), fo, fm;
          uint64_t r = unops[o].f[w](filled(bits, e[i]), fin, &fo);
          uint64_t m = unops[o].m[w](filled(bits, e[i]), fin, &fm);
          printf("%s%d %s f=%s -> %s %s m %s %s\n", unops[o].name, bits, hx(e[i], bits), flagstr(fin, F_ALL),
                 hx(r, 64), flagstr(fo, F_ALL), hx(m, 64), flagstr(fm, F_ALL));
        }
    }
}

/*
 * Immediate forms: imm8 sign-extended (83 /n), full immediates (81 /n, 80 /n),
 * and with the accumulator ("a" constraint) the short forms 04/05/2c/3c/a8/...
 */
#define IMM(op, MOD, bits, imm, cons, def)                                                          \
  do {                                                                                              \
    const uint64_t *e = edges(bits);                                                                \
    for (unsigned i = 0; i < NEDGE; i++) {                                                          \
      uint64_t a = filled(bits, e[i]), fin = flags_in(i), f;                                        \
      __asm__ volatile(ASM_PRE #op " %[im], %" MOD "[a]" ASM_POST                                  \
                       : [a] cons(a), [fo] "=&r"(f)                                                 \
                       : [im] "i"(imm), [fin] "r"(fin)                                              \
                       : "cc");                                                                     \
      printf("%s%d%s $%s,%s f=%s -> %s %s\n", #op, bits, cons[1] == 'a' ? "acc" : "", #imm,         \
             hx(e[i], bits), flagstr(fin, F_ALL), hx(a, 64), flagstr(f, def));                     \
    }                                                                                               \
  } while (0)
#define IMM_W(op, imm, def)                \
  IMM(op, "b", 8, imm, "+r", def);         \
  IMM(op, "w", 16, imm, "+r", def);        \
  IMM(op, "k", 32, imm, "+r", def);        \
  IMM(op, "q", 64, imm, "+r", def);        \
  IMM(op, "b", 8, imm, "+a", def);         \
  IMM(op, "w", 16, imm, "+a", def);        \
  IMM(op, "k", 32, imm, "+a", def);        \
  IMM(op, "q", 64, imm, "+a", def)
#define IMM_ALL(op, def) \
  IMM_W(op, 1, def);     \
  IMM_W(op, -1, def);    \
  IMM_W(op, 127, def);   \
  IMM_W(op, -128, def)

static void immediates(void) {
  IMM_ALL(add, F_ALL);
  IMM_ALL(adc, F_ALL);
  IMM_ALL(sub, F_ALL);
  IMM_ALL(sbb, F_ALL);
  IMM_ALL(cmp, F_ALL);
  IMM_ALL(and, F_ALL & ~F_AF);
  IMM_ALL(or, F_ALL & ~F_AF);
  IMM_ALL(xor, F_ALL & ~F_AF);
  IMM_ALL(test, F_ALL & ~F_AF);
  /* Full-width immediates (imm16/imm32, sign-extended to 64 bits). */
  IMM(add, "w", 16, 0x1234, "+r", F_ALL);
  IMM(add, "k", 32, 0x12345678, "+r", F_ALL);
  IMM(add, "q", 64, 0x12345678, "+r", F_ALL);
  IMM(sub, "q", 64, -0x12345678, "+r", F_ALL);
  IMM(and, "q", 64, -0x10000000, "+r", F_ALL & ~F_AF);
  IMM(and, "q", 64, 0x7fffffff, "+a", F_ALL & ~F_AF);
  IMM(cmp, "q", 64, -0x80000000ll, "+a", F_ALL);
  IMM(xor, "k", 32, -0x80000000ll, "+r", F_ALL & ~F_AF);
  IMM(or, "w", 16, 0x8000, "+a", F_ALL & ~F_AF);
  IMM(test, "k", 32, 0x80000000u, "+a", F_ALL & ~F_AF);
}

int main(void) {
  binary();
  unary();
  immediates();
  return 0;
}
