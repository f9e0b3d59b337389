/*
 * Recursion: Ackermann A(2, n) and A(3, 5) (tens of thousands of calls,
 * depth in the hundreds), naive Fibonacci, mutual recursion (even/odd),
 * and a non-tail recursion 100000 frames deep (several MiB of stack:
 * needs the 8 MiB stack Linux gives a process by default), whose frames
 * each hold a small array so the compiler cannot turn it into a loop.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint64_t calls;

__attribute__((noinline)) static uint64_t ackermann(uint64_t m, uint64_t n) {
  calls++;
  if (m == 0) return n + 1;
  if (n == 0) return ackermann(m - 1, 1);
  return ackermann(m - 1, ackermann(m, n - 1));
}

__attribute__((noinline)) static uint64_t fib(unsigned n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

__attribute__((noinline)) static int is_odd(unsigned n);
__attribute__((noinline)) static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
__attribute__((noinline)) static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }

static unsigned max_depth;
__attribute__((noinline)) static uint64_t deep(unsigned depth, unsigned limit) {
  volatile unsigned char frame[24];
  memset((void *)frame, (int)(depth & 0xff), sizeof frame);
  if (depth > max_depth) max_depth = depth;
  uint64_t below = depth < limit ? deep(depth + 1, limit) : 0;
  return below * 31 + frame[depth % sizeof frame] + depth;
}

int main(void) {
  for (uint64_t n = 0; n <= 6; n++) {
    calls = 0;
    uint64_t r = ackermann(2, n);
    printf("A(2,%llu) = %llu (%llu calls)\n", (unsigned long long)n, (unsigned long long)r, (unsigned long long)calls);
  }
  calls = 0;
  uint64_t a35 = ackermann(3, 5);
  printf("A(3,5) = %llu (%llu calls)\n", (unsigned long long)a35, (unsigned long long)calls);
  printf("fib(25) = %llu\n", (unsigned long long)fib(25));
  printf("is_even(10001) = %d, is_odd(10001) = %d\n", is_even(10001), is_odd(10001));
  uint64_t d = deep(0, 100000);
  printf("deep recursion: depth %u checksum %016llx\n", max_depth, (unsigned long long)d);
  return 0;
}
