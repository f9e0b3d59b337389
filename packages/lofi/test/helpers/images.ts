/** Disk images built in the test run with the real tools, and byte-level damage done to them. */
import {
  closeSync,
  copyFileSync,
  openSync,
  readFileSync,
  readSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { requireTool, run, tempDir } from '@x/testkit';

let scratch: string | undefined;

/** A fresh path in this run's scratch directory. */
export function scratchPath(name: string): string {
  scratch ??= tempDir('xvm-lofi-');
  return join(scratch, name);
}

/** A zero-filled (sparse) image of `bytes` bytes. */
export function blankImage(name: string, bytes: number): string {
  const path = scratchPath(name);
  writeFileSync(path, '');
  truncateSync(path, bytes);
  return path;
}

/** Partition an image with an sfdisk script. */
export function sfdisk(image: string, script: string): void {
  requireTool('sfdisk');
  run('sfdisk', ['--no-reread', '--no-tell-kernel', image], { input: script });
}

/** Run sgdisk with the given arguments on an image. */
export function sgdisk(image: string, args: string[]): void {
  requireTool('sgdisk');
  run('sgdisk', [...args, image]);
}

export function copyImage(from: string, name: string): string {
  const to = scratchPath(name);
  copyFileSync(from, to);
  return to;
}

export function readBytes(image: string, position: number, length: number): Buffer {
  const fd = openSync(image, 'r');
  try {
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, position);
    return buf;
  } finally {
    closeSync(fd);
  }
}

export function writeBytes(image: string, position: number, bytes: Uint8Array): void {
  const fd = openSync(image, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.byteLength, position);
  } finally {
    closeSync(fd);
  }
}

/** Flip the bits of one byte. */
export function flipByte(image: string, position: number): void {
  const b = readBytes(image, position, 1);
  writeBytes(image, position, Uint8Array.of(b[0]! ^ 0xff));
}

export function imageBytes(image: string): Buffer {
  return readFileSync(image);
}
