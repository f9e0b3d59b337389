/**
 * Memory-management calls (mm/mmap.c, mm/mprotect.c, mm/mremap.c,
 * mm/madvise.c): mmap with its placement rules, munmap, mprotect, mremap,
 * madvise and brk, over the process's AddressSpace. Anonymous memory is
 * demand-zero; a file mapping is read in when it is made (private
 * semantics: writes to a MAP_SHARED file mapping do not reach the file).
 */
import { PAGE_SIZE } from '@x/mmu';
import { MMAP_MIN_ADDR, TASK_SIZE } from '../address-space.js';
import { ERRNO } from '../errno.js';
import type { LinuxProcess } from '../process.js';
import type { SyscallArgs } from '../registers.js';
import { PROT } from '../vma.js';
import { fileOf } from './files.js';
import { MemfdFile } from './memfd.js';
import { HostFile, MemoryFile, O, type OpenFile } from './open-file.js';
import type { SyscallRow } from './types.js';

export const MAP = {
  SHARED: 0x01,
  PRIVATE: 0x02,
  SHARED_VALIDATE: 0x03,
  TYPE: 0x0f,
  FIXED: 0x10,
  ANONYMOUS: 0x20,
  BIT32: 0x40,
  GROWSDOWN: 0x100,
  DENYWRITE: 0x800,
  EXECUTABLE: 0x1000,
  LOCKED: 0x2000,
  NORESERVE: 0x4000,
  POPULATE: 0x8000,
  NONBLOCK: 0x10000,
  STACK: 0x20000,
  HUGETLB: 0x40000,
  SYNC: 0x80000,
  FIXED_NOREPLACE: 0x100000,
} as const;

/** Flags MAP_SHARED_VALIDATE accepts (LEGACY_MAP_MASK plus MAP_SYNC, which needs DAX). */
const LEGACY_MAP_MASK = 0xff7ff ^ MAP.SYNC;
const PROT_GROWSDOWN = 0x01000000;
const PROT_GROWSUP = 0x02000000;
const MREMAP = { MAYMOVE: 1, FIXED: 2, DONTUNMAP: 4 } as const;
const MADV = { DONTNEED: 4, FREE: 8, REMOVE: 9 } as const;

const pageUp = (x: number) => Math.ceil(x / PAGE_SIZE) * PAGE_SIZE;
const aligned = (x: number) => x % PAGE_SIZE === 0;
/** The gap brk keeps below the next mapping (stack_guard_gap). */
const GUARD_GAP = 256 * PAGE_SIZE;

/** Where a new mapping goes: the hint if that range is free, else the highest free range below mmap_base. */
function placeMapping(p: LinuxProcess, hint: number, length: number, below2G: boolean): number | undefined {
  const vmas = p.space.vmas;
  if (below2G) return vmas.findFreeTopDown(length, 0x40000000, 0x80000000);
  if (hint) {
    const start = Math.floor(hint / PAGE_SIZE) * PAGE_SIZE;
    if (start >= MMAP_MIN_ADDR && start + length <= TASK_SIZE && !vmas.overlaps(start, start + length))
      return start;
  }
  return (
    vmas.findFreeTopDown(length, MMAP_MIN_ADDR, p.mmapBase) ??
    vmas.findFreeTopDown(length, MMAP_MIN_ADDR, TASK_SIZE)
  );
}

/** The bytes of a file mapping: whatever of [offset, offset + length) the file has. */
function fileBytes(f: OpenFile, offset: number, length: number): Uint8Array | number {
  const buffer = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = f.pread(buffer.subarray(done), offset + done);
    if (n < 0) return n;
    if (n === 0) break;
    done += n;
  }
  return buffer.subarray(0, done);
}

