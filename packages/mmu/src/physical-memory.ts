/**
 * The machine's RAM: one ArrayBuffer indexed by physical address, split into
 * 4 KiB frames that each have an owner (a domain id, FRAME_FREE or
 * FRAME_HYPERVISOR). The hypervisor partitions memory among domains through
 * the owners; the page walk reads it through `u8`/`view` directly.
 *
 * Where the host has WebAssembly, the RAM is the start of a WebAssembly
 * memory, followed by a side area that is not RAM: a CPU keeps its registers
 * and translation caches there, so code it translates to WebAssembly reaches
 * guest memory and its own state through one memory. `u8` and `view` cover
 * the RAM only, so nothing addressed physically reaches the side area.
 */
import { FRAME_FREE, FRAME_HYPERVISOR, PAGE_SIZE } from './constants.js';
import { hex, MemoryError } from './errors.js';

/** One ArrayBuffer must hold it all, and frame numbers stay below 2**20. */
const MAX_BYTES = 2 ** 32 - PAGE_SIZE;
const WASM_PAGE = 65536;
/** The largest WebAssembly memory (4 GiB); RAM and side area beyond it use a plain ArrayBuffer. */
const WASM_MAX_PAGES = 65536;
/** Room for the state of a few CPUs (about 180 KiB each). */
const DEFAULT_SIDE_BYTES = 1024 * 1024;

export interface PhysicalMemoryOptions {
  /** Size of the RAM in bytes: a multiple of 4096, at most 4 GiB - 4096. */
  bytes: number;
  /** Size of the side area after the RAM (default 1 MiB; 0 for none). */
  sideBytes?: number;
}

/** The part of the WebAssembly API used here (its types are not in the ES library). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

const wasmMemoryClass = (
  globalThis as unknown as {
    WebAssembly?: { Memory: new (d: { initial: number; maximum: number }) => WasmMemory };
  }
).WebAssembly?.Memory;

export class PhysicalMemory {
  readonly bytes: number;
  readonly frameCount: number;
  /** The whole RAM; the index is the physical address. */
  readonly u8: Uint8Array;
  /** The same buffer, for little-endian multi-byte access. */
  readonly view: DataView;
  /** The owner of each frame. Read it freely; change it only through the methods, which keep the counts. */
  readonly owner: Int32Array;
  /** The WebAssembly memory whose first `bytes` are the RAM, or null (no WebAssembly, or no side area). */
  readonly wasmMemory: WasmMemory | null;
  /** The side area's end; it starts at `bytes`. */
  private readonly sideEnd: number;
  private sideNext: number;

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
    const side = options.sideBytes ?? DEFAULT_SIDE_BYTES;
    if (!Number.isInteger(side) || side < 0) {
      throw new MemoryError('EINVAL', `side area size ${side} is not a non-negative integer`);
    }
    this.bytes = bytes;
    this.frameCount = bytes / PAGE_SIZE;
    const pages = Math.ceil((bytes + side) / WASM_PAGE);
    this.wasmMemory =
      side > 0 && wasmMemoryClass && pages <= WASM_MAX_PAGES
        ? new wasmMemoryClass({ initial: pages, maximum: pages })
        : null;
    const buffer = this.wasmMemory ? this.wasmMemory.buffer : new ArrayBuffer(bytes);
    this.u8 = new Uint8Array(buffer, 0, bytes);
    this.view = new DataView(buffer, 0, bytes);
    this.sideNext = bytes;
    this.sideEnd = this.wasmMemory ? pages * WASM_PAGE : bytes;
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

  /**
   * Takes `size` bytes of the side area, aligned to `align`, zero-filled, and
   * returns their offset in `wasmMemory`; -1 when there is no side area or no
   * room left in it.
   */
  allocateSide(size: number, align = 8): number {
    if (!Number.isInteger(size) || size <= 0 || !Number.isInteger(align) || align <= 0) {
      throw new MemoryError('EINVAL', `bad side allocation of ${size} bytes aligned to ${align}`);
    }
    const at = Math.ceil(this.sideNext / align) * align;
    if (!this.wasmMemory || at + size > this.sideEnd) return -1;
    this.sideNext = at + size;
    return at;
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
