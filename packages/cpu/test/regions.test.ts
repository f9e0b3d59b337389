/**
 * Regions (several basic blocks translated as one function) and the inline
 * forms that rely on flag liveness, checked against arithmetic truths:
 * closed-form sums and exact instruction counts across internal jumps and
 * calls, RFLAGS exact where an exception can see them, and 64-bit products,
 * rotates and negation against BigInt.
 */
import { AccessKind } from '@x/mmu';
import { describe, expect, it } from 'vitest';
import { assemble, machine, runToSyscall, STACK_TOP } from './support/machine.js';

const M64 = (1n << 64n) - 1n;
const CF = 1;
const ZF = 0x40;
const SF = 0x80;
const OF = 0x800;

describe('regions', () => {
  it('runs an if/else loop with a call inside the page, counting every instruction', () => {
    // Sum over i = 1000..1: odd i add 3*i (through a call), even i add i.
    const m = machine(
      assemble(`mov ecx, 1000
xor eax, eax
1: test ecx, 1
jz 2f
call 3f
jmp 4f
2: add rax, rcx
4: dec ecx
jnz 1b
syscall
3: lea rdx, [rcx + rcx*2]
add rax, rdx
ret`),
    );
    runToSyscall(m);
    let sum = 0n;
    for (let i = 1000n; i >= 1n; i--) sum += i % 2n ? 3n * i : i;
    expect(m.cpu.getReg(0)).toBe(sum);
    // Per odd i: test, jz, call, lea, add, ret, jmp, dec, jnz = 9; per even i: test, jz, add, dec, jnz = 5.
    expect(m.cpu.instructions).toBe(2 + 500 * 9 + 500 * 5 + 1);
  });

  it('stops at the instruction budget even inside a loop that never leaves its region', () => {
    const m = machine(assemble('xor eax, eax\n1: add eax, 1\njmp 1b'));
    m.cpu.run(10_001);
    // The region leaves at the first jump after the budget: at most one loop body more.
    expect(m.cpu.instructions).toBeGreaterThanOrEqual(10_001);
    expect(m.cpu.instructions).toBeLessThanOrEqual(10_003);
    expect(m.cpu.getReg(0)).toBe(BigInt((m.cpu.instructions - 1) / 2));
  });
});

describe('single-stepping', () => {
  it('traps after one instruction even when it jumps to itself', () => {
    const seen: number[] = [];
    const m = machine(assemble('pushfq\nor qword ptr [rsp], 0x100\npopfq\n1: jmp 1b'), {
      exception(c, vector) {
        seen.push(vector);
        c.requestStop();
        return true;
      },
    });
    m.cpu.run(1e6);
    expect(seen).toEqual([1]);
    // pushfq, or, popfq, then the one jmp that TF traps after.
    expect(m.cpu.instructions).toBe(4);
  });
});

describe('flags where they can be seen', () => {
  function faultFlags(source: string): number {
    let flags = -1;
    const m = machine(assemble(source), {
      exception(c) {
        flags = c.getRflags();
        c.requestStop();
        return true;
      },
    });
    m.cpu.run(1e6);
    return flags;
  }

  it('a rotate before a faulting load leaves its CF in the exception frame', () => {
    // ror by 1 of 1 sets CF and (count 1) OF = CF xor MSB = 0; the following add would overwrite them, but the load faults first.
    const f = faultFlags('mov eax, 1\nror eax, 1\nmov rbx, 0x10\nmov ecx, [rbx]\nadd eax, 1\nsyscall');
    expect(f & CF).toBe(CF);
  });

  it('a 64-bit multiply before a faulting load leaves its CF and OF', () => {
    const f = faultFlags(
      'mov rax, 0x100000000\nmov rdx, 0x100000000\nimul rax, rdx\nmov rbx, 0x10\nmov ecx, [rbx]\nadd eax, 1\nsyscall',
    );
    expect(f & (CF | OF)).toBe(CF | OF);
  });

  it('a rotate before a faulting string move (movsd, implicit operands) leaves its CF', () => {
    const f = faultFlags(
      'xor esi, esi\nmov rdi, rsp\nsub rdi, 64\nmov eax, 1\nror eax, 1\nmovsd\nadd eax, 1\nsyscall',
    );
    expect(f & CF).toBe(CF);
  });
});

describe('flag records left to the edges of a block', () => {
  const PF = 0x4;

  it('a loop whose back edge skips the compare record has its flags after the loop and at a budget stop', () => {
    // The loop body starts with add, which overwrites every flag: only the exits write cmp's record.
    const source =
      'mov ecx, 999\nxor eax, eax\n1: add rax, 3\ncmp rax, rcx\njne 1b\npushfq\npop rbx\nsyscall';
    const done = machine(assemble(source));
    runToSyscall(done);
    // Last compare 999 - 999: ZF and PF (zero has even parity), no carry or sign.
    expect(Number(done.cpu.getReg(3)) & (CF | ZF | SF | PF)).toBe(ZF | PF);

    const stopped = machine(assemble(source));
    stopped.cpu.run(300);
    const k = (stopped.cpu.instructions - 2) / 3;
    expect(Number.isInteger(k) && k > 0 && k < 333).toBe(true);
    expect(stopped.cpu.getReg(0)).toBe(BigInt(3 * k));
    // 3k - 999 < 0: carry and sign; the flags before the loop (xor) had ZF and PF instead.
    expect(stopped.cpu.getRflags() & (CF | ZF | SF)).toBe(CF | SF);
  });

  it('an edge into a block that reads the flags on entry writes the record', () => {
    // cmp's CF crosses a jmp into a block that starts with adc.
    const m = machine(
      assemble('mov ecx, 5\nxor eax, eax\n1: cmp ecx, 3\njmp 2f\n2: adc eax, 0\ndec ecx\njnz 1b\nsyscall'),
    );
    runToSyscall(m);
    // CF is set for ecx = 2 and 1.
    expect(m.cpu.getReg(0)).toBe(2n);
  });
});