function mmap(p: LinuxProcess, a: SyscallArgs): number {
  const addr = a.long(0);
  const requested = a.ulong(1);
  const prot = a.int(2);
  const flags = a.int(3);
  const fd = a.int(4);
  const offset = a.long(5);
  if (requested === 0) return -ERRNO.EINVAL;
  const length = pageUp(requested);
  if (length > TASK_SIZE) return -ERRNO.ENOMEM;
  if (!aligned(offset) || offset < 0) return -ERRNO.EINVAL;
  if (prot & ~(PROT.READ | PROT.WRITE | PROT.EXEC | PROT_GROWSDOWN | PROT_GROWSUP)) return -ERRNO.EINVAL;
  const type = flags & MAP.TYPE;
  if (type === MAP.SHARED_VALIDATE) {
    if (flags & ~LEGACY_MAP_MASK) return -ERRNO.EOPNOTSUPP;
  } else if (type !== MAP.SHARED && type !== MAP.PRIVATE) {
    return -ERRNO.EINVAL;
  }
  if (flags & MAP.HUGETLB) return -ERRNO.EINVAL;
  const anonymous = (flags & MAP.ANONYMOUS) !== 0;
  const shared = type !== MAP.PRIVATE;
  let file: OpenFile | undefined;
  if (!anonymous) {
    const f = fileOf(p, fd);
    if (typeof f === 'number') return f;
    if (!(f instanceof HostFile) && !(f instanceof MemoryFile) && !(f instanceof MemfdFile))
      return -ERRNO.ENODEV;
    if (f instanceof HostFile && f.kind !== 'file' && f.kind !== 'blk') return -ERRNO.ENODEV;
    if (!f.readable) return -ERRNO.EACCES;
    if (shared && prot & PROT.WRITE && (f.statusFlags & O.ACCMODE) !== O.RDWR) return -ERRNO.EACCES;
    file = f;
  }
  const fixed = (flags & (MAP.FIXED | MAP.FIXED_NOREPLACE)) !== 0;
  let start: number;
  if (fixed) {
    if (!aligned(addr)) return -ERRNO.EINVAL;
    if (addr < 0 || addr + length > TASK_SIZE) return -ERRNO.ENOMEM;
    if (addr < MMAP_MIN_ADDR) return -ERRNO.EPERM;
    if (flags & MAP.FIXED_NOREPLACE && p.space.vmas.overlaps(addr, addr + length)) {
      return -ERRNO.EEXIST;
    }
    start = addr;
  } else {
    const placed = placeMapping(p, addr, length, (flags & MAP.BIT32) !== 0);
    if (placed === undefined) return -ERRNO.ENOMEM;
    start = placed;
  }
  const protection = prot & (PROT.READ | PROT.WRITE | PROT.EXEC);
  // A shared memfd mapping uses the file's own frames: nothing to copy.
  const backing = shared && file instanceof MemfdFile ? file : undefined;
  let contents: Uint8Array | undefined;
  if (file && !backing) {
    const bytes = fileBytes(file, offset, length);
    if (typeof bytes === 'number') return bytes;
    contents = bytes;
  }
  p.space.map(start, length, protection, {
    kind: file ? 'file' : 'anon',
    name: file?.path ?? '',
    shared,
    offset: file ? offset : 0,
    backing,
  });
  try {
    if (contents && contents.length > 0) p.space.poke(start, contents);
  } catch {
    p.space.unmap(start, length);
    return -ERRNO.ENOMEM;
  }
  return start;
}

function munmap(p: LinuxProcess, a: SyscallArgs): number {
  const addr = a.long(0);
  const length = pageUp(a.ulong(1));
  if (!aligned(addr) || length === 0 || addr < 0 || addr + length > TASK_SIZE) return -ERRNO.EINVAL;
  p.space.unmap(addr, length);
  return 0;
}

function mprotect(p: LinuxProcess, a: SyscallArgs): number {
  const addr = a.long(0);
  const length = pageUp(a.ulong(1));
  const prot = a.int(2);
  if (!aligned(addr)) return -ERRNO.EINVAL;
  if (prot & ~(PROT.READ | PROT.WRITE | PROT.EXEC | PROT_GROWSDOWN | PROT_GROWSUP)) return -ERRNO.EINVAL;
  if (length === 0) return 0;
  if (addr < 0 || addr + length > TASK_SIZE) return -ERRNO.ENOMEM;
  return p.space.protect(addr, length, prot & (PROT.READ | PROT.WRITE | PROT.EXEC)) ? 0 : -ERRNO.ENOMEM;
}

function mremap(p: LinuxProcess, a: SyscallArgs): number {
  const old = a.long(0);
  const oldLength = pageUp(a.ulong(1));
  const newLength = pageUp(a.ulong(2));
  const flags = a.int(3);
  const target = a.long(4);
  if (flags & ~(MREMAP.MAYMOVE | MREMAP.FIXED | MREMAP.DONTUNMAP)) return -ERRNO.EINVAL;
  if (flags & MREMAP.FIXED && !(flags & MREMAP.MAYMOVE)) return -ERRNO.EINVAL;
  if (flags & MREMAP.DONTUNMAP) return -ERRNO.EINVAL;
  if (!aligned(old) || newLength === 0 || oldLength === 0) return -ERRNO.EINVAL;
  const space = p.space;
  const area = space.vmas.find(old);
  if (!area || old + oldLength > area.end) return -ERRNO.EFAULT;
  const attributes = {
    kind: area.kind,
    name: area.name,
    shared: area.shared,
    offset: area.offset + (old - area.start),
  };

  if (flags & MREMAP.FIXED) {
    if (!aligned(target) || target < MMAP_MIN_ADDR || target + newLength > TASK_SIZE) return -ERRNO.EINVAL;
    if (target < old + oldLength && old < target + newLength) return -ERRNO.EINVAL;
    space.unmap(target, newLength);
    return moveTo(p, old, oldLength, newLength, target, area.prot, attributes);
  }
  if (newLength <= oldLength) {
    space.unmap(old + newLength, oldLength - newLength);
    return old;
  }
  if (old + newLength <= TASK_SIZE && !space.vmas.overlaps(old + oldLength, old + newLength)) {
    space.map(old + oldLength, newLength - oldLength, area.prot, {
      ...attributes,
      offset: attributes.offset + oldLength,
    });
    return old;
  }
  if (!(flags & MREMAP.MAYMOVE)) return -ERRNO.ENOMEM;
  const placed = placeMapping(p, 0, newLength, false);
  if (placed === undefined) return -ERRNO.ENOMEM;
  return moveTo(p, old, oldLength, newLength, placed, area.prot, attributes);
}

