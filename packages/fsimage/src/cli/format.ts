/** Text formats of the CLI: `ls -l` lines, `stat` blocks, mode strings, times. */
import { type Stat, type Timespec, typeLetterOf } from '../volume.js';

const PERM_LETTERS = 'rwxrwxrwx';

/** `drwxr-xr-x`, with setuid/setgid/sticky as `ls` shows them. */
export function modeString(mode: number): string {
  let s = typeLetterOf(mode);
  for (let i = 0; i < 9; i++) s += mode & (0o400 >> i) ? PERM_LETTERS[i] : '-';
  const chars = s.split('');
  const special: Array<[number, number, string]> = [
    [0o4000, 3, 's'],
    [0o2000, 6, 's'],
    [0o1000, 9, 't'],
  ];
  for (const [bit, idx, letter] of special) {
    if (mode & bit) chars[idx] = chars[idx] === 'x' ? letter : letter.toUpperCase();
  }
  return chars.join('');
}

function pad2(n: number): string {
  return n.toString().padStart(2, '0');
}

/** `2024-05-01 13:45` in local time, as `ls --time-style=long-iso`. */
export function longIsoTime(t: Timespec): string {
  const d = new Date(t.sec * 1000);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/** `2024-05-01 13:45:07.000000000 +0200`, as GNU stat prints times. */
export function fullTime(t: Timespec): string {
  const d = new Date(t.sec * 1000);
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const tz = `${sign}${pad2(Math.floor(Math.abs(off) / 60))}${pad2(Math.abs(off) % 60)}`;
  return `${longIsoTime(t)}:${pad2(d.getSeconds())}.${t.nsec.toString().padStart(9, '0')} ${tz}`;
}

/** The size column: bytes, or `major, minor` for a device. */
export function sizeField(st: Stat): string {
  return isDevice(st) ? `${st.rdevMajor}, ${st.rdevMinor}` : String(st.size);
}

function isDevice(st: Stat): boolean {
  const letter = typeLetterOf(st.mode);
  return letter === 'c' || letter === 'b';
}

/** Rows of `ls -l`, columns aligned across the listing. */
export function longListing(rows: Array<{ name: string; stat: Stat; target?: string }>): string[] {
  const cols = rows.map(({ stat }) => [
    modeString(stat.mode),
    String(stat.nlink),
    String(stat.uid),
    String(stat.gid),
    sizeField(stat),
  ]);
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(0, ...cols.map((c) => c[i]!.length)));
  return rows.map(({ name, stat, target }, r) => {
    const c = cols[r]!;
    const fields = [
      c[0],
      c[1]!.padStart(widths[1]!),
      c[2]!.padEnd(widths[2]!),
      c[3]!.padEnd(widths[3]!),
      c[4]!.padStart(widths[4]!),
      longIsoTime(stat.mtime),
      target === undefined ? name : `${name} -> ${target}`,
    ];
    return fields.join(' ');
  });
}

const TYPE_NAMES: Record<string, string> = {
  '-': 'regular file',
  d: 'directory',
  l: 'symbolic link',
  c: 'character special file',
  b: 'block special file',
  p: 'fifo',
  s: 'socket',
};

/** A `stat(1)`-like block. */
export function statBlock(path: string, st: Stat, target?: string): string {
  const typeName = TYPE_NAMES[typeLetterOf(st.mode)] ?? 'unknown';
  const perm = (st.mode & 0o7777).toString(8).padStart(4, '0');
  const lines = [
    `  File: ${target === undefined ? path : `${path} -> ${target}`}`,
    `  Size: ${st.size}\tBlocks: ${st.blocks}\tIO Block: ${st.blksize}\t${typeName}`,
    `Inode: ${st.ino}\tLinks: ${st.nlink}${isDevice(st) ? `\tDevice type: ${st.rdevMajor},${st.rdevMinor}` : ''}`,
    `Access: (${perm}/${modeString(st.mode)})  Uid: ${st.uid}  Gid: ${st.gid}`,
    `Access: ${fullTime(st.atime)}`,
    `Modify: ${fullTime(st.mtime)}`,
    `Change: ${fullTime(st.ctime)}`,
    ` Birth: ${st.birthtime ? fullTime(st.birthtime) : '-'}`,
  ];
  return lines.join('\n');
}

/** 1.5 MiB style sizes for `info`. */
export function humanSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${bytes} B` : `${v.toFixed(1)} ${units[u]} (${bytes} bytes)`;
}
