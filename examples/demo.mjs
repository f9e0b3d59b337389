#!/usr/bin/env node
/**
 * The quick-start demo (npm run demo): read the example image without
 * mounting it, then mount it with tmount where FUSE is available, show it
 * with ordinary programs, and unmount it. Each command is printed before it runs.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const image = relative(process.cwd(), join(root, 'examples/example.iso')) || 'examples/example.iso';
const bin = (pkg, name) => join(root, pkg, 'dist', `${name}.js`);
const fsimage = bin('packages/fsimage', 'cli');
const tmount = bin('apps/tmount', 'tmount');
const tumount = bin('apps/tmount', 'tumount');

function show(label, cmd, args) {
  process.stdout.write(`\n\x1b[1m$ ${label}\x1b[0m\n`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  process.stdout.write(r.stdout);
  return r;
}

function node(label, script, args) {
  return show(`${label} ${args.join(' ')}`, process.execPath, [script, ...args]);
}

function fuseUsable() {
  if (!existsSync('/dev/fuse')) return 'there is no /dev/fuse on this machine';
  if (process.getuid?.() === 0) return undefined;
  try {
    accessSync('/dev/fuse', constants.R_OK | constants.W_OK);
  } catch {
    return '/dev/fuse is not open to this user';
  }
  const r = spawnSync('sh', ['-c', 'command -v fusermount3'], { stdio: 'ignore' });
  return r.status === 0 ? undefined : 'fusermount3 (Debian package fuse3) is not installed';
}

let failed = false;
const check = (r) => {
  if (r.status !== 0) failed = true;
  return r;
};

check(node('fsimage info', fsimage, ['info', image]));
check(node('fsimage ls -lR', fsimage, ['ls', '-lR', image]));
check(node('fsimage cat', fsimage, ['cat', `${image}:/boot/grub/menu.lst`]));

const why = fuseUsable();
if (why) {
  process.stdout.write(`\n(not mounting with tmount: ${why})\n`);
} else {
  const mounted = check(node('tmount', tmount, [image]));
  const mp = mounted.stdout.trim();
  if (mounted.status === 0 && mp) {
    check(node('tmount', tmount, []));
    check(show(`ls -l ${mp}`, 'ls', ['-l', mp]));
    check(show(`cat ${mp}/README.txt`, 'cat', [join(mp, 'README.txt')]));
    check(
      show(`readlink ${mp}/platform/i86xpv/kernel/unix`, 'readlink', [
        join(mp, 'platform/i86xpv/kernel/unix'),
      ]),
    );
    check(node('tumount', tumount, [mp]));
  }
}
process.exitCode = failed ? 1 : 0;
