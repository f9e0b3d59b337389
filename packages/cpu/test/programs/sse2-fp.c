/*
 * SSE/SSE2 floating point, written as inline assembly so that each
 * instruction runs exactly as named, between an ldmxcsr that sets the rounding
 * mode (and FTZ/DAZ) and an stmxcsr that reads the exception flags it raised:
 *   scalar and packed double: addsd subsd mulsd divsd sqrtsd minsd maxsd,
 *     cmpsd with the 8 predicates, comisd/ucomisd (ZF PF CF), the pd forms;
 *   scalar and packed float: the same in ss/ps, rcpss/rsqrtss (approximate:
 *     only the error bound is checked, the bits differ between processors);
 *   conversions: cvtsd2si cvttsd2si cvtss2si cvttss2si (32/64-bit results,
 *     out of range and NaN give the "integer indefinite" 0x80000000...),
 *     cvtsi2sd cvtsi2ss (32/64-bit sources, inexact ones), cvtsd2ss
 *     cvtss2sd (overflow, underflow, SNaN quieted), cvtdq2pd cvtpd2dq
 *     cvttpd2dq cvtdq2ps cvtps2dq cvttps2dq cvtpd2ps cvtps2pd;
 *   logic and moves: andpd andnpd orpd xorpd, shufpd shufps, unpck[lh]pd/ps,
 *     movlhps movhlps, movsd/movss (register merge against load zeroing),
 *     movlpd movhpd, movmskps;
 *   every rounding mode (nearest, down, up, toward zero), FTZ and DAZ.
 * Values: +-0, +-1, 1.5, 2.5, -2.5, 0.1, 1/3, the largest and smallest
 * normals, denormals, +-infinity, quiet and signalling NaNs with payloads,
 * 2^31 2^63 and their neighbours. Results are printed as bits.
 * Flags after the op: MXCSR IE DE ZE OE UE PE (all exceptions masked).
 */
#include "common.h"
#include <emmintrin.h>

#define MXCSR_DEFAULT 0x1f80u
#define RC_SHIFT 13
#define FTZ 0x8000u
#define DAZ 0x0040u
static const uint32_t mxcsr_default = MXCSR_DEFAULT;
static const char *const rc_names[] = {"rn", "rd", "ru", "rz"};

static const char *exc(uint32_t m) {
  static char ring[8][8];
  static unsigned next;
  char *b = ring[next++ & 7];
  const char *n = "IDZOUP";
  for (int i = 0; i < 6; i++) b[i] = (m >> i & 1) ? n[i] : '.';
  b[6] = 0;
  return b;
}

static const uint64_t dvals[] = {
    0x0000000000000000ull, /* +0 */
    0x8000000000000000ull, /* -0 */
    0x3ff0000000000000ull, /* 1 */
    0xbff0000000000000ull, /* -1 */
    0x3ff8000000000000ull, /* 1.5 */
    0x4004000000000000ull, /* 2.5 */
    0xc004000000000000ull, /* -2.5 */
    0x3fb999999999999aull, /* 0.1 */
    0x3fd5555555555555ull, /* 1/3 */
    0x7fefffffffffffffull, /* DBL_MAX */
    0x0010000000000000ull, /* DBL_MIN */
    0x000fffffffffffffull, /* largest denormal */
    0x8000000000000001ull, /* -smallest denormal */
    0x7ff0000000000000ull, /* +inf */
    0xfff0000000000000ull, /* -inf */
    0x7ff8000000000000ull, /* qNaN */
    0xfff8000000000123ull, /* -qNaN with payload */
    0x7ff0000000000005ull, /* sNaN */
    0x41e0000000000000ull, /* 2^31 */
    0xc1e0000000200000ull, /* -(2^31 + 1) */
    0x41dfffffffe00000ull, /* 2^31 - 1 */
    0x43e0000000000000ull, /* 2^63 */
    0xc3e0000000000000ull, /* -2^63 */
    0x43dfffffffffffffull, /* largest below 2^63 */
};
#define ND COUNT_OF(dvals)
static const uint32_t fvals[] = {
    0x00000000u, 0x80000000u, 0x3f800000u, 0xbf800000u, 0x3fc00000u, 0x40200000u, 0xc0200000u, 0x3dcccccdu,
    0x3eaaaaabu, 0x7f7fffffu, 0x00800000u, 0x007fffffu, 0x80000001u, 0x7f800000u, 0xff800000u, 0x7fc00000u,
    0xffc00123u, 0x7f800005u, 0x4f000000u, 0xcf000001u, 0x4effffffu, 0x5f000000u, 0xdf000000u, 0x5effffffu,
};
#define NF COUNT_OF(fvals)

