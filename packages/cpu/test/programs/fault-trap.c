/*
 * The other exceptions user code can raise, with what Linux makes of them:
 *   ud2, lock on a nop, into (invalid in 64-bit mode): #UD, SIGILL ILL_ILLOPN, trap 6
 *   int3 (CC) and int $3 (CD 03): #BP, SIGTRAP SI_KERNEL, trap 3, rip after it
 *   int1 / icebp (F1): #DB, SIGTRAP TRAP_BRKPT, trap 1, rip after it
 *   single step (TF set by popf): #DB, SIGTRAP TRAP_TRACE, trap 1, rip after
 *     the instruction that follows popf
 *   int $4: the overflow gate is open to user mode: SIGSEGV SI_KERNEL, trap 4
 *   int $0x0d, int $1: gates closed to user mode: #GP with the error code
 *     vector*8+2 (0x6a, 0xa), SIGSEGV SI_KERNEL, trap 13
 *   hlt, cli, in, rdmsr, mov from cr0 (privileged): #GP(0), SIGSEGV SI_KERNEL
 *   movdqa from a misaligned address: #GP(0), SIGSEGV SI_KERNEL
 *   divsd 0/0 with the invalid-operation exception unmasked in MXCSR: #XM,
 *     SIGFPE FPE_FLTINV, trap 19, MXCSR in the saved FP state
 */
#include "fault.h"

unsigned char misaligned[64];
uint32_t mxcsr_unmasked = 0x1f80 & ~0x80; /* IM cleared */

static void ud2(void) { FAULT_ASM("ud2"); }
static void lock_nop(void) { FAULT_ASM(".byte 0xf0, 0x90"); }
static void into(void) { FAULT_ASM(".byte 0xce"); }
static void int3(void) { FAULT_ASM("int3"); }
static void int_3(void) { FAULT_ASM(".byte 0xcd, 0x03"); }
static void icebp(void) { FAULT_ASM(".byte 0xf1"); }
static void single_step(void) {
  FAULT_ASM("pushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n\tnop\n\tnop\n\tnop\n\tnop");
}
static void int4(void) { FAULT_ASM("int $4"); }
static void int_0d(void) { FAULT_ASM("int $0x0d"); }
static void int_1(void) { FAULT_ASM("int $1"); }
static void hlt(void) { FAULT_ASM("hlt"); }
static void cli(void) { FAULT_ASM("cli"); }
static void in_port(void) { FAULT_ASM("inb $0x80, %%al"); }
static void rdmsr(void) { FAULT_ASM("xor %%ecx, %%ecx\n\trdmsr"); }
static void mov_cr0(void) { FAULT_ASM("mov %%cr0, %%rax"); }
static void movdqa(void) { FAULT_ASM("lea misaligned+1(%%rip), %%rsi\n\tmovdqa (%%rsi), %%xmm0"); }
static void sse_invalid(void) {
  FAULT_ASM("pxor %%xmm0, %%xmm0\n\tldmxcsr mxcsr_unmasked(%%rip)\n\tdivsd %%xmm0, %%xmm0");
}

static const struct variant variants[] = {
    {"ud2", ud2, 0},           {"lock-nop", lock_nop, 0}, {"into", into, 0},         {"int3", int3, 0},
    {"int-3", int_3, 0},       {"icebp", icebp, 0},       {"single-step", single_step, 0}, {"int-4", int4, 0},
    {"int-0x0d", int_0d, 0},   {"int-1", int_1, 0},       {"hlt", hlt, 0},           {"cli", cli, 0},
    {"in", in_port, 0},        {"rdmsr", rdmsr, 0},       {"mov-cr0", mov_cr0, 0},   {"movdqa", movdqa, 0},
    {"sse-invalid", sse_invalid, 0},
};
FAULT_PROGRAM(variants)
