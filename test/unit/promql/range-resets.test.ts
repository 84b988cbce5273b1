/**
 * `rate`/`increase` in range queries skip the counter-reset scan of windows without a reset (the
 * evaluator counts resets per series once). Every step must equal upstream's formula written out
 * plainly (the oracle below), and the instant query at that step.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../../src/promql/engine.js';
import type { MatrixSeries } from '../../../src/promql/value.js';
import { Head } from '../../../src/tsdb/head.js';

const engine = new Engine();

/** A head with one counter `c` sampled every 10 s from t=0 with the given values. */
function counter(values: number[]): Head {
  const head = new Head();
  const app = head.appender();
  const ref = app.seriesRef(['__name__', 'c_total', 'job', 'x']);
  values.forEach((v, i) => app.append(ref, i * 10_000, v));
  app.commit();
  return head;
}

/**
 * Upstream's extrapolated rate (`extrapolatedRate` in promql/functions.go, counters, left-open
 * window) of `values` sampled every 10 s from t=0, over (t − rangeMs, t], written out plainly with
 * the same operations in the same order: the oracle. NaN when fewer than 2 samples.
 */
function oracleRate(values: number[], t: number, rangeMs: number, isRate: boolean): number {
  return oracleRateAt(values.map((_, i) => i * 10_000), values, t, rangeMs, isRate);
}

/** A head with one counter `c_total` with samples (ts[i] ms, values[i]). */
function counterAt(ts: number[], values: number[]): Head {
  const head = new Head();
  const app = head.appender();
  const ref = app.seriesRef(['__name__', 'c_total', 'job', 'x']);
  values.forEach((v, i) => app.append(ref, ts[i]!, v));
  app.commit();
  return head;
}

