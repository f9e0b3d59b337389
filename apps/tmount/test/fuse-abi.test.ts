/**
 * The protocol tables against the kernel's own header: a C program generated
 * from abi.ts (and the libc layouts) is compiled against
 * /usr/include/linux/fuse.h (linux-libc-dev) and the libc headers, and every
 * struct size, field offset and constant it prints must equal ours.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool, tempDir } from '@x/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ACCESS_MODE,
  COMPAT_SIZES,
  DIRENT_TYPE,
  ERRNO,
  FOPEN,
  FUSE_DEV_IOC_CLONE,
  FUSE_KERNEL_MINOR_VERSION,
  FUSE_KERNEL_VERSION,
  FUSE_MIN_READ_BUFFER,
  FUSE_ROOT_ID,
  INIT_FLAGS,
  OPCODES,
  OPEN_FLAGS,
  STRUCTS,
} from '../src/fuse/abi.js';
import { LIBC_CONSTANTS, SOCKET_LAYOUT } from '../src/fuse/libc.js';
import { exec } from './fixtures/fuse-harness.js';

/** name → value as the C compiler sees it. */
let truth: Map<string, number>;

function cProgram(): string {
  const lines: string[] = [];
  const put = (key: string, expr: string) =>
    lines.push(`  printf("%s %lld\\n", "${key}", (long long)(${expr}));`);
  for (const [name, layout] of Object.entries(STRUCTS)) {
    put(`sizeof ${name}`, `sizeof(struct ${name})`);
    for (const field of Object.keys(layout.fields))
      put(`${name}.${field}`, `offsetof(struct ${name}, ${field})`);
  }
  for (const [name, layout] of Object.entries({
    msghdr: SOCKET_LAYOUT.msghdr,
    iovec: SOCKET_LAYOUT.iovec,
    cmsghdr: SOCKET_LAYOUT.cmsghdr,
  })) {
    put(`sizeof ${name}`, `sizeof(struct ${name})`);
    for (const field of Object.keys(layout.fields))
      put(`${name}.${field}`, `offsetof(struct ${name}, ${field})`);
  }
  put('CMSG_SPACE(int)', 'CMSG_SPACE(sizeof(int))');
  put('CMSG_LEN(int)', 'CMSG_LEN(sizeof(int))');
  for (const op of OPCODES.values()) put(`FUSE_${op.name}`, `FUSE_${op.name}`);
  const constants: Record<string, number> = {
    ...INIT_FLAGS,
    ...FOPEN,
    ...COMPAT_SIZES,
    ...ERRNO,
    ...ACCESS_MODE,
    ...OPEN_FLAGS,
    ...DIRENT_TYPE,
    ...LIBC_CONSTANTS,
    FUSE_KERNEL_VERSION,
    FUSE_ROOT_ID,
    FUSE_MIN_READ_BUFFER,
    FUSE_DEV_IOC_CLONE,
  };
  for (const name of Object.keys(constants)) put(name, name);
  put('FUSE_NAME_OFFSET', 'FUSE_NAME_OFFSET');
  put('FUSE_NAME_OFFSET_DIRENTPLUS', 'FUSE_NAME_OFFSET_DIRENTPLUS');
  put('FUSE_KERNEL_MINOR_VERSION', 'FUSE_KERNEL_MINOR_VERSION');
  return [
    '#define _GNU_SOURCE',
    '#include <stdio.h>',
    '#include <stddef.h>',
    '#include <errno.h>',
    '#include <fcntl.h>',
    '#include <unistd.h>',
    '#include <dirent.h>',
    '#include <sys/mount.h>',
    '#include <sys/socket.h>',
    '#include <sys/uio.h>',
    '#include <linux/fuse.h>',
    'int main(void) {',
    ...lines,
    '  return 0;',
    '}',
    '',
  ].join('\n');
}

