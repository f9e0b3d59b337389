/**
 * Helpers for the workspace's tests (not published). Built like the other
 * packages, so that a test's child processes (a server run as another user)
 * can import them as well as the tests themselves.
 */
export { fixturePath, thirdPartyDir, thirdPartyImage } from './fixtures.js';
export { pnpmCommand } from './pnpm.js';
export { type RunResult, requireTool, run, tryRun } from './tools.js';
export { makeTree, type TreeSpec, tempDir } from './tree.js';
