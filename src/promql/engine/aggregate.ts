/**
 * Aggregation operators, as upstream `aggregation`, `aggregationK`, `aggregationCountValues`.
 *
 * Input series are mapped to their group once per query; accumulators are typed-array columns
 * (one slot per step) per group, filled series by series in input order (so the floating-point
 * order of operations per group and step matches upstream's). Over a range-vector function of a
 * selector, the function's result series are folded in as they are computed, never all kept.
 */
import { formatGoFloat } from '../../model/gofloat.js';
import { get, key, LabelsBuilder, METRIC_NAME, type Labels } from '../../model/labels.js';
import { labelsHash } from '../../model/xxhash.js';
import { exprType, unwrapParens, type AggregateExpr, type Call } from '../ast.js';
import { PromQLError } from '../errors.js';
import { FUNCTION_IMPLS } from '../functions/index.js';
import { formatF, kahan, kahanComp, kahanInc, quantile, Scratch } from '../functions/math.js';
import type { RangeFunction } from '../functions/range.js';
import type { Evaluator } from './evaluator.js';
import { DUPLICATE_LABELSET, dropMetadata, METADATA_LABELS } from './merge.js';
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

/** The index of group label set `gl` in `labels` (keyed in `index`), appending it when new. */
function groupIndex(index: Map<string, number>, labels: Labels[], gl: Labels): number {
  const k = key(gl);
  let gi = index.get(k);
  if (gi === undefined) {
    gi = labels.length;
    index.set(k, gi);
    labels.push(gl);
  }
  return gi;
}

function makeGroups(series: StepSeries[], grouping: string[], without: boolean): Grouping {
  const b = new LabelsBuilder();
  const index = new Map<string, number>();
  const labels: Labels[] = [];
  const groupOf = new Int32Array(series.length);
  for (let i = 0; i < series.length; i++) {
    groupOf[i] = groupIndex(index, labels, groupLabels(b, series[i]!.labels, grouping, without));
  }
  return { groupOf, labels };
}

/** Operators whose result per group and step is folded from the series one by one. */
type FoldOp = 'sum' | 'avg' | 'count' | 'min' | 'max' | 'group' | 'stddev' | 'stdvar';

const FOLD_OPS: ReadonlySet<string> = new Set<FoldOp>(['sum', 'avg', 'count', 'min', 'max', 'group', 'stddev', 'stdvar']);

/** One group's accumulator columns (one slot per step), as upstream's `groupedAggregation`. */
interface GroupColumns {
  value: Float64Array;
  /** Kahan compensation (sum, avg). */
  comp: Float64Array;
  mean: Float64Array;
  count: Float64Array;
  /** avg: 1 where the running sum would overflow and the incremental mean is used. */
  incremental: Uint8Array;
  /** 1 where some series folded in is to lose its metric name (upstream ORs per step). */
  dropAt: Uint8Array;
  /** `sum`: some series folded in had a point at every step (so every step's count is above 0). */
  filled: boolean;
}

function newGroupColumns(n: number): GroupColumns {
  return {
    value: new Float64Array(n),
    comp: new Float64Array(n),
    mean: new Float64Array(n),
    count: new Float64Array(n),
    incremental: new Uint8Array(n),
    dropAt: new Uint8Array(n),
    filled: false,
  };
}

/**
 * Folds one series (value and presence per step; `full`: a point at every step) into its group's
 * columns. Series must come in input order: that fixes the floating-point order of operations
 * per group and step, as upstream.
 */
