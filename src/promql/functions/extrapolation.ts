/**
 * Upstream's extrapolated `rate`/`increase`/`delta` of one window ({@link extrapolatedValue}), and
 * its step loop fused over a whole series ({@link slideExtrapolatedRate}), which reuses the
 * windows of series with the same timestamps (see `slide-windows.ts`). Both give the same bits.
 */
import type { SlideWindows, WindowSet } from './slide-windows.js';

/**
 * The timing terms of the last window {@link extrapolatedValue} computed, keyed by the integer
 * gaps they derive from, the range and rate-or-increase: regular scrapes give the same gaps step
 * after step, and the divisions are then skipped (same inputs, same results). `factor` is the
 * extrapolation factor for when the counter's zero point does not shorten the start.
 */
const timing = {
  startGap: NaN,
  endGap: NaN,
  span: NaN,
  n: 0,
  rangeMs: NaN,
  isRate: false,
  toStart: 0,
  toEnd: 0,
  sampled: 0,
  rangeSeconds: 0,
  factor: 0,
};

/**
 * Upstream's extrapolation factor: the sampled interval stretched by the durations to the range's
 * start and end (seconds), per second of the range for `rate`.
 */
function extrapolationFactor(sampledInterval: number, durationToStart: number, durationToEnd: number, isRate: boolean, rangeSeconds: number): number {
  let factor = 1;
  if (sampledInterval !== 0) factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  if (isRate) factor /= rangeSeconds;
  return factor;
}

/**
 * Upstream's `extrapolatedRate` of the samples [lo, hi) (at least 2; ms and values, no staleness
 * markers) of a plain range (rangeStart, rangeEnd] of `rangeMs`: the change over the window (plus
 * the counter resets, `resets` as `Window.resets` in `range.ts`, read only when `mayReset`: `isCounter`
 * and the series has a reset) extrapolated towards the range's ends, per second when `isRate`.
 * Shared by the `rate`/`increase`/`delta` kernels and their fused step loop
 * ({@link slideExtrapolatedRate}), so both give the same bits.
 */
export function extrapolatedValue(
  ts: Float64Array,
  vs: Float64Array,
  resets: Int32Array,
  lo: number,
  hi: number,
  rangeStart: number,
  rangeEnd: number,
  rangeMs: number,
  isCounter: boolean,
  isRate: boolean,
  mayReset: boolean,
): number {
  const n = hi - lo;
  const first = vs[lo]!;
  const firstT = ts[lo]!;
  const lastT = ts[hi - 1]!;
  let result = vs[hi - 1]! - first;
  // Windows without a reset (most of them) skip the scan; with resets, the same sum in the same order.
  if (mayReset && resets[hi - 1]! !== resets[lo]!) {
    for (let i = lo + 1; i < hi; i++) if (vs[i]! < vs[i - 1]!) result += vs[i - 1]!;
  }
  const m = timing;
  const startGap = firstT - rangeStart;
  const endGap = rangeEnd - lastT;
  const span = lastT - firstT;
  if (startGap !== m.startGap || endGap !== m.endGap || span !== m.span || n !== m.n || rangeMs !== m.rangeMs || isRate !== m.isRate) {
    setTiming(startGap, endGap, span, n, rangeMs, isRate);
  }
  const durationToStart = m.toStart;
  const sampledInterval = m.sampled;
  // A counter cannot go below zero: do not extrapolate further left than its zero point. When
  // first ≥ result the zero point is at least sampledInterval away (rounding is monotonic), so
  // beyond durationToStart whenever that is shorter: the division is skipped, with the same result.
  if (isCounter && !(first >= result && durationToStart < sampledInterval)) {
    let durationToZero = durationToStart;
    if (result > 0 && first >= 0) durationToZero = sampledInterval * (first / result);
    if (durationToZero < durationToStart) return result * extrapolationFactor(sampledInterval, durationToZero, m.toEnd, isRate, m.rangeSeconds);
  }
  return result * m.factor;
}

