/*
 * Assorted system calls whose results are not fixed values: the clocks
 * (CLOCK_MONOTONIC never goes back, CLOCK_REALTIME and time() and
 * gettimeofday() agree and are after 2020, nanosleep sleeps, clock_gettime
 * of the process CPU clock moves forward), getrandom (returns what was
 * asked, with and without GRND_NONBLOCK; the bytes are not all zero),
 * getpid/getppid/gettid, uname (only sysname and machine printed),
 * a write to stderr, atexit handlers and exit status 3 (the test expects 3).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static void at_exit_1(void) { printf("atexit handler 1 (runs last)\n"); }
static void at_exit_2(void) { printf("atexit handler 2 (runs first)\n"); }

static int64_t ns(const struct timespec *t) { return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec; }

int main(void) {
  atexit(at_exit_1);
  atexit(at_exit_2);
  struct timespec m0, m1, r0, c0, c1;
  clock_gettime(CLOCK_MONOTONIC, &m0);
  int mono_ok = 1;
  for (int i = 0; i < 1000; i++) {
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    clock_gettime(CLOCK_MONOTONIC, &b);
    mono_ok &= ns(&b) >= ns(&a);
  }
  printf("monotonic never goes back: %s\n", mono_ok ? "yes" : "no");
  clock_gettime(CLOCK_REALTIME, &r0);
  time_t t = time(NULL);
  struct timeval tv;
  gettimeofday(&tv, NULL);
  printf("realtime after 2020: %s; time() agrees: %s; gettimeofday agrees: %s\n",
         r0.tv_sec > 1577836800 ? "yes" : "no", t >= r0.tv_sec && t - r0.tv_sec < 5 ? "yes" : "no",
         tv.tv_sec >= r0.tv_sec && tv.tv_sec - r0.tv_sec < 5 ? "yes" : "no");
  struct timespec nap = {0, 20 * 1000 * 1000};
  nanosleep(&nap, NULL);
  clock_gettime(CLOCK_MONOTONIC, &m1);
  printf("nanosleep 20ms: slept at least 20ms: %s\n", ns(&m1) - ns(&m0) >= 20000000 ? "yes" : "no");
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
  volatile uint64_t spin = 0;
  for (int i = 0; i < 2000000; i++) spin += (uint64_t)i;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
  printf("process cpu clock moved forward: %s\n", ns(&c1) >= ns(&c0) ? "yes" : "no");
  unsigned char a[32], b[300];
  memset(a, 0, sizeof a), memset(b, 0, sizeof b);
  ssize_t ra = getrandom(a, sizeof a, 0), rb = getrandom(b, sizeof b, GRND_NONBLOCK);
  int nz = 0;
  for (size_t i = 0; i < sizeof a; i++) nz |= a[i];
  printf("getrandom: %zd %zd, not all zero: %s\n", ra, rb, nz ? "yes" : "no");
  printf("getpid > 1: %s, getppid > 0: %s, gettid == getpid: %s\n", getpid() > 1 ? "yes" : "no",
         getppid() > 0 ? "yes" : "no", gettid() == getpid() ? "yes" : "no");
  struct utsname u;
  uname(&u);
  printf("uname: %s %s\n", u.sysname, u.machine);
  fprintf(stderr, "a line on stderr\n");
  printf("exiting with 3\n");
  exit(3);
}
