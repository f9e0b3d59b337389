/**
 * The CPUID the guest sees: a named profile, so what glibc's ifunc selection and
 * a guest kernel find is a choice of the machine, not of the host. `baseline` is
 * the x86-64 baseline (SSE2); `v2` adds SSE3, SSSE3, SSE4.1/4.2, POPCNT, CX16,
 * LAHF; `v2-lzcnt` adds LZCNT/TZCNT (ABM, BMI1's tzcnt is decoded as its F3 form).
 */

export interface CpuidProfile {
  name: string;
  /** Leaf 1 ECX and EDX, leaf 7 EBX, leaf 0x80000001 ECX and EDX. */
  leaf1Ecx: number;
  leaf1Edx: number;
  leaf7Ebx: number;
  ext1Ecx: number;
  ext1Edx: number;
}

const EDX_BASE =
  (1 << 0) | // FPU
  (1 << 4) | // TSC
  (1 << 5) | // MSR
  (1 << 6) | // PAE
  (1 << 8) | // CX8
  (1 << 11) | // SEP
  (1 << 13) | // PGE
  (1 << 15) | // CMOV
  (1 << 19) | // CLFSH
  (1 << 23) | // MMX
  (1 << 24) | // FXSR
  (1 << 25) | // SSE
  (1 << 26); // SSE2

const EXT_EDX = (1 << 11) | (1 << 20) | (1 << 29); // SYSCALL, NX, LM

export const CPUID_PROFILES: Readonly<Record<string, CpuidProfile>> = {
  baseline: { name: 'baseline', leaf1Ecx: 0, leaf1Edx: EDX_BASE, leaf7Ebx: 0, ext1Ecx: 0, ext1Edx: EXT_EDX },
  v2: {
    name: 'v2',
    leaf1Ecx: (1 << 0) | (1 << 9) | (1 << 13) | (1 << 19) | (1 << 20) | (1 << 23), // SSE3 SSSE3 CX16 SSE4.1 SSE4.2 POPCNT
    leaf1Edx: EDX_BASE,
    leaf7Ebx: 0,
    ext1Ecx: 1, // LAHF/SAHF in 64-bit mode
    ext1Edx: EXT_EDX,
  },
  'v2-lzcnt': {
    name: 'v2-lzcnt',
    leaf1Ecx: (1 << 0) | (1 << 9) | (1 << 13) | (1 << 19) | (1 << 20) | (1 << 23),
    leaf1Edx: EDX_BASE,
    leaf7Ebx: 1 << 3, // BMI1 (tzcnt)
    ext1Ecx: 1 | (1 << 5), // LAHF, ABM (lzcnt)
    ext1Edx: EXT_EDX,
  },
};

function str4(s: string, at: number): number {
  let v = 0;
  for (let k = 0; k < 4; k++) v |= (s.charCodeAt(at + k) & 0xff) << (8 * k);
  return v;
}

const BRAND = 'xvm x86-64 virtual CPU'.padEnd(48, '\0');

/** CPUID result for leaf eax / subleaf ecx as [eax, ebx, ecx, edx]. */
export function cpuid(
  profile: CpuidProfile,
  leaf: number,
  subleaf: number,
): [number, number, number, number] {
  const vendor = 'GenuineIntel';
  switch (leaf >>> 0) {
    case 0:
      return [7, str4(vendor, 0), str4(vendor, 8), str4(vendor, 4)];
    case 1:
      // Family 6, model 0x3a (a plain Ivy Bridge-like signature), stepping 9; CLFLUSH line 64.
      return [0x000306a9, 8 << 8, profile.leaf1Ecx, profile.leaf1Edx];
    case 4: {
      // Deterministic cache parameters: L1d 32K, L1i 32K, L2 256K, L3 8M, 64-byte lines.
      const caches: [number, number, number, number][] = [
        [1, 1, 8, 64],
        [2, 1, 8, 64],
        [1, 2, 4, 1024],
        [1, 3, 16, 8192],
      ];
      const c = caches[subleaf];
      if (!c) return [0, 0, 0, 0];
      const [type, level, ways, sets] = c;
      return [type | (level << 5) | (1 << 8), 63 | ((ways - 1) << 22), sets - 1, 0];
    }
    case 7:
      return subleaf === 0 ? [0, profile.leaf7Ebx, 0, 0] : [0, 0, 0, 0];
    case 0x80000000:
      return [0x80000008, 0, 0, 0];
    case 0x80000001:
      return [0, 0, profile.ext1Ecx, profile.ext1Edx];
    case 0x80000002:
    case 0x80000003:
    case 0x80000004: {
      const at = ((leaf >>> 0) - 0x80000002) * 16;
      return [str4(BRAND, at), str4(BRAND, at + 4), str4(BRAND, at + 8), str4(BRAND, at + 12)];
    }
    case 0x80000006:
      return [0, 0, (256 << 16) | (6 << 12) | 64, 0];
    case 0x80000008:
      return [46 | (48 << 8), 0, 0, 0];
    default:
      return [0, 0, 0, 0];
  }
}
