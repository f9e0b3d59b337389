/*
 * setjmp/longjmp: a plain jump back, a jump out of nested calls (with the
 * callee-saved registers and volatile locals as they must be), repeated
 * jumps into the same buffer, sigsetjmp/siglongjmp saving and restoring the
 * signal mask, and a siglongjmp out of a signal handler (raise(SIGUSR1)):
 * the mask blocked for the handler must be undone. glibc mangles the saved
 * rsp, rbp and rip with a key in the thread control block (fs:0x30), taken
 * from the auxiliary vector's AT_RANDOM.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static jmp_buf env;
static sigjmp_buf senv;
static int depth_reached;

__attribute__((noinline)) static void dive(int depth, int target) {
  volatile char pad[64];
  memset((void *)pad, depth, sizeof pad);
  depth_reached = depth;
  if (depth == target) longjmp(env, depth * 10 + pad[3]);
  if (depth < 1000) dive(depth + 1, target);
}

static unsigned long mask_word(void) {
  sigset_t s;
  sigprocmask(SIG_BLOCK, NULL, &s);
  unsigned long w;
  memcpy(&w, &s, sizeof w);
  return w;
}

static void on_usr1(int sig) { siglongjmp(senv, sig); }

int main(void) {
  volatile int counter = 0;
  int r = setjmp(env);
  printf("setjmp returned %d (counter %d)\n", r, counter);
  if (counter < 3) {
    counter++;
    longjmp(env, counter == 2 ? 0 : counter * 100); /* longjmp(env, 0) makes setjmp return 1 */
  }
  for (int target = 1; target <= 200; target *= 7) {
    volatile int local = target * 3;
    int v = setjmp(env);
    if (v == 0) dive(0, target);
    printf("out of depth %d: value %d local %d\n", depth_reached, v, local);
  }
  sigset_t usr2;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  int s = sigsetjmp(senv, 1);
  printf("sigsetjmp returned %d, mask %#lx\n", s, mask_word());
  if (s == 0) {
    sigprocmask(SIG_BLOCK, &usr2, NULL);
    printf("blocked SIGUSR2, mask %#lx\n", mask_word());
    siglongjmp(senv, 7);
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  s = sigsetjmp(senv, 1);
  if (s == 0) {
    raise(SIGUSR1);
    printf("not reached\n");
  }
  printf("back from the handler with %d, mask %#lx\n", s, mask_word());
  return 0;
}
