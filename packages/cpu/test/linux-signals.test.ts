/**
 * Exceptions to signals (arch/x86/kernel/traps.c, mm/fault.c), the
 * rt_sigframe built on the guest stack and taken down by rt_sigreturn, and
 * the default actions, on a stand-in CPU. The layout constants themselves
 * are checked against the C headers in linux-abi.test.ts.
 */
import { PFEC } from '@x/mmu';
import { describe, expect, it } from 'vitest';
import { regNumber, setRegNumber } from '../src/linux/registers.js';
import {
  FP_XSTATE_MAGIC1,
  FRAME,
  FXSAVE,
  SIGCONTEXT,
  SIGINFO,
  STACK_T,
  UCONTEXT,
  XFEATURE_MASK_FPSSE,
} from '../src/linux/sigframe.js';
import { SIG, sigmaskBit } from '../src/linux/signal-numbers.js';
import { BUS_ADRALN, FPE, ILL_ILLOPN, SA, SEGV, SI, SS, TRAP } from '../src/linux/signals.js';
import { SYSCALL_NUMBERS as NR } from '../src/linux/syscalls/numbers.js';
import { PROT } from '../src/linux/vma.js';
import { Reg, Vector } from '../src/machine-interface.js';
import { makeProcess, SCRATCH, syscall, type TestProcess } from './linux-helpers.js';

const HANDLER = 0x401800;
const RESTORER = 0x401f00;
const ACT = SCRATCH + 0x8000;
const RIP = 0x401234;
const RSP = 0x7fffffffd008;

function install(t: TestProcess, signo: number, flags: number, mask = 0n, handler = HANDLER): void {
  const m = t.proc.mem;
  m.writeU64(ACT, handler);
  m.writeU64(ACT + 8, flags);
  m.writeU64(ACT + 16, RESTORER);
  m.writeU64(ACT + 24, mask);
  expect(syscall(t, NR.rt_sigaction, signo, ACT, 0, 8)).toBe(0);
}

/** Distinct values in every register, an FPU image with a pattern, rip and rsp where a program would have them. */
function setState(t: TestProcess): Int32Array {
  for (let reg = 0; reg < 16; reg++) {
    t.cpu.r[2 * reg] = 0x01010101 * (reg + 1);
    t.cpu.r[2 * reg + 1] = 0x100 + reg;
  }
  setRegNumber(t.cpu, Reg.RSP, RSP);
  t.cpu.rip = RIP;
  t.cpu.rflags = 0x10000 | 0x400 | 0x246; // RF, DF, IF ZF PF
  t.cpu.fx.forEach((_, i) => {
    t.cpu.fx[i] = (i * 7) & 0xff;
  });
  // MXCSR must stay valid: fxrstor (and so rt_sigreturn) refuses reserved bits.
  Buffer.from(t.cpu.fx.buffer).writeUInt32LE(0x1f80, FXSAVE.mxcsr);
  return t.cpu.r.slice();
}

function u64(t: TestProcess, at: number): number {
  return Number(BigInt.asIntN(64, t.proc.mem.readU64(at)));
}

/** The frame the handler got: rsp points at pretcode. */
function frame(t: TestProcess) {
  const sp = regNumber(t.cpu, Reg.RSP);
  const sc = sp + FRAME.uc + UCONTEXT.mcontext;
  const info = sp + FRAME.info;
  return {
    sp,
    pretcode: u64(t, sp),
    ucFlags: u64(t, sp + FRAME.uc + UCONTEXT.flags),
    ucLink: u64(t, sp + FRAME.uc + UCONTEXT.link),
    stack: [
      u64(t, sp + FRAME.uc + UCONTEXT.stack + STACK_T.sp),
      t.proc.mem.readU32(sp + FRAME.uc + UCONTEXT.stack + STACK_T.flags),
      u64(t, sp + FRAME.uc + UCONTEXT.stack + STACK_T.size),
    ],
    sc: (field: keyof typeof SIGCONTEXT) => u64(t, sc + SIGCONTEXT[field]),
    scAt: sc,
    sigmask: t.proc.mem.readU64(sp + FRAME.uc + UCONTEXT.sigmask),
    info: {
      signo: t.proc.mem.readI32(info + SIGINFO.signo),
      errno: t.proc.mem.readI32(info + SIGINFO.errno),
      code: t.proc.mem.readI32(info + SIGINFO.code),
      addr: u64(t, info + SIGINFO.addr),
      pid: t.proc.mem.readI32(info + SIGINFO.pid),
      uid: t.proc.mem.readI32(info + SIGINFO.uid),
    },
  };
}

