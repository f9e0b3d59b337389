import { defineConfig } from 'tsup';

export default defineConfig({
  // The worker is its own entry: the engine starts it by file name next to itself.
  entry: { index: 'src/index.ts', cli: 'src/cli.ts', worker: 'src/worker.ts' },
  format: ['esm'],
  target: 'node20',
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  splitting: true,
});
