/*
 * SSSE3 and SSE4.1 operations (compiled with -mssse3 -msse4.1; run only when
 * the host has them, and under x86-run only with a CPUID profile that
 * advertises them). These are the ones glibc's string functions and gcc use
 * beyond SSE2:
 *   SSSE3: pshufb, palignr (every shift 0..32), pabsb/w/d, psignb/w/d,
 *          phaddw/d, phaddsw, phsubw/d, pmaddubsw, pmulhrsw;
 *   SSE4.1: ptest (ZF and CF), pminsb/pminuw/pminud/pminsd and the pmax
 *          forms, pblendvb, pblendw, blendpd/blendps/blendvpd, pmovzx* and
 *          pmovsx*, pextrb/w/d/q, pinsrb/d/q, extractps, insertps, pmulld,
 *          pmuldq, packusdw, pcmpeqq, phminposuw, roundsd/roundpd/roundss/
 *          roundps in every rounding mode, dppd/dpps, mpsadbw.
 */
#include "common.h"
#include <smmintrin.h>
#include <tmmintrin.h>

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
  vec[6] = _mm_set_epi8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);        /* identity shuffle */
  vec[7] = _mm_set_epi8((char)0x80, 0, 1, (char)0x8f, 15, 3, 7, 9, 2, 0x4f, 0x10, 5, 6, 11, (char)0xff, 12);
}

