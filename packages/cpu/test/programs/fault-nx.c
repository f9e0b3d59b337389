/*
 * An instruction fetch from a present page without execute permission
 * (NX): #PF with error code 0x15 (present, user, instruction fetch), SIGSEGV
 * SEGV_ACCERR, rip = si_addr = cr2 = the target. Variants: a call into an
 * anonymous PROT_READ|PROT_WRITE page holding a `ret` (written first, so it
 * is present), the same page after mprotect took PROT_EXEC away from code
 * that ran, and a jump into the program's own (non-executable) data.
 */
#include "fault.h"

#define NX_PAGE 0x300000000ull
unsigned char data_code[16] = {0xc3};

static void call_rw(void) {
  unsigned char *p = fixed_page(NX_PAGE, PROT_READ | PROT_WRITE);
  p[0x40] = 0xc3;
  FAULT_ASM("movabs $0x300000040, %%rcx\n\tcall *%%rcx");
}
static void after_mprotect(void) {
  unsigned char *p = fixed_page(NX_PAGE, PROT_READ | PROT_WRITE | PROT_EXEC);
  p[0] = 0xb8, p[1] = 42, p[2] = 0, p[3] = 0, p[4] = 0, p[5] = 0xc3; /* mov $42, %eax; ret */
  int r = ((int (*)(void))(uintptr_t)p)();
  say("ran from the page: %d\n", r);
  mprotect(p, 4096, PROT_READ | PROT_WRITE);
  FAULT_ASM("movabs $0x300000000, %%rcx\n\tcall *%%rcx");
}
static void jump_data(void) { FAULT_ASM("lea data_code(%%rip), %%rcx\n\tcall *%%rcx"); }

static const struct variant variants[] = {
    {"call-rw-page", call_rw, 1},
    {"after-mprotect", after_mprotect, 1},
    {"data", jump_data, 1},
};
FAULT_PROGRAM(variants)
