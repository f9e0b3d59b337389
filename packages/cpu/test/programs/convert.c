/*
 * Moves and sign/zero extension: movzx and movsx (8->16/32/64, 16->32/64,
 * register and memory source), movsxd (32->64), cbw cwde cdqe cwd cdq cqo,
 * plain mov at every width (8/16-bit writes merge, 32-bit writes clear bits
 * 63..32, sign-extended imm32 against movabs imm64), and the legacy high-byte
 * registers ah ch dh bh (only without a REX prefix).
 */
#include "common.h"

#define UPPER 0xfedcba9876543210ull

static const uint64_t values[] = {0,    1,    0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
                                  0xffffffff, 0x123456789abcdef0ull, 0x8000000000000000ull, ~0ull};

#define EXT(insn, SMOD, DMOD, name)                                                      \
  do {                                                                                   \
    for (unsigned i = 0; i < COUNT_OF(values); i++) {                                    \
      uint64_t d = UPPER, m = UPPER, cell[1] = {values[i]};                              \
      __asm__(insn " %" SMOD "1, %" DMOD "0" : "+r"(d) : "r"(values[i]));                \
      __asm__(insn " (%1), %" DMOD "0" : "+r"(m) : "r"(cell), "m"(cell[0]));             \
      printf("%s %s -> %s mem %s\n", name, hx(values[i], 64), hx(d, 64), hx(m, 64));     \
    }                                                                                    \
  } while (0)

static void extensions(void) {
  EXT("movzbw", "b", "w", "movzx8_16");
  EXT("movzbl", "b", "k", "movzx8_32");
  EXT("movzbq", "b", "q", "movzx8_64");
  EXT("movzwl", "w", "k", "movzx16_32");
  EXT("movzwq", "w", "q", "movzx16_64");
  EXT("movsbw", "b", "w", "movsx8_16");
  EXT("movsbl", "b", "k", "movsx8_32");
  EXT("movsbq", "b", "q", "movsx8_64");
  EXT("movswl", "w", "k", "movsx16_32");
  EXT("movswq", "w", "q", "movsx16_64");
  EXT("movslq", "k", "q", "movsxd");
  EXT("mov", "b", "b", "mov8");
  EXT("mov", "w", "w", "mov16");
  EXT("mov", "k", "k", "mov32");
  EXT("mov", "q", "q", "mov64");
}

static void accumulator(void) {
  for (unsigned i = 0; i < COUNT_OF(values); i++) {
    uint64_t v = values[i];
    uint64_t a1 = v, a2 = v, a3 = v, a4 = v, d4 = UPPER, a5 = v, d5 = UPPER, a6 = v, d6 = UPPER;
    __asm__("cbtw" : "+a"(a1));
    __asm__("cwtl" : "+a"(a2));
    __asm__("cltq" : "+a"(a3));
    __asm__("cwtd" : "+a"(a4), "+d"(d4));
    __asm__("cltd" : "+a"(a5), "+d"(d5));
    __asm__("cqto" : "+a"(a6), "+d"(d6));
    printf("%s cbw %s cwde %s cdqe %s cwd %s:%s cdq %s:%s cqo %s:%s\n", hx(v, 64), hx(a1, 64), hx(a2, 64),
           hx(a3, 64), hx(d4, 64), hx(a4, 64), hx(d5, 64), hx(a5, 64), hx(d6, 64), hx(a6, 64));
  }
}

static void immediates(void) {
  uint64_t r[8];
  __asm__("mov $-1, %q0" : "=r"(r[0])); /* c7 /0 id, sign-extended */
  __asm__("movabs $0x8000000000000000, %q0" : "=r"(r[1]));
  __asm__("mov $0x80000000, %k0" : "=r"(r[2])); /* b8+r id, zero-extended */
  r[3] = UPPER;
  __asm__("mov $0x81, %b0" : "+r"(r[3]));
  r[4] = UPPER;
  __asm__("mov $0x8001, %w0" : "+r"(r[4]));
  r[5] = UPPER;
  __asm__("movl $-2, %k0" : "+r"(r[5]));
  r[6] = UPPER;
  __asm__(".byte 0x48, 0xc7, 0xc0, 0x00, 0x00, 0x00, 0x80" : "+a"(r[6])); /* mov rax, imm32 0x80000000 (c7) */
  r[7] = UPPER;
  __asm__(".byte 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 0x88" : "+a"(r[7])); /* movabs rax, imm64 */
  for (int i = 0; i < 8; i++) printf("imm%d %s\n", i, hx(r[i], 64));
}

/* ah ch dh bh: encodable only without REX. Written out so the compiler cannot pick other registers. */
static void high_bytes(void) {
  uint64_t a = 0x1111111111112233ull, b = 0x4444444444445566ull, c = 0x7777777777778899ull,
           d = 0xaaaaaaaaaaaabbccull;
  __asm__("xchg %%ah, %%bh\n\t"
          "mov %%ch, %%dl\n\t"
          "add %%dh, %%ah\n\t"
          "movzbl %%bh, %%ecx"
          : "+a"(a), "+b"(b), "+c"(c), "+d"(d)
          :
          : "cc");
  printf("high bytes rax=%s rbx=%s rcx=%s rdx=%s\n", hx(a, 64), hx(b, 64), hx(c, 64), hx(d, 64));
  uint64_t e = 0x0123456789abcdefull, s1, s2;
  __asm__("movsbl %%ah, %%ecx" : "=c"(s1) : "a"(e));
  __asm__("movzbw %%ah, %%dx" : "=d"(s2) : "a"(e), "d"(UPPER));
  printf("movsx ah %s movzx ah %s\n", hx(s1, 64), hx(s2, 64));
  /* 88 e0 is "mov %ah, %al"; with a REX prefix (40 88 e0) the same bytes mean "mov %spl, %al". */
  uint64_t x = 0x1122334455667788ull;
  __asm__(".byte 0x88, 0xe0" : "+a"(x));
  printf("88e0 %s\n", hx(x, 64));
}

int main(void) {
  extensions();
  accumulator();
  immediates();
  high_bytes();
  return 0;
}
