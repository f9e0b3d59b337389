import { defineConfig } from 'tsup';

/**
 * Entry points: file name in dist/ → source. Add the commands here. The FUSE
 * worker stays a file of its own: serving threads load it by path.
 */
const entry: Record<string, string> = {
  index: 'src/index.ts',
  tmount: 'src/bin/tmount.ts',
  tumount: 'src/bin/tumount.ts',
  tlofiadm: 'src/bin/tlofiadm.ts',
  daemon: 'src/daemon.ts',
  fuse: 'src/fuse/index.ts',
  'fuse-worker': 'src/fuse/worker.ts',
};

export default defineConfig({
  entry,
  format: ['esm'],
  target: 'node20',
  dts: { entry: { index: 'src/index.ts', fuse: 'src/fuse/index.ts' } },
  sourcemap: true,
  clean: true,
  // Shared chunks, so every entry sees one plugin registry.
  splitting: true,
});
