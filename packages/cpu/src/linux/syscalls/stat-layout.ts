/**
 * The stat structures of x86-64 Linux (arch/x86/include/uapi/asm/stat.h
 * struct stat, include/uapi/linux/stat.h struct statx) and their encoding
 * from what node:fs reports. The test compares the offsets with the C
 * headers and the bytes with what a native program gets.
 */
import type { BigIntStats } from 'node:fs';

/** File metadata in the units the kernel structures use. */
export interface StatInfo {
  dev: bigint;
  ino: bigint;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  rdev: bigint;
  size: bigint;
  blksize: number;
  blocks: bigint;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  /** 0 when the file system does not record it. */
  birthtimeNs: bigint;
}

/** File type bits of st_mode. */
export const S_IF = {
  MT: 0o170000,
  SOCK: 0o140000,
  LNK: 0o120000,
  REG: 0o100000,
  BLK: 0o060000,
  DIR: 0o040000,
  CHR: 0o020000,
  FIFO: 0o010000,
} as const;

/** struct stat (144 bytes). */
export const STAT = {
  dev: 0,
  ino: 8,
  nlink: 16,
  mode: 24,
  uid: 28,
  gid: 32,
  rdev: 40,
  size: 48,
  blksize: 56,
  blocks: 64,
  atime: 72,
  atimeNsec: 80,
  mtime: 88,
  mtimeNsec: 96,
  ctime: 104,
  ctimeNsec: 112,
  bytes: 144,
} as const;

/** struct statx (256 bytes); each timestamp is { __s64 tv_sec; __u32 tv_nsec; __s32 reserved }. */
export const STATX = {
  mask: 0,
  blksize: 4,
  attributes: 8,
  nlink: 16,
  uid: 20,
  gid: 24,
  mode: 28,
  ino: 32,
  size: 40,
  blocks: 48,
  attributesMask: 56,
  atime: 64,
  btime: 80,
  ctime: 96,
  mtime: 112,
  rdevMajor: 128,
  rdevMinor: 132,
  devMajor: 136,
  devMinor: 140,
  bytes: 256,
} as const;

export const STATX_MASK = {
  TYPE: 0x1,
  MODE: 0x2,
  NLINK: 0x4,
  UID: 0x8,
  GID: 0x10,
  ATIME: 0x20,
  MTIME: 0x40,
  CTIME: 0x80,
  INO: 0x100,
  SIZE: 0x200,
  BLOCKS: 0x400,
  BASIC_STATS: 0x7ff,
  BTIME: 0x800,
} as const;

export function statFromHost(s: BigIntStats): StatInfo {
  return {
    dev: s.dev,
    ino: s.ino,
    mode: Number(s.mode),
    nlink: Number(s.nlink),
    uid: Number(s.uid),
    gid: Number(s.gid),
    rdev: s.rdev,
    size: s.size,
    blksize: Number(s.blksize),
    blocks: s.blocks,
    atimeNs: s.atimeNs,
    mtimeNs: s.mtimeNs,
    ctimeNs: s.ctimeNs,
    birthtimeNs: s.birthtimeNs,
  };
}

const NS = 1_000_000_000n;

function seconds(ns: bigint): bigint {
  // Floor division, so times before 1970 keep a non-negative nanosecond part.
  return ns >= 0n ? ns / NS : -((-ns + NS - 1n) / NS);
}

function nanos(ns: bigint): number {
  return Number(ns - seconds(ns) * NS);
}

export function encodeStat(s: StatInfo): Uint8Array {
  const out = new Uint8Array(STAT.bytes);
  const v = new DataView(out.buffer);
  v.setBigUint64(STAT.dev, s.dev, true);
  v.setBigUint64(STAT.ino, s.ino, true);
  v.setBigUint64(STAT.nlink, BigInt(s.nlink), true);
  v.setUint32(STAT.mode, s.mode, true);
  v.setUint32(STAT.uid, s.uid, true);
  v.setUint32(STAT.gid, s.gid, true);
  v.setBigUint64(STAT.rdev, s.rdev, true);
  v.setBigInt64(STAT.size, s.size, true);
  v.setBigInt64(STAT.blksize, BigInt(s.blksize), true);
  v.setBigInt64(STAT.blocks, s.blocks, true);
  const times: Array<[number, number, bigint]> = [
    [STAT.atime, STAT.atimeNsec, s.atimeNs],
    [STAT.mtime, STAT.mtimeNsec, s.mtimeNs],
    [STAT.ctime, STAT.ctimeNsec, s.ctimeNs],
  ];
  for (const [sec, nsec, ns] of times) {
    v.setBigInt64(sec, seconds(ns), true);
    v.setBigInt64(nsec, BigInt(nanos(ns)), true);
  }
  return out;
}

/** glibc's gnu_dev_major / gnu_dev_minor split of a dev_t. */
export function devMajor(dev: bigint): number {
  return Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
}

export function devMinor(dev: bigint): number {
  return Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
}

export function encodeStatx(s: StatInfo): Uint8Array {
  const out = new Uint8Array(STATX.bytes);
  const v = new DataView(out.buffer);
  const mask = STATX_MASK.BASIC_STATS | (s.birthtimeNs !== 0n ? STATX_MASK.BTIME : 0);
  v.setUint32(STATX.mask, mask, true);
  v.setUint32(STATX.blksize, s.blksize, true);
  v.setUint32(STATX.nlink, s.nlink, true);
  v.setUint32(STATX.uid, s.uid, true);
  v.setUint32(STATX.gid, s.gid, true);
  v.setUint16(STATX.mode, s.mode, true);
  v.setBigUint64(STATX.ino, s.ino, true);
  v.setBigUint64(STATX.size, s.size, true);
  v.setBigUint64(STATX.blocks, s.blocks, true);
  const times: Array<[number, bigint]> = [
    [STATX.atime, s.atimeNs],
    [STATX.btime, s.birthtimeNs],
    [STATX.ctime, s.ctimeNs],
    [STATX.mtime, s.mtimeNs],
  ];
  for (const [at, ns] of times) {
    v.setBigInt64(at, seconds(ns), true);
    v.setUint32(at + 8, nanos(ns), true);
  }
  v.setUint32(STATX.rdevMajor, devMajor(s.rdev), true);
  v.setUint32(STATX.rdevMinor, devMinor(s.rdev), true);
  v.setUint32(STATX.devMajor, devMajor(s.dev), true);
  v.setUint32(STATX.devMinor, devMinor(s.dev), true);
  return out;
}
