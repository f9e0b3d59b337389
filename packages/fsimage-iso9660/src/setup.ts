/**
 * What a mount decides once: the descriptors, whether Rock Ridge is there
 * (an SP entry in the root's "." record, then ER entries or Rock Ridge
 * entries), whether Joliet is, and from that which tree and names to use.
 * Rock Ridge wins over Joliet, as on Linux; `norock` and `nojoliet` step down.
 */
import type { BlockSource, MountOptions } from '@x/fsimage';
import { isFsError } from '@x/fsimage';
import { corruptAt } from './bytes.js';
import type { IsoContext, Namespace } from './context.js';
import { type DescriptorSet, readDescriptors } from './descriptors.js';
import { type IsoOptions, parseOptions } from './options.js';
import { dataStart, isSelf, readRecordAt } from './record.js';
import { extensionIdentifier, RRIP_IDENTIFIERS } from './rock-ridge.js';
import { readSuspEntries, sharingProtocolSkip } from './susp.js';

export interface RockRidgeFacts {
  /** RRIP version from the ER identifier (or "1.09" from a bare RR entry), if known. */
  version: string | null;
  /** Identifiers of every ER entry of the root (all extensions, not only Rock Ridge). */
  extensions: string[];
  /** LEN_SKP of the SP entry. */
  skip: number;
}

export interface MountPlan {
  descriptors: DescriptorSet;
  options: IsoOptions;
  rockRidge: RockRidgeFacts | null;
  namespace: Namespace;
  context: IsoContext;
}

/** Signatures only Rock Ridge defines. */
const RRIP_SIGNATURES = new Set(['RR', 'PX', 'PN', 'SL', 'NM', 'CL', 'PL', 'RE', 'TF', 'SF']);

function detectRockRidge(ctx: IsoContext, rootIno: number): RockRidgeFacts | null {
  const self = readRecordAt(ctx.source, rootIno);
  if (!isSelf(self)) throw corruptAt('root directory', rootIno, 'does not start with a "." record');
  const skip = sharingProtocolSkip(self.systemUse);
  if (skip === null) return null;
  const entries = readSuspEntries(ctx, self.systemUse, self.systemUsePosition, 0);
  const extensions = entries.map(extensionIdentifier).filter((id): id is string => id !== null);
  const rrip = extensions.find((id) => RRIP_IDENTIFIERS[id] !== undefined);
  const hasEntries = entries.some((e) => RRIP_SIGNATURES.has(e.signature));
  if (!rrip && !hasEntries) return null;
  const version = rrip ? RRIP_IDENTIFIERS[rrip]! : entries.some((e) => e.signature === 'RR') ? '1.09' : null;
  return { version, extensions, skip };
}

export function planMount(source: BlockSource, mount: MountOptions): MountPlan {
  const options = parseOptions(mount.options, mount.warn);
  const descriptors = readDescriptors(source, mount.warn);
  const blockSize = descriptors.primary.logicalBlockSize;
  const primaryRoot = dataStart(descriptors.primary.root, blockSize);
  const base = {
    source,
    blockSize,
    limits: mount.limits,
    guard: mount.guard,
    warn: mount.warn,
    options,
    suspSkip: 0,
  };
  let rockRidge: RockRidgeFacts | null = null;
  try {
    rockRidge = detectRockRidge({ ...base, namespace: 'iso9660', rootIno: primaryRoot }, primaryRoot);
  } catch (e) {
    // A damaged root system use area costs the extensions, not the volume.
    if (!isFsError(e, 'EFSCORRUPTED')) throw e;
    mount.warn(`Rock Ridge not used: ${e.message}`);
  }
  const joliet = descriptors.joliet;
  let namespace: Namespace = 'iso9660';
  if (rockRidge && options.rock) namespace = 'rockridge';
  else if (joliet && options.joliet) namespace = 'joliet';
  const rootIno = namespace === 'joliet' ? dataStart(joliet!.root, blockSize) : primaryRoot;
  const context: IsoContext = { ...base, namespace, rootIno, suspSkip: rockRidge?.skip ?? 0 };
  return { descriptors, options, rockRidge, namespace, context };
}
