/**
 * Engine behaviour checked against arithmetic truths and the SDM: exact
 * results and instruction counts of loops, self-modifying code, faults with
 * their vectors, error codes and CR2, and delivery through the IDT.
 */
import { describe, expect, it } from 'vitest';
import { assemble, CODE, DATA, machine, runToFault, runToSyscall, STACK_TOP } from './support/machine.js';

describe('translated execution', () => {
  it('runs a counted loop to the closed-form sum, counting every instruction', () => {
    const m = machine(assemble('mov ecx, 1000000\nxor eax, eax\n1: add rax, rcx\ndec ecx\njnz 1b\nsyscall'));
    runToSyscall(m);
    expect(m.cpu.getReg(0)).toBe((1000000n * 1000001n) / 2n);
    // 2 set-up instructions, 3 per iteration, and the syscall.
    expect(m.cpu.instructions).toBe(2 + 3 * 1000000 + 1);
  });

  it('computes 64-bit carries and borrows across the halves', () => {
    const m = machine(
      assemble(`mov rax, 0xffffffffffffffff
add rax, 1
setc bl
mov rcx, 0
sub rcx, 1
setc dl
mov rsi, 0x7fffffffffffffff
add rsi, 1
seto dil
syscall`),
    );
    runToSyscall(m);
    expect(m.cpu.getReg(0)).toBe(0n);
    expect(m.cpu.getReg(3) & 0xffn).toBe(1n);
    expect(m.cpu.getReg(1)).toBe(0xffffffffffffffffn);
    expect(m.cpu.getReg(2) & 0xffn).toBe(1n);
    expect(m.cpu.getReg(6)).toBe(0x8000000000000000n);
    expect(m.cpu.getReg(7) & 0xffn).toBe(1n);
  });

  it('sees code it has just written (self-modifying code)', () => {
    // Patch the immediate of `mov eax, 1` at label 2 to 7 through a writable alias is not possible with
    // read-only code pages, so copy the routine to the writable data page, call it, patch it, call again.
    const m = machine(
      assemble(`lea rsi, [rip + 2f]
mov rdi, ${DATA}
mov ecx, 6
rep movsb
mov rax, ${DATA}
call rax
mov ebx, eax
mov byte ptr [${DATA} + 1], 7
mov rax, ${DATA}
call rax
syscall
2: mov eax, 1
ret`),
    );
    // The data page is NX in the fixture: make it executable for this test.
    m.tables.protect(DATA, 4096, { lo: 0x7, hi: 0 });
    m.mmu.flushAll();
    runToSyscall(m);
    expect(m.cpu.getReg(3)).toBe(1n);
    expect(m.cpu.getReg(0)).toBe(7n);
    expect(m.cpu.stats.blocksInvalidated).toBeGreaterThan(0);
  });
});

describe('faults (SDM vol. 3, 6.15)', () => {
  const fault = (source: string) => runToFault(source, undefined, 1e6);

  it('#DE on division by zero, rip at the div, nothing written', () => {
    const { seen, m } = fault('mov eax, 5\nxor ecx, ecx\nmov edx, 3\ndiv ecx\nsyscall');
    expect(seen).toEqual([{ vector: 0, error: undefined, address: 0, rip: CODE + 12 }]);
    expect(m.cpu.getReg(0)).toBe(5n);
    expect(m.cpu.instructions).toBe(3);
  });

  it('#PF for a user write to a read-only page: error code P|W|U = 7, CR2 the address', () => {
    const { seen } = fault(`mov rax, ${CODE + 16}\nmov dword ptr [rax], 1\nsyscall`);
    expect(seen[0]).toMatchObject({ vector: 14, error: 7, address: CODE + 16 });
  });

  it('#PF for a not-present page: error code U (and W for a write)', () => {
    const { seen } = fault('mov rax, 0x10\nmov eax, [rax]\nsyscall');
    expect(seen[0]).toMatchObject({ vector: 14, error: 4, address: 0x10 });
    const w = fault('xor eax, eax\nmov [rax], eax\nsyscall');
    expect(w.seen[0]).toMatchObject({ vector: 14, error: 6, address: 0 });
  });

  it('#PF for an instruction fetch from an NX page: error code P|U|I = 0x15', () => {
    const { seen } = fault(`mov rax, ${DATA}\njmp rax`);
    expect(seen[0]).toMatchObject({ vector: 14, error: 0x15, address: DATA, rip: DATA });
  });

  it('#GP(0) for a non-canonical address', () => {
    const { seen } = fault('mov rax, 0x0000800000000000\nmov eax, [rax]\nsyscall');
    expect(seen[0]).toMatchObject({ vector: 13, error: 0 });
  });

  it('#GP(0) for a privileged instruction at CPL 3', () => {
    const { seen } = fault('cli\nsyscall');
    expect(seen[0]).toMatchObject({ vector: 13, error: 0, rip: CODE });
  });

  it('a fault in a self-looping block reports the faulting iteration exactly', () => {
    // Walk down the stack one qword at a time until the page below the 4 mapped ones faults.
    const { seen, m } = fault(`mov rax, ${STACK_TOP}\n1: sub rax, 8\nmov rbx, [rax]\njmp 1b`);
    expect(seen[0]).toMatchObject({ vector: 14, error: 4, address: STACK_TOP - 4 * 4096 - 8 });
    expect(m.cpu.instructions).toBe(1 + 3 * 2048 + 1);
  });
});

describe('delivery through the IDT (SDM vol. 3, 6.14)', () => {
  it('pushes SS, RSP, RFLAGS, CS, RIP and the error code, 16-byte aligned, and clears IF', () => {
    const m = machine(
      assemble(`lea rax, [rip + handler]
mov rdi, ${DATA + 0x100 + 14 * 16}
mov word ptr [rdi], ax
mov word ptr [rdi + 2], 8
mov word ptr [rdi + 4], 0x8e00
shr rax, 16
mov word ptr [rdi + 6], ax
shr rax, 16
mov dword ptr [rdi + 8], eax
lidt [rip + idtr]
lea r15, [rip + fault]
lea r14, [rip + handler]
mov rsp, ${STACK_TOP - 8}
fault:
mov byte ptr [${DATA + 4 * 4096}], 1
handler:
syscall
.balign 8
idtr: .word 16*15-1
.quad ${DATA + 0x100}`),
      {},
      0,
    );
    m.cpu.setRflags(0x202);
    let at = 0;
    m.cpu.hooks.syscall = (c) => {
      at = c.rip;
      c.requestStop();
      return true;
    };
    m.cpu.run(100);
    const handler = Number(m.cpu.getReg(14));
    expect(at).toBe(handler + 2);
    const sp = Number(m.cpu.getReg(4));
    expect(sp % 16).toBe(0);
    const stack = m.tables.lookup(sp);
    if (!stack) throw new Error('stack page missing');
    const q = (n: number) => m.memory.view.getBigUint64(stack.pa + n * 8, true);
    expect(q(0)).toBe(2n); // error code: W, supervisor, not present
    expect(q(1)).toBe(m.cpu.getReg(15)); // rip of the faulting store
    expect(q(2)).toBe(8n); // CS
    expect(q(3) & 0x200n).toBe(0x200n); // RFLAGS pushed with IF
    expect(q(4)).toBe(BigInt(STACK_TOP - 8)); // old RSP
    expect(m.cpu.getRflags() & 0x200).toBe(0);
    expect(m.cpu.cr2).toBe(DATA + 4 * 4096);
  });
});
