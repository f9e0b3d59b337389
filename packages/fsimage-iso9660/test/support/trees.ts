/** Source trees for the images the tests build. */
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, lchownSync, linkSync, mkdirSync, readdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { makeTree, run, type TreeSpec } from '@x/testkit';
import { scratchDir } from './scratch.js';

/** Seconds since the epoch for the chosen mtimes (2008 onwards, on odd seconds). */
const T = 1_200_000_001;

const isRoot = process.getuid?.() === 0;

function bytes(n: number): Uint8Array {
  return new Uint8Array(randomBytes(n));
}

function text(n: number): string {
  const line = 'The quick brown fox jumps over the lazy dog, again and again.\n';
  return line.repeat(Math.ceil(n / line.length)).slice(0, n);
}

/** Ten nested directories: deeper than the eight levels ISO 9660 allows, so Rock Ridge relocates. */
export const DEEP = 'deep/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10';

export interface RichTreeOptions {
  /** A symbolic link whose target spans several SL entries (only some writers record it correctly). */
  longLink?: boolean;
  /** The 2,000-entry directory. */
  manyFiles?: boolean;
}

/**
 * Files of many sizes, nested and deep directories, symbolic links of every
 * kind, long and non-ASCII names, special permission bits, chosen mtimes, a
 * hard link, and (when run as root) other owners.
 */
export function richTree(options: RichTreeOptions = {}): string {
  const root = scratchDir('iso9660-src-');
  const spec: TreeSpec = {
    empty: { content: '', mtime: T },
    'one-byte': { content: 'x', mtime: T + 2 },
    'sector-minus-one.bin': { content: bytes(2047), mtime: T + 4 },
    'sector.bin': { content: bytes(2048), mtime: T + 6 },
    'sector-plus-one.bin': { content: bytes(2049), mtime: T + 8 },
    'multi-sector.bin': { content: bytes(5 * 2048 + 123), mtime: T + 10 },
    'random.bin': { content: bytes(300_000), mtime: T + 12 },
    'text.txt': { content: text(200_000), mtime: T + 14 },
    'zeros.bin': { content: new Uint8Array(200_000), mtime: T + 16 },
    'with space.txt': { content: 'spaces\n', mtime: T + 18 },
    'ünïcödé 名前.txt': { content: 'utf-8\n', mtime: T + 20 },
    [`long-${'n'.repeat(240)}.txt`]: { content: 'long name\n', mtime: T + 22 },
    noext: { content: 'no extension\n', mtime: T + 24 },
    'dir/sub/file.txt': { content: 'nested\n', mtime: T + 26 },
    'dir/sub': { dir: true, mtime: T + 28 },
    dir: { dir: true, mtime: T + 30 },
    'modes/setuid': { content: '#!/bin/sh\n', mode: 0o4755, mtime: T + 32 },
    'modes/setgid': { content: '#!/bin/sh\n', mode: 0o2711, mtime: T + 34 },
    'modes/private': { content: 'secret\n', mode: 0o600, mtime: T + 36 },
    'modes/readonly': { content: 'ro\n', mode: 0o444, mtime: T + 38 },
    'modes/sticky': { dir: true, mode: 0o1777, mtime: T + 40 },
    modes: { dir: true, mode: 0o750, mtime: T + 42 },
    'links/relative': { symlink: '../text.txt', mtime: T + 44 },
    'links/absolute': { symlink: '/etc/hostname', mtime: T + 46 },
    'links/to-dir': { symlink: '../dir/sub', mtime: T + 48 },
    'links/dangling': { symlink: 'no/such/file', mtime: T + 50 },
    'links/dotted': { symlink: './../one-byte', mtime: T + 52 },
    'links/root': { symlink: '/', mtime: T + 54 },
    links: { dir: true, mtime: T + 56 },
    [`${DEEP}/leaf.txt`]: { content: 'deep leaf\n', mtime: T + 58 },
    [DEEP]: { dir: true, mtime: T + 60 },
  };
  if (options.longLink) {
    spec['links/long'] = {
      symlink: Array.from({ length: 8 }, (_, i) => `${i}${'p'.repeat(59)}`).join('/'),
      mtime: T + 62,
    };
  }
  if (options.manyFiles) {
    for (let i = 0; i < 2000; i++)
      spec[`many/entry-${String(i).padStart(4, '0')}.dat`] = { content: `${i}\n`, mtime: T + i };
    spec.many = { dir: true, mtime: T + 64 };
  }
  makeTree(root, spec);
  linkSync(join(root, 'text.txt'), join(root, 'hard-link.txt'));
  if (isRoot) {
    // chown clears set-id bits, so modes are applied again afterwards.
    chownSync(join(root, 'modes/private'), 1234, 5678);
    chownSync(join(root, 'modes/setuid'), 4321, 8765);
    chmodSync(join(root, 'modes/setuid'), 0o4755);
    chownSync(join(root, 'dir/sub'), 1000, 1000);
    lchownSync(join(root, 'links/relative'), 42, 43);
  }
  // Special files: a FIFO, and (as root) devices, one with numbers beyond 8 bits.
  mkdirSync(join(root, 'special'));
  run('mkfifo', [join(root, 'special/fifo')]);
  if (isRoot) {
    run('mknod', [join(root, 'special/null'), 'c', '1', '3']);
    run('mknod', [join(root, 'special/loop'), 'b', '7', '0']);
    run('mknod', [join(root, 'special/wide'), 'c', '259', '300000']);
  }
  for (const name of readdirSync(join(root, 'special')))
    utimesSync(join(root, 'special', name), T + 66, T + 66);
  utimesSync(join(root, 'special'), T + 68, T + 68);
  // Creating the hard link touched the root's mtime; choose it again.
  utimesSync(root, T + 70, T + 70);
  return root;
}