describe('a fault with a SA_SIGINFO handler', () => {
  it('builds the rt_sigframe the kernel builds and enters the handler', () => {
    const t = makeProcess();
    install(t, SIG.SIGSEGV, SA.SIGINFO | SA.RESTORER, sigmaskBit(SIG.SIGUSR1));
    const before = setState(t);
    const fxBefore = t.cpu.fx.slice();
    expect(t.proc.onException(Vector.PF, PFEC.U | PFEC.W, 0x1000)).toBe(true);
    expect(t.proc.exit).toBeNull();

    const f = frame(t);
    // Below the red zone, 16-byte aligned after the return address: (rsp + 8) % 16 == 0.
    expect(f.sp).toBeLessThan(RSP - 128 - FRAME.size);
    expect((f.sp + 8) % 16).toBe(0);
    expect(t.cpu.rip).toBe(HANDLER);
    expect(regNumber(t.cpu, Reg.RDI)).toBe(SIG.SIGSEGV);
    expect(regNumber(t.cpu, Reg.RSI)).toBe(f.sp + FRAME.info);
    expect(regNumber(t.cpu, Reg.RDX)).toBe(f.sp + FRAME.uc);
    expect(regNumber(t.cpu, Reg.RAX)).toBe(0);
    expect(t.cpu.rflags & (0x400 | 0x100 | 0x10000)).toBe(0);
    expect(t.proc.signals.blocked).toBe(sigmaskBit(SIG.SIGSEGV) | sigmaskBit(SIG.SIGUSR1));

    expect(f.pretcode).toBe(RESTORER);
    expect(f.ucFlags).toBe(2 | 4); // UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS: no XSAVE
    expect(f.ucLink).toBe(0);
    expect(f.stack).toEqual([0, SS.DISABLE, 0]);
    const names = [
      'rax',
      'rcx',
      'rdx',
      'rbx',
      'rsp',
      'rbp',
      'rsi',
      'rdi',
      'r8',
      'r9',
      'r10',
      'r11',
      'r12',
      'r13',
      'r14',
      'r15',
    ] as const;
    names.forEach((name, reg) => {
      const expected = reg === Reg.RSP ? RSP : before[2 * reg + 1]! * 2 ** 32 + (before[2 * reg]! >>> 0);
      expect([name, f.sc(name)]).toEqual([name, expected]);
    });
    expect(f.sc('rip')).toBe(RIP);
    expect(f.sc('eflags')).toBe(0x10000 | 0x400 | 0x246);
    expect(t.proc.mem.readU32(f.scAt + SIGCONTEXT.cs) & 0xffff).toBe(0x33);
    expect(t.proc.mem.readU32(f.scAt + SIGCONTEXT.fs) >>> 16).toBe(0x2b);
    expect(f.sc('err')).toBe(PFEC.U | PFEC.W);
    expect(f.sc('trapno')).toBe(Vector.PF);
    expect(f.sc('cr2')).toBe(0x1000);
    expect(f.sc('oldmask')).toBe(0);
    expect(f.sigmask).toBe(0n);
    expect(f.info).toMatchObject({ signo: SIG.SIGSEGV, errno: 0, code: SEGV.MAPERR, addr: 0x1000 });

    // fpstate: the fxsave image, 64-byte aligned above the frame, with the software bytes of a CPU without XSAVE.
    const fp = f.sc('fpstate');
    expect(fp % 64).toBe(0);
    expect(fp).toBeGreaterThanOrEqual(f.sp + FRAME.size);
    expect(fp + FXSAVE.size).toBeLessThanOrEqual(RSP - 128);
    const fx = Buffer.from(t.proc.mem.read(fp, FXSAVE.size));
    expect(
      fx.subarray(0, FXSAVE.swReserved).equals(Buffer.from(fxBefore.subarray(0, FXSAVE.swReserved))),
    ).toBe(true);
    expect(fx.readUInt32LE(464)).toBe(FP_XSTATE_MAGIC1);
    expect(fx.readUInt32LE(468)).toBe(512 + 4);
    expect(fx.readBigUInt64LE(472)).toBe(BigInt(XFEATURE_MASK_FPSSE));
    expect(fx.readUInt32LE(480)).toBe(512);
    // The handler starts with a clean FPU.
    expect(Buffer.from(t.cpu.fx).readUInt16LE(0)).toBe(0x37f);
    expect(Buffer.from(t.cpu.fx).readUInt32LE(24)).toBe(0x1f80);
  });

  it("rt_sigreturn restores every register, the flags, the FPU and the mask, with the handler's edits", () => {
    const t = makeProcess();
    install(t, SIG.SIGSEGV, SA.SIGINFO | SA.RESTORER);
    const before = setState(t);
    const fxBefore = t.cpu.fx.slice();
    t.proc.onException(Vector.PF, PFEC.U, 0x1000);
    const f = frame(t);
    // The handler skips the faulting instruction and sets rax through the ucontext, as programs do.
    t.proc.mem.writeU64(f.scAt + SIGCONTEXT.rip, RIP + 3);
    t.proc.mem.writeU64(f.scAt + SIGCONTEXT.rax, 0x77);
    // Trashes registers, then `ret` to the restorer pops pretcode, which makes the call.
    t.cpu.r.fill(-1);
    setRegNumber(t.cpu, Reg.RSP, f.sp + 8);
    t.cpu.rip = RESTORER + 7;
    expect(syscall(t, NR.rt_sigreturn)).toBe(0x77);
    expect(t.cpu.rip).toBe(RIP + 3);
    for (let reg = 0; reg < 16; reg++) {
      if (reg === Reg.RAX) continue;
      const expected = reg === Reg.RSP ? RSP : before[2 * reg + 1]! * 2 ** 32 + (before[2 * reg]! >>> 0);
      expect([reg, regNumber(t.cpu, reg)]).toEqual([reg, expected]);
    }
    expect(t.cpu.rflags & 0x50dd5).toBe((0x10000 | 0x400 | 0x246) & 0x50dd5);
    expect(Buffer.from(t.cpu.fx.subarray(0, 464)).equals(Buffer.from(fxBefore.subarray(0, 464)))).toBe(true);
    expect(t.proc.signals.blocked).toBe(0n);
  });

  it('SEGV_ACCERR for an area that forbids the access; demand paging for one that allows it', () => {
    const t = makeProcess();
    install(t, SIG.SIGSEGV, SA.SIGINFO | SA.RESTORER);
    const ro = 0x20000000;
    t.space.map(ro, 8192, PROT.READ, { kind: 'anon' });
    setState(t);
    // A read of a page not yet touched: mapped on demand, the instruction retried, no signal.
    expect(t.proc.onException(Vector.PF, PFEC.U, ro)).toBe(true);
    expect(t.cpu.rip).toBe(RIP);
    expect(t.proc.signals.blocked).toBe(0n);
    // A write to it, now present and read-only: a protection fault.
    t.proc.onException(Vector.PF, PFEC.U | PFEC.W | PFEC.P, ro + 8);
    expect(frame(t).info).toMatchObject({ signo: SIG.SIGSEGV, code: SEGV.ACCERR, addr: ro + 8 });
    // A write to the untouched second page: not present, but the area forbids writes: ACCERR too.
    const u = makeProcess();
    install(u, SIG.SIGSEGV, SA.SIGINFO | SA.RESTORER);
    u.space.map(ro, 8192, PROT.READ, { kind: 'anon' });
    setState(u);
    u.proc.onException(Vector.PF, PFEC.U | PFEC.W, ro + 4096);
    expect(frame(u).info).toMatchObject({ code: SEGV.ACCERR, addr: ro + 4096 });
  });
});

