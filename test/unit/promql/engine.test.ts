/**
 * Engine semantics: lookback and staleness, offsets and `@`, range functions, subqueries,
 * aggregations, binary matching, name dropping, result shapes, annotations and errors.
 */
import { describe, expect, it } from 'vitest';
import { toObject } from '../../../src/model/labels.js';
import { STALE_NAN } from '../../../src/model/value.js';
import { ALL_FEATURES, Engine, PromQLError } from '../../../src/promql/index.js';
import type { QueryValue } from '../../../src/promql/value.js';
import { Head } from '../../../src/tsdb/head.js';
import { loadHead } from './helpers.js';

const engine = new Engine({ features: ALL_FEATURES });
const M = 60_000;

type Row = [Record<string, string>, number];

function rows(v: QueryValue): Row[] {
  if (v.type !== 'vector') throw new Error(`expected vector, got ${v.type}`);
  return v.samples.map((s) => [toObject(s.labels), s.v]);
}

function sorted(v: QueryValue): Row[] {
  return rows(v).sort((a, b) => JSON.stringify(a[0]).localeCompare(JSON.stringify(b[0])));
}

function matrix(v: QueryValue): [Record<string, string>, [number, number][]][] {
  if (v.type !== 'matrix') throw new Error(`expected matrix, got ${v.type}`);
  return v.series.map((s) => [toObject(s.labels), Array.from(s.ts, (t, i) => [t / 1000, s.vs[i]!] as [number, number])]);
}

function q(head: Head, query: string, t: number): QueryValue {
  return engine.instantQuery(head, query, t).value;
}

