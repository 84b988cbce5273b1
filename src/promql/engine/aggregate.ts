/**
 * Aggregation operators, as upstream `aggregation`, `aggregationK`, `aggregationCountValues`.
 *
 * Input series are mapped to their group once per query; accumulators are typed-array columns of
 * `groups × steps`, filled series by series in input order (so the floating-point order of
 * operations per group and step matches upstream's).
 */
import { formatGoFloat } from '../../model/gofloat.js';
import { key, LabelsBuilder, METRIC_NAME, type Labels } from '../../model/labels.js';
import { labelsHash } from '../../model/xxhash.js';
import type { AggregateExpr } from '../ast.js';
import { PromQLError } from '../errors.js';
import { formatF, kahan, kahanInc, quantile, Scratch } from '../functions/math.js';
import type { Evaluator } from './evaluator.js';
import { hasAnyPoint, newStepSeries, type Grid, type StepSeries, type Value, type VectorValue } from './types.js';

/** Upstream's int64 limits for k (as float64). */
const MAX_INT64 = 2 ** 63;

interface Grouping {
  /** Group index of each input series. */
  groupOf: Int32Array;
  /** Labels of each group, in order of first appearance. */
  labels: Labels[];
}

function groupLabels(b: LabelsBuilder, ls: Labels, grouping: string[], without: boolean): Labels {
  if (without) return b.reset(ls).del(...grouping, METRIC_NAME).labels();
  if (grouping.length === 0) return [];
  return b.reset(ls).keep(grouping).labels();
}

function makeGroups(series: StepSeries[], grouping: string[], without: boolean): Grouping {
  const b = new LabelsBuilder();
  const index = new Map<string, number>();
  const labels: Labels[] = [];
  const groupOf = new Int32Array(series.length);
  for (let i = 0; i < series.length; i++) {
    const gl = groupLabels(b, series[i]!.labels, grouping, without);
    const k = key(gl);
    let gi = index.get(k);
    if (gi === undefined) {
      gi = labels.length;
      index.set(k, gi);
      labels.push(gl);
    }
    groupOf[i] = gi;
  }
  return { groupOf, labels };
}

