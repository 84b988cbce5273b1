/**
 * Functions over range vectors (`rate`, `*_over_time`, …), as upstream `promql/functions.go`.
 *
 * Each is a kernel over one window of one series: samples `ts[lo..hi)`, `vs[lo..hi)` (ms, no
 * staleness markers) for the range `(rangeStart, rangeEnd]`. The engine slides the window over
 * the decoded samples step by step and calls the kernel; a kernel writes its result to `w.out`
 * and returns true, or returns false for "no point at this step". Kernels do not allocate.
 */
import { formatGoFloat } from '../../model/gofloat.js';
import { PromQLError } from '../errors.js';
import { kahan, kahanInc, quantile, Scratch } from './math.js';
import { extrapolatedValue, slideExtrapolatedRate, type Slide } from './extrapolation.js';

/** One window of one series, reused across steps and series. */
export interface Window {
  ts: Float64Array;
  vs: Float64Array;
  lo: number;
  hi: number;
  /** Exclusive lower bound of the range (ms). */
  rangeStart: number;
  /** Inclusive upper bound of the range (ms). */
  rangeEnd: number;
  /** The selector's range (ms). */
  rangeMs: number;
  /** The evaluation step's timestamp (ms). */
  evalT: number;
  /** Values of the function's scalar arguments at this step, in argument order. */
  args: Float64Array;
  /** Adds a warning annotation at the range argument's position. */
  warn: (msg: string) => void;
  /**
   * `anchored` / `smoothed` range selectors (experimental): the window then also holds the
   * samples up to one lookback delta before `rangeStart` (and, smoothed, after `rangeEnd`).
   */
  anchored: boolean;
  smoothed: boolean;
  /**
   * For functions with {@link RangeFunction.resetCounts}: `resets[i]` is the number of counter
   * resets (`vs[k] < vs[k-1]`, 1 ≤ k ≤ i) among the series' first i+1 samples, so a window
   * [lo, hi) holds `resets[hi-1] - resets[lo]` of them. Length ≥ the series' sample count.
   */
  resets: Int32Array;
  /** Result of the kernel. */
  out: number;
}

/** A range function: its kernel and how it treats the metric name. */
export interface RangeFunction {
  kernel: (w: Window) => boolean;
  /** Accepts `anchored` / `smoothed` range selectors (upstream `AnchoredSafeFunctions`, `SmoothedSafeFunctions`). */
  anchored?: boolean;
  smoothed?: boolean;
  /** True for `first_over_time`/`last_over_time`, which act like `offset` and keep `__name__`. */
  keepName?: boolean;
  /** True for `rate`/`increase`: add the "might not be a counter" info for suspicious names. */
  counterInfo?: boolean;
  /** The kernel reads {@link Window.resets} (the evaluator fills it per series). */
  resetCounts?: boolean;
  /**
   * The kernel fused with the step loop, for plain (not anchored or smoothed) ranges: gives what
   * sliding the window and calling the kernel at each step gives, without the per-step call and
   * {@link Window} updates. Returns the number of points.
   */
  slide?: (s: Slide) => number;
}

/** Linear interpolation at `t` between samples a and b; a counter reset makes the left value 0. */
function interpolate(w: Window, a: number, b: number, t: number, isCounter: boolean): number {
  let y1 = w.vs[a]!;
  const y2 = w.vs[b]!;
  if (isCounter && y2 < y1) y1 = 0;
  return y1 + ((y2 - y1) * (t - w.ts[a]!)) / (w.ts[b]! - w.ts[a]!);
}

/**
 * rate/increase/delta over an anchored or smoothed range, as upstream `extendedRate`: the value
 * at the range start is the last sample at or before it (anchored) or interpolated (smoothed),
 * likewise at the end when smoothed; no extrapolation.
 */
