/**
 * File-system type names users type, Solaris and Linux habits both: the table
 * says which plugin reads each, and which package provides it, so that a type
 * whose plugin is not installed gets a message that says what to install.
 */
import { type FsPlugin, findPlugin } from '@x/fsimage';

export interface FsTypeName {
  /** What the user may type. */
  names: readonly string[];
  /** The plugin's canonical name. */
  plugin: string;
  /** The package that provides it. */
  package: string;
}

export const FS_TYPE_NAMES: readonly FsTypeName[] = [
  { names: ['hsfs', 'iso9660', 'cd9660', 'iso'], plugin: 'iso9660', package: '@x/fsimage-iso9660' },
  { names: ['udfs', 'udf'], plugin: 'udf', package: '@x/fsimage-udf' },
  { names: ['ufs', 'ffs'], plugin: 'ufs', package: '@x/fsimage-ufs' },
  { names: ['pcfs', 'vfat', 'msdos', 'fat', 'msdosfs'], plugin: 'fat', package: '@x/fsimage-fat' },
  { names: ['ext2', 'ext3', 'ext4'], plugin: 'ext2', package: '@x/fsimage-ext2' },
  { names: ['zfs'], plugin: 'zfs', package: '@x/fsimage-zfs' },
];

export class UnknownFsTypeError extends Error {}

/** The plugin for a type name, or an error that says whether the name is unknown or its plugin missing. */
export function pluginForType(typeName: string, plugins: readonly FsPlugin[]): FsPlugin {
  const found = findPlugin(typeName, plugins);
  if (found) return found;
  const known = FS_TYPE_NAMES.find((t) => t.names.includes(typeName.toLowerCase()));
  if (known) {
    throw new UnknownFsTypeError(
      `file-system type ${typeName} needs ${known.package}, which is not installed`,
    );
  }
  const all = FS_TYPE_NAMES.flatMap((t) => t.names).join(', ');
  throw new UnknownFsTypeError(`unknown file-system type "${typeName}" (known: ${all})`);
}
