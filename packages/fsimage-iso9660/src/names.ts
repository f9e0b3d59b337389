/**
 * File identifiers as users see them. Plain ISO 9660 names ("README.TXT;1")
 * are shown as Linux isofs shows them by default (map=normal): lowercase, the
 * ";version" dropped, and the "." that ECMA-119 7.5.1 requires in a name
 * without extension dropped too. Joliet names are UCS-2 with the same version
 * suffix. The version is kept apart so that, of several versions of a file,
 * the directory can show the highest under the plain name.
 */
import { latin1, ucs2be } from './bytes.js';
import type { NameMapping } from './options.js';

export interface MappedName {
  name: string;
  /** The ";N" version number; 0 when none is recorded. */
  version: number;
}

/** Split "NAME;N" into the name and its version (ECMA-119 7.5.1: 1 to 32767). */
function splitVersion(text: string): MappedName {
  const semi = text.lastIndexOf(';');
  if (semi < 0) return { name: text, version: 0 };
  const digits = text.slice(semi + 1);
  if (!/^\d{1,5}$/.test(digits)) return { name: text, version: 0 };
  return { name: text.slice(0, semi), version: Number(digits) };
}

/** Drop the trailing "." of a name recorded without extension ("NOEXT." → "NOEXT"). */
function dropTrailingDot(name: string): string {
  return name.length > 1 && name.endsWith('.') ? name.slice(0, -1) : name;
}

/** A primary-tree identifier under the chosen mapping. */
export function isoName(identifier: Uint8Array, map: NameMapping): MappedName {
  const raw = latin1(identifier);
  if (map === 'off') return { name: raw, version: splitVersion(raw).version };
  const { name, version } = splitVersion(raw);
  // Only A-Z are d-characters to fold; a remaining ";" or "/" cannot be part
  // of a name, and Linux shows them as ".".
  const folded = name.replace(/[A-Z]/g, (c) => c.toLowerCase()).replace(/[;/]/g, '.');
  return { name: dropTrailingDot(folded), version };
}

/** A Joliet identifier: UCS-2 big-endian, version suffix and trailing "." dropped. */
export function jolietName(identifier: Uint8Array): MappedName {
  const { name, version } = splitVersion(ucs2be(identifier));
  return { name: dropTrailingDot(name), version };
}