function moveTo(
  p: LinuxProcess,
  old: number,
  oldLength: number,
  newLength: number,
  to: number,
  prot: number,
  attributes: {
    kind: 'elf' | 'heap' | 'stack' | 'anon' | 'file';
    name: string;
    shared: boolean;
    offset: number;
  },
): number {
  const kept = Math.min(oldLength, newLength);
  p.space.move(old, kept, to);
  if (oldLength > kept) p.space.unmap(old + kept, oldLength - kept);
  if (newLength > kept)
    p.space.map(to + kept, newLength - kept, prot, { ...attributes, offset: attributes.offset + kept });
  return to;
}

function madvise(p: LinuxProcess, a: SyscallArgs): number {
  const addr = a.long(0);
  const length = pageUp(a.ulong(1));
  const advice = a.int(2);
  if (!aligned(addr) || addr < 0) return -ERRNO.EINVAL;
  if (length === 0) return 0;
  if (!p.space.vmas.covers(addr, addr + length)) return -ERRNO.ENOMEM;
  if (advice === MADV.DONTNEED || advice === MADV.FREE || advice === MADV.REMOVE) {
    // Private anonymous pages read back as zeros afterwards; file pages would be re-read, so they stay.
    for (const v of p.space.vmas.within(addr, addr + length)) {
      if (v.kind === 'file' || v.kind === 'elf') continue;
      const start = Math.max(v.start, addr);
      const end = Math.min(v.end, addr + length);
      p.space.discard(start, end - start);
    }
  }
  return 0;
}

/** brk: grow or shrink the heap area; the result is the break, the old one if the request failed. */
function brk(p: LinuxProcess, a: SyscallArgs): number {
  const requested = a.long(0);
  if (requested < p.brkStart) return p.brk;
  const newEnd = pageUp(requested);
  const oldEnd = pageUp(p.brk);
  if (newEnd === oldEnd) {
    p.brk = requested;
    return p.brk;
  }
  if (newEnd < oldEnd) {
    p.space.unmap(newEnd, oldEnd - newEnd);
    p.brk = requested;
    return p.brk;
  }
  const limit = p.rlimits.get(2 /* DATA */)!.cur;
  if (BigInt(newEnd - p.brkStart) > limit) return p.brk;
  if (newEnd + GUARD_GAP > TASK_SIZE || p.space.vmas.overlaps(oldEnd, newEnd + GUARD_GAP)) return p.brk;
  p.space.map(oldEnd, newEnd - oldEnd, PROT.READ | PROT.WRITE, { kind: 'heap', name: '[heap]' });
  p.brk = requested;
  return p.brk;
}

/** msync: nothing to write back (file mappings are private copies); only the range is checked. */
function msync(p: LinuxProcess, a: SyscallArgs): number {
  const addr = a.long(0);
  if (!aligned(addr) || a.int(2) & ~7) return -ERRNO.EINVAL;
  return p.space.vmas.covers(addr, addr + pageUp(a.ulong(1))) ? 0 : -ERRNO.ENOMEM;
}

export const MEMORY_SYSCALLS: readonly SyscallRow[] = [
  ['mmap', mmap, ['x', 'u', 'prot', 'mflags', 'd', 'u'], true],
  ['munmap', munmap, ['x', 'u']],
  ['mprotect', mprotect, ['x', 'u', 'prot']],
  ['mremap', mremap, ['x', 'u', 'u', 'x', 'x'], true],
  ['madvise', madvise, ['x', 'u', 'd']],
  ['brk', brk, ['x'], true],
  ['msync', msync, ['x', 'u', 'x']],
  ['mlock', () => 0, ['x', 'u']],
  ['munlock', () => 0, ['x', 'u']],
  ['mlockall', () => 0, ['x']],
  ['munlockall', () => 0],
];
