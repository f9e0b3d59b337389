/*
 * Shifts and rotates at 8, 16, 32 and 64 bits: shl shr sar rol ror rcl rcr
 * (count in CL, the implicit count of 1 of opcode D1, immediate counts, and a
 * memory destination), shld and shrd (CL and immediate), with counts 0, 1, 2,
 * width-1, width, width+1, 31, 32, 63, 64, 255.
 *
 * The count is masked to 5 bits (6 for 64-bit operands): mc = count & 31|63.
 * Flags printed as '?' are those the architecture leaves undefined:
 *   mc == 0          nothing changes: every flag and the destination stay (all defined)
 *   shl shr sar      SF ZF PF defined; AF undefined; CF undefined when mc >= width
 *                    (8/16-bit operands only); OF defined only when mc == 1
 *   rol ror          SF ZF AF PF unchanged; CF defined except for 8/16-bit operands
 *                    when mc is a multiple of the width (rotation by 0 with mc != 0:
 *                    vendors disagree); OF defined only when mc == 1
 *   rcl rcr          SF ZF AF PF unchanged; CF defined; OF defined only when mc == 1
 *   shld shrd        CF SF ZF PF defined; AF undefined; OF only when mc == 1;
 *                    16-bit operands with mc > 16: result and all flags undefined
 * A 32-bit destination register is written even when mc == 0 (bits 63..32 cleared).
 */
#include "common.h"

#define UPPER 0xfedcba9876543210ull

enum { SHL, SHR, SAR, ROL, ROR, RCL, RCR, SHLD, SHRD };
static const char *const names[] = {"shl", "shr", "sar", "rol", "ror", "rcl", "rcr", "shld", "shrd"};

static uint64_t filled(int bits, uint64_t v) {
  return bits == 64 ? v : (UPPER & ~((1ull << bits) - 1)) | v;
}

/* Which flags are defined after `op` at `bits` with count `count` (see the header). */
static uint64_t defined(int op, int bits, unsigned count) {
  unsigned mc = count & (bits == 64 ? 63 : 31);
  if (mc == 0) return F_ALL;
  uint64_t d = 0;
  switch (op) {
    case SHL:
    case SHR:
    case SAR:
      d = F_SF | F_ZF | F_PF;
      if (mc < (unsigned)bits) d |= F_CF;
      break;
    case ROL:
    case ROR:
      d = F_SF | F_ZF | F_AF | F_PF;
      if (mc % bits != 0) d |= F_CF;
      break;
    case RCL:
    case RCR:
      d = F_SF | F_ZF | F_AF | F_PF | F_CF;
      break;
    case SHLD:
    case SHRD:
      if (mc > (unsigned)bits) return 0;
      d = F_SF | F_ZF | F_PF | F_CF;
      break;
  }
  if (mc == 1) d |= F_OF;
  return d;
}
static int result_defined(int op, int bits, unsigned count) {
  unsigned mc = count & (bits == 64 ? 63 : 31);
  return !((op == SHLD || op == SHRD) && mc > (unsigned)bits);
}

typedef uint64_t (*shfn)(uint64_t a, uint64_t b, uint64_t c, uint64_t fin, uint64_t *fo);

#define SH(op, MOD, SUF, W)                                                                         \
  static uint64_t op##W(uint64_t a, uint64_t b, uint64_t c, uint64_t fin, uint64_t *fo) {           \
    uint64_t f;                                                                                     \
    (void)b;                                                                                        \
    __asm__ volatile(ASM_PRE #op " %%cl, %" MOD "[a]" ASM_POST                                      \
                     : [a] "+r"(a), [fo] "=&r"(f)                                                   \
                     : "c"(c), [fin] "r"(fin)                                                       \
                     : "cc");                                                                       \
    *fo = f;                                                                                        \
    return a;                                                                                       \
  }                                                                                                 \
  static uint64_t op##W##_m(uint64_t a, uint64_t b, uint64_t c, uint64_t fin, uint64_t *fo) {       \
    uint64_t f, cell[1] = {a};                                                                      \
    (void)b;                                                                                        \
    __asm__ volatile(ASM_PRE #op SUF " %%cl, (%[p])" ASM_POST                                       \
                     : [fo] "=&r"(f)                                                                \
                     : "c"(c), [p] "r"(cell), [fin] "r"(fin)                                        \
                     : "cc", "memory");                                                             \
    *fo = f;                                                                                        \
    return cell[0];                                                                                 \
  }
