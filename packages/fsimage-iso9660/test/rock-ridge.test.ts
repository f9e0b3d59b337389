/**
 * Rock Ridge images made by three independent writers from one source tree:
 * everything the plugin shows must match the tree (names, types, sizes,
 * bytes, link targets, mtimes, modes, owners, link counts).
 */
import { readFileSync } from 'node:fs';
import { type FileSystem, MemoryBlockSource, openImage } from '@x/fsimage';
import { run } from '@x/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../src/index.js';
import type { IsoVolume } from '../src/index.js';
import { expectConsistentInodes, expectSameTree } from './support/compare.js';
import { genisoimage, makefs, xorrisoMkisofs, xorrisoNative } from './support/images.js';
import { rawRecord } from './support/raw.js';
import { DEEP, richTree } from './support/trees.js';

/** Record dates carry the writer's local time and its offset; a non-zero offset tests both. */
const INDIA = { ...process.env, TZ: 'IST-5:30' };
const NEWFOUNDLAND = { ...process.env, TZ: 'NST+3:30' };

describe('genisoimage -R -J', () => {
  let src: string;
  let image: string;
  let fs: FileSystem;
  beforeAll(() => {
    src = richTree({ manyFiles: true });
    image = genisoimage(src, ['-R', '-J'], INDIA);
    fs = openImage(image);
  });
  afterAll(() => fs.close());

  it('shows the source tree: names, types, sizes, bytes, targets, times, modes, owners, links', () => {
    expectSameTree(fs, {
      root: src,
      modes: true,
      owners: true,
      fileLinks: true,
      dirLinks: true,
      ctime: true,
      // genisoimage's relocation directory, which Linux shows too (empty).
      extra: (p) => p === '/rr_moved',
    });
  });

  it('hides the relocated directories inside rr_moved, and shows them where they logically live', () => {
    expect(fs.readdir('/rr_moved')).toEqual([]);
    const leaf = `/${DEEP}/leaf.txt`;
    expect(new TextDecoder().decode(fs.readFile(leaf))).toBe('deep leaf\n');
    // The relocated directory is reached through ".." as well.
    expect(fs.stat(`/${DEEP}/../d10/leaf.txt`).ino).toBe(fs.stat(leaf).ino);
  });

  it('gives the same attributes through inodes alone', () => {
    expectConsistentInodes(fs);
  });

  it('reports Rock Ridge as used and Joliet as present', () => {
    const volume = fs.volume as IsoVolume;
    expect(volume.namespace).toBe('rockridge');
    const rows = new Map(fs.info().rows);
    const isoinfo = run('isoinfo', ['-d', '-i', image]);
    const jolietLevel = /Joliet with UCS level (\d) found/.exec(isoinfo)?.[1];
    expect(rows.get('Joliet')).toBe(`level ${jolietLevel} (not used)`);
    expect(isoinfo).toContain('Rock Ridge signatures version 1 found');
    expect(rows.get('Rock Ridge')).toMatch(/^RRIP 1\.09 \(ER RRIP_1991A\)$/);
    expect(rows.get('Names from')).toBe('Rock Ridge');
  });
});

describe('xorriso -as mkisofs -R -J', () => {
  let src: string;
  let fs: FileSystem;
  beforeAll(() => {
    src = richTree({ longLink: true });
    fs = openImage(xorrisoMkisofs(src, ['-R', '-J'], NEWFOUNDLAND));
  });
  afterAll(() => fs.close());

  it('shows the source tree, including a link target spread over several SL entries', () => {
    // xorriso records deep directories in place (no relocation) and a directory's link count as 1.
    expectSameTree(fs, { root: src, modes: true, owners: true, fileLinks: true, ctime: true });
    expect(fs.readlink('/links/long').length).toBeGreaterThan(255);
  });

  it('gives the same attributes through inodes alone', () => {
    expectConsistentInodes(fs);
  });
});

