/** fuzzCheck: a short campaign as a test's check, naming every finding. */

import { fuzzCheck } from '@x/fuzz';
import { describe, expect, it } from 'vitest';
import { fixture } from './helpers.js';

describe('fuzzCheck', () => {
  it('names the hang of a walker that a zero record length stops, with its saved input', async () => {
    const check = await fuzzCheck(fixture('hang.mjs'), { seconds: 8 });
    expect(check.findings).toEqual([expect.stringMatching(/^hang: .*hang\.mjs.*\(\/.*fuzz-findings-.*\)$/)]);
  });

  it('finds nothing where errors are the expected answer', async () => {
    const check = await fuzzCheck(fixture('expected.mjs'), { seconds: 3 });
    expect(check.findings).toEqual([]);
    expect(check.runs).toBeGreaterThan(100);
  });
});