#define SHD(op, MOD, SUF, W)                                                                        \
  static uint64_t op##W(uint64_t a, uint64_t b, uint64_t c, uint64_t fin, uint64_t *fo) {           \
    uint64_t f;                                                                                     \
    __asm__ volatile(ASM_PRE #op " %%cl, %" MOD "[b], %" MOD "[a]" ASM_POST                         \
                     : [a] "+r"(a), [fo] "=&r"(f)                                                   \
                     : [b] "r"(b), "c"(c), [fin] "r"(fin)                                           \
                     : "cc");                                                                       \
    *fo = f;                                                                                        \
    return a;                                                                                       \
  }                                                                                                 \
  static uint64_t op##W##_m(uint64_t a, uint64_t b, uint64_t c, uint64_t fin, uint64_t *fo) {       \
    uint64_t f, cell[1] = {a};                                                                      \
    __asm__ volatile(ASM_PRE #op SUF " %%cl, %" MOD "[b], (%[p])" ASM_POST                          \
                     : [fo] "=&r"(f)                                                                \
                     : [b] "r"(b), "c"(c), [p] "r"(cell), [fin] "r"(fin)                            \
                     : "cc", "memory");                                                             \
    *fo = f;                                                                                        \
    return cell[0];                                                                                 \
  }
#define WIDTHS(M, op) M(op, "b", "b", 8) M(op, "w", "w", 16) M(op, "k", "l", 32) M(op, "q", "q", 64)
#define WIDTHS_D(M, op) M(op, "w", "w", 16) M(op, "k", "l", 32) M(op, "q", "q", 64)
WIDTHS(SH, shl)
WIDTHS(SH, shr)
WIDTHS(SH, sar)
WIDTHS(SH, rol)
WIDTHS(SH, ror)
WIDTHS(SH, rcl)
WIDTHS(SH, rcr)
WIDTHS_D(SHD, shld)
WIDTHS_D(SHD, shrd)

static const shfn table[9][4] = {
    {shl8, shl16, shl32, shl64}, {shr8, shr16, shr32, shr64}, {sar8, sar16, sar32, sar64},
    {rol8, rol16, rol32, rol64}, {ror8, ror16, ror32, ror64}, {rcl8, rcl16, rcl32, rcl64},
    {rcr8, rcr16, rcr32, rcr64}, {0, shld16, shld32, shld64}, {0, shrd16, shrd32, shrd64},
};
static const shfn table_m[9][4] = {
    {shl8_m, shl16_m, shl32_m, shl64_m}, {shr8_m, shr16_m, shr32_m, shr64_m},
    {sar8_m, sar16_m, sar32_m, sar64_m}, {rol8_m, rol16_m, rol32_m, rol64_m},
    {ror8_m, ror16_m, ror32_m, ror64_m}, {rcl8_m, rcl16_m, rcl32_m, rcl64_m},
    {rcr8_m, rcr16_m, rcr32_m, rcr64_m}, {0, shld16_m, shld32_m, shld64_m},
    {0, shrd16_m, shrd32_m, shrd64_m},
};

static unsigned counts(int bits, unsigned *out) {
  const unsigned all[] = {0, 1, 2, bits - 1, bits, bits + 1, 31, 32, 63, 64, 255};
  unsigned n = 0;
  for (unsigned i = 0; i < COUNT_OF(all); i++) {
    int seen = 0;
    for (unsigned j = 0; j < n; j++) seen |= out[j] == all[i];
    if (!seen) out[n++] = all[i];
  }
  return n;
}

static void value_list(int bits, uint64_t *v) {
  uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1, top = 1ull << (bits - 1);
  v[0] = 0;
  v[1] = 1;
  v[2] = top;
  v[3] = top - 1;
  v[4] = mask;
  v[5] = 0x5555555555555555ull & mask;
  v[6] = top | 1;
  v[7] = (top | (top >> 1)) ^ 0x30;
}

static void print_row(const char *form, int op, int bits, uint64_t a, uint64_t b, unsigned c, uint64_t fin,
                      uint64_t r, uint64_t fo) {
  uint64_t d = defined(op, bits, c);
  printf("%s%d%s %s", names[op], bits, form, hx(a, bits));
  if (op >= SHLD) printf(",%s", hx(b, bits));
  printf(" c=%u f=%s -> %s %s\n", c, flagstr(fin, F_ALL), result_defined(op, bits, c) ? hx(r, 64) : "undefined",
         flagstr(fo, d));
}

static void by_cl(void) {
  for (int op = 0; op < 9; op++)
    for (int w = 0; w < 4; w++) {
      int bits = 8 << w;
      if (!table[op][w]) continue;
      unsigned cs[16], nc = counts(bits, cs);
      uint64_t v[8];
      value_list(bits, v);
      for (unsigned i = 0; i < 8; i++)
        for (unsigned k = 0; k < nc; k++) {
          uint64_t b = v[(i + 3) & 7], fin = flags_in(i + k), fo, fm;
          uint64_t r = table[op][w](filled(bits, v[i]), b, cs[k], fin, &fo);
          print_row("", op, bits, v[i], b, cs[k], fin, r, fo);
          if (i == 2 || i == 5) {
            uint64_t m = table_m[op][w](filled(bits, v[i]), b, cs[k], fin, &fm);
            print_row("mem", op, bits, v[i], b, cs[k], fin, m, fm);
          }
        }
    }
}

