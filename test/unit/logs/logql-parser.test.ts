import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LogQLParseError, parseLogQL } from '../../../src/logs/logql/index.js';
import { parseBytes, parseGoDurationSeconds } from '../../../src/logs/logql/units.js';

describe('LogQL parser: accepted syntax', () => {
  it('parses a selector with all matcher types', () => {
    const e = parseLogQL('{app="api", env!="dev", job=~"a.+", pod!~"x"}');
    expect(e.kind).toBe('log');
    if (e.kind !== 'log') return;
    expect(e.matchers.map((m) => m.toString())).toEqual(['app="api"', 'env!="dev"', 'job=~"a.+"', 'pod!~"x"']);
    expect(e.stages).toEqual([]);
  });

  it('parses every pipeline stage', () => {
    const e = parseLogQL(
      '{app="a"} |= "x" or "y" != `z` |~ "r" !~ "s" | json | json a="b.c", d | logfmt --strict --keep-empty | logfmt x="y" | regexp "(?P<n>.)" | pattern "<a> <_>" | unpack | line_format "{{.a}}" | label_format b=a, c="{{.a}}" | drop a, b="1" | keep c | decolorize_missing="" | __error__=""',
    );
    if (e.kind !== 'log') throw new Error('not a log query');
    expect(e.stages.map((s) => s.kind)).toEqual([
      'lineFilter',
      'lineFilter',
      'lineFilter',
      'lineFilter',
      'json',
      'json',
      'logfmt',
      'logfmt',
      'regexp',
      'pattern',
      'unpack',
      'lineFormat',
      'labelFormat',
      'drop',
      'keep',
      'labelFilter',
      'labelFilter',
    ]);
    expect(e.stages[0]).toEqual({ kind: 'lineFilter', op: '|=', values: ['x', 'y'] });
    expect(e.stages[5]).toEqual({ kind: 'json', params: [{ name: 'a', path: 'b.c' }, { name: 'd', path: 'd' }] });
    expect(e.stages[6]).toEqual({ kind: 'logfmt', strict: true, keepEmpty: true, params: [] });
    expect(e.stages[12]).toEqual({ kind: 'labelFormat', items: [{ name: 'b', rename: 'a' }, { name: 'c', template: '{{.a}}' }] });
  });

  it('parses numeric, duration and bytes label filters with and/or precedence', () => {
    const e = parseLogQL('{app="a"} | x > 1.5 or d >= 250ms and b < 1KB, s = 3');
    if (e.kind !== 'log') throw new Error('not a log query');
    const f = e.stages[0];
    expect(f).toMatchObject({
      kind: 'labelFilter',
      filter: {
        kind: 'or',
        left: { kind: 'numeric', name: 'x', op: '>', value: 1.5 },
        right: {
          kind: 'and',
          left: { kind: 'and', left: { kind: 'duration', name: 'd', op: '>=', value: 0.25 }, right: { kind: 'bytes', name: 'b', op: '<', value: 1000 } },
          right: { kind: 'numeric', name: 's', op: '==', value: 3 },
        },
      },
    });
  });

  it('parses range and vector aggregations, unwrap, offset and binary operators', () => {
    expect(parseLogQL('sum by (a) (rate({app="x"} |= "e" [5m] offset 1h))')).toMatchObject({
      kind: 'vector',
      op: 'sum',
      grouping: { without: false, labels: ['a'] },
      expr: { kind: 'range', op: 'rate', rangeMs: 300_000, offsetMs: 3_600_000 },
    });
    expect(parseLogQL('quantile_over_time(0.99, {app="x"} | json | unwrap duration_seconds(d) | __error__="" [1m]) without (b)')).toMatchObject({
      kind: 'range',
      op: 'quantile_over_time',
      param: 0.99,
      unwrap: { label: 'd', conversion: 'duration_seconds', postFilters: [{ kind: 'string' }] },
      grouping: { without: true, labels: ['b'] },
    });
    expect(parseLogQL('topk(3, count_over_time({a="b"}[1m])) / on (x) group_left (y) sum(count_over_time({a="b"}[1m])) by (x)')).toMatchObject({
      kind: 'binary',
      op: '/',
      lhs: { kind: 'vector', op: 'topk', param: 3 },
      matching: { on: true, labels: ['x'], card: 'many-to-one', include: ['y'] },
    });
    expect(parseLogQL('1 - 2 - 3')).toMatchObject({ kind: 'binary', op: '-', lhs: { kind: 'binary', op: '-' }, rhs: { kind: 'literal', value: 3 } });
    expect(parseLogQL('2 ^ 3 ^ 2')).toMatchObject({ kind: 'binary', op: '^', lhs: { kind: 'literal', value: 2 }, rhs: { kind: 'binary', op: '^' } });
    expect(parseLogQL('count_over_time({a="b"}[1m]) > bool 1 or vector(0)')).toMatchObject({ kind: 'binary', op: 'or', lhs: { kind: 'binary', op: '>', returnBool: true } });
  });

  it('reads Go and Prometheus durations and humanized byte sizes', () => {
    expect(parseGoDurationSeconds('1h30m')).toBe(5400);
    expect(parseGoDurationSeconds('1.5s')).toBe(1.5);
    expect(parseGoDurationSeconds('250ms')).toBe(0.25);
    expect(parseGoDurationSeconds('100us')).toBeCloseTo(0.0001, 12);
    expect(parseGoDurationSeconds('1d')).toBe(86400);
    expect(parseGoDurationSeconds('abc')).toBeUndefined();
    expect(parseBytes('1KB')).toBe(1000);
    expect(parseBytes('1KiB')).toBe(1024);
    expect(parseBytes('2.5 mb')).toBe(2_500_000);
    expect(parseBytes('512B')).toBe(512);
    expect(parseBytes('12')).toBe(12);
    expect(parseBytes('1x')).toBeUndefined();
  });
});