function fold(op: FoldOp, a: GroupColumns, vs: Float64Array, has: Uint8Array, dropName: boolean, full: boolean): void {
  const { value, comp, mean, count, incremental, dropAt } = a;
  if (op === 'sum' && !dropName) {
    foldSum(a, vs, has, full);
    return;
  }
  for (let c = 0; c < has.length; c++) {
    if (!has[c]) continue;
    const f = vs[c]!;
    if (dropName) dropAt[c] = 1;
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

/**
 * {@link fold} for `sum` of series whose names stay: the same steps without the per-step switch.
 * A count only tells whether a step has a point yet (`sum` reads nothing else of it), so it is
 * not counted up; once a full series was folded in, a full one skips the presence tests.
 */
function foldSum(a: GroupColumns, vs: Float64Array, has: Uint8Array, full: boolean): void {
  const { value, comp, mean, count } = a;
  if (full && a.filled) {
    for (let c = 0; c < value.length; c++) {
      const f = vs[c]!;
      const sum = value[c]!;
      const t = sum + f;
      comp[c] = kahanComp(f, sum, t, comp[c]!);
      value[c] = t;
    }
    return;
  }
  for (let c = 0; c < has.length; c++) {
    if (!has[c]) continue;
    const f = vs[c]!;
    if (count[c] === 0) {
      count[c] = 1;
      mean[c] = f;
      value[c] = f;
      continue;
    }
    const sum = value[c]!;
    const t = sum + f;
    comp[c] = kahanComp(f, sum, t, comp[c]!);
    value[c] = t;
  }
  if (full) a.filled = true;
}

/** The result series of the groups (those with a point at some step), in group order. */
function finishGroups(op: FoldOp, groups: readonly GroupColumns[], labels: readonly Labels[], n: number): StepSeries[] {
  const out: StepSeries[] = [];
  for (let gi = 0; gi < groups.length; gi++) {
    const { value, comp, mean, count, incremental, dropAt } = groups[gi]!;
    const r = newStepSeries(labels[gi]!, n, false);
    for (let c = 0; c < n; c++) {
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
      r.vs[c] = v;
      r.has[c] = 1;
    }
    if (hasAnyPoint(r)) out.push(r);
  }
  return out;
}

/** Evaluates an aggregation over the grid. */
export function evalAggregate(ev: Evaluator, e: AggregateExpr, g: Grid): Value {
  if (e.op === 'count_values') return countValues(ev, e, g);
  const fused = fusedRangeCall(ev, e);
  if (fused !== null) return foldRangeFunction(ev, e, e.op as FoldOp, fused.call, fused.fn, g);
  const param = e.param && e.param.type !== 'StringLiteral' ? ev.evalScalar(e.param, g) : null;
  if (e.op === 'quantile') checkQuantileParam(ev, e, param!);
  const input = ev.evalVector(e.expr, g);
  if (e.op === 'topk' || e.op === 'bottomk' || e.op === 'limitk' || e.op === 'limit_ratio') {
    return selectK(ev, e, param!, input, g);
  }
  const { groupOf, labels } = makeGroups(input.series, e.grouping, e.without);
  if (e.op === 'quantile') return quantileAggregate(ev, input, groupOf, labels, param!, g);
  const op = e.op as FoldOp;
  const groups = labels.map(() => newGroupColumns(g.n));
  for (let si = 0; si < input.series.length; si++) {
    ev.checkDeadline();
    const s = input.series[si]!;
    fold(op, groups[groupOf[si]!]!, s.vs, s.has, s.dropName, false);
  }
  return { kind: 'vector', series: finishGroups(op, groups, labels, g.n) };
}

/**
 * The range-vector function call an aggregation can fold series by series (see
 * {@link foldRangeFunction}), or null: a folding operator (sum, avg, count, min, max, group,
 * stddev, stdvar) directly over a range-vector function of a range selector, with metric names
 * dropped where they are marked (no delayed name removal) and no sample statistics collected.
 */
function fusedRangeCall(ev: Evaluator, e: AggregateExpr): { call: Call; fn: RangeFunction } | null {
  if (!FOLD_OPS.has(e.op) || ev.ctx.delayedNameRemoval || ev.ctx.stats) return null;
  const inner = unwrapParens(e.expr);
  if (inner.type !== 'Call') return null;
  const impl = FUNCTION_IMPLS.get(inner.func.name);
  if (impl?.kind !== 'range') return null;
  const arg = inner.args.find((a) => exprType(a) === 'matrix');
  if (arg === undefined || unwrapParens(arg).type !== 'MatrixSelector') return null;
  return { call: inner, fn: impl.fn };
}

/**
 * `op by|without (…) (f(selector[range]))` without the function's result: each series' result
 * (see `Evaluator.eachRangeResult`) is folded into its group as soon as it is computed, so no
 * column is kept per input series. Gives what the general path gives, error for error: the
 * function's names are dropped first (and two series left with the same labels fail with
 * `vector cannot contain metrics with the same labelset`, as that path's name removal does), then
 * the function's point count is checked against the sample limit; groups are ordered by first
 * appearance and each is folded in input order.
 * @throws {PromQLError} as the general path.
 */
function foldRangeFunction(ev: Evaluator, e: AggregateExpr, op: FoldOp, call: Call, fn: RangeFunction, g: Grid): VectorValue {
  const b = new LabelsBuilder();
  const index = new Map<string, number>();
  const labels: Labels[] = [];
  const groups: GroupColumns[] = [];
  /** Labels of the function's result series after name removal, for the duplicate check. */
  const results: Labels[] = [];
  let firstMeta: Labels | null = null;
  let mixedMeta = false;
  const points = ev.eachRangeResult(call, fn, g, (ls, vs, has, dropName, rowPoints) => {
    if (dropName) {
      results.push(ls);
      if (firstMeta === null) firstMeta = ls;
      else if (!mixedMeta && !sameMetadata(firstMeta, ls)) mixedMeta = true;
    }
    const gl = e.without ? groupLabels(b, dropName ? dropMetadata(ls) : ls, e.grouping, true) : keptLabels(ls, e.grouping, dropName);
    const gi = groupIndex(index, labels, gl);
    if (gi === groups.length) groups.push(newGroupColumns(g.n));
    fold(op, groups[gi]!, vs, has, false, rowPoints === g.n);
  });
  // Selected series have distinct label sets, so only a metadata label can make two equal.
  if (mixedMeta) {
    const seen = new Set<string>();
    for (const ls of results) {
      const k = key(dropMetadata(ls));
      if (seen.has(k)) throw new PromQLError('execution', DUPLICATE_LABELSET);
      seen.add(k);
    }
  }
  ev.checkPointCount(points);
  return { kind: 'vector', series: finishGroups(op, groups, labels, g.n) };
}

/**
 * The labels of `ls` named in `grouping` (those of a `by` group), without the metadata labels
 * when `dropName`: `groupLabels` of the name-dropped labels, without building them.
 */
function keptLabels(ls: Labels, grouping: readonly string[], dropName: boolean): Labels {
  const out: string[] = [];
  for (let i = 0; i < ls.length; i += 2) {
    const name = ls[i]!;
    if (grouping.includes(name) && !(dropName && METADATA_LABELS.includes(name))) out.push(name, ls[i + 1]!);
  }
  return out;
}

/** Whether two label sets have the same metric name, `__type__` and `__unit__`. */
function sameMetadata(a: Labels, b: Labels): boolean {
  for (const name of METADATA_LABELS) if (get(a, name) !== get(b, name)) return false;
  return true;
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