describe('exceptions to signals, as traps.c maps them', () => {
  const cases: Array<
    [string, number, number | undefined, { signo: number; code: number; addr: number }, number?]
  > = [
    ['#DE', Vector.DE, undefined, { signo: SIG.SIGFPE, code: FPE.INTDIV, addr: RIP }],
    ['#UD', Vector.UD, undefined, { signo: SIG.SIGILL, code: ILL_ILLOPN, addr: RIP }],
    ['#GP', Vector.GP, 0, { signo: SIG.SIGSEGV, code: SI.KERNEL, addr: 0 }],
    ['#BP', Vector.BP, undefined, { signo: SIG.SIGTRAP, code: SI.KERNEL, addr: 0 }],
    ['#DB', Vector.DB, undefined, { signo: SIG.SIGTRAP, code: TRAP.BRKPT, addr: RIP }],
    ['#AC', Vector.AC, 0, { signo: SIG.SIGBUS, code: BUS_ADRALN, addr: 0 }],
    ['#SS', Vector.SS, 0, { signo: SIG.SIGBUS, code: SI.KERNEL, addr: 0 }],
    // SIMD: divide-by-zero flagged and unmasked in MXCSR.
    [
      '#XM',
      Vector.XM,
      undefined,
      { signo: SIG.SIGFPE, code: FPE.FLTDIV, addr: RIP },
      (0x1f80 & ~(1 << 9)) | 4,
    ],
  ];
  for (const [name, vector, error, expected, mxcsr] of cases) {
    it(`${name} → ${expected.signo}/${expected.code}`, () => {
      const t = makeProcess();
      install(t, expected.signo, SA.SIGINFO | SA.RESTORER);
      setState(t);
      if (mxcsr !== undefined) t.cpu.mxcsr = mxcsr;
      expect(t.proc.onException(vector, error, 0)).toBe(true);
      const f = frame(t);
      expect(f.info).toMatchObject(expected);
      expect(f.sc('trapno')).toBe(vector);
      expect(f.sc('err')).toBe(error ?? 0);
    });
  }

  it('saves RF in the flags of a fault, not of a trap, as the processor pushes them', () => {
    const t = makeProcess();
    install(t, SIG.SIGILL, SA.SIGINFO | SA.RESTORER);
    install(t, SIG.SIGTRAP, SA.SIGINFO | SA.RESTORER);
    setState(t);
    t.cpu.rflags = 0x246;
    t.proc.onException(Vector.UD, undefined, 0);
    expect(frame(t).sc('eflags')).toBe(0x10246);
    expect(t.cpu.rflags & 0x10000).toBe(0); // and the handler runs without it
    const u = makeProcess();
    install(u, SIG.SIGTRAP, SA.SIGINFO | SA.RESTORER);
    setState(u);
    u.cpu.rflags = 0x346; // TF: a single step
    u.proc.onException(Vector.DB, undefined, 0);
    expect(frame(u).sc('eflags')).toBe(0x346);
    expect(frame(u).info).toMatchObject({ signo: SIG.SIGTRAP, code: TRAP.TRACE, addr: RIP });
  });

  it('tells int n from an exception by the instruction before rip', () => {
    const t = makeProcess();
    install(t, SIG.SIGSEGV, SA.SIGINFO | SA.RESTORER);
    install(t, SIG.SIGTRAP, SA.SIGINFO | SA.RESTORER);
    t.space.map(0x401000, 4096, PROT.READ | PROT.EXEC, { kind: 'elf' });
    t.space.poke(RIP - 2, Uint8Array.of(0xcd, 0x0d));
    setState(t);
    t.cpu.rflags = 0x246;
    // int $0x0d: a #GP for the DPL-0 gate, error (13 << 3) | 2, at the int instruction.
    t.proc.onException(13, undefined, 0);
    let f = frame(t);
    expect(f.info).toMatchObject({ signo: SIG.SIGSEGV, code: SI.KERNEL, addr: 0 });
    expect([f.sc('trapno'), f.sc('err'), f.sc('rip'), f.sc('eflags')]).toEqual([13, 0x6a, RIP - 2, 0x10246]);
    // int3 (0xcc): SIGTRAP, rip after it, no RF.
    t.space.poke(RIP - 1, Uint8Array.of(0xcc));
    setState(t);
    t.cpu.rflags = 0x246;
    t.proc.onException(Vector.BP, undefined, 0);
    f = frame(t);
    expect(f.info).toMatchObject({ signo: SIG.SIGTRAP, code: SI.KERNEL, addr: 0 });
    expect([f.sc('trapno'), f.sc('rip'), f.sc('eflags')]).toEqual([3, RIP, 0x246]);
    // int $1 is a #GP as well (only icebp raises #DB); int $4 goes through Linux's user gate: SIGSEGV, trap 4, no RF.
    const softInt = (vector: number, check: (f: ReturnType<typeof frame>) => void) => {
      const p = makeProcess();
      install(p, SIG.SIGSEGV, SA.SIGINFO | SA.RESTORER);
      p.space.map(0x401000, 4096, PROT.READ | PROT.EXEC, { kind: 'elf' });
      p.space.poke(RIP - 2, Uint8Array.of(0xcd, vector));
      setState(p);
      p.cpu.rflags = 0x246;
      p.proc.onException(vector, undefined, 0);
      check(frame(p));
    };
    softInt(1, (f) => {
      expect(f.info).toMatchObject({ signo: SIG.SIGSEGV, code: SI.KERNEL });
      expect([f.sc('trapno'), f.sc('err'), f.sc('rip'), f.sc('eflags')]).toEqual([13, 0xa, RIP - 2, 0x10246]);
    });
    softInt(4, (f) => {
      expect(f.info).toMatchObject({ signo: SIG.SIGSEGV, code: SI.KERNEL });
      expect([f.sc('trapno'), f.sc('err'), f.sc('rip'), f.sc('eflags')]).toEqual([4, 0, RIP, 0x246]);
    });
    // int $0x80 (no IA32 emulation here) and any vector above 31: #GP too.
    const u = makeProcess();
    install(u, SIG.SIGSEGV, SA.SIGINFO | SA.RESTORER);
    u.space.map(0x401000, 4096, PROT.READ | PROT.EXEC, { kind: 'elf' });
    u.space.poke(RIP - 2, Uint8Array.of(0xcd, 0x80));
    setState(u);
    u.proc.onException(0x80, undefined, 0);
    expect([frame(u).sc('trapno'), frame(u).sc('err'), frame(u).sc('rip')]).toEqual([13, 0x402, RIP - 2]);
  });

  it('#MF takes its code from the x87 status and control words', () => {
    const t = makeProcess();
    install(t, SIG.SIGFPE, SA.SIGINFO | SA.RESTORER);
    setState(t);
    const fx = Buffer.from(t.cpu.fx.buffer);
    fx.writeUInt16LE(0x037f & ~0x8, 0); // overflow unmasked
    fx.writeUInt16LE(0x8 | 0x20, 2); // overflow and precision flagged
    t.proc.onException(Vector.MF, undefined, 0);
    expect(frame(t).info).toMatchObject({ signo: SIG.SIGFPE, code: FPE.FLTOVF, addr: RIP });
  });
});

