/**
 * Functions over instant vectors and scalars, as upstream `promql/functions.go`: one table from
 * name to implementation. Arguments arrive evaluated over the whole grid (vectors as columns,
 * scalars as one value per step, strings as text); range-vector functions are in `range.ts`.
 */
import { get as labelOf, compare as compareLabels } from '../../model/labels.js';
import { unwrapParens, type Call } from '../ast.js';
import { PromQLError } from '../errors.js';
import type { Evaluator } from '../engine/evaluator.js';
import { absentLabels } from '../engine/evaluator.js';
import { hasAnyPoint, newStepSeries, stepTime, type Grid, type StepSeries, type Value, type VectorValue } from '../engine/types.js';
import { histogramFraction, histogramQuantile, histogramQuantiles } from './histogram.js';
import { labelJoin, labelReplace } from './labels.js';
import { naturalLess } from './natsort.js';

/** An instant function: evaluated arguments in, value out. */
export type InstantFunction = (args: Value[], call: Call, g: Grid, ev: Evaluator) => Value;

function vec(v: Value): VectorValue {
  if (v.kind !== 'vector') throw new PromQLError('execution', `expected instant vector argument, got ${v.kind}`);
  return v;
}

function scalar(v: Value): Float64Array {
  if (v.kind !== 'scalar') throw new PromQLError('execution', `expected scalar argument, got ${v.kind}`);
  return v.vs;
}

function str(v: Value): string {
  if (v.kind !== 'string') throw new PromQLError('execution', `expected string argument, got ${v.kind}`);
  return v.v;
}

/** Applies `f` to every point of every series (in place); the metric name is to be dropped. */
function elementwise(f: (v: number) => number): InstantFunction {
  return (args) => {
    const v = vec(args[0]!);
    for (const s of v.series) {
      s.dropName = true;
      for (let i = 0; i < s.vs.length; i++) if (s.has[i]) s.vs[i] = f(s.vs[i]!);
    }
    return v;
  };
}

/** Like {@link elementwise} with per-step scalar parameters; `f` returns null to drop a point. */
function elementwiseWithParams(
  f: (v: number, params: readonly Float64Array[], i: number) => number | null,
): InstantFunction {
  return (args) => {
    const v = vec(args[0]!);
    const params = args.slice(1).map(scalar);
    const out: StepSeries[] = [];
    for (const s of v.series) {
      s.dropName = true;
      for (let i = 0; i < s.vs.length; i++) {
        if (!s.has[i]) continue;
        const r = f(s.vs[i]!, params, i);
        if (r === null) s.has[i] = 0;
        else s.vs[i] = r;
      }
      if (hasAnyPoint(s)) out.push(s);
    }
    return { kind: 'vector', series: out };
  };
}

function scalarOf(f: (i: number, g: Grid, ev: Evaluator) => number): InstantFunction {
  return (_args, _call, g, ev) => {
    const vs = new Float64Array(g.n);
    for (let i = 0; i < g.n; i++) vs[i] = f(i, g, ev);
    return { kind: 'scalar', vs };
  };
}

function round(v: number, params: readonly Float64Array[], i: number): number {
  const toNearest = params.length > 0 ? params[0]![i]! : 1;
  const inverse = 1 / toNearest;
  return Math.floor(v * inverse + 0.5) / inverse;
}

function sgn(v: number): number {
  return v < 0 ? -1 : v > 0 ? 1 : v;
}

/** clamp(v, min, max): no output at steps where max < min. */
function clamp(v: number, lo: number, hi: number): number | null {
  if (hi < lo) return null;
  return Math.max(lo, Math.min(hi, v));
}

const absent: InstantFunction = (args, call, g) => {
  const v = vec(args[0]!);
  const arg = unwrapParens(call.args[0]!);
  const labels = arg.type === 'VectorSelector' ? absentLabels(arg.matchers) : [];
  const r = newStepSeries(labels, g.n, false);
  for (let i = 0; i < g.n; i++) {
    if (!v.series.some((s) => s.has[i] === 1)) {
      r.vs[i] = 1;
      r.has[i] = 1;
    }
  }
  return { kind: 'vector', series: hasAnyPoint(r) ? [r] : [] };
};

