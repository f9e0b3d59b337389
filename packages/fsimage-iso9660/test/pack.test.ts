/**
 * The packages as users get them: `pnpm pack` each tarball, install them with
 * npm into an empty folder, and read a file out of an ISO through the
 * installed code, both from a script and through the installed `fsimage` bin.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePath, makeTree, pnpmCommand, run, tempDir } from '@x/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { genisoimage } from './support/images.js';

const PACKAGES = ['packages/lofi', 'packages/fsimage', 'packages/fsimage-iso9660'];

let app: string;
let image: string;
const content = 'read from the installed tarballs\n';

beforeAll(() => {
  const packs = tempDir('xvm-pack-');
  const [pnpm, pre] = pnpmCommand();
  const tarballs = PACKAGES.map((dir) => {
    const out = run(pnpm, [...pre, 'pack', '--pack-destination', packs], { cwd: fixturePath(dir) });
    return out.trim().split('\n').pop()!.trim();
  });
  app = tempDir('xvm-installed-');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'reader', private: true, type: 'module' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--offline', ...tarballs], { cwd: app });
  image = genisoimage(makeTree(join(tempDir(), 'src'), { 'docs/hello.txt': content }), ['-R', '-J']);
}, 240_000);

describe('installed from tarballs with npm', () => {
  it('each tarball holds its build and README, and the workspace protocol is gone', () => {
    for (const name of ['fsimage', 'fsimage-iso9660', 'lofi']) {
      const pkg = JSON.parse(readFileSync(join(app, 'node_modules/@x', name, 'package.json'), 'utf8'));
      expect(JSON.stringify(pkg.dependencies ?? {})).not.toContain('workspace:');
      expect(readFileSync(join(app, 'node_modules/@x', name, 'README.md'), 'utf8').length).toBeGreaterThan(
        100,
      );
    }
  });

  it('a script reads a file out of an ISO', () => {
    writeFileSync(
      join(app, 'read.mjs'),
      [
        "import { openImage } from '@x/fsimage';",
        "import '@x/fsimage-iso9660';",
        'const fs = openImage(process.argv[2]);',
        "process.stdout.write(fs.fsType + '\\n' + new TextDecoder().decode(fs.readFile('/docs/hello.txt')));",
        'fs.close();',
      ].join('\n'),
    );
    expect(run(process.execPath, ['read.mjs', image], { cwd: app })).toBe(`iso9660\n${content}`);
  });

  it('the installed fsimage command finds the installed plugin', () => {
    const bin = join(app, 'node_modules/.bin/fsimage');
    expect(run(bin, ['cat', `${image}:/docs/hello.txt`], { cwd: app })).toBe(content);
    expect(run(bin, ['types'], { cwd: '/' })).toMatch(/^iso9660\s+hsfs, cd9660, iso/m);
  });
});
