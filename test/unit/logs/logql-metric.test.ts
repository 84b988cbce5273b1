import { describe, expect, it } from 'vitest';
import { fromObject, toGoString } from '../../../src/model/labels.js';
import { evaluateInstant, evaluateMetric, LogQLExecError, parseLogQL, QueryStats, type MetricExpr } from '../../../src/logs/logql/index.js';
import { fixture, T0 } from './logql-fixture.js';
import { MemoryLogs } from './logql-memory-reader.js';

/** Steps at T0+1s, +2s, +3s, +4s (or fewer); series keyed by label text, null where absent. */
function run(query: string, count = 4): Record<string, (number | null)[]> | number {
  const v = evaluateMetric(fixture(), parseLogQL(query) as MetricExpr, { startMs: T0 + 1000, stepMs: 1000, count }, new QueryStats());
  if (v.kind === 'scalar') return v.value;
  const out: Record<string, (number | null)[]> = {};
  for (const s of v.series) out[toGoString(s.labels)] = [...s.values].map((x, i) => (s.present[i] ? x : null));
  return out;
}

const API = '{app="api", env="prod"}';
const WEB = '{app="web", env="prod"}';
const DB = '{app="db", env="dev"}';

const cases: [string, string, Record<string, (number | null)[]> | number, number?][] = [
  ['count_over_time, window (t-range, t]', 'count_over_time({app="api"}[2s])', { [API]: [1, 2, 2, 1] }],
  ['rate = count / range seconds', 'rate({app="api"}[2s])', { [API]: [0.5, 1, 1, 0.5] }],
  ['bytes_over_time', 'bytes_over_time({app="web"}[2s])', { [WEB]: [null, 57, 115, 58] }],
  ['bytes_rate', 'bytes_rate({app="web"}[2s])', { [WEB]: [null, 28.5, 57.5, 29] }],
  ['offset shifts the window back', 'count_over_time({app="api"}[2s] offset 1s)', { [API]: [null, 1, 2, 2] }],
  ['range before the pipeline', 'count_over_time({app="api"}[2s] |= "error")', { [API]: [1, 1, null, null] }],
  ['line filter in a metric query', 'count_over_time({env="prod"} |= "error" [2s])', { [API]: [1, 1, null, null], [WEB]: [null, null, 1, 1] }],
  ['sum_over_time with unwrap', 'sum_over_time({app="web"} | logfmt | keep app, bytes | unwrap bytes [2s])', { '{app="web"}': [null, 300, 1800, 1500] }],
  ['rate with unwrap sums per second', 'rate({app="web"} | logfmt | keep app, bytes | unwrap bytes [2s])', { '{app="web"}': [null, 150, 900, 750] }],
  ['avg_over_time with duration() and by', 'avg_over_time({app="api"} | json | unwrap duration(latency) [2s]) by (app)', { '{app="api"}': [0.25, 0.135, 0.76, 1.5] }],
  ['max_over_time with bytes()', 'max_over_time({app="api"} | json | unwrap bytes(size) [2s]) by (app)', { '{app="api"}': [2000, 2000, 1024, 1024] }],
  ['min_over_time with bytes()', 'min_over_time({app="api"} | json | unwrap bytes(size) [2s]) by (app)', { '{app="api"}': [2000, 512, 512, 1024] }],
  ['quantile_over_time', 'quantile_over_time(0.5, {app="api"} | json | unwrap status [2s]) by (app)', { '{app="api"}': [500, 350, 302, 404] }],
  ['stddev_over_time', 'stddev_over_time({app="api"} | json | unwrap status [2s]) by (app)', { '{app="api"}': [0, 150, 102, 0] }],
  ['stdvar_over_time', 'stdvar_over_time({app="api"} | json | unwrap status [2s]) by (app)', { '{app="api"}': [0, 22500, 10404, 0] }],
  ['first_over_time', 'first_over_time({app="api"} | json | unwrap status [2s]) by (app)', { '{app="api"}': [500, 500, 200, 404] }],
  ['last_over_time', 'last_over_time({app="api"} | json | unwrap status [2s]) by (app)', { '{app="api"}': [500, 200, 404, 404] }],
  ['unwrap without grouping keeps parsed labels minus the unwrapped one', 'sum_over_time({app="web"} | logfmt | drop msg, duration, status | unwrap bytes [2s])', { '{app="web", env="prod", level="error"}': [null, null, 1500, 1500], '{app="web", env="prod", level="info"}': [null, 300, 300, null] }],
  ['label filter after unwrap', 'sum_over_time({app="api"} | json | unwrap level | __error__="" [2s]) by (app)', {}],
  ['sum by', 'sum by (env) (count_over_time({env=~".+"}[2s]))', { '{env="dev"}': [null, 1, 1, 1], '{env="prod"}': [1, 3, 4, 2] }],
  ['sum without, grouping after', 'sum(count_over_time({env=~".+"}[2s])) without (app)', { '{env="dev"}': [null, 1, 1, 1], '{env="prod"}': [1, 3, 4, 2] }],
  ['avg', 'avg(count_over_time({env="prod"}[2s]))', { '{}': [1, 1.5, 2, 1] }],
  ['min', 'min(count_over_time({env="prod"}[2s]))', { '{}': [1, 1, 2, 1] }],
  ['max', 'max(count_over_time({env="prod"}[2s]))', { '{}': [1, 2, 2, 1] }],
  ['count', 'count(count_over_time({env="prod"}[2s]))', { '{}': [1, 2, 2, 2] }],
  ['stddev', 'stddev(count_over_time({env="prod"}[2s]))', { '{}': [0, 0.5, 0, 0] }],
  ['stdvar', 'stdvar(count_over_time({env="prod"}[2s]))', { '{}': [0, 0.25, 0, 0] }],
  ['topk', 'topk(1, sum by (app) (count_over_time({app=~"api|db"}[2s])))', { '{app="api"}': [1, 2, 2] }, 3],
  ['bottomk', 'bottomk(1, sum by (app) (count_over_time({app=~"api|db"}[2s])))', { '{app="api"}': [1, null, null], '{app="db"}': [null, 1, 1] }, 3],
  ['topk by', 'topk by (env) (1, count_over_time({app=~"api|db"}[2s]))', { [API]: [1, 2, 2], [DB]: [null, 1, 1] }, 3],
  ['absent_over_time is 1 where the window is empty, labelled by equality matchers', 'absent_over_time({app="db", env=~"d.*"}[1s])', { '{app="db"}': [1, null, 1, null] }],
  ['absent_over_time gives nothing when every window has entries', 'absent_over_time({app="api"}[3s])', {}],
  ['label_replace sets the destination from the regex groups', 'label_replace(count_over_time({app="api"}[2s]), "svc", "$1-x", "app", "(a.)i")', { '{app="api", env="prod", svc="ap-x"}': [1, 2, 2, 1] }],
  ['label_replace leaves unmatched series', 'label_replace(count_over_time({app="api"}[2s]), "svc", "$1", "app", "web")', { [API]: [1, 2, 2, 1] }],
  ['label_replace with an empty result removes the label', 'label_replace(count_over_time({app="api"}[2s]), "env", "", "app", ".*")', { '{app="api"}': [1, 2, 2, 1] }],
  ['arithmetic with scalars', 'count_over_time({app="api"}[2s]) * 2 + 1', { [API]: [3, 5, 5, 3] }],
  ['scalar on the left, power', '2 ^ count_over_time({app="api"}[2s])', { [API]: [2, 4, 4, 2] }],
  ['comparison filters', 'count_over_time({app="api"}[2s]) > 1', { [API]: [null, 2, 2, null] }],
  ['comparison with bool', 'count_over_time({app="api"}[2s]) > bool 1', { [API]: [0, 1, 1, 0] }],
  ['scalar comparison on the left keeps the vector value', '1 < count_over_time({app="api"}[2s])', { [API]: [null, 2, 2, null] }],
  ['vector / vector on all labels', 'count_over_time({app="api"}[2s]) - count_over_time({app="api"}[2s])', { [API]: [0, 0, 0, 0] }],
  ['on() one-to-one keeps the on labels', 'count_over_time({app="api"}[2s]) / on(env) count_over_time({app="web"}[2s])', { '{env="prod"}': [null, 2, 1, 1] }],
  ['ignoring() one-to-one', 'count_over_time({app="api"}[2s]) / ignoring(app) count_over_time({app="web"}[2s])', { '{env="prod"}': [null, 2, 1, 1] }],
  [
    'group_left many-to-one',
    'count_over_time({env="prod"}[2s]) / on(env) group_left sum by (env) (count_over_time({env="prod"}[2s]))',
    { [API]: [1, 2 / 3, 0.5, 0.5], [WEB]: [null, 1 / 3, 0.5, 0.5] },
  ],
  [
    'group_right one-to-many',
    'sum by (env) (count_over_time({env="prod"}[2s])) / on(env) group_right count_over_time({env="prod"}[2s])',
    { [API]: [1, 1.5, 2, 2], [WEB]: [null, 3, 2, 2] },
  ],
  ['and', 'count_over_time({app="api"}[2s]) and on(env) count_over_time({app="web"}[2s])', { [API]: [null, 2, 2, 1] }],
  ['unless', 'count_over_time({app="api"}[2s]) unless on(env) count_over_time({app="web"}[2s])', { [API]: [1, null, null, null] }],
  ['or', 'count_over_time({app="db"}[2s]) or count_over_time({app="web"}[2s])', { [DB]: [null, 1, 1, 1], [WEB]: [null, 1, 2, 1] }],
  ['precedence: * before +', '1 + count_over_time({app="api"}[2s]) * 10', { [API]: [11, 21, 21, 11] }],
  ['parentheses', '(1 + count_over_time({app="api"}[2s])) * 10', { [API]: [20, 30, 30, 20] }],
  ['scalar expression', '(1 + 2) * 3 - 4 / 2', 7],
  ['unary minus binds looser than ^', '-2 ^ 2', -4],
  ['unary minus on a vector', '-count_over_time({app="api"}[2s]) + 3', { [API]: [2, 1, 1, 2] }],
  ['vector()', 'vector(3) + 1', { '{}': [4, 4, 4, 4] }],
  ['sum pushes its grouping into count_over_time (Loki), so __error__ is grouped away', 'sum by (app) (count_over_time({app="db"} | json [2s]))', { '{app="db"}': [null, 1, 1, 1] }],
  ['sum pushdown into rate', 'sum(rate({env="prod"}[2s]))', { '{}': [0.5, 1.5, 2, 1] }],
  ['__error__="" drops parser errors', 'sum(count_over_time({app=~"api|db"} | json | __error__="" [10s]))', { '{}': [1, 2, 3, 3] }],
];

