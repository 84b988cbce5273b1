/**
 * Numeric helpers shared by functions and aggregations, with upstream's exact float behaviour:
 * Kahan–Neumaier summation (`util/kahansum`), PromQL's `quantile` (NaN sorts first, linear
 * interpolation between closest ranks) and the relative float comparison of `util/almost`.
 */
import { formatGoFloat } from '../../model/gofloat.js';

/** Compensation term written by {@link kahanInc} (avoids returning a tuple per call). */
export const kahan = { c: 0 };

/**
 * One Kahan–Neumaier step: returns `sum + inc` and leaves the new compensation in `kahan.c`
 * (`c` is the old compensation). When the sum overflows to ±Inf the compensation resets to 0.
 */
export function kahanInc(inc: number, sum: number, c: number): number {
  const t = sum + inc;
  kahan.c = kahanComp(inc, sum, t, c);
  return t;
}

/**
 * The compensation after the Kahan–Neumaier step `t = sum + inc` (`c` the old one): what
 * {@link kahanInc} leaves in `kahan.c`, for loops that keep the terms in arrays.
 */
export function kahanComp(inc: number, sum: number, t: number, c: number): number {
  if (t === Infinity || t === -Infinity) return 0;
  return Math.abs(sum) >= Math.abs(inc) ? c + (sum - t + inc) : c + (inc - t + sum);
}

/**
 * Sorts `a[0..n)` ascending with NaNs first, as upstream sorts with `vectorByValueHeap`
 * (where NaN is "less" than everything).
 */
function sortNaNFirst(a: Float64Array, n: number): void {
  const view = a.subarray(0, n);
  view.sort();
  let nans = 0;
  while (nans < n && Number.isNaN(view[n - 1 - nans]!)) nans++;
  if (nans === 0 || nans === n) return;
  view.copyWithin(nans, 0, n - nans);
  view.fill(NaN, 0, nans);
}

/**
 * PromQL quantile of `a[0..n)` (sorted in place): `-Inf` for q < 0, `+Inf` for q > 1, NaN for
 * NaN q or no values; else linear interpolation at rank `q·(n−1)`.
 */
export function quantile(q: number, a: Float64Array, n: number): number {
  if (n === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  sortNaNFirst(a, n);
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return a[lower]! * (1 - weight) + a[upper]! * weight;
}

const MIN_NORMAL = 2.2250738585072014e-308;

/**
 * Upstream `almost.Equal`: equal, both NaN, or relatively closer than `epsilon` (absolute near
 * zero).
 */
export function almostEqual(a: number, b: number, epsilon: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < epsilon * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon;
}

/** A growable scratch buffer, reused to avoid allocating per step. */
export class Scratch {
  buf = new Float64Array(16);

  /** The buffer, grown to hold at least `n` values (contents kept only up to the old length). */
  ensure(n: number): Float64Array {
    if (this.buf.length < n) {
      const next = new Float64Array(Math.max(n, this.buf.length * 2));
      next.set(this.buf);
      this.buf = next;
    }
    return this.buf;
  }
}

/**
 * Go `strconv.FormatFloat(v, 'f', -1, 64)`: shortest round-trip digits, never in exponent form
 * (`1e+21` → `1000000000000000000000`); `NaN`, `+Inf`, `-Inf`.
 */
export function formatF(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const s = String(v);
  if (!s.includes('e')) return s;
  const [mant, e] = s.split('e') as [string, string];
  const exp = Number(e);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const intLen = (mant.replace('-', '').indexOf('.') < 0 ? mant.replace('-', '').length : mant.replace('-', '').indexOf('.')) + exp;
  let out: string;
  if (intLen <= 0) out = `0.${'0'.repeat(-intLen)}${digits}`;
  else if (intLen >= digits.length) out = digits + '0'.repeat(intLen - digits.length);
  else out = `${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
  return neg ? `-${out}` : out;
}

/**
 * Upstream `labels.FormatOpenMetricsFloat`: {@link formatGoFloat}, with `.0` appended when the text has
 * neither `.` nor `e` (`1` → `1.0`, `0.25` → `0.25`, `1e+06` stays).
 */
export function formatOpenMetricsFloat(v: number): string {
  const s = formatGoFloat(v);
  if (Number.isNaN(v) || !Number.isFinite(v) || /[.e]/.test(s)) return s;
  return `${s}.0`;
}
