/*
 * Shared helpers of the instruction test programs: flag names, the masks of
 * architecturally defined flags, and the inline-assembly frame that loads
 * RFLAGS before an instruction and captures it after.
 *
 * Output must be the same natively and under x86-run, so nothing printed may
 * depend on an address of the stack, the heap or an mmap (ASLR), nor on a flag
 * the architecture leaves undefined: undefined flags are printed as '?'.
 */
#ifndef XTEST_COMMON_H
#define XTEST_COMMON_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define F_CF 0x001ull
#define F_PF 0x004ull
#define F_AF 0x010ull
#define F_ZF 0x040ull
#define F_SF 0x080ull
#define F_DF 0x400ull
#define F_OF 0x800ull
/* The six status flags. */
#define F_ALL (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

/*
 * Load RFLAGS from the register operand %[fin] before the instruction and store
 * it in %[fo] after. The red zone (128 bytes below rsp, where gcc may keep a
 * leaf function's locals) is stepped over before pushing. `lea` leaves the
 * flags alone. Operands must be registers (an rsp-relative memory operand would
 * move with the pushes); memory operands are reached through a pointer register.
 */
#define ASM_PRE "lea -128(%%rsp), %%rsp\n\tpush %[fin]\n\tpopfq\n\t"
#define ASM_POST "\n\tpushfq\n\tpop %[fo]\n\tlea 128(%%rsp), %%rsp"

/* "OSZAPC": the letter when set, '.' when clear, '?' when undefined (not in `defined`). */
static inline const char *flagstr(uint64_t f, uint64_t defined) {
  static char ring[16][8];
  static unsigned next;
  char *b = ring[next++ & 15];
  static const struct {
    uint64_t bit;
    char c;
  } order[] = {{F_OF, 'O'}, {F_SF, 'S'}, {F_ZF, 'Z'}, {F_AF, 'A'}, {F_PF, 'P'}, {F_CF, 'C'}};
  for (int i = 0; i < 6; i++) b[i] = !(defined & order[i].bit) ? '?' : (f & order[i].bit) ? order[i].c : '.';
  b[6] = 0;
  return b;
}

/* Hexadecimal of the low `bits` bits of v, zero-padded to the width. */
static inline const char *hx(uint64_t v, int bits) {
  static char ring[16][20];
  static unsigned next;
  char *b = ring[next++ & 15];
  if (bits < 64) v &= (1ull << bits) - 1;
  snprintf(b, 20, "%0*" PRIx64, bits / 4, v);
  return b;
}

/* Flags fed in before an instruction: none, or every status flag (to see which it leaves alone). */
static inline uint64_t flags_in(unsigned k) { return (k & 1) ? (F_ALL | 2) : 2; }

/* Edge values of each width: 0, 1, 2, -1, -2, MIN, MIN+1, MAX, MAX-1 and alternating bit patterns. */
#define EDGE8 {0x00, 0x01, 0x02, 0xff, 0xfe, 0x80, 0x81, 0x7f, 0x7e, 0x55, 0xaa, 0x0f}
#define EDGE16 {0x0000, 0x0001, 0x0002, 0xffff, 0xfffe, 0x8000, 0x8001, 0x7fff, 0x7ffe, 0x5555, 0xaaaa, 0x00ff}
#define EDGE32                                                                                          \
  {0x00000000u, 0x00000001u, 0x00000002u, 0xffffffffu, 0xfffffffeu, 0x80000000u, 0x80000001u, \
   0x7fffffffu, 0x7ffffffeu, 0x55555555u, 0xaaaaaaaau, 0x0000ffffu}
#define EDGE64                                                                                  \
  {0x0000000000000000ull, 0x0000000000000001ull, 0x0000000000000002ull, 0xffffffffffffffffull, \
   0xfffffffffffffffeull, 0x8000000000000000ull, 0x8000000000000001ull, 0x7fffffffffffffffull, \
   0x7ffffffffffffffeull, 0x5555555555555555ull, 0xaaaaaaaaaaaaaaaaull, 0x00000000ffffffffull}
#define NEDGE 12

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

#endif
