/**
 * The machine's RAM: one ArrayBuffer indexed by physical address, split into
 * 4 KiB frames that each have an owner (a domain id, FRAME_FREE or
 * FRAME_HYPERVISOR). The hypervisor partitions memory among domains through
 * the owners; the page walk reads it through `u8`/`view` directly.
 */
import { FRAME_FREE, FRAME_HYPERVISOR, PAGE_SIZE } from './constants.js';
import { hex, MemoryError } from './errors.js';

/** One ArrayBuffer must hold it all, and frame numbers stay below 2**20. */
const MAX_BYTES = 2 ** 32 - PAGE_SIZE;

export interface PhysicalMemoryOptions {
  /** Size of the RAM in bytes: a multiple of 4096, at most 4 GiB - 4096. */
  bytes: number;
}

export class PhysicalMemory {
  readonly bytes: number;
  readonly frameCount: number;
  /** The whole RAM; the index is the physical address. */
  readonly u8: Uint8Array;
  /** The same buffer, for little-endian multi-byte access. */
  readonly view: DataView;
  /** The owner of each frame. Read it freely; change it only through the methods, which keep the counts. */
  readonly owner: Int32Array;

  /** Free frames as a stack; `freeSlot[f]` is f's index in it, or -1 when f is in use. */
  private readonly freeStack: Int32Array;
  private readonly freeSlot: Int32Array;
  private freeCount: number;
  private readonly counts = new Map<number, number>();

  constructor(options: PhysicalMemoryOptions) {
    const bytes = options?.bytes;
    if (!Number.isInteger(bytes) || bytes <= 0 || bytes % PAGE_SIZE !== 0 || bytes > MAX_BYTES) {
      throw new MemoryError(
        'EINVAL',
        `memory size ${bytes} is not a positive multiple of 4096 up to 4 GiB - 4096`,
      );
    }
    this.bytes = bytes;
    this.frameCount = bytes / PAGE_SIZE;
    this.u8 = new Uint8Array(bytes);
    this.view = new DataView(this.u8.buffer);
    this.owner = new Int32Array(this.frameCount).fill(FRAME_FREE);
    this.freeStack = new Int32Array(this.frameCount);
    this.freeSlot = new Int32Array(this.frameCount);
    // Pushed highest first, so that allocation hands out low frames first.
    for (let i = 0; i < this.frameCount; i++) {
      const frame = this.frameCount - 1 - i;
      this.freeStack[i] = frame;
      this.freeSlot[frame] = i;
    }
    this.freeCount = this.frameCount;
  }

  /** Number of frames nobody owns. */
  get freeFrames(): number {
    return this.freeCount;
  }

  /** A free frame, zero-filled, now owned by `owner`. */
  allocFrame(owner: number): number {
    checkOwner(owner);
    if (this.freeCount === 0) throw new MemoryError('ENOMEM', `no free frame for owner ${owner}`);
    const frame = this.freeStack[this.freeCount - 1]!;
    this.take(frame, owner);
    return frame;
  }

  /** `count` free frames, all or none. */
  allocFrames(count: number, owner: number): number[] {
    checkOwner(owner);
    if (!Number.isInteger(count) || count < 0) throw new MemoryError('EINVAL', `bad frame count ${count}`);
    if (count > this.freeCount) {
      throw new MemoryError('ENOMEM', `${count} frames wanted for owner ${owner}, ${this.freeCount} free`);
    }
    const frames = new Array<number>(count);
    for (let i = 0; i < count; i++) frames[i] = this.allocFrame(owner);
    return frames;
  }

  /** Takes one particular free frame (a builder that needs a fixed machine address). */
  claimFrame(frame: number, owner: number): void {
    this.checkFrame(frame);
    checkOwner(owner);
    if (this.owner[frame] !== FRAME_FREE) {
      throw new MemoryError('EPERM', `frame ${hex(frame)} is owned by ${this.owner[frame]}`);
    }
    this.take(frame, owner);
  }

