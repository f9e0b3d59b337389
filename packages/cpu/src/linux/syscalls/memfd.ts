/**
 * memfd_create: an anonymous file whose pages are guest frames. Reading and
 * writing it goes to those frames, and MAP_SHARED maps the very same frames,
 * so two mappings of one memfd alias each other (what JIT compilers use to
 * keep a writable and an executable view of the same code).
 */
import { PAGE_SIZE, type PhysicalMemory } from '@x/mmu';
import { ERRNO } from '../errno.js';
import type { LinuxProcess } from '../process.js';
import type { SyscallArgs } from '../registers.js';
import { O, OpenFile, SEEK } from './open-file.js';
import { S_IF, type StatInfo } from './stat-layout.js';
import type { SyscallRow } from './types.js';

/** What an area mapped MAP_SHARED from a memfd needs of it. */
export interface SharedBacking {
  /** The frame holding page `index` of the file (allocated on first use), or undefined past its end. */
  frameAt(index: number): number | undefined;
  /** A page of the file got mapped, or lost its mapping. */
  mapped(delta: number): void;
}

const MFD = { CLOEXEC: 1, ALLOW_SEALING: 2, HUGETLB: 4, NOEXEC_SEAL: 8, EXEC: 0x10 } as const;
/** F_SEAL_*: only recorded (F_GET_SEALS shows them); the operations they forbid are not policed. */
const F_SEAL_SEAL = 1;
const MFD_NAME_MAX = 249;

export class MemfdFile extends OpenFile implements SharedBacking {
  private readonly pages = new Map<number, number>();
  private size = 0;
  private position = 0;
  private mappings = 0;
  private released = false;
  seals: number;
  static nextInode = 1;
  private readonly ino = BigInt(MemfdFile.nextInode++);
  private readonly created = BigInt(Date.now()) * 1_000_000n;

  constructor(
    private readonly memory: PhysicalMemory,
    private readonly owner: number,
    readonly name: string,
    allowSealing: boolean,
  ) {
    super(O.RDWR | O.LARGEFILE);
    this.path = `/memfd:${name} (deleted)`;
    this.seals = allowSealing ? 0 : F_SEAL_SEAL;
  }

  frameAt(index: number): number | undefined {
    if (index * PAGE_SIZE >= this.size) return undefined;
    let frame = this.pages.get(index);
    if (frame === undefined) {
      frame = this.memory.allocFrame(this.owner);
      this.pages.set(index, frame);
    }
    return frame;
  }

  mapped(delta: number): void {
    this.mappings += delta;
    this.freeIfUnused();
  }

  override read(into: Uint8Array): number {
    const n = this.pread(into, this.position);
    if (n > 0) this.position += n;
    return n;
  }

  override write(from: Uint8Array): number {
    const n = this.pwrite(from, this.position);
    if (n > 0) this.position += n;
    return n;
  }

  override pread(into: Uint8Array, position: number): number {
    const n = Math.max(0, Math.min(into.length, this.size - position));
    this.copy(position, n, (pa, done, length) => into.set(this.memory.u8.subarray(pa, pa + length), done));
    return n;
  }

  override pwrite(from: Uint8Array, position: number): number {
    if (position + from.length > this.size) this.size = position + from.length;
    this.copy(position, from.length, (pa, done, length) =>
      this.memory.u8.set(from.subarray(done, done + length), pa),
    );
    return from.length;
  }

  override seek(offset: number, whence: number): number {
    const base =
      whence === SEEK.SET ? 0 : whence === SEEK.CUR ? this.position : whence === SEEK.END ? this.size : NaN;
    if (Number.isNaN(base) || base + offset < 0) return -ERRNO.EINVAL;
    this.position = base + offset;
    return this.position;
  }

  /** ftruncate: pages past the new end are freed unless mapped (then they stay until unmapped). */
  truncate(size: number): number {
    this.size = size;
    if (this.mappings === 0) {
      for (const [index, frame] of this.pages) {
        if (index * PAGE_SIZE >= size) {
          this.memory.freeFrame(frame);
          this.pages.delete(index);
        }
      }
    }
    // Bytes past the end of a kept partial page read as zeros when the file grows again.
    const tail = size % PAGE_SIZE;
    const last = this.pages.get(Math.floor(size / PAGE_SIZE));
    if (tail && last !== undefined) this.memory.u8.fill(0, last * PAGE_SIZE + tail, (last + 1) * PAGE_SIZE);
    return 0;
  }

  override stat(): StatInfo {
    return {
      dev: 1n,
      ino: this.ino,
      mode: S_IF.REG | 0o777,
      nlink: 0,
      uid: process.getuid?.() ?? 0,
      gid: process.getgid?.() ?? 0,
      rdev: 0n,
      size: BigInt(this.size),
      blksize: PAGE_SIZE,
      blocks: BigInt(this.pages.size * 8),
      atimeNs: this.created,
      mtimeNs: this.created,
      ctimeNs: this.created,
      birthtimeNs: 0n,
    };
  }

  override available(): number {
    return Math.max(0, this.size - this.position);
  }

  override release(): void {
    this.released = true;
    this.freeIfUnused();
  }

  /** Visit [position, position + length) page by page, allocating the pages it covers. */
  private copy(
    position: number,
    length: number,
    visit: (pa: number, done: number, length: number) => void,
  ): void {
    let done = 0;
    while (done < length) {
      const at = position + done;
      const inPage = Math.min(PAGE_SIZE - (at % PAGE_SIZE), length - done);
      const frame = this.frameAt(Math.floor(at / PAGE_SIZE))!;
      visit(frame * PAGE_SIZE + (at % PAGE_SIZE), done, inPage);
      done += inPage;
    }
  }

  /** The file dies with its last descriptor and its last mapped page. */
  private freeIfUnused(): void {
    if (!this.released || this.mappings > 0) return;
    for (const frame of this.pages.values()) this.memory.freeFrame(frame);
    this.pages.clear();
  }
}

function memfdCreate(p: LinuxProcess, a: SyscallArgs): number {
  const flags = a.uint(1);
  if (flags & ~(MFD.CLOEXEC | MFD.ALLOW_SEALING | MFD.HUGETLB | MFD.NOEXEC_SEAL | MFD.EXEC))
    return -ERRNO.EINVAL;
  if (flags & MFD.HUGETLB) return -ERRNO.EINVAL;
  const name = p.mem.readCString(a.ptr(0), MFD_NAME_MAX + 1);
  if (name === undefined) return -ERRNO.EINVAL;
  const file = new MemfdFile(p.space.memory, p.space.owner, name, (flags & MFD.ALLOW_SEALING) !== 0);
  return p.fds.install(file, (flags & MFD.CLOEXEC) !== 0);
}

export const MEMFD_SYSCALLS: readonly SyscallRow[] = [['memfd_create', memfdCreate, ['path', 'x']]];