const scalarFn: InstantFunction = (args, _call, g) => {
  const v = vec(args[0]!);
  const vs = new Float64Array(g.n);
  for (let i = 0; i < g.n; i++) {
    let found = 0;
    let value = NaN;
    for (const s of v.series) {
      if (!s.has[i]) continue;
      found++;
      value = s.vs[i]!;
      if (found > 1) break;
    }
    vs[i] = found === 1 ? value : NaN;
  }
  return { kind: 'scalar', vs };
};

const vectorFn: InstantFunction = (args, _call, g) => {
  const vs = scalar(args[0]!);
  const r = newStepSeries([], g.n, false);
  r.vs.set(vs);
  r.has.fill(1);
  return { kind: 'vector', series: [r] };
};

/** timestamp() of a computed vector: its points are at the evaluation time. */
const timestampFn: InstantFunction = (args, _call, g) => {
  const v = vec(args[0]!);
  for (const s of v.series) {
    s.dropName = true;
    for (let i = 0; i < g.n; i++) if (s.has[i]) s.vs[i] = stepTime(g, i) / 1000;
  }
  return v;
};

/** Orders the series of an instant query's single step; range queries only get a warning. */
function sorter(cmp: (a: StepSeries, b: StepSeries) => number): InstantFunction {
  return (args, call, g, ev) => {
    const v = vec(args[0]!);
    if (g.n > 1) {
      ev.ctx.annotations.warn('sort is ineffective for range queries since results are always ordered by labels', call.pos);
      return v;
    }
    return { kind: 'vector', series: [...v.series].sort(cmp) };
  };
}

/** Ascending by value, NaN last (upstream: reverse of a NaN-first descending order). */
function byValueAsc(a: StepSeries, b: StepSeries): number {
  const x = a.vs[0]!;
  const y = b.vs[0]!;
  if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1;
  if (Number.isNaN(y)) return -1;
  return x < y ? -1 : x > y ? 1 : 0;
}

function byValueDesc(a: StepSeries, b: StepSeries): number {
  const x = a.vs[0]!;
  const y = b.vs[0]!;
  if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1;
  if (Number.isNaN(y)) return -1;
  return x > y ? -1 : x < y ? 1 : 0;
}

function sortByLabel(desc: boolean): InstantFunction {
  return (args, call, g, ev) => {
    const names = args.slice(1).map(str);
    const cmp = (a: StepSeries, b: StepSeries): number => {
      for (const n of names) {
        const x = labelOf(a.labels, n);
        const y = labelOf(b.labels, n);
        if (x === y) continue;
        const r = naturalLess(x, y) ? -1 : 1;
        return desc ? -r : r;
      }
      const r = compareLabels(a.labels, b.labels);
      return desc ? -r : r;
    };
    return sorter(cmp)([args[0]!], call, g, ev);
  };
}

/** Date functions: of the step time without argument, of each value (Unix seconds) otherwise. */
function dateFn(f: (d: Date) => number): InstantFunction {
  return (args, _call, g) => {
    if (args.length === 0) {
      const r = newStepSeries([], g.n, false);
      for (let i = 0; i < g.n; i++) {
        r.vs[i] = f(new Date(Math.trunc(stepTime(g, i) / 1000) * 1000));
        r.has[i] = 1;
      }
      return { kind: 'vector', series: [r] };
    }
    const v = vec(args[0]!);
    for (const s of v.series) {
      s.dropName = true;
      for (let i = 0; i < g.n; i++) {
        if (s.has[i]) s.vs[i] = f(new Date(Math.trunc(s.vs[i]!) * 1000));
      }
    }
    return v;
  };
}

function daysInMonth(d: Date): number {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
}

function dayOfYear(d: Date): number {
  return Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
}

/**
 * Functions that only read native histograms or sample start timestamps, which Lookout's storage
 * does not hold: their result is always empty, as upstream's for float-only input.
 */
const alwaysEmpty: InstantFunction = () => ({ kind: 'vector', series: [] });