describe('makefs -t cd9660 -o rockridge', () => {
  let src: string;
  let fs: FileSystem;
  beforeAll(() => {
    src = richTree();
    fs = openImage(makefs(src, 'rockridge'));
  });
  afterAll(() => fs.close());

  it('shows the source tree', () => {
    // makefs names its relocation directory ".rr_moved" and marks nothing in it
    // with RE, so the moved directory also shows there, as on Linux. Its TF
    // entries are one byte short, which costs the last stamp (ctime).
    expectSameTree(fs, {
      root: src,
      modes: true,
      owners: true,
      fileLinks: true,
      dirLinks: true,
      extra: (p) => p === '/.rr_moved' || p.startsWith('/.rr_moved/'),
    });
  });

  it('gives the same attributes through inodes alone', () => {
    expectConsistentInodes(fs);
  });

  it('records PX serial numbers (RRIP 1.12): equal for hard links, distinct otherwise', () => {
    const volume = fs.volume as IsoVolume;
    const serial = (path: string) => volume.rockRidgeEntries(fs.lstat(path).ino)?.posix?.serial;
    expect(serial('/hard-link.txt')).toBeDefined();
    expect(serial('/hard-link.txt')).toBe(serial('/text.txt'));
    const others = ['/one-byte', '/random.bin', '/dir', '/links/relative'].map(serial);
    expect(new Set([serial('/text.txt'), ...others]).size).toBe(others.length + 1);
  });
});

describe('TF in its long form (17-byte dates)', () => {
  it('is decoded with its hundredths and its offset', () => {
    const src = richTree();
    const image = Buffer.from(readFileSync(genisoimage(src, ['-R'])));
    const tf = rawRecord(image, 'one-byte').entries.find((e) => e.signature === 'TF')!;
    expect(tf.length).toBe(26);
    // Rewrite the entry in place: TF with MODIFY in long form (22 bytes), then 4 bytes of PD padding.
    image.write('TF', tf.position, 'latin1');
    image[tf.position + 2] = 22;
    image[tf.position + 4] = 0x80 | 0x02;
    image.write('2021071214301525', tf.position + 5, 'latin1');
    image[tf.position + 21] = 8; // +02:00, in quarter hours
    image.write('PD', tf.position + 22, 'latin1');
    image[tf.position + 24] = 4;
    image[tf.position + 25] = 1;
    const fs = openImage(new MemoryBlockSource(image));
    const st = fs.stat('/one-byte');
    expect(st.mtime).toEqual({ sec: Date.UTC(2021, 6, 12, 14, 30, 15) / 1000 - 2 * 3600, nsec: 250_000_000 });
    // The stamps no longer recorded fall back to the record's date.
    expect(st.atime).toEqual(st.ctime);
    expect(new TextDecoder().decode(fs.readFile('/one-byte'))).toBe('x');
    fs.close();
  });
});

/** Identifiers of the SUSP ER entries found by scanning the raw image (SUSP 5.5 layout). */
function rawExtensionIds(image: string): string[] {
  const b = readFileSync(image);
  const ids: string[] = [];
  for (let i = b.indexOf('ER'); i >= 0; i = b.indexOf('ER', i + 1)) {
    const idLength = b[i + 4]!;
    if (b[i + 3] !== 1 || idLength === 0 || i + 8 + idLength > b.length) continue;
    const id = b.subarray(i + 8, i + 8 + idLength).toString('latin1');
    if (/^[A-Z0-9_]+$/.test(id)) ids.push(id);
  }
  return ids;
}

describe('Rock Ridge version from the ER entry', () => {
  const src = richTree();
  // The identifiers RRIP 1.09 and 1.12 register for themselves.
  const cases: Array<[string, () => string, string]> = [
    ['xorriso (RRIP 1.09 by default)', () => xorrisoMkisofs(src, ['-R']), '1.09'],
    ['xorriso -compliance new_rr', () => xorrisoNative(['-compliance', 'new_rr', '-map', src, '/']), '1.12'],
    ['makefs', () => makefs(src, 'rockridge'), '1.12'],
  ];
  for (const [name, build, version] of cases) {
    it(name, () => {
      const image = build();
      const fs = openImage(image);
      try {
        const row = new Map(fs.info().rows).get('Rock Ridge')!;
        const [, shown, id] = /^RRIP (\S+) \(ER (\S+)\)$/.exec(row) ?? [];
        expect(rawExtensionIds(image)).toEqual([id]);
        expect(shown).toBe(version);
      } finally {
        fs.close();
      }
    });
  }
});
