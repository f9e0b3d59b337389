/*
 * Bit instructions: bt bts btr btc on registers (bit offset in a register,
 * taken modulo the width, and as an immediate) and on memory (register bit
 * offsets are signed and reach outside the addressed operand: big positive
 * and negative offsets; immediate offsets are taken modulo the width), bsf
 * and bsr (16/32/64), bswap (32/64).
 *
 * Undefined flags ('?'): OF SF AF PF after bt*, ZF is left alone by bt*
 * (defined); CF OF SF AF PF after bsf/bsr, only ZF is defined.
 * bsf/bsr with a zero source set ZF and, on real hardware, leave the
 * destination unchanged (Intel documents it as undefined, AMD as unchanged;
 * both processors keep it). For the 32-bit form only the low 32 bits of
 * that unchanged destination are printed: whether bits 63..32 are cleared is
 * not something the vendors agree on in writing (Intel keeps them).
 * bswap of a 16-bit register is undefined and not tested.
 */
#include "common.h"

#define BT_DEF (F_CF | F_ZF)
#define BS_DEF F_ZF
#define UPPER 0xfedcba9876543210ull

static uint64_t filled(int bits, uint64_t v) {
  return bits == 64 ? v : (UPPER & ~((1ull << bits) - 1)) | v;
}

#define BTR(op, MOD, W)                                                                        \
  static uint64_t op##W(uint64_t a, uint64_t b, uint64_t fin, uint64_t *fo) {                  \
    uint64_t f;                                                                                \
    __asm__ volatile(ASM_PRE #op " %" MOD "[b], %" MOD "[a]" ASM_POST                          \
                     : [a] "+r"(a), [fo] "=&r"(f)                                              \
                     : [b] "r"(b), [fin] "r"(fin)                                              \
                     : "cc");                                                                  \
    *fo = f;                                                                                   \
    return a;                                                                                  \
  }
#define BTM(op, SUF, MOD, W)                                                                   \
  static void op##W##_m(unsigned char *p, uint64_t b, uint64_t fin, uint64_t *fo) {            \
    uint64_t f;                                                                                \
    __asm__ volatile(ASM_PRE #op SUF " %" MOD "[b], (%[p])" ASM_POST                           \
                     : [fo] "=&r"(f)                                                           \
                     : [b] "r"(b), [p] "r"(p), [fin] "r"(fin)                                  \
                     : "cc", "memory");                                                        \
    *fo = f;                                                                                   \
  }
#define BTW(M, op) M(op, "w", 16) M(op, "k", 32) M(op, "q", 64)
#define BTWM(M, op) M(op, "w", "w", 16) M(op, "l", "k", 32) M(op, "q", "q", 64)
#define BTOPS(X) X(bt) X(bts) X(btr) X(btc)
#define DEF_BT(op) BTW(BTR, op) BTWM(BTM, op)
BTOPS(DEF_BT)

typedef uint64_t (*btreg)(uint64_t, uint64_t, uint64_t, uint64_t *);
typedef void (*btmem)(unsigned char *, uint64_t, uint64_t, uint64_t *);
static const struct {
  const char *name;
  btreg r[3];
  btmem m[3];
} btops[] = {
    {"bt", {bt16, bt32, bt64}, {bt16_m, bt32_m, bt64_m}},
    {"bts", {bts16, bts32, bts64}, {bts16_m, bts32_m, bts64_m}},
    {"btr", {btr16, btr32, btr64}, {btr16_m, btr32_m, btr64_m}},
    {"btc", {btc16, btc32, btc64}, {btc16_m, btc32_m, btc64_m}},
};

static void bt_register(void) {
  const uint64_t values[] = {0, ~0ull, 0x8000000000000001ull, 0x5555555555555555ull};
  const uint64_t offsets[] = {0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 0xffffffffffffff00ull + 0xbf};
  for (unsigned o = 0; o < 4; o++)
    for (int w = 0; w < 3; w++) {
      int bits = 16 << w;
      for (unsigned i = 0; i < COUNT_OF(values); i++)
        for (unsigned k = 0; k < COUNT_OF(offsets); k++) {
          uint64_t fin = flags_in(i + k), fo;
          uint64_t r = btops[o].r[w](filled(bits, values[i] & ((bits == 64) ? ~0ull : (1ull << bits) - 1)),
                                     offsets[k], fin, &fo);
          printf("%s%d %s,%s f=%s -> %s %s\n", btops[o].name, bits, hx(values[i], bits), hx(offsets[k], 64),
                 flagstr(fin, F_ALL), hx(r, 64), flagstr(fo, BT_DEF));
        }
    }
}

