/**
 * Indirect calls and jumps whose target the block cache has learned: the
 * target's code is translated into the caller's region behind a check of the
 * rip, and the callee's `ret` lands back inside it. Whatever the prediction,
 * results, instruction counts and fault state must be those of the program:
 * checked here against closed forms while targets change, alternate, recurse
 * and fault. The callees sit on another page than their callers.
 */
import { describe, expect, it } from 'vitest';
import { assemble, CODE, DATA, machine, runToSyscall, STACK_TOP } from './support/machine.js';

/** Sum of i for i in [a, b]. */
const sum = (a: number, b: number) => (b < a ? 0 : ((a + b) * (b - a + 1)) / 2);

describe('predicted indirect calls', () => {
  it('follow a target that changes half way through the loop', () => {
    // rbx = f1 for ecx = 3000..1500 (the switch happens after the call at 1500), f2 below.
    const m = machine(
      assemble(`mov ecx, 3000
xor eax, eax
lea rbx, [rip + f1]
1: call rbx
cmp ecx, 1500
jne 2f
lea rbx, [rip + f2]
2: dec ecx
jnz 1b
syscall
.p2align 12
f1: add rax, rcx
ret
f2: lea rax, [rax + rcx * 2]
ret`),
    );
    runToSyscall(m);
    expect(m.cpu.getReg(0)).toBe(BigInt(sum(1500, 3000) + 2 * sum(1, 1499)));
    // Per iteration: call, callee body, ret, cmp, jne, dec, jnz; one lea; the set-up and the syscall.
    expect(m.cpu.instructions).toBe(3 + 3000 * 7 + 1 + 1);
    expect(m.cpu.getReg(4)).toBe(BigInt(STACK_TOP));
  });

  it('stay exact when a site alternates between targets and cycles through more than it expects', () => {
    // A table of five callees in the data page. Target k of the call at iteration i is
    // (i / 64) % 5: a new phase every 64 calls, each long enough to be learned, and more
    // targets than a site keeps. Odd iterations also call through a second site that alternates.
    const m = machine(
      assemble(`xor eax, eax
xor r8d, r8d
mov ecx, 1
mov r9d, ${DATA}
${[0, 1, 2, 3, 4].map((k) => `lea r10, [rip + t${k}]\nmov [r9 + ${8 * k}], r10`).join('\n')}
1: mov edx, ecx
shr edx, 6
mov r10d, edx
imul r10, r10, 0x33333334
shr r10, 32
lea r10d, [r10 + r10 * 4]
sub edx, r10d
call [r9 + rdx * 8]
test ecx, 1
jz 2f
mov edx, ecx
shr edx, 1
and edx, 1
call [r9 + rdx * 8]
2: inc ecx
cmp ecx, 1001
jne 1b
syscall
.p2align 12
t0: add rax, rcx
ret
t1: add r8, rcx
ret
t2: lea rax, [rax + rcx * 2]
ret
t3: sub rax, rcx
ret
t4: xor r8, rcx
ret
`),
    );
    runToSyscall(m);
    let rax = 0n;
    let r8 = 0n;
    const apply = (k: number, i: bigint) => {
      if (k === 0) rax += i;
      else if (k === 1) r8 += i;
      else if (k === 2) rax += 2n * i;
      else if (k === 3) rax -= i;
      else r8 ^= i;
    };
    // Set-up (4 and the table's 10) and the syscall; per iteration the 8 instructions up to the
    // call, the callee's 2, test and jz, on odd i 4 more and a callee, then inc, cmp, jne.
    let count = 14 + 1;
    for (let i = 1; i <= 1000; i++) {
      apply((i >> 6) % 5, BigInt(i));
      count += 8 + 2 + 2;
      if (i & 1) {
        apply((i >> 1) & 1, BigInt(i));
        count += 4 + 2;
      }
      count += 3;
    }
    const M64 = (1n << 64n) - 1n;
    expect(m.cpu.getReg(0)).toBe(rax & M64);
    expect(m.cpu.getReg(8)).toBe(r8 & M64);
    expect(m.cpu.instructions).toBe(count);
  });

  it('recurse through a function pointer, every return landing on its own call', () => {
    // f(n) = n == 0 ? 0 : n + f(n - 1), called through rbx, 600 times for n = 0..599 and once deep.
    const m = machine(
      assemble(`lea rbx, [rip + f]
xor r12d, r12d
xor r13d, r13d
1: mov edi, r13d
call rbx
add r12, rax
inc r13d
cmp r13d, 600
jne 1b
syscall
.p2align 12
f: xor eax, eax
test rdi, rdi
jz 2f
push rdi
dec rdi
call rbx
pop rdi
add rax, rdi
2: ret`),
    );
    runToSyscall(m);
    let total = 0n;
    let count = 3 + 1;
    for (let n = 0; n < 600; n++) {
      total += BigInt(sum(0, n));
      // Caller: mov, call, add, inc, cmp, jne; callee: n frames of xor, test, jz, push, dec,
      // call, pop, add, ret, and the base case's xor, test, jz, ret.
      count += 6 + n * 9 + 4;
    }
    expect(m.cpu.getReg(12)).toBe(total);
    expect(m.cpu.instructions).toBe(count);
    expect(m.cpu.getReg(4)).toBe(BigInt(STACK_TOP));
  });

  it('report a fault inside a predicted callee at the callee instruction, with the count of what ran', () => {
    // The callee loads [rdi]; rdi walks through the data page and, at call 501, past its end.
    let fault: { vector: number; rip: number; address: number; count: number; rsp: bigint } | null = null;
    const m = machine(
      assemble(`lea rbx, [rip + f]
mov rdi, ${DATA + 4096 - 500 * 8}
xor eax, eax
1: call rbx
add rdi, 8
jmp 1b
.p2align 12
f: nop
add rax, [rdi]
ret`),
      {
        exception(c, vector, _error, address) {
          fault = { vector, rip: c.rip, address, count: c.instructions, rsp: c.getReg(4) };
          c.requestStop();
          return true;
        },
      },
    );
    m.cpu.run(1e6);
    expect(fault).not.toBeNull();
    const f = fault as unknown as {
      vector: number;
      rip: number;
      address: number;
      count: number;
      rsp: bigint;
    };
    expect(f.vector).toBe(14);
    expect(f.address).toBe(DATA + 4096);
    // f is the first thing on the second page; its load is the instruction after the 1-byte nop.
    expect(f.rip).toBe(CODE + 4096 + 1);
    // Three set-up instructions, 500 full iterations of call, nop, add, ret, add, jmp, then call and nop.
    expect(f.count).toBe(3 + 500 * 6 + 2);
    // The return address of the faulting call is still on the stack.
    expect(f.rsp).toBe(BigInt(STACK_TOP - 8));
  });
});