function error(f: () => unknown): PromQLError {
  try {
    f();
  } catch (e) {
    if (e instanceof PromQLError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('instant selectors: lookback delta and staleness', () => {
  const head = loadHead(M, 'a{x="1"} 1 2 _ _ _ _ _ _ _ _\nb{x="1"} 1 2 stale 4');
  it('takes the newest sample within (t - 5m, t]', () => {
    expect(rows(q(head, 'a', 5 * M))).toEqual([[{ __name__: 'a', x: '1' }, 2]]);
    expect(rows(q(head, 'a', 6 * M))).toEqual([]);
    expect(rows(q(head, 'a', 6 * M - 1))).toEqual([[{ __name__: 'a', x: '1' }, 2]]);
  });
  it('ends a series at a staleness marker until the next sample', () => {
    expect(rows(q(head, 'b', 2 * M))).toEqual([]);
    expect(rows(q(head, 'b', 2 * M + 30_000))).toEqual([]);
    expect(rows(q(head, 'b', 3 * M))).toEqual([[{ __name__: 'b', x: '1' }, 4]]);
  });
  it('keeps the marker bits through the storage', () => {
    const h = new Head();
    const app = h.appender();
    const ref = app.seriesRef(['__name__', 's']);
    app.append(ref, 0, 1);
    app.append(ref, M, STALE_NAN);
    app.commit();
    expect(rows(q(h, 's', M + 1000))).toEqual([]);
    expect(rows(q(h, 'count_over_time(s[5m])', M + 1000))).toEqual([[{}, 1]]);
  });
  it('is configurable', () => {
    const short = new Engine({ lookbackDeltaMs: M });
    expect(rows(short.instantQuery(head, 'a', 2 * M).value)).toEqual([]);
  });
});

describe('offset and @', () => {
  const head = loadHead(M, 'm 0+1x20');
  it('shifts by offsets, also negative ones', () => {
    expect(rows(q(head, 'm offset 5m', 10 * M))).toEqual([[{ __name__: 'm' }, 5]]);
    expect(rows(q(head, 'm offset -5m', 10 * M))).toEqual([[{ __name__: 'm' }, 15]]);
  });
  it('pins to @ timestamps, start() and end()', () => {
    expect(rows(q(head, 'm @ 180', 10 * M))).toEqual([[{ __name__: 'm' }, 3]]);
    const r = engine.rangeQuery(head, 'm @ start() + m @ end()', 2 * M, 4 * M, M).value;
    expect(matrix(r)).toEqual([[{}, [[120, 6], [180, 6], [240, 6]]]]);
  });
  it('applies @ to range selectors and subqueries', () => {
    expect(rows(q(head, 'sum_over_time(m[3m] @ 300)', 0))).toEqual([[{}, 12]]);
    expect(rows(q(head, 'max_over_time(m[5m:1m] @ 600 offset 1m)', 0))).toEqual([[{}, 9]]);
  });
});

describe('range functions', () => {
  const head = loadHead(M, 'c_total{j="a"} 0 10 20 30 5 15\ng 1 5 2 8 3');
  it('computes rate, increase and irate with resets', () => {
    // Window (0, 5m] holds 10 20 30 5 15: delta 5 + reset 30 = 35, extrapolated 60 s to the left.
    expect(rows(q(head, 'increase(c_total[5m])', 5 * M))).toEqual([[{ j: 'a' }, 35 * (300 / 240)]]);
    expect(rows(q(head, 'rate(c_total[5m])', 5 * M))).toEqual([[{ j: 'a' }, (35 * (300 / 240)) / 300]]);
    expect(rows(q(head, 'irate(c_total[5m])', 5 * M))).toEqual([[{ j: 'a' }, 10 / 60]]);
    expect(rows(q(head, 'resets(c_total[10m])', 5 * M))).toEqual([[{ j: 'a' }, 1]]);
  });
  it('computes the *_over_time family over (t - range, t]', () => {
    const at = 4 * M;
    const cases: [string, number][] = [
      ['avg_over_time(g[4m])', (5 + 2 + 8 + 3) / 4],
      ['sum_over_time(g[4m])', 18],
      ['min_over_time(g[4m])', 2],
      ['max_over_time(g[4m])', 8],
      ['count_over_time(g[4m])', 4],
      ['quantile_over_time(0.5, g[4m])', 4],
      ['stdvar_over_time(g[4m])', 5.25],
      ['changes(g[4m])', 3],
      ['delta(g[4m])', (3 - 5) * (4 / 3)],
      ['idelta(g[4m])', -5],
      ['present_over_time(g[4m])', 1],
      ['mad_over_time(g[4m])', 1.5],
      ['ts_of_max_over_time(g[4m])', 180],
    ];
    for (const [query, want] of cases) expect([query, rows(q(head, query, at))[0]![1]]).toEqual([query, want]);
  });
  it('keeps the metric name only for first/last_over_time', () => {
    expect(rows(q(head, 'last_over_time(g[4m])', 4 * M))).toEqual([[{ __name__: 'g' }, 3]]);
    expect(rows(q(head, 'max_over_time(g[4m])', 4 * M))).toEqual([[{}, 8]]);
  });
  it('fits lines for deriv and predict_linear', () => {
    const h = loadHead(M, 'lin 0+2x10');
    expect(rows(q(h, 'deriv(lin[5m])', 10 * M))[0]![1]).toBeCloseTo(2 / 60, 12);
    expect(rows(q(h, 'predict_linear(lin[5m], 60)', 10 * M))[0]![1]).toBeCloseTo(22, 9);
  });
  it('gives absent_over_time where no series has samples', () => {
    expect(rows(q(head, 'absent_over_time(nope{a="b"}[5m])', M))).toEqual([[{ a: 'b' }, 1]]);
    expect(rows(q(head, 'absent_over_time(g[5m])', M))).toEqual([]);
  });
});

describe('subqueries', () => {
  const head = loadHead(M, 'c_total 0+60x30');
  it('evaluates the inner expression on an aligned grid', () => {
    expect(rows(q(head, 'max_over_time(rate(c_total[2m])[10m:1m])', 20 * M))).toEqual([[{}, 1]]);
    expect(rows(q(head, 'count_over_time(c_total[10m:2m])', 20 * M))).toEqual([[{}, 5]]);
    expect(rows(q(head, 'count_over_time(c_total[10m:])', 20 * M + 30_000))).toEqual([[{}, 10]]);
  });
  it('returns a matrix for an instant query of a subquery', () => {
    expect(matrix(q(head, 'c_total[3m:1m]', 20 * M))).toEqual([
      [{ __name__: 'c_total' }, [[1080, 1080], [1140, 1140], [1200, 1200]]],
    ]);
  });
});

describe('aggregations', () => {
  const head = loadHead(
    M,
    [
      'http{job="a", code="200", i="1"} 1',
      'http{job="a", code="500", i="2"} 4',
      'http{job="b", code="200", i="3"} 9',
      'http{job="b", code="200", i="4"} NaN',
    ].join('\n'),
  );
  it('groups by and without', () => {
    expect(sorted(q(head, 'sum by (job) (http{i!="4"})', 0))).toEqual([
      [{ job: 'a' }, 5],
      [{ job: 'b' }, 9],
    ]);
    expect(sorted(q(head, 'count without (i, code) (http)', 0))).toEqual([
      [{ job: 'a' }, 2],
      [{ job: 'b' }, 2],
    ]);
  });
  it('computes avg, min, max, stddev, quantile, group, count_values', () => {
    const f = '{i!="4"}';
    expect(rows(q(head, `avg(http${f})`, 0))).toEqual([[{}, 14 / 3]]);
    expect(rows(q(head, 'min(http)', 0))).toEqual([[{}, 1]]);
    expect(rows(q(head, 'max(http)', 0))).toEqual([[{}, 9]]);
    expect(rows(q(head, `stddev(http${f})`, 0))[0]![1]).toBeCloseTo(Math.sqrt(((1 - 14 / 3) ** 2 + (4 - 14 / 3) ** 2 + (9 - 14 / 3) ** 2) / 3), 12);
    expect(rows(q(head, `quantile(0.5, http${f})`, 0))).toEqual([[{}, 4]]);
    expect(rows(q(head, 'group by (job) (http{job="a"})', 0))).toEqual([[{ job: 'a' }, 1]]);
    expect(sorted(q(head, `count_values("v", http${f})`, 0))).toEqual([
      [{ v: '1' }, 1],
      [{ v: '4' }, 1],
      [{ v: '9' }, 1],
    ]);
  });
  it('orders topk and bottomk results (NaN last)', () => {
    expect(rows(q(head, 'topk(3, http)', 0)).map((r) => r[1])).toEqual([9, 4, 1]);
    expect(rows(q(head, 'bottomk(2, http)', 0)).map((r) => r[1])).toEqual([1, 4]);
    expect(rows(q(head, 'topk by (job) (1, http)', 0)).map((r) => r[0].i)).toEqual(['2', '3']);
  });
  it('sorts with sort() and sort_desc()', () => {
    expect(rows(q(head, 'sort(http)', 0)).map((r) => r[0].i)).toEqual(['1', '2', '3', '4']);
    expect(rows(q(head, 'sort_desc(http)', 0)).map((r) => r[0].i)).toEqual(['3', '2', '1', '4']);
  });
});

describe('binary operators', () => {
  const head = loadHead(
    M,
    [
      'req{job="a", i="1"} 10',
      'req{job="a", i="2"} 20',
      'req{job="b", i="1"} 30',
      'lim{job="a"} 15',
      'lim{job="b"} 40',
      'up{job="a", i="1"} 1',
    ].join('\n'),
  );
  it('matches one-to-one on all labels but the name, dropping it for arithmetic', () => {
    expect(rows(q(head, 'req + on(job, i) up', 0))).toEqual([[{ i: '1', job: 'a' }, 11]]);
    expect(rows(q(head, 'req * ignoring(i) group_left lim', 0)).length).toBe(3);
  });
  it('copies group_left labels from the one side', () => {
    const h = loadHead(M, 'x{job="a", i="1"} 2\ninfo{job="a", version="v1"} 1');
    expect(rows(q(h, 'x * on(job) group_left(version) info', 0))).toEqual([[{ i: '1', job: 'a', version: 'v1' }, 2]]);
  });
  it('filters with comparisons (keeping the name) or returns 0/1 with bool', () => {
    expect(sorted(q(head, 'req > 15', 0))).toEqual([
      [{ __name__: 'req', i: '1', job: 'b' }, 30],
      [{ __name__: 'req', i: '2', job: 'a' }, 20],
    ]);
    expect(sorted(q(head, 'req > bool 15', 0)).map((r) => r[1])).toEqual([0, 1, 1]);
    expect(rows(q(head, '15 < req{job="b"}', 0))).toEqual([[{ __name__: 'req', i: '1', job: 'b' }, 30]]);
  });
  it('implements and, or, unless', () => {
    expect(rows(q(head, 'req and on(job, i) up', 0))).toEqual([[{ __name__: 'req', i: '1', job: 'a' }, 10]]);
    expect(rows(q(head, 'req unless on(job) lim{job="a"}', 0))).toEqual([[{ __name__: 'req', i: '1', job: 'b' }, 30]]);
    expect(rows(q(head, 'up or lim', 0)).length).toBe(3);
  });
  it('reports many-to-many matching', () => {
    const e = error(() => q(head, 'req + on(job) lim', 0));
    expect(e.type).toBe('execution');
    expect(e.message).toBe('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
    expect(error(() => q(head, 'lim + on(job) req', 0)).message).toBe(
      'found duplicate series for the match group {job="a"} on the right hand-side of the operation: ' +
        '[{__name__="req", i="1", job="a"}, {__name__="req", i="2", job="a"}];many-to-many matching not allowed: matching labels must be unique on one side',
    );
  });
  it('follows Go for pow, mod and division', () => {
    const s = (expr: string) => {
      const v = q(head, expr, 0);
      if (v.type !== 'scalar') throw new Error('not a scalar');
      return v.v;
    };
    expect(s('1 ^ NaN')).toBe(1);
    expect(s('-7 % 3')).toBe(-1);
    expect(s('1 / 0')).toBe(Infinity);
    expect(s('0 / 0')).toBeNaN();
    expect(s('2 > bool 1')).toBe(1);
  });
});

describe('functions over instant vectors', () => {
  it('computes classic histogram_quantile and histogram_fraction', () => {
    const h = loadHead(
      M,
      ['b_bucket{le="0.1"} 10', 'b_bucket{le="0.5"} 30', 'b_bucket{le="1"} 40', 'b_bucket{le="+Inf"} 40'].join('\n'),
    );
    expect(rows(q(h, 'histogram_quantile(0.5, b_bucket)', 0))).toEqual([[{}, 0.1 + 0.4 * (10 / 20)]]);
    expect(rows(q(h, 'histogram_quantile(1, b_bucket)', 0))).toEqual([[{}, 1]]);
    expect(rows(q(h, 'histogram_fraction(0, 0.5, b_bucket)', 0))).toEqual([[{}, 0.75]]);
  });
  it('rewrites labels with label_replace and label_join', () => {
    const h = loadHead(M, 'm{a="x-1", b="y"} 1');
    expect(rows(q(h, 'label_replace(m, "n", "$1", "a", "x-(.*)")', 0))).toEqual([[{ __name__: 'm', a: 'x-1', b: 'y', n: '1' }, 1]]);
    expect(rows(q(h, 'label_join(m, "j", ",", "a", "b")', 0))).toEqual([[{ __name__: 'm', a: 'x-1', b: 'y', j: 'x-1,y' }, 1]]);
    expect(error(() => q(h, 'label_replace(m, "n", "$1", "a", "(")', 0)).message).toBe(
      'invalid regular expression in label_replace(): (',
    );
  });
  it('computes scalar(), vector(), time(), timestamp(), clamp() and round()', () => {
    const h = loadHead(M, 'm{a="1"} 1.25 2.5');
    expect(q(h, 'scalar(m)', M)).toEqual({ type: 'scalar', t: M, v: 2.5 });
    expect(rows(q(h, 'vector(time())', 90_000))).toEqual([[{}, 90]]);
    expect(rows(q(h, 'timestamp(m)', 90_000))).toEqual([[{ a: '1' }, 60]]);
    expect(rows(q(h, 'clamp(m, 0, 2)', M))).toEqual([[{ a: '1' }, 2]]);
    expect(rows(q(h, 'clamp(m, 2, 0)', M))).toEqual([]);
    expect(rows(q(h, 'round(m, 0.5)', 0))).toEqual([[{ a: '1' }, 1.5]]);
    expect(rows(q(h, 'hour(vector(7200))', 0))).toEqual([[{}, 2]]);
  });
});

describe('result shapes', () => {
  const head = loadHead(M, 'm{a="2"} 1 2 3\nm{a="1"} 4 5 6');
  it('returns range results as a matrix sorted by labels', () => {
    expect(matrix(engine.rangeQuery(head, 'm * 2', 0, 2 * M, M).value)).toEqual([
      [{ a: '1' }, [[0, 8], [60, 10], [120, 12]]],
      [{ a: '2' }, [[0, 2], [60, 4], [120, 6]]],
    ]);
  });
  it('returns a label-less series for scalar range queries', () => {
    expect(matrix(engine.rangeQuery(head, '1 + 1', 0, M, M).value)).toEqual([[{}, [[0, 2], [60, 2]]]]);
  });
  it('returns instant range selectors as a sorted matrix', () => {
    expect(matrix(q(head, 'm[2m]', 2 * M))).toEqual([
      [{ __name__: 'm', a: '1' }, [[60, 5], [120, 6]]],
      [{ __name__: 'm', a: '2' }, [[60, 2], [120, 3]]],
    ]);
  });
  it('returns strings', () => {
    expect(q(head, '"hello"', 5000)).toEqual({ type: 'string', t: 5000, v: 'hello' });
  });
  it('rejects range queries of non-instant types', () => {
    const e = error(() => engine.rangeQuery(head, 'm[5m]', 0, M, M));
    expect(e.type).toBe('bad_data');
    expect(e.message).toBe('invalid expression type "range vector" for range query, must be Scalar or instant Vector');
  });
  it('enforces the sample limit', () => {
    const small = new Engine({ maxSamples: 1 });
    expect(error(() => small.instantQuery(head, 'm', 0)).message).toBe(
      'query processing would load too many samples into memory in query execution',
    );
  });
});

describe('annotations', () => {
  const head = loadHead(M, 'gauge 1 2 3');
  it('adds the possible-non-counter info for rate with its position', () => {
    const r = engine.instantQuery(head, 'sum(rate(gauge[5m]))', 2 * M);
    expect(r.infos).toEqual([
      'PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "gauge" (1:10)',
    ]);
    expect(r.warnings).toEqual([]);
  });
  it('warns about invalid quantiles', () => {
    const r = engine.instantQuery(head, 'quantile(2, gauge)', 2 * M);
    expect(r.warnings).toEqual(['PromQL warning: quantile value should be between 0 and 1, got 2 (1:10)']);
  });
  it('warns about sort in range queries', () => {
    const r = engine.rangeQuery(head, 'sort(gauge)', 0, M, M);
    expect(r.warnings).toEqual(['PromQL warning: sort is ineffective for range queries since results are always ordered by labels (1:1)']);
  });
});

describe('function tables', () => {
  it('implements every function the parser knows', async () => {
    const { FUNCTIONS } = await import('../../../src/promql/functions/signatures.js');
    const { FUNCTION_IMPLS } = await import('../../../src/promql/functions/index.js');
    expect([...FUNCTIONS.keys()].filter((n) => !FUNCTION_IMPLS.has(n))).toEqual([]);
    expect([...FUNCTION_IMPLS.keys()].filter((n) => !FUNCTIONS.has(n))).toEqual([]);
  });
  it('rejects anchored ranges for functions that do not support them', () => {
    const head = loadHead(M, 'm 1 2 3');
    expect(error(() => q(head, 'max_over_time(m[5m] anchored)', 2 * M)).message).toBe(
      'anchored modifier can only be used with: changes, delta, increase, rate, resets - not with max_over_time',
    );
    expect(rows(q(head, 'increase(m[1m] anchored)', 2 * M))).toEqual([[{}, 1]]);
  });
});

describe('limits', () => {
  it('stops with a timeout error past the deadline', () => {
    const head = loadHead(M, 'm 1 2 3');
    const e = error(() => new Engine({ timeoutMs: -1 }).instantQuery(head, 'm', M));
    expect(e.type).toBe('timeout');
    expect(e.message).toBe('query timed out in query execution');
  });
});
