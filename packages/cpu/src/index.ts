/**
 * @x/cpu: an x86-64 processor. The decoder turns bytes into instructions, the
 * engine runs them as translated blocks over @x/mmu, and hooks let the layer
 * above (the Linux runtime of x86-run, a hypervisor) take system calls,
 * exceptions and port I/O.
 */
export { decode, MAX_INSTRUCTION_LENGTH } from './decoder/decode.js';
export {
  type Instruction,
  type Operand,
  OperandKind,
  RegClass,
  RIP_BASE,
  Seg,
} from './decoder/instruction.js';
export { Cpu, type CpuOptions, type CpuStats } from './engine/cpu.js';
export { CPUID_PROFILES, type CpuidProfile, cpuid } from './engine/cpuid.js';
export { CpuFault } from './engine/fault.js';
export { RFLAGS } from './engine/flags.js';
export { MSR } from './engine/handlers/system.js';
export { TripleFault } from './engine/interrupts.js';
export {
  type LinuxRunOptions,
  type LinuxRunResult,
  type LinuxRunStats,
  loadElf,
  parseElf,
  runLinuxProgram,
} from './linux/index.js';
export {
  bigFromHalves,
  type CpuHooks,
  type GuestCpu,
  isCanonicalHalves,
  linearFromHalves,
  Reg,
  StopReason,
  Vector,
} from './machine-interface.js';