/** Fills {@link timing} for a window with these gaps (ms), sample count, range (ms) and kind. */
function setTiming(startGap: number, endGap: number, span: number, n: number, rangeMs: number, isRate: boolean): void {
  const m = timing;
  m.startGap = startGap;
  m.endGap = endGap;
  m.span = span;
  m.n = n;
  m.rangeMs = rangeMs;
  m.isRate = isRate;
  const sampledInterval = span / 1000;
  const averageDurationBetweenSamples = sampledInterval / (n - 1);
  const extrapolationThreshold = averageDurationBetweenSamples * 1.1;
  let durationToStart = startGap / 1000;
  let durationToEnd = endGap / 1000;
  if (durationToStart >= extrapolationThreshold) durationToStart = averageDurationBetweenSamples / 2;
  if (durationToEnd >= extrapolationThreshold) durationToEnd = averageDurationBetweenSamples / 2;
  m.toStart = durationToStart;
  m.toEnd = durationToEnd;
  m.sampled = sampledInterval;
  m.rangeSeconds = rangeMs / 1000;
  m.factor = extrapolationFactor(sampledInterval, durationToStart, durationToEnd, isRate, m.rangeSeconds);
}

/** One series' samples and the steps' windows for a fused step loop (`RangeFunction.slide`). */
export interface Slide {
  ts: Float64Array;
  vs: Float64Array;
  count: number;
  /**
   * As `Window.resets` (`range.ts`), for functions with `RangeFunction.resetCounts`; read only
   * when the last count is not 0, so for a series without a reset only that one need be set.
   */
  resets: Int32Array;
  /** Window end (ms, inclusive) at each step; windows are (end − rangeMs, end]. */
  ends: Float64Array;
  rangeMs: number;
  /** Result value and presence per step (written where there is a point; left alone elsewhere). */
  out: Float64Array;
  has: Uint8Array;
  /** Samples windowed per step are added here when not null (query stats). */
  perStep: Float64Array | null;
  /** Samples windowed at all steps, added by the loop. */
  windowed: number;
  /** Windows kept across the series of one evaluation (same `ends`, `rangeMs` and function), or none. */
  windows?: SlideWindows;
}

/**
 * `rate`/`increase`/`delta` at every step of one series over plain ranges, the window slid as the
 * evaluator's general loop slides it (forward; back to the start where the ends go back, as with
 * `@`), and each window's value computed as the kernel computes it. Returns the number of points.
 * With {@link Slide.windows}, the windows of timestamps met before are read instead of slid.
 */
export function slideExtrapolatedRate(s: Slide, isCounter: boolean, isRate: boolean): number {
  const { ts, vs, count, resets, ends, rangeMs, out, has, perStep } = s;
  const mayReset = isCounter && count > 1 && resets[count - 1]! !== 0;
  if (s.windows !== undefined && count > 0) {
    const set = s.windows.find(ts, count) ?? fillWindows(s, s.windows.add(ts, count), isRate);
    if (set !== null) return extrapolatedRates(s, set, isCounter, isRate, mayReset);
  }
  let lo = 0;
  let hi = 0;
  let points = 0;
  let windowed = 0;
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i]!;
    const start = end - rangeMs;
    if (i > 0 && end < ends[i - 1]!) {
      lo = 0;
      hi = 0;
    }
    while (lo < count && ts[lo]! <= start) lo++;
    if (hi < lo) hi = lo;
    while (hi < count && ts[hi]! <= end) hi++;
    if (hi === lo) continue;
    windowed += hi - lo;
    if (perStep !== null) perStep[i]! += hi - lo;
    if (hi - lo < 2) continue;
    out[i] = extrapolatedValue(ts, vs, resets, lo, hi, start, end, rangeMs, isCounter, isRate, mayReset);
    has[i] = 1;
    points++;
  }
  s.windowed += windowed;
  return points;
}