function extendedRate(w: Window, isCounter: boolean, isRate: boolean): boolean {
  const { ts, vs, lo, hi, rangeStart, rangeEnd, smoothed } = w;
  let last = hi - 1;
  let s = lo;
  while (s < last && !(ts[s]! > rangeStart)) s++;
  let first = Math.max(lo, s - 1);
  if (smoothed) {
    let e = lo;
    while (e < last && !(ts[e]! >= rangeEnd)) e++;
    last = e;
  }
  if (ts[last]! <= rangeStart) return false;
  if (smoothed && ts[first]! > rangeEnd) return false;
  const left = smoothed && ts[first]! < rangeStart ? interpolate(w, first, first + 1, rangeStart, isCounter) : vs[first]!;
  const right = smoothed && last > lo && ts[last]! > rangeEnd ? interpolate(w, last - 1, last, rangeEnd, isCounter) : vs[last]!;
  let result = right - left;
  if (isCounter) {
    if (ts[first]! <= rangeStart) first++;
    if (ts[last]! >= rangeEnd) last--;
    let correction = 0;
    let prev = left;
    for (let i = first; i <= last; i++) {
      if (vs[i]! < prev) correction += prev;
      prev = vs[i]!;
    }
    if (right < prev) correction += prev;
    result += correction;
  }
  if (isRate) result /= w.rangeMs / 1000;
  w.out = result;
  return true;
}

/**
 * First sample index for `changes`/`resets`: with an anchored range, the last sample at or before
 * the range start (upstream `pickFirstSampleIndices`); -1 when no sample is inside the range.
 */
function firstIndex(w: Window): number {
  if (!w.anchored) return w.lo;
  let s = w.lo;
  while (s < w.hi && !(w.ts[s]! > w.rangeStart)) s++;
  if (s >= w.hi) return -1;
  return s > w.lo ? s - 1 : w.lo;
}

function extrapolatedRate(w: Window, isCounter: boolean, isRate: boolean): boolean {
  if (w.anchored || w.smoothed) return extendedRate(w, isCounter, isRate);
  if (w.hi - w.lo < 2) return false;
  w.out = extrapolatedValue(w.ts, w.vs, w.resets, w.lo, w.hi, w.rangeStart, w.rangeEnd, w.rangeMs, isCounter, isRate, isCounter);
  return true;
}

function instantValue(w: Window, isRate: boolean): boolean {
  const { ts, vs, hi } = w;
  if (hi - w.lo < 2) return false;
  const prev = vs[hi - 2]!;
  const last = vs[hi - 1]!;
  const interval = ts[hi - 1]! - ts[hi - 2]!;
  if (interval === 0) return false;
  let result = last;
  if (!isRate || !(last < prev)) result = last - prev;
  if (isRate) result /= interval / 1000;
  w.out = result;
  return true;
}

