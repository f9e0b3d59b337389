/**
 * The plugin as @x/fsimage sees it: registration, probing, volume identity
 * (compared with blkid and isoinfo), options, directory paging, and lookups
 * in a 2,000-entry directory.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FSIMAGE_API_VERSION, findPlugin, MemoryBlockSource, openImage, probeAll } from '@x/fsimage';
import { makeTree, requireTool, run, thirdPartyImage } from '@x/testkit';
import { describe, expect, it } from 'vitest';
import { plugin } from '../src/index.js';
import { genisoimage } from './support/images.js';
import { scratchDir } from './support/scratch.js';
import { level1Tree } from './support/trees.js';

describe('registration and probing', () => {
  it('registers under its name and the names users type', () => {
    for (const name of ['iso9660', 'hsfs', 'cd9660', 'iso', 'HSFS']) expect(findPlugin(name)).toBe(plugin);
    expect(plugin.apiVersion).toBe(FSIMAGE_API_VERSION);
  });

  it('recognises ISO 9660 and nothing else', () => {
    const image = genisoimage(level1Tree(), ['-V', 'PROBE_ME']);
    expect(plugin.probe(new MemoryBlockSource(readFileSync(image)))).toEqual({ label: 'PROBE_ME' });
    expect(probeAll(new MemoryBlockSource(readFileSync(image))).map((m) => m.plugin.name)).toContain(
      'iso9660',
    );
    for (const other of ['dfvfs/ext2.raw', 'util-linux/ext4.img', 'util-linux/gpt.img']) {
      expect(plugin.probe(new MemoryBlockSource(readFileSync(thirdPartyImage(other)))), other).toBeNull();
    }
    expect(plugin.probe(new MemoryBlockSource(new Uint8Array(0)))).toBeNull();
    expect(plugin.probe(new MemoryBlockSource(new Uint8Array(17 * 2048)))).toBeNull();
  });

  it('opens by type name', () => {
    const image = genisoimage(level1Tree(), []);
    const fs = openImage(image, { fstype: 'hsfs' });
    expect(fs.fsType).toBe('iso9660');
    fs.close();
  });
});

describe('volume identity', () => {
  it('label and uuid are what blkid reports; size is what isoinfo reports', () => {
    requireTool('blkid');
    for (const args of [
      ['-R', '-J', '-V', 'Mixed Label 1'],
      ['-J', '-V', 'Joliet Only'],
    ]) {
      const image = genisoimage(level1Tree(), args);
      const fs = openImage(image);
      const blkid = (tag: string) => run('blkid', ['-o', 'value', '-s', tag, image]).trim();
      expect(fs.label()).toBe(blkid('LABEL'));
      expect(fs.uuid()).toBe(blkid('UUID'));
      const blocks = Number(/Volume size is: (\d+)/.exec(run('isoinfo', ['-d', '-i', image]))![1]);
      expect(fs.statfs()).toMatchObject({ blockSize: 2048, blocks, blocksFree: 0 });
      fs.close();
    }
  });

  it('dates in info() are the descriptor dates xorriso reports, with their offset', () => {
    const image = genisoimage(level1Tree(), [], { ...process.env, TZ: 'IST-5:30' });
    const fs = openImage(image);
    const rows = new Map(fs.info().rows);
    const pvd = run('xorriso', ['-indev', image, '-pvd_info']);
    for (const [row, label] of [
      ['Created', 'Creation Time'],
      ['Modified', 'Modif. Time'],
      ['Effective', 'Eff. Time'],
    ]) {
      const d = new RegExp(`^${label.replace('.', '\\.')}\\s*: (\\d{16})`, 'm').exec(pvd)![1]!;
      const local = `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)} ${d.slice(8, 10)}:${d.slice(10, 12)}:${d.slice(12, 14)}.${d.slice(14)}`;
      expect(rows.get(row!)).toBe(`${local} +05:30`);
    }
    expect(rows.get('Expires')).toBe('not set');
    fs.close();
  });
});

describe('mount options', () => {
  const src = level1Tree();
  const image = genisoimage(src, ['-R']);

  it('refuses bad values and unsupported choices with typed errors', () => {
    expect(() => openImage(image, { options: { map: 'bogus' } })).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
    expect(() => openImage(image, { options: { map: 'acorn' } })).toThrow(
      expect.objectContaining({ code: 'ENOTSUP' }),
    );
    expect(() => openImage(image, { options: { mode: '99' } })).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
    expect(() => openImage(image, { options: { session: '1' } })).toThrow(
      expect.objectContaining({ code: 'ENOTSUP' }),
    );
    expect(() => openImage(image, { options: { check: 'relaxed' } })).toThrow(
      expect.objectContaining({ code: 'ENOTSUP' }),
    );
  });

  it('overriderockperm applies mode and dmode over Rock Ridge permissions', () => {
    const fs = openImage(image, { options: { overriderockperm: true, mode: '600', dmode: '700' } });
    expect(fs.stat('/readme.txt').mode & 0o7777).toBe(0o600);
    expect(fs.stat('/subdir').mode & 0o7777).toBe(0o700);
    fs.close();
    const plain = openImage(image, { options: { mode: '600', dmode: '700' } });
    // Without it, Rock Ridge permissions (the source's) stand.
    expect(plain.stat('/subdir').mode & 0o7777).toBe(statSync(join(src, 'subdir')).mode & 0o7777);
    plain.close();
  });

  it('warns about options it does not know', () => {
    const warnings: string[] = [];
    openImage(image, { options: { frobnicate: true, ro: true }, onWarning: (m) => warnings.push(m) }).close();
    expect(warnings).toEqual(['unknown mount option "frobnicate" ignored']);
  });
});

describe('a 2,000-entry directory', () => {
  const names = Array.from({ length: 2000 }, (_, i) => `file number ${String(i).padStart(4, '0')}.dat`);
  const src = makeTree(
    scratchDir('iso9660-many-'),
    Object.fromEntries(names.map((n, i) => [`many/${n}`, `${i}\n`])),
  );
  const image = genisoimage(src, ['-R', '-J']);

  it('lists every entry once, in pages that resume where they stopped', () => {
    const fs = openImage(image);
    const dir = fs.resolve('/many');
    const seen: string[] = [];
    let cursor = 0;
    for (;;) {
      const page = fs.readdirPage(dir, cursor, 333);
      seen.push(...page.entries.map((e) => e.name));
      if (page.done) break;
      cursor = page.entries[page.entries.length - 1]!.next;
    }
    expect(seen.sort()).toEqual([...names].sort());
    expect(fs.readdirPage(dir, 5000, 10)).toEqual({ entries: [], done: true });
    fs.close();
  });

  it('stats all entries by path quickly, and finds their bytes', () => {
    const fs = openImage(image);
    fs.readdir('/many');
    const started = performance.now();
    for (const name of names) fs.stat(`/many/${name}`);
    const elapsed = performance.now() - started;
    // A hash lookup per name: far below a millisecond each.
    expect(elapsed).toBeLessThan(1000);
    for (const i of [0, 999, 1999]) {
      expect(new TextDecoder().decode(fs.readFile(join('/many', names[i]!)))).toBe(`${i}\n`);
    }
    expect(() => fs.stat('/many/absent')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(() => fs.stat(`/many/${names[0]}/below`)).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    fs.close();
  });

  it('refuses a directory larger than limits.maxDirEntries', () => {
    const fs = openImage(image, { limits: { maxDirEntries: 1000 } });
    expect(() => fs.readdir('/many')).toThrow(expect.objectContaining({ code: 'EFBIG' }));
    fs.close();
  });
});
