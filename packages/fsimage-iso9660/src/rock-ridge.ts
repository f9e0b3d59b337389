/**
 * Rock Ridge (RRIP 1.09 / 1.12) entries, decoded from the SUSP entries of one
 * directory record: POSIX attributes (PX), device numbers (PN), symbolic links
 * (SL), alternate names (NM), time stamps (TF), directory relocation (CL, PL,
 * RE), and zisofs compression (ZF / Z2). One table maps each signature to its
 * decoder.
 */
import type { Limits, Timespec } from '@x/fsimage';
import { both32, corruptAt, latin1, le64, utf8Text } from './bytes.js';
import { descriptorDate, recordingDate } from './dates.js';
import type { SuspEntry } from './susp.js';

export interface PosixAttributes {
  mode: number;
  links: number;
  uid: number;
  gid: number;
  /** File serial number (RRIP 1.12 only). */
  serial?: number;
}

export interface ZisofsEntry {
  /** Two-character algorithm: "pz" (zisofs), "PZ" (zisofs2 zlib), others unsupported. */
  algorithm: string;
  /** Format version: 1 for zisofs, 2 for zisofs2. */
  version: 1 | 2;
  /** Bytes of the file header before the block pointers. */
  headerSize: number;
  log2BlockSize: number;
  /** Uncompressed size of the file. */
  size: number;
}

export interface RockRidgeTimes {
  creation?: Timespec;
  modify?: Timespec;
  access?: Timespec;
  attributes?: Timespec;
  backup?: Timespec;
  expiration?: Timespec;
  effective?: Timespec;
}

export interface RockRidge {
  posix?: PosixAttributes;
  device?: { major: number; minor: number };
  /** The NM name, when recorded; `.`/`..` when NM flags say so. */
  name?: string;
  symlink?: string;
  times: RockRidgeTimes;
  /** CL: logical block of the directory relocated away from here. */
  childLink?: number;
  /** PL: logical block of the logical parent of a relocated directory. */
  parentLink?: number;
  /** RE: this is a relocated directory's record in the relocation directory. */
  relocated: boolean;
  zisofs?: ZisofsEntry;
}

/** Longest name accepted from NM entries: beyond any POSIX NAME_MAX. */
const MAX_NAME_BYTES = 1024;

const NM_FLAG = { CONTINUE: 1, CURRENT: 2, PARENT: 4 } as const;
const SL_COMPONENT = { CONTINUE: 1, CURRENT: 2, PARENT: 4, ROOT: 8 } as const;

/** TF flag bits, in the order RRIP records their stamps. */
const TF_STAMPS: ReadonlyArray<[number, keyof RockRidgeTimes]> = [
  [0x01, 'creation'],
  [0x02, 'modify'],
  [0x04, 'access'],
  [0x08, 'attributes'],
  [0x10, 'backup'],
  [0x20, 'expiration'],
  [0x40, 'effective'],
];
const TF_LONG_FORM = 0x80;

/** Bytes accumulated while decoding one record's entries. */
interface Scratch {
  rr: RockRidge;
  name: number[] | null;
  link: LinkBuilder | null;
  limits: Limits;
}

function tooShort(entry: SuspEntry, needed: number): Error {
  return corruptAt(
    `Rock Ridge ${entry.signature} entry`,
    entry.position,
    `length ${entry.data.length + 4} is shorter than ${needed + 4}`,
  );
}

function decodePX(e: SuspEntry, s: Scratch): void {
  if (e.data.length < 32) throw tooShort(e, 32);
  const at = e.position + 4;
  s.rr.posix = {
    mode: both32(e.data, 0, 'Rock Ridge PX mode', at),
    links: both32(e.data, 8, 'Rock Ridge PX links', at + 8),
    uid: both32(e.data, 16, 'Rock Ridge PX uid', at + 16),
    gid: both32(e.data, 24, 'Rock Ridge PX gid', at + 24),
  };
  if (e.data.length >= 40) s.rr.posix.serial = both32(e.data, 32, 'Rock Ridge PX serial', at + 32);
}

function decodePN(e: SuspEntry, s: Scratch): void {
  if (e.data.length < 16) throw tooShort(e, 16);
  const high = both32(e.data, 0, 'Rock Ridge PN high', e.position + 4);
  const low = both32(e.data, 8, 'Rock Ridge PN low', e.position + 12);
  // RRIP: with a 32-bit dev_t the whole number sits in the low word.
  // Writers that do this (libisofs, makefs) record Linux's 32-bit encoding,
  // which also reads the old major<<8|minor form right; others split it.
  s.rr.device =
    high === 0 && low > 0xff
      ? { major: (low & 0xfff00) >>> 8, minor: (low & 0xff) | ((low >>> 12) & 0xfff00) }
      : { major: high, minor: low };
}

function decodeNM(e: SuspEntry, s: Scratch): void {
  if (e.data.length < 1) throw tooShort(e, 1);
  const flags = e.data[0]!;
  if (flags & NM_FLAG.CURRENT) s.rr.name = '.';
  else if (flags & NM_FLAG.PARENT) s.rr.name = '..';
  else {
    s.name ??= [];
    if (s.name.length + e.data.length - 1 > MAX_NAME_BYTES) {
      throw corruptAt('Rock Ridge NM entry', e.position, `name longer than ${MAX_NAME_BYTES} bytes`);
    }
    for (let i = 1; i < e.data.length; i++) s.name.push(e.data[i]!);
  }
}