function avgOverTime(w: Window): boolean {
  const { vs, lo, hi } = w;
  if (hi <= lo) return false;
  let sum = vs[lo]!;
  let count = 1;
  let mean = 0;
  let c = 0;
  let incremental = false;
  for (let i = lo + 1; i < hi; i++) {
    const f = vs[i]!;
    count = i - lo + 1;
    if (!incremental) {
      const newSum = kahanInc(f, sum, c);
      if (newSum !== Infinity && newSum !== -Infinity) {
        sum = newSum;
        c = kahan.c;
        continue;
      }
      // The sum would overflow: continue with the incremental mean from here on.
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    const q = (count - 1) / count;
    mean = kahanInc(f / count, q * mean, q * c);
    c = kahan.c;
  }
  w.out = incremental ? mean + c : sum / count + c / count;
  return true;
}

function sumOverTime(w: Window): boolean {
  const { vs, lo, hi } = w;
  if (hi <= lo) return false;
  let sum = 0;
  let c = 0;
  for (let i = lo; i < hi; i++) {
    sum = kahanInc(vs[i]!, sum, c);
    c = kahan.c;
  }
  w.out = sum === Infinity || sum === -Infinity ? sum : sum + c;
  return true;
}

function compareOverTime(w: Window, pick: (cur: number, best: number) => boolean, timestamp: boolean): boolean {
  const { ts, vs, lo, hi } = w;
  if (hi <= lo) return false;
  let best = vs[lo]!;
  let bestT = ts[lo]!;
  for (let i = lo; i < hi; i++) {
    if (pick(vs[i]!, best)) {
      best = vs[i]!;
      bestT = ts[i]!;
    }
  }
  w.out = timestamp ? bestT / 1000 : best;
  return true;
}

const isMax = (cur: number, best: number) => cur > best || Number.isNaN(best);
const isMin = (cur: number, best: number) => cur < best || Number.isNaN(best);
const isMaxOrEqual = (cur: number, best: number) => cur >= best || Number.isNaN(best);
const isMinOrEqual = (cur: number, best: number) => cur <= best || Number.isNaN(best);

function varianceOverTime(w: Window, sqrt: boolean): boolean {
  const { vs, lo, hi } = w;
  if (hi <= lo) return false;
  let count = 0;
  let mean = 0;
  let cMean = 0;
  let aux = 0;
  let cAux = 0;
  for (let i = lo; i < hi; i++) {
    const f = vs[i]!;
    count++;
    const delta = f - (mean + cMean);
    mean = kahanInc(delta / count, mean, cMean);
    cMean = kahan.c;
    aux = kahanInc(delta * (f - (mean + cMean)), aux, cAux);
    cAux = kahan.c;
  }
  const variance = (aux + cAux) / count;
  w.out = sqrt ? Math.sqrt(variance) : variance;
  return true;
}

const scratch = new Scratch();

function quantileOverTime(w: Window): boolean {
  const { vs, lo, hi } = w;
  if (hi <= lo) return false;
  const q = w.args[0]!;
  if (Number.isNaN(q) || q < 0 || q > 1) w.warn(`quantile value should be between 0 and 1, got ${formatGoFloat(q)}`);
  const n = hi - lo;
  const buf = scratch.ensure(n);
  buf.set(vs.subarray(lo, hi));
  w.out = quantile(q, buf, n);
  return true;
}

function madOverTime(w: Window): boolean {
  const { vs, lo, hi } = w;
  if (hi <= lo) return false;
  const n = hi - lo;
  const buf = scratch.ensure(n);
  for (let i = 0; i < n; i++) {
    const f = vs[lo + i]!;
    if (Number.isNaN(f)) {
      w.out = NaN;
      return true;
    }
    buf[i] = f;
  }
  const median = quantile(0.5, buf, n);
  for (let i = 0; i < n; i++) buf[i] = Math.abs(buf[i]! - median);
  w.out = quantile(0.5, buf, n);
  return true;
}

function changes(w: Window): boolean {
  const { vs, hi } = w;
  const lo = firstIndex(w);
  if (lo < 0 || hi <= lo) return false;
  let n = 0;
  for (let i = lo + 1; i < hi; i++) {
    const prev = vs[i - 1]!;
    const cur = vs[i]!;
    if (cur !== prev && !(Number.isNaN(cur) && Number.isNaN(prev))) n++;
  }
  w.out = n;
  return true;
}

function resets(w: Window): boolean {
  const { vs, hi } = w;
  const lo = firstIndex(w);
  if (lo < 0 || hi <= lo) return false;
  let n = 0;
  for (let i = lo + 1; i < hi; i++) if (vs[i]! < vs[i - 1]!) n++;
  w.out = n;
  return true;
}

const regression = { slope: 0, intercept: 0 };

/** Least-squares fit of the window against time in seconds relative to `interceptTime` (ms). */
function linearRegression(w: Window, interceptTime: number): void {
  const { ts, vs, lo, hi } = w;
  let n = 0;
  let sumX = 0;
  let cX = 0;
  let sumY = 0;
  let cY = 0;
  let sumXY = 0;
  let cXY = 0;
  let sumX2 = 0;
  let cX2 = 0;
  const initY = vs[lo]!;
  let constY = true;
  for (let i = lo; i < hi; i++) {
    const y = vs[i]!;
    if (constY && i > lo && y !== initY) constY = false;
    n += 1;
    const x = (ts[i]! - interceptTime) / 1e3;
    sumX = kahanInc(x, sumX, cX);
    cX = kahan.c;
    sumY = kahanInc(y, sumY, cY);
    cY = kahan.c;
    sumXY = kahanInc(x * y, sumXY, cXY);
    cXY = kahan.c;
    sumX2 = kahanInc(x * x, sumX2, cX2);
    cX2 = kahan.c;
  }
  if (constY) {
    if (initY === Infinity || initY === -Infinity) {
      regression.slope = NaN;
      regression.intercept = NaN;
    } else {
      regression.slope = 0;
      regression.intercept = initY;
    }
    return;
  }
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  regression.slope = covXY / varX;
  regression.intercept = sumY / n - (regression.slope * sumX) / n;
}

function deriv(w: Window): boolean {
  if (w.hi - w.lo < 2) return false;
  linearRegression(w, w.ts[w.lo]!);
  w.out = regression.slope;
  return true;
}

function predictLinear(w: Window): boolean {
  if (w.hi - w.lo < 2) return false;
  linearRegression(w, w.evalT);
  w.out = regression.slope * w.args[0]! + regression.intercept;
  return true;
}

/** Holt's double exponential smoothing with smoothing factor `sf` and trend factor `tf`. */
function doubleExponentialSmoothing(w: Window): boolean {
  const { vs, lo, hi } = w;
  const sf = w.args[0]!;
  const tf = w.args[1]!;
  if (!(sf > 0 && sf < 1)) {
    throw new PromQLError('execution', `invalid smoothing factor. Expected: 0 < sf < 1, got: ${sf.toFixed(6)}`);
  }
  if (!(tf > 0 && tf < 1)) {
    throw new PromQLError('execution', `invalid trend factor. Expected: 0 < tf < 1, got: ${tf.toFixed(6)}`);
  }
  if (hi - lo < 2) return false;
  let s0 = 0;
  let s1 = vs[lo]!;
  let b = vs[lo + 1]! - vs[lo]!;
  for (let i = 1; i < hi - lo; i++) {
    const x = sf * vs[lo + i]!;
    if (i - 1 > 0) b = tf * (s1 - s0) + (1 - tf) * b;
    const y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  w.out = s1;
  return true;
}

/** Every range-vector function by name. `absent_over_time` is handled by the engine. */
export const RANGE_FUNCTIONS: ReadonlyMap<string, RangeFunction> = new Map<string, RangeFunction>([
  ['rate', { kernel: (w) => extrapolatedRate(w, true, true), slide: (s) => slideExtrapolatedRate(s, true, true), counterInfo: true, resetCounts: true, anchored: true, smoothed: true }],
  ['increase', { kernel: (w) => extrapolatedRate(w, true, false), slide: (s) => slideExtrapolatedRate(s, true, false), counterInfo: true, resetCounts: true, anchored: true, smoothed: true }],
  ['delta', { kernel: (w) => extrapolatedRate(w, false, false), slide: (s) => slideExtrapolatedRate(s, false, false), anchored: true, smoothed: true }],
  ['irate', { kernel: (w) => instantValue(w, true) }],
  ['idelta', { kernel: (w) => instantValue(w, false) }],
  ['avg_over_time', { kernel: avgOverTime }],
  ['sum_over_time', { kernel: sumOverTime }],
  ['count_over_time', { kernel: (w) => ((w.out = w.hi - w.lo), w.hi > w.lo) }],
  ['min_over_time', { kernel: (w) => compareOverTime(w, isMin, false) }],
  ['max_over_time', { kernel: (w) => compareOverTime(w, isMax, false) }],
  ['ts_of_min_over_time', { kernel: (w) => compareOverTime(w, isMinOrEqual, true) }],
  ['ts_of_max_over_time', { kernel: (w) => compareOverTime(w, isMaxOrEqual, true) }],
  ['ts_of_first_over_time', { kernel: (w) => ((w.out = w.ts[w.lo]! / 1000), w.hi > w.lo) }],
  ['ts_of_last_over_time', { kernel: (w) => ((w.out = w.ts[w.hi - 1]! / 1000), w.hi > w.lo) }],
  ['first_over_time', { kernel: (w) => ((w.out = w.vs[w.lo]!), w.hi > w.lo), keepName: true }],
  ['last_over_time', { kernel: (w) => ((w.out = w.vs[w.hi - 1]!), w.hi > w.lo), keepName: true }],
  ['present_over_time', { kernel: (w) => ((w.out = 1), w.hi > w.lo) }],
  ['stddev_over_time', { kernel: (w) => varianceOverTime(w, true) }],
  ['stdvar_over_time', { kernel: (w) => varianceOverTime(w, false) }],
  ['quantile_over_time', { kernel: quantileOverTime }],
  ['mad_over_time', { kernel: madOverTime }],
  ['changes', { kernel: changes, anchored: true }],
  ['resets', { kernel: resets, anchored: true }],
  ['deriv', { kernel: deriv }],
  ['predict_linear', { kernel: predictLinear }],
  ['double_exponential_smoothing', { kernel: doubleExponentialSmoothing }],
]);