describe('LogQL parser: errors as Loki words them', () => {
  const cases: [string, string, number, number][] = [
    ['{app="api"', 'parse error at line 1, col 11: syntax error: unexpected $end, expecting }', 1, 11],
    ['{app="api"} |= 5', 'parse error at line 1, col 16: syntax error: unexpected NUMBER, expecting STRING', 1, 16],
    ['{app="api"}\n| json |', 'parse error at line 2, col 9: syntax error: unexpected $end, expecting IDENTIFIER', 2, 9],
    ['rate({app="api"})', 'parse error at line 1, col 17: syntax error: unexpected ), expecting RANGE', 1, 17],
    ['{app="api"} |~ "("', 'parse error at line 1, col 16: error parsing regexp: missing closing ): `(`', 1, 16],
    ['{app="api"} | regexp "(.*)"', 'parse error at line 1, col 22: at least one named capture must be supplied', 1, 22],
    ['{app="a"} | label_format a=b, a="x"', "parse error at line 1, col 31: multiple label name 'a' not allowed in a single format operation", 1, 31],
    ['{app=~".*"}', 'parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will', 0, 0],
    ['sum_over_time({app="api"}[1m])', 'parse error : invalid aggregation sum_over_time without unwrap', 0, 0],
    ['count_over_time({app="api"} | unwrap x [1m])', 'parse error : invalid aggregation count_over_time with unwrap', 0, 0],
    ['count_over_time({app="api"}[1m]) by (x)', 'parse error : grouping not allowed for count_over_time aggregation', 0, 0],
    ['{app="api"} | unwrap x', 'parse error at line 1, col 15: syntax error: unexpected IDENTIFIER', 1, 15],
    ['{app="api"} + 1', 'parse error at line 1, col 13: syntax error: unexpected +', 1, 13],
    ['topk(count_over_time({a="b"}[1m]))', 'parse error at line 1, col 6: syntax error: parameter required for operation topk', 1, 6],
    ['count_over_time({a="b"}[1m]) and 1', 'parse error at line 1, col 30: unexpected literal for right leg of logical/set binary operation (and)', 1, 30],
    ['count_over_time({a="b"}[1m]) + bool 1', 'parse error at line 1, col 32: bool modifier can only be used on comparison operators', 1, 32],
    ['{app="a" "', 'parse error at line 1, col 10: literal not terminated', 1, 10],
    ['label_replace(rate({a="b"}[1m]), "1x", "", "a", "")', 'parse error at line 1, col 34: invalid destination label name in label_replace(): 1x', 1, 34],
    ['label_replace(rate({a="b"}[1m]), "x", "", "a", "(")', 'parse error at line 1, col 48: invalid regular expression in label_replace(): (', 1, 48],
  ];
  for (const [query, message, line, col] of cases) {
    it(query, () => {
      let err: unknown;
      try {
        parseLogQL(query);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LogQLParseError);
      expect((err as LogQLParseError).message).toBe(message);
      expect([(err as LogQLParseError).line, (err as LogQLParseError).col]).toEqual([line, col]);
    });
  }

  it('rejects queries of 5120 bytes or more', () => {
    expect(() => parseLogQL(`{app="${'a'.repeat(5120)}"}`)).toThrow('parse error : input size too long (5128 > 5120)');
  });

  it('compiles templates when the pipeline is built, reporting template errors', async () => {
    const { compilePipeline } = await import('../../../src/logs/logql/index.js');
    const e = parseLogQL('{a="b"} | line_format "{{.x"');
    if (e.kind !== 'log') throw new Error('not a log query');
    expect(() => compilePipeline(e.stages)).toThrow(/^parse error : template: line:1: /);
  });
});

describe('LogQL parser: robustness', () => {
  const pieces = ['{', '}', '(', ')', '[5m]', '[', ']', ',', '=', '!=', '=~', '!~', '|=', '|~', '|', '>', '>=', '==', '+', '-', '*', '/', '^', 'or', 'and', 'unless', 'by', 'without', 'bool', 'on', 'group_left', 'offset', '1m', '5', '1.5', '10KB', '250ms', 'app', 'json', 'logfmt', 'regexp', 'pattern', 'unpack', 'line_format', 'label_format', 'drop', 'keep', 'unwrap', 'duration', 'rate', 'count_over_time', 'sum', 'topk', 'quantile_over_time', 'vector', '"x"', '"a.b"', '"(?P<a>.)"', '"<a> <_>"', '`{{.a}}`', '"\\q"', ' ', '\n', '#c\n'];

  it('either parses or throws LogQLParseError for any token soup', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 25 }), (toks) => {
        const q = toks.join(' ');
        try {
          parseLogQL(q);
        } catch (e) {
          if (!(e instanceof LogQLParseError)) throw e;
          if (e.line > 0) expect(e.offset).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });

  it('either parses or throws LogQLParseError for arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (q) => {
        try {
          parseLogQL(`{a="b"} ${q}`);
        } catch (e) {
          if (!(e instanceof LogQLParseError)) throw e;
        }
      }),
    );
  });
});
