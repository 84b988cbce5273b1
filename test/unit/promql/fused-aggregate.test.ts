/**
 * Aggregations over a range-vector function of a selector (`sum by (code) (rate(x[5m]))`) fold
 * each series' function result into its group as it is computed (`aggregate.ts`
 * `foldRangeFunction`). Collecting sample statistics takes the general path (the function's whole
 * result, then the aggregation), so the two are compared here query for query: same series, same
 * value bits, same annotations, same errors.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STALE_NAN } from '../../../src/model/value.js';
import { Engine, PromQLError, QueryStats } from '../../../src/promql/index.js';
import type { QueryResult } from '../../../src/promql/value.js';
import { Head } from '../../../src/tsdb/head.js';

const engine = new Engine();

/** One raw sample value: a counter step, a reset, a staleness marker, NaN or an infinity. */
type Step = { kind: 'inc'; by: number } | { kind: 'reset'; to: number } | { kind: 'stale' } | { kind: 'nan' } | { kind: 'inf'; sign: 1 | -1 } | { kind: 'gap' };

interface SeriesSpec {
  name: string;
  code: string;
  inst: string;
  /** First sample slot (10 s apart from t=0), so series appear mid-range. */
  from: number;
  /** Sample offsets (ms) added to each slot's time (0…9,999), so samples are irregular. */
  jitter: number[];
  steps: Step[];
}

/** A head holding the series: slot i of a series is at `(from + i) · 10 s + jitter[i]`. */
function load(specs: SeriesSpec[]): Head {
  const head = new Head();
  const app = head.appender();
  for (const s of specs) {
    const ref = app.seriesRef(['__name__', s.name, 'code', s.code, 'inst', s.inst]);
    let v = 0;
    s.steps.forEach((st, i) => {
      const t = (s.from + i) * 10_000 + s.jitter[i % s.jitter.length]!;
      switch (st.kind) {
        case 'gap':
          return;
        case 'inc':
          v += st.by;
          app.append(ref, t, v);
          return;
        case 'reset':
          v = st.to;
          app.append(ref, t, v);
          return;
        case 'stale':
          app.append(ref, t, STALE_NAN);
          return;
        case 'nan':
          app.append(ref, t, NaN);
          return;
        case 'inf':
          app.append(ref, t, st.sign * Infinity);
      }
    });
  }
  app.commit();
  return head;
}

/** A result or error as plain data; values as their bits, so NaN payloads and −0 count. */
function outcome(run: () => QueryResult): unknown {
  const bits = (v: number) => Buffer.from(new Float64Array([v]).buffer).toString('hex');
  try {
    const r = run();
    const value =
      r.value.type === 'matrix'
        ? r.value.series.map((s) => ({ labels: [...s.labels], ts: [...s.ts], vs: [...s.vs].map(bits) }))
        : r.value.type === 'vector'
          ? r.value.samples.map((s) => ({ labels: [...s.labels], t: s.t, v: bits(s.v) }))
          : r.value;
    return { value, warnings: r.warnings, infos: r.infos };
  } catch (e) {
    if (e instanceof PromQLError) return { error: e.type, message: e.message };
    throw e;
  }
}

/** The fused and the general path's outcomes of a range and an instant query. */
function bothPaths(head: Head, q: string, start: number, end: number, step: number): { fused: unknown[]; general: unknown[] } {
  const general = () => ({ stats: new QueryStats(0) });
  return {
    fused: [outcome(() => engine.rangeQuery(head, q, start, end, step)), outcome(() => engine.instantQuery(head, q, end))],
    general: [outcome(() => engine.rangeQuery(head, q, start, end, step, general())), outcome(() => engine.instantQuery(head, q, end, general()))],
  };
}

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('inc' as const), by: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.double({ min: 0, max: 1e6, noNaN: true })) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('reset' as const), to: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 20 }), fc.constant(-3.5)) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'stale' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'nan' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('inf' as const), sign: fc.constantFrom(1 as const, -1 as const) }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'gap' as const }) },
);

const seriesArb: fc.Arbitrary<SeriesSpec> = fc.record({
  name: fc.constantFrom('a_total', 'b_total'),
  code: fc.constantFrom('200', '500'),
  inst: fc.constantFrom('0', '1', '2'),
  from: fc.integer({ min: 0, max: 20 }),
  jitter: fc.array(fc.integer({ min: 0, max: 9_999 }), { minLength: 1, maxLength: 4 }),
  steps: fc.array(stepArb, { minLength: 0, maxLength: 40 }),
});

/** Distinct label sets only (a head has one series per label set). */
const seriesSetArb = fc.uniqueArray(seriesArb, { selector: (s) => `${s.name}/${s.code}/${s.inst}`, minLength: 1, maxLength: 8 });

const AGGREGATIONS = ['sum', 'avg', 'count', 'min', 'max', 'group', 'stddev', 'stdvar'];
const GROUPINGS = ['by (code)', 'without (inst)', '', 'by (__name__)', 'by (code, __name__)', 'without (__name__, code)'];
const FUNCTIONS = [
  'rate(SEL[R])',
  'increase(SEL[R])',
  'delta(SEL[R])',
  'irate(SEL[R])',
  'avg_over_time(SEL[R])',
  'last_over_time(SEL[R])',
  'quantile_over_time(0.3, SEL[R])',
  'resets(SEL[R])',
  'rate(SEL[R] offset 25s)',
  'increase((SEL[R] @ 200))',
];
const SELECTORS = ['a_total', '{__name__=~"a_total|b_total"}', '{__name__=~".+", code="200"}'];