static __m128d mkd(uint64_t lo, uint64_t hi) {
  __m128d v;
  uint64_t q[2] = {lo, hi};
  memcpy(&v, q, 16);
  return v;
}
static __m128 mkf(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  __m128 v;
  uint32_t w[4] = {a, b, c, d};
  memcpy(&v, w, 16);
  return v;
}
static void bits(__m128d v, uint64_t *lo, uint64_t *hi) {
  uint64_t q[2];
  memcpy(q, &v, 16);
  *lo = q[0], *hi = q[1];
}
static const char *vhex(__m128d v) {
  static char ring[8][40];
  static unsigned next;
  char *b = ring[next++ & 7];
  uint64_t lo, hi;
  bits(v, &lo, &hi);
  snprintf(b, 40, "%016" PRIx64 ":%016" PRIx64, hi, lo);
  return b;
}

/* op %b, %a with MXCSR set to csr; returns the MXCSR after. */
#define FP2(name, insn, T)                                                                   \
  static uint32_t name(T *a, T b, uint32_t csr) {                                            \
    uint32_t out;                                                                            \
    T x = *a;                                                                                \
    __asm__ volatile("ldmxcsr %[in]\n\t" insn " %[b], %[x]\n\tstmxcsr %[out]\n\tldmxcsr %[def]" \
                     : [x] "+x"(x), [out] "=m"(out)                                          \
                     : [b] "x"(b), [in] "m"(csr), [def] "m"(mxcsr_default));                 \
    *a = x;                                                                                  \
    return out;                                                                              \
  }
FP2(addsd, "addsd", __m128d)
FP2(subsd, "subsd", __m128d)
FP2(mulsd, "mulsd", __m128d)
FP2(divsd, "divsd", __m128d)
FP2(minsd, "minsd", __m128d)
FP2(maxsd, "maxsd", __m128d)
FP2(sqrtsd, "sqrtsd", __m128d)
FP2(addpd, "addpd", __m128d)
FP2(subpd, "subpd", __m128d)
FP2(mulpd, "mulpd", __m128d)
FP2(divpd, "divpd", __m128d)
FP2(minpd, "minpd", __m128d)
FP2(maxpd, "maxpd", __m128d)
FP2(sqrtpd, "sqrtpd", __m128d)
FP2(addss, "addss", __m128)
FP2(subss, "subss", __m128)
FP2(mulss, "mulss", __m128)
FP2(divss, "divss", __m128)
FP2(minss, "minss", __m128)
FP2(maxss, "maxss", __m128)
FP2(sqrtss, "sqrtss", __m128)
FP2(addps, "addps", __m128)
FP2(mulps, "mulps", __m128)
FP2(divps, "divps", __m128)
FP2(maxps, "maxps", __m128)
FP2(sqrtps, "sqrtps", __m128)
FP2(cvtsd2ss, "cvtsd2ss", __m128d)
FP2(cvtss2sd, "cvtss2sd", __m128d)
FP2(cvtpd2ps, "cvtpd2ps", __m128d)
FP2(cvtps2pd, "cvtps2pd", __m128d)
FP2(cvtpd2dq, "cvtpd2dq", __m128d)
FP2(cvttpd2dq, "cvttpd2dq", __m128d)
FP2(cvtdq2pd, "cvtdq2pd", __m128d)
FP2(cvtdq2ps, "cvtdq2ps", __m128d)
FP2(cvtps2dq, "cvtps2dq", __m128d)
FP2(cvttps2dq, "cvttps2dq", __m128d)

#define CMP(name, insn, imm, T)                                                              \
  static uint32_t name##imm(T *a, T b, uint32_t csr) {                                       \
    uint32_t out;                                                                            \
    T x = *a;                                                                                \
    __asm__ volatile("ldmxcsr %[in]\n\t" insn " $" #imm ", %[b], %[x]\n\tstmxcsr %[out]\n\t" \
                     "ldmxcsr %[def]"                                                        \
                     : [x] "+x"(x), [out] "=m"(out)                                          \
                     : [b] "x"(b), [in] "m"(csr), [def] "m"(mxcsr_default));                 \
    *a = x;                                                                                  \
    return out;                                                                              \
  }
