/**
 * Finding the installed plugins. `@x/fsimage` cannot depend on its plugins (they
 * depend on it), so the CLI looks for the known plugin packages where Node would
 * resolve them: beside this package, then from the working directory. Extra
 * plugins can be named in FSIMAGE_PLUGINS (comma-separated specifiers or paths).
 */
import { createRequire } from 'node:module';
import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FsPlugin } from '../plugin.js';

export const KNOWN_PLUGIN_PACKAGES = [
  '@x/fsimage-iso9660',
  '@x/fsimage-udf',
  '@x/fsimage-ext2',
  '@x/fsimage-ufs',
  '@x/fsimage-fat',
  '@x/fsimage-zfs',
] as const;

function isPlugin(value: unknown): value is FsPlugin {
  const p = value as FsPlugin;
  return !!p && typeof p.name === 'string' && typeof p.probe === 'function' && typeof p.mount === 'function';
}

function resolveFrom(bases: string[], specifier: string): string | undefined {
  for (const base of bases) {
    try {
      return createRequire(base).resolve(specifier);
    } catch {
      // not installed where this base looks
    }
  }
  return undefined;
}

/** Import every plugin that can be found; returns them (deduplicated by name). */
export async function discoverPlugins(env: NodeJS.ProcessEnv = process.env): Promise<FsPlugin[]> {
  const bases = [import.meta.url, pathToFileURL(`${process.cwd()}/`).href];
  const extra = (env['FSIMAGE_PLUGINS'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => (s.startsWith('.') || s.startsWith('/') ? resolvePath(s) : s));
  const found = new Map<string, FsPlugin>();
  for (const specifier of [...KNOWN_PLUGIN_PACKAGES, ...extra]) {
    const file = specifier.startsWith('/') ? specifier : resolveFrom(bases, specifier);
    if (!file) continue;
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    for (const value of [mod['plugin'], mod['default']]) {
      if (isPlugin(value) && !found.has(value.name)) found.set(value.name, value);
    }
  }
  return [...found.values()];
}