  /** Gives a frame back. Its contents stay until the next allocation zeroes it. */
  freeFrame(frame: number): void {
    this.checkFrame(frame);
    const owner = this.owner[frame]!;
    if (owner === FRAME_FREE) throw new MemoryError('EINVAL', `frame ${hex(frame)} is already free`);
    this.count(owner, -1);
    this.owner[frame] = FRAME_FREE;
    this.freeStack[this.freeCount] = frame;
    this.freeSlot[frame] = this.freeCount;
    this.freeCount++;
  }

  /** Hands a frame from one owner to another (a grant transfer, a balloon). */
  transfer(frame: number, from: number, to: number): void {
    this.checkFrame(frame);
    checkOwner(to);
    if (from === FRAME_FREE || this.owner[frame] !== from) {
      throw new MemoryError('EPERM', `frame ${hex(frame)} is owned by ${this.owner[frame]}, not ${from}`);
    }
    this.count(from, -1);
    this.count(to, 1);
    this.owner[frame] = to;
  }

  /** How many frames `owner` holds (FRAME_FREE: how many are free). */
  framesOwnedBy(owner: number): number {
    return owner === FRAME_FREE ? this.freeCount : (this.counts.get(owner) ?? 0);
  }

  readU32(pa: number): number {
    this.checkRange(pa, 4);
    return this.view.getUint32(pa, true);
  }

  writeU32(pa: number, value: number): void {
    this.checkRange(pa, 4);
    this.view.setUint32(pa, value >>> 0, true);
  }

  readU64(pa: number): bigint {
    this.checkRange(pa, 8);
    return this.view.getBigUint64(pa, true);
  }

  writeU64(pa: number, value: bigint): void {
    this.checkRange(pa, 8);
    this.view.setBigUint64(pa, BigInt.asUintN(64, value), true);
  }

  /** A copy of `length` bytes. */
  read(pa: number, length: number): Uint8Array {
    this.checkRange(pa, length);
    return this.u8.slice(pa, pa + length);
  }

  write(pa: number, bytes: Uint8Array): void {
    this.checkRange(pa, bytes.length);
    this.u8.set(bytes, pa);
  }

  private take(frame: number, owner: number): void {
    // Swap the last free frame into the taken one's slot.
    const slot = this.freeSlot[frame]!;
    const last = this.freeStack[this.freeCount - 1]!;
    this.freeStack[slot] = last;
    this.freeSlot[last] = slot;
    this.freeSlot[frame] = -1;
    this.freeCount--;
    this.owner[frame] = owner;
    this.count(owner, 1);
    // Zeroed here rather than on free: a domain never sees what the previous owner left.
    this.u8.fill(0, frame * PAGE_SIZE, (frame + 1) * PAGE_SIZE);
  }

  private count(owner: number, delta: number): void {
    const n = (this.counts.get(owner) ?? 0) + delta;
    if (n === 0) this.counts.delete(owner);
    else this.counts.set(owner, n);
  }

  private checkFrame(frame: number): void {
    if (!Number.isInteger(frame) || frame < 0 || frame >= this.frameCount) {
      throw new MemoryError('EINVAL', `frame ${frame} is not below ${this.frameCount}`);
    }
  }

  private checkRange(pa: number, length: number): void {
    if (
      !Number.isInteger(pa) ||
      !Number.isInteger(length) ||
      length < 0 ||
      pa < 0 ||
      pa + length > this.bytes
    ) {
      throw new MemoryError(
        'EFAULT',
        `physical range ${hex(pa)}+${length} is outside the ${this.bytes}-byte RAM`,
      );
    }
  }
}

function checkOwner(owner: number): void {
  if (!Number.isInteger(owner) || owner > 0x7fffffff || (owner < 0 && owner !== FRAME_HYPERVISOR)) {
    throw new MemoryError('EINVAL', `bad frame owner ${owner}: a domain id >= 0 or FRAME_HYPERVISOR`);
  }
}
