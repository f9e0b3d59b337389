/*
 * SSE2 integer operations through the intrinsics of <emmintrin.h>, over
 * vectors of edge values (0, 1, -1, the minimum and maximum of each lane
 * width, alternating bits): add/sub (wrapping, signed and unsigned
 * saturating), multiplies (pmullw pmulhw pmulhuw pmuludq pmaddwd), psadbw,
 * pavgb/w, pmin/pmax (ub, sw), compares (pcmpeq*, pcmpgt*), logic, shifts by
 * immediate and by xmm count (counts at and above the lane width, a 64-bit
 * count with high bits set), byte shifts (pslldq psrldq), shuffles (pshufd
 * pshuflw pshufhw), unpack, pack (packsswb packssdw packuswb), pmovmskb,
 * pextrw/pinsrw, movd/movq, maskmovdqu, unaligned loads and stores,
 * non-temporal stores.
 *
 * Every input goes through opaque() first, so the compiler cannot fold the
 * intrinsics into constants: the instructions really run.
 */
#include "common.h"
#include <emmintrin.h>

static inline __m128i opaque(__m128i x) {
  __asm__("" : "+x"(x));
  return x;
}

static void pv(const char *label, __m128i v) {
  uint64_t q[2];
  memcpy(q, &v, 16);
  printf("%s %016" PRIx64 "%016" PRIx64 "\n", label, q[1], q[0]);
}

#define NV 8
static __m128i vec[NV];
static void init_vectors(void) {
  vec[0] = _mm_setzero_si128();
  vec[1] = _mm_set1_epi8(-1);
  vec[2] = _mm_set_epi8(0x7f, (char)0x80, 0x01, (char)0xff, 0x00, 0x7e, (char)0x81, 0x55, (char)0xaa, 0x10,
                        (char)0xf0, 0x02, (char)0xfe, 0x40, (char)0xc0, 0x3f);
  vec[3] = _mm_set_epi16(0x7fff, (short)0x8000, 1, -1, 0, 0x7ffe, (short)0x8001, 0x00ff);
  vec[4] = _mm_set_epi32(0x7fffffff, (int)0x80000000, 1, -1);
  vec[5] = _mm_set_epi64x(0x7fffffffffffffffll, (long long)0x8000000000000000ull);
  vec[6] = _mm_set_epi32(0x55555555, (int)0xaaaaaaaa, 0x0f0f0f0f, (int)0xf0f0f0f0);
  vec[7] = _mm_set_epi16(100, -100, 255, 256, -256, 12345, -12345, 32);
}

