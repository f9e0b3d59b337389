/** Error codes map to the platform's errno numbers (FUSE replies carry them). */
import { constants } from 'node:os';
import { ERRNO, FsError, toFsError } from '@x/fsimage';
import { describe, expect, it } from 'vitest';

describe('ERRNO', () => {
  it.runIf(process.platform === 'linux')('matches the errno values of this Linux system', () => {
    const errno = constants.errno as Record<string, number>;
    for (const [code, value] of Object.entries(ERRNO)) {
      const name = code === 'EFSCORRUPTED' ? 'EUCLEAN' : code;
      if (name === 'EUCLEAN' && errno[name] === undefined) continue;
      expect([code, value]).toEqual([code, errno[name]]);
    }
  });
});

describe('toFsError', () => {
  it('turns a plugin tripping over a short structure into EFSCORRUPTED, keeping the cause', () => {
    let raised: unknown;
    try {
      new DataView(new ArrayBuffer(4)).getUint32(2);
    } catch (e) {
      raised = e;
    }
    const e = toFsError(raised, { path: '/x', plugin: 'iso9660' });
    expect(e.code).toBe('EFSCORRUPTED');
    expect(e.cause).toBe(raised);
    expect(e.describe()).toMatch(/^iso9660: \/x: malformed structure: .* \(EFSCORRUPTED\)$/);
  });
  it('keeps a system error code it knows', () => {
    const sys = Object.assign(new Error('no such file'), { code: 'ENOENT' });
    expect(toFsError(sys).code).toBe('ENOENT');
  });
  it('adds a path to an FsError raised below the path layer', () => {
    const e = toFsError(new FsError('EIO', 'bad sector', { ino: 7 }), { path: '/a' });
    expect([e.code, e.path, e.ino, e.errno]).toEqual(['EIO', '/a', 7, 5]);
  });
});