/** Joins SL components into a path: a component flagged CONTINUE goes on in the next one. */
class LinkBuilder {
  private readonly parts: number[][] = [];
  private open = false;
  private absolute = false;
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  component(flags: number, content: Uint8Array, position: number): void {
    if (flags & SL_COMPONENT.ROOT) {
      this.parts.length = 0;
      this.absolute = true;
      this.open = false;
      return;
    }
    const text =
      flags & SL_COMPONENT.CURRENT
        ? [0x2e]
        : flags & SL_COMPONENT.PARENT
          ? [0x2e, 0x2e]
          : Array.from(content);
    this.bytes += text.length + 1;
    if (this.bytes > this.maxBytes) {
      throw corruptAt('Rock Ridge SL entry', position, `link target longer than ${this.maxBytes} bytes`);
    }
    if (this.open) this.parts[this.parts.length - 1]!.push(...text);
    else this.parts.push(text);
    this.open = (flags & SL_COMPONENT.CONTINUE) !== 0;
  }

  target(): string {
    const joined: number[] = [];
    for (const [i, part] of this.parts.entries()) {
      if (i > 0) joined.push(0x2f);
      joined.push(...part);
    }
    return (this.absolute ? '/' : '') + utf8Text(Uint8Array.from(joined));
  }
}

function decodeSL(e: SuspEntry, s: Scratch): void {
  if (e.data.length < 1) throw tooShort(e, 1);
  s.link ??= new LinkBuilder(s.limits.maxPathLength);
  let o = 1;
  while (o < e.data.length) {
    // Each component is flags, length, content; it must end inside its entry.
    if (o + 2 > e.data.length || o + 2 + e.data[o + 1]! > e.data.length) {
      throw corruptAt('Rock Ridge SL entry', e.position, `component at offset ${o + 4} runs past the entry`);
    }
    const length = e.data[o + 1]!;
    s.link.component(e.data[o]!, e.data.subarray(o + 2, o + 2 + length), e.position);
    o += 2 + length;
  }
}

function decodeTF(e: SuspEntry, s: Scratch): void {
  if (e.data.length < 1) throw tooShort(e, 1);
  const flags = e.data[0]!;
  const long = (flags & TF_LONG_FORM) !== 0;
  const width = long ? 17 : 7;
  let o = 1;
  for (const [bit, field] of TF_STAMPS) {
    if (!(flags & bit)) continue;
    // A stamp cut short by the entry's end is left out: some writers record
    // TF one byte short, and the earlier stamps are still good.
    if (o + width > e.data.length) break;
    const stamp = long ? descriptorDate(e.data, o)?.time : recordingDate(e.data, o);
    if (stamp) s.rr.times[field] = stamp;
    o += width;
  }
}

function blockOf(e: SuspEntry): number {
  if (e.data.length < 8) throw tooShort(e, 8);
  return both32(e.data, 0, `Rock Ridge ${e.signature} location`, e.position + 4);
}

function decodeZF(e: SuspEntry, s: Scratch): void {
  if (e.data.length < 12) throw tooShort(e, 12);
  const algorithm = latin1(e.data.subarray(0, 2));
  // zisofs2 marks itself with entry version 2 (or the Z2 signature) and a 64-bit size.
  const version = e.signature === 'Z2' || e.version >= 2 ? 2 : 1;
  const size =
    version === 2
      ? le64(e.data, 4, 'Rock Ridge ZF size', e.position)
      : both32(e.data, 4, 'Rock Ridge ZF size', e.position + 8);
  s.rr.zisofs = { algorithm, version, headerSize: e.data[2]! * 4, log2BlockSize: e.data[3]!, size };
}

const DECODERS: Record<string, (e: SuspEntry, s: Scratch) => void> = {
  PX: decodePX,
  PN: decodePN,
  SL: decodeSL,
  NM: decodeNM,
  TF: decodeTF,
  CL: (e, s) => {
    s.rr.childLink = blockOf(e);
  },
  PL: (e, s) => {
    s.rr.parentLink = blockOf(e);
  },
  RE: (_e, s) => {
    s.rr.relocated = true;
  },
  ZF: decodeZF,
  Z2: decodeZF,
};

/** Decode the Rock Ridge entries among a record's SUSP entries. */
export function decodeRockRidge(entries: readonly SuspEntry[], limits: Limits): RockRidge {
  const scratch: Scratch = { rr: { times: {}, relocated: false }, name: null, link: null, limits };
  for (const entry of entries) DECODERS[entry.signature]?.(entry, scratch);
  if (scratch.name && scratch.rr.name === undefined)
    scratch.rr.name = utf8Text(Uint8Array.from(scratch.name));
  if (scratch.link) scratch.rr.symlink = scratch.link.target();
  return scratch.rr;
}

/** ER identifiers that announce Rock Ridge, with the RRIP version each stands for. */
export const RRIP_IDENTIFIERS: Readonly<Record<string, string>> = {
  RRIP_1991A: '1.09',
  IEEE_P1282: '1.12',
  IEEE_1282: '1.12',
};

/** The identifier of an ER entry (SUSP 5.5). */
export function extensionIdentifier(e: SuspEntry): string | null {
  if (e.signature !== 'ER' || e.data.length < 4) return null;
  const idLength = e.data[0]!;
  if (4 + idLength > e.data.length) {
    throw corruptAt('SUSP ER entry', e.position, `identifier length ${idLength} runs past the entry`);
  }
  return latin1(e.data.subarray(4, 4 + idLength));
}
