/**
 * The fused step loops of range functions (`RangeFunction.slide`: `rate`, `increase`, `delta` over
 * plain ranges) must give, bit for bit, what the general path gives: the window slid over the
 * series step by step as the evaluator slides it, and the function's kernel called at each step.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Slide } from '../../../src/promql/functions/extrapolation.js';
import { RANGE_FUNCTIONS, type RangeFunction, type Window } from '../../../src/promql/functions/range.js';
import { SlideWindows } from '../../../src/promql/functions/slide-windows.js';

/** Prefix counts of counter resets, as the evaluator fills `Window.resets`. */
function resetCounts(vs: Float64Array): Int32Array {
  const out = new Int32Array(Math.max(1, vs.length));
  for (let i = 1; i < vs.length; i++) out[i] = out[i - 1]! + (vs[i]! < vs[i - 1]! ? 1 : 0);
  return out;
}

interface Steps {
  out: Float64Array;
  has: Uint8Array;
  perStep: Float64Array;
  windowed: number;
  points: number;
}

/** The general path: the evaluator's window loop (plain ranges) calling `fn.kernel` at each step. */
function byKernel(fn: RangeFunction, ts: Float64Array, vs: Float64Array, ends: Float64Array, rangeMs: number): Steps {
  const r: Steps = { out: new Float64Array(ends.length), has: new Uint8Array(ends.length), perStep: new Float64Array(ends.length), windowed: 0, points: 0 };
  const w: Window = {
    ts,
    vs,
    lo: 0,
    hi: 0,
    rangeStart: 0,
    rangeEnd: 0,
    rangeMs,
    evalT: 0,
    args: new Float64Array(0),
    warn: () => {},
    anchored: false,
    smoothed: false,
    resets: resetCounts(vs),
    out: 0,
  };
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i]!;
    const start = end - rangeMs;
    if (i > 0 && end < ends[i - 1]!) {
      lo = 0;
      hi = 0;
    }
    while (lo < ts.length && ts[lo]! <= start) lo++;
    if (hi < lo) hi = lo;
    while (hi < ts.length && ts[hi]! <= end) hi++;
    if (hi === lo) continue;
    r.windowed += hi - lo;
    r.perStep[i]! += hi - lo;
    Object.assign(w, { lo, hi, rangeStart: start, rangeEnd: end, evalT: end });
    if (fn.kernel(w)) {
      r.out[i] = w.out;
      r.has[i] = 1;
      r.points++;
    }
  }
  return r;
}

/** The fused path: `fn.slide` over the whole series. */
function bySlide(fn: RangeFunction, ts: Float64Array, vs: Float64Array, ends: Float64Array, rangeMs: number): Steps {
  const perStep = new Float64Array(ends.length);
  const s: Slide = { ts, vs, count: ts.length, resets: resetCounts(vs), ends, rangeMs, out: new Float64Array(ends.length), has: new Uint8Array(ends.length), perStep, windowed: 0 };
  const points = fn.slide!(s);
  return { out: s.out, has: s.has, perStep, windowed: s.windowed, points };
}

/**
 * The fused path over several series in a row, with one {@link SlideWindows} kept across them as
 * the evaluator keeps it: results per series, in order.
 */
function bySlideKept(fn: RangeFunction, list: readonly { ts: Float64Array; vs: Float64Array }[], ends: Float64Array, rangeMs: number, windows: SlideWindows): Steps[] {
  return list.map(({ ts, vs }) => {
    const perStep = new Float64Array(ends.length);
    const s: Slide = { ts, vs, count: ts.length, resets: resetCounts(vs), ends, rangeMs, out: new Float64Array(ends.length), has: new Uint8Array(ends.length), perStep, windowed: 0, windows };
    const points = fn.slide!(s);
    return { out: s.out, has: s.has, perStep, windowed: s.windowed, points };
  });
}

/** Values as their bit patterns, so NaN payloads and -0 are compared too. */
function bits(a: Float64Array): string[] {
  const u = new BigUint64Array(a.buffer, a.byteOffset, a.length);
  return Array.from(u, (x) => x.toString(16));
}

const value = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -50, max: 10_000 }) },
  { weight: 3, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 1e308, -1e308, 5e-324) },
);