describe('default actions and forced signals', () => {
  it('a fault without a handler kills, with a message naming the exception', () => {
    const t = makeProcess();
    setState(t);
    t.proc.onException(Vector.PF, PFEC.U | PFEC.W, 0);
    expect(t.proc.exit).toEqual({
      kind: 'signal',
      signal: SIG.SIGSEGV,
      name: 'SIGSEGV',
      detail: `#PF error 0x6 at 0x0; rip 0x${RIP.toString(16)}`,
      core: true,
    });
    expect(t.cpu.stopRequested).toBe(true);
    const u = makeProcess();
    setState(u);
    u.proc.onException(Vector.UD, undefined, 0);
    expect(u.proc.exit).toMatchObject({ signal: SIG.SIGILL, detail: `#UD; rip 0x${RIP.toString(16)}` });
    const g = makeProcess();
    setState(g);
    g.proc.onException(Vector.GP, 0, 0);
    expect(g.proc.exit).toMatchObject({
      signal: SIG.SIGSEGV,
      detail: `#GP error 0x0; rip 0x${RIP.toString(16)}`,
    });
  });

  it('a user access to a kernel address is reported as a protection fault (sanitize_error_code)', () => {
    const t = makeProcess();
    setState(t);
    t.proc.onException(Vector.PF, PFEC.U, -(2 ** 47));
    expect(t.proc.exit).toMatchObject({
      signal: SIG.SIGSEGV,
      detail: `#PF error 0x5 at 0xffff800000000000; rip 0x${RIP.toString(16)}`,
    });
  });

  it('a blocked or ignored synchronous signal still kills (force_sig)', () => {
    const t = makeProcess();
    install(t, SIG.SIGSEGV, SA.SIGINFO | SA.RESTORER);
    t.proc.mem.writeU64(ACT, sigmaskBit(SIG.SIGSEGV));
    syscall(t, NR.rt_sigprocmask, 0, ACT, 0, 8);
    setState(t);
    t.proc.onException(Vector.PF, PFEC.U, 0);
    expect(t.proc.exit).toMatchObject({ signal: SIG.SIGSEGV });
    const u = makeProcess();
    install(u, SIG.SIGFPE, SA.RESTORER, 0n, 1 /* SIG_IGN */);
    setState(u);
    u.proc.onException(Vector.DE, undefined, 0);
    expect(u.proc.exit).toMatchObject({ signal: SIG.SIGFPE, detail: `#DE; rip 0x${RIP.toString(16)}` });
  });

  it('a handler without SA_RESTORER, or a stack that cannot take the frame, ends in SIGSEGV', () => {
    const t = makeProcess();
    install(t, SIG.SIGILL, SA.SIGINFO);
    setState(t);
    t.proc.onException(Vector.UD, undefined, 0);
    expect(t.proc.exit).toMatchObject({ signal: SIG.SIGSEGV });
    const u = makeProcess();
    install(u, SIG.SIGILL, SA.SIGINFO | SA.RESTORER);
    setState(u);
    setRegNumber(u.cpu, Reg.RSP, 0x30000000);
    u.proc.onException(Vector.UD, undefined, 0);
    expect(u.proc.exit).toMatchObject({ signal: SIG.SIGSEGV });
  });

  it('SIGCHLD and SIGWINCH are ignored by default; SIGABRT dumps core (status 134 in x86-run)', () => {
    const t = makeProcess();
    expect(syscall(t, NR.kill, 4242, SIG.SIGCHLD)).toBe(0);
    expect(syscall(t, NR.tkill, 4242, SIG.SIGWINCH)).toBe(0);
    expect(t.proc.exit).toBeNull();
    expect(syscall(t, NR.tgkill, 4242, 4242, SIG.SIGABRT)).toBe(0);
    expect(t.proc.exit).toMatchObject({
      signal: SIG.SIGABRT,
      core: true,
      detail: expect.stringMatching(/tgkill/),
    });
  });
});

