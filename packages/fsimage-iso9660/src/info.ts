/** `fsimage info` rows: identifiers, dates, extensions, and the El Torito catalog as sections. */
import type { VolumeInfo } from '@x/fsimage';
import { type DescriptorDate, formatOffset } from './dates.js';
import type { BootCatalog, BootEntry } from './el-torito.js';
import type { MountPlan } from './setup.js';

const NAMESPACE_LABEL = { rockridge: 'Rock Ridge', joliet: 'Joliet', iso9660: 'ISO 9660' } as const;

export function formatDate(d: DescriptorDate | null): string {
  return d ? `${d.local} ${formatOffset(d.offsetMinutes)}` : 'not set';
}

const hex = (n: number, width: number) => `0x${n.toString(16).padStart(width, '0')}`;

function entryRows(entry: BootEntry): Array<[string, string]> {
  return [
    ['Platform', entry.platform],
    ['Bootable', entry.bootable ? 'yes' : 'no'],
    ['Media type', entry.mediaType],
    ['Load segment', hex(entry.loadSegment, 4)],
    ['System type', hex(entry.systemType, 2)],
    ['Sector count', String(entry.sectorCount)],
    ['Load RBA', String(entry.loadRba)],
  ];
}

export function volumeInfo(
  plan: MountPlan,
  catalog: BootCatalog | null,
  catalogError: string | null,
): VolumeInfo {
  const pvd = plan.descriptors.primary;
  const rows: Array<[string, string]> = [['Volume identifier', pvd.volumeId]];
  const optional: Array<[string, string]> = [
    ['System identifier', pvd.systemId],
    ['Volume set identifier', pvd.volumeSetId],
    ['Publisher', pvd.publisherId],
    ['Data preparer', pvd.preparerId],
    ['Application', pvd.applicationId],
    ['Copyright file', pvd.copyrightFileId],
    ['Abstract file', pvd.abstractFileId],
    ['Bibliographic file', pvd.bibliographicFileId],
  ];
  rows.push(...optional.filter(([, v]) => v !== ''));
  rows.push(
    ['Created', formatDate(pvd.created)],
    ['Modified', formatDate(pvd.modified)],
    ['Expires', formatDate(pvd.expires)],
    ['Effective', formatDate(pvd.effective)],
    ['Logical block size', String(pvd.logicalBlockSize)],
    ['Volume size', `${pvd.volumeSpaceSize} blocks`],
    ['Volume set', `${pvd.volumeSequenceNumber} of ${pvd.volumeSetSize}`],
    ['File structure version', String(pvd.fileStructureVersion)],
    ['ISO 9660:1999', plan.descriptors.enhanced ? 'enhanced volume descriptor present' : 'no'],
  );
  const rr = plan.rockRidge;
  const unused = (on: boolean) => (on ? '' : ' (not used)');
  rows.push([
    'Rock Ridge',
    rr
      ? `RRIP ${rr.version ?? 'unknown version'}${rr.extensions.length ? ` (ER ${rr.extensions.join(', ')})` : ''}${unused(plan.namespace === 'rockridge')}`
      : 'no',
  ]);
  const joliet = plan.descriptors.joliet;
  rows.push(['Joliet', joliet ? `level ${joliet.level}${unused(plan.namespace === 'joliet')}` : 'no']);
  if (joliet && joliet.volumeId !== pvd.volumeId) rows.push(['Joliet volume identifier', joliet.volumeId]);
  rows.push(['Names from', NAMESPACE_LABEL[plan.namespace]]);
  const sections: NonNullable<VolumeInfo['sections']> = [];
  if (catalog) {
    const id = catalog.id ? `, id "${catalog.id}"` : '';
    rows.push(['El Torito', `boot catalog at sector ${catalog.sector}, platform ${catalog.platform}${id}`]);
    let n = 1;
    sections.push({ title: `El Torito boot entry ${n++} (default)`, rows: entryRows(catalog.defaultEntry) });
    for (const [s, section] of catalog.sections.entries()) {
      for (const entry of section.entries) {
        sections.push({ title: `El Torito boot entry ${n++} (section ${s + 1})`, rows: entryRows(entry) });
      }
    }
  } else {
    rows.push(['El Torito', catalogError ? `boot catalog unreadable: ${catalogError}` : 'no']);
  }
  return sections.length ? { rows, sections } : { rows };
}
