/**
 * `histogram_quantile` and `histogram_fraction` over classic histograms (series with an `le`
 * label), as upstream `promql/quantile.go`: buckets of one histogram are the input series that
 * are equal but for `le`; the result keeps their labels without `le`.
 *
 * Grouping, `le` parsing and the bucket order are computed once per query; each step then only
 * gathers the present buckets of each group into scratch arrays.
 */
import { formatGoFloat, parseGoFloat } from '../../model/gofloat.js';
import { get as labelOf, key, LabelsBuilder, METRIC_NAME, type Labels } from '../../model/labels.js';
import type { Call } from '../ast.js';
import type { Evaluator } from '../engine/evaluator.js';
import { hasAnyPoint, newStepSeries, stepTime, type Grid, type StepSeries, type VectorValue } from '../engine/types.js';
import { DUPLICATE_LABELSET } from '../engine/merge.js';
import { PromQLError } from '../errors.js';
import { almostEqual, formatOpenMetricsFloat, Scratch } from './math.js';

/** Counts closer than this (relative) are treated as equal when fixing monotonicity. */
const SMALL_DELTA_TOLERANCE = 1e-12;

interface BucketGroup {
  labels: Labels;
  metricName: string;
  /** Input series of the group, ordered by upper bound. */
  members: StepSeries[];
  bounds: number[];
  out: StepSeries;
}

/** Groups classic-histogram bucket series; warns about series with a bad `le`. */
function groupBuckets(v: VectorValue, g: Grid, ev: Evaluator, call: Call, argIndex: number): BucketGroup[] {
  const groups = new Map<string, BucketGroup>();
  const order: BucketGroup[] = [];
  const b = new LabelsBuilder();
  for (const s of v.series) {
    const le = labelOf(s.labels, 'le');
    const ub = parseGoFloat(le);
    if (ub === undefined) {
      const name = labelOf(s.labels, METRIC_NAME);
      ev.ctx.annotations.warn(
        `bucket label "le" is missing or has a malformed value of ${JSON.stringify(le)}${name ? ` for metric name ${JSON.stringify(name)}` : ''}`,
        call.args[argIndex]!.pos,
      );
      continue;
    }
    const labels = b.reset(s.labels).del('le').labels();
    const k = key(labels);
    let grp = groups.get(k);
    if (!grp) {
      grp = { labels, metricName: labelOf(labels, METRIC_NAME), members: [], bounds: [], out: newStepSeries(labels, g.n, true) };
      groups.set(k, grp);
      order.push(grp);
    }
    grp.members.push(s);
    grp.bounds.push(ub);
  }
  for (const grp of order) {
    const idx = grp.members.map((_, i) => i).sort((x, y) => grp.bounds[x]! - grp.bounds[y]!);
    grp.members = idx.map((i) => grp.members[i]!);
    grp.bounds = idx.map((i) => grp.bounds[i]!);
  }
  return order;
}

const ubs = new Scratch();
const counts = new Scratch();

/** Gathers the group's buckets present at step i, coalescing equal bounds; returns their number. */
function gather(grp: BucketGroup, i: number): number {
  const ub = ubs.ensure(grp.members.length);
  const cnt = counts.ensure(grp.members.length);
  let n = 0;
  for (let m = 0; m < grp.members.length; m++) {
    const s = grp.members[m]!;
    if (!s.has[i]) continue;
    const bound = grp.bounds[m]!;
    if (n > 0 && ub[n - 1] === bound) {
      cnt[n - 1]! += s.vs[i]!;
      continue;
    }
    ub[n] = bound;
    cnt[n] = s.vs[i]!;
    n++;
  }
  return n;
}

/** Forced-monotonicity details of one bucket quantile computation. */
const monotonicity = { forced: false, minBucket: Infinity, maxBucket: -Infinity, maxDiff: 0 };

/** Makes cumulative counts monotonic (upstream `ensureMonotonicAndIgnoreSmallDeltas`). */
function ensureMonotonic(ub: Float64Array, cnt: Float64Array, n: number): void {
  monotonicity.forced = false;
  monotonicity.minBucket = Infinity;
  monotonicity.maxBucket = -Infinity;
  monotonicity.maxDiff = 0;
  let prev = cnt[0]!;
  for (let i = 1; i < n; i++) {
    const curr = cnt[i]!;
    if (curr === prev) continue;
    if (almostEqual(prev, curr, SMALL_DELTA_TOLERANCE)) {
      cnt[i] = prev;
      continue;
    }
    if (curr < prev) {
      cnt[i] = prev;
      monotonicity.forced = true;
      if (ub[i]! < monotonicity.minBucket) monotonicity.minBucket = ub[i]!;
      if (ub[i]! > monotonicity.maxBucket) monotonicity.maxBucket = ub[i]!;
      if (prev - curr > monotonicity.maxDiff) monotonicity.maxDiff = prev - curr;
      continue;
    }
    prev = curr;
  }
}