/**
 * Fills `set` (null: returns null) with the windows of `s` at each step, slid as
 * {@link slideExtrapolatedRate} slides them, and their timing terms for `rate` (`isRate`) or
 * `increase`/`delta`: the extrapolation factor, and whether a counter's zero point is too far
 * to shorten the start whenever the window's first value is at least its change.
 */
function fillWindows(s: Slide, set: WindowSet | null, isRate: boolean): WindowSet | null {
  if (set === null) return null;
  const { ts, count, ends, rangeMs } = s;
  const m = timing;
  let lo = 0;
  let hi = 0;
  let windowed = 0;
  let quickAll = true;
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i]!;
    const start = end - rangeMs;
    if (i > 0 && end < ends[i - 1]!) {
      lo = 0;
      hi = 0;
    }
    while (lo < count && ts[lo]! <= start) lo++;
    if (hi < lo) hi = lo;
    while (hi < count && ts[hi]! <= end) hi++;
    set.lo[i] = lo;
    set.hi[i] = hi;
    windowed += hi - lo;
    if (hi - lo < 2) continue;
    const startGap = ts[lo]! - start;
    const endGap = end - ts[hi - 1]!;
    const span = ts[hi - 1]! - ts[lo]!;
    const n = hi - lo;
    if (startGap !== m.startGap || endGap !== m.endGap || span !== m.span || n !== m.n || rangeMs !== m.rangeMs || isRate !== m.isRate) {
      setTiming(startGap, endGap, span, n, rangeMs, isRate);
    }
    set.factor[i] = m.factor;
    set.quick[i] = m.toStart < m.sampled ? 1 : 0;
    quickAll &&= set.quick[i] === 1;
  }
  set.windowed = windowed;
  set.quickAll = quickAll;
  return set;
}

/**
 * {@link slideExtrapolatedRate} over windows found before (`set`, for `s`'s timestamps): the
 * same values, bit for bit. A window without a counter reset whose terms hold for any values
 * is `change × factor`, as {@link extrapolatedValue} computes it; any other goes through
 * {@link extrapolatedValue}.
 */
function extrapolatedRates(s: Slide, set: WindowSet, isCounter: boolean, isRate: boolean, mayReset: boolean): number {
  const { ts, vs, resets, ends, rangeMs, out, has, perStep } = s;
  const { lo: los, hi: his, factor, quick } = set;
  let points = 0;
  if (!mayReset && set.quickAll) {
    for (let i = 0; i < ends.length; i++) {
      const lo = los[i]!;
      const hi = his[i]!;
      if (hi - lo < 2) continue;
      const first = vs[lo]!;
      const result = vs[hi - 1]! - first;
      if (!isCounter || first >= result) {
        out[i] = result * factor[i]!;
      } else {
        const end = ends[i]!;
        out[i] = extrapolatedValue(ts, vs, resets, lo, hi, end - rangeMs, end, rangeMs, isCounter, isRate, mayReset);
      }
      has[i] = 1;
      points++;
    }
  } else for (let i = 0; i < ends.length; i++) {
    const lo = los[i]!;
    const hi = his[i]!;
    if (hi - lo < 2) continue;
    const first = vs[lo]!;
    const result = vs[hi - 1]! - first;
    if (!(mayReset && resets[hi - 1]! !== resets[lo]!) && !(isCounter && !(quick[i] === 1 && first >= result))) {
      out[i] = result * factor[i]!;
    } else {
      const end = ends[i]!;
      out[i] = extrapolatedValue(ts, vs, resets, lo, hi, end - rangeMs, end, rangeMs, isCounter, isRate, mayReset);
    }
    has[i] = 1;
    points++;
  }
  if (perStep !== null) for (let i = 0; i < ends.length; i++) perStep[i]! += his[i]! - los[i]!;
  s.windowed += set.windowed;
  return points;
}
