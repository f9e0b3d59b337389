/**
 * The initial stack: laid out in guest memory and read back; compared with
 * the AT_* values of <elf.h>, and address for address with the stack a real
 * kernel builds for the same program, arguments and environment when
 * address-space randomisation is off (setarch -R).
 */
import { readFileSync } from 'node:fs';
import { PageTables, PhysicalMemory } from '@x/mmu';
import { requireTool, run } from '@x/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { AddressSpace } from '../src/linux/address-space.js';
import { type LoadedProgram, loadElf, parseElf } from '../src/linux/elf.js';
import { isLinuxRunError } from '../src/linux/errors.js';
import { MAX_SIGFRAME_SIZE } from '../src/linux/sigframe.js';
import { AT, buildInitialStack, type InitialStackInput, STACK_SIZE, STACK_TOP } from '../src/linux/stack.js';
import { compileC, longModeMmu } from './linux-helpers.js';

/** Prints its own initial stack: sp, argv and envp pointers, and the auxiliary vector in order. */
const STACK_DUMP = `#include <stdio.h>
#include <elf.h>
int main(int argc, char **argv, char **envp) {
  long *sp = (long *)argv - 1;
  printf("sp %lx\\nargc %ld\\n", (unsigned long)sp, sp[0]);
  for (int i = 0; i < argc; i++) printf("argv %d %lx\\n", i, (unsigned long)argv[i]);
  char **e = envp;
  for (int n = 0; *e; e++) printf("env %d %lx\\n", n++, (unsigned long)*e);
  Elf64_auxv_t *aux = (Elf64_auxv_t *)(e + 1);
  for (; aux->a_type != AT_NULL; aux++) printf("aux %lu %lx\\n", (unsigned long)aux->a_type, (unsigned long)aux->a_un.a_val);
  return 0;
}
`;

interface StackView {
  sp: number;
  argv: number[];
  env: number[];
  auxv: Array<[number, number]>;
}

function parseDump(text: string): StackView {
  const view: StackView = { sp: 0, argv: [], env: [], auxv: [] };
  for (const line of text.trim().split('\n')) {
    const [what, a, b] = line.split(' ');
    if (what === 'sp') view.sp = Number.parseInt(a!, 16);
    if (what === 'argv') view.argv.push(Number.parseInt(b!, 16));
    if (what === 'env') view.env.push(Number.parseInt(b!, 16));
    if (what === 'aux') view.auxv.push([Number(a), Number.parseInt(b!, 16)]);
  }
  return view;
}

function load(file: string): { space: AddressSpace; program: LoadedProgram } {
  const memory = new PhysicalMemory({ bytes: 64 << 20 });
  const tables = new PageTables(memory, 0);
  const space = new AddressSpace(memory, longModeMmu(memory, tables), tables, 0);
  const bytes = readFileSync(file);
  return { space, program: loadElf(space, parseElf(bytes), bytes, file) };
}

function input(program: LoadedProgram, overrides: Partial<InitialStackInput> = {}): InitialStackInput {
  return {
    argv: ['prog', 'x', 'yy'],
    env: ['A=1', 'BB=22'],
    execfn: './prog',
    program,
    hwcap: 0x078bfbff,
    hwcap2: 0,
    random: Uint8Array.from({ length: 16 }, (_, i) => i * 17),
    minSigStackSize: MAX_SIGFRAME_SIZE,
    uid: 1000,
    euid: 1001,
    gid: 100,
    egid: 101,
    ...overrides,
  };
}

let dumpProgram: string;

beforeAll(() => {
  dumpProgram = compileC('stackdump', STACK_DUMP);
});