/** A series: increasing integer timestamps (ms) and values with resets, NaN, ±Inf. */
const series = fc
  .record({
    t0: fc.oneof(fc.constantFrom(0, 5_000, -15_000), fc.integer({ min: -100_000, max: 100_000 })),
    // Regular scrapes (every 15 s, now and then a missed one), or any gaps.
    gaps: fc.oneof(
      fc.array(fc.oneof({ weight: 9, arbitrary: fc.constant(15_000) }, { weight: 1, arbitrary: fc.constant(30_000) }), { maxLength: 80 }),
      fc.array(fc.integer({ min: 1, max: 60_000 }), { maxLength: 80 }),
    ),
    values: fc.array(value, { minLength: 81, maxLength: 81 }),
  })
  .map(({ t0, gaps, values }) => {
    const ts = new Float64Array(gaps.length + 1);
    ts[0] = t0;
    for (let i = 0; i < gaps.length; i++) ts[i + 1] = ts[i]! + gaps[i]!;
    return { ts, vs: Float64Array.from(values.slice(0, ts.length)) };
  });

/**
 * Window ends: a regular grid (often on whole seconds and steps of 5/15/60 s, so that window
 * bounds fall on samples), or any ends (going back as `@` and subqueries can make them).
 */
const ends = fc.oneof(
  { weight: 3, arbitrary: fc
    .record({
      start: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: -40, max: 300 }).map((x) => x * 5000) }, { weight: 1, arbitrary: fc.integer({ min: -200_000, max: 1_500_000 }) }),
      step: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(5_000, 15_000, 60_000) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 60_000 }) }),
      n: fc.integer({ min: 0, max: 120 }),
    })
    .map(({ start, step, n }) => Float64Array.from({ length: n }, (_, i) => start + i * step)) },
  { weight: 1, arbitrary: fc.array(fc.integer({ min: -200_000, max: 1_500_000 }), { maxLength: 60 }).map((a) => Float64Array.from(a)) },
);

const rangeMs = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(60_000, 300_000, 15_000, 30_000, 1) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 900_000 }) });

describe('fused range-function step loops', () => {
  for (const name of ['rate', 'increase', 'delta']) {
    it(`${name}: slide gives what the kernel gives at every step, bit for bit`, () => {
      const fn = RANGE_FUNCTIONS.get(name)!;
      expect(fn.slide).toBeDefined();
      fc.assert(
        fc.property(series, ends, rangeMs, ({ ts, vs }, e, r) => {
          const want = byKernel(fn, ts, vs, e, r);
          const got = bySlide(fn, ts, vs, e, r);
          expect(Array.from(got.has)).toEqual(Array.from(want.has));
          expect(bits(got.out)).toEqual(bits(want.out));
          expect(Array.from(got.perStep)).toEqual(Array.from(want.perStep));
          expect(got.windowed).toBe(want.windowed);
          expect(got.points).toBe(want.points);
        }),
        { numRuns: 400 },
      );
    });
  }

  /**
   * Series scraped together: some share their timestamps with another (values differ), some not,
   * and some have another's timestamps but one (not the first) a millisecond earlier.
   */
  const scraped = fc
    .tuple(
      fc.array(series, { minLength: 1, maxLength: 4 }),
      fc.array(fc.tuple(fc.nat(), fc.array(value, { minLength: 81, maxLength: 81 }), fc.option(fc.nat(), { freq: 3 })), { maxLength: 12 }),
    )
    .map(([own, copies]) => [
      ...own,
      ...copies.map(([k, values, moved]) => {
        let ts = own[k % own.length]!.ts;
        if (moved !== null && ts.length > 1) {
          const j = 1 + (moved % (ts.length - 1));
          if (ts[j]! - 1 > ts[j - 1]!) {
            ts = ts.slice();
            ts[j]! -= 1;
          }
        }
        return { ts, vs: Float64Array.from(values.slice(0, ts.length)) };
      }),
    ])
    .chain((list) => fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length }));

  for (const name of ['rate', 'increase', 'delta']) {
    it(`${name}: windows kept across series give what the kernel gives for each, bit for bit`, () => {
      const fn = RANGE_FUNCTIONS.get(name)!;
      fc.assert(
        fc.property(scraped, ends, rangeMs, (list, e, r) => {
          const got = bySlideKept(fn, list, e, r, new SlideWindows(e.length));
          list.forEach(({ ts, vs }, k) => {
            const want = byKernel(fn, ts, vs, e, r);
            expect(Array.from(got[k]!.has)).toEqual(Array.from(want.has));
            expect(bits(got[k]!.out)).toEqual(bits(want.out));
            expect(Array.from(got[k]!.perStep)).toEqual(Array.from(want.perStep));
            expect(got[k]!.windowed).toBe(want.windowed);
            expect(got[k]!.points).toBe(want.points);
          });
        }),
        { numRuns: 300 },
      );
    });
  }

  it('rate: exact values; a point where the window holds 2 samples or more', () => {
    const ts = Float64Array.from([0, 15_000, 30_000, 45_000, 60_000]);
    const vs = Float64Array.from([0, 15, 30, 3, 18]);
    const ends = Float64Array.from([0, 15_000, 60_000, 90_000, 130_000]);
    const s: Slide = { ts, vs, count: 5, resets: resetCounts(vs), ends, rangeMs: 60_000, out: new Float64Array(5), has: new Uint8Array(5), perStep: null, windowed: 0 };
    expect(RANGE_FUNCTIONS.get('rate')!.slide!(s)).toBe(3);
    expect(Array.from(s.has)).toEqual([0, 1, 1, 1, 0]);
    // 0 → 15 over 15 s: extrapolated to the counter's zero point (the sample at 0) and not past the end.
    expect(s.out[1]).toBe(0.25);
    // 15, 30, 3, 18: a reset adds 30 (33 in all) over 45 s of samples, 15 s more to the range start.
    expect(s.out[2]).toBe(33 * (60 / 45 / 60));
    // 3 → 18 over 15 s: 3 s to the zero point at the start, half a gap (7.5 s) at the end.
    expect(s.out[3]).toBe(15 * ((15 + 3 + 7.5) / 15 / 60));
    expect(s.windowed).toBe(1 + 2 + 4 + 2);
  });
});