describe('LogQL metric queries', () => {
  for (const [name, query, want, count] of cases) {
    it(name, () => {
      const got = run(query, count);
      if (typeof want === 'number') expect(got).toBe(want);
      else {
        expect(Object.keys(got as object)).toEqual(Object.keys(want));
        for (const k of Object.keys(want)) {
          const g = (got as Record<string, (number | null)[]>)[k]!;
          expect(g.length).toBe(want[k]!.length);
          g.forEach((v, i) => (want[k]![i] === null ? expect(v).toBeNull() : expect(v).toBeCloseTo(want[k]![i]!, 12)));
        }
      }
    });
  }

  it('fails with Loki pipeline error when __error__ reaches a series', () => {
    expect(() => run('count_over_time({app="db"} | json [2s])')).toThrow(LogQLExecError);
    expect(() => run('count_over_time({app="db"} | json [2s])')).toThrow(
      `pipeline error: 'JSONParserErr' for series: '{__error__="JSONParserErr", __error_details__="expected a JSON object at offset 0", app="db", env="dev"}'.`,
    );
    expect(() => run('sum_over_time({app="api"} | json | unwrap level [2s])')).toThrow("pipeline error: 'SampleExtractionErr'");
  });

  it('rejects one-to-one matching with duplicates on the left', () => {
    expect(() => run('count_over_time({env="prod"}[2s]) / on(env) count_over_time({app="api"}[2s])')).toThrow(
      'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
    );
  });

  it('adds samples straight into steps exactly as the windowed path computes them', () => {
    const logs = new MemoryLogs();
    const entries = [];
    for (let i = 0; i < 400; i++) entries.push({ ms: T0 + ((i * 7919) % 20_000), nanos: i % 3 === 0 ? 0 : (i * 104729) % 1_000_000, line: 'x'.repeat(i % 13) });
    logs.add({ app: 'p' }, entries);
    for (const q of ['count_over_time({app="p"}[1s])', 'bytes_over_time({app="p"}[2s])']) {
      const expr = parseLogQL(q) as MetricExpr;
      const direct = evaluateMetric(logs, expr, { startMs: T0, stepMs: 1000, count: 21 }, new QueryStats());
      const windowed = evaluateMetric(logs, expr, { startMs: T0, stepMs: 25, count: 801 }, new QueryStats());
      if (direct.kind !== 'series' || windowed.kind !== 'series') throw new Error('not series');
      const a = direct.series[0]!;
      const b = windowed.series[0]!;
      for (let i = 0; i < 21; i++) {
        expect([a.present[i], a.values[i]]).toEqual([b.present[i * 40], b.values[i * 40]]);
      }
      expect(a.values.reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
    }
  });

  it('parser hints (only grouped and filtered labels extracted) do not change results', () => {
    const hinted = run('sum by (level, app_extracted) (count_over_time({app=~"api|pack"} | json | status >= 400 or app_extracted="inner" [2s]))');
    const full = run('sum by (level, app_extracted) (count_over_time({app=~"api|pack"} | json | status >= 400 or app_extracted="inner" | keep level, app_extracted [2s]))');
    expect(hinted).toEqual({ '{app_extracted="inner"}': [1, 1, null, null], '{level="error"}': [1, 1, null, null], '{level="warn"}': [null, null, 1, 1] });
    expect(full).toEqual(hinted);
    expect(() => run('sum by (__error__) (count_over_time({app="db"} | json [2s]))')).toThrow("pipeline error: 'JSONParserErr' for series: '{__error__=\"JSONParserErr\"}'");
  });

  it('label_replace refuses colliding results', () => {
    expect(() => run('label_replace(count_over_time({env="prod"}[2s]), "app", "", "app", ".*")')).toThrow('vector cannot contain metrics with the same labelset');
  });

  it('rejects duplicates on the one side of a match', () => {
    expect(() => run('count_over_time({app="api"}[2s]) / on(env) count_over_time({env="prod"}[2s])')).toThrow(
      'found duplicate series for the match group {env="prod"} on the right hand-side of the operation: [{app="web", env="prod"}, {app="api", env="prod"}];many-to-many matching not allowed: matching labels must be unique on one side',
    );
  });

  it('counts lines and bytes processed', () => {
    const stats = new QueryStats();
    evaluateMetric(fixture(), parseLogQL('bytes_over_time({app="web"}[2s])') as MetricExpr, { startMs: T0 + 1000, stepMs: 1000, count: 4 }, stats);
    expect([stats.linesProcessed, stats.bytesProcessed]).toEqual([2, 115]);
  });
});

describe('sort and sort_desc', () => {
  it('order an instant vector by value', () => {
    const q = 'sum by (app) (count_over_time({app=~".+"}[5s]))';
    expect(evaluateInstant(fixture(), `sort(${q})`, T0 + 3000).map((s) => [toGoString(s.labels), s.value])).toEqual([
      ['{app="color"}', 1],
      ['{app="db"}', 1],
      ['{app="pack"}', 1],
      ['{app="meta"}', 2],
      ['{app="web"}', 2],
      ['{app="api"}', 3],
    ]);
    expect(evaluateInstant(fixture(), `sort_desc(${q})`, T0 + 3000).map((s) => s.value)).toEqual([3, 2, 2, 1, 1, 1]);
  });

  it('refuse grouping', () => {
    expect(() => parseLogQL('sort by (a) (count_over_time({a="b"}[1m]))')).toThrow("parse error : sort and sort_desc doesn't allow grouping by ");
  });
});

describe('evaluateInstant (ruler shape)', () => {
  it('returns the vector at one instant, sorted by labels', () => {
    expect(evaluateInstant(fixture(), 'sum by (app) (count_over_time({env=~".+"}[5s]))', T0 + 3000)).toEqual([
      { labels: fromObject({ app: 'api' }), value: 3 },
      { labels: fromObject({ app: 'db' }), value: 1 },
      { labels: fromObject({ app: 'web' }), value: 2 },
    ]);
  });

  it('filters with a comparison as an alert expression does', () => {
    expect(evaluateInstant(fixture(), 'sum by (app) (count_over_time({env="prod"} |= "error" [5s])) > 0', T0 + 1000)).toEqual([{ labels: fromObject({ app: 'api' }), value: 1 }]);
    expect(evaluateInstant(fixture(), 'count_over_time({app="api"} |= "nothing" [5s])', T0 + 1000)).toEqual([]);
  });

  it('refuses log queries', () => {
    expect(() => evaluateInstant(fixture(), '{app="api"}', T0)).toThrow('parse error : a log query cannot be evaluated as a metric query');
  });
});