#define BIN(fn)                                                                   \
  do {                                                                            \
    for (int i = 0; i < NV; i++)                                                  \
      for (int j = 0; j < NV; j++) {                                              \
        char label[64];                                                           \
        snprintf(label, sizeof label, "%-18s %d,%d", #fn, i, j);                  \
        pv(label, fn(opaque(vec[i]), opaque(vec[j])));                            \
      }                                                                           \
  } while (0)

static void binaries(void) {
  BIN(_mm_add_epi8);
  BIN(_mm_add_epi16);
  BIN(_mm_add_epi32);
  BIN(_mm_add_epi64);
  BIN(_mm_adds_epi8);
  BIN(_mm_adds_epi16);
  BIN(_mm_adds_epu8);
  BIN(_mm_adds_epu16);
  BIN(_mm_sub_epi8);
  BIN(_mm_sub_epi16);
  BIN(_mm_sub_epi32);
  BIN(_mm_sub_epi64);
  BIN(_mm_subs_epi8);
  BIN(_mm_subs_epi16);
  BIN(_mm_subs_epu8);
  BIN(_mm_subs_epu16);
  BIN(_mm_mullo_epi16);
  BIN(_mm_mulhi_epi16);
  BIN(_mm_mulhi_epu16);
  BIN(_mm_mul_epu32);
  BIN(_mm_madd_epi16);
  BIN(_mm_sad_epu8);
  BIN(_mm_avg_epu8);
  BIN(_mm_avg_epu16);
  BIN(_mm_min_epu8);
  BIN(_mm_max_epu8);
  BIN(_mm_min_epi16);
  BIN(_mm_max_epi16);
  BIN(_mm_cmpeq_epi8);
  BIN(_mm_cmpeq_epi16);
  BIN(_mm_cmpeq_epi32);
  BIN(_mm_cmpgt_epi8);
  BIN(_mm_cmpgt_epi16);
  BIN(_mm_cmpgt_epi32);
  BIN(_mm_and_si128);
  BIN(_mm_andnot_si128);
  BIN(_mm_or_si128);
  BIN(_mm_xor_si128);
  BIN(_mm_packs_epi16);
  BIN(_mm_packs_epi32);
  BIN(_mm_packus_epi16);
  BIN(_mm_unpacklo_epi8);
  BIN(_mm_unpackhi_epi8);
  BIN(_mm_unpacklo_epi16);
  BIN(_mm_unpackhi_epi16);
  BIN(_mm_unpacklo_epi32);
  BIN(_mm_unpackhi_epi32);
  BIN(_mm_unpacklo_epi64);
  BIN(_mm_unpackhi_epi64);
}

/* Shifts by an xmm count: the whole low 64 bits are the count. */
static void shifts_by_register(void) {
  const uint64_t counts[] = {0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, 0x100000001ull, ~0ull};
  for (unsigned c = 0; c < COUNT_OF(counts); c++) {
    __m128i n = opaque(_mm_set_epi64x(0x7777, (long long)counts[c]));
    for (int i = 2; i < NV; i++) {
      char label[64];
#define SHR(fn)                                                                          \
  snprintf(label, sizeof label, "%-14s %d by %" PRIx64, #fn, i, counts[c]);              \
  pv(label, fn(opaque(vec[i]), n))
      SHR(_mm_sll_epi16);
      SHR(_mm_sll_epi32);
      SHR(_mm_sll_epi64);
      SHR(_mm_srl_epi16);
      SHR(_mm_srl_epi32);
      SHR(_mm_srl_epi64);
      SHR(_mm_sra_epi16);
      SHR(_mm_sra_epi32);
    }
  }
}

#define SHI(fn, n)                                                             \
  do {                                                                         \
    for (int i = 2; i < NV; i++) {                                             \
      char label[64];                                                          \
      snprintf(label, sizeof label, "%-16s %d by %d", #fn, i, n);              \
      pv(label, fn(opaque(vec[i]), n));                                        \
    }                                                                          \
  } while (0)
#define SHI_ALL(n)           \
  SHI(_mm_slli_epi16, n);    \
  SHI(_mm_slli_epi32, n);    \
  SHI(_mm_slli_epi64, n);    \
  SHI(_mm_srli_epi16, n);    \
  SHI(_mm_srli_epi32, n);    \
  SHI(_mm_srli_epi64, n);    \
  SHI(_mm_srai_epi16, n);    \
  SHI(_mm_srai_epi32, n)
#define BYTESHIFT(n)          \
  SHI(_mm_slli_si128, n);     \
  SHI(_mm_srli_si128, n)

static void shifts_by_immediate(void) {
  SHI_ALL(0);
  SHI_ALL(1);
  SHI_ALL(7);
  SHI_ALL(15);
  SHI_ALL(16);
  SHI_ALL(31);
  SHI_ALL(32);
  SHI_ALL(63);
  SHI_ALL(64);
  SHI_ALL(200);
  BYTESHIFT(0);
  BYTESHIFT(1);
  BYTESHIFT(7);
  BYTESHIFT(8);
  BYTESHIFT(15);
  BYTESHIFT(16);
  BYTESHIFT(31);
}

#define SHUF(fn, imm)                                                           \
  do {                                                                          \
    for (int i = 2; i < NV; i++) {                                              \
      char label[64];                                                           \
      snprintf(label, sizeof label, "%-18s %d imm %02x", #fn, i, imm);          \
      pv(label, fn(opaque(vec[i]), imm));                                       \
    }                                                                           \
  } while (0)
#define SHUF3(imm)                \
  SHUF(_mm_shuffle_epi32, imm);   \
  SHUF(_mm_shufflelo_epi16, imm); \
  SHUF(_mm_shufflehi_epi16, imm)

/* Immediate counts at and above the lane width, which the compiler would fold away: written out. */
#define SHASM(insn, imm)                                                        \
  do {                                                                          \
    for (int i = 2; i < NV; i++) {                                              \
      __m128i v = opaque(vec[i]);                                               \
      __asm__(insn " $" #imm ", %0" : "+x"(v));                                 \
      char label[40];                                                           \
      snprintf(label, sizeof label, "%-7s %d by %d", insn, i, imm);             \
      pv(label, v);                                                             \
    }                                                                           \
  } while (0)

static void shifts_by_immediate_asm(void) {
  SHASM("psllw", 16);
  SHASM("psrlw", 17);
  SHASM("psraw", 16);
  SHASM("psraw", 255);
  SHASM("pslld", 32);
  SHASM("psrld", 40);
  SHASM("psrad", 32);
  SHASM("psrad", 200);
  SHASM("psllq", 64);
  SHASM("psrlq", 65);
  SHASM("pslldq", 16);
  SHASM("psrldq", 17);
  SHASM("psrldq", 255);
}

static void shuffles_and_moves(void) {
  SHUF3(0x00);
  SHUF3(0x1b);
  SHUF3(0xe4);
  SHUF3(0x4e);
  SHUF3(0xff);
  SHUF3(0x39);
  for (int i = 0; i < NV; i++) {
    __m128i v = opaque(vec[i]);
    printf("pmovmskb %d %04x\n", i, _mm_movemask_epi8(v));
    printf("movmskpd %d %x\n", i, _mm_movemask_pd(_mm_castsi128_pd(v)));
    printf("pextrw %d %04x %04x %04x\n", i, _mm_extract_epi16(v, 0), _mm_extract_epi16(v, 3),
           _mm_extract_epi16(v, 7));
    pv("pinsrw 0", _mm_insert_epi16(v, 0xbeef, 0));
    pv("pinsrw 5", _mm_insert_epi16(v, 0x1234, 5));
    printf("movd to gpr %08x movq to gpr %016llx\n", (unsigned)_mm_cvtsi128_si32(v),
           (unsigned long long)_mm_cvtsi128_si64(v));
    pv("movq xmm (move_epi64)", _mm_move_epi64(v));
  }
  pv("movd from gpr", _mm_cvtsi32_si128((int)0x89abcdef));
  pv("movq from gpr", _mm_cvtsi64_si128((long long)0x0123456789abcdefull));
}

static void memory_forms(void) {
  static unsigned char buf[80], out[80];
  for (int i = 0; i < 80; i++) buf[i] = (unsigned char)(i * 11 + 3);
  for (int off = 0; off < 17; off++) {
    char label[40];
    snprintf(label, sizeof label, "loadu +%d", off);
    pv(label, _mm_loadu_si128((const __m128i *)(buf + off)));
  }
  pv("loadl_epi64", _mm_loadl_epi64((const __m128i *)(buf + 3)));
  memset(out, 0, sizeof out);
  for (int off = 0; off < 5; off++) _mm_storeu_si128((__m128i *)(out + off * 17), opaque(vec[2 + off]));
  _mm_storel_epi64((__m128i *)(out + 70), opaque(vec[6]));
  _mm_stream_si128((__m128i *)(out + 0), opaque(vec[3])); /* movntdq: aligned (static 16-byte boundary) */
  _mm_sfence();
  __m128i mask = _mm_set_epi8(-1, 0, -1, 0, 0, 0, -1, -1, 0, -1, 0, 0, -1, 0, 0, -1);
  _mm_maskmoveu_si128(opaque(vec[7]), opaque(mask), (char *)(out + 33)); /* maskmovdqu: rdi implicit */
  printf("stores");
  for (int i = 0; i < 80; i++) printf("%02x", out[i]);
  printf("\n");
}

int main(void) {
  init_vectors();
  binaries();
  shifts_by_register();
  shifts_by_immediate();
  shifts_by_immediate_asm();
  shuffles_and_moves();
  memory_forms();
  return 0;
}
