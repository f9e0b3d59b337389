/**
 * The /proc/self files that must describe the guest rather than the node
 * process that runs it. Opening one takes a snapshot, as reading procfs does.
 */
import * as fs from 'node:fs';
import type { LinuxProcess } from '../process.js';
import { PROT } from '../vma.js';
import { MemfdFile } from './memfd.js';
import { MemoryFile } from './open-file.js';
import { hostPath } from './paths.js';
import { devMajor, devMinor, S_IF } from './stat-layout.js';

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** /proc/self/maps, in the kernel's format (fs/proc/task_mmu.c show_map_vma). */
export function procMaps(p: LinuxProcess): string {
  const files = new Map<string, { dev: bigint; ino: bigint }>();
  const lines: string[] = [];
  for (const v of p.space.vmas) {
    const perms =
      (v.prot & PROT.READ ? 'r' : '-') +
      (v.prot & PROT.WRITE ? 'w' : '-') +
      (v.prot & PROT.EXEC ? 'x' : '-') +
      (v.shared ? 's' : 'p');
    let dev = 0n;
    let ino = 0n;
    const fileBacked = (v.kind === 'file' || v.kind === 'elf') && v.name !== '';
    if (v.backing instanceof MemfdFile) {
      const s = v.backing.stat();
      ({ dev, ino } = s);
    } else if (fileBacked) {
      if (!files.has(v.name)) {
        try {
          const s = fs.statSync(hostPath(v.name), { bigint: true });
          files.set(v.name, { dev: s.dev, ino: s.ino });
        } catch {
          files.set(v.name, { dev: 0n, ino: 0n });
        }
      }
      ({ dev, ino } = files.get(v.name)!);
    }
    let line =
      `${hex(v.start, 8)}-${hex(v.end, 8)} ${perms} ${hex(fileBacked ? v.offset : 0, 8)} ` +
      `${hex(devMajor(dev), 2)}:${hex(devMinor(dev), 2)} ${ino}`;
    if (v.name) line = `${line.padEnd(73)}${v.name}`;
    lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}

/** A synthesized /proc file for `path`, or undefined when the host's should be used. */
export function procFile(p: LinuxProcess, path: string): MemoryFile | undefined {
  const m = /^\/proc\/(?:self|thread-self|(\d+))\/maps$/.exec(path);
  if (m && (m[1] === undefined || Number(m[1]) === p.pid)) {
    return new MemoryFile(Buffer.from(procMaps(p), 'latin1'), { ino: 0x4000n, mode: S_IF.REG | 0o444 });
  }
  return undefined;
}
