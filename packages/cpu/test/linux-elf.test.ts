/**
 * The ELF loader against `readelf -lW` of real static programs: gcc -static,
 * gcc -static-pie, musl-gcc -static (compiled here) and Debian's busybox.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PageTables, PhysicalMemory, PTE, PTE_HI } from '@x/mmu';
import { requireTool, run, tempDir } from '@x/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { AddressSpace } from '../src/linux/address-space.js';
import { ELF_ET_DYN_BASE, loadElf, PF, type ProgramHeader, PT, parseElf } from '../src/linux/elf.js';
import { isLinuxRunError } from '../src/linux/errors.js';
import { PROT } from '../src/linux/vma.js';
import { compileC, longModeMmu } from './linux-helpers.js';

const HELLO = `#include <stdio.h>
int main(int argc, char **argv) { printf("hello, world (%d args)\\n", argc); return argc; }
`;

const PT_NAMES: Record<string, number> = {
  NULL: PT.NULL,
  LOAD: PT.LOAD,
  DYNAMIC: PT.DYNAMIC,
  INTERP: PT.INTERP,
  NOTE: PT.NOTE,
  PHDR: PT.PHDR,
  TLS: PT.TLS,
  GNU_EH_FRAME: PT.GNU_EH_FRAME,
  GNU_STACK: PT.GNU_STACK,
  GNU_RELRO: PT.GNU_RELRO,
  GNU_PROPERTY: PT.GNU_PROPERTY,
};

interface ReadelfView {
  type: 'exec' | 'dyn';
  entry: number;
  headers: ProgramHeader[];
}

/** What `readelf -lW` says about a file. */
function readelf(file: string): ReadelfView {
  const out = run('readelf', ['-lW', file]);
  const type = /Elf file type is (\w+)/.exec(out)![1] === 'EXEC' ? 'exec' : 'dyn';
  const entry = Number.parseInt(/Entry point 0x([0-9a-f]+)/.exec(out)![1]!, 16);
  const headers: ProgramHeader[] = [];
  const line =
    /^\s+(\w+)\s+0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) ([RWE ]{3})\s+0x([0-9a-f]+)$/;
  for (const l of out.split('\n')) {
    const m = line.exec(l);
    if (!m) continue;
    const hex = (i: number) => Number.parseInt(m[i]!, 16);
    const flg = m[7]!;
    headers.push({
      type: PT_NAMES[m[1]!] ?? -1,
      offset: hex(2),
      vaddr: hex(3),
      paddr: hex(4),
      filesz: hex(5),
      memsz: hex(6),
      flags: (flg.includes('R') ? PF.R : 0) | (flg.includes('W') ? PF.W : 0) | (flg.includes('E') ? PF.X : 0),
      align: hex(8),
    });
  }
  return { type, entry, headers };
}

function freshSpace(): { space: AddressSpace; tables: PageTables } {
  const memory = new PhysicalMemory({ bytes: 64 << 20 });
  const tables = new PageTables(memory, 0);
  return { space: new AddressSpace(memory, longModeMmu(memory, tables), tables, 0), tables };
}

const programs: Record<string, string> = {};

beforeAll(() => {
  requireTool('readelf');
  const dir = tempDir('x86-run-elf-');
  programs['gcc -static'] = compileC('hello-static', HELLO, { dir });
  programs['gcc -static-pie'] = compileC('hello-pie', HELLO, { dir, flags: ['-static-pie', '-O2'] });
  programs['musl-gcc -static'] = compileC('hello-musl', HELLO, { dir, compiler: 'musl-gcc' });
  programs['busybox'] = '/bin/busybox';
});

describe('parseElf', () => {
  for (const name of ['gcc -static', 'gcc -static-pie', 'musl-gcc -static', 'busybox']) {
    it(`reads the program headers of ${name} as readelf -lW does`, () => {
      const file = programs[name]!;
      const image = parseElf(readFileSync(file), file);
      const oracle = readelf(file);
      expect(image.type).toBe(oracle.type);
      expect(image.entry).toBe(oracle.entry);
      expect(image.programHeaders).toEqual(oracle.headers);
      expect(image.phnum).toBe(oracle.headers.length);
      expect(image.executableStack).toBe(false);
      expect(image.tls === undefined).toBe(!oracle.headers.some((h) => h.type === PT.TLS));
    });
  }
});

