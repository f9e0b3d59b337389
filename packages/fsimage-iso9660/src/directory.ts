/**
 * Reading a directory extent into the listing users see: records parsed
 * sector by sector (a record never crosses a sector; zero bytes pad a sector's
 * end), the records of a multi-extent file joined, associated and (with
 * `hide`) hidden files left out, Rock Ridge names and relocations applied
 * (a CL record shows the relocated directory where it logically lives; an
 * RE-marked record is not listed), and of several versions of a name only the
 * highest kept. An entry whose Rock Ridge data is corrupt does not take the
 * directory down with it.
 */
import { type FileType, FsError } from '@x/fsimage';
import { corruptAt, PLUGIN, SECTOR_SIZE } from './bytes.js';
import type { IsoContext } from './context.js';
import { isoName, jolietName, type MappedName } from './names.js';
import { continuesFile, type IsoNode, makeNode, rockRidgeOf } from './node.js';
import {
  type DirectoryRecord,
  FILE_FLAG,
  isDirectoryRecord,
  isParent,
  isSelf,
  parseRecord,
} from './record.js';
import type { RockRidge } from './rock-ridge.js';

export interface ListedEntry {
  name: string;
  ino: number;
  type: FileType;
  /** The inode, already decoded (not for a relocated directory). */
  node?: IsoNode;
  /** The ISO 9660 version number, to keep the highest of several. */
  version: number;
}

export interface Listing {
  entries: ListedEntry[];
  /** Name → index in `entries`. */
  byName: Map<string, number>;
}

/** Directory bytes read at once: large enough for big directories, bounded for huge ones. */
const CHUNK = 32 * SECTOR_SIZE;

function nameOf(ctx: IsoContext, record: DirectoryRecord, rr: RockRidge | null): MappedName {
  if (ctx.namespace === 'joliet') return jolietName(record.identifier);
  const iso = isoName(record.identifier, ctx.options.map);
  return rr?.name !== undefined ? { name: rr.name, version: iso.version } : iso;
}

class ListingBuilder {
  readonly listing: Listing = { entries: [], byName: new Map() };
  constructor(
    private readonly ctx: IsoContext,
    private readonly remember: (node: IsoNode) => void,
  ) {}

  /** One file's records: usually one, several for a multi-extent file. */
  add(records: DirectoryRecord[]): void {
    const ctx = this.ctx;
    const first = records[0]!;
    if (first.flags & FILE_FLAG.ASSOCIATED && !ctx.options.showAssociated) return;
    if (first.flags & FILE_FLAG.HIDDEN && ctx.options.hide) return;
    let rr: RockRidge | null;
    try {
      rr = rockRidgeOf(ctx, first);
    } catch (e) {
      if (!(e instanceof FsError) || e.code !== 'EFSCORRUPTED') throw e;
      this.addDamaged(first, e);
      return;
    }
    if (rr?.relocated) return;
    const { name, version } = nameOf(ctx, first, rr);
    // NM may mark a record as "." or ".."; those are not entries.
    if (name === '' || name === '.' || name === '..') return;
    // A CL record stands for a relocated directory, whose "." record is read
    // when the entry is first used.
    if (rr?.childLink !== undefined && !isDirectoryRecord(first)) {
      this.insert({ name, ino: first.position, type: 'dir', version });
      return;
    }
    const node = makeNode(ctx, first.position, records, rr);
    this.remember(node);
    this.insert({ name, ino: node.ino, type: node.type, node, version });
  }

  /**
   * A record whose Rock Ridge entries are corrupt (genisoimage writes such SL
   * entries for link targets over about 250 bytes) is listed under its ISO 9660
   * name, as Linux does, so the rest of the directory stays readable; using
   * the entry itself still gives the typed error.
   */
  private addDamaged(record: DirectoryRecord, error: FsError): void {
    const { name, version } = isoName(record.identifier, this.ctx.options.map);
    this.ctx.warn(`${error.message}; listed under its ISO 9660 name "${name}"`);
    const type: FileType = isDirectoryRecord(record) ? 'dir' : 'file';
    this.insert({ name, ino: record.position, type, version });
  }

  private insert(entry: ListedEntry): void {
    const { entries, byName } = this.listing;
    const existing = byName.get(entry.name);
    if (existing !== undefined) {
      if (entry.version > entries[existing]!.version) entries[existing] = entry;
      return;
    }
    if (entries.length >= this.ctx.limits.maxDirEntries) {
      throw new FsError('EFBIG', `directory has more than ${this.ctx.limits.maxDirEntries} entries`, {
        plugin: PLUGIN,
      });
    }
    byName.set(entry.name, entries.length);
    entries.push(entry);
  }
}

/**
 * Parse a directory's extent. `remember` receives every inode decoded on the
 * way, for the inode cache.
 */
export function readListing(ctx: IsoContext, dir: IsoNode, remember: (node: IsoNode) => void): Listing {
  const { position: start, length: size } = dir.extents[0]!;
  if (start + size > ctx.source.size) {
    throw corruptAt('directory', start, `extent of ${size} bytes runs past the end of the image`);
  }
  const builder = new ListingBuilder(ctx, remember);
  let group: DirectoryRecord[] | null = null;
  let index = 0;
  const chunk = new Uint8Array(Math.min(CHUNK, size));
  for (let chunkStart = 0; chunkStart < size; chunkStart += CHUNK) {
    const bytes = chunk.subarray(0, Math.min(CHUNK, size - chunkStart));
    ctx.source.read(bytes, start + chunkStart);
    for (let sector = 0; sector < bytes.length; sector += SECTOR_SIZE) {
      const sectorBytes = bytes.subarray(0, Math.min(sector + SECTOR_SIZE, bytes.length));
      let o = sector;
      // A zero length byte pads the rest of the sector.
      while (o < sectorBytes.length && sectorBytes[o] !== 0) {
        ctx.guard.check();
        const record = parseRecord(sectorBytes, o, start + chunkStart + o);
        o += record.length;
        if (index++ === 0) {
          if (!isSelf(record)) throw corruptAt('directory', start, 'does not start with a "." record');
          continue;
        }
        if (group) {
          if (!continuesFile(group[0]!, record)) {
            throw corruptAt('multi-extent file', group[0]!.position, 'ends without its final extent');
          }
          group.push(record);
          if (group.length > ctx.limits.maxChainLength) {
            throw corruptAt(
              'multi-extent file',
              group[0]!.position,
              `more than ${ctx.limits.maxChainLength} extents`,
            );
          }
          if (!(record.flags & FILE_FLAG.MULTI_EXTENT)) {
            builder.add(group);
            group = null;
          }
        } else if (isSelf(record) || isParent(record)) {
          // "." and ".." are not listed.
        } else if (record.flags & FILE_FLAG.MULTI_EXTENT && !isDirectoryRecord(record)) {
          group = [record];
        } else {
          builder.add([record]);
        }
      }
    }
  }
  if (group) throw corruptAt('multi-extent file', group[0]!.position, 'ends without its final extent');
  return builder.listing;
}
