/*
 * An integer benchmark: a mix of the work real programs do, in kernels that
 * each print a checksum (so the run is also a test): a prime sieve, an
 * integer matrix product, bitwise CRC-32, pointer chasing through a
 * permutation, a switch-dispatched bytecode interpreter, FNV hashing of
 * strings, and Euclid's gcd (divisions). `bench [ROUNDS]` (default 20);
 * the work grows linearly with ROUNDS, so the same program measures
 * instructions per second of x86-run later.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t rng = 12345;
static uint32_t next(void) {
  rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
  return rng;
}

static uint64_t sieve(void) {
  static unsigned char composite[16384];
  memset(composite, 0, sizeof composite);
  uint64_t count = 0, sum = 0;
  for (unsigned i = 2; i < sizeof composite; i++) {
    if (composite[i]) continue;
    count++, sum += i;
    for (unsigned j = i * 2; j < sizeof composite; j += i) composite[j] = 1;
  }
  return count * 1000003 + sum;
}

#define N 24
static uint64_t matrix(void) {
  static int32_t a[N][N], b[N][N], c[N][N];
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) a[i][j] = (int32_t)(next() % 1000) - 500, b[i][j] = (int32_t)(next() % 1000) - 500;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      int32_t s = 0;
      for (int k = 0; k < N; k++) s += a[i][k] * b[k][j];
      c[i][j] = s;
    }
  uint64_t h = 0;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) h = h * 1099511628211ull + (uint32_t)c[i][j];
  return h;
}

static uint64_t crc32(void) {
  static unsigned char buf[2048];
  for (unsigned i = 0; i < sizeof buf; i++) buf[i] = (unsigned char)next();
  uint32_t crc = 0xffffffff;
  for (unsigned i = 0; i < sizeof buf; i++) {
    crc ^= buf[i];
    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
  }
  return ~crc;
}

static uint64_t chase(void) {
  enum { M = 4096 };
  static uint32_t perm[M];
  for (uint32_t i = 0; i < M; i++) perm[i] = i;
  for (uint32_t i = M - 1; i > 0; i--) {
    uint32_t j = next() % (i + 1), t = perm[i];
    perm[i] = perm[j], perm[j] = t;
  }
  uint32_t p = 0;
  uint64_t s = 0;
  for (int i = 0; i < 20000; i++) p = perm[p], s += p;
  return s;
}

static uint64_t interpret(void) {
  /* a tiny stack machine: push, add, mul, dup, swap, jnz, dec */
  enum { PUSH, ADD, MUL, DUP, SWAP, DEC, JNZ, DROP, HALT };
  static const int prog[] = {PUSH, 1, PUSH, 300, DUP, SWAP, DROP, SWAP, PUSH, 3, MUL, PUSH, 7, ADD, PUSH, 65535, MUL,
                             SWAP, DEC, DUP, JNZ, 7, DROP, HALT};
  int64_t stack[64];
  int sp = 0, pc = 0;
  uint64_t steps = 0;
  for (;;) {
    steps++;
    switch (prog[pc++]) {
      case PUSH: stack[sp++] = prog[pc++]; break;
      case ADD: sp--, stack[sp - 1] += stack[sp]; break;
      case MUL: sp--, stack[sp - 1] = (stack[sp - 1] * stack[sp]) % 1000000007; break;
      case DUP: stack[sp] = stack[sp - 1], sp++; break;
      case SWAP: { int64_t t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2], stack[sp - 2] = t; } break;
      case DEC: stack[sp - 1]--; break;
      case JNZ: sp--; if (stack[sp]) pc = prog[pc]; else pc++; break;
      case DROP: sp--; break;
      case HALT: return (uint64_t)stack[sp - 1] * 1000 + steps;
      default: return 0;
    }
  }
}

static uint64_t hashing(void) {
  char word[32];
  uint64_t total = 0;
  for (int i = 0; i < 600; i++) {
    int len = 4 + (int)(next() % 24);
    for (int k = 0; k < len; k++) word[k] = (char)('a' + next() % 26);
    word[len] = 0;
    uint64_t h = 0xcbf29ce484222325ull;
    for (const char *p = word; *p; p++) h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
    total += h >> 7;
  }
  return total;
}

static uint64_t gcds(void) {
  uint64_t s = 0;
  for (int i = 0; i < 1500; i++) {
    uint64_t a = next() | 1, b = ((uint64_t)next() << 20) + next();
    while (b) {
      uint64_t t = a % b;
      a = b, b = t;
    }
    s += a;
  }
  return s;
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 20;
  uint64_t (*const kernels[])(void) = {sieve, matrix, crc32, chase, interpret, hashing, gcds};
  const char *names[] = {"sieve", "matrix", "crc32", "chase", "interpret", "hashing", "gcd"};
  uint64_t sums[7] = {0}, total = 0;
  for (int r = 0; r < rounds; r++)
    for (int k = 0; k < 7; k++) sums[k] = sums[k] * 31 + kernels[k]();
  for (int k = 0; k < 7; k++) {
    printf("%-10s %016llx\n", names[k], (unsigned long long)sums[k]);
    total ^= sums[k];
  }
  printf("rounds %d total %016llx\n", rounds, (unsigned long long)total);
  return 0;
}
