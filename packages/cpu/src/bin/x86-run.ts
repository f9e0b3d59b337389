#!/usr/bin/env node
/** x86-run: the command-line face of the Linux runtime (src/linux/cli.ts) with the real engine. */
import { CPUID_PROFILES, Cpu } from '../index.js';
import { x86RunMain } from '../linux/cli.js';

process.exitCode = x86RunMain(
  process.argv.slice(2),
  {
    createCpu: (memory, mmu, cpuid) => new Cpu({ memory, mmu, cpuid }),
    hwcap: (profile) => CPUID_PROFILES[profile]?.leaf1Edx,
    profiles: Object.keys(CPUID_PROFILES),
  },
  { stdin: 0, stdout: 1, stderr: 2, env: process.env, cwd: process.cwd() },
);
