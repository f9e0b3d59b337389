/** Building images with the real tools, in a temporary directory. */
import { join } from 'node:path';
import { requireTool, run } from '@x/testkit';
import { scratchDir } from './scratch.js';

export const work = scratchDir('iso9660-test-');
let counter = 0;

function output(name: string): string {
  return join(work, `${counter++}-${name}.iso`);
}

/** `genisoimage ARGS -o OUT SRC`; names given as UTF-8. */
export function genisoimage(src: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  requireTool('genisoimage');
  const out = output('genisoimage');
  run('genisoimage', ['-quiet', '-input-charset', 'utf-8', ...args, '-o', out, src], { env });
  return out;
}

/** `xorriso -as mkisofs ARGS -o OUT SRC`. */
export function xorrisoMkisofs(src: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  requireTool('xorriso');
  const out = output('xorriso');
  run('xorriso', ['-as', 'mkisofs', '-quiet', ...args, '-o', out, src], { env });
  return out;
}

/** xorriso's native commands on a new image: `xorriso -outdev OUT COMMANDS -commit`. */
export function xorrisoNative(commands: string[], env: NodeJS.ProcessEnv = process.env): string {
  requireTool('xorriso');
  const out = output('xorriso-native');
  run('xorriso', ['-outdev', out, ...commands, '-commit'], { env });
  return out;
}

/** NetBSD makefs: `makefs -t cd9660 -o OPTIONS OUT SRC`. */
export function makefs(src: string, options: string, env: NodeJS.ProcessEnv = process.env): string {
  requireTool('makefs');
  const out = output('makefs');
  run('makefs', ['-t', 'cd9660', '-o', options, out, src], { env });
  return out;
}

/**
 * What xorriso, an independent reader, extracts from an image:
 * `xorriso -read_fs TREE -osirrox on -indev IMG -extract / DIR`. TREE picks the
 * tree it loads: "any" (Rock Ridge first), "norock" (Joliet), "ecma119" (plain).
 */
export function xorrisoExtract(image: string, tree: 'any' | 'norock' | 'ecma119' = 'any'): string {
  requireTool('xorriso');
  const dir = join(scratchDir('iso9660-extract-'), 'root');
  run('xorriso', ['-read_fs', tree, '-osirrox', 'on', '-indev', image, '-extract', '/', dir]);
  return dir;
}