#define CMP8(name, insn, T) \
  CMP(name, insn, 0, T)     \
  CMP(name, insn, 1, T)     \
  CMP(name, insn, 2, T)     \
  CMP(name, insn, 3, T)     \
  CMP(name, insn, 4, T)     \
  CMP(name, insn, 5, T)     \
  CMP(name, insn, 6, T)     \
  CMP(name, insn, 7, T)
CMP8(cmpsd, "cmpsd", __m128d)
CMP8(cmpss, "cmpss", __m128)
CMP8(cmppd, "cmppd", __m128d)

typedef uint32_t (*fpd)(__m128d *, __m128d, uint32_t);
typedef uint32_t (*fps)(__m128 *, __m128, uint32_t);

static void scalar_double(void) {
  const struct {
    const char *name;
    fpd f;
  } ops[] = {{"addsd", addsd}, {"subsd", subsd}, {"mulsd", mulsd}, {"divsd", divsd},
             {"minsd", minsd}, {"maxsd", maxsd}, {"cmpeqsd", cmpsd0}, {"cmpltsd", cmpsd1},
             {"cmplesd", cmpsd2}, {"cmpunordsd", cmpsd3}, {"cmpneqsd", cmpsd4}, {"cmpnltsd", cmpsd5},
             {"cmpnlesd", cmpsd6}, {"cmpordsd", cmpsd7}};
  for (unsigned o = 0; o < COUNT_OF(ops); o++)
    for (unsigned i = 0; i < ND; i++)
      for (unsigned j = 0; j < ND; j++) {
        __m128d a = mkd(dvals[i], 0x1111111111111111ull);
        uint32_t m = ops[o].f(&a, mkd(dvals[j], 0x2222222222222222ull), MXCSR_DEFAULT);
        printf("%s %016" PRIx64 " %016" PRIx64 " -> %s %s\n", ops[o].name, dvals[i], dvals[j], vhex(a), exc(m));
      }
  for (unsigned i = 0; i < ND; i++) {
    __m128d a = mkd(0x3333333333333333ull, 0x1111111111111111ull);
    uint32_t m = sqrtsd(&a, mkd(dvals[i], 0x2222222222222222ull), MXCSR_DEFAULT);
    printf("sqrtsd %016" PRIx64 " -> %s %s\n", dvals[i], vhex(a), exc(m));
  }
}

/* Rounding: the inexact operations again in every mode, and with FTZ and DAZ. */
static void rounding(void) {
  const fpd ops[] = {addsd, subsd, mulsd, divsd, sqrtsd};
  const char *names[] = {"addsd", "subsd", "mulsd", "divsd", "sqrtsd"};
  const unsigned pick[] = {2, 3, 5, 7, 8, 9, 10, 11, 12, 20};
  for (unsigned rc = 0; rc < 4; rc++)
    for (int mode = 0; mode < 3; mode++) {
      uint32_t csr = MXCSR_DEFAULT | rc << RC_SHIFT | (mode == 1 ? FTZ : mode == 2 ? FTZ | DAZ : 0);
      for (unsigned o = 0; o < 5; o++)
        for (unsigned i = 0; i < COUNT_OF(pick); i++)
          for (unsigned j = 0; j < COUNT_OF(pick); j++) {
            if (o == 4 && j > 0) break;
            __m128d a = mkd(dvals[pick[i]], 0);
            uint32_t m = ops[o](&a, mkd(dvals[pick[j]], 0), csr);
            uint64_t lo, hi;
            bits(a, &lo, &hi);
            printf("%s %s%s %016" PRIx64 " %016" PRIx64 " -> %016" PRIx64 " %s\n", names[o], rc_names[rc],
                   mode == 1 ? "+ftz" : mode == 2 ? "+ftz+daz" : "", dvals[pick[i]], o == 4 ? 0 : dvals[pick[j]], lo,
                   exc(m));
          }
    }
}

