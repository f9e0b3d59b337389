/**
 * Plugins and their registry. A plugin recognises its file system on a block
 * source (probe) and mounts it as a Volume. The API version guards against a
 * plugin built for a different shape of this interface.
 */
import type { BlockSource } from './block-source.js';
import { FsError } from './errors.js';
import type { MountOptions, ProbeResult, Volume } from './volume.js';

/** Bumped when the Volume or FsPlugin interface changes incompatibly. */
export const FSIMAGE_API_VERSION = 1;

export interface FsPlugin {
  readonly apiVersion: number;
  /** Canonical name (`iso9660`, `ext2`, `ufs` …). */
  readonly name: string;
  /** Other names users type: Solaris (`hsfs`, `pcfs`), Linux (`vfat`, `ext4`), BSD (`cd9660`). */
  readonly aliases: readonly string[];
  readonly description: string;
  /**
   * Probe order, lowest first, for images that carry more than one file
   * system (a UDF bridge disc is also ISO 9660). Default 100.
   */
  readonly priority?: number;
  /** Whether `source` holds this file system. Must not throw for data it does not recognise. */
  probe(source: BlockSource): ProbeResult | null;
  mount(source: BlockSource, options: MountOptions): Volume;
}

const registry = new Map<string, FsPlugin>();

export function registerPlugin(plugin: FsPlugin): void {
  if (plugin.apiVersion !== FSIMAGE_API_VERSION) {
    throw new FsError(
      'ENOTSUP',
      `plugin ${plugin.name} implements fsimage API ${plugin.apiVersion}; this @x/fsimage speaks ${FSIMAGE_API_VERSION}`,
    );
  }
  const existing = registry.get(plugin.name);
  if (existing === plugin) return;
  if (existing) throw new FsError('EEXIST', `a different plugin named ${plugin.name} is already registered`);
  registry.set(plugin.name, plugin);
}

export function unregisterPlugin(name: string): void {
  registry.delete(name);
}

/** Registered plugins in probe order. */
export function registeredPlugins(): FsPlugin[] {
  return [...registry.values()].sort((a, b) => (a.priority ?? 100) - (b.priority ?? 100));
}

/** The plugin a user's type name means, by name or alias, case-insensitively. */
export function findPlugin(
  typeName: string,
  among: readonly FsPlugin[] = registeredPlugins(),
): FsPlugin | undefined {
  const want = typeName.toLowerCase();
  return among.find((p) => p.name === want || p.aliases.includes(want));
}
