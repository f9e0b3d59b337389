/*
 * popcnt (CPUID POPCNT), lzcnt (ABM/LZCNT) and tzcnt (BMI1) at 16, 32 and
 * 64 bits, register and memory source. Run only when the host has all three,
 * and under x86-run only with a CPUID profile that advertises them: without
 * LZCNT and BMI1 the same bytes (F3 0F BD, F3 0F BC) are rep bsr / rep bsf and
 * give other results, which is what an emulator must do for a profile that
 * lacks them.
 *
 * Flags: popcnt clears OF SF AF CF PF and sets ZF for a zero source (all
 * defined); lzcnt/tzcnt set CF for a zero source and ZF for a zero result,
 * OF SF AF PF are undefined ('?').
 */
#include "common.h"

#define UPPER 0xfedcba9876543210ull
#define CNT_DEF (F_CF | F_ZF)

#define OP(op, MOD, W)                                                                         \
  static uint64_t op##W(uint64_t s, uint64_t fin, uint64_t *fo) {                              \
    uint64_t d = UPPER, f;                                                                     \
    __asm__ volatile(ASM_PRE #op " %" MOD "[s], %" MOD "[d]" ASM_POST                          \
                     : [d] "+r"(d), [fo] "=&r"(f)                                              \
                     : [s] "r"(s), [fin] "r"(fin)                                              \
                     : "cc");                                                                  \
    *fo = f;                                                                                   \
    return d;                                                                                  \
  }                                                                                            \
  static uint64_t op##W##_m(uint64_t s, uint64_t fin, uint64_t *fo) {                          \
    uint64_t d = UPPER, f, cell[1] = {s};                                                      \
    __asm__ volatile(ASM_PRE #op " (%[p]), %" MOD "[d]" ASM_POST                               \
                     : [d] "+r"(d), [fo] "=&r"(f)                                              \
                     : [p] "r"(cell), [fin] "r"(fin)                                           \
                     : "cc", "memory");                                                        \
    *fo = f;                                                                                   \
    return d;                                                                                  \
  }
#define OPS(op) OP(op, "w", 16) OP(op, "k", 32) OP(op, "q", 64)
OPS(popcnt)
OPS(lzcnt)
OPS(tzcnt)

typedef uint64_t (*fn)(uint64_t, uint64_t, uint64_t *);
static const struct {
  const char *name;
  fn r[3], m[3];
  uint64_t defined;
} ops[] = {
    {"popcnt", {popcnt16, popcnt32, popcnt64}, {popcnt16_m, popcnt32_m, popcnt64_m}, F_ALL},
    {"lzcnt", {lzcnt16, lzcnt32, lzcnt64}, {lzcnt16_m, lzcnt32_m, lzcnt64_m}, CNT_DEF},
    {"tzcnt", {tzcnt16, tzcnt32, tzcnt64}, {tzcnt16_m, tzcnt32_m, tzcnt64_m}, CNT_DEF},
};

int main(void) {
  uint64_t values[40];
  unsigned n = 0;
  const uint64_t fixed[] = {0,
                            1,
                            ~0ull,
                            0x8000000000000000ull,
                            0x0000000080000000ull,
                            0x0000000000008000ull,
                            0x5555555555555555ull,
                            0x00000000ffff0000ull,
                            0x0001000000000000ull,
                            0x7fffffffffffffffull,
                            0xf0f0f0f000000000ull,
                            0x0000000100000000ull};
  for (unsigned i = 0; i < COUNT_OF(fixed); i++) values[n++] = fixed[i];
  for (int b = 3; b < 64; b += 7) values[n++] = (1ull << b) | (1ull << (b / 2));
  for (unsigned o = 0; o < COUNT_OF(ops); o++)
    for (int w = 0; w < 3; w++) {
      int bits = 16 << w;
      for (unsigned i = 0; i < n; i++) {
        uint64_t fin = flags_in(i), fo, fm;
        uint64_t r = ops[o].r[w](values[i], fin, &fo), m = ops[o].m[w](values[i], fin, &fm);
        printf("%s%d %s -> %s %s m %s %s\n", ops[o].name, bits, hx(values[i], bits), hx(r, 64),
               flagstr(fo, ops[o].defined), hx(m, 64), flagstr(fm, ops[o].defined));
      }
    }
  return 0;
}
