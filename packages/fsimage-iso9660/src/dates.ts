/**
 * ECMA-119 dates: the 7-byte recording date of directory records (9.1.5) and
 * the 17-byte digit form of volume descriptors (8.4.26.1). Both carry the
 * offset from Greenwich in 15-minute steps, which turns local wall-clock time
 * into an absolute instant.
 */
import type { Timespec } from '@x/fsimage';

/** Offsets outside ECMA-119's range (-48..+52 quarter hours) are ignored, as Linux does. */
function offsetSeconds(raw: number): number {
  const quarters = raw > 127 ? raw - 256 : raw;
  return quarters >= -48 && quarters <= 52 ? quarters * 900 : 0;
}

/** The 7-byte recording date; all zeros means "not specified" and gives the epoch. */
export function recordingDate(b: Uint8Array, o: number): Timespec {
  const year = b[o]!;
  const month = b[o + 1]!;
  const day = b[o + 2]!;
  if (month === 0 && day === 0 && year === 0) return { sec: 0, nsec: 0 };
  const ms = Date.UTC(1900 + year, month - 1, day, b[o + 3]!, b[o + 4]!, b[o + 5]!);
  return { sec: Math.floor(ms / 1000) - offsetSeconds(b[o + 6]!), nsec: 0 };
}

export interface DescriptorDate {
  /** Local date and time as recorded: `YYYY-MM-DD HH:MM:SS.cc`. */
  local: string;
  /** Offset from Greenwich in minutes. */
  offsetMinutes: number;
  /** The instant it names. */
  time: Timespec;
}

function isDigits(b: Uint8Array, o: number, n: number): boolean {
  for (let i = o; i < o + n; i++) if (b[i]! < 0x30 || b[i]! > 0x39) return false;
  return true;
}

function digits(b: Uint8Array, o: number, n: number): number {
  let v = 0;
  for (let i = o; i < o + n; i++) v = v * 10 + (b[i]! - 0x30);
  return v;
}

/**
 * The 17-byte date of a volume descriptor. Null when not specified (all
 * digits zero, or all bytes zero) or not made of digits.
 */
export function descriptorDate(b: Uint8Array, o: number): DescriptorDate | null {
  if (!isDigits(b, o, 16)) return null;
  if (digits(b, o, 4) === 0 && digits(b, o + 4, 2) === 0 && digits(b, o + 6, 2) === 0) return null;
  const [year, month, day] = [digits(b, o, 4), digits(b, o + 4, 2), digits(b, o + 6, 2)];
  const [hour, minute, second, centi] = [
    digits(b, o + 8, 2),
    digits(b, o + 10, 2),
    digits(b, o + 12, 2),
    digits(b, o + 14, 2),
  ];
  const offset = offsetSeconds(b[o + 16]!);
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return {
    local: `${pad(year, 4)}-${pad(month)}-${pad(day)} ${pad(hour)}:${pad(minute)}:${pad(second)}.${pad(centi)}`,
    offsetMinutes: offset / 60,
    time: { sec: Math.floor(ms / 1000) - offset, nsec: centi * 10_000_000 },
  };
}

/** `+05:30` style offset. */
export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const m = Math.abs(minutes);
  return `${sign}${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** The digits of a descriptor date (as recorded, local time), for blkid-style volume ids. */
export function descriptorDigits(b: Uint8Array, o: number): string | null {
  return descriptorDate(b, o) ? String.fromCharCode(...b.subarray(o, o + 16)) : null;
}