static void packed_double(void) {
  const struct {
    const char *name;
    fpd f;
  } ops[] = {{"addpd", addpd}, {"subpd", subpd},   {"mulpd", mulpd},   {"divpd", divpd},
             {"minpd", minpd}, {"maxpd", maxpd},   {"sqrtpd", sqrtpd}, {"cmpeqpd", cmppd0},
             {"cmpltpd", cmppd1}, {"cmplepd", cmppd2}, {"cmpunordpd", cmppd3}, {"cmpneqpd", cmppd4},
             {"cmpnltpd", cmppd5}, {"cmpnlepd", cmppd6}, {"cmpordpd", cmppd7}};
  for (unsigned o = 0; o < COUNT_OF(ops); o++)
    for (unsigned i = 0; i < ND; i += 2)
      for (unsigned j = 1; j < ND; j += 3) {
        __m128d a = mkd(dvals[i], dvals[j]), b = mkd(dvals[j], dvals[(i + j) % ND]);
        uint32_t m = ops[o].f(&a, b, MXCSR_DEFAULT);
        printf("%s %d,%d -> %s %s\n", ops[o].name, i, j, vhex(a), exc(m));
      }
}

static void scalar_and_packed_float(void) {
  const struct {
    const char *name;
    fps f;
  } ops[] = {{"addss", addss},     {"subss", subss},     {"mulss", mulss},     {"divss", divss},
             {"minss", minss},     {"maxss", maxss},     {"sqrtss", sqrtss},   {"cmpeqss", cmpss0},
             {"cmpltss", cmpss1},  {"cmpless", cmpss2},  {"cmpunordss", cmpss3}, {"cmpneqss", cmpss4},
             {"cmpnltss", cmpss5}, {"cmpnless", cmpss6}, {"cmpordss", cmpss7}};
  for (unsigned o = 0; o < COUNT_OF(ops); o++)
    for (unsigned i = 0; i < NF; i++)
      for (unsigned j = 0; j < NF; j++) {
        __m128 a = mkf(fvals[i], 0x11111111u, 0x22222222u, 0x33333333u);
        uint32_t m = ops[o].f(&a, mkf(fvals[j], 0x44444444u, 0x55555555u, 0x66666666u), MXCSR_DEFAULT);
        printf("%s %08x %08x -> %s %s\n", ops[o].name, fvals[i], fvals[j], vhex(_mm_castps_pd(a)), exc(m));
      }
  const struct {
    const char *name;
    fps f;
  } pops[] = {{"addps", addps}, {"mulps", mulps}, {"divps", divps}, {"maxps", maxps}, {"sqrtps", sqrtps}};
  for (unsigned o = 0; o < COUNT_OF(pops); o++)
    for (unsigned i = 0; i < NF; i += 4) {
      __m128 a = mkf(fvals[i], fvals[i + 1], fvals[i + 2], fvals[i + 3]);
      __m128 b = mkf(fvals[(i + 5) % NF], fvals[(i + 9) % NF], fvals[(i + 2) % NF], fvals[(i + 15) % NF]);
      for (uint32_t rc = 0; rc < 4; rc++) {
        __m128 x = a;
        uint32_t m = pops[o].f(&x, b, MXCSR_DEFAULT | rc << RC_SHIFT);
        printf("%s %s %d -> %s %s\n", pops[o].name, rc_names[rc], i, vhex(_mm_castps_pd(x)), exc(m));
      }
    }
  /* rcpss / rsqrtss: approximations with |relative error| <= 1.5 * 2^-12; the bits are model-specific. */
  const float in[] = {1.0f, 2.0f, 3.0f, 0.1f, 1000.0f, 1e-20f, 7e20f};
  for (unsigned i = 0; i < COUNT_OF(in); i++) {
    __m128 x = _mm_set_ss(in[i]), r = x, s = x;
    __asm__("rcpss %1, %0" : "=x"(r) : "x"(x));
    __asm__("rsqrtss %1, %0" : "=x"(s) : "x"(x));
    float rv = _mm_cvtss_f32(r), sv = _mm_cvtss_f32(s);
    double er = (double)rv * (double)in[i] - 1.0, es = (double)sv * (double)sv * (double)in[i] - 1.0;
    printf("rcpss %g within bound: %s; rsqrtss within bound: %s\n", (double)in[i],
           er < 0.0004 && er > -0.0004 ? "yes" : "no", es < 0.0008 && es > -0.0008 ? "yes" : "no");
  }
}

