/**
 * The ELF loader for static x86-64 programs, after fs/binfmt_elf.c
 * (load_elf_binary): the header and program headers are parsed defensively
 * (every field of an untrusted file is checked before use), PT_LOAD segments
 * are mapped page by page with their permissions, the bss is zeroed, a
 * static PIE is moved to its load bias, and a program that asks for an
 * interpreter is refused.
 */
import { PAGE_SIZE } from '@x/mmu';
import type { AddressSpace } from './address-space.js';
import { TASK_SIZE } from './address-space.js';
import { LinuxRunError } from './errors.js';
import { PROT } from './vma.js';

/** Program header types (include/uapi/linux/elf.h). */
export const PT = {
  NULL: 0,
  LOAD: 1,
  DYNAMIC: 2,
  INTERP: 3,
  NOTE: 4,
  SHLIB: 5,
  PHDR: 6,
  TLS: 7,
  GNU_EH_FRAME: 0x6474e550,
  GNU_STACK: 0x6474e551,
  GNU_RELRO: 0x6474e552,
  GNU_PROPERTY: 0x6474e553,
} as const;

/** Segment permission flags. */
export const PF = { X: 1, W: 2, R: 4 } as const;

export const ET = { REL: 1, EXEC: 2, DYN: 3, CORE: 4 } as const;
export const EM_X86_64 = 62;
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const EHDR_SIZE = 64;
const PHDR_SIZE = 56;
/** e_phnum value meaning "the real count is in section header 0's sh_info". */
const PN_XNUM = 0xffff;
/** The kernel refuses program-header tables larger than this (ELF_MIN_ALIGN … 64 KiB). */
const MAX_PHDRS_SIZE = 65536;

/**
 * Where a static PIE is placed: ELF_ET_DYN_BASE (2/3 of the 47-bit user
 * space), page-aligned, as kernels before 4.17 placed every ET_DYN program
 * and as `setarch -R` shows PIE programs today.
 */
export const ELF_ET_DYN_BASE = Math.floor(TASK_SIZE / 3) * 2;

export interface ProgramHeader {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  paddr: number;
  filesz: number;
  memsz: number;
  align: number;
}

export interface ElfImage {
  type: 'exec' | 'dyn';
  entry: number;
  phoff: number;
  phentsize: number;
  phnum: number;
  programHeaders: ProgramHeader[];
  /** PT_GNU_STACK with PF_X (or no PT_GNU_STACK at all, which x86-64 treats as non-executable). */
  executableStack: boolean;
  /** The PT_TLS template, if any (libc sets the thread pointer up itself). */
  tls: ProgramHeader | undefined;
}

export interface LoadedProgram {
  image: ElfImage;
  /** Added to every p_vaddr: 0 for ET_EXEC. */
  bias: number;
  entry: number;
  /** Where the program headers are in guest memory (AT_PHDR). */
  phdr: number;
  /** Page-aligned end of the highest segment: where brk starts. */
  brkStart: number;
  /** The lowest and highest mapped addresses of the image. */
  start: number;
  end: number;
}

function pageDown(x: number): number {
  return Math.floor(x / PAGE_SIZE) * PAGE_SIZE;
}

function pageUp(x: number): number {
  return Math.ceil(x / PAGE_SIZE) * PAGE_SIZE;
}