describe('aggregations over a range-vector function, folded series by series', () => {
  it('give what the general path gives (property: resets, stale markers, gaps, NaN, ±Inf, series appearing mid-range)', () => {
    fc.assert(
      fc.property(
        seriesSetArb,
        fc.constantFrom(...AGGREGATIONS),
        fc.constantFrom(...GROUPINGS),
        fc.constantFrom(...FUNCTIONS),
        fc.constantFrom(...SELECTORS),
        fc.constantFrom('30s', '1m', '95s'),
        fc.constantFrom(7_000, 10_000, 30_000),
        (specs, op, grouping, fn, sel, range, step) => {
          const head = load(specs);
          const q = `${op} ${grouping} (${fn.replace('SEL', sel).replace('R', range)})`;
          const { fused, general } = bothPaths(head, q, 15_000, 400_000, step);
          expect(fused, q).toEqual(general);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('sums per group and step, dropping the metric name (exact values)', () => {
    // Every 10 s from t=0: inst 0 counts 0, 10, …, 60; inst 1 counts 5, 10, …, 25, resets to 1 at
    // 50 s and reaches 6; code 500 counts 1, 2, …, 7.
    const inc = (by: number): Step => ({ kind: 'inc', by });
    const specs: SeriesSpec[] = [
      { name: 'a_total', code: '200', inst: '0', from: 0, jitter: [0], steps: [0, 10, 10, 10, 10, 10, 10].map(inc) },
      { name: 'a_total', code: '200', inst: '1', from: 0, jitter: [0], steps: [inc(5), inc(5), inc(5), inc(5), inc(5), { kind: 'reset', to: 1 }, inc(5)] },
      { name: 'a_total', code: '500', inst: '0', from: 0, jitter: [0], steps: [1, 1, 1, 1, 1, 1, 1].map(inc) },
    ];
    const q = 'sum by (code) (increase(a_total[30s]))';
    const r = engine.rangeQuery(load(specs), q, 30_000, 60_000, 30_000);
    if (r.value.type !== 'matrix') throw new Error('expected a matrix');
    // Each window holds 3 samples 10 s apart, 10 s after its start: increase = Δ · 30 / 20.
    // Code 200 at 30 s: (20 + 10) · 1.5; at 60 s: (20 + (6 − 25 + 25)) · 1.5 (the reset adds 25 back).
    expect(r.value.series.map((s) => ({ labels: [...s.labels], ts: [...s.ts], vs: [...s.vs] }))).toEqual([
      { labels: ['code', '200'], ts: [30_000, 60_000], vs: [45, 39] },
      { labels: ['code', '500'], ts: [30_000, 60_000], vs: [3, 3] },
    ]);
    const { fused, general } = bothPaths(load(specs), q, 30_000, 60_000, 30_000);
    expect(fused).toEqual(general);
  });

  it('sum keeps its Kahan compensation when every series has a point at every step (exact values)', () => {
    // 2^53, then 1 and 1: a plain running sum stays at 2^53 (each + 1 rounds back), the
    // compensated one is 2^53 + 2. Samples every 10 s from 0 to 60 s: a point at every step.
    const inc = (by: number): Step => ({ kind: 'inc', by });
    const specs: SeriesSpec[] = [
      { name: 'a_total', code: '200', inst: '0', from: 0, jitter: [0], steps: [2 ** 53, 0, 0, 0, 0, 0, 0].map(inc) },
      { name: 'a_total', code: '200', inst: '1', from: 0, jitter: [0], steps: [1, 0, 0, 0, 0, 0, 0].map(inc) },
      { name: 'a_total', code: '200', inst: '2', from: 0, jitter: [0], steps: [1, 0, 0, 0, 0, 0, 0].map(inc) },
    ];
    const q = 'sum by (code) (last_over_time(a_total[30s]))';
    const r = engine.rangeQuery(load(specs), q, 20_000, 60_000, 10_000);
    if (r.value.type !== 'matrix') throw new Error('expected a matrix');
    expect(r.value.series.map((s) => ({ labels: [...s.labels], vs: [...s.vs] }))).toEqual([{ labels: ['code', '200'], vs: Array(5).fill(2 ** 53 + 2) }]);
    const { fused, general } = bothPaths(load(specs), q, 20_000, 60_000, 10_000);
    expect(fused).toEqual(general);
  });

  it('fails as the general path when dropping the names leaves two equal label sets', () => {
    const specs: SeriesSpec[] = [
      { name: 'a_total', code: '200', inst: '0', from: 0, jitter: [0], steps: [1, 2, 3].map((by) => ({ kind: 'inc', by })) },
      { name: 'b_total', code: '200', inst: '0', from: 0, jitter: [0], steps: [1, 2, 3].map((by) => ({ kind: 'inc', by })) },
    ];
    const { fused, general } = bothPaths(load(specs), 'sum by (code) (rate({__name__=~"a_total|b_total"}[1m]))', 20_000, 30_000, 10_000);
    expect(fused).toEqual(general);
    expect(fused[0]).toEqual({ error: 'execution', message: 'vector cannot contain metrics with the same labelset' });
  });

  it('keeps the name for last_over_time, so `by (__name__)` groups by it', () => {
    const specs: SeriesSpec[] = [
      { name: 'a_total', code: '200', inst: '0', from: 0, jitter: [0], steps: [1, 2].map((by) => ({ kind: 'inc', by })) },
      { name: 'b_total', code: '200', inst: '0', from: 0, jitter: [0], steps: [4, 4].map((by) => ({ kind: 'inc', by })) },
    ];
    const r = engine.instantQuery(load(specs), 'sum by (__name__) (last_over_time({__name__=~".+"}[1m]))', 10_000);
    if (r.value.type !== 'vector') throw new Error('expected a vector');
    expect(r.value.samples.map((s) => [[...s.labels], s.v])).toEqual([
      [['__name__', 'a_total'], 3],
      [['__name__', 'b_total'], 8],
    ]);
  });
});
