/**
 * @x/fuzz: a coverage-guided fuzzer for the workspace's parsers of untrusted
 * input, fed by V8's precise block coverage. `runFuzzer` runs a campaign on
 * a target module; the `xvm-fuzz` CLI does the same from the command line.
 */
export { type FuzzCheck, fuzzCheck } from './check.js';
export { runFuzzer } from './engine.js';
export { FuzzError, type FuzzErrorCode } from './errors.js';
export type { Finding, FindingKind } from './findings.js';
export type { FuzzOptions, FuzzReport } from './options.js';
export type { FuzzStatus } from './status.js';
export type { FuzzTarget } from './target.js';