/** Evaluates an aggregation over the grid. */
export function evalAggregate(ev: Evaluator, e: AggregateExpr, g: Grid): Value {
  if (e.op === 'count_values') return countValues(ev, e, g);
  const param = e.param && e.param.type !== 'StringLiteral' ? ev.evalScalar(e.param, g) : null;
  if (e.op === 'quantile') checkQuantileParam(ev, e, param!);
  const input = ev.evalVector(e.expr, g);
  if (e.op === 'topk' || e.op === 'bottomk' || e.op === 'limitk' || e.op === 'limit_ratio') {
    return selectK(ev, e, param!, input, g);
  }
  const { groupOf, labels } = makeGroups(input.series, e.grouping, e.without);
  const nGroups = labels.length;
  const n = g.n;
  const value = new Float64Array(nGroups * n);
  const comp = new Float64Array(nGroups * n);
  const mean = new Float64Array(nGroups * n);
  const count = new Float64Array(nGroups * n);
  const incremental = new Uint8Array(nGroups * n);
  /** Per group and step: some series aggregated there is to lose its name (upstream ORs per step). */
  const dropAt = new Uint8Array(nGroups * n);
  const op = e.op;

  if (op === 'quantile') return quantileAggregate(ev, input, groupOf, labels, param!, g);

  for (let si = 0; si < input.series.length; si++) {
    ev.checkDeadline();
    const s = input.series[si]!;
    const gi = groupOf[si]!;
    const base = gi * n;
    for (let i = 0; i < n; i++) {
      if (!s.has[i]) continue;
      const f = s.vs[i]!;
      const c = base + i;
      if (s.dropName) dropAt[c] = 1;
      if (count[c] === 0) {
        count[c] = 1;
        mean[c] = f;
        switch (op) {
          case 'group':
            value[c] = 1;
            break;
          case 'stddev':
          case 'stdvar':
            value[c] = Number.isFinite(f) ? 0 : NaN;
            break;
          default:
            value[c] = f;
        }
        continue;
      }
      count[c]!++;
      switch (op) {
        case 'sum':
          value[c] = kahanInc(f, value[c]!, comp[c]!);
          comp[c] = kahan.c;
          break;
        case 'avg': {
          const cnt = count[c]!;
          if (!incremental[c]) {
            const next = kahanInc(f, value[c]!, comp[c]!);
            if (next !== Infinity && next !== -Infinity) {
              value[c] = next;
              comp[c] = kahan.c;
              break;
            }
            // The running sum would overflow: switch to the incremental mean.
            incremental[c] = 1;
            mean[c] = value[c]! / (cnt - 1);
            comp[c] = comp[c]! / (cnt - 1);
          }
          const q = (cnt - 1) / cnt;
          mean[c] = kahanInc(f / cnt, q * mean[c]!, q * comp[c]!);
          comp[c] = kahan.c;
          break;
        }
        case 'max':
          if (value[c]! < f || Number.isNaN(value[c]!)) value[c] = f;
          break;
        case 'min':
          if (value[c]! > f || Number.isNaN(value[c]!)) value[c] = f;
          break;
        case 'stddev':
        case 'stdvar': {
          const delta = f - mean[c]!;
          mean[c] = mean[c]! + delta / count[c]!;
          value[c] = value[c]! + delta * (f - mean[c]!);
          break;
        }
        default:
          break;
      }
    }
  }

  const out: StepSeries[] = [];
  for (let gi = 0; gi < nGroups; gi++) {
    const r = newStepSeries(labels[gi]!, n, false);
    const base = gi * n;
    for (let i = 0; i < n; i++) {
      const c = base + i;
      const cnt = count[c]!;
      if (cnt === 0) continue;
      r.dropName = dropAt[c] === 1;
      let v: number;
      switch (op) {
        case 'sum':
          v = value[c]! + comp[c]!;
          break;
        case 'avg':
          v = incremental[c] ? mean[c]! + comp[c]! : value[c]! / cnt + comp[c]! / cnt;
          break;
        case 'count':
          v = cnt;
          break;
        case 'stdvar':
          v = value[c]! / cnt;
          break;
        case 'stddev':
          v = Math.sqrt(value[c]! / cnt);
          break;
        default:
          v = value[c]!;
      }
      r.vs[i] = v;
      r.has[i] = 1;
    }
    if (hasAnyPoint(r)) out.push(r);
  }
  return { kind: 'vector', series: out };
}

/**
 * Minimum, maximum and NaN presence of a parameter over the steps, as upstream `fParams`
 * (`math.Min`/`math.Max`, so one NaN makes both NaN).
 */
function paramStats(p: Float64Array): { min: number; max: number; nan: boolean } {
  let min = Number.MAX_VALUE;
  let max = -Number.MAX_VALUE;
  let nan = false;
  for (const v of p) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    if (Number.isNaN(v)) nan = true;
  }
  return { min, max, nan };
}

function checkQuantileParam(ev: Evaluator, e: AggregateExpr, q: Float64Array): void {
  const { min, max, nan } = paramStats(q);
  const pos = e.param!.pos;
  if (nan) ev.ctx.annotations.warn('quantile value should be between 0 and 1, got NaN', pos);
  if (max > 1) ev.ctx.annotations.warn(`quantile value should be between 0 and 1, got ${formatGoFloat(max)}`, pos);
  if (min < 0) ev.ctx.annotations.warn(`quantile value should be between 0 and 1, got ${formatGoFloat(min)}`, pos);
}

const scratch = new Scratch();