/* D1 /n: the count-of-one form without an immediate. */
#define ONE(op, OPN, MOD, bits)                                                                    \
  do {                                                                                             \
    uint64_t v[8];                                                                                 \
    value_list(bits, v);                                                                           \
    for (unsigned i = 0; i < 8; i++) {                                                             \
      uint64_t a = filled(bits, v[i]), fin = flags_in(i), f;                                       \
      __asm__ volatile(ASM_PRE #op " %" MOD "[a]" ASM_POST                                         \
                       : [a] "+r"(a), [fo] "=&r"(f)                                                \
                       : [fin] "r"(fin)                                                            \
                       : "cc");                                                                    \
      print_row("one", OPN, bits, v[i], 0, 1, fin, a, f);                                          \
    }                                                                                              \
  } while (0)
/* C1 /n ib: immediate counts. */
#define IMM(op, OPN, MOD, bits, N)                                                                 \
  do {                                                                                             \
    uint64_t v[8];                                                                                 \
    value_list(bits, v);                                                                           \
    for (unsigned i = 0; i < 8; i++) {                                                             \
      uint64_t a = filled(bits, v[i]), fin = flags_in(i), f;                                       \
      __asm__ volatile(ASM_PRE #op " %[n], %" MOD "[a]" ASM_POST                                   \
                       : [a] "+r"(a), [fo] "=&r"(f)                                                \
                       : [n] "i"(N), [fin] "r"(fin)                                                \
                       : "cc");                                                                    \
      print_row("imm", OPN, bits, v[i], 0, N, fin, a, f);                                          \
    }                                                                                              \
  } while (0)
#define IMMD(op, OPN, MOD, bits, N)                                                                \
  do {                                                                                             \
    uint64_t v[8];                                                                                 \
    value_list(bits, v);                                                                           \
    for (unsigned i = 0; i < 8; i++) {                                                             \
      uint64_t a = filled(bits, v[i]), b = v[(i + 5) & 7], fin = flags_in(i), f;                   \
      __asm__ volatile(ASM_PRE #op " %[n], %" MOD "[b], %" MOD "[a]" ASM_POST                      \
                       : [a] "+r"(a), [fo] "=&r"(f)                                                \
                       : [b] "r"(b), [n] "i"(N), [fin] "r"(fin)                                    \
                       : "cc");                                                                    \
      print_row("imm", OPN, bits, v[i], b, N, fin, a, f);                                          \
    }                                                                                              \
  } while (0)
#define ONE_ALL(op, OPN) \
  ONE(op, OPN, "b", 8);  \
  ONE(op, OPN, "w", 16); \
  ONE(op, OPN, "k", 32); \
  ONE(op, OPN, "q", 64)
#define IMM_ALL(op, OPN)     \
  IMM(op, OPN, "b", 8, 3);   \
  IMM(op, OPN, "b", 8, 7);   \
  IMM(op, OPN, "b", 8, 9);   \
  IMM(op, OPN, "w", 16, 15); \
  IMM(op, OPN, "w", 16, 17); \
  IMM(op, OPN, "k", 32, 0);  \
  IMM(op, OPN, "k", 32, 31); \
  IMM(op, OPN, "k", 32, 33); \
  IMM(op, OPN, "q", 64, 4);  \
  IMM(op, OPN, "q", 64, 63); \
  IMM(op, OPN, "q", 64, 64); \
  IMM(op, OPN, "q", 64, 255)

int main(void) {
  by_cl();
  ONE_ALL(shl, SHL);
  ONE_ALL(shr, SHR);
  ONE_ALL(sar, SAR);
  ONE_ALL(rol, ROL);
  ONE_ALL(ror, ROR);
  ONE_ALL(rcl, RCL);
  ONE_ALL(rcr, RCR);
  IMM_ALL(shl, SHL);
  IMM_ALL(shr, SHR);
  IMM_ALL(sar, SAR);
  IMM_ALL(rol, ROL);
  IMM_ALL(ror, ROR);
  IMM_ALL(rcl, RCL);
  IMM_ALL(rcr, RCR);
  IMMD(shld, SHLD, "w", 16, 4);
  IMMD(shld, SHLD, "w", 16, 16);
  IMMD(shld, SHLD, "k", 32, 1);
  IMMD(shld, SHLD, "k", 32, 13);
  IMMD(shld, SHLD, "q", 64, 63);
  IMMD(shld, SHLD, "q", 64, 0);
  IMMD(shrd, SHRD, "w", 16, 1);
  IMMD(shrd, SHRD, "w", 16, 9);
  IMMD(shrd, SHRD, "k", 32, 31);
  IMMD(shrd, SHRD, "q", 64, 1);
  IMMD(shrd, SHRD, "q", 64, 40);
  IMMD(shrd, SHRD, "q", 64, 127);
  return 0;
}
