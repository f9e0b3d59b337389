/*
 * malloc/free churn driven by a fixed-seed generator: 20000 operations on
 * 500 slots: malloc of 0 to 1 KiB, sometimes up to 32 KiB, now and then 140 KiB
 * to 400 KiB (above the mmap threshold: mmap/munmap), calloc (must be zeroed), realloc growing
 * and shrinking (contents kept), free. Every block is filled with its tag
 * (memset) and checked at sampled offsets before it is freed. Prints counts and a checksum of the
 * contents, never an address; checks 16-byte alignment.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 88172645463325252ull;
static uint64_t next(void) {
  state ^= state << 13, state ^= state >> 7, state ^= state << 17;
  return state;
}

struct slot {
  unsigned char *p;
  size_t size;
  unsigned char tag;
};

/* Blocks are filled with their slot's tag (memset: the library's vector code) and checked at sampled offsets. */
static int check(const struct slot *s) {
  for (size_t i = 0; i < s->size; i += 1 + i / 8)
    if (s->p[i] != s->tag) return 0;
  return s->size == 0 || s->p[s->size - 1] == s->tag;
}
static void fill(struct slot *s, size_t from) {
  if (s->size > from) memset(s->p + from, s->tag, s->size - from);
}

int main(void) {
  enum { SLOTS = 500, OPS = 20000 };
  static struct slot slots[SLOTS];
  unsigned long mallocs = 0, callocs = 0, reallocs = 0, frees = 0, large = 0, bad = 0, misaligned = 0;
  uint64_t sum = 0;
  for (int op = 0; op < OPS; op++) {
    struct slot *s = &slots[next() % SLOTS];
    uint64_t r = next();
    if (s->p && r % 4 != 0) {
      if (!check(s)) bad++;
      sum = sum * 31 + s->size + (s->size ? s->p[s->size / 2] : 0);
      if (r % 4 == 1) {
        free(s->p), s->p = NULL, frees++;
      } else {
        size_t size = (size_t)(next() % (s->size < 100000 ? s->size * 2 + 16 : 1024));
        unsigned char *q = realloc(s->p, size ? size : 1);
        if (!q) return 1;
        size_t old = s->size;
        s->p = q, s->size = size, reallocs++;
        if (size > old) fill(s, old);
        if ((uintptr_t)q % 16) misaligned++;
      }
      continue;
    }
    if (s->p) free(s->p), frees++;
    size_t size = (size_t)(next() % (next() % 32 == 0 ? 32768 : 1024));
    if (next() % 500 == 0) size = 140000 + (size_t)(next() % 260000), large++;
    s->tag = (unsigned char)next();
    if (r % 3 == 0) {
      s->p = calloc(size ? size : 1, 1), callocs++;
      for (size_t i = 0; i < size; i += 1 + i / 16)
        if (s->p[i]) {
          bad++;
          break;
        }
    } else {
      s->p = malloc(size ? size : 1), mallocs++;
    }
    if (!s->p) return 1;
    if ((uintptr_t)s->p % 16) misaligned++;
    s->size = size;
    fill(s, 0);
  }
  for (int i = 0; i < SLOTS; i++)
    if (slots[i].p) {
      if (!check(&slots[i])) bad++;
      free(slots[i].p), frees++;
    }
  printf("malloc %lu calloc %lu realloc %lu free %lu large %lu\n", mallocs, callocs, reallocs, frees, large);
  printf("bad %lu misaligned %lu checksum %016llx\n", bad, misaligned, (unsigned long long)sum);
  return bad || misaligned;
}
