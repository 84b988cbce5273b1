/**
 * Runs the promtool unit-test corpus (`../shared/conformance/promtool`) through `test rules` and
 * holds each file to the outcome its README states; where promtool 2.42 is installed, its exit
 * codes must agree except where 2.42 predates a 3.x feature (listed with reasons in the runner).
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { haveProgram } from '../support/processes.js';
import { CASES, DEFAULT_DIR, PROMTOOL, PROMTOOL_242_DIFFERS, runConformance } from './promtool.js';

describe('promtool unit-test corpus', () => {
  const withPromtool = existsSync(DEFAULT_DIR) && haveProgram(PROMTOOL);
  const results = existsSync(DEFAULT_DIR) ? runConformance(DEFAULT_DIR, withPromtool) : [];

  it('finds the shared corpus beside the repository', () => {
    expect(existsSync(DEFAULT_DIR), `${DEFAULT_DIR} is missing`).toBe(true);
  });

  it('gives every file the outcome the README states', () => {
    const failures = results.filter((r) => r.status === 'failed').map((r) => `${r.name}: ${r.detail}`);
    expect(failures).toEqual([]);
    expect(results.filter((r) => r.status === 'passed')).toHaveLength(20);
  });

  it('skips only the cases listed with reasons', () => {
    const skipped = results.filter((r) => r.status === 'skipped').map((r) => r.name);
    expect(skipped).toEqual(CASES.filter((c) => c.skip).map((c) => c.name));
    expect(skipped).toEqual([
      'unittest.yml (native-histogram checks)',
      'at-modifier-test.yml (@ disabled)',
      'negative-offset-test.yml (negative offsets disabled)',
    ]);
  });

  it.runIf(withPromtool)('agrees with promtool 2.42 wherever 2.42 knows the feature', () => {
    const disagree = results
      .filter((r) => r.promtool242 !== undefined && !(r.name in PROMTOOL_242_DIFFERS))
      .filter((r) => (r.promtool242 === 0 ? 'pass' : 'fail') !== CASES.find((c) => c.name === r.name)!.expect)
      .map((r) => `${r.name}: promtool exit ${r.promtool242}`);
    expect(disagree).toEqual([]);
    const differ = results.filter((r) => r.name in PROMTOOL_242_DIFFERS).map((r) => r.promtool242);
    expect(differ.every((code) => code === 1)).toBe(true);
  });
});
