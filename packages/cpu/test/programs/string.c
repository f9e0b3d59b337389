/*
 * String instructions at every width (b w l q), both directions (DF clear and
 * set), with and without repeat prefixes, counts 0 1 3 7: movs stos lods
 * (rep), scas and cmps (no prefix, repe, repne, with matches early, late and
 * never). Prints how far rsi and rdi moved, rcx, rax, the flags and the
 * destination buffer. Also the 32-bit address-size forms (addr32: esi edi
 * ecx), and memcpy/memset/memcmp/strlen of the C library over sizes and
 * alignments (the library's own vector string functions).
 *
 * movs stos lods change no flags (all are printed: they must stay as they were
 * fed in); scas and cmps set them as cmp does; with rcx = 0 nothing changes.
 */
#include "common.h"
#include <stdlib.h>

static unsigned char src[96], dst[96];

static void reset(void) {
  for (int i = 0; i < 96; i++) {
    src[i] = (unsigned char)(i * 7 + 1);
    dst[i] = (unsigned char)(0xa0 + (i & 0x1f));
  }
}

static void dump(const char *label, const unsigned char *b) {
  printf("  %s ", label);
  for (int i = 0; i < 64; i++) printf("%02x", b[i]);
  printf("\n");
}

/* rsi, rdi, rcx, rax in; the same out, and the flags. DF comes in with the flags and is cleared after. */
#define STR(name, insn)                                                                                  \
  static void name(uint64_t *rsi, uint64_t *rdi, uint64_t *rcx, uint64_t *rax, uint64_t fin, uint64_t *fo) { \
    uint64_t s = *rsi, d = *rdi, c = *rcx, a = *rax, f;                                                  \
    __asm__ volatile(ASM_PRE insn "\n\tpushfq\n\tpop %[fo]\n\tcld\n\tlea 128(%%rsp), %%rsp"              \
                     : "+S"(s), "+D"(d), "+c"(c), "+a"(a), [fo] "=&r"(f)                                 \
                     : [fin] "r"(fin)                                                                    \
                     : "cc", "memory");                                                                  \
    *rsi = s, *rdi = d, *rcx = c, *rax = a, *fo = f;                                                     \
  }
