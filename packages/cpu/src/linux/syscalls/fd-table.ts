/**
 * The file descriptor table: guest fd numbers to open file descriptions,
 * each with its close-on-exec flag; new descriptors take the lowest free
 * number, as POSIX requires.
 */
import { ERRNO } from '../errno.js';
import type { OpenFile } from './open-file.js';

interface Slot {
  file: OpenFile;
  cloexec: boolean;
}

export class FdTable {
  private readonly slots: Array<Slot | undefined> = [];

  constructor(
    /** RLIMIT_NOFILE: descriptors are below it. */
    public limit = 1024,
  ) {}

  get(fd: number): OpenFile | undefined {
    return fd >= 0 ? this.slots[fd]?.file : undefined;
  }

  isCloexec(fd: number): boolean {
    return this.slots[fd]?.cloexec ?? false;
  }

  setCloexec(fd: number, cloexec: boolean): void {
    const slot = this.slots[fd];
    if (slot) slot.cloexec = cloexec;
  }

  /** Install at the lowest free number >= `min`; -EMFILE when there is none. Takes over one reference. */
  install(file: OpenFile, cloexec = false, min = 0): number {
    for (let fd = min; fd < this.limit; fd++) {
      if (!this.slots[fd]) {
        this.slots[fd] = { file, cloexec };
        return fd;
      }
    }
    this.drop(file);
    return -ERRNO.EMFILE;
  }

  /** dup2/dup3: install at `fd`, closing what was there. */
  installAt(fd: number, file: OpenFile, cloexec: boolean): number {
    if (fd < 0 || fd >= this.limit) {
      this.drop(file);
      return -ERRNO.EBADF;
    }
    const old = this.slots[fd];
    this.slots[fd] = { file, cloexec };
    if (old) this.drop(old.file);
    return fd;
  }

  /** A second descriptor for the same description (dup). */
  duplicate(fd: number, min = 0, cloexec = false): number {
    const file = this.get(fd);
    if (!file) return -ERRNO.EBADF;
    file.refs++;
    return this.install(file, cloexec, min);
  }

  close(fd: number): number {
    const slot = fd >= 0 ? this.slots[fd] : undefined;
    if (!slot) return -ERRNO.EBADF;
    this.slots[fd] = undefined;
    this.drop(slot.file);
    return 0;
  }

  closeAll(): void {
    for (let fd = 0; fd < this.slots.length; fd++) if (this.slots[fd]) this.close(fd);
  }

  /** The open descriptor numbers, ascending. */
  numbers(): number[] {
    const out: number[] = [];
    this.slots.forEach((s, fd) => {
      if (s) out.push(fd);
    });
    return out;
  }

  private drop(file: OpenFile): void {
    if (--file.refs === 0) file.release();
  }
}