/** Parse and check the ELF header and program headers of a static x86-64 executable. */
export function parseElf(file: Uint8Array, path = 'program'): ElfImage {
  const fail = (code: ConstructorParameters<typeof LinuxRunError>[0], message: string): never => {
    throw new LinuxRunError(code, `${path}: ${message}`, { path });
  };
  if (file.length < 4 || file[0] !== 0x7f || file[1] !== 0x45 || file[2] !== 0x4c || file[3] !== 0x46) {
    fail('NOT_ELF', 'not an ELF file');
  }
  if (file.length < EHDR_SIZE) fail('TRUNCATED', `ELF header cut off at ${file.length} bytes`);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (file[4] !== ELFCLASS64) fail('NOT_X86_64', `ELF class ${file[4]} is not ELFCLASS64`);
  if (file[5] !== ELFDATA2LSB) fail('NOT_X86_64', `ELF data encoding ${file[5]} is not little-endian`);
  const machine = view.getUint16(18, true);
  if (machine !== EM_X86_64) fail('NOT_X86_64', `ELF machine ${machine} is not x86-64 (62)`);
  const etype = view.getUint16(16, true);
  if (etype !== ET.EXEC && etype !== ET.DYN) {
    fail('NOT_EXECUTABLE', `ELF type ${etype} is neither ET_EXEC nor ET_DYN`);
  }
  const u64 = (at: number, what: string): number => {
    const v = view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail('BAD_ELF', `${what} 0x${v.toString(16)} is out of range`);
    return Number(v);
  };
  const entry = u64(24, 'e_entry');
  const phoff = u64(32, 'e_phoff');
  const shoff = u64(40, 'e_shoff');
  const phentsize = view.getUint16(54, true);
  let phnum = view.getUint16(56, true);
  if (phentsize !== PHDR_SIZE) fail('BAD_ELF', `e_phentsize ${phentsize} is not ${PHDR_SIZE}`);
  if (phnum === PN_XNUM) {
    // The real count is in sh_info of section header 0.
    if (shoff + 64 > file.length) fail('TRUNCATED', 'section header 0 (for e_phnum = PN_XNUM) is cut off');
    phnum = view.getUint32(shoff + 44, true);
  }
  if (phnum === 0) fail('BAD_ELF', 'no program headers');
  if (phnum * PHDR_SIZE > MAX_PHDRS_SIZE) fail('BAD_ELF', `${phnum} program headers is too many`);
  if (phoff + phnum * PHDR_SIZE > file.length)
    fail('TRUNCATED', 'program headers run past the end of the file');

  const programHeaders: ProgramHeader[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * PHDR_SIZE;
    programHeaders.push({
      type: view.getUint32(at, true),
      flags: view.getUint32(at + 4, true),
      offset: u64(at + 8, `p_offset of program header ${i}`),
      vaddr: u64(at + 16, `p_vaddr of program header ${i}`),
      paddr: u64(at + 24, `p_paddr of program header ${i}`),
      filesz: u64(at + 32, `p_filesz of program header ${i}`),
      memsz: u64(at + 40, `p_memsz of program header ${i}`),
      align: u64(at + 48, `p_align of program header ${i}`),
    });
  }

  if (programHeaders.some((p) => p.type === PT.INTERP)) {
    fail('DYNAMIC', 'dynamically linked (PT_INTERP); x86-run runs static programs only');
  }
  const loads = programHeaders.filter((p) => p.type === PT.LOAD);
  if (loads.length === 0) fail('BAD_ELF', 'no PT_LOAD segment');
  loads.forEach((p, i) => {
    const what = `PT_LOAD segment ${i}`;
    if (p.filesz > p.memsz) fail('BAD_ELF', `${what}: p_filesz exceeds p_memsz`);
    if (p.offset + p.filesz > file.length) fail('TRUNCATED', `${what} runs past the end of the file`);
    if (p.vaddr % PAGE_SIZE !== p.offset % PAGE_SIZE) {
      fail('BAD_ELF', `${what}: p_vaddr and p_offset differ modulo the page size`);
    }
    if (p.vaddr + p.memsz > TASK_SIZE) fail('BAD_ELF', `${what} lies outside the user address space`);
    if (i > 0 && p.vaddr < loads[i - 1]!.vaddr) fail('BAD_ELF', `${what} is not in ascending p_vaddr order`);
  });
  if (etype === ET.EXEC && !loads.some((p) => entry >= p.vaddr && entry < p.vaddr + p.memsz)) {
    fail('BAD_ELF', `entry point 0x${entry.toString(16)} is outside every PT_LOAD segment`);
  }
  const gnuStack = programHeaders.find((p) => p.type === PT.GNU_STACK);
  return {
    type: etype === ET.EXEC ? 'exec' : 'dyn',
    entry,
    phoff,
    phentsize,
    phnum,
    programHeaders,
    executableStack: gnuStack !== undefined && (gnuStack.flags & PF.X) !== 0,
    tls: programHeaders.find((p) => p.type === PT.TLS),
  };
}