#define STR_W(X, p, op) X(p##op##b, #p " " #op "b") X(p##op##w, #p " " #op "w") X(p##op##l, #p " " #op "l") \
    X(p##op##q, #p " " #op "q")
STR_W(STR, rep, movs)
STR_W(STR, rep, stos)
STR_W(STR, rep, lods)
STR_W(STR, repe, scas)
STR_W(STR, repne, scas)
STR_W(STR, repe, cmps)
STR_W(STR, repne, cmps)
STR_W(STR, , movs)
STR_W(STR, , stos)
STR_W(STR, , lods)
STR_W(STR, , scas)
STR_W(STR, , cmps)
/* addr32: esi edi ecx are the pointers and the count (the buffers of a static non-PIE program lie below 4 GiB). */
STR(a32_rep_movsb, "addr32 rep movsb")
STR(a32_rep_stosl, "addr32 rep stosl")
STR(a32_repne_scasb, "addr32 repne scasb")

typedef void (*strfn)(uint64_t *, uint64_t *, uint64_t *, uint64_t *, uint64_t, uint64_t *);
struct strop {
  const char *name;
  strfn f[4];
  int compares;
};
#define ROW(p, op, cmp) {#p " " #op, {p##op##b, p##op##w, p##op##l, p##op##q}, cmp}
static const struct strop ops[] = {
    ROW(rep, movs, 0),   ROW(rep, stos, 0), ROW(rep, lods, 0), ROW(repe, scas, 1), ROW(repne, scas, 1),
    ROW(repe, cmps, 1),  ROW(repne, cmps, 1), ROW(, movs, 0),  ROW(, stos, 0),     ROW(, lods, 0),
    ROW(, scas, 1),      ROW(, cmps, 1),
};

static void run_case(const struct strop *op, int w, uint64_t count, int down, int variant) {
  int size = 1 << w;
  reset();
  /* Make the comparisons interesting: dst equals src for its first 2 elements (variant 1) or 5. */
  int same = variant == 0 ? 0 : variant == 1 ? 2 : 5;
  int first = down ? 48 : 16; /* element index where the pointers start, in bytes */
  if (op->compares) {
    for (int k = 0; k < same * size; k++) {
      int at = down ? first + size - 1 - k : first + k;
      dst[at] = src[at];
    }
  }
  uint64_t s = (uint64_t)(uintptr_t)(src + first), d = (uint64_t)(uintptr_t)(dst + first), c = count;
  /* scas compares the accumulator with [rdi]: an element of dst, the one `same` elements in. */
  uint64_t a = 0x0102030405060708ull;
  if (op->compares) {
    int at = down ? first - same * size : first + same * size;
    memcpy(&a, dst + at, (size_t)size);
    if (variant == 0) a = ~a;
  }
  uint64_t fin = flags_in(variant + (int)count) | (down ? F_DF : 0), fo;
  op->f[w](&s, &d, &c, &a, fin, &fo);
  printf("%s%c %s count=%" PRIu64 " v%d: rsi%+d rdi%+d rcx=%" PRIu64 " rax=%s f=%s%s\n", op->name, "bwlq"[w],
         down ? "down" : "up", count, variant, (int)(s - (uint64_t)(uintptr_t)(src + first)),
         (int)(d - (uint64_t)(uintptr_t)(dst + first)), c, hx(a, 64), flagstr(fo, F_ALL),
         (fo & F_DF) ? " DF" : "");
  if (!op->compares) dump("dst", dst);
}

static void addr32(void) {
  uint64_t s, d, c, a, fo;
  reset();
  s = (uint64_t)(uintptr_t)src, d = (uint64_t)(uintptr_t)dst, c = 0xffffffff00000005ull, a = 0;
  a32_rep_movsb(&s, &d, &c, &a, 2, &fo);
  printf("addr32 rep movsb: rsi%+d rdi%+d rcx=%s\n", (int)(s - (uintptr_t)src), (int)(d - (uintptr_t)dst), hx(c, 64));
  dump("dst", dst);
  reset();
  s = 0, d = (uint64_t)(uintptr_t)dst, c = 0x1234567800000003ull, a = 0xdeadbeefcafef00dull;
  a32_rep_stosl(&s, &d, &c, &a, 2, &fo);
  printf("addr32 rep stosl: rdi%+d rcx=%s\n", (int)(d - (uintptr_t)dst), hx(c, 64));
  dump("dst", dst);
  reset();
  s = 0, d = (uint64_t)(uintptr_t)dst, c = 0xaaaaaaaa00000040ull, a = 0xa7;
  a32_repne_scasb(&s, &d, &c, &a, 2, &fo);
  printf("addr32 repne scasb: rdi%+d rcx=%s f=%s\n", (int)(d - (uintptr_t)dst), hx(c, 64), flagstr(fo, F_ALL));
}

/* The C library's string functions (vectorised, chosen by CPUID in glibc) over sizes and alignments. */
static void library(void) {
  static unsigned char a[600], b[600];
  unsigned long sum = 0;
  for (int i = 0; i < 600; i++) a[i] = (unsigned char)(i * 13 + 5);
  for (int off = 0; off < 17; off++)
    for (int n = 0; n < 300; n += (n < 40 ? 1 : 37)) {
      memset(b, 0x5a, sizeof b);
      memcpy(b + off, a + (off * 3) % 16, (size_t)n);
      memmove(b + off + 1, b + off, (size_t)n / 2);
      memset(b + off + n, 0, 1);
      for (int i = 0; i < 600; i++) sum = sum * 31 + b[i];
      sum += (unsigned long)strlen((char *)b + off) * 7;
      int c = memcmp(b + off + 1, a + (off * 3) % 16, (size_t)n / 2);
      sum += (unsigned long)(c < 0 ? 1 : c > 0 ? 2 : 3);
      void *hit = memchr(b, 0, sizeof b);
      sum += hit ? (unsigned long)((unsigned char *)hit - b) : 999;
    }
  printf("library string functions checksum %016lx\n", sum);
  char s1[64], s2[64];
  strcpy(s1, "the quick brown fox jumps over the lazy dog");
  strcpy(s2, s1);
  s2[20] = 'X';
  printf("strcmp %d %d strncmp %d strchr %d strrchr %d strstr %d strspn %d strcspn %d\n", strcmp(s1, s2) > 0,
         strcmp(s1, s1), strncmp(s1, s2, 20), (int)(strchr(s1, 'q') - s1), (int)(strrchr(s1, 'o') - s1),
         (int)(strstr(s1, "lazy") - s1), (int)strspn(s1, "the "), (int)strcspn(s1, "xyz"));
}

int main(void) {
  const uint64_t counts[] = {0, 1, 3, 7};
  for (unsigned o = 0; o < COUNT_OF(ops); o++)
    for (int w = 0; w < 4; w++)
      for (int down = 0; down < 2; down++)
        for (unsigned k = 0; k < (ops[o].name[0] == 'r' ? COUNT_OF(counts) : 1u); k++)
          for (int v = 0; v < (ops[o].compares ? 3 : 1); v++)
            run_case(&ops[o], w, ops[o].name[0] == 'r' ? counts[k] : 1, down, v);
  addr32();
  library();
  return 0;
}
