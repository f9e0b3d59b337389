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
import { assemble, CODE, DATA, machine, runToFault, runToSyscall, STACK_TOP } from './support/machine.js';

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

const ALU_OPS = ['add', 'sub', 'and', 'or', 'xor', 'cmp', 'test'];
const PTR: Record<number, string> = { 1: 'byte', 2: 'word', 4: 'dword', 8: 'qword' };

/**
 * A loop (r15 counts it) of random instructions. Flags are read (setcc,
 * cmovcc, jcc) only where they are defined: all six after an ALU op or neg
 * (and inc/dec after them), CF and OF after imul, none after shifts. With
 * `memory`, r14 points at a 256-byte buffer and a third of the instructions
 * are the memory forms the translator takes (loads, stores, ALU ops on
 * memory, extensions, imul and cmov from memory, push/pop), byte and word
 * ALU ops, and the rax sign extensions.
 */
function program(seed: number, length: number, memory = false): string {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const imm32 = () => (Math.floor(rnd() * 4294967296) | 0) >> pick([0, 0, 8, 16, 24, 31]);
  const pool = memory ? R64.filter((r) => r !== 'r14') : R64;
  const lines: string[] = [];
  // Which flags the last producer left defined: all six, only CF and OF (imul), or not all of them.
  let defined: 'all' | 'co' | 'none' = 'none';
  let label = 0;
  for (let k = 0; k < length; k++) {
    const wide = rnd() < 0.6;
    const r = (x: string) => (wide ? x : (R32[x] as string));
    const d = pick(pool);
    const s = pick(pool);
    if (memory && rnd() < 0.35) {
      const at = (size: number) => `${PTR[size]} ptr [r14 + ${Math.floor(rnd() * (257 - size))}]`;
      const size = wide ? 8 : 4;
      const kind = Math.floor(rnd() * 13);
      const narrow = pick([1, 2]);
      const low = (x: string) => (narrow === 1 ? R8[x] : R16[x]) as string;
      if (kind === 0) lines.push(`mov ${r(d)}, ${at(size)}`, `mov ${low(s)}, ${at(narrow)}`);
      else if (kind === 1) lines.push(`mov ${at(size)}, ${rnd() < 0.5 ? r(s) : imm32()}`);
      else if (kind === 2)
        lines.push(`mov ${at(narrow)}, ${rnd() < 0.5 ? low(s) : imm32() & (narrow === 1 ? 0x7f : 0x7fff)}`);
      else if (kind === 3) {
        lines.push(`${pick(ALU_OPS)} ${r(d)}, ${at(size)}`);
        defined = 'all';
      } else if (kind === 4) {
        lines.push(`${pick(ALU_OPS)} ${at(size)}, ${rnd() < 0.5 ? r(s) : imm32()}`);
        defined = 'all';
      } else if (kind === 5) {
        if (rnd() < 0.3) lines.push(`movsxd ${d}, ${at(4)}`);
        else lines.push(`${pick(['movzx', 'movsx'])} ${r(d)}, ${at(narrow)}`);
      } else if (kind === 6) {
        if (rnd() < 0.5) {
          lines.push(`imul ${r(d)}, ${at(size)}`);
          defined = 'co';
        } else lines.push(`cmov${pick(defined === 'all' ? CONDS : CONDS.slice(0, 4))} ${r(d)}, ${at(size)}`);
      } else if (kind === 7) {
        lines.push(
          `push ${s}`,
          `push ${pick(pool)}`,
          `add ${r(d)}, ${r(s)}`,
          `pop ${d}`,
          `pop ${pick(pool)}`,
        );
        defined = 'all';
      } else if (kind <= 11) {
        // Byte and word ALU ops, on registers and memory; mostly the ones that carry out of their width.
        const imm = imm32() & (narrow === 1 ? 0xff : 0xffff);
        const op = pick([...ALU_OPS, 'add', 'sub', 'cmp', 'add', 'sub', 'cmp']);
        const form = Math.floor(rnd() * 3);
        if (form === 0) lines.push(`${op} ${low(d)}, ${rnd() < 0.5 ? low(s) : imm}`);
        else if (form === 1) lines.push(`${op} ${low(d)}, ${at(narrow)}`);
        else lines.push(`${op} ${at(narrow)}, ${rnd() < 0.5 ? low(s) : imm}`);
        // A condition right after the op reads the values it left (fused), not the flags record;
        // the sign, most often, which is wrong when a result is not brought back to its width.
        const cc = pick([...CONDS, 's', 'ns', 's', 'ns', 'e', 'ne']);
        lines.push(rnd() < 0.5 ? `set${cc} ${R8[pick(pool)]}` : `cmov${cc} ${r(d)}, ${r(s)}`);
        defined = 'all';
      } else lines.push(pick(['cdqe', 'cwde', 'cqo', 'cdq']));
      continue;
    }
    const kind = Math.floor(rnd() * 14);
    if (kind <= 2) {
      const op = pick(ALU_OPS);
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
      lines.push(`lea ${r(d)}, [${s} + ${pick(pool)}*${scale} ${disp < 0 ? '-' : '+'} ${Math.abs(disp)}]`);
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

const SSE_BINARY = ['pxor', 'por', 'pand', 'pandn', 'xorps', 'orps', 'andps', 'andnpd', 'pcmpeqb', 'pcmpeqw'];
const SSE_ARITH = [
  'pcmpeqd',
  'paddb',
  'paddw',
  'paddd',
  'paddq',
  'psubb',
  'psubw',
  'psubd',
  'psubq',
  'pminub',
  'pmaxub',
];

/**
 * A loop of random SSE moves and integer ops between XMM registers, general
 * registers and the buffer at r14 (aligned forms at multiples of 16), mixed
 * with comparisons of doubles, lane shifts, unpacks, packs and shuffles, and
 * instructions that run generically (pmaddwd, psadbw, pmulhw, bswap), so
 * that state goes back and forth between WebAssembly locals and the CPU.
 */
function sseProgram(seed: number, length: number): string {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const pool = R64.filter((r) => r !== 'r14');
  const x = () => `xmm${Math.floor(rnd() * 16)}`;
  const aligned = () => `xmmword ptr [r14 + ${16 * Math.floor(rnd() * 16)}]`;
  const at = (size: number) => `${PTR[size] ?? 'xmmword'} ptr [r14 + ${Math.floor(rnd() * (257 - size))}]`;
  const lines: string[] = [];
  for (let k = 0; k < length; k++) {
    const kind = Math.floor(rnd() * 18);
    const r = pick(pool);
    if (kind === 0)
      lines.push(`${pick(['movdqa', 'movaps', 'movapd'])} ${x()}, ${rnd() < 0.5 ? x() : aligned()}`);
    else if (kind === 1) lines.push(`${pick(['movdqa', 'movaps'])} ${aligned()}, ${x()}`);
    else if (kind === 2)
      lines.push(
        rnd() < 0.5
          ? `${pick(['movdqu', 'movups', 'movupd'])} ${x()}, ${at(16)}`
          : `movdqu ${at(16)}, ${x()}`,
      );
    else if (kind <= 4)
      lines.push(`${pick([...SSE_BINARY, ...SSE_ARITH])} ${x()}, ${rnd() < 0.7 ? x() : aligned()}`);
    else if (kind === 5) lines.push(`pmovmskb ${R32[r]}, ${x()}`);
    else if (kind === 6) {
      const form = Math.floor(rnd() * 5);
      if (form === 0) lines.push(`movq ${x()}, ${r}`);
      else if (form === 1) lines.push(`movq ${r}, ${x()}`);
      else if (form === 2) lines.push(`movq ${x()}, ${x()}`);
      else if (form === 3) lines.push(`movq ${x()}, ${at(8)}`);
      else lines.push(`movq ${at(8)}, ${x()}`);
    } else if (kind === 7) {
      const form = Math.floor(rnd() * 4);
      if (form === 0) lines.push(`movd ${x()}, ${R32[r]}`);
      else if (form === 1) lines.push(`movd ${R32[r]}, ${x()}`);
      else if (form === 2) lines.push(`movd ${x()}, ${at(4)}`);
      else lines.push(`movd ${at(4)}, ${x()}`);
    } else if (kind === 8) {
      const [op, size] = pick([
        ['movsd', 8],
        ['movss', 4],
      ] as const);
      const form = Math.floor(rnd() * 3);
      if (form === 0) lines.push(`${op} ${x()}, ${x()}`);
      else if (form === 1) lines.push(`${op} ${x()}, ${at(size)}`);
      else lines.push(`${op} ${at(size)}, ${x()}`);
    } else if (kind === 9) lines.push(`${pick(['pmaddwd', 'psadbw', 'pmulhw'])} ${x()}, ${x()}`);
    else if (kind === 10) lines.push(rnd() < 0.5 ? `bswap ${r}` : `add ${r}, ${pick(pool)}`);
    else if (kind === 12) {
      const half = pick(['movlpd', 'movlps', 'movhpd', 'movhps']);
      lines.push(rnd() < 0.5 ? `${half} ${x()}, ${at(8)}` : `${half} ${at(8)}, ${x()}`);
    } else if (kind === 13) lines.push(`${pick(['psrldq', 'pslldq'])} ${x()}, ${Math.floor(rnd() * 18)}`);
    else if (kind === 15) {
      const shift = pick(['psllw', 'psraw', 'psrlw', 'pslld', 'psrad', 'psrld', 'psllq', 'psrlq']);
      lines.push(`${shift} ${x()}, ${Math.floor(rnd() * 70)}`);
    } else if (kind === 16) {
      const op = pick([
        'punpcklbw',
        'punpckhbw',
        'punpcklwd',
        'punpckhwd',
        'punpckldq',
        'punpckhdq',
        'punpcklqdq',
        'punpckhqdq',
        'packsswb',
        'packuswb',
        'packssdw',
      ]);
      lines.push(`${op} ${x()}, ${rnd() < 0.7 ? x() : aligned()}`);
      lines.push(`pshufd ${x()}, ${rnd() < 0.7 ? x() : aligned()}, ${Math.floor(rnd() * 256)}`);
    } else if (kind === 14) {
      const wide = rnd() < 0.5;
      lines.push(`xchg ${wide ? r : R32[r]}, ${wide ? pick(pool) : R32[pick(pool)]}`);
    } else if (kind === 11) {
      // A comparison of doubles (of a register with itself: equal), then a condition on it.
      const a = x();
      lines.push(`${pick(['comisd', 'ucomisd'])} ${a}, ${pick([x(), a, at(8)])}`);
      lines.push(rnd() < 0.5 ? `set${pick(CONDS)} ${R8[r]}` : `cmov${pick(CONDS)} ${r}, ${pick(pool)}`);
    } else lines.push(`mov ${r}, ${at(8)}`);
  }
  return `mov r15d, 7\n8:\n${lines.join('\n')}\ncmp rax, rbx\ndec r15d\njnz 8b`;
}

/**
 * The same code run on the host: registers loaded from and stored to an
 * array, then the flags; with `buffer`, r14 points at a copy of it, returned
 * as the code left it.
 */
function runNatively(
  body: string,
  initial: bigint[],
  buffer = new Uint8Array(0),
  xmm: bigint[] = new Array<bigint>(32).fill(0n),
): { regs: bigint[]; flags: number; xmm: bigint[]; buffer: Uint8Array } {
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
${Array.from({ length: 16 }, (_, n) => `movdqu xmm${n}, [rdi + ${136 + 16 * n}]`).join('\n')}
${load.replace(/mov rdi, \[rdi \+ 56\]\n?/, '')}
mov rdi, [rdi + 56]
${body}
pushfq
mov [rip + spare], rax
mov rax, [rip + ctx]
${store}
${Array.from({ length: 16 }, (_, n) => `movdqu [rax + ${136 + 16 * n}], xmm${n}`).join('\n')}
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
unsigned char buffer[${Math.max(buffer.length, 1)}] __attribute__((aligned(16))) = { ${[...buffer].join(', ') || '0'} };
int main(void) {
  unsigned long long r[49] = { ${[...initial, ...xmm].map((v) => `${v}ull`).join(', ')} };
  ${buffer.length > 0 ? 'r[14] = (unsigned long long)buffer;' : ''}
  snippet(r);
  for (int k = 0; k < 49; k++) printf("%llu\\n", r[k]);
  for (unsigned k = 0; k < ${buffer.length}; k++) printf("%u\\n", buffer[k]);
  return 0;
}
`,
  );
  run('gcc', ['-O1', '-o', join(dir, 'prog'), join(dir, 'main.c'), join(dir, 'snippet.S')]);
  const out = run(join(dir, 'prog'), []).trim().split('\n').map(BigInt);
  return {
    regs: out.slice(0, 16),
    flags: Number(out[16]),
    xmm: out.slice(17, 49),
    buffer: Uint8Array.from(out.slice(49), Number),
  };
}

describe('WebAssembly regions', () => {
  it('runs a hot loop in JavaScript, then in WebAssembly, with the closed-form result and the exact instruction count', () => {
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
      {
        syscall(c) {
          c.requestStop();
          done = true;
          return true;
        },
      },
    );
    // Slices of 50,000 instructions: the first runs the loop in JavaScript until it is hot.
    let done = false;
    for (let slice = 0; !done; slice++) {
      expect(slice).toBeLessThan(100);
      m.cpu.run(50_000);
    }
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
      // Into WebAssembly at once (the loop runs 7 times: too few to run hot).
      m.cpu.wasmAfter = 0;
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

  for (let seed = 1; seed <= 16; seed++) {
    it(`agrees with the host CPU on random code with memory operands and push/pop (seed ${seed})`, () => {
      const body = program(1000 + seed, 120, true);
      const rnd = random(seed * 104729);
      const initial = Array.from(
        { length: 16 },
        () => (BigInt(Math.floor(rnd() * 2 ** 32)) << 32n) | BigInt(Math.floor(rnd() * 2 ** 32)),
      );
      initial[4] = 0n;
      initial.push(0n);
      const buffer = Uint8Array.from({ length: 256 }, () => Math.floor(rnd() * 256));
      const native = runNatively(body, initial, buffer);
      const m = machine(assemble(`${body}\nsyscall`));
      // Into WebAssembly at once (the loop runs 7 times: too few to run hot).
      m.cpu.wasmAfter = 0;
      for (let n = 0; n < 16; n++) if (n !== 4) m.cpu.setReg(n, initial[n] as bigint);
      m.cpu.setReg(14, BigInt(DATA));
      m.cpu.port.writeBytes(DATA, buffer);
      runToSyscall(m);
      expect(m.cpu.stats.regionsInWasm).toBeGreaterThan(0);
      // Every push has its pop.
      expect(m.cpu.getReg(4)).toBe(BigInt(STACK_TOP));
      for (let n = 0; n < 16; n++) {
        if (n === 4 || n === 14) continue;
        expect(`r${n}=${m.cpu.getReg(n).toString(16)}`).toBe(
          `r${n}=${(native.regs[n] as bigint).toString(16)}`,
        );
      }
      expect(m.cpu.getRflags() & ARITH).toBe(native.flags & ARITH);
      const after = new Uint8Array(256);
      m.cpu.port.readBytes(DATA, after);
      expect(Buffer.from(after).toString('hex')).toBe(Buffer.from(native.buffer).toString('hex'));
    });
  }

  /** Runs `source` with regions in WebAssembly at once until its first exception. */
  const firstFault = (source: string) =>
    runToFault(source, (m) => {
      m.cpu.wasmAfter = 0;
    });

  it('stops at a page fault in the middle of a WebAssembly loop with the exact state', () => {
    // Stores walk off the end of the data page on the 513th iteration.
    const { seen, m } = firstFault(`mov r14, ${DATA}
xor ecx, ecx
xor ebx, ebx
1: lea rax, [rcx + 3]
add rbx, rax
mov [r14 + rcx*8], rbx
inc rcx
cmp rcx, 100000
jb 1b
syscall`);
    expect(m.cpu.stats.regionsInWasm).toBeGreaterThan(0);
    // mov r14 (7 bytes), two xors (2 each), lea (4), add (3): the store is at byte 18. Not present, write, user.
    expect(seen).toEqual([{ vector: 14, error: 6, address: DATA + 4096, rip: CODE + 18 }]);
    let sum = 0n;
    for (let c = 0n; c <= 512n; c++) sum += c + 3n;
    expect(m.cpu.getReg(1)).toBe(512n);
    expect(m.cpu.getReg(3)).toBe(sum);
    expect(m.cpu.getReg(0)).toBe(515n);
    expect(m.cpu.instructions).toBe(3 + 512 * 6 + 2);
    // The flags of the add: no carry, overflow, sign or zero; PF and AF from the operands.
    const before = sum - 515n;
    const pf = [...(sum & 0xffn).toString(2)].filter((b) => b === '1').length % 2 === 0 ? 0x4 : 0;
    const af = Number((before ^ 515n ^ sum) & 0x10n);
    expect(m.cpu.getRflags() & ARITH).toBe(pf | af);
    const stored = new Uint8Array(8);
    m.cpu.port.readBytes(DATA + 511 * 8, stored);
    expect(Buffer.from(stored).readBigUInt64LE()).toBe(sum - 515n);
  });

  it('raises #GP at a ret to a non-canonical address, with the return address still on the stack', () => {
    const { seen, m } = firstFault(`mov rax, 0x0000800000000000
push rax
xor ecx, ecx
add ecx, 1
ret`);
    expect(m.cpu.stats.regionsInWasm).toBeGreaterThan(0);
    // movabs (10 bytes), push (1), xor (2), add (3): the ret is at byte 16.
    expect(seen).toEqual([{ vector: 13, error: 0, address: 0, rip: CODE + 16 }]);
    expect(m.cpu.getReg(4)).toBe(BigInt(STACK_TOP - 8));
    expect(m.cpu.getReg(1)).toBe(1n);
    expect(m.cpu.instructions).toBe(4);
  });

  for (let seed = 1; seed <= 12; seed++) {
    it(`agrees with the host CPU on random SSE moves and integer ops, mixed with generic instructions (seed ${seed})`, () => {
      const body = sseProgram(2000 + seed, 100);
      const rnd = random(seed * 7717);
      const word = () => (BigInt(Math.floor(rnd() * 2 ** 32)) << 32n) | BigInt(Math.floor(rnd() * 2 ** 32));
      const initial = Array.from({ length: 16 }, word);
      initial[4] = 0n;
      initial.push(0n);
      const xmm = Array.from({ length: 32 }, word);
      const buffer = Uint8Array.from({ length: 256 }, () => Math.floor(rnd() * 256));
      const native = runNatively(body, initial, buffer, xmm);
      const m = machine(assemble(`${body}\nsyscall`));
      m.cpu.wasmAfter = 0;
      for (let n = 0; n < 16; n++) if (n !== 4) m.cpu.setReg(n, initial[n] as bigint);
      m.cpu.setReg(14, BigInt(DATA));
      xmm.forEach((q, n) => {
        m.cpu.xmm[2 * n] = Number(q & 0xffffffffn) | 0;
        m.cpu.xmm[2 * n + 1] = Number(q >> 32n) | 0;
      });
      m.cpu.port.writeBytes(DATA, buffer);
      runToSyscall(m);
      expect(m.cpu.stats.regionsInWasm).toBeGreaterThan(0);
      for (let n = 0; n < 16; n++) {
        if (n === 4 || n === 14) continue;
        expect(`r${n}=${m.cpu.getReg(n).toString(16)}`).toBe(
          `r${n}=${(native.regs[n] as bigint).toString(16)}`,
        );
      }
      for (let q = 0; q < 32; q++) {
        const v =
          (BigInt((m.cpu.xmm[2 * q + 1] as number) >>> 0) << 32n) |
          BigInt((m.cpu.xmm[2 * q] as number) >>> 0);
        expect(`xmm${q >> 1}.${q & 1}=${v.toString(16)}`).toBe(
          `xmm${q >> 1}.${q & 1}=${(native.xmm[q] as bigint).toString(16)}`,
        );
      }
      expect(m.cpu.getRflags() & ARITH).toBe(native.flags & ARITH);
      const after = new Uint8Array(256);
      m.cpu.port.readBytes(DATA, after);
      expect(Buffer.from(after).toString('hex')).toBe(Buffer.from(native.buffer).toString('hex'));
    });
  }

  it('compares doubles with comisd and ucomisd as the host does: less, equal, greater, ±0, ±∞, NaN, denormals', () => {
    const pairs = [
      [1, 2],
      [2, 1],
      [-0, 0],
      [3.5, 3.5],
      [Number.NEGATIVE_INFINITY, -1e308],
      [Number.NaN, 1],
      [5e-324, 0],
      [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY],
    ];
    const buffer = new Uint8Array(256);
    const view = new DataView(buffer.buffer);
    pairs.forEach(([a, b], p) => {
      view.setFloat64(16 * p, a as number, true);
      view.setFloat64(16 * p + 8, b as number, true);
    });
    const conds = ['a', 'ae', 'b', 'be', 'e', 'ne', 'p', 'np'];
    const body = pairs
      .map((_, p) =>
        [
          `movq xmm0, qword ptr [r14 + ${16 * p}]`,
          `movq xmm1, qword ptr [r14 + ${16 * p + 8}]`,
          `${p % 2 ? 'ucomisd' : 'comisd'} xmm0, ${p % 4 < 2 ? 'xmm1' : `qword ptr [r14 + ${16 * p + 8}]`}`,
          ...conds.flatMap((cc, c) => [`set${cc} al`, `mov byte ptr [r14 + ${128 + 8 * p + c}], al`]),
        ].join('\n'),
      )
      .join('\n');
    const native = runNatively(body, new Array<bigint>(17).fill(0n), buffer);
    const m = machine(assemble(`${body}\nsyscall`));
    m.cpu.wasmAfter = 0;
    m.cpu.setReg(14, BigInt(DATA));
    m.cpu.port.writeBytes(DATA, buffer);
    runToSyscall(m);
    expect(m.cpu.stats.regionsInWasm).toBeGreaterThan(0);
    const after = new Uint8Array(256);
    m.cpu.port.readBytes(DATA, after);
    expect(Buffer.from(after).toString('hex')).toBe(Buffer.from(native.buffer).toString('hex'));
  });

  it('adds the FS base that a wrmsr run generically set to later loads through FS', () => {
    // At CPL 0: wrmsr to FS_BASE, then a load through FS (with a ModRM operand, not moffs).
    const m = machine(
      assemble(`mov ecx, 0xc0000100
mov eax, ${DATA}
xor edx, edx
wrmsr
xor ebx, ebx
mov rax, fs:[rbx + 8]
syscall`),
      {},
      0,
    );
    m.cpu.wasmAfter = 0;
    m.cpu.port.writeBytes(DATA + 8, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
    runToSyscall(m);
    expect(m.cpu.stats.regionsInWasm).toBeGreaterThan(0);
    expect(m.cpu.getReg(0)).toBe(0x0807060504030201n);
  });
});