function quantileAggregate(
  ev: Evaluator,
  input: VectorValue,
  groupOf: Int32Array,
  labels: Labels[],
  q: Float64Array,
  g: Grid,
): VectorValue {
  const members: number[][] = labels.map(() => []);
  const dropName = labels.map(() => false);
  for (let si = 0; si < input.series.length; si++) {
    members[groupOf[si]!]!.push(si);
    if (input.series[si]!.dropName) dropName[groupOf[si]!] = true;
  }
  const out: StepSeries[] = [];
  for (let gi = 0; gi < labels.length; gi++) {
    const r = newStepSeries(labels[gi]!, g.n, dropName[gi]!);
    const idx = members[gi]!;
    const buf = scratch.ensure(idx.length);
    ev.checkDeadline();
    for (let i = 0; i < g.n; i++) {
      let k = 0;
      for (const si of idx) {
        const s = input.series[si]!;
        if (s.has[i]) buf[k++] = s.vs[i]!;
      }
      if (k === 0) continue;
      r.vs[i] = quantile(q[i]!, buf, k);
      r.has[i] = 1;
    }
    if (hasAnyPoint(r)) out.push(r);
  }
  return { kind: 'vector', series: out };
}

/**
 * A binary heap of series indexes with Go `container/heap` semantics, so that ties are resolved
 * exactly as upstream's topk/bottomk/limitk (which build such heaps) resolve them.
 */
class GoHeap {
  readonly items: number[] = [];

  constructor(private readonly less: (a: number, b: number) => boolean) {}

  private up(j: number): void {
    const h = this.items;
    for (;;) {
      const i = Math.trunc((j - 1) / 2);
      if (i === j || !this.less(h[j]!, h[i]!)) break;
      [h[i], h[j]] = [h[j]!, h[i]!];
      j = i;
    }
  }

  private down(i0: number, n: number): boolean {
    const h = this.items;
    let i = i0;
    for (;;) {
      const j1 = 2 * i + 1;
      if (j1 >= n) break;
      let j = j1;
      const j2 = j1 + 1;
      if (j2 < n && this.less(h[j2]!, h[j1]!)) j = j2;
      if (!this.less(h[j]!, h[i]!)) break;
      [h[i], h[j]] = [h[j]!, h[i]!];
      i = j;
    }
    return i > i0;
  }

  push(x: number): void {
    this.items.push(x);
    this.up(this.items.length - 1);
  }

  /** Replaces the top and restores the heap (`h[0] = x; heap.Fix(h, 0)`). */
  replaceTop(x: number): void {
    this.items[0] = x;
    if (!this.down(0, this.items.length)) this.up(0);
  }
}

/** Go's `sort.Sort` for up to 12 elements is an insertion sort: stable. Larger inputs use a stable sort too. */
function goSort(a: number[], less: (x: number, y: number) => boolean): void {
  if (a.length <= 12) {
    for (let i = 1; i < a.length; i++) {
      for (let j = i; j > 0 && less(a[j]!, a[j - 1]!); j--) [a[j], a[j - 1]] = [a[j - 1]!, a[j]!];
    }
    return;
  }
  a.sort((x, y) => (less(x, y) ? -1 : less(y, x) ? 1 : 0));
}

