/*
 * Sorting pseudo-random data from a linear congruential generator with a
 * fixed seed: the C library's qsort and a merge sort of our own, of 64-bit
 * integers, of doubles and of strings (strcmp through qsort). Prints a
 * checksum of each sorted array and a few elements, and checks that the two
 * sorts agree. An argument sets the number of integers (default 20000).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t lcg_state = 0x2545f4914f6cdd1dull;
static uint64_t lcg(void) {
  lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
  return lcg_state;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}
static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void merge_sort(uint64_t *a, uint64_t *tmp, size_t n) {
  if (n < 2) return;
  size_t h = n / 2;
  merge_sort(a, tmp, h);
  merge_sort(a + h, tmp, n - h);
  size_t i = 0, j = h, k = 0;
  while (i < h && j < n) tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
  while (i < h) tmp[k++] = a[i++];
  while (j < n) tmp[k++] = a[j++];
  memcpy(a, tmp, n * sizeof *a);
}

static uint64_t checksum(const void *p, size_t bytes) {
  const unsigned char *b = p;
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < bytes; i++) h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

int main(int argc, char **argv) {
  size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;
  uint64_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *tmp = malloc(n * sizeof *tmp);
  double *d = malloc(n * sizeof *d);
  if (!a || !b || !tmp || !d) return 1;
  for (size_t i = 0; i < n; i++) {
    a[i] = b[i] = lcg() >> (i % 3 == 0 ? 40 : 1); /* many duplicates in a third of them */
    d[i] = (double)(int64_t)lcg() / 3.0;
  }
  qsort(a, n, sizeof *a, cmp_u64);
  merge_sort(b, tmp, n);
  int agree = memcmp(a, b, n * sizeof *a) == 0, sorted = 1;
  for (size_t i = 1; i < n; i++) sorted &= a[i - 1] <= a[i];
  printf("integers: n=%zu sorted=%d agree=%d checksum=%016" PRIx64 "\n", n, sorted, agree, checksum(a, n * 8));
  printf("  first %016" PRIx64 " %016" PRIx64 " median %016" PRIx64 " last %016" PRIx64 "\n", a[0], a[1], a[n / 2],
         a[n - 1]);
  qsort(d, n, sizeof *d, cmp_double);
  printf("doubles: checksum=%016" PRIx64 " min %.17g max %.17g\n", checksum(d, n * 8), d[0], d[n - 1]);
  size_t ns = n / 4 + 1;
  char **s = malloc(ns * sizeof *s);
  for (size_t i = 0; i < ns; i++) {
    size_t len = 1 + lcg() % 12;
    s[i] = malloc(len + 1);
    for (size_t k = 0; k < len; k++) s[i][k] = (char)('a' + lcg() % 26);
    s[i][len] = 0;
  }
  qsort(s, ns, sizeof *s, cmp_str);
  uint64_t h = 0;
  for (size_t i = 0; i < ns; i++) h = h * 31 + checksum(s[i], strlen(s[i]));
  printf("strings: n=%zu first %s last %s checksum=%016" PRIx64 "\n", ns, s[0], s[ns - 1], h);
  for (size_t i = 0; i < ns; i++) free(s[i]);
  free(s), free(a), free(b), free(tmp), free(d);
  return 0;
}
