/*
 * Self-modifying code. An emulator that caches decoded or translated code
 * must see every write to code:
 *   1. an RWX mapping: write "mov $imm, %eax; ret", call it, change the
 *      immediate, call again: the result changes;
 *   2. W^X: write into a RW mapping, mprotect it RX, call; mprotect RW,
 *      change, RX again, call;
 *   3. code that patches the instruction right after it while running (x86
 *      guarantees the store is seen by the next fetch), in a loop, so the
 *      same code runs before and after the patch;
 *   4. the same page mapped twice (memfd): written through one address,
 *      executed through the other.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef int (*fn)(void);

static void emit_mov_ret(unsigned char *p, int32_t imm) {
  p[0] = 0xb8; /* mov $imm32, %eax */
  memcpy(p + 1, &imm, 4);
  p[5] = 0xc3; /* ret */
}

int main(void) {
  unsigned char *rwx = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (rwx == MAP_FAILED) return 1;
  emit_mov_ret(rwx, 1234);
  int a = ((fn)(uintptr_t)rwx)();
  for (int i = 1; i < 5; i++) {
    int32_t imm = 1234 + i * 1111;
    memcpy(rwx + 1, &imm, 4);
    int b = ((fn)(uintptr_t)rwx)();
    printf("rwx: %d then %d\n", a, b);
    a = b;
  }

  unsigned char *wx = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  emit_mov_ret(wx + 100, -5);
  mprotect(wx, 4096, PROT_READ | PROT_EXEC);
  int c = ((fn)(uintptr_t)(wx + 100))();
  mprotect(wx, 4096, PROT_READ | PROT_WRITE);
  emit_mov_ret(wx + 100, 77);
  mprotect(wx, 4096, PROT_READ | PROT_EXEC);
  int d = ((fn)(uintptr_t)(wx + 100))();
  printf("w^x: %d then %d\n", c, d);

  /*
   * 3: a routine whose third instruction rewrites the immediate of the fourth
   * (through rsi, which points at it) just before it is fetched: call k
   * returns counter*10, computed by the patch, not the 0 assembled there.
   */
  unsigned char *self = rwx + 512;
  const unsigned char body[] = {
      0x8b, 0x07,             /* mov (%rdi), %eax */
      0x6b, 0xc0, 0x0a,       /* imul $10, %eax, %eax */
      0x89, 0x46, 0x01,       /* mov %eax, 1(%rsi): patch the immediate of the next instruction */
      0xb8, 0x00, 0x00, 0x00, 0x00, /* mov $0, %eax (the immediate is rewritten above) */
      0xc3,                   /* ret */
  };
  memcpy(self, body, sizeof body);
  int counter, results[4];
  for (int k = 0; k < 4; k++) {
    counter = k + 1;
    int r;
    __asm__ volatile("call *%[f]" : "=a"(r) : [f] "r"(self), "D"(&counter), "S"(self + 8) : "rcx", "rdx", "r8", "r9", "r10", "r11", "memory", "cc");
    results[k] = r;
  }
  printf("patch ahead: %d %d %d %d\n", results[0], results[1], results[2], results[3]);

  int mfd = memfd_create("smc", 0);
  if (mfd >= 0 && ftruncate(mfd, 4096) == 0) {
    unsigned char *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
    unsigned char *x = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, mfd, 0);
    emit_mov_ret(w, 31);
    int e = ((fn)(uintptr_t)x)();
    emit_mov_ret(w, 62);
    int f = ((fn)(uintptr_t)x)();
    printf("alias: %d then %d\n", e, f);
  } else {
    printf("alias: memfd unavailable\n");
  }
  return 0;
}