describe('windows kept across series (SlideWindows)', () => {
  it("rate: a counter's zero point still shortens the start where the timing leaves it to the values", () => {
    // One window (0, 31 s] holding samples at 16 s and 31 s: 16 s to the range start, within 1.1
    // sampling intervals, so the zero point decides whenever it is nearer than 16 s.
    const ts = Float64Array.from([16_000, 31_000]);
    const ends = Float64Array.from([31_000]);
    const windows = new SlideWindows(1);
    const rate = (vs: number[]) => {
      const v = Float64Array.from(vs);
      const s: Slide = { ts, vs: v, count: 2, resets: resetCounts(v), ends, rangeMs: 31_000, out: new Float64Array(1), has: new Uint8Array(1), perStep: null, windowed: 0, windows };
      expect(RANGE_FUNCTIONS.get('rate')!.slide!(s)).toBe(1);
      return s.out[0];
    };
    // Zero point 150 s before the first sample: the start is not shortened.
    expect(rate([100, 110])).toBe(10 * ((15 + 16) / 15 / 31));
    // Zero point 15 s before it (same timestamps, windows reused): extrapolated 15 s, not 16 s.
    expect(rate([10, 20])).toBe(10 * ((15 + 15) / 15 / 31));
  });

  it('finds a set only for the same timestamps; after 64 sets none reused, builds no more', () => {
    const w = new SlideWindows(3);
    const a = Float64Array.from([0, 15_000, 30_000]);
    const set = w.add(a, 3)!;
    expect(set.lo).toHaveLength(3);
    expect(w.find(Float64Array.from([0, 15_000, 30_000]), 3)).toBe(set);
    expect(w.find(Float64Array.from([0, 15_000, 29_999]), 3)).toBeNull();
    expect(w.find(Float64Array.from([0, 15_000, 30_000, 45_000]), 4)).toBeNull();
    expect(w.find(Float64Array.from([1, 15_000, 30_000]), 3)).toBeNull();
    // A series' timestamps are copied: the caller's buffer is reused for the next series.
    a[2] = 1;
    expect(w.find(Float64Array.from([0, 15_000, 30_000]), 3)).toBe(set);
    const fresh = new SlideWindows(3);
    for (let k = 0; k < 64; k++) expect(fresh.add(Float64Array.from([k, k + 1, k + 2]), 3)).not.toBeNull();
    expect(fresh.add(Float64Array.from([100, 101, 102]), 3)).toBeNull();
  });

  it('holds at most 8 MiB of sets', () => {
    // 100,000 steps: 1.7 MB of windows per set.
    const w = new SlideWindows(100_000);
    const added = Array.from({ length: 6 }, (_, k) => w.add(Float64Array.from([k]), 1));
    expect(added.map((s) => s !== null)).toEqual([true, true, true, true, false, false]);
  });
});
