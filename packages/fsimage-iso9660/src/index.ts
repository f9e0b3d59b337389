/**
 * @x/fsimage-iso9660: the ISO 9660 ("hsfs") plugin for @x/fsimage, with Rock
 * Ridge, Joliet, zisofs, multi-extent files and El Torito. Importing this
 * module registers the plugin.
 */
import { registerPlugin } from '@x/fsimage';
import { plugin } from './plugin.js';

registerPlugin(plugin);

export type { Namespace } from './context.js';
export type { DescriptorDate } from './dates.js';
export type { DescriptorSet, JolietDescriptor, PrimaryDescriptor, VolumeIdentity } from './descriptors.js';
export {
  type BootCatalog,
  type BootEntry,
  type BootMediaType,
  type BootPlatform,
  type BootSection,
  readBootCatalog,
} from './el-torito.js';
export type { IsoOptions, NameMapping } from './options.js';
export { plugin } from './plugin.js';
export type { DirectoryRecord } from './record.js';
export type { PosixAttributes, RockRidge, RockRidgeTimes, ZisofsEntry } from './rock-ridge.js';
export type { RockRidgeFacts } from './setup.js';
export { IsoVolume } from './volume.js';