/** Upstream's extrapolated rate as {@link oracleRate}, of samples at any timestamps `ts` (ms, increasing). */
function oracleRateAt(ts: number[], values: number[], t: number, rangeMs: number, isRate: boolean): number {
  const idx = values.map((_, i) => i).filter((i) => ts[i]! > t - rangeMs && ts[i]! <= t);
  if (idx.length < 2) return NaN;
  const first = values[idx[0]!]!;
  const firstT = ts[idx[0]!]!;
  const lastT = ts[idx[idx.length - 1]!]!;
  let result = values[idx[idx.length - 1]!]! - first;
  for (let k = 1; k < idx.length; k++) if (values[idx[k]!]! < values[idx[k - 1]!]!) result += values[idx[k - 1]!]!;
  let durationToStart = (firstT - (t - rangeMs)) / 1000;
  let durationToEnd = (t - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const avg = sampledInterval / (idx.length - 1);
  if (durationToStart >= avg * 1.1) durationToStart = avg / 2;
  let durationToZero = durationToStart;
  if (result > 0 && first >= 0) durationToZero = sampledInterval * (first / result);
  if (durationToZero < durationToStart) durationToStart = durationToZero;
  if (durationToEnd >= avg * 1.1) durationToEnd = avg / 2;
  let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  if (isRate) factor /= rangeMs / 1000;
  return result * factor;
}

/** The value of `query` instantly at each step of [start, end] every `step` (NaN where none). */
function instantSteps(head: Head, query: string, start: number, end: number, step: number): number[] {
  const out: number[] = [];
  for (let t = start; t <= end; t += step) {
    const r = engine.instantQuery(head, query, t);
    out.push(r.value.type === 'vector' && r.value.samples.length === 1 ? r.value.samples[0]!.v : NaN);
  }
  return out;
}

/** The range query's values on the step grid (NaN where the series has no point). */
function rangeSteps(head: Head, query: string, start: number, end: number, step: number): number[] {
  const r = engine.rangeQuery(head, query, start, end, step);
  const out: number[] = [];
  for (let t = start; t <= end; t += step) out.push(NaN);
  if (r.value.type !== 'matrix') throw new Error('expected a matrix');
  const s: MatrixSeries | undefined = r.value.series[0];
  if (s) for (let i = 0; i < s.ts.length; i++) out[(s.ts[i]! - start) / step] = s.vs[i]!;
  return out;
}

describe('rate and increase over counter resets in range queries', () => {
  it('equal the instant query at every step, resets at window edges included', () => {
    // Resets at samples 3, 7, 8 and 14: windows of 60 s (6 samples) start and end on them.
    const values = [5, 9, 14, 2, 8, 20, 31, 1, 0, 6, 9, 12, 40, 41, 3, 7, 11, 15, 16, 30];
    const head = counter(values);
    for (const [q, rangeMs, isRate] of [
      ['rate(c_total[1m])', 60_000, true],
      ['increase(c_total[1m])', 60_000, false],
      ['rate(c_total[35s])', 35_000, true],
    ] as const) {
      const want: number[] = [];
      for (let t = 0; t <= 190_000; t += 10_000) want.push(oracleRate(values, t, rangeMs, isRate));
      expect(rangeSteps(head, q, 0, 190_000, 10_000)).toEqual(want);
      expect(rangeSteps(head, q, 0, 190_000, 10_000)).toEqual(instantSteps(head, q, 0, 190_000, 10_000));
      expect(rangeSteps(head, q, 5_000, 185_000, 15_000)).toEqual(instantSteps(head, q, 5_000, 185_000, 15_000));
    }
    // Both functions over the same range in one query: windows of the same timing, rate's and increase's factors.
    const sum: number[] = [];
    for (let t = 0; t <= 190_000; t += 10_000) sum.push(oracleRate(values, t, 60_000, true) + oracleRate(values, t, 60_000, false));
    expect(rangeSteps(head, 'rate(c_total[1m]) + increase(c_total[1m])', 0, 190_000, 10_000)).toEqual(sum);
    // One window each, of the same timing, one right after the other; far from the counter's zero
    // point, so that extrapolation is not shortened by it.
    const high = values.map((x) => x + 1000);
    const highHead = counter(high);
    for (const q of ['rate(c_total[1m]) + increase(c_total[1m])', 'increase(c_total[1m]) + rate(c_total[1m])']) {
      const one = engine.instantQuery(highHead, q, 195_000);
      expect(one.value.type === 'vector' && one.value.samples[0]!.v).toBe(oracleRate(high, 195_000, 60_000, true) + oracleRate(high, 195_000, 60_000, false));
    }
    // (10 s, 40 s] holds 14, 2 (a reset: 14 is added back) and 8; extrapolated by 10 s at the start.
    const r = engine.instantQuery(head, 'increase(c_total[30s])', 40_000);
    expect(r.value.type === 'vector' && r.value.samples[0]!.v).toBe(((8 - 14 + 14) * 30) / 20);
  });

  it('equal the instant query at every step for random counters with resets', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 50 }), fc.constant(-1)), { minLength: 2, maxLength: 60 }),
        fc.integer({ min: 1, max: 9 }),
        (incs, rangeSteps10s) => {
          // -1 is a reset to 0; other entries are increments.
          let v = 100;
          const values = incs.map((d) => (d < 0 ? (v = 0) : (v += d)));
          const head = counter(values);
          const q = `rate(c_total[${rangeSteps10s * 10}s])`;
          const end = values.length * 10_000;
          const want: number[] = [];
          for (let t = 0; t <= end; t += 10_000) want.push(oracleRate(values, t, rangeSteps10s * 10_000, true));
          expect(rangeSteps(head, q, 0, end, 10_000)).toEqual(want);
          expect(instantSteps(head, q, 0, end, 10_000)).toEqual(want);
        },
      ),
    );
  });

  it('equal upstream formula for irregular scrapes, any range and step, rate and increase in one query', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 20_000 }), fc.oneof(fc.integer({ min: 0, max: 50 }), fc.constant(-1))), { minLength: 2, maxLength: 60 }),
        fc.integer({ min: 1, max: 120_000 }),
        fc.integer({ min: 1, max: 120_000 }),
        fc.integer({ min: 1_000, max: 30_000 }),
        (samples, range1, range2, step) => {
          let t = 0;
          let v = 100;
          const ts = samples.map(([gap]) => (t += gap));
          // -1 is a reset to 0; other entries are increments (a counter starting near 0 makes the
          // zero point shorten the extrapolation at the start).
          const values = samples.map(([, d]) => (d < 0 ? (v = 0) : (v += d)));
          const head = counterAt(ts, values);
          const end = t + 30_000;
          const rate = rangeSteps(head, `rate(c_total[${range1}ms])`, 0, end, step);
          const increase = rangeSteps(head, `increase(c_total[${range2}ms])`, 0, end, step);
          const both = rangeSteps(head, `rate(c_total[${range1}ms]) + increase(c_total[${range2}ms])`, 0, end, step);
          const wantRate: number[] = [];
          const wantIncrease: number[] = [];
          for (let s = 0; s <= end; s += step) {
            wantRate.push(oracleRateAt(ts, values, s, range1, true));
            wantIncrease.push(oracleRateAt(ts, values, s, range2, false));
          }
          expect(rate).toEqual(wantRate);
          expect(increase).toEqual(wantIncrease);
          expect(both).toEqual(wantRate.map((r, i) => r + wantIncrease[i]!));
        },
      ),
    );
  });
});
