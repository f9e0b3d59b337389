/**
 * The mounted ISO 9660 volume. Inodes are decoded from the image on demand
 * (see node.ts) and kept in a bounded cache; a directory is parsed once into a
 * listing with a name index, kept in a cache bounded by total entries, so
 * lookups in big directories are hash lookups.
 */
import {
  type BlockSource,
  type DirPage,
  FsError,
  isFsError,
  type MountOptions,
  type Stat,
  type StatFs,
  type Volume,
  type VolumeInfo,
} from '@x/fsimage';
import { PLUGIN } from './bytes.js';
import type { IsoContext, Namespace } from './context.js';
import type { DescriptorSet } from './descriptors.js';
import { type Listing, readListing } from './directory.js';
import { type BootCatalog, readBootCatalog } from './el-torito.js';
import { readRecorded } from './file-data.js';
import { volumeInfo } from './info.js';
import { LruCache } from './lru.js';
import { type IsoNode, loadNode, rockRidgeOf } from './node.js';
import type { IsoOptions } from './options.js';
import { readRecordAt } from './record.js';
import type { RockRidge } from './rock-ridge.js';
import { type MountPlan, planMount, type RockRidgeFacts } from './setup.js';
import { ZisofsReader } from './zisofs.js';

/** Decoded inodes kept. */
const NODE_CACHE_SIZE = 16384;
/** Directory entries kept across all cached listings. */
const LISTING_CACHE_ENTRIES = 65536;
/** Linux reports NAME_MAX for isofs. */
const NAME_MAX = 255;

export class IsoVolume implements Volume {
  readonly fsType = PLUGIN;
  readonly root: number;
  private readonly plan: MountPlan;
  private readonly ctx: IsoContext;
  private readonly nodes = new LruCache<number, IsoNode>(NODE_CACHE_SIZE);
  private readonly listings = new LruCache<number, Listing>(
    LISTING_CACHE_ENTRIES,
    (l) => l.entries.length + 1,
  );
  private readonly zisofs: ZisofsReader;
  private catalog: { value: BootCatalog | null; error: string | null } | undefined;

  constructor(source: BlockSource, options: MountOptions) {
    this.plan = planMount(source, options);
    this.ctx = this.plan.context;
    this.zisofs = new ZisofsReader(this.ctx);
    this.root = this.ctx.rootIno;
    const root = this.node(this.root);
    if (root.type !== 'dir') throw new FsError('EFSCORRUPTED', 'root is not a directory', { plugin: PLUGIN });
  }

  /** The volume descriptors as read. */
  get descriptors(): DescriptorSet {
    return this.plan.descriptors;
  }
  /** Rock Ridge as found in the root (whether or not it is used). */
  get rockRidge(): RockRidgeFacts | null {
    return this.plan.rockRidge;
  }
  /** Which names this mount shows. */
  get namespace(): Namespace {
    return this.plan.namespace;
  }
  get options(): Readonly<IsoOptions> {
    return this.plan.options;
  }

  /** The El Torito boot catalog; null when the disc has none. Throws if it is damaged. */
  bootCatalog(): BootCatalog | null {
    const sector = this.plan.descriptors.bootCatalogSector;
    return sector === null ? null : readBootCatalog(this.ctx.source, sector);
  }

  /**
   * The Rock Ridge entries recorded for an inode (its record's, or for a
   * relocated directory its CL record's); null without Rock Ridge.
   */
  rockRidgeEntries(ino: number): RockRidge | null {
    this.node(ino);
    return rockRidgeOf(this.ctx, readRecordAt(this.ctx.source, ino));
  }

  private node(ino: number): IsoNode {
    let node = this.nodes.get(ino);
    if (!node) {
      node = loadNode(this.ctx, ino);
      this.nodes.set(ino, node);
    }
    return node;
  }

  private listing(dir: number): Listing {
    const cached = this.listings.get(dir);
    if (cached) return cached;
    const node = this.node(dir);
    if (node.type !== 'dir') throw new FsError('ENOTDIR', 'not a directory', { ino: dir, plugin: PLUGIN });
    const listing = readListing(this.ctx, node, (n) => this.nodes.set(n.ino, n));
    this.listings.set(dir, listing);
    return listing;
  }

  lookup(dir: number, name: string): number {
    const listing = this.listing(dir);
    const index = listing.byName.get(name);
    if (index === undefined) throw new FsError('ENOENT', `no entry "${name}"`, { ino: dir, plugin: PLUGIN });
    return listing.entries[index]!.ino;
  }

  stat(ino: number): Stat {
    return { ...this.node(ino).stat };
  }

  readdir(dir: number, cursor: number, max: number): DirPage {
    if (!Number.isSafeInteger(cursor) || cursor < 0 || !Number.isSafeInteger(max) || max < 0) {
      throw new FsError('EINVAL', `bad directory cursor ${cursor} or count ${max}`, {
        ino: dir,
        plugin: PLUGIN,
      });
    }
    const { entries } = this.listing(dir);
    const page = entries.slice(cursor, cursor + max).map((e, i) => ({
      name: e.name,
      ino: e.ino,
      type: e.type,
      next: cursor + i + 1,
      ...(e.node ? { stat: { ...e.node.stat } } : {}),
    }));
    return { entries: page, done: cursor + page.length >= entries.length };
  }

  readlink(ino: number): string {
    const node = this.node(ino);
    if (node.type !== 'symlink') throw new FsError('EINVAL', 'not a symbolic link', { ino, plugin: PLUGIN });
    return node.symlink!;
  }

  read(ino: number, buf: Uint8Array, position: number): number {
    const node = this.node(ino);
    if (node.type === 'dir') throw new FsError('EISDIR', 'is a directory', { ino, plugin: PLUGIN });
    if (!Number.isSafeInteger(position) || position < 0) {
      throw new FsError('EINVAL', `bad read position ${position}`, { ino, plugin: PLUGIN });
    }
    if (node.type !== 'file') return 0;
    if (node.zisofs) return this.zisofs.read(node, buf, position);
    return readRecorded(this.ctx, node, buf, position);
  }

  statfs(): StatFs {
    const pvd = this.plan.descriptors.primary;
    return {
      blockSize: pvd.logicalBlockSize,
      blocks: pvd.volumeSpaceSize,
      blocksFree: 0,
      files: 0,
      filesFree: 0,
      nameMax: NAME_MAX,
    };
  }

  label(): string | undefined {
    const { primary, joliet } = this.plan.descriptors;
    const label = this.plan.namespace === 'joliet' && joliet?.volumeId ? joliet.volumeId : primary.volumeId;
    return label || undefined;
  }

  /** As blkid and GRUB name ISO 9660 volumes: the modification (else creation) date's digits. */
  uuid(): string | undefined {
    const d = this.plan.descriptors.primary.dateDigits;
    if (!d) return undefined;
    const pairs = d.slice(4).match(/../g)!;
    return [d.slice(0, 4), ...pairs].join('-');
  }

  info(): VolumeInfo {
    if (!this.catalog) {
      try {
        this.catalog = { value: this.bootCatalog(), error: null };
      } catch (e) {
        // A damaged boot catalog is reported, not fatal: the files are still readable.
        if (!isFsError(e)) throw e;
        this.catalog = { value: null, error: e.message };
      }
    }
    return volumeInfo(this.plan, this.catalog.value, this.catalog.error);
  }

  close(): void {
    this.nodes.clear();
    this.listings.clear();
    this.zisofs.clear();
  }
}
