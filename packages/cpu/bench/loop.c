/* The integer loop of the benchmark: an add, a xor, a multiply-add and the loop test, N times (argument). */
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  unsigned long n = argc > 1 ? strtoul(argv[1], 0, 10) : 100000000;
  unsigned long a = 0, b = 1;
  for (unsigned long i = 0; i < n; i++) { a += i ^ b; b = b * 3 + 1; }
  printf("%lu %lu\n", a, b);
  return 0;
}
