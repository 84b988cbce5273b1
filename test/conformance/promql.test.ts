/**
 * Runs the PromQL conformance corpus (`../shared/conformance/promql`) in-process and fails on any
 * float-sample eval failure not listed in SKIP below. Native-histogram evals are counted apart by
 * the runner (Lookout stores floats only) and are not asserted here.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DIR, runFile, testFiles, totals, type FileReport } from './promql.js';

/**
 * Float evals allowed to fail, as `file:line` → reason. Keep it empty unless a failure is
 * understood and accepted; an entry that passes fails the test so the list stays current.
 */
const SKIP: Record<string, string> = {};

describe('PromQL conformance corpus', () => {
  const reports: FileReport[] = existsSync(DEFAULT_DIR) ? testFiles([DEFAULT_DIR]).map(runFile) : [];

  it('finds the shared corpus beside the repository', () => {
    expect(existsSync(DEFAULT_DIR), `${DEFAULT_DIR} is missing: the tests need ../shared beside the repository`).toBe(true);
  });

  it('reads every file of the corpus', () => {
    expect(reports.length).toBeGreaterThanOrEqual(18);
  });

  it.each(reports.map((r) => [r.file, r] as const))('%s: no unexpected float-eval failures', (_file, report) => {
    const unexpected = report.outcomes
      .filter((o) => !o.nativeHistogram && o.status === 'failed' && !(`${o.file}:${o.line}` in SKIP))
      .map((o) => `${o.file}:${o.line}: ${o.expr}\n  ${o.message}`);
    expect(unexpected).toEqual([]);
    const stale = report.outcomes.filter((o) => `${o.file}:${o.line}` in SKIP && o.status === 'passed').map((o) => `${o.file}:${o.line}`);
    expect(stale).toEqual([]);
  });

  it('runs the float evals of the corpus (start-timestamp data is skipped)', () => {
    const t = totals(reports);
    expect(t.failed).toBe(Object.keys(SKIP).length);
    expect(t.passed).toBeGreaterThanOrEqual(1160);
    expect(t.skipped).toBe(16);
  });
});
