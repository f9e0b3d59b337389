/** PhysicalMemory: frames, owners, zero on allocation, typed errors, little-endian access. */
import { describe, expect, it } from 'vitest';
import {
  FRAME_FREE,
  FRAME_HYPERVISOR,
  isMemoryError,
  MemoryError,
  PAGE_SIZE,
  PhysicalMemory,
} from '../src/index.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof MemoryError) return e.code;
    throw e;
  }
  return undefined;
}

describe('PhysicalMemory', () => {
  it('has one buffer seen through u8, view and owner, every frame free at start', () => {
    const memory = new PhysicalMemory({ bytes: 64 * PAGE_SIZE });
    expect(memory.bytes).toBe(64 * PAGE_SIZE);
    expect(memory.frameCount).toBe(64);
    expect(memory.u8.byteLength).toBe(memory.bytes);
    expect(memory.view.buffer).toBe(memory.u8.buffer);
    expect(memory.owner.length).toBe(64);
    expect([...memory.owner].every((o) => o === FRAME_FREE)).toBe(true);
    expect(memory.framesOwnedBy(FRAME_FREE)).toBe(64);
    expect(memory.freeFrames).toBe(64);
  });

  it('refuses sizes that are not whole frames, zero, or beyond 4 GiB - 4096', () => {
    for (const bytes of [0, -4096, 4095, 4097, 1.5 * PAGE_SIZE, 2 ** 32, Number.NaN]) {
      expect(code(() => new PhysicalMemory({ bytes }))).toBe('EINVAL');
    }
  });

  it('allocates low frames first, sets the owner and counts per owner', () => {
    const memory = new PhysicalMemory({ bytes: 16 * PAGE_SIZE });
    expect(memory.allocFrame(0)).toBe(0);
    expect(memory.allocFrame(0)).toBe(1);
    expect(memory.allocFrame(FRAME_HYPERVISOR)).toBe(2);
    expect(memory.allocFrames(3, 7)).toEqual([3, 4, 5]);
    expect([...memory.owner.subarray(0, 7)]).toEqual([0, 0, FRAME_HYPERVISOR, 7, 7, 7, FRAME_FREE]);
    expect(memory.framesOwnedBy(0)).toBe(2);
    expect(memory.framesOwnedBy(7)).toBe(3);
    expect(memory.framesOwnedBy(FRAME_HYPERVISOR)).toBe(1);
    expect(memory.framesOwnedBy(99)).toBe(0);
    expect(memory.framesOwnedBy(FRAME_FREE)).toBe(10);
  });

  it('zeroes a frame when it is allocated again, so a domain never sees the previous owner’s data', () => {
    const memory = new PhysicalMemory({ bytes: 2 * PAGE_SIZE });
    const a = memory.allocFrame(1);
    memory.u8.fill(0xaa, a * PAGE_SIZE, (a + 1) * PAGE_SIZE);
    memory.freeFrame(a);
    // Freed frames keep their bytes until reused (cost paid on allocation only).
    expect(memory.u8[a * PAGE_SIZE]).toBe(0xaa);
    expect(memory.owner[a]).toBe(FRAME_FREE);
    const b = memory.allocFrame(2);
    expect(b).toBe(a);
    expect(memory.read(b * PAGE_SIZE, PAGE_SIZE).every((x) => x === 0)).toBe(true);
  });

  it('gives ENOMEM when frames run out, and allocFrames is all or nothing', () => {
    const memory = new PhysicalMemory({ bytes: 4 * PAGE_SIZE });
    memory.allocFrames(3, 1);
    expect(code(() => memory.allocFrames(2, 1))).toBe('ENOMEM');
    expect(memory.framesOwnedBy(FRAME_FREE)).toBe(1);
    memory.allocFrame(1);
    expect(code(() => memory.allocFrame(1))).toBe('ENOMEM');
    expect(
      isMemoryError(
        captured(() => memory.allocFrame(2)),
        'ENOMEM',
      ),
    ).toBe(true);
    expect(memory.allocFrames(0, 1)).toEqual([]);
  });

  it('frees frames back to the pool and refuses a double free', () => {
    const memory = new PhysicalMemory({ bytes: 4 * PAGE_SIZE });
    const frames = memory.allocFrames(4, 3);
    memory.freeFrame(frames[2]!);
    expect(memory.framesOwnedBy(3)).toBe(3);
    expect(code(() => memory.freeFrame(frames[2]!))).toBe('EINVAL');
    expect(memory.allocFrame(4)).toBe(frames[2]);
    expect(code(() => memory.freeFrame(4))).toBe('EINVAL');
    expect(code(() => memory.freeFrame(-1))).toBe('EINVAL');
  });

  it('transfers a frame between owners, EPERM unless `from` owns it', () => {
    const memory = new PhysicalMemory({ bytes: 4 * PAGE_SIZE });
    const frame = memory.allocFrame(1);
    memory.transfer(frame, 1, 2);
    expect(memory.owner[frame]).toBe(2);
    expect(memory.framesOwnedBy(1)).toBe(0);
    expect(memory.framesOwnedBy(2)).toBe(1);
    expect(code(() => memory.transfer(frame, 1, 3))).toBe('EPERM');
    expect(code(() => memory.transfer(3, FRAME_FREE, 1))).toBe('EPERM');
    expect(code(() => memory.transfer(frame, 2, FRAME_FREE))).toBe('EINVAL');
    memory.transfer(frame, 2, FRAME_HYPERVISOR);
    expect(memory.framesOwnedBy(FRAME_HYPERVISOR)).toBe(1);
  });

  it('claims a particular free frame, EPERM when it is taken', () => {
    const memory = new PhysicalMemory({ bytes: 8 * PAGE_SIZE });
    memory.claimFrame(5, FRAME_HYPERVISOR);
    expect(memory.owner[5]).toBe(FRAME_HYPERVISOR);
    expect(code(() => memory.claimFrame(5, 1))).toBe('EPERM');
    const rest = memory.allocFrames(7, 1);
    expect(rest.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 6, 7]);
  });

  it('refuses bad owners: FRAME_FREE, other negatives, fractions', () => {
    const memory = new PhysicalMemory({ bytes: 4 * PAGE_SIZE });
    for (const owner of [FRAME_FREE, -3, 1.5, Number.NaN])
      expect(code(() => memory.allocFrame(owner))).toBe('EINVAL');
  });

  it('reads and writes little-endian words, 64-bit values as bigint, and copies of bytes', () => {
    const memory = new PhysicalMemory({ bytes: PAGE_SIZE });
    memory.writeU32(8, 0x11223344);
    expect([...memory.read(8, 4)]).toEqual([0x44, 0x33, 0x22, 0x11]);
    expect(memory.readU32(8)).toBe(0x11223344);
    memory.writeU32(12, -1);
    expect(memory.readU32(12)).toBe(0xffffffff);
    memory.writeU64(16, 0x8000_0000_dead_beefn);
    expect(memory.readU32(16)).toBe(0xdeadbeef);
    expect(memory.readU32(20)).toBe(0x80000000);
    expect(memory.readU64(16)).toBe(0x8000_0000_dead_beefn);
    memory.writeU64(24, -1n);
    expect(memory.readU64(24)).toBe(0xffff_ffff_ffff_ffffn);
    memory.write(100, new Uint8Array([1, 2, 3]));
    const copy = memory.read(100, 3);
    copy[0] = 9;
    expect([...memory.read(100, 3)]).toEqual([1, 2, 3]);
  });

  it('gives EFAULT for accesses outside the RAM', () => {
    const memory = new PhysicalMemory({ bytes: PAGE_SIZE });
    expect(code(() => memory.readU32(PAGE_SIZE - 2))).toBe('EFAULT');
    expect(code(() => memory.writeU64(PAGE_SIZE, 0n))).toBe('EFAULT');
    expect(code(() => memory.read(-1, 1))).toBe('EFAULT');
    expect(code(() => memory.write(PAGE_SIZE - 1, new Uint8Array(2)))).toBe('EFAULT');
    expect(memory.read(PAGE_SIZE, 0).length).toBe(0);
  });

  it('keeps the RAM at the start of a WebAssembly memory and a side area after it, out of physical reach', () => {
    const memory = new PhysicalMemory({ bytes: 16 * PAGE_SIZE, sideBytes: 3 * 4096 });
    const wasm = memory.wasmMemory;
    expect(wasm).not.toBeNull();
    expect(memory.u8.buffer).toBe(wasm?.buffer);
    expect(memory.u8.byteOffset).toBe(0);
    // Whole 64 KiB WebAssembly pages: 64 KiB of RAM and 12 KiB of side area take two.
    expect(wasm?.buffer.byteLength).toBe(2 * 65536);
    expect(memory.u8.byteLength).toBe(memory.bytes);
    expect(memory.view.byteLength).toBe(memory.bytes);
    const a = memory.allocateSide(100);
    const b = memory.allocateSide(8, 4096);
    expect(a).toBe(memory.bytes);
    expect(b).toBe(memory.bytes + 4096);
    // The rest of the last WebAssembly page is usable; beyond it there is no room.
    expect(memory.allocateSide(2 * 65536 - b - 8)).toBe(b + 8);
    expect(memory.allocateSide(1)).toBe(-1);
    expect(code(() => memory.allocateSide(0))).toBe('EINVAL');
    expect(code(() => memory.readU32(a))).toBe('EFAULT');
  });

  it('uses a plain ArrayBuffer without a side area', () => {
    const memory = new PhysicalMemory({ bytes: 4 * PAGE_SIZE, sideBytes: 0 });
    expect(memory.wasmMemory).toBeNull();
    expect(memory.u8.buffer.byteLength).toBe(memory.bytes);
    expect(memory.allocateSide(8)).toBe(-1);
    expect(code(() => new PhysicalMemory({ bytes: PAGE_SIZE, sideBytes: -1 }))).toBe('EINVAL');
  });

  it('hands out every frame exactly once, in any order of frees', () => {
    const memory = new PhysicalMemory({ bytes: 16 << 20 });
    const frames = memory.allocFrames(memory.frameCount, 1);
    expect(new Set(frames).size).toBe(memory.frameCount);
    for (let i = 0; i < frames.length; i += 3) memory.freeFrame(frames[i]!);
    const again = memory.allocFrames(memory.framesOwnedBy(FRAME_FREE), 2);
    expect(again.sort((a, b) => a - b)).toEqual(frames.filter((_, i) => i % 3 === 0).sort((a, b) => a - b));
    expect(memory.framesOwnedBy(1) + memory.framesOwnedBy(2)).toBe(memory.frameCount);
  });
});

function captured(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}
