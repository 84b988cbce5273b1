/**
 * Evaluation of LogQL metric queries over a {@link LogReader}: range aggregations, vector
 * aggregations, binary operations and literals, at every step of `steps` at once.
 */
import { EMPTY_LABELS, fromPairs, type Labels } from '../../model/labels.js';
import type { LogReader } from '../types.js';
import type { MetricExpr, RangeAggregation } from './ast.js';
import { LogQLParseError } from './errors.js';
import { aggregate, labelReplace, scalarBinary, sortSeries, vectorScalar, vectorVector } from './ops.js';
import { parseLogQL } from './parser.js';
import { evaluateRange, type Steps, type StepSeries } from './range-agg.js';
import { QueryStats } from './stats.js';

/** Range aggregations into which an enclosing `sum`'s grouping is pushed, as Loki's `canInjectVectorGrouping`. */
const PUSHDOWN_OPS = new Set(['count_over_time', 'rate', 'bytes_over_time', 'bytes_rate', 'sum_over_time']);

/** A metric query's value: a scalar (only literals) or series over the steps. */
export type MetricValue = { readonly kind: 'scalar'; readonly value: number } | { readonly kind: 'series'; readonly series: StepSeries[] };

/**
 * Evaluates `expr` at every step. Series come sorted by label text, except that a single step
 * under a top-level `sort`/`sort_desc` comes in value order (stable, so ties keep label order).
 * @throws {LogQLExecError} pipeline errors and vector-matching errors; {@link LogQLParseError}
 *   when a stage does not compile.
 */
export function evaluateMetric(reader: LogReader, expr: MetricExpr, steps: Steps, stats: QueryStats): MetricValue {
  const v = evalNode(reader, expr, steps, stats);
  if (v.kind !== 'series') return v;
  sortSeries(v.series);
  if (expr.kind === 'vector' && (expr.op === 'sort' || expr.op === 'sort_desc') && steps.count === 1) {
    const sign = expr.op === 'sort' ? 1 : -1;
    v.series.sort((a, b) => byValue(a.values[0]!, b.values[0]!, sign));
  }
  return v;
}

/** Value order of `sort` (sign 1) and `sort_desc` (-1): NaN last either way, as PromQL. */
function byValue(a: number, b: number, sign: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return sign * (a - b);
}

function evalNode(reader: LogReader, e: MetricExpr, steps: Steps, stats: QueryStats): MetricValue {
  switch (e.kind) {
    case 'literal':
      return { kind: 'scalar', value: e.value };
    case 'vectorLiteral': {
      const values = new Float64Array(steps.count).fill(e.value);
      const present = new Uint8Array(steps.count).fill(1);
      return { kind: 'series', series: [{ labels: EMPTY_LABELS, values, present }] };
    }
    case 'range':
      if (e.op === 'absent_over_time') return { kind: 'series', series: absentOverTime(reader, e, steps, stats) };
      return { kind: 'series', series: evaluateRange(reader, e, steps, stats) };
    case 'vector': {
      const inner =
        e.op === 'sum' && e.expr.kind === 'range' && !e.expr.grouping && PUSHDOWN_OPS.has(e.expr.op)
          ? { kind: 'series' as const, series: evaluateRange(reader, e.expr, steps, stats, e.grouping ?? { without: false, labels: [] }) }
          : evalNode(reader, e.expr, steps, stats);
      const series = inner.kind === 'scalar' ? scalarSeries(inner.value, steps) : inner.series;
      return { kind: 'series', series: aggregate(e, series, steps) };
    }
    case 'labelReplace': {
      const inner = evalNode(reader, e.expr, steps, stats);
      return { kind: 'series', series: labelReplace(e, inner.kind === 'scalar' ? scalarSeries(inner.value, steps) : inner.series, steps) };
    }
    case 'binary': {
      const l = evalNode(reader, e.lhs, steps, stats);
      const r = evalNode(reader, e.rhs, steps, stats);
      if (l.kind === 'scalar' && r.kind === 'scalar') return { kind: 'scalar', value: scalarBinary(e.op, l.value, r.value, e.returnBool) };
      if (l.kind === 'scalar') return { kind: 'series', series: vectorScalar(e, (r as { series: StepSeries[] }).series, l.value, true, steps) };
      if (r.kind === 'scalar') return { kind: 'series', series: vectorScalar(e, l.series, r.value, false, steps) };
      return { kind: 'series', series: vectorVector(e, l.series, r.series, steps) };
    }
  }
}

/**
 * `absent_over_time`: 1 at the steps whose window holds no entry, labelled with the selector's
 * equality matchers (as PromQL's `absent_over_time`); no series when every step has entries.
 */
function absentOverTime(reader: LogReader, e: RangeAggregation, steps: Steps, stats: QueryStats): StepSeries[] {
  const counted = evaluateRange(reader, { ...e, op: 'count_over_time' }, steps, stats, { without: false, labels: [] })[0];
  const values = new Float64Array(steps.count);
  const present = new Uint8Array(steps.count);
  let any = false;
  for (let i = 0; i < steps.count; i++) {
    if (counted?.present[i]) continue;
    values[i] = 1;
    present[i] = 1;
    any = true;
  }
  if (!any) return [];
  const pairs: string[] = [];
  const seen = new Set<string>();
  for (const m of e.selector.matchers) {
    if (m.type !== '=' || seen.has(m.name)) continue;
    seen.add(m.name);
    pairs.push(m.name, m.value);
  }
  return [{ labels: fromPairs(pairs), values, present }];
}

function scalarSeries(v: number, steps: Steps): StepSeries[] {
  return [{ labels: EMPTY_LABELS, values: new Float64Array(steps.count).fill(v), present: new Uint8Array(steps.count).fill(1) }];
}

/** One sample of an instant vector: a label set and its value. */
export interface InstantSample {
  readonly labels: Labels;
  readonly value: number;
}

/**
 * Evaluates a LogQL metric query at one instant, as Loki's ruler does for alerting and recording
 * rules: `expr` (text or parsed) at `atMs` (integer **milliseconds** since the epoch). Returns
 * the resulting vector, sorted by labels; a scalar query gives one sample with no labels.
 * @throws {LogQLParseError} for a query that does not parse or is a log query (not a metric query).
 * @throws {LogQLExecError} for pipeline errors (`__error__` left in a series) and matching errors.
 */
export function evaluateInstant(reader: LogReader, expr: string | MetricExpr, atMs: number): InstantSample[] {
  const parsed = typeof expr === 'string' ? parseLogQL(expr) : expr;
  if (parsed.kind === 'log') throw new LogQLParseError('a log query cannot be evaluated as a metric query', 0, 0, -1);
  const v = evaluateMetric(reader, parsed, { startMs: atMs, stepMs: 1, count: 1 }, new QueryStats());
  if (v.kind === 'scalar') return [{ labels: EMPTY_LABELS, value: v.value }];
  const out: InstantSample[] = [];
  for (const s of v.series) if (s.present[0]) out.push({ labels: s.labels, value: s.values[0]! });
  return out;
}