/* comisd/ucomisd and comiss/ucomiss: ZF PF CF from the comparison, OF SF AF cleared. */
static void compares_to_flags(void) {
  for (unsigned i = 0; i < ND; i += 1)
    for (unsigned j = 0; j < ND; j += 1) {
      if ((i * 7 + j) % 3) continue;
      __m128d a = mkd(dvals[i], 0), b = mkd(dvals[j], 0);
      uint64_t f1, f2, fin = flags_in(i + j);
      uint32_t m1, m2;
      __asm__ volatile("ldmxcsr %[def]\n\t" ASM_PRE "comisd %[b], %[a]" ASM_POST "\n\tstmxcsr %[m]"
                       : [fo] "=&r"(f1), [m] "=m"(m1)
                       : [a] "x"(a), [b] "x"(b), [fin] "r"(fin), [def] "m"(mxcsr_default)
                       : "cc");
      __asm__ volatile("ldmxcsr %[def]\n\t" ASM_PRE "ucomisd %[b], %[a]" ASM_POST "\n\tstmxcsr %[m]\n\t"
                       "ldmxcsr %[def]"
                       : [fo] "=&r"(f2), [m] "=m"(m2)
                       : [a] "x"(a), [b] "x"(b), [fin] "r"(fin), [def] "m"(mxcsr_default)
                       : "cc");
      printf("comisd %016" PRIx64 " %016" PRIx64 " -> %s %s ucomisd %s %s\n", dvals[i], dvals[j], flagstr(f1, F_ALL),
             exc(m1), flagstr(f2, F_ALL), exc(m2));
    }
  for (unsigned i = 0; i < NF; i++)
    for (unsigned j = 0; j < NF; j += 5) {
      __m128 a = mkf(fvals[i], 0, 0, 0), b = mkf(fvals[j], 0, 0, 0);
      uint64_t f1, f2, fin = flags_in(i + j);
      uint32_t m1, m2;
      __asm__ volatile("ldmxcsr %[def]\n\t" ASM_PRE "comiss %[b], %[a]" ASM_POST "\n\tstmxcsr %[m]"
                       : [fo] "=&r"(f1), [m] "=m"(m1)
                       : [a] "x"(a), [b] "x"(b), [fin] "r"(fin), [def] "m"(mxcsr_default)
                       : "cc");
      __asm__ volatile("ldmxcsr %[def]\n\t" ASM_PRE "ucomiss %[b], %[a]" ASM_POST "\n\tstmxcsr %[m]\n\t"
                       "ldmxcsr %[def]"
                       : [fo] "=&r"(f2), [m] "=m"(m2)
                       : [a] "x"(a), [b] "x"(b), [fin] "r"(fin), [def] "m"(mxcsr_default)
                       : "cc");
      printf("comiss %08x %08x -> %s %s ucomiss %s %s\n", fvals[i], fvals[j], flagstr(f1, F_ALL), exc(m1),
             flagstr(f2, F_ALL), exc(m2));
    }
}

#define TO_INT(insn, REG, T, src, csr, out, m)                                               \
  __asm__ volatile("ldmxcsr %[in]\n\t" insn " %[s], %" REG "[r]\n\tstmxcsr %[mo]\n\tldmxcsr %[def]" \
                   : [r] "=r"(out), [mo] "=m"(m)                                             \
                   : [s] "x"(src), [in] "m"(csr), [def] "m"(mxcsr_default))
#define FROM_INT(insn, REG, src, csr, dst, m)                                                \
  __asm__ volatile("ldmxcsr %[in]\n\t" insn " %" REG "[s], %[d]\n\tstmxcsr %[mo]\n\tldmxcsr %[def]" \
                   : [d] "+x"(dst), [mo] "=m"(m)                                             \
                   : [s] "r"(src), [in] "m"(csr), [def] "m"(mxcsr_default))

