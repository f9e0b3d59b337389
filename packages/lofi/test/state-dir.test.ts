/** Where the state lives, how it is protected, and how a dead process is told from a live one. */
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { tempDir } from '@x/testkit';
import { describe, expect, it } from 'vitest';
import {
  currentProcess,
  ensureStateDirectory,
  isLofiError,
  isProcessAlive,
  LofiTable,
  processIdentity,
  stateDirectory,
} from '../src/index.js';
import { idleProcess } from './helpers/children.js';

describe('state directory', () => {
  it('is $XVM_STATE_DIR, else $XDG_STATE_HOME/xvm, else ~/.local/state/xvm', () => {
    expect(stateDirectory({ XVM_STATE_DIR: '/srv/xvm', XDG_STATE_HOME: '/x', HOME: '/h' })).toBe('/srv/xvm');
    expect(stateDirectory({ XDG_STATE_HOME: '/x/state', HOME: '/h' })).toBe('/x/state/xvm');
    expect(stateDirectory({ HOME: '/home/ann' })).toBe('/home/ann/.local/state/xvm');
    // A relative XDG_STATE_HOME is ignored, as the XDG rules say.
    expect(stateDirectory({ XDG_STATE_HOME: 'rel', HOME: '/home/ann' })).toBe('/home/ann/.local/state/xvm');
    expect(stateDirectory({})).toBe(join(homedir(), '.local/state/xvm'));
  });

  it('is created with mode 0700 on first use', () => {
    const dir = join(tempDir(), 'a', 'b', 'xvm');
    new LofiTable({ env: { XVM_STATE_DIR: dir } }).list();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('refuses a directory others can write to', () => {
    const dir = join(tempDir(), 'open');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    let error: unknown;
    try {
      ensureStateDirectory(dir);
    } catch (e) {
      error = e;
    }
    expect(isLofiError(error, 'EACCES')).toBe(true);
    expect((error as Error).message).toMatch(/writable by others \(mode 777\)/);
  });
});

describe('process identity', () => {
  it('knows this process is alive, and one with another start time is not', () => {
    const me = currentProcess();
    expect(me.pid).toBe(process.pid);
    expect(me.startTime).toBeGreaterThan(0);
    expect(isProcessAlive(me)).toBe(true);
    // The same pid with another start time is a different (earlier) process that has exited.
    expect(isProcessAlive({ pid: me.pid, startTime: me.startTime + 1 })).toBe(false);
  });

  it('sees a child die', async () => {
    const child = idleProcess();
    await child.firstLine;
    const id = processIdentity(child.process.pid!)!;
    expect(id.startTime).toBeGreaterThan(0);
    expect(isProcessAlive(id)).toBe(true);
    child.process.kill('SIGKILL');
    await child.done;
    expect(isProcessAlive(id)).toBe(false);
    expect(processIdentity(child.process.pid!)).toBeUndefined();
  });
});