/* 64 bytes of memory, addressed from its middle so that negative offsets stay inside it. */
static unsigned char area[64];
static void fill_area(void) {
  for (int i = 0; i < 64; i++) area[i] = (unsigned char)(i * 37 + 11);
}
static void print_changes(const unsigned char *before) {
  for (int i = 0; i < 64; i++)
    if (area[i] != before[i]) printf(" [%d]=%02x", i - 32, area[i]);
}

static void bt_memory(void) {
  /* Offsets in bits from &area[32]; in the 16-bit form only the low 16 bits count
   * (0x1ffff0 is -16), in the 32-bit form only the low 32 (0x7fffffff00000007 is 7). */
  const uint64_t offsets[] = {0,   1,   7,   8,   15,  16,  31,  32,  63,  64,  200, 255, -1ull,
                              -8ull, -9ull, -17ull, -33ull, -65ull, -200ull, -256ull, 0x1fff0ull, 0x7fffffff00000007ull};
  for (unsigned o = 0; o < 4; o++)
    for (int w = 0; w < 3; w++) {
      int bits = 16 << w;
      for (unsigned k = 0; k < COUNT_OF(offsets); k++) {
        int64_t off = bits == 16 ? (int16_t)offsets[k] : bits == 32 ? (int32_t)offsets[k] : (int64_t)offsets[k];
        if (off < -256 || off > 255) continue;
        unsigned char before[64];
        fill_area();
        memcpy(before, area, 64);
        uint64_t fin = flags_in(k), fo;
        btops[o].m[w](area + 32, offsets[k], fin, &fo);
        printf("%s%d mem %s f=%s -> %s", btops[o].name, bits, hx(offsets[k], 64), flagstr(fin, F_ALL),
               flagstr(fo, BT_DEF));
        print_changes(before);
        printf("\n");
      }
    }
}

/* Immediate bit offsets (0F BA /4../7 ib), taken modulo the operand width, also for memory. */
#define BTI(op, MOD, SUF, bits, N)                                                                  \
  do {                                                                                              \
    unsigned char before[64];                                                                       \
    uint64_t a = filled(bits, 0x5555555555555555ull & ((bits == 64) ? ~0ull : (1ull << bits) - 1)); \
    uint64_t fin = flags_in(N), f, fm;                                                              \
    __asm__ volatile(ASM_PRE #op " %[n], %" MOD "[a]" ASM_POST                                      \
                     : [a] "+r"(a), [fo] "=&r"(f)                                                   \
                     : [n] "i"(N), [fin] "r"(fin)                                                   \
                     : "cc");                                                                       \
    fill_area();                                                                                    \
    memcpy(before, area, 64);                                                                       \
    __asm__ volatile(ASM_PRE #op SUF " %[n], (%[p])" ASM_POST                                       \
                     : [fo] "=&r"(fm)                                                               \
                     : [n] "i"(N), [p] "r"(area + 32), [fin] "r"(fin)                               \
                     : "cc", "memory");                                                             \
    printf("%s%d $%d -> %s %s mem %s", #op, bits, N, hx(a, 64), flagstr(f, BT_DEF),                 \
           flagstr(fm, BT_DEF));                                                                    \
    print_changes(before);                                                                          \
    printf("\n");                                                                                   \
  } while (0)
#define BTI_ALL(op)                 \
  BTI(op, "w", "w", 16, 0);         \
  BTI(op, "w", "w", 16, 3);         \
  BTI(op, "w", "w", 16, 18);        \
  BTI(op, "k", "l", 32, 2);         \
  BTI(op, "k", "l", 32, 31);        \
  BTI(op, "k", "l", 32, 35);        \
  BTI(op, "q", "q", 64, 0);         \
  BTI(op, "q", "q", 64, 62);        \
  BTI(op, "q", "q", 64, 63);        \
  BTI(op, "q", "q", 64, 100);       \
  BTI(op, "q", "q", 64, 255)