static void conversions(void) {
  for (unsigned rc = 0; rc < 4; rc++) {
    uint32_t csr = MXCSR_DEFAULT | rc << RC_SHIFT;
    for (unsigned i = 0; i < ND; i++) {
      __m128d s = mkd(dvals[i], 0x4141414141414141ull);
      uint64_t r32, r64, t32, t64;
      uint32_t m1, m2, m3, m4;
      TO_INT("cvtsd2si", "k", uint32_t, s, csr, r32, m1);
      TO_INT("cvtsd2si", "q", uint64_t, s, csr, r64, m2);
      TO_INT("cvttsd2si", "k", uint32_t, s, csr, t32, m3);
      TO_INT("cvttsd2si", "q", uint64_t, s, csr, t64, m4);
      printf("%s %016" PRIx64 " cvtsd2si %08x %s %016" PRIx64 " %s cvttsd2si %08x %s %016" PRIx64 " %s\n",
             rc_names[rc], dvals[i], (unsigned)r32, exc(m1), r64, exc(m2), (unsigned)t32, exc(m3), t64, exc(m4));
      __m128d d = mkd(0x5151515151515151ull, 0x6161616161616161ull);
      uint32_t m5 = cvtsd2ss(&d, s, csr);
      __m128d e = mkd(0x5151515151515151ull, 0x6161616161616161ull);
      uint32_t m6 = cvtss2sd(&e, _mm_castps_pd(mkf(fvals[i], 0, 0, 0)), csr);
      printf("%s cvtsd2ss %016" PRIx64 " -> %s %s; cvtss2sd %08x -> %s %s\n", rc_names[rc], dvals[i], vhex(d),
             exc(m5), fvals[i], vhex(e), exc(m6));
    }
    for (unsigned i = 0; i < NF; i++) {
      __m128 s = mkf(fvals[i], 0x41414141u, 0, 0);
      uint64_t r32, r64, t32, t64;
      uint32_t m1, m2, m3, m4;
      TO_INT("cvtss2si", "k", uint32_t, s, csr, r32, m1);
      TO_INT("cvtss2si", "q", uint64_t, s, csr, r64, m2);
      TO_INT("cvttss2si", "k", uint32_t, s, csr, t32, m3);
      TO_INT("cvttss2si", "q", uint64_t, s, csr, t64, m4);
      printf("%s %08x cvtss2si %08x %s %016" PRIx64 " %s cvttss2si %08x %s %016" PRIx64 " %s\n", rc_names[rc],
             fvals[i], (unsigned)r32, exc(m1), r64, exc(m2), (unsigned)t32, exc(m3), t64, exc(m4));
    }
    const uint64_t ints[] = {0, 1, 0xffffffffffffffffull, 0x7fffffffull, 0x80000000ull, 0x7fffffffffffffffull,
                             0x8000000000000000ull, 0x0020000000000001ull, 0x0000000001000001ull, 0x123456789ull};
    for (unsigned i = 0; i < COUNT_OF(ints); i++) {
      __m128d d32 = mkd(0x7171717171717171ull, 0x8181818181818181ull), d64 = d32;
      __m128 f32 = _mm_castpd_ps(d32), f64 = f32;
      uint32_t m1, m2, m3, m4;
      FROM_INT("cvtsi2sdl", "k", ints[i], csr, d32, m1);
      FROM_INT("cvtsi2sdq", "q", ints[i], csr, d64, m2);
      FROM_INT("cvtsi2ssl", "k", ints[i], csr, f32, m3);
      FROM_INT("cvtsi2ssq", "q", ints[i], csr, f64, m4);
      printf("%s %016" PRIx64 " cvtsi2sd %s %s q %s %s cvtsi2ss %s %s q %s %s\n", rc_names[rc], ints[i], vhex(d32),
             exc(m1), vhex(d64), exc(m2), vhex(_mm_castps_pd(f32)), exc(m3), vhex(_mm_castps_pd(f64)), exc(m4));
    }
    /* packed conversions */
    const struct {
      const char *name;
      fpd f;
    } pk[] = {{"cvtpd2ps", cvtpd2ps}, {"cvtps2pd", cvtps2pd},   {"cvtpd2dq", cvtpd2dq}, {"cvttpd2dq", cvttpd2dq},
              {"cvtdq2pd", cvtdq2pd}, {"cvtdq2ps", cvtdq2ps}, {"cvtps2dq", cvtps2dq}, {"cvttps2dq", cvttps2dq}};
    for (unsigned o = 0; o < COUNT_OF(pk); o++)
      for (unsigned i = 0; i + 1 < ND; i += 2) {
        int is_float_src = o == 1 || o == 6 || o == 7;
        int is_int_src = o == 4 || o == 5;
        __m128d src = is_float_src ? _mm_castps_pd(mkf(fvals[i], fvals[i + 1], fvals[(i + 7) % NF], fvals[(i + 3) % NF]))
                      : is_int_src ? mkd(dvals[i] ^ (dvals[i + 1] >> 20), dvals[(i + 5) % ND] >> 7)
                                   : mkd(dvals[i], dvals[i + 1]);
        __m128d d = mkd(0x9191919191919191ull, 0xa1a1a1a1a1a1a1a1ull);
        uint32_t m = pk[o].f(&d, src, csr);
        printf("%s %s %s -> %s %s\n", rc_names[rc], pk[o].name, vhex(src), vhex(d), exc(m));
      }
  }
}

