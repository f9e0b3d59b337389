/**
 * Images without Rock Ridge: plain ISO 9660 at levels 1 and 2 and Joliet,
 * compared with their source trees and with `isoinfo -l`; the Linux name
 * rules and mount options; several versions of a file, associated and hidden
 * files (made by patching flag and name bytes of real images).
 */
import { readFileSync } from 'node:fs';
import { type FileSystem, MemoryBlockSource, openImage } from '@x/fsimage';
import { describe, expect, it } from 'vitest';
import '../src/index.js';
import { expectConsistentInodes, expectSameTree } from './support/compare.js';
import { genisoimage, xorrisoExtract } from './support/images.js';
import { isoinfoListing } from './support/isoinfo.js';
import { jolietTree, level1Tree, level2Tree, richTree } from './support/trees.js';

/** Linux's default for discs without Rock Ridge: r-x for all. */
const LINUX_DEFAULT_MODE = 0o555;

/** Directory path → sorted names, as the plugin lists them. */
function listingOf(fs: FileSystem): Map<string, string[]> {
  const out = new Map<string, string[]>([['/', []]]);
  for (const e of fs.walk('/')) {
    const parent = e.path.slice(0, e.path.length - e.name.length - 1) || '/';
    out.get(parent)!.push(e.name);
    if ((e.stat.mode & 0o170000) === 0o040000) out.set(e.path, []);
  }
  for (const names of out.values()) names.sort();
  return out;
}

function isoinfoNames(image: string, flags: string[] = []): Map<string, string[]> {
  return new Map(
    [...isoinfoListing(image, flags)].map(([dir, entries]) => [dir, entries.map((e) => e.name).sort()]),
  );
}

function withPatch(image: string, patch: (b: Buffer) => void): MemoryBlockSource {
  const bytes = Buffer.from(readFileSync(image));
  patch(bytes);
  return new MemoryBlockSource(bytes);
}

/** Byte position of the directory record whose file identifier is `identifier`. */
function recordOf(b: Buffer, identifier: string): number {
  const at = b.indexOf(identifier, 0, 'latin1');
  expect(at, identifier).toBeGreaterThan(0);
  expect(b.indexOf(identifier, at + 1, 'latin1'), `${identifier} is unique`).toBe(-1);
  const record = at - 33;
  expect(b[record + 32], `identifier length of ${identifier}`).toBe(identifier.length);
  return record;
}

const FLAG_HIDDEN = 0x01;
const FLAG_ASSOCIATED = 0x04;

describe.each([
  ['level 1', level1Tree, [] as string[]],
  ['level 2', level2Tree, ['-iso-level', '2']],
])('genisoimage, ISO 9660 %s', (_level, tree, args) => {
  const src = tree();
  const image = genisoimage(src, args);

  it('shows the source tree under Linux names (lowercase, no version, no trailing dot)', () => {
    const fs = openImage(image);
    expectSameTree(fs, {
      root: src,
      modes: false,
      defaultFileMode: LINUX_DEFAULT_MODE,
      defaultDirMode: LINUX_DEFAULT_MODE,
    });
    expectConsistentInodes(fs);
    expect(new Map(fs.info().rows).get('Names from')).toBe('ISO 9660');
    fs.close();
  });

  it('with map=off, shows the names as recorded, as isoinfo -l lists them', () => {
    const fs = openImage(image, { options: { map: 'off' } });
    expect(listingOf(fs)).toEqual(isoinfoNames(image));
    fs.close();
  });

  it('applies mode, dmode, uid and gid', () => {
    const fs = openImage(image, { options: { mode: '640', dmode: '750', uid: '7', gid: '8' } });
    for (const e of fs.walk('/')) {
      const dir = (e.stat.mode & 0o170000) === 0o040000;
      expect(e.stat.mode & 0o7777).toBe(dir ? 0o750 : 0o640);
      expect([e.stat.uid, e.stat.gid]).toEqual([7, 8]);
    }
    fs.close();
  });
});