#define BS(op, MOD, W)                                                                         \
  static uint64_t op##W(uint64_t d, uint64_t s, uint64_t fin, uint64_t *fo) {                  \
    uint64_t f;                                                                                \
    __asm__ volatile(ASM_PRE #op " %" MOD "[s], %" MOD "[d]" ASM_POST                          \
                     : [d] "+r"(d), [fo] "=&r"(f)                                              \
                     : [s] "r"(s), [fin] "r"(fin)                                              \
                     : "cc");                                                                  \
    *fo = f;                                                                                   \
    return d;                                                                                  \
  }                                                                                            \
  static uint64_t op##W##_m(uint64_t d, uint64_t s, uint64_t fin, uint64_t *fo) {              \
    uint64_t f, cell[1] = {s};                                                                 \
    __asm__ volatile(ASM_PRE #op " (%[p]), %" MOD "[d]" ASM_POST                               \
                     : [d] "+r"(d), [fo] "=&r"(f)                                              \
                     : [p] "r"(cell), [fin] "r"(fin)                                           \
                     : "cc", "memory");                                                        \
    *fo = f;                                                                                   \
    return d;                                                                                  \
  }
BS(bsf, "w", 16)
BS(bsf, "k", 32)
BS(bsf, "q", 64)
BS(bsr, "w", 16)
BS(bsr, "k", 32)
BS(bsr, "q", 64)

static void bit_scan(void) {
  typedef uint64_t (*fn)(uint64_t, uint64_t, uint64_t, uint64_t *);
  const struct {
    const char *name;
    fn r[3], m[3];
  } ops[] = {{"bsf", {bsf16, bsf32, bsf64}, {bsf16_m, bsf32_m, bsf64_m}},
             {"bsr", {bsr16, bsr32, bsr64}, {bsr16_m, bsr32_m, bsr64_m}}};
  uint64_t values[80];
  unsigned n = 0;
  const uint64_t fixed[] = {0, 1, 2, 3, ~0ull, 0x8000000000000000ull, 0x8000000000000001ull, 0x0000000100000000ull,
                            0x00000000ffff0000ull, 0x5555555555555555ull, 0xaaaaaaaaaaaaaaaaull, 0x0001000000008000ull,
                            0xffff000000000000ull, 0x00000000000f0000ull, 0x7fffffffffffffffull};
  for (unsigned i = 0; i < COUNT_OF(fixed); i++) values[n++] = fixed[i];
  for (int b = 0; b < 64; b += 5) values[n++] = 1ull << b;
  for (unsigned o = 0; o < 2; o++)
    for (int w = 0; w < 3; w++) {
      int bits = 16 << w;
      for (unsigned i = 0; i < n; i++) {
        uint64_t s = values[i] & (bits == 64 ? ~0ull : (1ull << bits) - 1);
        uint64_t fin = flags_in(i), fo, fm;
        uint64_t d = ops[o].r[w](UPPER, s, fin, &fo);
        uint64_t m = ops[o].m[w](UPPER, s, fin, &fm);
        int shown = bits == 32 && s == 0 ? 32 : 64;
        printf("%s%d %s -> %s %s m %s %s\n", ops[o].name, bits, hx(s, bits), hx(d, shown), flagstr(fo, BS_DEF),
               hx(m, shown), flagstr(fm, BS_DEF));
      }
    }
}

static void byte_swap(void) {
  const uint64_t values[] = {0, 1, 0x0123456789abcdefull, 0xff00000000000080ull, ~0ull, 0x8000000000000000ull};
  for (unsigned i = 0; i < COUNT_OF(values); i++) {
    uint64_t a = values[i], b = values[i];
    __asm__("bswap %q0" : "+r"(a));
    __asm__("bswap %k0" : "+r"(b));
    printf("bswap %s -> q %s k %s\n", hx(values[i], 64), hx(a, 64), hx(b, 64));
  }
  /* r8..r15 need REX.B: force one. */
  uint64_t x = 0x1122334455667788ull;
  __asm__("mov %0, %%r9\n\tbswap %%r9\n\tmov %%r9, %0" : "+r"(x) : : "r9");
  printf("bswap r9 -> %s\n", hx(x, 64));
}

int main(void) {
  bt_register();
  bt_memory();
  BTI_ALL(bt);
  BTI_ALL(bts);
  BTI_ALL(btr);
  BTI_ALL(btc);
  bit_scan();
  byte_swap();
  return 0;
}
