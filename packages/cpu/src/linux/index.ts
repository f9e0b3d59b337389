/**
 * The Linux user-mode runtime of x86-run: static x86-64 ELF programs run in
 * their own address space on the emulated CPU, with their system calls
 * answered from the host. `runLinuxProgram` is the whole of it; the rest is
 * exported for tests and for tools that build on parts (the ELF loader, the
 * initial stack, the signal frame layout).
 */
export { AddressSpace, FaultResult, MMAP_MIN_ADDR, TASK_SIZE } from './address-space.js';
export { findProgram, X86_RUN_USAGE, type X86RunEngine, type X86RunIo, x86RunMain } from './cli.js';
export { CPUID_PROFILES as HWCAP_PROFILES, hwcapFor } from './cpuid-profile.js';
export {
  ELF_ET_DYN_BASE,
  type ElfImage,
  type LoadedProgram,
  loadBias,
  loadElf,
  PF,
  type ProgramHeader,
  PT,
  parseElf,
} from './elf.js';
export { ERRNO, errnoMessage, errnoName } from './errno.js';
export { GuestFault, isLinuxRunError, LinuxRunError, type LinuxRunErrorCode } from './errors.js';
export { type ProcessExit, syscallChannel } from './process.js';
export {
  formatStats,
  type LinuxRunOptions,
  type LinuxRunResult,
  type LinuxRunStats,
  runLinuxProgram,
} from './run.js';
export { FRAME, MAX_SIGFRAME_SIZE, SIGCONTEXT, SIGINFO, UCONTEXT } from './sigframe.js';
export { SIG, signalName } from './signal-numbers.js';
export {
  AT,
  buildInitialStack,
  type InitialStack,
  type InitialStackInput,
  STACK_SIZE,
  STACK_TOP,
} from './stack.js';
export { SYSCALL_NUMBERS, syscallName } from './syscalls/numbers.js';
export { implementedSyscalls } from './syscalls/table.js';
export { PROT, type Vma, VmaList } from './vma.js';
