/** tlofiadm against real images and a real state directory (XVM_STATE_DIR in a temporary directory). */
import { join } from 'node:path';
import { tempDir, thirdPartyImage } from '@x/testkit';
import { describe, expect, it } from 'vitest';
import { LofiTable, lofiadmMain } from '../src/index.js';
import { spawnModule } from './helpers/children.js';
import { blankImage, copyImage, sfdisk } from './helpers/images.js';
import { partx } from './helpers/partx.js';
import { writeVtoc } from './helpers/vtoc-writer.js';

interface Result {
  status: number;
  out: string;
  err: string;
}

function session() {
  const env = { ...process.env, XVM_STATE_DIR: join(tempDir(), 'state') };
  const run = (...argv: string[]): Result => {
    let out = '';
    let err = '';
    const status = lofiadmMain(argv, {
      out: { write: (s: string) => (out += s) },
      err: { write: (s: string) => (err += s) },
      env,
    });
    return { status, out, err };
  };
  return { env, run };
}

const HEADER = 'Block Device             File                          \tOptions\n';

describe('tlofiadm', () => {
  it('attaches, lists, looks up and detaches like lofiadm', () => {
    const { run } = session();
    const iso = copyImage(thirdPartyImage('dfvfs/iso9660.raw'), 'cli.iso');
    const disk = copyImage(thirdPartyImage('util-linux/gpt.img'), 'cli-gpt.img');
    expect(run()).toEqual({ status: 0, out: HEADER, err: '' });
    expect(run('-a', iso)).toEqual({ status: 0, out: '/dev/lofi/1\n', err: '' });
    expect(run('-w', '-a', disk, '/dev/lofi/4')).toEqual({ status: 0, out: '/dev/lofi/4\n', err: '' });
    expect(run().out).toBe(
      `${HEADER}${'/dev/lofi/1'.padEnd(20)}     ${iso.padEnd(30)}\tReadonly\n${'/dev/lofi/4'.padEnd(20)}     ${disk.padEnd(30)}\t-\n`,
    );
    expect(run(iso)).toEqual({ status: 0, out: '/dev/lofi/1\n', err: '' });
    expect(run('/dev/lofi/4')).toEqual({ status: 0, out: `${disk}\n`, err: '' });
    expect(run('/dev/rlofi/1')).toEqual({ status: 0, out: `${iso}\n`, err: '' });
    const again = run('-a', iso);
    expect(again.status).toBe(1);
    expect(again.err).toBe(`tlofiadm: ${iso} is already attached as /dev/lofi/1\n`);
    expect(run('-d', iso)).toEqual({ status: 0, out: '', err: '' });
    expect(run('-d', '/dev/lofi/4')).toEqual({ status: 0, out: '', err: '' });
    expect(run()).toEqual({ status: 0, out: HEADER, err: '' });
    expect(run(iso)).toEqual({ status: 1, out: '', err: `tlofiadm: could not find device for ${iso}\n` });
    expect(run('/dev/lofi/4')).toEqual({
      status: 1,
      out: '',
      err: 'tlofiadm: /dev/lofi/4: no such lofi device\n',
    });
    expect(run('-d', '/dev/lofi/4').status).toBe(1);
    expect(run('-r', '-a', iso)).toEqual({ status: 0, out: '/dev/lofi/1\n', err: '' });
  });

  it('attaches labelled and prints the partitions, at the offsets partx gives', () => {
    const { run } = session();
    const disk = blankImage('cli-labelled.img', 32 << 20);
    sfdisk(
      disk,
      ['label: dos', 'start=2048, size=8192, type=83', 'start=10240, type=5', 'size=4096, type=83', ''].join(
        '\n',
      ),
    );
    const r = run('-l', '-a', disk);
    expect(r.status).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toBe('/dev/lofi/1');
    const printed = lines.slice(1).map((l) => l.split(/\s+/).slice(0, 3));
    const theirs = partx(disk).filter((e) => e.type !== '0x5');
    expect(printed).toEqual(
      theirs.map((e) => [`/dev/lofi/1p${e.nr}`, String(e.start * 512), String(e.size)]),
    );
    expect(run().out).toContain('\tReadonly,Labeled\n');
    expect(run('/dev/lofi/1p5')).toEqual({ status: 0, out: `${disk}\n`, err: '' });
  });

  it('prints a partition table with -p, for a file or a device', () => {
    const { run } = session();
    const disk = blankImage('cli-p.img', 16 << 20);
    sfdisk(disk, ['label: dos', 'start=2048, size=16384, type=bf', ''].join('\n'));
    writeVtoc(disk, 2048 * 512, {
      slices: [
        { slot: 0, tag: 2, flag: 0, start: 16, sectors: 8192 },
        { slot: 2, tag: 5, flag: 1, start: 0, sectors: 16384 },
      ],
    });
    const byFile = run('-p', disk);
    expect(byFile.status).toBe(0);
    const rows = byFile.out.trim().split('\n');
    expect(rows[0]).toMatch(new RegExp(`^${disk}: mbr label, 512-byte sectors, disk id [0-9a-f]{8}$`));
    expect(rows[1]!.split(/\s+/)).toEqual(['NAME', 'START', 'SIZE', 'TYPE', 'TYPE-NAME', 'FLAGS', 'LABEL']);
    expect(rows.slice(2).map((r) => r.split(/\s+/).slice(0, 6))).toEqual([
      ['p1', String(2048 * 512), String(16384 * 512), '0xbf', 'Solaris', '-'],
      ['s0', String(2064 * 512), String(8192 * 512), '0x02', 'root', 'in-p1'],
      ['s2', String(2048 * 512), String(16384 * 512), '0x05', 'backup', 'whole-disk,in-p1,flag=0x1'],
    ]);
    run('-a', disk);
    expect(run('-p', '/dev/lofi/1').out).toBe(byFile.out.replace(disk, '/dev/lofi/1'));
  });

  it('lists a truncated label with -p, flagging what lies past the end', () => {
    const { run } = session();
    const r = run('-p', thirdPartyImage('util-linux/sun.img'));
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/smi label "Linux cyl 65535 alt 2 hd 1 sec 2"/);
    expect(r.out.match(/BEYOND-END/g)).toHaveLength(3);
    expect(r.err.match(/^tlofiadm: warning: s\d .* runs past the end of the image/gm)).toHaveLength(3);
    // Attaching it labelled is refused: those slices cannot be read.
    const a = run('-l', '-a', thirdPartyImage('util-linux/sun.img'));
    expect(a.status).toBe(1);
    expect(a.err).toMatch(/^tlofiadm: partition table: s0 .* runs past the end of the image/);
  });

  it('answers usage errors with status 2 and operation errors with status 1', () => {
    const { run } = session();
    const file = blankImage('cli-usage.img', 1 << 20);
    for (const argv of [
      ['-w', '-r', '-a', file],
      ['-l'],
      ['-w', file],
      ['-a', file, '-d', file],
      ['-d', file, 'extra'],
      ['-p'],
      ['-f', file],
      ['-z'],
      [file, file],
    ]) {
      const r = run(...argv);
      expect({ argv, status: r.status }).toEqual({ argv, status: 2 });
      expect(r.err).toContain('Usage: tlofiadm');
    }
    expect(run('-h')).toMatchObject({ status: 0, err: '' });
    expect(run('-a', file, '/dev/lofi/x')).toEqual({
      status: 1,
      out: '',
      err: 'tlofiadm: malformed device name /dev/lofi/x\n',
    });
    expect(run('-a', '/nonexistent.img').err).toBe('tlofiadm: /nonexistent.img: no such file\n');
    expect(run('-p', '/nonexistent.img')).toMatchObject({
      status: 1,
      err: 'tlofiadm: /nonexistent.img: no such file or directory\n',
    });
  });

  it('shares its table with other processes', async () => {
    const { env, run } = session();
    const file = blankImage('cli-shared.img', 1 << 20);
    const child = spawnModule(`process.exitCode = lofi.lofiadmMain(['-a', ${JSON.stringify(file)}]);`, env);
    const r = await child.done;
    expect(r).toMatchObject({ code: 0, stdout: '/dev/lofi/1\n', stderr: '' });
    expect(run(file).out).toBe('/dev/lofi/1\n');
    expect(new LofiTable({ env }).byDevice('/dev/lofi/1')?.file).toBe(file);
  });
});
