/** partx (libblkid) as the independent reader the parsers are compared with. */

import { requireTool, tryRun } from '@x/testkit';
import { expect } from 'vitest';
import type { DiskLabel, Partition } from '../../src/index.js';

export interface PartxEntry {
  nr: number;
  /** Always in 512-byte units, whatever the sector size. */
  start: number;
  sectors: number;
  /** Bytes. */
  size: number;
  type: string;
  name: string;
  uuid: string;
  flags: string;
  scheme: string;
}

const COLUMNS = 'NR,START,SECTORS,SIZE,TYPE,NAME,UUID,FLAGS,SCHEME';

function unescapeValue(value: string): string {
  return value.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
}

/** `partx -P --bytes` of an image, one entry per partition it reports. */
export function partx(image: string, sectorSize?: number): PartxEntry[] {
  requireTool('partx');
  const args = ['-P', '--bytes', '-o', COLUMNS];
  if (sectorSize) args.push('-S', String(sectorSize));
  const r = tryRun('partx', [...args, image]);
  // partx reports a disk with no partition table as a failure.
  if (r.status !== 0 && r.stderr.includes('failed to read partition table')) return [];
  if (r.status !== 0) throw new Error(`partx ${image} exited ${r.status}: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const kv: Record<string, string> = {};
      for (const m of line.matchAll(/([A-Z]+)="((?:[^"\\]|\\.)*)"/g)) kv[m[1]!] = unescapeValue(m[2]!);
      return {
        nr: Number(kv['NR']),
        start: Number(kv['START']),
        sectors: Number(kv['SECTORS']),
        size: Number(kv['SIZE']),
        type: kv['TYPE'] ?? '',
        name: kv['NAME'] ?? '',
        uuid: kv['UUID'] ?? '',
        flags: kv['FLAGS'] ?? '',
        scheme: kv['SCHEME'] ?? '',
      };
    });
}

/** A type as a number when partx prints it in hex (MBR ids, slice tags), else lower case. */
function typeKey(type: string): string {
  return /^0x[0-9a-f]+$/i.test(type) ? String(Number.parseInt(type, 16)) : type.toLowerCase();
}

/**
 * Our MBR/GPT partitions against partx's, entry by entry: number, extent,
 * type, name, uuid and flags (boot indicator for MBR, attribute bits for GPT).
 */
export function expectSameTable(label: DiskLabel, entries: PartxEntry[], scheme: 'dos' | 'gpt'): void {
  const theirs = entries.filter((e) => e.scheme === scheme);
  const ours = label.partitions.filter((p) => p.scheme === (scheme === 'dos' ? 'mbr' : 'gpt'));
  expect(theirs.length).toBeGreaterThan(0);
  expect(ours.map((p) => p.number)).toEqual(theirs.map((e) => e.nr));
  for (const [i, e] of theirs.entries()) {
    const p = ours[i]!;
    expect({ name: p.name, start: p.start, size: p.size }).toEqual({
      name: `p${e.nr}`,
      start: e.start * 512,
      size: e.size,
    });
    expect(typeKey(p.type)).toBe(typeKey(e.type));
    expect(p.label ?? '').toBe(e.name);
    expect(p.uuid ?? '').toBe(e.uuid);
    if (scheme === 'dos') expect(p.bootable ? 0x80 : 0).toBe(Number(e.flags));
    else expect(p.attributes).toBe(BigInt(e.flags));
  }
}

export interface SliceKey {
  start: number;
  size: number;
  tag: number;
  flag: number;
}

/** Slices as a sorted list of extents, tags and flags: partx numbers them its own way. */
export function sliceKeys(slices: readonly Partition[]): SliceKey[] {
  return slices
    .map((s) => ({ start: s.start, size: s.size, tag: s.tag ?? -1, flag: s.flag ?? 0 }))
    .sort((a, b) => a.start - b.start || a.size - b.size);
}

export function partxSliceKeys(entries: PartxEntry[], scheme: 'solaris' | 'sun'): SliceKey[] {
  return entries
    .filter((e) => e.scheme === scheme)
    .map((e) => ({ start: e.start * 512, size: e.size, tag: Number(e.type), flag: Number(e.flags) }))
    .sort((a, b) => a.start - b.start || a.size - b.size);
}
