/*
 * Non-canonical addresses (bits 63..47 not all equal): #GP(0), not #PF, so
 * SIGSEGV with si_code SI_KERNEL (0x80), si_addr 0, trap number 13, error 0,
 * cr2 0. Through rsp or rbp (the stack segment) it is #SS(0): SIGBUS with
 * SI_KERNEL, trap number 12. A jump or call to a non-canonical target faults
 * on the branch itself: rip is the call, nothing was pushed.
 */
#include "fault.h"

static void read_high(void) { FAULT_ASM("movabs $0x8000000000000000, %%rsi\n\tmov (%%rsi), %%eax"); }
static void read_first(void) { FAULT_ASM("movabs $0x0000800000000000, %%rsi\n\tmov (%%rsi), %%al"); }
static void write_low(void) { FAULT_ASM("movabs $0xfffe000000000000, %%rdi\n\tmovl $1, 0x40(%%rdi)"); }
static void straddle(void) { FAULT_ASM("movabs $0x00007ffffffffffc, %%rsi\n\tmov 0x1000(%%rsi), %%rax"); }
static void call_target(void) { FAULT_ASM("movabs $0x8000000000000000, %%rcx\n\tcall *%%rcx"); }
/* The label 1 right after the faulting instruction is where resume continues: it puts rsp/rbp back. */
static void stack_push(void) {
  FAULT_ASM("mov %%rsp, %%r10\n\tmovabs $0x8000000000000000, %%rsp\n\tpush %%rax\n1:\tmov %%r10, %%rsp");
}
static void rbp_read(void) {
  FAULT_ASM("mov %%rbp, %%r10\n\tmovabs $0x8000000000000000, %%rbp\n\tmov 8(%%rbp), %%eax\n1:\tmov %%r10, %%rbp");
}

static const struct variant variants[] = {
    {"read", read_high, 0},       {"read-first", read_first, 0}, {"write", write_low, 0},
    {"displacement", straddle, 0}, {"call", call_target, 0},      {"stack-push", stack_push, 0},
    {"rbp-read", rbp_read, 0},
};
FAULT_PROGRAM(variants)
