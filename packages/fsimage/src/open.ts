/**
 * Opening an image: pick the plugin (named, or by probing in priority order),
 * mount it over the right window of the source, and wrap it in the path layer.
 */
import { type BlockSource, FileBlockSource, SliceBlockSource } from './block-source.js';
import { FsError, toFsError } from './errors.js';
import { FileSystem } from './filesystem.js';
import { OperationGuard } from './guard.js';
import { type Limits, resolveLimits } from './limits.js';
import { type FsPlugin, findPlugin, registeredPlugins } from './plugin.js';
import type { ProbeResult, Volume } from './volume.js';

export interface OpenOptions {
  /** Byte offset of the file system inside the image. */
  offset?: number;
  /** Bytes of the image that belong to it (default: to the end). */
  size?: number;
  /** A type name or alias to use instead of probing; the data must match it. */
  fstype?: string;
  limits?: Partial<Limits>;
  /** Plugin-specific mount options. */
  options?: Record<string, string | true>;
  /** The plugins to consider (default: every registered one). */
  plugins?: readonly FsPlugin[];
  /** Where non-fatal findings go (default: dropped). */
  onWarning?: (message: string) => void;
}

export interface ProbeMatch {
  plugin: FsPlugin;
  result: ProbeResult;
}

function safeProbe(plugin: FsPlugin, source: BlockSource): ProbeResult | null {
  try {
    return plugin.probe(source);
  } catch {
    // A probe that trips over foreign data has simply not recognised it.
    return null;
  }
}

/** Every plugin that recognises `source`, in probe order. */
export function probeAll(
  source: BlockSource,
  plugins: readonly FsPlugin[] = registeredPlugins(),
): ProbeMatch[] {
  const out: ProbeMatch[] = [];
  for (const plugin of plugins) {
    const result = safeProbe(plugin, source);
    if (result) out.push({ plugin, result });
  }
  return out;
}

function typeList(plugins: readonly FsPlugin[]): string {
  return plugins.length ? plugins.map((p) => [p.name, ...p.aliases].join('/')).join(', ') : 'none';
}

/** Choose the plugin for `source`: the named one if it matches, else the first that probes true. */
export function choosePlugin(
  source: BlockSource,
  options: Pick<OpenOptions, 'fstype' | 'plugins'> = {},
): ProbeMatch {
  const plugins = options.plugins ?? registeredPlugins();
  if (options.fstype !== undefined) {
    const plugin = findPlugin(options.fstype, plugins);
    if (!plugin) {
      throw new FsError(
        'ENOTSUP',
        `no plugin for file-system type "${options.fstype}" (installed: ${typeList(plugins)})`,
      );
    }
    const result = safeProbe(plugin, source);
    if (!result) {
      const others = probeAll(source, plugins).map((m) => m.plugin.name);
      const hint = others.length ? `; it looks like ${others.join(' or ')}` : '';
      throw new FsError('EINVAL', `not a ${options.fstype} file system${hint}`, { plugin: plugin.name });
    }
    return { plugin, result };
  }
  const [first] = probeAll(source, plugins);
  if (!first) {
    throw new FsError('EINVAL', `no known file system found (tried: ${typeList(plugins)})`);
  }
  return first;
}

/** Open a file system from an image file path or a block source. */
export function openImage(image: string | BlockSource, options: OpenOptions = {}): FileSystem {
  const owned = typeof image === 'string' ? new FileBlockSource(image) : null;
  const base = owned ?? (image as BlockSource);
  try {
    const source =
      options.offset || options.size !== undefined
        ? new SliceBlockSource(base, options.offset ?? 0, options.size ?? base.size - (options.offset ?? 0))
        : base;
    const { plugin, result } = choosePlugin(source, options);
    const limits = resolveLimits(options.limits);
    const guard = new OperationGuard(limits.operationTimeoutMs);
    guard.begin();
    const warn = options.onWarning ?? (() => {});
    const volume = plugin.mount(source, { limits, guard, options: options.options ?? {}, warn });
    return new FileSystem(volume, limits, guard, owned, result.variant ?? plugin.name, warn);
  } catch (e) {
    owned?.close();
    throw toFsError(e, typeof image === 'string' ? { path: image } : {});
  }
}

/** Wrap a volume made directly (a plugin's mount, a test volume) in the path layer. */
export function fileSystemOf(
  volume: Volume,
  options: Pick<OpenOptions, 'limits' | 'onWarning'> = {},
): FileSystem {
  const limits = resolveLimits(options.limits);
  return new FileSystem(
    volume,
    limits,
    new OperationGuard(limits.operationTimeoutMs),
    null,
    volume.fsType,
    options.onWarning,
  );
}
