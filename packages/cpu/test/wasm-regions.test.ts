/**
 * Regions translated to WebAssembly (src/engine/wasm). Register-only code,
 * generated at random from every form that translator takes (the ALU ops,
 * inc/dec/neg/not, shifts, imul, lea, mov, the extensions, setcc, cmovcc,
 * conditional jumps fused with their producer and not), runs here and on the
 * host CPU: all sixteen registers and the arithmetic flags must agree. A loop
 * is also checked against its closed form and its exact instruction count.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool, run, tempDir } from '@x/testkit';
import { describe, expect, it } from 'vitest';
import { assemble, machine, runToSyscall } from './support/machine.js';

const M64 = (1n << 64n) - 1n;
const ARITH = 0x8d5;

/** A small deterministic generator, so a failure names a seed that reproduces it. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

const R64 = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14'];
const R32: Record<string, string> = {
  rax: 'eax',
  rbx: 'ebx',
  rcx: 'ecx',
  rdx: 'edx',
  rsi: 'esi',
  rdi: 'edi',
  rbp: 'ebp',
  r8: 'r8d',
  r9: 'r9d',
  r10: 'r10d',
  r11: 'r11d',
  r12: 'r12d',
  r13: 'r13d',
  r14: 'r14d',
};
const R16: Record<string, string> = Object.fromEntries(
  R64.map((r) => [r, r.startsWith('r') && /\d/.test(r) ? `${r}w` : (R32[r] as string).slice(1)]),
);
const R8: Record<string, string> = {
  rax: 'al',
  rbx: 'bl',
  rcx: 'cl',
  rdx: 'dl',
  rsi: 'sil',
  rdi: 'dil',
  rbp: 'bpl',
  r8: 'r8b',
  r9: 'r9b',
  r10: 'r10b',
  r11: 'r11b',
  r12: 'r12b',
  r13: 'r13b',
  r14: 'r14b',
};
const CONDS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
/** Register numbers as the engine numbers them. */
const NUMBER: Record<string, number> = {
  rax: 0,
  rcx: 1,
  rdx: 2,
  rbx: 3,
  rbp: 5,
  rsi: 6,
  rdi: 7,
  r8: 8,
  r9: 9,
  r10: 10,
  r11: 11,
  r12: 12,
  r13: 13,
  r14: 14,
  r15: 15,
};

/**
 * A loop (r15 counts it) of random register-only instructions. Flags are read
 * (setcc, cmovcc, jcc) only where they are defined: all six after an ALU op
 * or neg (and inc/dec after them), CF and OF after imul, none after shifts.
 */
function program(seed: number, length: number): string {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const imm32 = () => (Math.floor(rnd() * 4294967296) | 0) >> pick([0, 0, 8, 16, 24, 31]);
  const lines: string[] = [];
  // Which flags the last producer left defined: all six, only CF and OF (imul), or not all of them.
  let defined: 'all' | 'co' | 'none' = 'none';
  let label = 0;
  for (let k = 0; k < length; k++) {
    const wide = rnd() < 0.6;
    const r = (x: string) => (wide ? x : (R32[x] as string));
    const d = pick(R64);
    const s = pick(R64);
    const kind = Math.floor(rnd() * 14);
    if (kind <= 2) {
      const op = pick(['add', 'sub', 'and', 'or', 'xor', 'cmp', 'test']);
      lines.push(`${op} ${r(d)}, ${rnd() < 0.5 ? r(s) : imm32()}`);
      defined = 'all';
    } else if (kind === 3) {
      lines.push(`${pick(['inc', 'dec'])} ${r(d)}`);
      if (defined === 'co') defined = 'all';
    } else if (kind === 4) {
      lines.push(`neg ${r(d)}`);
      defined = 'all';
    } else if (kind === 5) {
      lines.push(`not ${r(d)}`);
    } else if (kind === 6) {
      lines.push(`${pick(['shl', 'shr', 'sar'])} ${r(d)}, ${Math.floor(rnd() * (wide ? 64 : 33))}`);
      defined = 'none';
    } else if (kind === 7) {
      lines.push(rnd() < 0.5 ? `imul ${r(d)}, ${r(s)}` : `imul ${r(d)}, ${r(s)}, ${imm32()}`);
      defined = 'co';
    } else if (kind === 8) {
      const scale = pick([1, 2, 4, 8]);
      const disp = imm32();
      lines.push(`lea ${r(d)}, [${s} + ${pick(R64)}*${scale} ${disp < 0 ? '-' : '+'} ${Math.abs(disp)}]`);
    } else if (kind === 9) {
      const v =
        rnd() < 0.3
          ? `0x${Math.floor(rnd() * 2 ** 32).toString(16)}${Math.floor(rnd() * 2 ** 32)
              .toString(16)
              .padStart(8, '0')}`
          : imm32();
      lines.push(
        wide && typeof v === 'string' ? `movabs ${d}, ${v}` : `mov ${r(d)}, ${rnd() < 0.5 ? r(s) : imm32()}`,
      );
    } else if (kind === 10) {
      const src = pick(['b', 'w', 'd']);
      if (src === 'd') lines.push(`movsxd ${d}, ${R32[s]}`);
      else lines.push(`${pick(['movzx', 'movsx'])} ${r(d)}, ${src === 'b' ? R8[s] : R16[s]}`);
    } else if (defined === 'none') {
      lines.push(`cmp ${r(d)}, ${r(s)}`);
      defined = 'all';
    } else {
      // After imul only CF and OF may be read.
      const cc = pick(defined === 'all' ? CONDS : CONDS.slice(0, 4));
      if (kind === 11) lines.push(`set${cc} ${R8[d]}`);
      else if (kind === 12) lines.push(`cmov${cc} ${r(d)}, ${r(s)}`);
      else {
        // A conditional jump over the next instruction: a block edge, fused with its producer or not.
        lines.push(`j${cc} 9${label}f`, `add ${r(d)}, ${r(s)}`, `9${label++}:`);
        defined = 'all';
      }
    }
  }
  return `mov r15d, 7\n8:\n${lines.join('\n')}\ncmp rax, rbx\ndec r15d\njnz 8b`;
}