static void logic_and_moves(void) {
  __m128d a = mkd(0xfff0000000000001ull, 0x8000000000000000ull), b = mkd(0x7ff8000000000000ull, 0x3ff0000000000000ull);
  __m128d r;
#define LOGIC(insn)                                    \
  r = a;                                               \
  __asm__(insn " %1, %0" : "+x"(r) : "x"(b));          \
  printf("%-9s %s\n", insn, vhex(r))
  LOGIC("andpd");
  LOGIC("andnpd");
  LOGIC("orpd");
  LOGIC("xorpd");
  LOGIC("andps");
  LOGIC("andnps");
  LOGIC("orps");
  LOGIC("xorps");
  LOGIC("unpcklpd");
  LOGIC("unpckhpd");
  LOGIC("unpcklps");
  LOGIC("unpckhps");
  LOGIC("movlhps");
  LOGIC("movhlps");
  LOGIC("movsd");
  LOGIC("movss");
#define SHUFI(insn, imm)                                       \
  r = a;                                                       \
  __asm__(insn " $" #imm ", %1, %0" : "+x"(r) : "x"(b));       \
  printf("%-9s $%-3s %s\n", insn, #imm, vhex(r))
  SHUFI("shufpd", 0);
  SHUFI("shufpd", 1);
  SHUFI("shufpd", 2);
  SHUFI("shufpd", 3);
  SHUFI("shufps", 0x1b);
  SHUFI("shufps", 0xe4);
  SHUFI("shufps", 0x4e);
  SHUFI("shufps", 0xb1);
  /* loads: movsd/movss from memory zero the rest; movlpd/movhpd replace one half */
  static const uint64_t mem[2] = {0x0123456789abcdefull, 0xfedcba9876543210ull};
  r = a;
  __asm__("movsd %1, %0" : "+x"(r) : "m"(mem[0]));
  printf("movsd load %s\n", vhex(r));
  r = a;
  __asm__("movss %1, %0" : "+x"(r) : "m"(mem[1]));
  printf("movss load %s\n", vhex(r));
  r = a;
  __asm__("movlpd %1, %0" : "+x"(r) : "m"(mem[1]));
  printf("movlpd load %s\n", vhex(r));
  r = a;
  __asm__("movhpd %1, %0" : "+x"(r) : "m"(mem[0]));
  printf("movhpd load %s\n", vhex(r));
  uint64_t st[2] = {0, 0};
  __asm__("movhpd %1, %0" : "=m"(st[0]) : "x"(a));
  __asm__("movlpd %1, %0" : "=m"(st[1]) : "x"(b));
  printf("movhpd/movlpd store %016" PRIx64 " %016" PRIx64 "\n", st[0], st[1]);
  int mask;
  __asm__("movmskps %1, %0" : "=r"(mask) : "x"(_mm_castpd_ps(a)));
  printf("movmskps %x\n", mask);
  __m128d fromq = mkd(0, 0);
  uint64_t g = 0x4000000000000000ull;
  __asm__("movq %1, %0" : "+x"(fromq) : "r"(g));
  printf("movq gpr->xmm %s\n", vhex(fromq));
  printf("stmxcsr default %08x\n", _mm_getcsr());
}

int main(void) {
  scalar_double();
  rounding();
  packed_double();
  scalar_and_packed_float();
  compares_to_flags();
  conversions();
  logic_and_moves();
  return 0;
}
