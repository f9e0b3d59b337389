/** Directory listings as `isoinfo -l` (cdrkit) prints them: an independent reader's view. */
import { requireTool, run } from '@x/testkit';

export interface IsoinfoEntry {
  name: string;
  modeString: string;
  nlink: number;
  uid: number;
  gid: number;
  size: number;
  extent: number;
  isDir: boolean;
}

// isoinfo prints the flags of a multi-extent record sign-extended and cut ("FFFF" without "]").
const LINE =
  /^([-dlcbps][-rwxsStT]{9})\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+\w{3}\s+\d+\s+\d{4}\s+\[\s*(\d+)\s+[0-9A-F]+(?:\]\s)?\s(.*) $/;

/** `isoinfo -l [flags]`: directory path ("/" or "/A/B") → entries without "." and "..". */
export function isoinfoListing(image: string, flags: string[] = []): Map<string, IsoinfoEntry[]> {
  requireTool('isoinfo');
  const out = new Map<string, IsoinfoEntry[]>();
  let current: IsoinfoEntry[] | null = null;
  for (const line of run('isoinfo', [...flags, '-l', '-i', image]).split('\n')) {
    const dir = /^Directory listing of (.*)$/.exec(line);
    if (dir) {
      const path = dir[1]!.replace(/\/$/, '') || '/';
      current = [];
      out.set(path, current);
      continue;
    }
    const m = LINE.exec(line);
    if (!m || !current) continue;
    const name = m[7]!;
    if (name === '.' || name === '..') continue;
    current.push({
      name,
      modeString: m[1]!,
      nlink: Number(m[2]),
      // isoinfo prints owners in octal.
      uid: Number.parseInt(m[3]!, 8),
      gid: Number.parseInt(m[4]!, 8),
      size: Number(m[5]),
      extent: Number(m[6]),
      isDir: m[1]!.startsWith('d'),
    });
  }
  return out;
}