describe('the initial stack read back from guest memory', () => {
  it('has argc, argv, envp and auxv where the kernel puts them, rsp 16-byte aligned', () => {
    const { space, program } = load(dumpProgram);
    const stack = buildInitialStack(space, input(program));
    expect(stack.sp % 16).toBe(0);
    const words = (at: number, n: number) => {
      const b = space.peek(at, n * 8);
      return Array.from({ length: n }, (_, i) => Number(new DataView(b.buffer).getBigUint64(i * 8, true)));
    };
    const cstring = (at: number) => {
      const b = space.peek(at, Math.min(256, STACK_TOP - at));
      return Buffer.from(b.subarray(0, b.indexOf(0))).toString();
    };
    const [argc, ...rest] = words(stack.sp, 1 + 3 + 1 + 2 + 1 + stack.auxv.length * 2);
    expect(argc).toBe(3);
    expect(rest.slice(0, 3).map(cstring)).toEqual(['prog', 'x', 'yy']);
    expect(rest[3]).toBe(0);
    expect(rest.slice(4, 6).map(cstring)).toEqual(['A=1', 'BB=22']);
    expect(rest[6]).toBe(0);
    const auxv: Array<[number, number]> = [];
    for (let i = 7; i < rest.length; i += 2) auxv.push([rest[i]!, rest[i + 1]!]);
    expect(auxv).toEqual(stack.auxv);
    const aux = new Map(auxv);
    expect(auxv[auxv.length - 1]).toEqual([AT.NULL, 0]);
    expect(aux.get(AT.PAGESZ)).toBe(4096);
    expect(aux.get(AT.CLKTCK)).toBe(100);
    expect(aux.get(AT.PHDR)).toBe(program.phdr);
    expect(aux.get(AT.PHENT)).toBe(56);
    expect(aux.get(AT.PHNUM)).toBe(program.image.phnum);
    expect(aux.get(AT.ENTRY)).toBe(program.entry);
    expect(aux.get(AT.BASE)).toBe(0);
    expect(aux.get(AT.SECURE)).toBe(0);
    expect([aux.get(AT.UID), aux.get(AT.EUID), aux.get(AT.GID), aux.get(AT.EGID)]).toEqual([
      1000, 1001, 100, 101,
    ]);
    expect(aux.get(AT.HWCAP)).toBe(0x078bfbff);
    expect(aux.get(AT.HWCAP2)).toBe(0);
    expect(aux.get(AT.MINSIGSTKSZ)).toBe(MAX_SIGFRAME_SIZE);
    expect([...space.peek(aux.get(AT.RANDOM)!, 16)]).toEqual([...input(program).random]);
    expect(cstring(aux.get(AT.PLATFORM)!)).toBe('x86_64');
    expect(cstring(aux.get(AT.EXECFN)!)).toBe('./prog');
    // The file name ends 8 bytes below the top, which is the end of the stack area.
    expect(aux.get(AT.EXECFN)! + './prog'.length + 1 + 8).toBe(STACK_TOP);
    expect([...space.peek(STACK_TOP - 8, 8)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    const area = space.vmas.find(stack.sp)!;
    expect([area.start, area.end, area.name]).toEqual([STACK_TOP - STACK_SIZE, STACK_TOP, '[stack]']);
  });

  it('refuses arguments larger than ARG_MAX (E2BIG)', () => {
    const { space, program } = load(dumpProgram);
    let error: unknown;
    try {
      buildInitialStack(
        space,
        input(program, { argv: Array.from({ length: 40 }, () => 'x'.repeat(100_000)) }),
      );
    } catch (e) {
      error = e;
    }
    expect(isLinuxRunError(error, 'E2BIG')).toBe(true);
  });

  it('uses the AT_* numbers of <elf.h>', () => {
    const names = Object.keys(AT);
    const source = `#include <stdio.h>
#include <elf.h>
int main(void) {
${names.map((n) => `  printf("${n} %lu\\n", (unsigned long)AT_${n});`).join('\n')}
  return 0;
}
`;
    const out = run(compileC('at-values', source), []);
    const values = Object.fromEntries(
      out
        .trim()
        .split('\n')
        .map((l) => [l.split(' ')[0], Number(l.split(' ')[1])]),
    );
    expect(values).toEqual(AT);
    expect(AT.RANDOM).toBe(25);
  });
});

describe('the initial stack against the kernel (setarch -R)', () => {
  it('puts every string and aux vector value at the address Linux does', () => {
    requireTool('setarch');
    const native = parseDump(
      run('env', ['-i', 'A=1', 'BB=22', 'setarch', 'x86_64', '-R', dumpProgram, 'x', 'yy'], { env: {} }),
    );
    const { space, program } = load(dumpProgram);
    const nativeAux = new Map(native.auxv);
    const stack = buildInitialStack(
      space,
      input(program, {
        argv: [dumpProgram, 'x', 'yy'],
        execfn: dumpProgram,
        uid: nativeAux.get(AT.UID)!,
        euid: nativeAux.get(AT.EUID)!,
        gid: nativeAux.get(AT.GID)!,
        egid: nativeAux.get(AT.EGID)!,
      }),
    );
    expect(stack.argv).toEqual(native.argv);
    expect(stack.envp).toEqual(native.env);
    const ours = new Map(stack.auxv);
    // What depends on the host CPU (HWCAP, HWCAP2, the XSAVE frame size) or on
    // what x86-run does not provide (vDSO, rseq) is left out.
    const hostOnly = new Set<number>([
      AT.HWCAP,
      AT.HWCAP2,
      AT.MINSIGSTKSZ,
      AT.SYSINFO_EHDR,
      AT.RSEQ_FEATURE_SIZE,
      AT.RSEQ_ALIGN,
      29,
      30,
    ]);
    for (const [type, value] of native.auxv) {
      if (hostOnly.has(type)) continue;
      expect([type, ours.get(type)]).toEqual([type, value]);
    }
    // Same order, minus the entries x86-run does not provide.
    const order = native.auxv.map(([t]) => t).filter((t) => ours.has(t));
    expect(stack.auxv.map(([t]) => t).filter((t) => t !== AT.NULL)).toEqual(order);
    // rsp differs only by the 16 bytes of each entry we leave out.
    const missing = native.auxv.filter(([t]) => !ours.has(t)).length;
    expect(stack.sp - native.sp).toBe(missing * 16);
  });
});
