/** How tlofiadm prints the device table and partition tables. */
import type { DiskLabel, Partition } from '../label/types.js';
import type { LofiDevice, LofiPartitionDevice } from '../state/records.js';

/** lofiadm's own layout: device padded to 20, five spaces, file padded to 30, a tab, options. */
function mappingLine(device: string, file: string, options: string): string {
  return `${device.padEnd(20)}     ${file.padEnd(30)}\t${options}\n`;
}

export function formatDeviceList(devices: readonly LofiDevice[]): string {
  let out = mappingLine('Block Device', 'File', 'Options');
  for (const d of devices) {
    const options = [d.readonly ? 'Readonly' : '', d.labelled ? 'Labeled' : ''].filter(Boolean).join(',');
    out += mappingLine(d.device, d.file, options || '-');
  }
  return out;
}

/** Rows of cells as left-aligned columns two spaces apart, trailing blanks trimmed. */
export function formatColumns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  return rows
    .map(
      (row) =>
        `${row
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}

function flagsOf(p: Partition): string {
  const flags: string[] = [];
  if (p.bootable) flags.push('boot');
  if (p.extended) flags.push('extended');
  if (p.wholeDisk) flags.push('whole-disk');
  if (p.container) flags.push(`in-${p.container}`);
  if (p.flag !== undefined && p.flag !== 0) flags.push(`flag=0x${p.flag.toString(16)}`);
  if (p.beyondEnd) flags.push('BEYOND-END');
  return flags.join(',') || '-';
}

export function formatPartitionTable(source: string, label: DiskLabel): string {
  const id = label.diskId ? `, disk id ${label.diskId}` : '';
  const description = label.description ? ` "${label.description}"` : '';
  const out = `${source}: ${label.scheme} label${description}, ${label.sectorSize}-byte sectors${id}\n`;
  if (label.partitions.length === 0) return `${out}no partitions\n`;
  const rows = [['NAME', 'START', 'SIZE', 'TYPE', 'TYPE-NAME', 'FLAGS', 'LABEL']];
  for (const p of label.partitions) {
    rows.push([p.name, String(p.start), String(p.size), p.type, p.typeName, flagsOf(p), p.label ?? '']);
  }
  return out + formatColumns(rows);
}

export function formatPartitionDevices(partitions: readonly LofiPartitionDevice[]): string {
  if (partitions.length === 0) return '';
  return formatColumns(
    partitions.map((p) => [
      p.device,
      String(p.offset),
      String(p.size),
      p.wholeDisk ? `${p.typeName} (whole disk)` : p.typeName,
      p.label ?? '',
    ]),
  );
}
