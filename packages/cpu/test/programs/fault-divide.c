/*
 * #DE, divide error: SIGFPE with si_code FPE_INTDIV, trap number 0, error code
 * 0, si_addr and rip at the div instruction. Variants: division by zero at 8,
 * 32 and 64 bits (register and memory divisor), idiv overflow (INT_MIN / -1
 * at 32 and 64 bits: Linux reports FPE_INTDIV for it too), and an unsigned
 * quotient that does not fit (rdx >= divisor).
 */
#include "fault.h"

uint64_t zero_cell;

static void div8_zero(void) { FAULT_ASM("mov $100, %%eax\n\txor %%ecx, %%ecx\n\tdiv %%cl"); }
static void div32_zero(void) { FAULT_ASM("mov $100, %%eax\n\txor %%edx, %%edx\n\txor %%ecx, %%ecx\n\tdiv %%ecx"); }
static void div64_zero_mem(void) { FAULT_ASM("mov $100, %%eax\n\txor %%edx, %%edx\n\tdivq zero_cell(%%rip)"); }
static void idiv32_overflow(void) { FAULT_ASM("mov $0x80000000, %%eax\n\tcltd\n\tmov $-1, %%ecx\n\tidiv %%ecx"); }
static void idiv64_overflow(void) {
  FAULT_ASM("movabs $0x8000000000000000, %%rax\n\tcqto\n\tmov $-1, %%rcx\n\tidiv %%rcx");
}
static void div64_quotient(void) { FAULT_ASM("mov $5, %%edx\n\txor %%eax, %%eax\n\tmov $5, %%ecx\n\tdiv %%rcx"); }

static const struct variant variants[] = {
    {"div8-zero", div8_zero, 0},
    {"div32-zero", div32_zero, 0},
    {"div64-zero-mem", div64_zero_mem, 0},
    {"idiv32-overflow", idiv32_overflow, 0},
    {"idiv64-overflow", idiv64_overflow, 0},
    {"div64-quotient", div64_quotient, 0},
};
FAULT_PROGRAM(variants)
