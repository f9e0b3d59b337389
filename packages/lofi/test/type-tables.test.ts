/** Our tables of well-known ids against libfdisk's (sfdisk --list-types), so a mistyped GUID cannot hide. */
import { requireTool, run } from '@x/testkit';
import { describe, expect, it } from 'vitest';
import { GPT_TYPES, MBR_TYPES, VTOC_TAGS } from '../src/index.js';

function listTypes(label: 'gpt' | 'dos'): Map<string, string> {
  requireTool('sfdisk');
  const out = run('sfdisk', ['--list-types', '--label', label]);
  const types = new Map<string, string>();
  for (const line of out.split('\n')) {
    const m =
      label === 'gpt' ? /^([0-9A-F-]{36})\s+(.*)$/.exec(line) : /^\s*([0-9a-f]{1,2})\s+(.*)$/.exec(line);
    if (m) types.set(m[1]!.toLowerCase(), m[2]!.trim());
  }
  return types;
}

describe('type tables', () => {
  it('every GPT type GUID is one libfdisk knows, under the same name', () => {
    const theirs = listTypes('gpt');
    const mismatched = [...GPT_TYPES].filter(([guid, name]) => theirs.get(guid) !== name);
    expect(mismatched.map(([guid]) => guid)).toEqual([]);
    expect(GPT_TYPES.get('6a898cc3-1dd2-11b2-99a6-080020736631')).toBe('Solaris /usr & Apple ZFS');
  });

  it('every MBR id is one libfdisk knows, under the same name', () => {
    const theirs = listTypes('dos');
    const mismatched = [...MBR_TYPES].filter(([id, name]) => theirs.get(id.toString(16)) !== name);
    expect(mismatched).toEqual([]);
  });

  it('has the VTOC tags of sys/vtoc.h', () => {
    expect([0, 2, 3, 4, 5, 7, 8, 9].map((t) => VTOC_TAGS.get(t))).toEqual([
      'unassigned',
      'root',
      'swap',
      'usr',
      'backup',
      'var',
      'home',
      'alternates',
    ]);
  });
});