/** mmap protection of a segment's p_flags. */
export function segmentProt(flags: number): number {
  return (flags & PF.R ? PROT.READ : 0) | (flags & PF.W ? PROT.WRITE : 0) | (flags & PF.X ? PROT.EXEC : 0);
}

/** The load bias of an image: 0 for ET_EXEC, ELF_ET_DYN_BASE less the first p_vaddr for a static PIE. */
export function loadBias(image: ElfImage): number {
  if (image.type === 'exec') return 0;
  const first = image.programHeaders.find((p) => p.type === PT.LOAD)!;
  return pageDown(ELF_ET_DYN_BASE - first.vaddr);
}

/**
 * Map the PT_LOAD segments into the address space as elf_map and
 * elf_load do: whole pages of the file from the page holding p_offset, the
 * rest of the last file page zeroed when a bss follows, and anonymous
 * zero pages up to p_memsz. A later segment sharing a page with an earlier
 * one replaces it, as MAP_FIXED does.
 */
export function loadElf(space: AddressSpace, image: ElfImage, file: Uint8Array, path = ''): LoadedProgram {
  const bias = loadBias(image);
  let start = Number.POSITIVE_INFINITY;
  let end = 0;
  for (const p of image.programHeaders) {
    if (p.type !== PT.LOAD || p.memsz === 0) continue;
    const prot = segmentProt(p.flags);
    const vaddr = p.vaddr + bias;
    const mapStart = pageDown(vaddr);
    const fileEnd = vaddr + p.filesz;
    const memEnd = vaddr + p.memsz;
    const fileOffset = p.offset - (vaddr - mapStart);
    const fileMapEnd = pageUp(fileEnd);
    if (fileMapEnd > mapStart) {
      space.map(mapStart, fileMapEnd - mapStart, prot, { kind: 'elf', name: path, offset: fileOffset });
      // The whole file pages, as a file mapping shows them ...
      const pageBytes = file.subarray(
        fileOffset,
        Math.min(file.length, fileOffset + (fileMapEnd - mapStart)),
      );
      space.poke(mapStart, pageBytes);
      // ... except that the bss starts zeroed (padzero).
      if (p.memsz > p.filesz && fileMapEnd > fileEnd)
        space.poke(fileEnd, new Uint8Array(fileMapEnd - fileEnd));
    }
    const anonStart = Math.max(fileMapEnd, mapStart);
    const anonEnd = pageUp(memEnd);
    if (anonEnd > anonStart) space.map(anonStart, anonEnd - anonStart, prot, { kind: 'anon' });
    start = Math.min(start, mapStart);
    end = Math.max(end, anonEnd);
  }
  return {
    image,
    bias,
    entry: image.entry + bias,
    phdr: programHeaderAddress(image) + bias,
    brkStart: end,
    start,
    end,
  };
}

/**
 * AT_PHDR before the load bias: where the program headers appear in memory,
 * found through the PT_LOAD that maps e_phoff from the file, as Linux does
 * since 6.0 (PT_PHDR is not consulted; 0 when no segment maps them).
 */
export function programHeaderAddress(image: ElfImage): number {
  for (const p of image.programHeaders) {
    if (p.type === PT.LOAD && image.phoff >= p.offset && image.phoff < p.offset + p.filesz) {
      return image.phoff - p.offset + p.vaddr;
    }
  }
  return 0;
}
