/*
 * User access to the kernel half of the address space: #PF, SIGSEGV with
 * SEGV_MAPERR. Linux reports the error code with the P (protection) bit set
 * for any address at or above TASK_SIZE_MAX = 0x7ffffffff000, whether or not
 * the page is mapped in the kernel (5: read, 7: write, 0x15: fetch), so the
 * last page below 2^47 counts as kernel too. Variants: read and write of
 * 0xffffffff81000000 (the kernel text base), a call there (rip is the target;
 * resume pops the return address), the bottom of the kernel half, and
 * 0x7ffffffff000.
 */
#include "fault.h"

static void kread(void) { FAULT_ASM("movabs $0xffffffff81000000, %%rsi\n\tmov (%%rsi), %%rax"); }
static void kwrite(void) { FAULT_ASM("movabs $0xffffffff81000000, %%rdi\n\tmovb $0, 0x10(%%rdi)"); }
static void kcall(void) { FAULT_ASM("movabs $0xffffffff81000000, %%rcx\n\tcall *%%rcx"); }
static void kbottom(void) { FAULT_ASM("movabs $0xffff800000000000, %%rsi\n\tmov (%%rsi), %%eax"); }
static void top_user_page(void) { FAULT_ASM("movabs $0x00007ffffffff000, %%rsi\n\tmov 0x20(%%rsi), %%eax"); }

static const struct variant variants[] = {
    {"read", kread, 0},         {"write", kwrite, 0}, {"call", kcall, 1}, {"kernel-bottom", kbottom, 0},
    {"top-user-page", top_user_page, 0},
};
FAULT_PROGRAM(variants)
