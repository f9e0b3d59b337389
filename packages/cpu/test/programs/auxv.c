/*
 * What the process starts with: argc and argv, the environment (the test
 * gives both runs the same small environment), and the auxiliary vector the
 * kernel (or x86-run) puts above them: AT_PAGESZ, AT_CLKTCK, AT_PHDR,
 * AT_PHENT, AT_PHNUM, AT_ENTRY (fixed in a static non-PIE program), AT_BASE
 * (0: no interpreter), AT_FLAGS, AT_UID/EUID/GID/EGID, AT_SECURE,
 * AT_PLATFORM, AT_EXECFN, AT_RANDOM (16 bytes: present, not printed).
 * Not printed: AT_HWCAP/AT_HWCAP2 (the CPU), AT_SYSINFO_EHDR (the vDSO, at a
 * random address), AT_MINSIGSTKSZ (depends on the CPU's XSAVE size).
 * Also checks the stack layout: envp right after argv's NULL, auxv after
 * envp's NULL, argv strings in order, rsp 16-byte aligned in main.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>

extern char **environ;

int main(int argc, char **argv, char **envp) {
  printf("argc %d\n", argc);
  for (int i = 0; i < argc; i++) printf("argv[%d] \"%s\"\n", i, argv[i]);
  printf("argv[argc] %s\n", argv[argc] ? "not NULL" : "NULL");
  printf("envp follows argv: %s; environ is envp: %s\n", envp == argv + argc + 1 ? "yes" : "no",
         environ == envp ? "yes" : "no");
  int n = 0;
  for (char **e = envp; *e; e++, n++) printf("env \"%s\"\n", *e);
  char **end = envp + n + 1;
  const Elf64_auxv_t *aux = (const Elf64_auxv_t *)end;
  const struct {
    unsigned long type;
    const char *name;
    int string;
  } shown[] = {{AT_PAGESZ, "AT_PAGESZ", 0}, {AT_CLKTCK, "AT_CLKTCK", 0}, {AT_PHDR, "AT_PHDR", 0},
               {AT_PHENT, "AT_PHENT", 0},   {AT_PHNUM, "AT_PHNUM", 0},   {AT_ENTRY, "AT_ENTRY", 0},
               {AT_BASE, "AT_BASE", 0},     {AT_FLAGS, "AT_FLAGS", 0},   {AT_UID, "AT_UID", 0},
               {AT_EUID, "AT_EUID", 0},     {AT_GID, "AT_GID", 0},       {AT_EGID, "AT_EGID", 0},
               {AT_SECURE, "AT_SECURE", 0}, {AT_PLATFORM, "AT_PLATFORM", 1}, {AT_EXECFN, "AT_EXECFN", 1}};
  for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) {
    unsigned long v = getauxval(shown[i].type);
    if (shown[i].string) printf("%s \"%s\"\n", shown[i].name, v ? (const char *)v : "(none)");
    else printf("%s %#lx\n", shown[i].name, v);
  }
  int found_random = 0, found_null = 0, entries = 0;
  for (const Elf64_auxv_t *a = aux; entries < 64; a++, entries++) {
    if (a->a_type == AT_NULL) {
      found_null = 1;
      break;
    }
    if (a->a_type == AT_RANDOM) {
      const unsigned char *r = (const unsigned char *)a->a_un.a_val;
      int nonzero = 0;
      for (int k = 0; k < 16; k++) nonzero |= r[k];
      found_random = nonzero ? 2 : 1;
    }
  }
  printf("auxv after envp ends with AT_NULL: %s; AT_RANDOM: %s\n", found_null ? "yes" : "no",
         found_random == 2 ? "16 bytes, not all zero" : found_random ? "all zero" : "missing");
  
  int ordered = 1;
  for (int i = 1; i < argc; i++) ordered &= argv[i] > argv[i - 1];
  printf("argv strings in ascending order: %s\n", ordered ? "yes" : "no");
  uintptr_t sp;
  __asm__("mov %%rsp, %0" : "=r"(sp));
  printf("rsp in main 16-byte aligned: %s\n", sp % 16 == 0 ? "yes" : "no");
  return 0;
}
