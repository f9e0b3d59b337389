// Throughput of the built plugin (dist/): sequential reads of a 256 MiB file
// through FileSystem.read with a 1 MiB buffer (warm page cache), and stat of
// every entry of a 2,000-entry directory by path. One line per figure.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openImage } from '@x/fsimage';
import '../dist/index.js';

const MiB = 1 << 20;
const FILE_BYTES = 256 * MiB;
const ENTRIES = 2000;

const work = mkdtempSync(join(tmpdir(), 'iso9660-bench-'));
try {
  const src = join(work, 'src');
  mkdirSync(join(src, 'many'), { recursive: true });
  const chunk = Buffer.alloc(MiB);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 2654435761) >>> 24;
  const fd = openSync(join(src, 'big.bin'), 'w');
  for (let written = 0; written < FILE_BYTES; written += MiB) writeSync(fd, chunk);
  closeSync(fd);
  const names = Array.from({ length: ENTRIES }, (_, i) => `entry-${String(i).padStart(4, '0')}.txt`);
  for (const name of names) writeFileSync(join(src, 'many', name), `${name}\n`);

  const image = join(work, 'bench.iso');
  const built = spawnSync('genisoimage', ['-quiet', '-R', '-J', '-o', image, src], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error('genisoimage failed (is it installed?)');

  const fs = openImage(image);
  const ino = fs.resolve('/big.bin');
  const buf = new Uint8Array(MiB);
  const readAll = () => {
    let total = 0;
    for (let at = 0; ; at += buf.length) {
      const n = fs.read(ino, buf, at);
      if (n === 0) return total;
      total += n;
    }
  };
  readAll(); // warm the page cache
  const rounds = 5;
  let started = performance.now();
  for (let r = 0; r < rounds; r++) if (readAll() !== FILE_BYTES) throw new Error('short read');
  let seconds = (performance.now() - started) / 1000;
  console.log(`read 256 MiB file, 1 MiB buffer: ${((rounds * FILE_BYTES) / seconds / 1e9).toFixed(2)} GB/s`);

  const statAll = () => {
    for (const name of names) fs.stat(`/many/${name}`);
  };
  statAll(); // the first pass parses the directory and warms the code
  started = performance.now();
  for (let r = 0; r < rounds; r++) statAll();
  seconds = (performance.now() - started) / 1000 / rounds;
  console.log(
    `stat ${ENTRIES} entries by path: ${(seconds * 1000).toFixed(1)} ms (${((seconds / ENTRIES) * 1e6).toFixed(2)} µs each)`,
  );
  fs.close();
} finally {
  rmSync(work, { recursive: true, force: true });
}
