/**
 * AT_HWCAP is CPUID.1:EDX of the CPU the program runs on (ELF_HWCAP on
 * x86). The engine decides what it advertises; when it offers a `cpuid`
 * method x86-run asks it, otherwise it uses the profile's table below.
 */
import type { GuestCpu } from '../machine-interface.js';

/** CPUID.1:EDX feature bits. */
export const CPUID1_EDX = {
  FPU: 1 << 0,
  DE: 1 << 2,
  PSE: 1 << 3,
  TSC: 1 << 4,
  MSR: 1 << 5,
  PAE: 1 << 6,
  MCE: 1 << 7,
  CX8: 1 << 8,
  APIC: 1 << 9,
  SEP: 1 << 11,
  MTRR: 1 << 12,
  PGE: 1 << 13,
  MCA: 1 << 14,
  CMOV: 1 << 15,
  PAT: 1 << 16,
  PSE36: 1 << 17,
  CLFSH: 1 << 19,
  MMX: 1 << 23,
  FXSR: 1 << 24,
  SSE: 1 << 25,
  SSE2: 1 << 26,
} as const;

const E = CPUID1_EDX;
/** x86-64-v1: what every x86-64 processor has (the psABI baseline). */
const BASELINE =
  E.FPU |
  E.DE |
  E.PSE |
  E.TSC |
  E.MSR |
  E.PAE |
  E.MCE |
  E.CX8 |
  E.APIC |
  E.SEP |
  E.MTRR |
  E.PGE |
  E.MCA |
  E.CMOV |
  E.PAT |
  E.PSE36 |
  E.CLFSH |
  E.MMX |
  E.FXSR |
  E.SSE |
  E.SSE2;

/** Leaf 1 EDX by profile name; the leaf-1 EDX bits are the same for every later x86-64 level. */
export const CPUID_PROFILES: Readonly<Record<string, number>> = {
  baseline: BASELINE,
  'x86-64-v1': BASELINE,
  'x86-64-v2': BASELINE,
  'x86-64-v3': BASELINE,
};

type CpuidResult = ArrayLike<number> | { eax: number; ebx: number; ecx: number; edx: number };

/** CPUID.1:EDX: from the engine if it can answer, else from the named profile. */
export function hwcapFor(cpu: GuestCpu, profile: string): number {
  const query = (cpu as unknown as { cpuid?: (leaf: number, subleaf: number) => CpuidResult }).cpuid;
  if (typeof query === 'function') {
    const r = query.call(cpu, 1, 0);
    const edx = 'edx' in r ? r.edx : r[3];
    if (typeof edx === 'number') return edx >>> 0;
  }
  return (CPUID_PROFILES[profile] ?? BASELINE) >>> 0;
}