/** Every instant-vector/scalar function by name. */
export const INSTANT_FUNCTIONS: ReadonlyMap<string, InstantFunction> = new Map<string, InstantFunction>([
  ['abs', elementwise(Math.abs)],
  ['ceil', elementwise(Math.ceil)],
  ['floor', elementwise(Math.floor)],
  ['exp', elementwise(Math.exp)],
  ['sqrt', elementwise(Math.sqrt)],
  ['ln', elementwise(Math.log)],
  ['log2', elementwise(Math.log2)],
  ['log10', elementwise(Math.log10)],
  ['sin', elementwise(Math.sin)],
  ['cos', elementwise(Math.cos)],
  ['tan', elementwise(Math.tan)],
  ['asin', elementwise(Math.asin)],
  ['acos', elementwise(Math.acos)],
  ['atan', elementwise(Math.atan)],
  ['sinh', elementwise(Math.sinh)],
  ['cosh', elementwise(Math.cosh)],
  ['tanh', elementwise(Math.tanh)],
  ['asinh', elementwise(Math.asinh)],
  ['acosh', elementwise(Math.acosh)],
  ['atanh', elementwise(Math.atanh)],
  ['rad', elementwise((v) => (v * Math.PI) / 180)],
  ['deg', elementwise((v) => (v * 180) / Math.PI)],
  ['sgn', elementwise(sgn)],
  ['round', elementwiseWithParams(round)],
  ['clamp', elementwiseWithParams((v, p, i) => clamp(v, p[0]![i]!, p[1]![i]!))],
  ['clamp_min', elementwiseWithParams((v, p, i) => clamp(v, p[0]![i]!, Infinity))],
  ['clamp_max', elementwiseWithParams((v, p, i) => clamp(v, -Infinity, p[0]![i]!))],
  ['absent', absent],
  ['scalar', scalarFn],
  ['vector', vectorFn],
  ['timestamp', timestampFn],
  ['time', scalarOf((i, g) => stepTime(g, i) / 1000)],
  ['pi', scalarOf(() => Math.PI)],
  ['start', scalarOf((_i, _g, ev) => ev.ctx.queryStart / 1000)],
  ['end', scalarOf((_i, _g, ev) => ev.ctx.queryEnd / 1000)],
  ['range', scalarOf((_i, _g, ev) => (ev.ctx.queryEnd - ev.ctx.queryStart) / 1000)],
  ['step', scalarOf((_i, _g, ev) => ev.ctx.queryStep / 1000)],
  ['max_of', (args, _c, g) => binaryScalar(args, g, Math.max)],
  ['min_of', (args, _c, g) => binaryScalar(args, g, Math.min)],
  ['sort', sorter(byValueAsc)],
  ['sort_desc', sorter(byValueDesc)],
  ['sort_by_label', sortByLabel(false)],
  ['sort_by_label_desc', sortByLabel(true)],
  ['label_replace', (args) => labelReplace(vec(args[0]!), str(args[1]!), str(args[2]!), str(args[3]!), str(args[4]!))],
  ['label_join', (args) => labelJoin(vec(args[0]!), str(args[1]!), str(args[2]!), args.slice(3).map(str))],
  ['histogram_quantile', (args, call, g, ev) => histogramQuantile(scalar(args[0]!), vec(args[1]!), call, g, ev)],
  ['histogram_fraction', (args, call, g, ev) => histogramFraction(scalar(args[0]!), scalar(args[1]!), vec(args[2]!), call, g, ev)],
  ['histogram_count', alwaysEmpty],
  ['histogram_sum', alwaysEmpty],
  ['histogram_avg', alwaysEmpty],
  ['histogram_stddev', alwaysEmpty],
  ['histogram_stdvar', alwaysEmpty],
  ['histogram_quantiles', (args, call, g, ev) => histogramQuantiles(vec(args[0]!), str(args[1]!), args.slice(2).map(scalar), call, g, ev)],
  ['start_timestamp', alwaysEmpty],
  ['days_in_month', dateFn(daysInMonth)],
  ['day_of_month', dateFn((d) => d.getUTCDate())],
  ['day_of_week', dateFn((d) => d.getUTCDay())],
  ['day_of_year', dateFn(dayOfYear)],
  ['hour', dateFn((d) => d.getUTCHours())],
  ['minute', dateFn((d) => d.getUTCMinutes())],
  ['month', dateFn((d) => d.getUTCMonth() + 1)],
  ['year', dateFn((d) => d.getUTCFullYear())],
]);

function binaryScalar(args: Value[], g: Grid, f: (a: number, b: number) => number): Value {
  const a = scalar(args[0]!);
  const b = scalar(args[1]!);
  const vs = new Float64Array(g.n);
  for (let i = 0; i < g.n; i++) vs[i] = f(a[i]!, b[i]!);
  return { kind: 'scalar', vs };
}