/** The same code run on the host: registers loaded from and stored to an array, then the flags. */
function runNatively(body: string, initial: bigint[]): { regs: bigint[]; flags: number } {
  requireTool('gcc');
  const dir = tempDir('xvm-wasm-native-');
  const order = Object.keys(NUMBER);
  const load = order.map((r) => `mov ${r}, [rdi + ${8 * (NUMBER[r] as number)}]`).join('\n');
  const store = order
    .filter((r) => r !== 'rax')
    .map((r) => `mov [rax + ${8 * (NUMBER[r] as number)}], ${r}`)
    .join('\n');
  writeFileSync(
    join(dir, 'snippet.S'),
    `.intel_syntax noprefix
.text
.globl snippet
snippet:
push rbx
push rbp
push r12
push r13
push r14
push r15
mov [rip + ctx], rdi
${load.replace(/mov rdi, \[rdi \+ 56\]\n?/, '')}
mov rdi, [rdi + 56]
${body}
pushfq
mov [rip + spare], rax
mov rax, [rip + ctx]
${store}
mov rcx, [rip + spare]
mov [rax], rcx
pop rcx
mov [rax + 128], rcx
pop r15
pop r14
pop r13
pop r12
pop rbp
pop rbx
ret
.data
ctx: .quad 0
spare: .quad 0
.section .note.GNU-stack,"",@progbits
`,
  );
  writeFileSync(
    join(dir, 'main.c'),
    `#include <stdio.h>
void snippet(unsigned long long *);
int main(void) {
  unsigned long long r[17] = { ${initial.map((v) => `${v}ull`).join(', ')} };
  snippet(r);
  for (int k = 0; k < 17; k++) printf("%llu\\n", r[k]);
  return 0;
}
`,
  );
  run('gcc', ['-O1', '-o', join(dir, 'prog'), join(dir, 'main.c'), join(dir, 'snippet.S')]);
  const out = run(join(dir, 'prog'), []).trim().split('\n').map(BigInt);
  return { regs: out.slice(0, 16), flags: Number(out[16]) };
}

describe('WebAssembly regions', () => {
  it('runs a loop in WebAssembly with the closed-form result and the exact instruction count', () => {
    // a += i ^ b; b = 3b + 1, for i < 100000 (the integer loop of bench/loop.c).
    const m = machine(
      assemble(`mov edi, 100000
xor ecx, ecx
mov edx, 1
xor esi, esi
1: mov rax, rdx
lea rdx, [rdx + rdx*2 + 1]
xor rax, rcx
add rcx, 1
add rsi, rax
cmp rcx, rdi
jb 1b
syscall`),
    );
    runToSyscall(m);
    let a = 0n;
    let b = 1n;
    for (let i = 0n; i < 100000n; i++) {
      a = (a + (i ^ b)) & M64;
      b = (b * 3n + 1n) & M64;
    }
    expect(m.cpu.getReg(6)).toBe(a);
    expect(m.cpu.getReg(2)).toBe(b);
    expect(m.cpu.instructions).toBe(4 + 7 * 100000 + 1);
    expect(m.cpu.stats.regionsInWasm).toBeGreaterThan(0);
  });

  for (let seed = 1; seed <= 16; seed++) {
    it(`agrees with the host CPU on random register code (seed ${seed})`, () => {
      const body = program(seed, 120);
      const rnd = random(seed * 7919);
      const initial = Array.from({ length: 16 }, () => {
        const v = (BigInt(Math.floor(rnd() * 2 ** 32)) << 32n) | BigInt(Math.floor(rnd() * 2 ** 32));
        return v;
      });
      initial[4] = 0n;
      initial.push(0n);
      const native = runNatively(body, initial);
      const m = machine(assemble(`${body}\nsyscall`));
      for (let n = 0; n < 16; n++) if (n !== 4) m.cpu.setReg(n, initial[n] as bigint);
      runToSyscall(m);
      expect(m.cpu.stats.regionsInWasm).toBeGreaterThan(0);
      for (let n = 0; n < 16; n++) {
        if (n === 4) continue;
        expect(`r${n}=${m.cpu.getReg(n).toString(16)}`).toBe(
          `r${n}=${(native.regs[n] as bigint).toString(16)}`,
        );
      }
      expect(m.cpu.getRflags() & ARITH).toBe(native.flags & ARITH);
    });
  }
});
