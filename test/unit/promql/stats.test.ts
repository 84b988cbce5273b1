/**
 * Query statistics: samples counted as upstream's `totalQueryableSamples` (per step too), peaks,
 * timings, and no change to results when counting.
 */
import { describe, expect, it } from 'vitest';
import { Engine, QueryStats, featuresFromFlags } from '../../../src/promql/index.js';
import { loadHead } from './helpers.js';

const S = 1000;
/** Two series with a sample every 10 s from 0 to 200 s. */
const head = loadHead(10 * S, 'a{i="0"} 0+1x20\na{i="1"} 0+2x20\nb 1x20');
const engine = new Engine();

function instant(q: string, t: number, steps = 1): QueryStats {
  const stats = new QueryStats(steps);
  engine.instantQuery(head, q, t, { stats });
  return stats;
}

function range(q: string, start: number, end: number, step: number, perStep = true): QueryStats {
  const stats = new QueryStats(perStep ? Math.floor((end - start) / step) + 1 : 0);
  engine.rangeQuery(head, q, start, end, step, { stats });
  return stats;
}

const counts = (s: QueryStats) => ({ total: s.totalSamples, peak: s.peakSamples, perStep: s.perStep && [...s.perStep] });

describe('sample counts', () => {
  it('instant selectors count one sample per series and step', () => {
    expect(counts(instant('a', 100 * S))).toEqual({ total: 2, peak: 2, perStep: [2] });
    expect(counts(range('a', 0, 200 * S, 50 * S))).toEqual({ total: 10, peak: 10, perStep: [2, 2, 2, 2, 2] });
    expect(counts(range('a offset 1m', 0, 200 * S, 50 * S))).toEqual({ total: 6, peak: 6, perStep: [0, 0, 2, 2, 2] });
    expect(counts(range('timestamp(a)', 0, 200 * S, 50 * S)).total).toBe(10);
  });

  it('range functions count the samples of each step window, windows overlapping or not', () => {
    // (t - 30 s, t]: the sample at 0 only at step 0, then three per series
    expect(counts(range('rate(a[30s])', 0, 200 * S, 50 * S))).toEqual({ total: 26, peak: 42, perStep: [2, 6, 6, 6, 6] });
    expect(counts(range('sum(count_over_time(a[1m]))', 0, 60 * S, 10 * S)).perStep).toEqual([2, 4, 6, 8, 10, 12, 12]);
    expect(counts(instant('sum(rate(a[30s])) + rate(b[1m])', 100 * S)).total).toBe(12);
  });

  it('a returned range selector counts its samples', () => {
    expect(counts(instant('a[30s]', 100 * S))).toEqual({ total: 6, peak: 6, perStep: [6] });
  });

  it('a subquery counts the points in its windows, not its inner evaluation', () => {
    // inner steps 80, 90, 100 s; the inner selector's points are not counted again
    expect(counts(instant('max_over_time(a[30s:10s])', 100 * S))).toEqual({ total: 6, peak: 6, perStep: [6] });
    expect(counts(range('max_over_time(a[30s:10s])', 100 * S, 120 * S, 10 * S)).perStep).toEqual([6, 6, 6]);
  });

  it('constants and functions without selectors count nothing', () => {
    expect(counts(range('vector(1) + time()', 0, 20 * S, 10 * S))).toEqual({ total: 0, peak: 3, perStep: [0, 0, 0] });
  });

  it('counts totals without per-step slots', () => {
    expect(counts(range('rate(a[30s])', 0, 200 * S, 50 * S, false))).toEqual({ total: 26, peak: 42, perStep: null });
  });

  it('does not change results, and records timings', () => {
    const stats = new QueryStats(0);
    const q = 'sum by (i) (rate(a[1m])) / on() group_left b';
    expect(engine.rangeQuery(head, q, 0, 200 * S, 10 * S, { stats })).toEqual(engine.rangeQuery(head, q, 0, 200 * S, 10 * S));
    for (const ms of [stats.preparationMs, stats.innerEvalMs, stats.resultSortMs]) {
      expect(Number.isFinite(ms)).toBe(true);
      expect(ms).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('promql-per-step-stats', () => {
  it('is a PromQL feature flag', () => {
    expect(featuresFromFlags(['promql-per-step-stats'])).toEqual({
      features: { durationExpressions: true, perStepStats: true },
      enabled: ['promql-per-step-stats'],
      warnings: [],
    });
  });
});
