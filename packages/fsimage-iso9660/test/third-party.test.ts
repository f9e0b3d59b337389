/**
 * Images nobody on this project made, compared with what two independent
 * readers see: the tree xorriso extracts, and `isoinfo -l` listings.
 */
import { type FileSystem, openImage } from '@x/fsimage';
import { run, thirdPartyImage } from '@x/testkit';
import { describe, expect, it } from 'vitest';
import '../src/index.js';
import { expectConsistentInodes, expectSameTree } from './support/compare.js';
import { xorrisoExtract } from './support/images.js';
import { isoinfoListing } from './support/isoinfo.js';
import { isRoot } from './support/trees.js';

/** Linux's default name mapping; xorriso keeps the recorded case. */
const lowercase = (path: string) => path.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** Each directory's entries as `isoinfo -l` shows them, from the plugin. */
function listing(fs: FileSystem): Map<string, Array<{ name: string; size: number; isDir: boolean }>> {
  const out = new Map<string, Array<{ name: string; size: number; isDir: boolean }>>([['/', []]]);
  for (const e of fs.walk('/')) {
    const parent = e.path.slice(0, e.path.length - e.name.length - 1) || '/';
    const isDir = (e.stat.mode & 0o170000) === 0o040000;
    out.get(parent)!.push({ name: e.name, size: e.stat.size, isDir });
    if (isDir) out.set(e.path, []);
  }
  for (const entries of out.values()) entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  return out;
}

function isoinfoView(image: string, flags: string[] = []) {
  const out = new Map<string, Array<{ name: string; size: number; isDir: boolean }>>();
  for (const [dir, entries] of isoinfoListing(image, flags)) {
    const view = entries.map((e) => ({ name: e.name, size: e.size, isDir: e.isDir }));
    out.set(
      dir,
      view.sort((a, b) => (a.name < b.name ? -1 : 1)),
    );
  }
  return out;
}

describe.each(['dfvfs/iso9660', 'dfvfs/iso9660-level1'])('%s (plain ISO 9660)', (name) => {
  const image = thirdPartyImage(`${name}.raw`);

  it('matches the tree xorriso extracts (under Linux names)', () => {
    const fs = openImage(image);
    expect(new Map(fs.info().rows).get('Names from')).toBe('ISO 9660');
    expectSameTree(fs, {
      root: xorrisoExtract(image),
      rename: lowercase,
      modes: true,
      owners: isRoot,
    });
    expectConsistentInodes(fs);
    fs.close();
  });

  it('matches isoinfo -l with map=off: recorded names and sizes', () => {
    const fs = openImage(image, { options: { map: 'off' } });
    const ours = listing(fs);
    // isoinfo lists directory sizes as recorded; so does stat.
    expect(ours).toEqual(isoinfoView(image));
    fs.close();
  });
});

describe('util-linux/iso-rr-joliet (Rock Ridge and Joliet)', () => {
  const image = thirdPartyImage('util-linux/iso-rr-joliet.img');

  it('matches the tree xorriso extracts, with Rock Ridge attributes', () => {
    const fs = openImage(image);
    expect(new Map(fs.info().rows).get('Names from')).toBe('Rock Ridge');
    expectSameTree(fs, { root: xorrisoExtract(image), modes: true, owners: isRoot });
    fs.close();
  });

  it('matches isoinfo -R -l: names, sizes, modes, owners, link counts', () => {
    const fs = openImage(image);
    const listed = isoinfoListing(image, ['-R']);
    for (const [dir, entries] of listed) {
      for (const e of entries) {
        const st = fs.lstat(dir === '/' ? `/${e.name}` : `${dir}/${e.name}`);
        const letters = ['r', 'w', 'x', 'r', 'w', 'x', 'r', 'w', 'x'];
        const perms = letters.map((l, i) => (st.mode & (0o400 >> i) ? l : '-')).join('');
        expect(e.modeString.slice(1)).toBe(perms);
        expect([e.nlink, e.uid, e.gid, e.size]).toEqual([st.nlink, st.uid, st.gid, st.size]);
      }
    }
    fs.close();
  });

  it('with norock, matches the Joliet tree xorriso extracts and isoinfo -J lists', () => {
    const fs = openImage(image, { options: { norock: true } });
    expect(new Map(fs.info().rows).get('Names from')).toBe('Joliet');
    expectSameTree(fs, { root: xorrisoExtract(image, 'norock'), modes: true, owners: isRoot });
    expect(listing(fs)).toEqual(isoinfoView(image, ['-J']));
    fs.close();
  });

  it('reports the volume and extensions as isoinfo -d does', () => {
    const fs = openImage(image);
    const rows = new Map(fs.info().rows);
    const volumeId = /Volume id: (.*)/.exec(run('isoinfo', ['-d', '-i', image]))?.[1];
    expect(rows.get('Volume identifier')).toBe(volumeId);
    expect(fs.label()).toBe(volumeId);
    expect(rows.get('Joliet')).toBe('level 3 (not used)');
    fs.close();
  });
});