describe('several versions, associated and hidden files', () => {
  const src = level1Tree();
  const image = genisoimage(src, []);
  const fileB = readFileSync(`${src}/verb.txt`);

  it('shows the highest version under the plain name, and every version with map=off', () => {
    const source = withPatch(image, (b) => {
      const r = recordOf(b, 'VERB.TXT;1');
      b.write('VERA.TXT;2', r + 33, 'latin1');
    });
    const fs = openImage(source);
    expect(fs.readdir('/').map((e) => e.name)).not.toContain('verb.txt');
    expect(Buffer.from(fs.readFile('/vera.txt')).equals(fileB)).toBe(true);
    fs.close();
    const raw = openImage(source, { options: { map: 'off' } });
    expect(raw.readdir('/').map((e) => e.name)).toEqual(expect.arrayContaining(['VERA.TXT;1', 'VERA.TXT;2']));
    raw.close();
  });

  it('leaves out associated files unless asked (unhide, showassoc)', () => {
    const source = withPatch(image, (b) => {
      b[recordOf(b, 'DATA.BIN;1') + 25]! |= FLAG_ASSOCIATED;
    });
    const names = (options: Record<string, true>) => {
      const fs = openImage(source, { options });
      const list = fs.readdir('/').map((e) => e.name);
      fs.close();
      return list;
    };
    expect(names({})).not.toContain('data.bin');
    expect(names({ unhide: true })).toContain('data.bin');
    expect(names({ showassoc: true })).toContain('data.bin');
  });

  it('refuses to read interleaved files (ENOTSUP), but lists and stats them', () => {
    const source = withPatch(image, (b) => {
      const r = recordOf(b, 'DATA.BIN;1');
      b[r + 26] = 1; // file unit size
      b[r + 27] = 1; // interleave gap
    });
    const fs = openImage(source);
    expect(fs.stat('/data.bin').size).toBe(10_000);
    expect(() => fs.readFile('/data.bin')).toThrow(expect.objectContaining({ code: 'ENOTSUP' }));
    expect(new TextDecoder().decode(fs.readFile('/readme.txt'))).toBe('read me\n');
    fs.close();
  });

  it('shows hidden files unless told to hide them', () => {
    const source = withPatch(image, (b) => {
      b[recordOf(b, 'README.TXT;1') + 25]! |= FLAG_HIDDEN;
    });
    const shown = openImage(source);
    expect(new TextDecoder().decode(shown.readFile('/readme.txt'))).toBe('read me\n');
    shown.close();
    const hidden = openImage(source, { options: { hide: true } });
    expect(hidden.readdir('/').map((e) => e.name)).not.toContain('readme.txt');
    expect(() => hidden.stat('/readme.txt')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    hidden.close();
  });
});

describe('Joliet', () => {
  it('genisoimage -J: shows the source names (UCS-2: mixed case, spaces, non-Latin, 64 characters)', () => {
    const src = jolietTree();
    const image = genisoimage(src, ['-J']);
    const fs = openImage(image);
    expect(new Map(fs.info().rows).get('Names from')).toBe('Joliet');
    const sameAsSource = {
      modes: false,
      defaultFileMode: LINUX_DEFAULT_MODE,
      defaultDirMode: LINUX_DEFAULT_MODE,
    };
    expectSameTree(fs, { root: src, ...sameAsSource });
    // xorriso reading the Joliet tree agrees.
    expectSameTree(fs, { root: xorrisoExtract(image, 'norock'), ...sameAsSource });
    expectConsistentInodes(fs);
    fs.close();
    // nojoliet falls back to the primary tree, as isoinfo lists it.
    expect(listingOf(openImage(image, { options: { nojoliet: true, map: 'off' } }))).toEqual(
      isoinfoNames(image),
    );
  });

  it('genisoimage -R -J with norock: Joliet names, without Rock Ridge attributes', () => {
    const src = richTree();
    const image = genisoimage(src, ['-R', '-J', '-joliet-long']);
    const fs = openImage(image, { options: { norock: true } });
    expect(new Map(fs.info().rows).get('Names from')).toBe('Joliet');
    expectSameTree(fs, {
      root: xorrisoExtract(image, 'norock'),
      modes: false,
      defaultFileMode: LINUX_DEFAULT_MODE,
      defaultDirMode: LINUX_DEFAULT_MODE,
    });
    fs.close();
  });
});
