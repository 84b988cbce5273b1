/**
 * Runs the exposition conformance runner over the shared corpus (OpenMetrics parser cases and the
 * textparse sample files) and requires every case to pass; checks on scratch cases that the
 * runner reports failures and skips.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_DIRS, runPath, totals, type CaseOutcome } from './exposition.js';

describe('exposition conformance corpus', () => {
  const present = DEFAULT_DIRS.every((d) => existsSync(d));
  const outcomes: CaseOutcome[] = present ? DEFAULT_DIRS.flatMap((d) => runPath(d)) : [];

  it('finds the shared corpus beside the repository', () => {
    expect(present, `${DEFAULT_DIRS.join(', ')} missing: the tests need ../shared beside the repository`).toBe(true);
  });

  it('passes every case: 179 OpenMetrics cases and 4 sample files, none skipped', () => {
    const failures = outcomes.filter((o) => o.status === 'failed').map((o) => `${o.name}: ${o.message}`);
    expect(failures).toEqual([]);
    expect(totals(outcomes)).toEqual({ passed: 183, failed: 0, skipped: 0 });
  });
});

describe('exposition conformance runner', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-expo-conf-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const makeCase = (name: string, body: string, spec: object) => {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'metrics'), body);
    writeFileSync(join(dir, name, 'test.json'), JSON.stringify(spec));
  };
  makeCase('wrong_expectation', '# TYPE a counter\na_total 1\n# EOF\n', { type: 'text', file: 'metrics', shouldParse: false });
  makeCase('missing_eof', '# TYPE a gauge\na 1\n', { type: 'text', file: 'metrics', shouldParse: true });
  makeCase('bad_ok', 'a 1\n', { type: 'text', file: 'metrics', shouldParse: false });
  makeCase('proto', '', { type: 'protobuf', file: 'metrics', shouldParse: true });
  writeFileSync(join(dir, 'hex.prom.txt'), 'testmetric 0x10\n');
  writeFileSync(join(dir, 'notes.md'), 'not a sample');

  it('reports failures, passes and skips, sorted by name', () => {
    const out = runPath(dir).map((o) => [o.name, o.status, o.message ?? '']);
    expect(out).toEqual([
      ['bad_ok', 'passed', ''],
      ['hex.prom.txt', 'failed', 'must parse as text: line 1: strconv.ParseFloat: parsing "0x10": invalid syntax while parsing: "testmetric 0x10"'],
      ['missing_eof', 'failed', 'must parse, validation rejected it: line 3: data does not end with # EOF'],
      ['proto', 'skipped', 'case type "protobuf" is not the text format'],
      ['wrong_expectation', 'failed', 'must be rejected, validation accepted it'],
    ]);
  });

  it('refuses a path that does not exist', () => {
    expect(() => runPath(join(dir, 'nope'))).toThrow(`${join(dir, 'nope')}: no such file or directory`);
  });
});