describe('64-bit memory operands inline', () => {
  it('loads and stores that straddle two pages, and repeat in a loop, give the stored values', () => {
    // rbx points 4 bytes below a page boundary inside the stack: every access crosses it.
    const m = machine(
      assemble(`mov rbx, ${STACK_TOP - 4096 - 4}
mov rax, 0x1122334455667788
xor edx, edx
mov ecx, 100
1: mov [rbx], rax
add qword ptr [rbx], 3
add rdx, [rbx]
mov [rbx + 8], rdx
dec ecx
jnz 1b
mov rsi, [rbx + 8]
syscall`),
    );
    runToSyscall(m);
    const v = 0x1122334455667788n + 3n;
    expect(m.cpu.getReg(2)).toBe((100n * v) & M64);
    expect(m.cpu.getReg(6)).toBe((100n * v) & M64);
  });

  it('a store that straddles into an unmapped page faults and writes nothing', () => {
    let fault = -1;
    const m = machine(
      assemble(
        `mov rbx, ${STACK_TOP - 4}\nmov dword ptr [rbx], 0x55aa55aa\nmov rax, -1\nmov [rbx], rax\nsyscall`,
      ),
      {
        exception(c, vector, _error, address) {
          fault = vector === 14 ? address : -1;
          c.requestStop();
          return true;
        },
      },
    );
    m.cpu.run(1e6);
    expect(fault).toBe(STACK_TOP);
    const pa = m.mmu.translate(STACK_TOP - 4, AccessKind.Read, 0);
    expect(m.memory.view.getUint32(pa, true)).toBe(0x55aa55aa);
  });
});

describe('inline forms against BigInt', () => {
  const values = [
    0n,
    1n,
    3n,
    0x7fffffffn,
    0x80000000n,
    0xffffffffn,
    0x100000001n,
    0x123456789abcdef0n,
    M64,
    1n << 63n,
  ];

  it('imul r64, r64 gives the low 64 bits of the product, with and without its flags observed', () => {
    for (const a of values)
      for (const b of values) {
        const m = machine(
          assemble(
            `mov rax, ${a}\nmov rbx, ${b}\nmov rcx, rax\nimul rcx, rbx\nimul rax, rbx\nseto dl\nsyscall`,
          ),
        );
        runToSyscall(m);
        const signed = (v: bigint) => BigInt.asIntN(64, v);
        const p = signed(a) * signed(b);
        expect(m.cpu.getReg(1)).toBe(p & M64);
        expect(m.cpu.getReg(0)).toBe(p & M64);
        expect(m.cpu.getReg(2) & 0xffn).toBe(BigInt.asIntN(64, p) === p ? 0n : 1n);
      }
  });

  it('rol/ror of 32- and 64-bit registers by every count class', () => {
    const rot = (v: bigint, n: number, bits: number) => {
      const w = BigInt(bits);
      const k = BigInt(n % bits);
      const mask = (1n << w) - 1n;
      return ((v << k) | (v >> ((w - k) % w))) & mask;
    };
    for (const n of [0, 1, 7, 31, 32, 33, 63]) {
      const v = 0x8123456789abcdefn;
      const m = machine(
        assemble(
          `mov rax, ${v}\nmov rbx, rax\nmov rcx, rax\nmov rdx, rax\nrol rax, ${n}\nror rbx, ${n}\nrol ecx, ${n}\nror edx, ${n}\nxor esi, esi\nsyscall`,
        ),
      );
      runToSyscall(m);
      const n32 = n & 31;
      expect(m.cpu.getReg(0)).toBe(rot(v, n, 64));
      expect(m.cpu.getReg(3)).toBe(rot(v, (64 - n) % 64, 64));
      expect(m.cpu.getReg(1)).toBe(rot(v & 0xffffffffn, n32, 32));
      expect(m.cpu.getReg(2)).toBe(rot(v & 0xffffffffn, (32 - n32) % 32, 32));
    }
  });

  it('neg and not, with the flags of 0 - x', () => {
    for (const v of values) {
      const m = machine(assemble(`mov rax, ${v}\nmov rbx, rax\nneg rax\npushfq\npop rcx\nnot rbx\nsyscall`));
      runToSyscall(m);
      const r = (0n - v) & M64;
      expect(m.cpu.getReg(0)).toBe(r);
      expect(m.cpu.getReg(3)).toBe(~v & M64);
      const f = Number(m.cpu.getReg(1));
      expect(f & CF).toBe(v === 0n ? 0 : CF);
      expect(f & ZF).toBe(r === 0n ? ZF : 0);
      expect(f & SF).toBe(r >> 63n ? SF : 0);
      expect(f & OF).toBe(v === 1n << 63n ? OF : 0);
    }
  });

  it('pushes and pops through a region that calls itself recursively', () => {
    // fact(20) by recursion: every call and return inside one page.
    const m = machine(
      assemble(`mov edi, 20
call 1f
syscall
1: cmp rdi, 1
ja 2f
mov eax, 1
ret
2: push rdi
dec rdi
call 1b
pop rdi
imul rax, rdi
ret`),
    );
    runToSyscall(m);
    let f = 1n;
    for (let i = 2n; i <= 20n; i++) f *= i;
    expect(m.cpu.getReg(0)).toBe(f);
    expect(m.cpu.getReg(4)).toBe(BigInt(STACK_TOP));
  });
});