/** Names every ISO 9660 level-1 writer records unchanged (8.3, d-characters only). */
export function level1Tree(): string {
  return makeTree(scratchDir('iso9660-l1-'), {
    'readme.txt': { content: 'read me\n', mtime: T },
    noext: { content: 'no extension\n', mtime: T + 2 },
    'data.bin': { content: bytes(10_000), mtime: T + 4 },
    'empty.dat': { content: '', mtime: T + 6 },
    'vera.txt': { content: 'version A\n', mtime: T + 16 },
    'verb.txt': { content: 'version B\n', mtime: T + 18 },
    'subdir/nested.txt': { content: 'nested\n', mtime: T + 8 },
    'subdir/deeper/leaf.txt': { content: 'leaf\n', mtime: T + 10 },
    'subdir/deeper': { dir: true, mtime: T + 12 },
    subdir: { dir: true, mtime: T + 14 },
  });
}

/** Level-2 names: up to 31 d-characters. */
export function level2Tree(): string {
  return makeTree(scratchDir('iso9660-l2-'), {
    'a_longer_name_for_level2.txt': { content: 'level 2\n', mtime: T },
    another_file_without_ext: { content: 'x\n', mtime: T + 2 },
    'directory_with_long_name/inner_file_name.dat': { content: bytes(5000), mtime: T + 4 },
    directory_with_long_name: { dir: true, mtime: T + 6 },
  });
}

/** Joliet names: mixed case, spaces, UTF-8, up to 64 characters; no symbolic links. */
export function jolietTree(): string {
  return makeTree(scratchDir('iso9660-joliet-'), {
    'Mixed Case Name.TXT': { content: 'mixed\n', mtime: T },
    'ünïcödé 名前.txt': { content: 'utf-8\n', mtime: T + 2 },
    [`${'j'.repeat(60)}.txt`]: { content: 'sixty-four\n', mtime: T + 4 },
    noext: { content: 'no extension\n', mtime: T + 6 },
    'Folder/Inner File.bin': { content: bytes(7000), mtime: T + 8 },
    Folder: { dir: true, mtime: T + 10 },
  });
}

export { isRoot };
