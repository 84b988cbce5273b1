/**
 * Rule unit tests (`lookout test rules`): the file format, evaluation order and timing, alert and
 * expression checks with upstream's failure texts, `--run`, `--diff`, `--debug`, JUnit output, and
 * promtool 2.42's own words for the same failures where it is installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FlagError } from '../../../src/cli/flags.js';
import { testRules } from '../../../src/cli/test-rules.js';
import { floatsEqual, lineDiff, nextAfter } from '../../../src/rules/unittest/compare.js';
import { loadUnitTestFile } from '../../../src/rules/unittest/file.js';
import { junitXML } from '../../../src/rules/unittest/junit.js';
import { fileErrors, filePassed, runUnitTestFile } from '../../../src/rules/unittest/run.js';
import { haveProgram } from '../../support/processes.js';
import { SHARED } from '../../support/shared.js';

const PROMTOOL_DIR = join(SHARED, 'conformance', 'promtool');

function dir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'lookout-unittest-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

function cli(args: string[]): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const code = testRules(
    args,
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const RULES = `groups:
  - name: first
    rules:
      - record: job:x:sum
        expr: sum by (job) (x)
  - name: second
    rules:
      - record: job:x:double
        expr: job:x:sum * 2
      - alert: XHigh
        expr: job:x:double > 10
        for: 2m
        labels:
          severity: page
          dc: '{{ $externalLabels.dc }}'
        annotations:
          summary: 'x of {{ $labels.job }} is {{ $value }}'
          link: '{{ $externalURL }}/alerts'
`;

describe('unit-test files', () => {
  it('reads every field, with durations in ms and rule files joined with the folder', () => {
    const d = dir({
      't.yml': `rule_files: [rules.yml, /abs/r.yml]
evaluation_interval: 30s
group_eval_order: [b, a]
fuzzy_compare: true
tests:
  - name: n
    interval: 15s
    start_timestamp: "2024-01-01T00:00:00Z"
    external_labels: {dc: eu}
    external_url: http://x
    input_series:
      - series: up
        values: 1 0
    alert_rule_test:
      - eval_time: 1m30s
        alertname: A
        exp_alerts:
          - exp_labels: {a: b}
            exp_annotations: {s: t}
    promql_expr_test:
      - expr: up
        eval_time: 10s
        exp_samples:
          - labels: up
            value: .nan
          - value: -.inf
`,
    });
    const f = loadUnitTestFile(join(d, 't.yml'));
    expect(f.ruleFiles).toEqual([join(d, 'rules.yml'), '/abs/r.yml']);
    expect([f.evaluationIntervalMs, f.groupEvalOrder, f.fuzzyCompare]).toEqual([30_000, ['b', 'a'], true]);
    const t = f.tests[0]!;
    expect([t.name, t.intervalMs, t.startMs, t.externalLabels, t.externalURL]).toEqual(['n', 15_000, 1704067200000, { dc: 'eu' }, 'http://x']);
    expect(t.alertRuleTests).toEqual([{ evalTimeMs: 90_000, alertname: 'A', expAlerts: [{ labels: { a: 'b' }, annotations: { s: 't' } }] }]);
    expect(t.promqlExprTests[0]!.expSamples.map((s) => [s.labels, s.value])).toEqual([
      ['up', NaN],
      ['', -Infinity],
    ]);
  });

  it('refuses unknown fields with file:line and upstream type names', () => {
    const d = dir({ 't.yml': 'tests:\n  - input_series: []\n    interval: 1m\n    exp_alerts: []\n' });
    const r = runUnitTestFile(join(d, 't.yml'));
    expect(r.abort).toBe(`${join(d, 't.yml')}:4:5: tests[0].exp_alerts: field exp_alerts not found in type main.testGroup`);
  });

  it('takes eval times up to the largest Go duration (2^63 ns, about 106,751 days), and refuses larger ones', () => {
    const d = dir({ 'a.yml': 'tests:\n  - promql_expr_test:\n      - expr: "1"\n        eval_time: 106700d\n', 'b.yml': 'tests:\n  - promql_expr_test:\n      - expr: "1"\n        eval_time: 106752d\n' });
    expect(loadUnitTestFile(join(d, 'a.yml')).tests[0]!.promqlExprTests[0]!.evalTimeMs).toBe(9_218_880_000_000);
    expect(runUnitTestFile(join(d, 'b.yml')).abort).toContain('b.yml:4:20: tests[0].promql_expr_test[0].eval_time: duration out of range: "106752d"');
  });
});

describe('running tests', () => {
  it('evaluates groups in group_eval_order, with external labels and URL in templates', () => {
    const test = (order: string) => `rule_files: [rules.yml]
group_eval_order: [${order}]
tests:
  - interval: 1m
    external_labels: {dc: eu}
    external_url: http://lookout.example
    input_series:
      - series: 'x{job="a", i="1"}'
        values: 3x10
      - series: 'x{job="a", i="2"}'
        values: 4x10
    promql_expr_test:
      - expr: job:x:double
        eval_time: 0m
        exp_samples:
          - labels: 'job:x:double{job="a"}'
            value: 14
    alert_rule_test:
      - eval_time: 1m59s
        alertname: XHigh
        exp_alerts: []
      - eval_time: 2m
        alertname: XHigh
        exp_alerts:
          - exp_labels: {job: a, severity: page, dc: eu}
            exp_annotations: {summary: x of a is 14, link: http://lookout.example/alerts}
`;
    const d = dir({ 'rules.yml': RULES, 'ok.yml': test('first, second'), 'reversed.yml': test('second, first') });
    const ok = runUnitTestFile(join(d, 'ok.yml'));
    expect(fileErrors(ok)).toEqual([]);
    // With `second` first, job:x:double at t reads job:x:sum from t - 1m: nothing at 0m.
    const rev = runUnitTestFile(join(d, 'reversed.yml'));
    // The alert turns pending one evaluation later (1m) and is not firing yet at 2m (promtool 2.42 agrees).
    expect(fileErrors(rev)).toEqual([
      '    alertname: XHigh, time: 2m, \n        exp:[\n            0:\n              Labels:{alertname="XHigh", dc="eu", job="a", severity="page"}\n              Annotations:{link="http://lookout.example/alerts", summary="x of a is 14"}\n            ], \n        got:[]',
      '    expr: "job:x:double", time: 0s,\n        exp: {__name__="job:x:double", job="a"} 1.4E+01\n        got: nil',
    ]);
  });

  it('checks alerts at the evaluation whose interval holds eval_time, firing alerts only', () => {
    const d = dir({
      'rules.yml': 'groups:\n  - name: g\n    rules:\n      - alert: Down\n        expr: up == 0\n        for: 3m\n',
      't.yml': `rule_files: [rules.yml]
evaluation_interval: 2m
tests:
  - interval: 1m
    input_series:
      - series: up
        values: 0x10
    alert_rule_test:
      - {eval_time: 3m59s, alertname: Down, exp_alerts: [{}]}
      - {eval_time: 3m, alertname: Down, exp_alerts: [{}]}
`,
    });
    // Evaluations at 0, 2m, 4m: eval_time 3m and 3m59s both compare with the one at 2m (pending).
    const errors = fileErrors(runUnitTestFile(join(d, 't.yml')));
    expect(errors).toEqual([
      '    alertname: Down, time: 3m, \n        exp:[\n            0:\n              Labels:{alertname="Down"}\n              Annotations:{}\n            ], \n        got:[]',
      '    alertname: Down, time: 3m59s, \n        exp:[\n            0:\n              Labels:{alertname="Down"}\n              Annotations:{}\n            ], \n        got:[]',
    ]);
  });

  it('stops a test group at the first rule evaluation error', () => {
    const d = dir({
      'rules.yml': 'groups:\n  - name: g\n    rules:\n      - record: r\n        expr: x + on() y\n',
      't.yml': `rule_files: [rules.yml]
tests:
  - input_series:
      - {series: 'x{a="1"}', values: '_ 1'}
      - {series: 'x{a="2"}', values: '_ 1'}
      - {series: 'y', values: '_ 1'}
    promql_expr_test:
      - {expr: r, eval_time: 2m, exp_samples: []}
`,
    });
    expect(fileErrors(runUnitTestFile(join(d, 't.yml')))).toEqual([
      '    rule: r, time: 1m0s, err: multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
    ]);
  });

  it('fails native-histogram checks by default and lists them with nativeHistograms: skip', () => {
    const d = dir({
      't.yml': `tests:
  - input_series:
      - {series: h, values: '{{count:1 sum:1}}x2'}
      - {series: f, values: '1'}
    promql_expr_test:
      - {expr: histogram_count(h), eval_time: 1m, exp_samples: [{value: 1}]}
      - {expr: f, eval_time: 0m, exp_samples: [{labels: f, value: 1}]}
`,
    });
    const strict = runUnitTestFile(join(d, 't.yml'));
    expect(fileErrors(strict)).toEqual([
      '    expr: "histogram_count(h)", time: 1m, err: native histogram samples are not supported by Lookout (it stores float samples only)',
    ]);
    const lenient = runUnitTestFile(join(d, 't.yml'), { nativeHistograms: 'skip' });
    expect(filePassed(lenient)).toBe(true);
    expect(lenient.groups[0]!.skipped).toHaveLength(1);
  });

  it('compares floats exactly, or within one ulp with fuzzy_compare', () => {
    expect(nextAfter(3, Infinity)).toBe(3.0000000000000004);
    expect(nextAfter(3, -Infinity)).toBe(2.9999999999999996);
    expect(nextAfter(0, 1)).toBe(Number.MIN_VALUE);
    expect(nextAfter(-1, -Infinity)).toBe(-1.0000000000000002);
    expect(floatsEqual(3, 3.0000000000000004, false)).toBe(false);
    expect(floatsEqual(3, 3.0000000000000004, true)).toBe(true);
    expect(floatsEqual(3, 3.000000000000001, true)).toBe(false);
    expect(floatsEqual(NaN, NaN, true)).toBe(false);
  });

  it('reports repeated group names in group_eval_order', () => {
    const d = dir({ 't.yml': 'group_eval_order: [a, b, a]\ntests: []\n' });
    expect(runUnitTestFile(join(d, 't.yml')).abort).toBe('group name repeated in evaluation order: a');
  });
});

describe('lookout test rules', () => {
  it('prints SUCCESS or FAILED with the failures, and exits 0 or 1', () => {
    const ok = cli([join(PROMTOOL_DIR, 'long-period.yml')]);
    expect(ok).toEqual({ code: 0, out: `Unit Testing:  ${join(PROMTOOL_DIR, 'long-period.yml')}\n  SUCCESS\n`, err: '' });
    const bad = cli([join(PROMTOOL_DIR, 'rules_run.yml')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toBe('  FAILED:\n    expr: "test", time: 0s,\n        exp: {__name__="test"} 1E+00\n        got: {__name__="test"} 0E+00');
  });

  it('selects test groups with repeated --run and ignores unknown fields on request', () => {
    expect(cli(['--run', 'correct', join(PROMTOOL_DIR, 'rules_run.yml')]).code).toBe(0);
    expect(cli(['--run=correct', '--run=wrong', join(PROMTOOL_DIR, 'rules_run.yml')]).code).toBe(1);
    expect(cli([join(PROMTOOL_DIR, 'rules_run_extrafields.yml')]).code).toBe(1);
    expect(cli(['--ignore-unknown-fields', join(PROMTOOL_DIR, 'rules_run_extrafields.yml')]).code).toBe(0);
  });

  it('shows alert mismatches as a line diff of their JSON with --diff', () => {
    const r = cli(['--diff', '--run=Failing alert', join(PROMTOOL_DIR, 'failing.yml')]);
    expect(r.err).toContain(
      [
        '    name: Failing alert test,',
        '    alertname: AlwaysFiring, time: 5m, ',
        '        diff:   [',
        '                {',
        '            -     "Labels": {},',
        '            +     "Labels": {',
        '            +       "alertname": "AlwaysFiring"',
        '            +     },',
        '                  "Annotations": {}',
        '                }',
        '              ]',
      ].join('\n'),
    );
  });

  it('dumps the data of each group with --debug', () => {
    const d = dir({
      'rules.yml': 'groups:\n  - name: g\n    rules:\n      - record: x2\n        expr: x * 2\n',
      't.yml': `rule_files: [rules.yml]
tests:
  - name: dump
    interval: 1m
    input_series:
      - {series: 'x{a="1"}', values: '1 2 3'}
    promql_expr_test:
      - {expr: x2, eval_time: 2m, exp_samples: [{labels: 'x2{a="1"}', value: 6}]}
`,
    });
    const r = cli(['--debug', join(d, 't.yml')]);
    expect(r.code).toBe(0);
    // The range is left-open (Prometheus 3.x): {__name__=~".+"}[2m1s] at 2m1s leaves out t=0.
    expect(r.err).toMatch(
      /^DEBUG: Starting test dump\nDEBUG: Dump of all data \(input_series and rules\) at 2m1s:\n\{__name__="x", a="1"\} =>\n2 @\[60000\]\n3 @\[120000\]\n\{__name__="x2", a="1"\} =>\n4 @\[60000\]\n6 @\[120000\]\nDEBUG: Test dump finished, took [0-9.]+(µs|ms|s)$/,
    );
  });

  it('writes JUnit XML as promtool does', () => {
    const d = dir({});
    const out = join(d, 'junit.xml');
    cli([`--junit=${out}`, join(PROMTOOL_DIR, 'failing.yml'), join(PROMTOOL_DIR, 'long-period.yml'), join(d, 'missing.yml')]);
    const xml = readFileSync(out, 'utf8');
    expect(xml.startsWith('<testsuites><testsuite name="')).toBe(true);
    expect(xml.match(/<testsuite /g)).toHaveLength(3);
    expect(xml).toMatch(/<testsuite name="[^"]*failing.yml" tests="2" failures="4" errors="0" skipped="0" timestamp="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"><testcase name="Failing test"><failure>    name: Failing test,&#xA;/);
    expect(xml).toContain('tests="1" failures="0" errors="0" skipped="0"');
    expect(xml).toContain(`<testsuite name="${join(d, 'missing.yml')}" tests="1" failures="0" errors="1" skipped="0" timestamp=""><testcase name="unknown"><error>open ${join(d, 'missing.yml')}: no such file or directory</error></testcase></testsuite></testsuites>`);
    expect(junitXML([])).toBe('<testsuites></testsuites>');
  });

  it('line diffs mark removed and added lines', () => {
    expect(lineDiff('a\nb\nc', 'a\nx\nc')).toBe('  a\n- b\n+ x\n  c');
  });

  it('refuses an invalid --run pattern before running anything', () => {
    const out: string[] = [];
    expect(() => testRules(['--run=[', join(PROMTOOL_DIR, 'long-period.yml')], (l) => out.push(l), (l) => out.push(l))).toThrow(
      new FlagError('--run: error parsing regexp: missing closing ]: `[`'),
    );
    expect(out).toEqual([]);
  });

  it.runIf(haveProgram('/usr/bin/promtool'))('words failures as promtool 2.42 does', () => {
    // Features 2.42 has (group_eval_order, external_labels, interval); no external_url, no 3.x flags.
    const order = (o: string) =>
      `rule_files: [rules.yml]\ngroup_eval_order: [${o}]\ntests:\n  - interval: 1m\n    external_labels: {dc: eu}\n    input_series:\n      - {series: 'x{job="a", i="1"}', values: 3x10}\n      - {series: 'x{job="a", i="2"}', values: 4x10}\n    promql_expr_test:\n      - {expr: job:x:double, eval_time: 0m, exp_samples: [{labels: 'job:x:double{job="a"}', value: 14}]}\n    alert_rule_test:\n      - {eval_time: 2m, alertname: XHigh, exp_alerts: [{exp_labels: {job: a, severity: page, dc: eu}, exp_annotations: {summary: x of a is 14, link: /alerts}}]}\n`;
    const d = dir({
      'rules.yml': RULES,
      'first.yml': order('first, second'),
      'second.yml': order('second, first'),
      'r2.yml': 'groups:\n  - name: g\n    rules:\n      - record: r\n        expr: x + on() y\n',
      'evalerror.yml': `rule_files: [r2.yml]\ntests:\n  - interval: 1m\n    input_series:\n      - {series: 'x{a="1"}', values: '_ 1'}\n      - {series: 'x{a="2"}', values: '_ 1'}\n      - {series: 'y', values: '_ 1'}\n    promql_expr_test:\n      - {expr: r, eval_time: 2m, exp_samples: []}\n`,
    });
    const runs: [string, string][] = [
      [PROMTOOL_DIR, 'failing.yml'],
      [PROMTOOL_DIR, 'rules_run.yml'],
      [d, 'first.yml'],
      [d, 'second.yml'],
      [d, 'evalerror.yml'],
    ];
    for (const [folder, file] of runs) {
      const real = spawnSync('/usr/bin/promtool', ['test', 'rules', file], { cwd: folder, encoding: 'utf8' });
      const ours = cli([join(folder, file)]);
      expect(ours.code).toBe(real.status);
      expect(ours.err).toBe(real.stderr.trimEnd());
      expect(ours.out.replace(folder + '/', '') + '\n').toBe(real.stdout);
    }
  });
});