#define BIN(fn)                                                          \
  do {                                                                   \
    for (int i = 0; i < NV; i++)                                         \
      for (int j = 0; j < NV; j++) {                                     \
        char label[64];                                                  \
        snprintf(label, sizeof label, "%-18s %d,%d", #fn, i, j);         \
        pv(label, fn(opaque(vec[i]), opaque(vec[j])));                   \
      }                                                                  \
  } while (0)
#define UN(fn)                                                           \
  do {                                                                   \
    for (int i = 0; i < NV; i++) {                                       \
      char label[64];                                                    \
      snprintf(label, sizeof label, "%-18s %d", #fn, i);                 \
      pv(label, fn(opaque(vec[i])));                                     \
    }                                                                    \
  } while (0)
#define IMM(fn, imm)                                                     \
  do {                                                                   \
    for (int i = 0; i < NV; i++)                                         \
      for (int j = 2; j < NV; j += 2) {                                  \
        char label[64];                                                  \
        snprintf(label, sizeof label, "%-18s %d,%d $%d", #fn, i, j, imm); \
        pv(label, fn(opaque(vec[i]), opaque(vec[j]), imm));              \
      }                                                                  \
  } while (0)

static void ssse3(void) {
  BIN(_mm_shuffle_epi8);
  UN(_mm_abs_epi8);
  UN(_mm_abs_epi16);
  UN(_mm_abs_epi32);
  BIN(_mm_sign_epi8);
  BIN(_mm_sign_epi16);
  BIN(_mm_sign_epi32);
  BIN(_mm_hadd_epi16);
  BIN(_mm_hadd_epi32);
  BIN(_mm_hadds_epi16);
  BIN(_mm_hsub_epi16);
  BIN(_mm_hsub_epi32);
  BIN(_mm_maddubs_epi16);
  BIN(_mm_mulhrs_epi16);
#define ALIGNR(n) IMM(_mm_alignr_epi8, n)
  ALIGNR(0);
  ALIGNR(1);
  ALIGNR(2);
  ALIGNR(3);
  ALIGNR(4);
  ALIGNR(5);
  ALIGNR(6);
  ALIGNR(7);
  ALIGNR(8);
  ALIGNR(9);
  ALIGNR(10);
  ALIGNR(11);
  ALIGNR(12);
  ALIGNR(13);
  ALIGNR(14);
  ALIGNR(15);
  ALIGNR(16);
  ALIGNR(17);
  ALIGNR(24);
  ALIGNR(31);
  ALIGNR(32);
}

static void sse41(void) {
  for (int i = 0; i < NV; i++)
    for (int j = 0; j < NV; j++) {
      __m128i a = opaque(vec[i]), b = opaque(vec[j]);
      printf("ptest %d,%d testz %d testc %d testnzc %d\n", i, j, _mm_testz_si128(a, b), _mm_testc_si128(a, b),
             _mm_testnzc_si128(a, b));
    }
  BIN(_mm_min_epi8);
  BIN(_mm_max_epi8);
  BIN(_mm_min_epu16);
  BIN(_mm_max_epu16);
  BIN(_mm_min_epi32);
  BIN(_mm_max_epi32);
  BIN(_mm_min_epu32);
  BIN(_mm_max_epu32);
  BIN(_mm_mullo_epi32);
  BIN(_mm_mul_epi32);
  BIN(_mm_packus_epi32);
  BIN(_mm_cmpeq_epi64);
  UN(_mm_cvtepu8_epi16);
  UN(_mm_cvtepu8_epi32);
  UN(_mm_cvtepu8_epi64);
  UN(_mm_cvtepu16_epi32);
  UN(_mm_cvtepu16_epi64);
  UN(_mm_cvtepu32_epi64);
  UN(_mm_cvtepi8_epi16);
  UN(_mm_cvtepi8_epi32);
  UN(_mm_cvtepi8_epi64);
  UN(_mm_cvtepi16_epi32);
  UN(_mm_cvtepi16_epi64);
  UN(_mm_cvtepi32_epi64);
  UN(_mm_minpos_epu16);
  for (int i = 0; i < NV; i++)
    for (int j = 0; j < NV; j++) {
      char label[40];
      snprintf(label, sizeof label, "pblendvb %d,%d", i, j);
      pv(label, _mm_blendv_epi8(opaque(vec[i]), opaque(vec[j]), opaque(vec[(i + j) % NV])));
    }
  IMM(_mm_blend_epi16, 0x00);
  IMM(_mm_blend_epi16, 0xa5);
  IMM(_mm_blend_epi16, 0xff);
  IMM(_mm_mpsadbw_epu8, 0);
  IMM(_mm_mpsadbw_epu8, 5);
  for (int i = 0; i < NV; i++) {
    __m128i v = opaque(vec[i]);
    printf("pextr %d b0 %02x b15 %02x w5 %04x d3 %08x q1 %016llx\n", i, _mm_extract_epi8(v, 0),
           _mm_extract_epi8(v, 15), _mm_extract_epi16(v, 5), (unsigned)_mm_extract_epi32(v, 3),
           (unsigned long long)_mm_extract_epi64(v, 1));
    pv("pinsrb 7", _mm_insert_epi8(v, 0x9a, 7));
    pv("pinsrd 2", _mm_insert_epi32(v, 0x12345678, 2));
    pv("pinsrq 1", _mm_insert_epi64(v, 0x0fedcba987654321ll, 1));
    int e;
    __asm__("extractps $2, %1, %0" : "=r"(e) : "x"(_mm_castsi128_ps(v)));
    printf("extractps %08x\n", (unsigned)e);
    pv("insertps 0x5c", _mm_castps_si128(_mm_insert_ps(_mm_castsi128_ps(v), _mm_castsi128_ps(opaque(vec[4])), 0x5c)));
    pv("insertps 0xc1", _mm_castps_si128(_mm_insert_ps(_mm_castsi128_ps(v), _mm_castsi128_ps(opaque(vec[2])), 0xc1)));
  }
}

static void rounding_and_dot(void) {
  const double d[] = {0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999999999999994, 1e300, -0.0, 4503599627370497.0,
                      __builtin_inf(), __builtin_nan("")};
  for (unsigned i = 0; i + 1 < COUNT_OF(d); i += 2) {
    __m128d v = _mm_set_pd(d[i + 1], d[i]);
    __asm__("" : "+x"(v));
    __m128d r[5] = {_mm_round_pd(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC),
                    _mm_round_pd(v, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC),
                    _mm_round_pd(v, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC),
                    _mm_round_pd(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC), _mm_round_sd(v, v, _MM_FROUND_CUR_DIRECTION)};
    for (int k = 0; k < 5; k++) {
      uint64_t q[2];
      memcpy(q, &r[k], 16);
      printf("roundpd %g %g mode %d -> %016" PRIx64 " %016" PRIx64 "\n", d[i], d[i + 1], k, q[0], q[1]);
    }
    __m128 f = _mm_set_ps((float)d[i], (float)d[i + 1], (float)-d[i], 2.5f);
    __asm__("" : "+x"(f));
    __m128 rf = _mm_round_ps(f, _MM_FROUND_TO_NEAREST_INT), rs = _mm_round_ss(f, f, _MM_FROUND_TO_POS_INF);
    pv("roundps", _mm_castps_si128(rf));
    pv("roundss", _mm_castps_si128(rs));
  }
  __m128d a = _mm_set_pd(1.5, -2.0), b = _mm_set_pd(4.0, 0.25);
  __asm__("" : "+x"(a), "+x"(b));
  pv("dppd 0x31", _mm_castpd_si128(_mm_dp_pd(a, b, 0x31)));
  pv("dppd 0x32", _mm_castpd_si128(_mm_dp_pd(a, b, 0x32)));
  __m128 fa = _mm_set_ps(1, 2, 3, 4), fb = _mm_set_ps(0.5f, -1, 2, 0.25f);
  __asm__("" : "+x"(fa), "+x"(fb));
  pv("dpps 0xff", _mm_castps_si128(_mm_dp_ps(fa, fb, 0xff)));
  pv("dpps 0x5a", _mm_castps_si128(_mm_dp_ps(fa, fb, 0x5a)));
  pv("blendpd 1", _mm_castpd_si128(_mm_blend_pd(a, b, 1)));
  pv("blendps 6", _mm_castps_si128(_mm_blend_ps(fa, fb, 6)));
  pv("blendvpd", _mm_castpd_si128(_mm_blendv_pd(a, b, a)));
}

int main(void) {
  init_vectors();
  ssse3();
  sse41();
  rounding_and_dot();
  return 0;
}
