/*
 * A write to a present, read-only page: #PF with error code 7 (present,
 * write, user), SIGSEGV SEGV_ACCERR, si_addr and cr2 the byte written.
 * Variants: an anonymous page mapped PROT_READ at a fixed address, the
 * program's own read-only data, and its own code. Each page is read first:
 * Linux maps a never-touched page lazily, and a write to it would report
 * "not present" (error code 6) instead; the read makes the P bit of the
 * error code the same in every run and under x86-run.
 */
#include "fault.h"

#define RO_PAGE 0x200000000ull
const char message[] = "read-only data";
uint64_t ro_target;

static void mapped(void) {
  fixed_page(RO_PAGE, PROT_READ);
  FAULT_ASM("movabs $0x200000000, %%rdi\n\tmov 0x123(%%rdi), %%al\n\tmovb $1, 0x123(%%rdi)");
}
static void rodata(void) { FAULT_ASM("lea message(%%rip), %%rdi\n\tmov 3(%%rdi), %%al\n\tmovb $1, 3(%%rdi)"); }
static void text(void) {
  ro_target = (uint64_t)(uintptr_t)&fault_main;
  FAULT_ASM("mov ro_target(%%rip), %%rdi\n\tmov (%%rdi), %%eax\n\tmovl $0x90909090, (%%rdi)");
}
static void mprotected(void) {
  char *p = fixed_page(RO_PAGE, PROT_READ | PROT_WRITE);
  p[8] = 1;
  mprotect(p, 4096, PROT_READ);
  FAULT_ASM("movabs $0x200000000, %%rdi\n\tlock incq 8(%%rdi)");
}

static const struct variant variants[] = {
    {"mapped", mapped, 0},
    {"rodata", rodata, 0},
    {"text", text, 0},
    {"mprotect", mprotected, 0},
};
FAULT_PROGRAM(variants)
