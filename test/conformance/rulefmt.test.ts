/**
 * Runs the rule-file corpus (`../shared/conformance/rulefmt`): every good file loads, every bad
 * one is refused with upstream's reason and a file:line position; promtool 2.42 agrees except on
 * UTF-8 names, which it predates.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { haveProgram } from '../support/processes.js';
import { DEFAULT_DIR, PROMTOOL, PROMTOOL_242_DIFFERS, runConformance } from './rulefmt.js';

describe('rulefmt corpus', () => {
  const withPromtool = existsSync(DEFAULT_DIR) && haveProgram(PROMTOOL);
  const results = existsSync(DEFAULT_DIR) ? runConformance(DEFAULT_DIR, withPromtool) : [];

  it('loads or refuses every file as its name says', () => {
    expect(results.filter((r) => r.status !== 'passed').map((r) => `${r.file}: ${r.detail}`)).toEqual([]);
    expect(results).toHaveLength(16);
  });

  it.runIf(withPromtool)('agrees with promtool check rules 2.42 except where 2.42 predates UTF-8 names', () => {
    const disagree = results
      .filter((r) => !(r.file in PROMTOOL_242_DIFFERS))
      .filter((r) => (r.promtool242 === 0) !== !r.file.endsWith('.bad.yaml'))
      .map((r) => `${r.file}: exit ${r.promtool242}`);
    expect(disagree).toEqual([]);
    expect(results.filter((r) => r.file in PROMTOOL_242_DIFFERS).map((r) => r.promtool242)).toEqual([1, 1]);
  });
});
