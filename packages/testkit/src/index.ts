/**
 * Helpers for the workspace's tests (not published). Tests import TypeScript
 * from here directly; vitest compiles it.
 */
export { fixturePath, thirdPartyDir, thirdPartyImage } from './fixtures.ts';
export { HostDirVolume } from './host-volume.ts';
export { type RunResult, requireTool, run, tryRun } from './tools.ts';
export { makeTree, type TreeSpec, tempDir } from './tree.ts';