describe('loadElf', () => {
  for (const name of ['gcc -static', 'gcc -static-pie', 'musl-gcc -static', 'busybox']) {
    it(`maps the PT_LOAD segments of ${name} with their bytes, bss and permissions`, () => {
      const file = programs[name]!;
      const bytes = readFileSync(file);
      const image = parseElf(bytes, file);
      const { space, tables } = freshSpace();
      const loaded = loadElf(space, image, bytes, file);
      const bias = image.type === 'dyn' ? 0x555555554000 : 0;
      expect(loaded.bias).toBe(bias);
      expect(loaded.entry).toBe(image.entry + bias);
      const loads = image.programHeaders.filter((p) => p.type === PT.LOAD);
      for (const p of loads) {
        const at = p.vaddr + bias;
        expect(
          Buffer.from(space.peek(at, p.filesz)).equals(bytes.subarray(p.offset, p.offset + p.filesz)),
        ).toBe(true);
        expect(space.peek(at + p.filesz, p.memsz - p.filesz).every((b) => b === 0)).toBe(true);
        const area = space.vmas.find(at)!;
        const prot =
          (p.flags & PF.R ? PROT.READ : 0) |
          (p.flags & PF.W ? PROT.WRITE : 0) |
          (p.flags & PF.X ? PROT.EXEC : 0);
        expect(area.prot).toBe(prot);
        // The page now has a frame (peek populated nothing, so poke one byte through the loader path).
        space.physical(at);
        const pte = tables.lookup(Math.floor(at / 4096) * 4096)!;
        expect(pte.lo & PTE.US).toBe(PTE.US);
        expect((pte.lo & PTE.RW) !== 0).toBe((p.flags & PF.W) !== 0);
        expect((pte.hi & PTE_HI.NX) !== 0).toBe((p.flags & PF.X) === 0);
      }
      // The header table is where AT_PHDR says, inside the first segment.
      expect(Buffer.from(space.peek(loaded.phdr, image.phnum * 56))).toEqual(
        bytes.subarray(image.phoff, image.phoff + image.phnum * 56),
      );
      const last = loads[loads.length - 1]!;
      expect(loaded.brkStart).toBe(Math.ceil((last.vaddr + bias + last.memsz) / 4096) * 4096);
      expect(space.vmas.find(loads[0]!.vaddr + bias - 1)).toBeUndefined();
    });
  }

  it('places a static PIE at ELF_ET_DYN_BASE, page-aligned', () => {
    expect(ELF_ET_DYN_BASE).toBe(0x555555554aaa);
    const bytes = readFileSync(programs['gcc -static-pie']!);
    const { space } = freshSpace();
    expect(loadElf(space, parseElf(bytes), bytes).bias).toBe(0x555555554000);
  });

  it('keeps the file bytes after p_filesz in the last page when there is no bss, as a file mapping does', () => {
    const bytes = readFileSync(programs['gcc -static']!);
    const image = parseElf(bytes);
    const { space } = freshSpace();
    loadElf(space, image, bytes);
    const text = image.programHeaders.find((p) => p.type === PT.LOAD && p.flags & PF.X)!;
    const end = text.vaddr + text.filesz;
    const pageEnd = Math.ceil(end / 4096) * 4096;
    const fileAt = text.offset + text.filesz;
    expect(Buffer.from(space.peek(end, pageEnd - end))).toEqual(
      bytes.subarray(fileAt, fileAt + (pageEnd - end)),
    );
  });
});

describe('parseElf refuses what x86-run cannot run', () => {
  const reject = (bytes: Uint8Array, code: string) => {
    let error: unknown;
    try {
      parseElf(bytes, 'test');
    } catch (e) {
      error = e;
    }
    expect(isLinuxRunError(error, code as never), String(error)).toBe(true);
    return error as Error;
  };

  it('a dynamically linked program (PT_INTERP)', () => {
    const dynamic = compileC('hello-dynamic', HELLO, { flags: ['-O2'] });
    expect(reject(readFileSync(dynamic), 'DYNAMIC').message).toMatch(/dynamically linked/);
  });

  it('a file that is not ELF', () => {
    reject(Buffer.from('#!/bin/sh\necho hi\n'), 'NOT_ELF');
    reject(new Uint8Array(0), 'NOT_ELF');
  });

  it('a header cut short, and program headers past the end', () => {
    const bytes = readFileSync(programs['gcc -static']!);
    reject(bytes.subarray(0, 40), 'TRUNCATED');
    const image = parseElf(bytes);
    reject(bytes.subarray(0, image.phoff + 10), 'TRUNCATED');
    // A segment whose file bytes run past the end.
    const last = image.programHeaders.filter((p) => p.type === PT.LOAD).pop()!;
    reject(bytes.subarray(0, last.offset + 1), 'TRUNCATED');
  });

  it('another class, byte order or machine', () => {
    const bytes = Buffer.from(readFileSync(programs['gcc -static']!));
    const patched = (at: number, value: number, width = 1) => {
      const b = Buffer.from(bytes);
      if (width === 1) b[at] = value;
      else b.writeUInt16LE(value, at);
      return b;
    };
    reject(patched(4, 1), 'NOT_X86_64'); // ELFCLASS32
    reject(patched(5, 2), 'NOT_X86_64'); // big-endian
    reject(patched(18, 3, 2), 'NOT_X86_64'); // EM_386
    reject(patched(18, 183, 2), 'NOT_X86_64'); // EM_AARCH64
  });

  it('a relocatable object and a core-like type', () => {
    const dir = tempDir('x86-run-obj-');
    const src = join(dir, 'x.c');
    writeFileSync(src, 'int f(void) { return 1; }\n');
    run('gcc', ['-c', '-o', join(dir, 'x.o'), src]);
    reject(readFileSync(join(dir, 'x.o')), 'NOT_EXECUTABLE');
  });

  it('inconsistent program headers', () => {
    const bytes = Buffer.from(readFileSync(programs['gcc -static']!));
    const image = parseElf(bytes);
    const index = image.programHeaders.findIndex((p) => p.type === PT.LOAD && p.memsz > p.filesz);
    const at = image.phoff + index * 56;
    const shrunk = Buffer.from(bytes);
    shrunk.writeBigUInt64LE(BigInt(image.programHeaders[index]!.filesz - 1), at + 40); // memsz < filesz
    reject(shrunk, 'BAD_ELF');
    const misaligned = Buffer.from(bytes);
    misaligned.writeBigUInt64LE(BigInt(image.programHeaders[index]!.vaddr + 1), at + 16);
    reject(misaligned, 'BAD_ELF');
    const kernelHalf = Buffer.from(bytes);
    kernelHalf.writeBigUInt64LE(0xffff800000000000n, at + 16);
    reject(kernelHalf, 'BAD_ELF');
    const badEntry = Buffer.from(bytes);
    badEntry.writeBigUInt64LE(0x10n, 24);
    reject(badEntry, 'BAD_ELF');
    const badPhentsize = Buffer.from(bytes);
    badPhentsize.writeUInt16LE(32, 54);
    reject(badPhentsize, 'BAD_ELF');
  });
});
