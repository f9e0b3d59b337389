/**
 * copy_from_user / copy_to_user: system-call access to guest memory. Every
 * byte goes through the MMU as a user-mode access (so page protections, A/D
 * bits and demand paging behave as for the program's own loads and stores);
 * a pointer the program could not have used throws GuestFault, which the
 * system-call layer turns into -EFAULT.
 */
import { AccessKind, PAGE_SIZE } from '@x/mmu';
import type { AddressSpace } from './address-space.js';

/** Longest path a system call accepts (PATH_MAX, with its NUL). */
export const PATH_MAX = 4096;

export class UserMemory {
  private readonly u8: Uint8Array;
  private readonly view: DataView;

  constructor(readonly space: AddressSpace) {
    this.u8 = space.memory.u8;
    this.view = space.memory.view;
  }

  read(address: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.readInto(address, out);
    return out;
  }

  readInto(address: number, into: Uint8Array): void {
    let done = 0;
    while (done < into.length) {
      const va = address + done;
      const inPage = Math.min(PAGE_SIZE - (va % PAGE_SIZE), into.length - done);
      const pa = this.space.userPhysical(va, AccessKind.Read);
      into.set(this.u8.subarray(pa, pa + inPage), done);
      done += inPage;
    }
  }

  write(address: number, bytes: Uint8Array): void {
    // Check the whole range first, as the kernel's access_ok and fault
    // handling would leave a partial write behind only on a real fault.
    let done = 0;
    while (done < bytes.length) {
      const va = address + done;
      const inPage = Math.min(PAGE_SIZE - (va % PAGE_SIZE), bytes.length - done);
      const pa = this.space.userPhysical(va, AccessKind.Write);
      this.u8.set(bytes.subarray(done, done + inPage), pa);
      this.space.onWrite?.(pa, inPage);
      done += inPage;
    }
  }

  /** Make sure a range is writable before a side effect happens (e.g. a read from a pipe). */
  checkWritable(address: number, length: number): void {
    for (let va = address; va < address + length; va = (Math.floor(va / PAGE_SIZE) + 1) * PAGE_SIZE) {
      this.space.userPhysical(va, AccessKind.Write);
    }
  }

  readU32(address: number): number {
    if (address % PAGE_SIZE <= PAGE_SIZE - 4) {
      return this.view.getUint32(this.space.userPhysical(address, AccessKind.Read), true);
    }
    return new DataView(this.read(address, 4).buffer).getUint32(0, true);
  }

  writeU32(address: number, value: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value >>> 0, true);
    this.write(address, b);
  }

  readI32(address: number): number {
    return this.readU32(address) | 0;
  }

  /** A 64-bit value as a signed number (exact up to 2^53, which every pointer and size is). */
  readI64(address: number): number {
    const b = this.read(address, 8);
    const v = new DataView(b.buffer);
    return v.getInt32(4, true) * 4294967296 + v.getUint32(0, true);
  }

  readU64(address: number): bigint {
    return new DataView(this.read(address, 8).buffer).getBigUint64(0, true);
  }

  writeU64(address: number, value: number | bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(value)), true);
    this.write(address, b);
  }

  /**
   * A NUL-terminated string as a byte string (one char per byte, latin1), so
   * that any path survives the trip to node:fs unchanged. Throws GuestFault;
   * returns undefined when no NUL comes within `max` bytes.
   */
  readCString(address: number, max = PATH_MAX): string | undefined {
    const chunks: string[] = [];
    let total = 0;
    let va = address;
    while (total < max) {
      const inPage = Math.min(PAGE_SIZE - (va % PAGE_SIZE), max - total);
      const pa = this.space.userPhysical(va, AccessKind.Read);
      const page = this.u8.subarray(pa, pa + inPage);
      const nul = page.indexOf(0);
      if (nul >= 0) {
        chunks.push(latin1(page.subarray(0, nul)));
        return chunks.join('');
      }
      chunks.push(latin1(page));
      total += inPage;
      va += inPage;
    }
    return undefined;
  }
}

export function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

export function isUserPointer(address: number): boolean {
  return address >= 0 && address < 2 ** 47;
}
