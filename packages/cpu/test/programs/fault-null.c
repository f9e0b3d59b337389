/*
 * #PF on the null page (nothing is mapped there): SIGSEGV SEGV_MAPERR, trap
 * number 14, error code 4 (user, read, not present), 6 (write) or 0x14
 * (instruction fetch), si_addr and cr2 the address touched. Variants: read
 * of address 0, read of 0x10 (a field of a null struct pointer), write of 8,
 * a call to address 0 (rip is 0 in the frame; resume pops the return address).
 */
#include "fault.h"

static void read0(void) { FAULT_ASM("xor %%esi, %%esi\n\tmov (%%rsi), %%eax"); }
static void read16(void) { FAULT_ASM("xor %%esi, %%esi\n\tmov 0x10(%%rsi), %%rax"); }
static void write8(void) { FAULT_ASM("xor %%edi, %%edi\n\tmovq $7, 8(%%rdi)"); }
static void call0(void) { FAULT_ASM("xor %%ecx, %%ecx\n\tcall *%%rcx"); }

static const struct variant variants[] = {
    {"read", read0, 0},
    {"read-offset", read16, 0},
    {"write", write8, 0},
    {"call", call0, 1},
};
FAULT_PROGRAM(variants)