/** Upstream `BucketQuantile` over sorted, coalesced buckets `ub[0..n)`, `cnt[0..n)`. */
function bucketQuantile(q: number, ub: Float64Array, cnt: Float64Array, n: number): number {
  monotonicity.forced = false;
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  if (n === 0 || ub[n - 1] !== Infinity) return NaN;
  ensureMonotonic(ub, cnt, n);
  if (n < 2) return NaN;
  const observations = cnt[n - 1]!;
  if (observations === 0) return NaN;
  let rank = q * observations;
  let b = 0;
  while (b < n - 1 && !(cnt[b]! >= rank)) b++;
  if (b === n - 1) return ub[n - 2]!;
  if (b === 0 && ub[0]! <= 0) return ub[0]!;
  let bucketStart = 0;
  const bucketEnd = ub[b]!;
  let count = cnt[b]!;
  if (b > 0) {
    bucketStart = ub[b - 1]!;
    count -= cnt[b - 1]!;
    rank -= cnt[b - 1]!;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

/** Upstream `BucketFraction`: estimated share of observations in `[lower, upper]`. */
function bucketFraction(lower: number, upper: number, ub: Float64Array, cnt: Float64Array, n: number): number {
  if (n === 0 || ub[n - 1] !== Infinity) return NaN;
  const count = cnt[n - 1]!;
  if (count === 0 || Number.isNaN(lower) || Number.isNaN(upper)) return NaN;
  if (lower >= upper) return 0;
  let rank = 0;
  let lowerRank = 0;
  let upperRank = 0;
  let lowerSet = false;
  let upperSet = false;
  let lowerBound = ub[0]! <= 0 ? -Infinity : 0;
  for (let i = 0; i < n; i++) {
    if (i > 0) lowerBound = ub[i - 1]!;
    const upperBound = ub[i]!;
    const c = cnt[i]!;
    const interpolate = (v: number) => (lowerBound === -Infinity ? c : rank + ((c - rank) * (v - lowerBound)) / (upperBound - lowerBound));
    if (!lowerSet && lowerBound >= lower) {
      lowerRank = rank;
      lowerSet = true;
    }
    if (!upperSet && lowerBound >= upper) {
      upperRank = rank;
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    if (!lowerSet && lowerBound < lower && upperBound > lower) {
      lowerRank = interpolate(lower);
      lowerSet = true;
    }
    if (!upperSet && lowerBound < upper && upperBound > upper) {
      upperRank = interpolate(upper);
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    rank = c;
  }
  if (!lowerSet || lowerRank > count) lowerRank = count;
  if (!upperSet || upperRank > count) upperRank = count;
  return (upperRank - lowerRank) / count;
}

/** Go `time.Unix(ms/1000, 0).UTC().Format(time.RFC3339)`. */
function rfc3339(ms: number): string {
  return new Date(Math.trunc(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Steps where bucket counts had to be made monotonic, summarised into one info annotation. */
class MonotonicityFixes {
  private count = 0;
  private minTs = Infinity;
  private maxTs = -Infinity;
  private minBucket = Infinity;
  private maxBucket = -Infinity;
  private maxDiff = 0;
  private name = '';

  /** Records the last {@link bucketQuantile} call if it forced monotonicity. */
  note(grp: BucketGroup, t: number): void {
    if (!monotonicity.forced) return;
    if (this.count === 0) this.name = grp.metricName;
    this.count++;
    this.minTs = Math.min(this.minTs, t);
    this.maxTs = Math.max(this.maxTs, t);
    this.minBucket = Math.min(this.minBucket, monotonicity.minBucket);
    this.maxBucket = Math.max(this.maxBucket, monotonicity.maxBucket);
    this.maxDiff = Math.max(this.maxDiff, monotonicity.maxDiff);
  }

  /** Adds the info annotation (upstream `NewHistogramQuantileForcedMonotonicityInfo`, merged). */
  report(ev: Evaluator, call: Call, argIndex: number): void {
    if (this.count === 0) return;
    // Upstream names the metric only with delayed name removal (else its name is already gone).
    const name = ev.ctx.delayedNameRemoval ? this.name : '';
    ev.ctx.annotations.info(
      'input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)' +
        (name ? ` for metric name ${JSON.stringify(name)}` : '') +
        `, from buckets ${formatGoFloat(this.minBucket)} to ${formatGoFloat(this.maxBucket)}, with a max diff of ${formatTwoDigits(this.maxDiff)}` +
        `, over ${this.count} samples from ${rfc3339(this.minTs)} to ${rfc3339(this.maxTs)}`,
      call.args[argIndex]!.pos,
    );
  }
}

function warnQuantile(ev: Evaluator, q: number, call: Call, argIndex: number): void {
  if (Number.isNaN(q) || q < 0 || q > 1) {
    ev.ctx.annotations.warn(`quantile value should be between 0 and 1, got ${formatGoFloat(q)}`, call.args[argIndex]!.pos);
  }
}

/**
 * `histogram_quantile(q, buckets)` for each step. Warns about q outside [0, 1]; adds one info
 * annotation summarising the steps where bucket counts had to be made monotonic.
 */
export function histogramQuantile(q: Float64Array, v: VectorValue, call: Call, g: Grid, ev: Evaluator): VectorValue {
  const groups = groupBuckets(v, g, ev, call, 1);
  const fixes = new MonotonicityFixes();
  for (let i = 0; i < g.n; i++) {
    const qi = q[i]!;
    warnQuantile(ev, qi, call, 0);
    for (const grp of groups) {
      const n = gather(grp, i);
      if (n === 0) continue;
      grp.out.vs[i] = bucketQuantile(qi, ubs.buf, counts.buf, n);
      grp.out.has[i] = 1;
      fixes.note(grp, stepTime(g, i));
    }
  }
  fixes.report(ev, call, 1);
  return { kind: 'vector', series: groups.map((grp) => grp.out).filter(hasAnyPoint) };
}

/**
 * `histogram_quantiles(buckets, "label", q1, q2, …)`: one series per histogram and quantile,
 * labelled `label="<q>"` (OpenMetrics float format).
 * @throws {PromQLError} `execution` when two outputs get the same labels at a step.
 */
export function histogramQuantiles(
  v: VectorValue,
  label: string,
  qs: Float64Array[],
  call: Call,
  g: Grid,
  ev: Evaluator,
): VectorValue {
  const groups = groupBuckets(v, g, ev, call, 0);
  const fixes = new MonotonicityFixes();
  const slots = new Map<string, StepSeries>();
  const order: StepSeries[] = [];
  const b = new LabelsBuilder();
  const slotFor = (grp: BucketGroup, q: number): StepSeries => {
    const labels = b.reset(grp.labels).set(label, formatOpenMetricsFloat(q)).labels();
    const k = key(labels);
    let s = slots.get(k);
    if (!s) {
      s = newStepSeries(labels, g.n, true);
      slots.set(k, s);
      order.push(s);
    }
    return s;
  };
  for (let i = 0; i < g.n; i++) {
    for (let a = 0; a < qs.length; a++) warnQuantile(ev, qs[a]![i]!, call, a + 2);
    for (const qv of qs) {
      const q = qv[i]!;
      for (const grp of groups) {
        const n = gather(grp, i);
        if (n === 0) continue;
        const value = bucketQuantile(q, ubs.buf, counts.buf, n);
        fixes.note(grp, stepTime(g, i));
        const out = slotFor(grp, q);
        if (out.has[i]) throw new PromQLError('execution', DUPLICATE_LABELSET);
        out.vs[i] = value;
        out.has[i] = 1;
      }
    }
  }
  fixes.report(ev, call, 0);
  return { kind: 'vector', series: order };
}

/** `histogram_fraction(lower, upper, buckets)` for each step. */
export function histogramFraction(
  lower: Float64Array,
  upper: Float64Array,
  v: VectorValue,
  call: Call,
  g: Grid,
  ev: Evaluator,
): VectorValue {
  const groups = groupBuckets(v, g, ev, call, 2);
  for (let i = 0; i < g.n; i++) {
    for (const grp of groups) {
      const n = gather(grp, i);
      if (n === 0) continue;
      grp.out.vs[i] = bucketFraction(lower[i]!, upper[i]!, ubs.buf, counts.buf, n);
      grp.out.has[i] = 1;
    }
  }
  return { kind: 'vector', series: groups.map((grp) => grp.out).filter(hasAnyPoint) };
}

/** Go `%.2g`. */
function formatTwoDigits(v: number): string {
  if (v === 0) return '0';
  const p = Number(v.toPrecision(2));
  return formatGoFloat(p);
}
