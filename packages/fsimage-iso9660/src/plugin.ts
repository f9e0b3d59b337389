/** The "hsfs" plugin: probing for a primary volume descriptor, and mounting. */
import { type BlockSource, FSIMAGE_API_VERSION, type FsPlugin, type ProbeResult } from '@x/fsimage';
import { PLUGIN, textField } from './bytes.js';
import { findPrimary } from './descriptors.js';
import { IsoVolume } from './volume.js';

function probe(source: BlockSource): ProbeResult | null {
  try {
    const pvd = findPrimary(source);
    if (!pvd) return null;
    const label = textField(pvd, 40, 32);
    return label ? { label } : {};
  } catch {
    return null;
  }
}

export const plugin: FsPlugin = {
  apiVersion: FSIMAGE_API_VERSION,
  name: PLUGIN,
  aliases: ['hsfs', 'cd9660', 'iso'],
  description: 'ISO 9660 with Rock Ridge, Joliet, zisofs and El Torito',
  priority: 100,
  probe,
  mount: (source, options) => new IsoVolume(source, options),
};
