/**
 * Mount options, spelled as Linux isofs spells them (`-o norock,map=off`).
 * Values are checked here so that a typo is an EINVAL at mount time, not a
 * surprise later.
 */
import { FsError } from '@x/fsimage';
import { PLUGIN, unsupported } from './bytes.js';

export type NameMapping = 'normal' | 'off';

export interface IsoOptions {
  /** Use Rock Ridge when present (`norock` turns it off). */
  rock: boolean;
  /** Use Joliet when there is no Rock Ridge (`nojoliet` turns it off). */
  joliet: boolean;
  /** Plain ISO 9660 names: lowercased without version (`normal`) or as recorded (`off`). */
  map: NameMapping;
  /** Leave out files whose "existence" flag says hidden. */
  hide: boolean;
  /** List associated files (`unhide`, `showassoc`). */
  showAssociated: boolean;
  /** Decompress zisofs files (`nocompress` shows them as recorded). */
  decompress: boolean;
  /** Permission bits of files and directories without Rock Ridge attributes. */
  fileMode: number;
  dirMode: number;
  /** Apply `fileMode`/`dirMode` even where Rock Ridge records permissions (`overriderockperm`). */
  overrideRockPermissions: boolean;
  uid: number;
  gid: number;
}

export const DEFAULT_OPTIONS: Readonly<IsoOptions> = Object.freeze({
  rock: true,
  joliet: true,
  map: 'normal',
  hide: false,
  showAssociated: false,
  decompress: true,
  // Linux's default for discs without Rock Ridge: r-x for everyone.
  fileMode: 0o555,
  dirMode: 0o555,
  overrideRockPermissions: false,
  uid: 0,
  gid: 0,
});

type Setter = (o: IsoOptions, value: string | true) => void;

function invalid(key: string, value: string | true): FsError {
  return new FsError('EINVAL', `bad value for mount option ${key}: ${String(value)}`, { plugin: PLUGIN });
}

function number(key: string, value: string | true, radix: number, max: number): number {
  const text = value === true ? '' : value;
  const pattern = radix === 8 ? /^[0-7]+$/ : /^\d+$/;
  if (!pattern.test(text)) throw invalid(key, value);
  const n = Number.parseInt(text, radix);
  if (n > max) throw invalid(key, value);
  return n;
}

const MAPPINGS: Record<string, NameMapping> = { normal: 'normal', n: 'normal', off: 'off', o: 'off' };

/** The options this plugin understands, as a table of what each one sets. */
const SETTERS: Record<string, Setter> = {
  norock: (o) => {
    o.rock = false;
  },
  nojoliet: (o) => {
    o.joliet = false;
  },
  hide: (o) => {
    o.hide = true;
  },
  unhide: (o) => {
    o.showAssociated = true;
  },
  showassoc: (o) => {
    o.showAssociated = true;
  },
  nocompress: (o) => {
    o.decompress = false;
  },
  overriderockperm: (o) => {
    o.overrideRockPermissions = true;
  },
  check: (_o, v) => {
    // Names are always matched exactly, which is check=strict.
    if (v === 'relaxed' || v === 'r')
      throw unsupported('check=relaxed (case-insensitive lookup) is not supported');
    if (v !== 'strict' && v !== 's') throw invalid('check', v);
  },
  map: (o, v) => {
    const m = typeof v === 'string' ? MAPPINGS[v] : undefined;
    if (v === 'acorn' || v === 'a') throw unsupported('map=acorn (Acorn extensions) is not supported');
    if (!m) throw invalid('map', v);
    o.map = m;
  },
  mode: (o, v) => {
    o.fileMode = number('mode', v, 8, 0o7777);
  },
  dmode: (o, v) => {
    o.dirMode = number('dmode', v, 8, 0o7777);
  },
  uid: (o, v) => {
    o.uid = number('uid', v, 10, 0xffffffff);
  },
  gid: (o, v) => {
    o.gid = number('gid', v, 10, 0xffffffff);
  },
};

/** Options that change nothing for a read-only reader of image files that always yields UTF-8. */
const ACCEPTED = new Set(['ro', 'utf8', 'iocharset', 'cruft', 'block']);

/** Options that would select data this reader cannot reach. */
const REFUSED: Record<string, string> = {
  session: 'choosing a session of a multi-session disc is not supported',
  sbsector: 'choosing a session of a multi-session disc is not supported',
};

export function parseOptions(
  raw: Readonly<Record<string, string | true>>,
  warn: (m: string) => void,
): IsoOptions {
  const options: IsoOptions = { ...DEFAULT_OPTIONS };
  for (const [key, value] of Object.entries(raw)) {
    const setter = SETTERS[key];
    if (setter) setter(options, value);
    else if (REFUSED[key]) throw unsupported(`${key}: ${REFUSED[key]}`);
    else if (!ACCEPTED.has(key)) warn(`unknown mount option "${key}" ignored`);
  }
  return options;
}
