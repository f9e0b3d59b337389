/*
 * SSE4.2 (compiled with -msse4.2; run only when the host has it and, under
 * x86-run, only with a CPUID profile that advertises it; glibc picks its
 * strcspn/strspn/strpbrk and some strcmp variants with pcmpistri when CPUID
 * says SSE4.2): pcmpistri pcmpestri pcmpistrm pcmpestrm over the four
 * aggregation modes, byte and word elements, signed and unsigned, polarity
 * and index selection, with the flags they set (CF ZF SF OF; AF PF cleared);
 * crc32 of bytes, words, doublewords and quadwords; pcmpgtq.
 */
#include "common.h"
#include <nmmintrin.h>

static void pv(const char *label, __m128i v) {
  uint64_t q[2];
  memcpy(q, &v, 16);
  printf("%s %016" PRIx64 "%016" PRIx64 "\n", label, q[1], q[0]);
}

static __m128i load(const char *s) {
  char b[16] = {0};
  memcpy(b, s, strlen(s) < 16 ? strlen(s) : 16);
  __m128i v;
  memcpy(&v, b, 16);
  __asm__("" : "+x"(v));
  return v;
}

/* imm8 values covering the modes: equal any, ranges, equal each, equal ordered; masks and index choice. */
#define MODES(X)  \
  X(0x00) X(0x04) X(0x08) X(0x0c) X(0x10) X(0x30) X(0x40) X(0x44) X(0x4c) X(0x01) X(0x0d) X(0x02) X(0x1a) \
  X(0x38) X(0x6c)

#define ISTRI(imm)                                                                                  \
  {                                                                                                 \
    uint64_t idx, f, fin = flags_in(k);                                                             \
    __asm__ volatile(ASM_PRE "pcmpistri $" #imm ", %[b], %[a]" ASM_POST                             \
                     : "=c"(idx), [fo] "=&r"(f)                                                     \
                     : [a] "x"(a), [b] "x"(b), [fin] "r"(fin)                                       \
                     : "cc");                                                                       \
    printf("pcmpistri $%02x %d -> ecx=%" PRIu64 " %s\n", imm, k, idx, flagstr(f, F_ALL));           \
    __m128i m;                                                                                      \
    __asm__ volatile(ASM_PRE "pcmpistrm $" #imm ", %[b], %[a]\n\tmovdqa %%xmm0, %[m]" ASM_POST      \
                     : [m] "=x"(m), [fo] "=&r"(f)                                                   \
                     : [a] "x"(a), [b] "x"(b), [fin] "r"(fin)                                       \
                     : "cc", "xmm0");                                                               \
    printf("pcmpistrm $%02x %d -> %s ", imm, k, flagstr(f, F_ALL));                                 \
    pv("", m);                                                                                      \
    __asm__ volatile(ASM_PRE "pcmpestri $" #imm ", %[b], %[a]" ASM_POST                             \
                     : "=c"(idx), [fo] "=&r"(f)                                                     \
                     : [a] "x"(a), [b] "x"(b), "a"(la), "d"(lb), [fin] "r"(fin)                     \
                     : "cc");                                                                       \
    printf("pcmpestri $%02x %d -> ecx=%" PRIu64 " %s\n", imm, k, idx, flagstr(f, F_ALL));           \
    __asm__ volatile(ASM_PRE "pcmpestrm $" #imm ", %[b], %[a]\n\tmovdqa %%xmm0, %[m]" ASM_POST      \
                     : [m] "=x"(m), [fo] "=&r"(f)                                                   \
                     : [a] "x"(a), [b] "x"(b), "a"(la), "d"(lb), [fin] "r"(fin)                     \
                     : "cc", "xmm0");                                                               \
    printf("pcmpestrm $%02x %d -> %s ", imm, k, flagstr(f, F_ALL));                                 \
    pv("", m);                                                                                      \
  }

int main(void) {
  const char *pairs[][2] = {
      {"aeiou", "hello, world"},  {"az", "Hello World 42"}, {"hello", "hello"},     {"lo", "hello, world"},
      {"", "abc"},                {"abc", ""},              {"0123456789abcdef", "0123456789abcdef"},
      {"wor", "hello, world!!!!"}, {"AZaz", "MiXeD cAsE"},
  };
  const int64_t lens[][2] = {{5, 12}, {2, 14}, {5, 5}, {2, 12}, {0, 3}, {3, 0}, {16, 16}, {3, 16}, {-4, 100}};
  for (int k = 0; k < (int)COUNT_OF(pairs); k++) {
    __m128i a = load(pairs[k][0]), b = load(pairs[k][1]);
    int64_t la = lens[k][0], lb = lens[k][1];
    MODES(ISTRI)
  }
  uint64_t crc = 0xffffffff;
  const char *text = "The quick brown fox jumps over the lazy dog";
  for (const char *p = text; *p; p++) crc = _mm_crc32_u8((uint32_t)crc, (unsigned char)*p);
  printf("crc32b %08x\n", (unsigned)crc ^ 0xffffffffu);
  uint32_t c16 = _mm_crc32_u16(0, 0xbeef), c32 = _mm_crc32_u32(0x12345678, 0xdeadbeef);
  uint64_t c64 = _mm_crc32_u64(0xffffffffffffffffull, 0x0123456789abcdefull);
  printf("crc32w %08x crc32l %08x crc32q %016" PRIx64 "\n", c16, c32, c64);
  __m128i x = _mm_set_epi64x(-1, 0x7fffffffffffffffll), y = _mm_set_epi64x(0, (long long)0x8000000000000000ull);
  __asm__("" : "+x"(x), "+x"(y));
  pv("pcmpgtq", _mm_cmpgt_epi64(x, y));
  pv("pcmpgtq", _mm_cmpgt_epi64(y, x));
  return 0;
}