describe('signals sent with kill and tgkill', () => {
  it('are delivered when the system call returns, with its result saved in the frame', () => {
    const t = makeProcess();
    install(t, SIG.SIGUSR1, SA.SIGINFO | SA.RESTORER);
    setState(t);
    t.cpu.rip = 0x402000;
    expect(syscall(t, NR.kill, 4242, SIG.SIGUSR1)).toBe(0); // rax is the handler's 0 too
    expect(t.cpu.rip).toBe(HANDLER);
    const f = frame(t);
    expect(f.info).toMatchObject({ signo: SIG.SIGUSR1, code: SI.USER, pid: 4242, uid: t.proc.uid });
    expect(f.sc('rip')).toBe(0x402000);
    expect(f.sc('rax')).toBe(0);
    expect(f.sc('rcx')).toBe(0x402000);
    setRegNumber(t.cpu, Reg.RSP, f.sp + 8);
    syscall(t, NR.rt_sigreturn);
    expect(t.cpu.rip).toBe(0x402000);
    expect(syscall(t, NR.tgkill, 4242, 4242, SIG.SIGUSR1)).toBe(0);
    expect(frame(t).info).toMatchObject({ signo: SIG.SIGUSR1, code: SI.TKILL });
  });

  it('a signal unblocked by rt_sigprocmask is delivered as that call returns', () => {
    const t = makeProcess();
    install(t, SIG.SIGUSR2, SA.SIGINFO | SA.RESTORER);
    t.proc.mem.writeU64(ACT + 64, sigmaskBit(SIG.SIGUSR2));
    syscall(t, NR.rt_sigprocmask, 0, ACT + 64, 0, 8);
    setState(t);
    syscall(t, NR.kill, 4242, SIG.SIGUSR2);
    expect(t.cpu.rip).not.toBe(HANDLER);
    syscall(t, NR.rt_sigprocmask, 1, ACT + 64, 0, 8);
    expect(t.cpu.rip).toBe(HANDLER);
    // The frame's mask is the one before delivery (unblocked), restored by rt_sigreturn.
    expect(frame(t).sigmask).toBe(0n);
  });

  it('SA_NODEFER leaves the signal unblocked; SA_RESETHAND restores the default', () => {
    const t = makeProcess();
    install(t, SIG.SIGUSR1, SA.SIGINFO | SA.RESTORER | SA.NODEFER | SA.RESETHAND);
    setState(t);
    syscall(t, NR.kill, 4242, SIG.SIGUSR1);
    expect(t.cpu.rip).toBe(HANDLER);
    expect(t.proc.signals.blocked).toBe(0n);
    expect(t.proc.signals.actions[SIG.SIGUSR1]!.handler).toBe(0);
    syscall(t, NR.kill, 4242, SIG.SIGUSR1);
    expect(t.proc.exit).toMatchObject({ signal: SIG.SIGUSR1, core: false });
  });

  it('SA_ONSTACK runs the handler on the alternate stack, which SS_AUTODISARM disarms until sigreturn', () => {
    const t = makeProcess();
    const alt = 0x21000000;
    t.space.map(alt, 65536, PROT.READ | PROT.WRITE, { kind: 'anon' });
    const m = t.proc.mem;
    const stackT = (sp: number, flags: number, size: number) => {
      m.writeU64(ACT + 64, sp);
      m.writeU32(ACT + 72, flags);
      m.writeU64(ACT + 80, size);
      return ACT + 64;
    };
    expect(syscall(t, NR.sigaltstack, stackT(alt, 0, 100), 0)).toBe(-12); // ENOMEM: below MINSIGSTKSZ
    expect(syscall(t, NR.sigaltstack, stackT(alt, 7, 65536), 0)).toBe(-22); // EINVAL
    expect(syscall(t, NR.sigaltstack, stackT(alt, SS.AUTODISARM, 65536), ACT + 96)).toBe(0);
    expect([u64(t, ACT + 96), m.readU32(ACT + 104), u64(t, ACT + 112)]).toEqual([0, SS.DISABLE, 0]);
    install(t, SIG.SIGSEGV, SA.SIGINFO | SA.RESTORER | SA.ONSTACK);
    setState(t);
    t.proc.onException(Vector.PF, PFEC.U, 0x1000);
    const f = frame(t);
    expect(f.sp).toBeGreaterThan(alt);
    expect(f.sp).toBeLessThan(alt + 65536);
    expect(f.stack).toEqual([alt, SS.AUTODISARM, 65536]);
    expect(t.proc.signals.altstack.size).toBe(0);
    setRegNumber(t.cpu, Reg.RSP, f.sp + 8);
    syscall(t, NR.rt_sigreturn);
    expect(t.proc.signals.altstack).toEqual({ sp: alt, size: 65536, flags: SS.AUTODISARM });
    expect(regNumber(t.cpu, Reg.RSP)).toBe(RSP);
  });

  it('rt_sigreturn with a frame it cannot read, or an MXCSR fxrstor refuses, kills with SIGSEGV', () => {
    const t = makeProcess();
    setRegNumber(t.cpu, Reg.RSP, 0x40000000);
    syscall(t, NR.rt_sigreturn);
    expect(t.proc.exit).toMatchObject({ signal: SIG.SIGSEGV });
    const u = makeProcess();
    install(u, SIG.SIGUSR1, SA.SIGINFO | SA.RESTORER);
    setState(u);
    syscall(u, NR.kill, 4242, SIG.SIGUSR1);
    const f = frame(u);
    u.proc.mem.writeU32(f.sc('fpstate') + FXSAVE.mxcsr, 0xffff1f80);
    setRegNumber(u.cpu, Reg.RSP, f.sp + 8);
    syscall(u, NR.rt_sigreturn);
    expect(u.proc.exit).toMatchObject({
      signal: SIG.SIGSEGV,
      detail: expect.stringMatching(/bad rt_sigreturn frame/),
    });
  });
});