/** topk, bottomk, limitk, limit_ratio: each step keeps a subset of each group's input series. */
function selectK(ev: Evaluator, e: AggregateExpr, param: Float64Array, input: VectorValue, g: Grid): VectorValue {
  const { min, max, nan } = paramStats(param);
  const ratio = e.op === 'limit_ratio';
  if (ratio) {
    if (max === 0 && min === 0) return { kind: 'vector', series: [] };
    if (nan) throw new PromQLError('execution', 'Ratio value is NaN');
    if (max > 1) ev.ctx.annotations.warn(`ratio value should be between -1 and 1, got ${formatGoFloat(max)}, capping to 1`, e.param!.pos);
    if (min < -1) ev.ctx.annotations.warn(`ratio value should be between -1 and 1, got ${formatGoFloat(min)}, capping to -1`, e.param!.pos);
  } else {
    if (max < 1) return { kind: 'vector', series: [] };
    if (nan) throw new PromQLError('execution', 'Parameter value is NaN');
    if (min <= -MAX_INT64) throw new PromQLError('execution', `Scalar value ${formatGoFloat(min)} underflows int64`);
    if (max >= MAX_INT64) throw new PromQLError('execution', `Scalar value ${formatGoFloat(max)} overflows int64`);
  }
  const series = input.series;
  const { groupOf, labels } = makeGroups(series, e.grouping, e.without);
  const members: number[][] = labels.map(() => []);
  for (let si = 0; si < series.length; si++) members[groupOf[si]!]!.push(si);
  const offsets = ratio ? series.map((s) => Number(labelsHash(s.labels)) / 18446744073709551615) : [];
  const keep: Uint8Array[] = series.map(() => new Uint8Array(g.n));
  const instantOrder: number[] = [];
  let step = 0;
  const v = (si: number) => series[si]!.vs[step]!;
  // Upstream `vectorByValueHeap` / `vectorByReverseValueHeap` orders (NaN sorts as the top).
  const byValue = (a: number, b: number) => Number.isNaN(v(a)) || v(a) < v(b);
  const byReverseValue = (a: number, b: number) => Number.isNaN(v(a)) || v(a) > v(b);
  for (let i = 0; i < g.n; i++) {
    ev.checkDeadline();
    step = i;
    const p = param[i]!;
    const k = Math.min(Math.trunc(p), series.length);
    if (!ratio && k < 1) continue;
    if (ratio && p === 0) continue;
    const r = Math.max(-1, Math.min(1, p));
    for (const idx of members) {
      const heap = new GoHeap(e.op === 'bottomk' ? byReverseValue : byValue);
      for (const si of idx) {
        if (!series[si]!.has[i]) continue;
        const x = v(si);
        switch (e.op) {
          case 'topk':
          case 'bottomk': {
            if (heap.items.length < k) {
              heap.push(si);
              break;
            }
            const top = v(heap.items[0]!);
            const better = e.op === 'topk' ? top < x : top > x;
            if (better || (Number.isNaN(top) && !Number.isNaN(x))) heap.replaceTop(si);
            break;
          }
          case 'limitk':
            if (heap.items.length < k) heap.push(si);
            break;
          default:
            if ((r >= 0 && offsets[si]! < r) || (r < 0 && offsets[si]! >= 1 + r)) heap.push(si);
        }
      }
      const chosen = heap.items;
      // Instant results list topk descending and bottomk ascending (upstream sorts the heap in reverse).
      if (e.op === 'topk') goSort(chosen, (a, b) => byValue(b, a));
      else if (e.op === 'bottomk') goSort(chosen, (a, b) => byReverseValue(b, a));
      for (const si of chosen) {
        keep[si]![i] = 1;
        if (g.n === 1) instantOrder.push(si);
      }
    }
  }
  const out: StepSeries[] = [];
  const order = g.n === 1 ? instantOrder : series.map((_, si) => si);
  for (const si of order) {
    const s = series[si]!;
    const kept = keep[si]!;
    for (let i = 0; i < g.n; i++) if (!kept[i]) s.has[i] = 0;
    if (hasAnyPoint(s)) out.push(s);
  }
  return { kind: 'vector', series: out };
}

/** count_values("label", v): counts series per distinct value (Go `FormatFloat(v, 'f', -1)`). */
function countValues(ev: Evaluator, e: AggregateExpr, g: Grid): VectorValue {
  const valueLabel = (e.param as { val: string }).val;
  if (valueLabel === '') throw new PromQLError('execution', `invalid label name ${JSON.stringify(valueLabel)}`);
  const input = ev.evalVector(e.expr, g);
  const grouping = e.without ? e.grouping : [...e.grouping, valueLabel];
  const b = new LabelsBuilder();
  const slots = new Map<string, StepSeries>();
  const order: StepSeries[] = [];
  for (let i = 0; i < g.n; i++) {
    ev.checkDeadline();
    for (const s of input.series) {
      if (!s.has[i]) continue;
      b.reset(s.labels).set(valueLabel, formatF(s.vs[i]!));
      const gl = groupLabels(new LabelsBuilder(), b.labels(), grouping, e.without);
      const k = key(gl);
      let slot = slots.get(k);
      if (!slot) {
        slot = newStepSeries(gl, g.n, false);
        slots.set(k, slot);
        order.push(slot);
      }
      slot.vs[i] = slot.has[i] ? slot.vs[i]! + 1 : 1;
      slot.has[i] = 1;
    }
  }
  return { kind: 'vector', series: order };
}
