/**
 * Rule-file loading against upstream's `model/rulefmt/testdata` and promtool's rule files
 * (`/work/shared/conformance`, see its README): good files load, bad ones are refused with
 * upstream's reason at the right line.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRuleFile, parseRuleFile, RuleFileError } from '../../../src/config/rules.js';
import { ConfigError } from '../../../src/config/yaml.js';
import { DEFAULT_FEATURES } from '../../../src/promql/index.js';

const RULEFMT = join(import.meta.dirname, '../../../../shared/conformance/rulefmt');
const PROMTOOL = join(import.meta.dirname, '../../../../shared/conformance/promtool');

function loadError(path: string, opts = {}): string {
  try {
    loadRuleFile(path, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message.replace(path, 'FILE');
  }
  throw new Error(`${path} loaded`);
}

describe('rulefmt corpus', () => {
  it.each([
    ['test.yaml', 2, 6],
    ['test_aliases.yaml', 2, 8],
    ['utf-8_annotation.good.yaml', 1, 1],
    ['utf-8_lname.good.yaml', 1, 1],
    ['legacy_validation_annotation.good.yaml', 1, 1],
  ])('loads %s', (file, groups, rules) => {
    const g = loadRuleFile(join(RULEFMT, file));
    expect([g.length, g.reduce((n, x) => n + x.rules.length, 0)]).toEqual([groups, rules]);
  });

  it.each([
    [
      'bad_expr.bad.yaml',
      'FILE:5:15: groups[0].rules[0].expr: group "yolo", rule 1, "yolo": could not parse expression: 1:6: parse error: expected type range vector in call to function "rate", got instant vector',
    ],
    ['bad_field.bad.yaml', 'FILE:8:9: groups[0].rules[0].annotation: field annotation not found in type rulefmt.Rule'],
    ['duplicate_grp.bad.yaml', 'FILE:3:5: groups[1]: groupname: "yolo" is repeated in the same file'],
    ['invalid_label_name.bad.yaml', 'FILE:7:11: groups[0].rules[0].labels: group "yolo", rule 1, "hola": invalid label name: __name__'],
    [
      'invalid_record_name.bad.yaml',
      'FILE:4:17: groups[0].rules[0].record: group "yolo", rule 1, "strawberry{flavor="sweet"}": braces present in the recording rule name; should it be in expr?: strawberry{flavor="sweet"}',
    ],
    ['no_rec_alert.bad.yaml', 'FILE:4:9: groups[0].rules[0]: group "yolo", rule 1, "": one of \'record\' or \'alert\' must be set'],
    ['noexpr.bad.yaml', 'FILE:4:9: groups[0].rules[0]: group "yolo", rule 1, "ylo": field \'expr\' must be set in rule'],
    [
      'record_and_alert.bad.yaml',
      'FILE:4:17: groups[0].rules[0].record: group "yolo", rule 1, "Hello": only one of \'record\' and \'alert\' must be set',
    ],
    ['record_and_for.bad.yaml', 'FILE:4:17: groups[0].rules[0].record: group "yolo", rule 1, "Hello": invalid field \'for\' in recording rule'],
    [
      'record_and_keep_firing_for.bad.yaml',
      'FILE:4:17: groups[0].rules[0].record: group "yolo", rule 1, "Hello": invalid field \'keep_firing_for\' in recording rule',
    ],
  ])('refuses %s', (file, message) => {
    expect(loadError(join(RULEFMT, file))).toBe(message);
  });

  it('refuses non-legacy annotation names under legacy validation', () => {
    expect(loadError(join(RULEFMT, 'legacy_validation_annotation.bad.yaml'), { nameValidation: 'legacy' })).toBe(
      'FILE:7:11: groups[0].rules[0].annotations: group "yolo", rule 1, "hola": invalid annotation name: ins-tance',
    );
  });
});

describe('promtool rule files', () => {
  it.each(['rules.yml', 'rules_duplicates.yml', 'prometheus-rules.lint.yml', 'at-modifier.yml', 'negative-offset.yml', 'bad-rules-error.yml', 'features.yml'])(
    'loads %s',
    (file) => {
      expect(loadRuleFile(join(PROMTOOL, file)).length).toBeGreaterThan(0);
    },
  );

  it('loads the 10,002 rules of rules_large.yml', () => {
    expect(loadRuleFile(join(PROMTOOL, 'rules_large.yml'))[0]!.rules.length).toBe(10002);
  });

  it('refuses template and syntax errors', () => {
    expect(loadError(join(PROMTOOL, 'rules-bad.yml'))).toBe(
      'FILE:12:11: groups[0].rules[0].annotations: group "alerts", rule 1, "InstanceDown": annotation "summary": template: __alert_InstanceDown:1: undefined variable "$label"',
    );
    expect(loadError(join(PROMTOOL, 'bad-rules-syntax.yml'))).toBe(
      'FILE:7:15: groups[0].rules[0].expr: group "bad-syntax", rule 1, "x": could not parse expression: 1:7: parse error: unexpected end of input',
    );
  });

  it('accepts unknown fields only when asked to', () => {
    expect(loadError(join(PROMTOOL, 'rules_extrafields.yml'))).toBe(
      'FILE:7:5: groups[0].namespace: field namespace not found in type rulefmt.RuleGroup',
    );
    expect(loadRuleFile(join(PROMTOOL, 'rules_extrafields.yml'), { ignoreUnknownFields: true }).length).toBe(2);
  });
});

describe('rule file fields', () => {
  it('reads every field with durations in ms', () => {
    const groups = parseRuleFile(
      'r.yml',
      `groups:
- name: g
  interval: 30s
  limit: 10
  query_offset: 1m
  labels: {team: a}
  rules:
  - alert: A
    expr: up == 0
    for: 5m
    keep_firing_for: 2m
    labels: {severity: page}
    annotations: {summary: 'down'}
`,
    );
    expect(groups).toEqual([
      {
        name: 'g',
        file: 'r.yml',
        intervalMs: 30_000,
        limit: 10,
        queryOffsetMs: 60_000,
        labels: { team: 'a' },
        rules: [
          {
            record: '',
            alert: 'A',
            expr: 'up == 0',
            forMs: 300_000,
            keepFiringForMs: 120_000,
            labels: { severity: 'page' },
            annotations: { summary: 'down' },
            line: 8,
          },
        ],
      },
    ]);
    expect(parseRuleFile('empty.yml', '')).toEqual([]);
  });

  it('lists every problem of a file', () => {
    try {
      parseRuleFile('r.yml', 'groups:\n- name: ""\n  rules:\n  - record: a\n    expr: "1 +"\n  - alert: B\n    expr: "1"\n    labels: {"": x}\n');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RuleFileError);
      expect((e as RuleFileError).all.map((x) => x.message)).toEqual([
        'r.yml:2:3: groups[0]: Groupname must not be empty',
        'r.yml:5:11: groups[0].rules[0].expr: group "", rule 1, "a": could not parse expression: 1:4: parse error: unexpected end of input',
        'r.yml:8:13: groups[0].rules[1].labels: group "", rule 2, "B": invalid label name: ',
      ]);
      expect((e as Error).message.split('\n')).toHaveLength(3);
    }
  });

  it('reports a missing file', () => {
    expect(() => loadRuleFile('/nonexistent/rules.yml')).toThrow(/^\/nonexistent\/rules.yml: open \/nonexistent\/rules.yml: no such file or directory$/);
  });

  it('reports bad durations with their position', () => {
    expect(() => parseRuleFile('r.yml', 'groups:\n- name: g\n  rules:\n  - alert: A\n    expr: "1"\n    for: 5x\n')).toThrow(
      'r.yml:6:10: groups[0].rules[0].for: not a valid duration string: "5x"',
    );
  });

  it('refuses, when the file loads, an expression using a PromQL feature that is off', () => {
    const text = 'groups:\n- name: g\n  rules:\n  - record: sorted\n    expr: sort_by_label(up, "job")\n';
    expect(() => parseRuleFile('r.yml', text, { features: DEFAULT_FEATURES })).toThrow(
      'r.yml:5:11: groups[0].rules[0].expr: group "g", rule 1, "sorted": could not parse expression: 1:1: parse error: function "sort_by_label" is not enabled',
    );
    expect(parseRuleFile('r.yml', text, { features: { ...DEFAULT_FEATURES, experimentalFunctions: true } })[0]!.rules[0]!.expr).toBe('sort_by_label(up, "job")');
  });
});
