/**
 * Experimental features behind `--enable-feature`: flag parsing, upstream's parse errors with a
 * feature off, the engine's defaults, and name removal with and without
 * `promql-delayed-name-removal` (the "off" answers were checked against Prometheus 2.42, which
 * has no delayed removal, with `promtool test rules`).
 */
import { describe, expect, it } from 'vitest';
import { toObject } from '../../../src/model/labels.js';
import {
  ALL_FEATURES,
  DEFAULT_FEATURES,
  Engine,
  featuresFromFlags,
  parseExpr,
  PromQLError,
  type PromQLFeatures,
} from '../../../src/promql/index.js';
import type { QueryValue } from '../../../src/promql/value.js';
import { loadHead } from './helpers.js';

const M = 60_000;

function error(f: () => unknown): PromQLError {
  try {
    f();
  } catch (e) {
    if (e instanceof PromQLError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

function parseErr(q: string, features: PromQLFeatures): string {
  return error(() => parseExpr(q, features)).message;
}

function rows(v: QueryValue): [Record<string, string>, number][] {
  if (v.type !== 'vector') throw new Error(`expected vector, got ${v.type}`);
  return v.samples.map((s) => [toObject(s.labels), s.v]);
}

describe('featuresFromFlags', () => {
  it('starts from upstream defaults: duration expressions only', () => {
    expect(featuresFromFlags([])).toEqual({ features: { durationExpressions: true }, enabled: [], warnings: [] });
  });
  it('takes comma lists and repeated flags, skipping empty names', () => {
    const r = featuresFromFlags(['promql-experimental-functions,promql-delayed-name-removal', '', 'type-and-unit-labels,']);
    expect(r.features).toEqual({ durationExpressions: true, experimentalFunctions: true, delayedNameRemoval: true, typeAndUnitLabels: true });
    expect(r.enabled).toEqual(['promql-experimental-functions', 'promql-delayed-name-removal', 'type-and-unit-labels']);
    expect(r.warnings).toEqual([]);
  });
  it('switches every PromQL feature by its upstream name', () => {
    const r = featuresFromFlags([
      'promql-experimental-functions,promql-extended-range-selectors,promql-binop-fill-modifiers,promql-delayed-name-removal',
    ]);
    expect(r.features).toEqual({ ...ALL_FEATURES, typeAndUnitLabels: undefined });
  });
  it('warns about no-ops, features Lookout lacks and unknown names, as upstream (never an error)', () => {
    const r = featuresFromFlags(['promql-duration-expr,native-histograms,memory-snapshot-on-shutdown,exemplar-storage,no-such-thing']);
    expect(r.features).toEqual(DEFAULT_FEATURES);
    expect(r.warnings).toEqual([
      ['promql-duration-expr', 'This option for --enable-feature is now permanently enabled and therefore a no-op.'],
      [
        'native-histograms',
        'This option for --enable-feature is a no-op. To scrape native histograms, set the scrape_native_histograms scrape config setting to true.',
      ],
      ['memory-snapshot-on-shutdown', 'This option for --enable-feature is not supported by Lookout and is ignored.'],
      ['no-such-thing', 'Unknown option for --enable-feature'],
    ]);
  });
});

describe('parser: a feature that is off is refused with upstream error text', () => {
  const off: PromQLFeatures = {};
  it('experimental functions', () => {
    expect(parseErr('sort_by_label(up, "job")', off)).toBe('1:1: parse error: function "sort_by_label" is not enabled');
    expect(parseErr('1 + mad_over_time(up[5m])', off)).toBe('1:5: parse error: function "mad_over_time" is not enabled');
    expect(parseErr('step()', off)).toBe('1:1: parse error: function "step" is not enabled');
    expect(parseExpr('sort_by_label(up, "job")', { experimentalFunctions: true }).type).toBe('Call');
    // Not experimental: always allowed.
    expect(parseExpr('sort_desc(rate(up[5m]))', off).type).toBe('Call');
  });
  it('limitk and limit_ratio', () => {
    expect(parseErr('limitk(1, up)', off)).toBe(
      '1:1: parse error: limitk() is experimental and must be enabled with --enable-feature=promql-experimental-functions',
    );
    expect(parseErr('sum(limit_ratio(0.5, up)) by (job)', off)).toBe(
      '1:5: parse error: limit_ratio() is experimental and must be enabled with --enable-feature=promql-experimental-functions',
    );
    // The feature check comes before the argument count check, as upstream.
    expect(parseErr('limitk(up)', off)).toBe(
      '1:1: parse error: limitk() is experimental and must be enabled with --enable-feature=promql-experimental-functions',
    );
    expect(parseExpr('topk(1, up)', off).type).toBe('AggregateExpr');
  });
  it('fill modifiers', () => {
    expect(parseErr('a + fill(0) b', off)).toBe('1:1: parse error: binop fill modifiers are experimental and not enabled');
    expect(parseErr('x * (a + on(j) fill_left(1) fill_right(2) b)', off)).toBe(
      '1:6: parse error: binop fill modifiers are experimental and not enabled',
    );
    expect(parseExpr('a + fill(0) b', { binopFillModifiers: true }).type).toBe('BinaryExpr');
    // `fill` stays usable as a metric name.
    expect(parseExpr('fill + fill', off).type).toBe('BinaryExpr');
  });
  it('anchored and smoothed', () => {
    expect(parseErr('rate(x[5m] anchored)', off)).toBe('1:6: parse error: anchored modifier is experimental and not enabled');
    expect(parseErr('x smoothed', off)).toBe('1:1: parse error: smoothed modifier is experimental and not enabled');
    expect(parseExpr('rate(x[5m] anchored)', { extendedRangeSelectors: true }).type).toBe('Call');
  });
  it('duration expressions', () => {
    expect(parseErr('x[5m + 1m]', off)).toBe('1:3: parse error: experimental duration expression is not enabled');
    expect(parseErr('x[1m + 2m * 3]', off)).toBe('1:8: parse error: experimental duration expression is not enabled');
    expect(parseErr('x[step()]', off)).toBe('1:3: parse error: experimental duration expression is not enabled');
    expect(parseErr('x[(5m)]', off)).toBe('1:4: parse error: experimental duration expression is not enabled');
    expect(parseErr('x[5m:max_of(1m, 2m)]', off)).toBe('1:6: parse error: experimental duration expression is not enabled');
    expect(parseErr('x offset (1m)', off)).toBe('1:11: parse error: experimental duration expression is not enabled');
    // In an offset, `-step()` is one construct starting at the sign.
    expect(parseErr('x offset -step()', off)).toBe('1:10: parse error: experimental duration expression is not enabled');
    // Upstream's grammar lets a signed parenthesised literal through in an offset.
    expect(parseExpr('x offset -(1m)', off).type).toBe('VectorSelector');
    // Plain and signed literals are no duration expressions.
    expect(parseExpr('x[5m] offset -1h', off).type).toBe('MatrixSelector');
    expect(parseExpr('x[5m * 2]', DEFAULT_FEATURES).type).toBe('MatrixSelector');
  });
});

describe('engine features', () => {
  const head = loadHead(5 * M, ['metric_total{env="1"} 0 60 120', 'another_metric_total{env="1"} 60 120 180'].join('\n'));
  it('defaults to upstream: experimental functions refused, for query text and parsed trees', () => {
    const engine = new Engine();
    expect(engine.features).toEqual(DEFAULT_FEATURES);
    const text = 'sort_by_label(metric_total, "env")';
    expect(error(() => engine.instantQuery(head, text, 10 * M)).message).toBe('1:1: parse error: function "sort_by_label" is not enabled');
    const tree = parseExpr(`1 * ${text}`);
    const e = error(() => engine.rangeQuery(head, tree, 0, 10 * M, M));
    expect([e.type, e.message]).toEqual(['bad_data', '1:5: parse error: function "sort_by_label" is not enabled']);
    expect(rows(new Engine({ features: ALL_FEATURES }).instantQuery(head, tree, 10 * M).value)).toEqual([[{ env: '1' }, 120]]);
  });
  it('counter info by __type__ with type-and-unit-labels, by name suffix without', () => {
    const h = loadHead(5 * M, ['requests{__type__="counter"} 0 60 120', 'temperature_total{__type__="gauge"} 0 1 2'].join('\n'));
    const q = 'rate(requests[10m]) or rate(temperature_total[10m])';
    expect(new Engine().instantQuery(h, q, 10 * M).infos).toEqual([
      'PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "requests" (1:6)',
    ]);
    expect(new Engine({ features: { typeAndUnitLabels: true } }).instantQuery(h, q, 10 * M).infos).toEqual([
      'PromQL info: metric might not be a counter, __type__ label is not set to "counter" or "histogram", got "gauge": "temperature_total" (1:29)',
    ]);
  });
});

describe('name removal with and without promql-delayed-name-removal', () => {
  const head = loadHead(
    5 * M,
    [
      'metric_total{env="1"} 0 60 120',
      'another_metric_total{env="1"} 60 120 180',
      'disjoint_a_total{env="2"} 0 60 _ _ _ _ _',
      'disjoint_b_total{env="2"} _ _ _ _ _ 0 60',
    ].join('\n'),
  );
  const now = new Engine();
  const delayed = new Engine({ features: { delayedNameRemoval: true } });
  const dup = 'vector cannot contain metrics with the same labelset';
  const q = (engine: Engine, query: string, t: number) => engine.instantQuery(head, query, t).value;

  it('drops names where marked: label functions and by (__name__) no longer see them', () => {
    expect(rows(q(now, 'sum by (__name__, env) (rate(metric_total[10m]))', 10 * M))).toEqual([[{ env: '1' }, 0.2]]);
    expect(rows(q(delayed, 'sum by (__name__, env) (metric_total)', 10 * M))).toEqual([[{ __name__: 'metric_total', env: '1' }, 120]]);
    expect(rows(q(now, 'metric_total <= bool another_metric_total', 10 * M))).toEqual([[{ env: '1' }, 1]]);
    expect(rows(q(now, '-metric_total', 10 * M))).toEqual([[{ env: '1' }, -120]]);
    const relabel = 'label_replace(rate({env="1"}[10m]), "my_name", "rate_$1", "__name__", "(.+)")';
    expect(error(() => q(now, relabel, 10 * M)).message).toBe(dup);
    expect(rows(q(delayed, relabel, 10 * M)).sort((a, b) => a[0].my_name!.localeCompare(b[0].my_name!))).toEqual([
      [{ env: '1', my_name: 'rate_another_metric_total' }, 0.2],
      [{ env: '1', my_name: 'rate_metric_total' }, 0.2],
    ]);
  });
  it('fails on series left with one label set: instant functions and operators per step', () => {
    for (const query of ['abs({env="1"})', '{env="1"} * 2', 'timestamp({env="1"})', '-{env="1"}']) {
      const e = error(() => q(now, query, 10 * M));
      expect([query, e.type, e.message]).toEqual([query, 'execution', dup]);
    }
    // The two env="2" series never have a point at the same step: merged.
    const r = now.rangeQuery(head, 'abs({env="2"})', 0, 30 * M, 5 * M).value;
    expect(r.type === 'matrix' && r.series.map((s) => [toObject(s.labels), Array.from(s.ts, (t) => t / M), Array.from(s.vs)])).toEqual([
      [{ env: '2' }, [0, 5, 25, 30], [0, 60, 0, 60]],
    ]);
  });
  it('fails on series left with one label set by a range function even when they never meet', () => {
    expect(error(() => q(now, 'max_over_time({env="2"}[50m])', 50 * M)).message).toBe(dup);
    expect(error(() => now.rangeQuery(head, 'changes({env="2"}[6m])', 0, 30 * M, 5 * M)).message).toBe(dup);
    // With delayed removal the names go at the end and disjoint series merge.
    const r = delayed.rangeQuery(head, 'changes({env="2"}[6m])', 0, 30 * M, 5 * M).value;
    expect(r.type === 'matrix' && r.series.map((s) => [toObject(s.labels), Array.from(s.ts, (t) => t / M), Array.from(s.vs)])).toEqual([
      [{ env: '2' }, [0, 5, 10, 25, 30], [0, 1, 0, 0, 1]],
    ]);
    // Functions that keep the name keep it either way.
    expect(rows(q(now, 'last_over_time({env="2"}[50m])', 50 * M))).toEqual([
      [{ __name__: 'disjoint_a_total', env: '2' }, 60],
      [{ __name__: 'disjoint_b_total', env: '2' }, 60],
    ]);
  });
});
