/**
 * Wall-clock budget of one operation. The FileSystem layer starts an operation;
 * plugins call `check()` inside any loop whose length the image decides, so a
 * crafted image cannot keep a reader busy forever. `check()` is a counter
 * decrement on the common path and reads the clock only every 1024 calls.
 */
import { FsError } from './errors.js';

export class OperationGuard {
  private deadline = Number.POSITIVE_INFINITY;
  private countdown = 1024;

  constructor(private readonly timeoutMs: number) {}

  begin(): void {
    this.deadline = this.timeoutMs > 0 ? Date.now() + this.timeoutMs : Number.POSITIVE_INFINITY;
    this.countdown = 1024;
  }

  check(): void {
    if (--this.countdown > 0) return;
    this.countdown = 1024;
    if (Date.now() > this.deadline) {
      throw new FsError('ETIMEDOUT', `operation took longer than ${this.timeoutMs} ms`);
    }
  }
}