beforeAll(async () => {
  requireTool('cc');
  const dir = tempDir('fuse-abi-');
  const source = join(dir, 'abi.c');
  const binary = join(dir, 'abi');
  writeFileSync(source, cProgram());
  const cc = await exec('cc', ['-Wall', '-o', binary, source]);
  if (cc.code !== 0) {
    throw new Error(
      `compiling against <linux/fuse.h> failed (is linux-libc-dev installed? apt-get install linux-libc-dev):\n${cc.stderr}`,
    );
  }
  const out = await exec(binary, []);
  expect(out.code).toBe(0);
  truth = new Map(
    out.stdout
      .trim()
      .split('\n')
      .map((line) => {
        const at = line.lastIndexOf(' ');
        return [line.slice(0, at), Number(line.slice(at + 1))] as const;
      }),
  );
});

describe('FUSE ABI against <linux/fuse.h>', () => {
  it('has every struct size and field offset of the header', () => {
    for (const [name, layout] of Object.entries(STRUCTS)) {
      expect(`${name}: ${layout.size}`).toBe(`${name}: ${truth.get(`sizeof ${name}`)}`);
      for (const [field, offset] of Object.entries(layout.fields)) {
        expect(`${name}.${field}: ${offset}`).toBe(`${name}.${field}: ${truth.get(`${name}.${field}`)}`);
      }
    }
    expect(STRUCTS.fuse_dirent.fields.name).toBe(truth.get('FUSE_NAME_OFFSET'));
    expect(STRUCTS.fuse_direntplus.size).toBe(truth.get('FUSE_NAME_OFFSET_DIRENTPLUS'));
  });

  it('has the opcode numbers of enum fuse_opcode', () => {
    for (const op of OPCODES.values())
      expect(`FUSE_${op.name}=${op.opcode}`).toBe(`FUSE_${op.name}=${truth.get(`FUSE_${op.name}`)}`);
    expect(OPCODES.size).toBeGreaterThanOrEqual(49);
  });

  it('has the flag and constant values of the headers', () => {
    const tables = {
      INIT_FLAGS,
      FOPEN,
      COMPAT_SIZES,
      ERRNO,
      ACCESS_MODE,
      OPEN_FLAGS,
      DIRENT_TYPE,
      LIBC_CONSTANTS,
    };
    for (const table of Object.values(tables)) {
      for (const [name, value] of Object.entries(table))
        expect(`${name}=${value}`).toBe(`${name}=${truth.get(name)}`);
    }
    expect(FUSE_KERNEL_VERSION).toBe(truth.get('FUSE_KERNEL_VERSION'));
    expect(FUSE_ROOT_ID).toBe(truth.get('FUSE_ROOT_ID'));
    expect(FUSE_MIN_READ_BUFFER).toBe(truth.get('FUSE_MIN_READ_BUFFER'));
    expect(FUSE_DEV_IOC_CLONE).toBe(truth.get('FUSE_DEV_IOC_CLONE'));
    // The header on this machine describes at least the protocol we speak.
    expect(truth.get('FUSE_KERNEL_MINOR_VERSION')).toBeGreaterThanOrEqual(FUSE_KERNEL_MINOR_VERSION);
  });

  it('has the socket layouts of <sys/socket.h> used to receive a descriptor', () => {
    for (const [name, layout] of Object.entries({
      msghdr: SOCKET_LAYOUT.msghdr,
      iovec: SOCKET_LAYOUT.iovec,
      cmsghdr: SOCKET_LAYOUT.cmsghdr,
    })) {
      expect(layout.size).toBe(truth.get(`sizeof ${name}`));
      for (const [field, offset] of Object.entries(layout.fields))
        expect(offset).toBe(truth.get(`${name}.${field}`));
    }
    expect(SOCKET_LAYOUT.cmsgSpaceInt).toBe(truth.get('CMSG_SPACE(int)'));
    expect(SOCKET_LAYOUT.cmsgLenInt).toBe(truth.get('CMSG_LEN(int)'));
  });
});
