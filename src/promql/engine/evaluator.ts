/**
 * The evaluator: computes an expression over a whole {@link Grid} of steps at once.
 *
 * Each selector is selected from storage once per evaluation, over the full time range its steps
 * need, and the per-step lookups slide forward over the decoded typed arrays (lookback for
 * instant selectors, `(t - range, t]` windows for range functions). Subqueries evaluate their
 * inner expression once on their own aligned grid. Semantics follow upstream `promql/engine.go`
 * (Prometheus 3.x): left-open ranges and lookback, staleness markers ending a series, `@` and
 * offsets (also negative), delayed `__name__` removal.
 */
import { get as labelOf, type Labels, LabelsBuilder, METRIC_NAME } from '../../model/labels.js';
import type { Matcher } from '../../model/matcher.js';
import { isStaleNaN } from '../../model/value.js';
import type { Querier, SeriesSamples } from '../../tsdb/types.js';
import {
  exprType,
  unwrapParens,
  type BinaryExpr,
  type Call,
  type DurationExpr,
  type Expr,
  type MatrixSelector,
  type NumberLiteral,
  type Pos,
  type SubqueryExpr,
  type VectorSelector,
} from '../ast.js';
import { PromQLError } from '../errors.js';
import { FUNCTION_IMPLS } from '../functions/index.js';
import { RANGE_FUNCTIONS, type RangeFunction } from '../functions/range.js';
import { evalAggregate } from './aggregate.js';
import type { Annotations } from './annotations.js';
import { evalBinary } from './binary.js';
import { dropNamesNow } from './merge.js';
import { isSplitQuerier, rangeFunctionName, RangeRows, type DeferredSelection, type RangeRowSpec, type RangeWindows } from './range-rows.js';
import { extendFloats, withoutStaleMarkers } from './samples.js';
import type { QueryStats } from './stats.js';
import {
  hasAnyPoint,
  makeGrid,
  newStepSeries,
  stepTime,
  type Grid,
  type MatrixValue,
  type RangeSeries,
  type StepSeries,
  type Value,
  type VectorValue,
} from './types.js';

/** Everything the evaluation of one query needs. */
export interface EvalContext {
  querier: Querier;
  /** Lookback delta (ms): how far back an instant selector looks for a sample. */
  lookbackMs: number;
  /** Step of subqueries written without one (`[5m:]`), ms. */
  noStepSubqueryIntervalMs: number;
  /** The query's start and end (ms), for `@ start()`, `@ end()`, `start()`, `end()`, `range()`. */
  queryStart: number;
  queryEnd: number;
  /** The query's step (ms; 0 for instant queries), for `step()`. */
  queryStep: number;
  annotations: Annotations;
  /** Upper limit of samples held by one node's result (upstream `--query.max-samples`). */
  maxSamples: number;
  /** `Date.now()` value after which evaluation stops with a timeout error. */
  deadline: number;
  /**
   * Feature `promql-delayed-name-removal`: metric names marked for removal stay until the query
   * ends. Off: they go where they are marked (see `merge.ts` `dropNamesNow`).
   */
  delayedNameRemoval: boolean;
  /** Feature `type-and-unit-labels`: `rate`/`increase` tell counters by `__type__`, not by name. */
  typeAndUnitLabels: boolean;
  /** Where to count samples (see `stats.ts`); absent or null: nothing is counted. */
  stats?: QueryStats | null;
}

/** Upstream error for exceeding the sample limit. */
const TOO_MANY_SAMPLES = 'query processing would load too many samples into memory in query execution';

/** Per-step loops check the deadline every 65,536 steps (a few ms), beside the per-series checks. */
const STEP_CHECK_MASK = 0xffff;

/** Largest |seconds| a Go `time.Duration` holds. */
const MAX_DURATION_SECONDS = 2 ** 63 / 1e9;

/** A range vector argument prepared for windowing: series and each step's window. */
interface RangeInput extends RangeWindows {
  series: RangeSeries[];
}

/** Evaluates expressions for one query. Stateless between calls apart from the context. */
export class Evaluator {
  /** The collector samples are counted in (a child one inside a subquery), or null. */
  private stats: QueryStats | null;
  /** Time spent in storage selects (ms), measured only when stats are collected. */
  selectMs = 0;

  constructor(readonly ctx: EvalContext) {
    this.stats = ctx.stats ?? null;
  }

  /**
   * Throws the upstream timeout error once the query's deadline has passed; called per node and
   * per series in long loops.
   */
  checkDeadline(): void {
    if (Date.now() >= this.ctx.deadline) throw new PromQLError('timeout', 'query timed out in expression evaluation');
  }

  /**
   * Evaluates `e` at every step of `g`. Fresh result objects: the caller may modify them.
   * Parentheses, signs and binary operators are evaluated in loops, so their nesting depth costs
   * no JS stack.
   */
  eval(e: Expr, g: Grid): Value {
    this.checkDeadline();
    let minus = 0;
    while (e.type === 'ParenExpr' || e.type === 'UnaryExpr') {
      if (e.type === 'UnaryExpr' && e.op === '-') minus++;
      e = e.expr;
    }
    if (minus > 0) {
      const v = this.eval(e, g);
      negate(v, minus % 2 === 1);
      return this.dropNames(v, false);
    }
    switch (e.type) {
      case 'NumberLiteral':
        return { kind: 'scalar', vs: new Float64Array(g.n).fill(e.val) };
      case 'StringLiteral':
        return { kind: 'string', v: e.val };
      case 'VectorSelector':
        return this.checkSamples(e.smoothed ? this.evalSmoothedSelector(e, g) : this.evalVectorSelector(e, g, false));
      case 'MatrixSelector':
        return this.evalMatrixAsValue(e, g);
      case 'SubqueryExpr':
        return this.evalSubqueryAsValue(e, g);
      case 'BinaryExpr':
        return this.evalBinaryTree(e, g);
      case 'AggregateExpr':
        return this.checkSamples(evalAggregate(this, e, g));
      case 'Call':
        return this.checkSamples(this.dropNames(this.evalCall(e, g), FUNCTION_IMPLS.get(e.func.name)?.kind === 'range'));
    }
  }

  /**
   * A tree of binary operators (through parentheses) evaluated with an explicit stack, in
   * upstream's order (each operator's left operand, then its right one, then the operator), so
   * long chains such as `a + b + … + z` or `2 ^ 2 ^ … ^ 2` cost no JS stack. Operands that are
   * not binary expressions are evaluated by {@link eval}.
   */
  private evalBinaryTree(root: BinaryExpr, g: Grid): Value {
    const operands: Value[] = [];
    const work: (Expr | { combine: BinaryExpr })[] = [root];
    while (work.length > 0) {
      const w = work.pop()!;
      if ('combine' in w) {
        const rhs = operands.pop()!;
        const lhs = operands.pop()!;
        operands.push(this.checkSamples(this.dropNames(evalBinary(this, w.combine, lhs, rhs, g), false)));
        continue;
      }
      const n = unwrapParens(w);
      if (n.type === 'BinaryExpr') work.push({ combine: n }, n.rhs, n.lhs);
      else operands.push(this.eval(n, g));
    }
    return operands[0]!;
  }

  /** Evaluates an expression that must give an instant vector. */
  evalVector(e: Expr, g: Grid): VectorValue {
    const v = this.eval(e, g);
    if (v.kind !== 'vector') throw new PromQLError('execution', `unexpected ${v.kind} where an instant vector was expected`);
    return v;
  }

  /** Evaluates an expression that must give a scalar: one value per step. */
  evalScalar(e: Expr, g: Grid): Float64Array {
    const v = this.eval(e, g);
    if (v.kind !== 'scalar') throw new PromQLError('execution', `unexpected ${v.kind} where a scalar was expected`);
    return v.vs;
  }

  /**
   * Fails before `series` columns of `steps` points are allocated when they could hold more than
   * `maxSamples` points: the evaluator's columns are dense, so this bounds a node's memory (typed
   * arrays are outside a worker's heap limit) where upstream counts the points as it goes.
   */
  private checkColumns(series: number, steps: number): void {
    if (series * steps > this.ctx.maxSamples) throw new PromQLError('execution', TOO_MANY_SAMPLES);
  }

  /**
   * Without delayed name removal, drops the names a node's result marked for removal right away
   * (see `merge.ts` `dropNamesNow`; `anyOverlap` for range-vector functions). With it, does nothing.
   */
  private dropNames<T extends Value>(v: T, anyOverlap: boolean): T {
    if (this.ctx.delayedNameRemoval || v.kind !== 'vector') return v;
    v.series = dropNamesNow(v.series, anyOverlap);
    return v;
  }

  private checkSamples<T extends Value>(v: T): T {
    if (v.kind === 'vector') {
      let total = 0;
      for (const s of v.series) for (let i = 0; i < s.has.length; i++) total += s.has[i]!;
      this.checkPointCount(total);
      if (this.stats !== null) this.stats.hold(total);
    }
    return v;
  }

  /** Counts the points of an instant selector's result series (stats only). */
  private countSelected(stats: QueryStats, r: StepSeries, points: number): void {
    stats.totalSamples += points;
    const perStep = stats.perStep;
    if (perStep !== null) for (let i = 0; i < r.has.length; i++) perStep[i]! += r.has[i]!;
  }

  // ---- durations and modifiers -------------------------------------------------------------

  /**
   * Value of a duration expression in ms, as upstream's duration visitor: `step()` is the query
   * step, `range()` the query range; non-positive results are rejected unless `allowNegative`.
   * @throws {PromQLError} `bad_data` for NaN/Inf, ≤ 0, division by zero or out-of-range results.
   */
  resolveDuration(d: DurationExpr, allowNegative: boolean): number {
    const seconds = this.durationSeconds(d);
    const where = `${d.pos.start}:${d.pos.end}`;
    if (!Number.isFinite(seconds)) throw new PromQLError('bad_data', `${where}: duration is NaN or infinite`);
    if (seconds <= 0 && !allowNegative) throw new PromQLError('bad_data', `${where}: duration must be greater than 0`);
    if (Math.abs(seconds) > MAX_DURATION_SECONDS) throw new PromQLError('bad_data', `${where}: duration is out of range`);
    return Math.trunc(seconds * 1000);
  }

  private durationSeconds(d: DurationExpr | NumberLiteral): number {
    if (d.type === 'NumberLiteral') return d.val;
    const l = d.lhs ? this.durationSeconds(d.lhs) : 0;
    const r = d.rhs ? this.durationSeconds(d.rhs) : 0;
    const where = `${d.pos.start}:${d.pos.end}`;
    switch (d.op) {
      case 'step':
        return this.ctx.queryStep / 1000;
      case 'range':
        return (this.ctx.queryEnd - this.ctx.queryStart) / 1000;
      case 'min_of':
        return Math.min(l, r);
      case 'max_of':
        return Math.max(l, r);
      case '+':
        return d.lhs ? l + r : r;
      case '-':
        return d.lhs ? l - r : -r;
      case '*':
        return l * r;
      case '/':
        if (r === 0) throw new PromQLError('bad_data', `${where}: division by zero`);
        return l / r;
      case '%':
        if (r === 0) throw new PromQLError('bad_data', `${where}: modulo by zero`);
        return l % r;
      case '^':
        return Math.pow(l, r);
    }
  }

  /** Offset (ms) of a selector or subquery. */
  offsetOf(n: VectorSelector | SubqueryExpr): number {
    return n.offsetExpr ? this.resolveDuration(n.offsetExpr, true) : n.offset;
  }

  /** `@` timestamp (ms) of a selector or subquery, or null. */
  atOf(n: VectorSelector | SubqueryExpr): number | null {
    if (n.at !== null) return n.at;
    if (n.atMode === 'start') return this.ctx.queryStart;
    if (n.atMode === 'end') return this.ctx.queryEnd;
    return null;
  }

  /** The reference times (ms) a selector looks at for each step: `(@ or t) - offset`. */
  private refTimes(n: VectorSelector | SubqueryExpr, g: Grid): Float64Array {
    const offset = this.offsetOf(n);
    const at = this.atOf(n);
    const refs = new Float64Array(g.n);
    for (let i = 0; i < g.n; i++) refs[i] = (at ?? stepTime(g, i)) - offset;
    return refs;
  }

  /** The earliest and latest of {@link refTimes} (ascending with the steps, or one `@` time). */
  private refBounds(n: VectorSelector | SubqueryExpr, g: Grid): [number, number] {
    const offset = this.offsetOf(n);
    const at = this.atOf(n);
    if (at !== null) return [at - offset, at - offset];
    return [g.start - offset, stepTime(g, g.n - 1) - offset];
  }

  private select(matchers: readonly Matcher[], mint: number, maxt: number): SeriesSamples[] {
    if (maxt < mint) return [];
    if (this.stats === null) return this.ctx.querier.select(matchers, mint, maxt);
    const began = performance.now();
    try {
      return this.ctx.querier.select(matchers, mint, maxt);
    } finally {
      this.selectMs += performance.now() - began;
    }
  }

  // ---- instant vector selectors --------------------------------------------------------------

  /**
   * Evaluates an instant vector selector: at each step the newest sample in
   * `(ref - lookback, ref]`, unless it is a staleness marker. With `timestamps`, the value is
   * the sample's timestamp in seconds instead (for `timestamp()`), and the name is to be dropped.
   */
  evalVectorSelector(vs: VectorSelector, g: Grid, timestamps: boolean): VectorValue {
    if (g.n === 0) return { kind: 'vector', series: [] };
    const lookback = this.ctx.lookbackMs;
    const [minRef, maxRef] = this.refBounds(vs, g);
    const selected = this.select(vs.matchers, minRef - lookback + 1, maxRef);
    this.checkColumns(selected.length, g.n);
    const refs = this.refTimes(vs, g);
    const out: StepSeries[] = [];
    const stats = this.stats;
    for (const s of selected) {
      this.checkDeadline();
      const r = newStepSeries(s.labels, g.n, timestamps);
      let j = 0;
      let points = 0;
      for (let i = 0; i < g.n; i++) {
        if ((i & STEP_CHECK_MASK) === STEP_CHECK_MASK) this.checkDeadline();
        const ref = refs[i]!;
        if (i > 0 && ref < refs[i - 1]!) j = 0;
        while (j < s.count && s.ts[j]! <= ref) j++;
        const k = j - 1;
        if (k < 0 || s.ts[k]! <= ref - lookback) continue;
        const v = s.vs[k]!;
        if (isStaleNaN(v)) continue;
        r.vs[i] = timestamps ? s.ts[k]! / 1000 : v;
        r.has[i] = 1;
        points++;
      }
      if (points === 0) continue;
      out.push(r);
      if (stats !== null) this.countSelected(stats, r, points);
    }
    return { kind: 'vector', series: out };
  }

  /**
   * A `smoothed` instant selector (experimental), as upstream `smoothSeries`: the sample at the
   * reference time, else the linear interpolation between its neighbours within one lookback
   * delta on each side, else the last earlier sample.
   */
  private evalSmoothedSelector(vs: VectorSelector, g: Grid): VectorValue {
    if (g.n === 0) return { kind: 'vector', series: [] };
    const lb = this.ctx.lookbackMs;
    const [minRef, maxRef] = this.refBounds(vs, g);
    const out: StepSeries[] = [];
    const selected = this.select(vs.matchers, minRef - lb + 1, maxRef + lb);
    this.checkColumns(selected.length, g.n);
    const refs = this.refTimes(vs, g);
    for (const sel of selected) {
      this.checkDeadline();
      const s = withoutStaleMarkers(sel);
      const r = newStepSeries(s.labels, g.n, false);
      for (let i = 0; i < g.n; i++) {
        const t = refs[i]!;
        let lo = 0;
        while (lo < s.count && s.ts[lo]! <= t - lb) lo++;
        let hi = lo;
        while (hi < s.count && s.ts[hi]! <= t + lb) hi++;
        let k = lo;
        while (k < hi && s.ts[k]! < t) k++;
        let v: number;
        if (k < hi && s.ts[k] === t) v = s.vs[k]!;
        else if (k > lo && k < hi) {
          const t0 = s.ts[k - 1]!;
          v = s.vs[k - 1]! + ((s.vs[k]! - s.vs[k - 1]!) * (t - t0)) / (s.ts[k]! - t0);
        } else if (k > lo) v = s.vs[k - 1]!;
        else continue;
        r.vs[i] = v;
        r.has[i] = 1;
      }
      if (!hasAnyPoint(r)) continue;
      out.push(r);
      if (this.stats !== null) {
        let points = 0;
        for (let i = 0; i < g.n; i++) points += r.has[i]!;
        this.countSelected(this.stats, r, points);
      }
    }
    return { kind: 'vector', series: out };
  }

  // ---- range vectors -------------------------------------------------------------------------

  /** A range selector's windows ending at `ends`, and the range of samples they need (no series yet). */
  private matrixWindow(m: MatrixSelector, g: Grid): RangeInput & { mint: number; maxt: number } {
    const rangeMs = m.rangeExpr ? this.resolveDuration(m.rangeExpr, false) : m.range;
    const ends = this.refTimes(m.vs, g);
    const { anchored, smoothed } = m.vs;
    const before = anchored || smoothed ? this.ctx.lookbackMs : 0;
    const after = smoothed ? this.ctx.lookbackMs : 0;
    let minEnd = Infinity;
    let maxEnd = -Infinity;
    for (let i = 0; i < ends.length; i++) {
      if (ends[i]! < minEnd) minEnd = ends[i]!;
      if (ends[i]! > maxEnd) maxEnd = ends[i]!;
    }
    return { series: [], ends, rangeMs, before, after, anchored, smoothed, mint: minEnd - rangeMs - before + 1, maxt: maxEnd + after };
  }

  /** Samples of a range selector for windows ending at `ends` (staleness markers removed). */
  private matrixInput(m: MatrixSelector, g: Grid): RangeInput {
    const input = this.matrixWindow(m, g);
    if (g.n > 0) input.series = this.withoutStale(this.select(m.vs.matchers, input.mint, input.maxt));
    return input;
  }

  /** The selected series with samples left once staleness markers are dropped, without them. */
  private withoutStale(selected: SeriesSamples[]): RangeSeries[] {
    const series: RangeSeries[] = [];
    for (const s of selected) {
      this.checkDeadline();
      const r = withoutStaleMarkers(s);
      if (r.count > 0) series.push(r);
    }
    if (this.stats !== null) {
      let loaded = 0;
      for (const r of series) loaded += r.count;
      this.stats.hold(loaded);
    }
    return series;
  }

  /** Evaluates a subquery's inner expression on its own grid and returns its points as samples. */
  private subqueryInput(sq: SubqueryExpr, g: Grid): RangeInput {
    const rangeMs = sq.rangeExpr ? this.resolveDuration(sq.rangeExpr, false) : sq.range;
    let stepMs = sq.stepExpr ? this.resolveDuration(sq.stepExpr, false) : sq.step;
    if (stepMs === 0) stepMs = this.ctx.noStepSubqueryIntervalMs;
    const ends = this.refTimes(sq, g);
    const plain = { before: 0, after: 0, anchored: false, smoothed: false };
    if (g.n === 0) return { series: [], ends, rangeMs, ...plain };
    let minEnd = Infinity;
    let maxEnd = -Infinity;
    for (let i = 0; i < ends.length; i++) {
      if (ends[i]! < minEnd) minEnd = ends[i]!;
      if (ends[i]! > maxEnd) maxEnd = ends[i]!;
    }
    // First multiple of the step strictly after the earliest window start, as upstream.
    const lowest = minEnd - rangeMs;
    let start = stepMs * Math.floor(lowest / stepMs);
    if (start <= lowest) start += stepMs;
    const inner = makeGrid(start, maxEnd, stepMs);
    this.checkColumns(1, inner.n);
    const v = this.evalInner(sq.expr, inner);
    const series: RangeSeries[] = [];
    for (const s of v.series) {
      let count = 0;
      for (let i = 0; i < inner.n; i++) count += s.has[i]!;
      if (count === 0) continue;
      const ts = new Float64Array(count);
      const vals = new Float64Array(count);
      let k = 0;
      for (let i = 0; i < inner.n; i++) {
        if (s.has[i]) {
          ts[k] = stepTime(inner, i);
          vals[k++] = s.vs[i]!;
        }
      }
      series.push({ labels: s.labels, ts, vs: vals, count, dropName: s.dropName });
    }
    return { series, ends, rangeMs, ...plain };
  }

  /**
   * A subquery's inner expression, its samples counted in a child collector (upstream counts
   * them in the windows over its result instead) whose peak still counts.
   */
  private evalInner(e: Expr, inner: Grid): VectorValue {
    const parent = this.stats;
    if (parent === null) return this.evalVector(e, inner);
    const child = parent.child();
    this.stats = child;
    try {
      return this.evalVector(e, inner);
    } finally {
      this.stats = parent;
      parent.hold(child.peakSamples);
    }
  }

  private rangeInput(e: Expr, g: Grid): RangeInput {
    const n = unwrapParens(e);
    if (n.type === 'MatrixSelector') return this.matrixInput(n, g);
    if (n.type === 'SubqueryExpr') return this.subqueryInput(n, g);
    throw new PromQLError('execution', `unexpected ${exprType(n)} where a range vector was expected`);
  }

  /** A range selector or subquery as a query result (instant queries only): the raw window. */
  private evalMatrixAsValue(e: MatrixSelector, g: Grid): MatrixValue {
    return this.windowAsMatrix(this.matrixInput(e, g), g);
  }

  private evalSubqueryAsValue(e: SubqueryExpr, g: Grid): MatrixValue {
    return this.windowAsMatrix(this.subqueryInput(e, g), g);
  }

  private windowAsMatrix(input: RangeInput, g: Grid): MatrixValue {
    if (g.n !== 1) {
      throw new PromQLError('bad_data', 'invalid expression type "range vector" for range query, must be Scalar or instant Vector');
    }
    const end = input.ends[0]!;
    const start = end - input.rangeMs;
    const series: RangeSeries[] = [];
    let total = 0;
    for (const s of input.series) {
      let lo = 0;
      while (lo < s.count && s.ts[lo]! <= start - input.before) lo++;
      let hi = lo;
      while (hi < s.count && s.ts[hi]! <= end + input.after) hi++;
      if (hi === lo) continue;
      const r: RangeSeries = { labels: s.labels, ts: s.ts.slice(lo, hi), vs: s.vs.slice(lo, hi), count: hi - lo, dropName: s.dropName };
      const out = input.anchored || input.smoothed ? extendFloats(r, start, end, input.smoothed) : r;
      if (out.count === 0) continue;
      total += out.count;
      series.push(out);
    }
    if (total > this.ctx.maxSamples) throw new PromQLError('execution', TOO_MANY_SAMPLES);
    if (this.stats !== null) {
      this.stats.totalSamples += total;
      this.stats.hold(total);
      if (this.stats.perStep !== null) this.stats.perStep[0]! += total;
    }
    return { kind: 'matrix', series };
  }

  // ---- function calls ------------------------------------------------------------------------

  /** Evaluates a function call through its row of the function table. */
  private evalCall(e: Call, g: Grid): Value {
    const impl = FUNCTION_IMPLS.get(e.func.name);
    if (!impl) throw new PromQLError('execution', `function ${JSON.stringify(e.func.name)} is not implemented`);
    switch (impl.kind) {
      case 'range':
        return this.evalRangeFunction(e, impl.fn, g);
      case 'special':
        return impl.fn(this, e, g);
      case 'instant':
        return impl.fn(
          e.args.map((a) => this.eval(a, g)),
          e,
          g,
          this,
        );
    }
  }

  /**
   * Evaluates a range-vector function: selects (or, for a subquery, computes) the samples once,
   * then slides each series' window along the steps and applies the function's kernel.
   */
  evalRangeFunction(e: Call, fn: RangeFunction, g: Grid): VectorValue {
    const out: StepSeries[] = [];
    this.eachRangeResult(e, fn, g, (labels, vs, has, dropName) => {
      // Same-type slices copy bytes, so NaN payloads survive.
      out.push({ labels, vs: vs.slice(), has: has.slice(), dropName });
    });
    return { kind: 'vector', series: out };
  }

  /**
   * The series of a range-vector function's result one at a time, without keeping them (see
   * {@link evalRangeFunction}, which keeps them, and `aggregate.ts`, which folds them into groups):
   * `each` is called, in input order, for every series with a point at some step, with its labels
   * (as selected: a dropped metric name is still there), its value and presence per step (in
   * buffers of `g.n` reused for the next series, zero where there is no point) and whether its
   * metric name is to be dropped, and its number of points. Returns the number of points of all series.
   *
   * Over a range selector, a function without scalar arguments and no stats collected, a querier
   * that can defer its selection (`range-rows.ts` `SplitQuerier`: query workers) computes the rows
   * itself, possibly on two threads, and hands them over in the same order with the same bits;
   * the sample limit is then checked against its candidate series (when they exceed it, the
   * series are selected and checked as here).
   * @throws {PromQLError} as the selection, the function's kernel, and `execution` when the
   *   selected series times the steps exceed the sample limit.
   */
  eachRangeResult(
    e: Call,
    fn: RangeFunction,
    g: Grid,
    each: (labels: Labels, vs: Float64Array, has: Uint8Array, dropName: boolean, points: number) => void,
  ): number {
    const name = e.func.name;
    const matrixArg = e.args.findIndex((a) => exprType(a) === 'matrix');
    const argExpr = unwrapParens(e.args[matrixArg]!);
    const scalars: Float64Array[] = [];
    for (let i = 0; i < e.args.length; i++) if (i !== matrixArg) scalars.push(this.evalScalar(e.args[i]!, g));
    let input: RangeInput;
    if (argExpr.type === 'MatrixSelector') {
      checkExtendedSelector(argExpr.vs, name, fn);
      const querier = this.ctx.querier;
      const window = this.matrixWindow(argExpr, g);
      // A querier that can defer the selection may compute the rows on several threads; the
      // sample limit is checked against its candidate count (else everything is read here).
      const func = rangeFunctionName(fn);
      if (func !== undefined && scalars.length === 0 && this.stats === null && g.n > 0 && window.mint <= window.maxt && isSplitQuerier(querier)) {
        const deferred = querier.deferSelect(argExpr.vs.matchers, window.mint, window.maxt);
        if (deferred.candidates * g.n <= this.ctx.maxSamples) return this.eachDeferredRow(deferred, fn, func, window, g, argExpr.pos, each);
        window.series = this.withoutStale(deferred.select());
        input = window;
      } else input = g.n > 0 ? this.matrixInput(argExpr, g) : window;
    } else input = this.rangeInput(argExpr, g);
    const annotations = this.ctx.annotations;
    const pos = argExpr.pos;
    this.checkColumns(input.series.length, g.n);
    const spec = rowSpec(name, input, g);
    const rows = new RangeRows(fn, spec, scalars, this.stats === null ? null : this.stats.perStep, (msg) => annotations.warn(msg, pos), () => this.checkDeadline());
    let total = 0;
    const vs = new Float64Array(g.n);
    const has = new Uint8Array(g.n);
    for (const s of input.series) {
      this.checkDeadline();
      const points = rows.row(s, vs, has);
      if (points === 0) continue;
      total += points;
      each(s.labels, vs, has, !fn.keepName || s.dropName, points);
      vs.fill(0);
      has.fill(0);
      if (fn.counterInfo) counterInfo(s.labels, this.ctx, pos);
    }
    if (this.stats !== null) this.stats.totalSamples += rows.windowed;
    return total;
  }

  /** {@link eachRangeResult} over a deferred selection: rows in series order, as that loop gives them. */
  private eachDeferredRow(
    deferred: DeferredSelection,
    fn: RangeFunction,
    func: string,
    input: RangeInput,
    g: Grid,
    pos: Pos,
    each: (labels: Labels, vs: Float64Array, has: Uint8Array, dropName: boolean, points: number) => void,
  ): number {
    let total = 0;
    deferred.eachRow(rowSpec(func, input, g), this.ctx.deadline, (labels, vs, has, points) => {
      total += points;
      each(labels, vs, has, !fn.keepName, points);
      if (fn.counterInfo) counterInfo(labels, this.ctx, pos);
    });
    return total;
  }

  /**
   * Fails as {@link eval} does for a node whose result holds `points` points: above the sample
   * limit (upstream `--query.max-samples`).
   * @throws {PromQLError} `execution` `query processing would load too many samples …`.
   */
  checkPointCount(points: number): void {
    if (points > this.ctx.maxSamples) throw new PromQLError('execution', TOO_MANY_SAMPLES);
  }
}

/** The row spec of a range function over `input`'s windows on grid `g`. */
function rowSpec(func: string, input: RangeInput, g: Grid): RangeRowSpec {
  const { ends, rangeMs, before, after, anchored, smoothed } = input;
  return { func, ends, rangeMs, before, after, anchored, smoothed, start: g.start, interval: g.interval };
}

/**
 * The info annotation of `rate`/`increase` over a series that may not be a counter, as upstream:
 * by its `__type__` label with the `type-and-unit-labels` feature, else by its name's suffix.
 * Series without a metric name are not annotated.
 */
function counterInfo(labels: Labels, ctx: EvalContext, pos: Pos): void {
  const metric = labelOf(labels, METRIC_NAME);
  if (metric === '') return;
  if (ctx.typeAndUnitLabels) {
    const type = labelOf(labels, '__type__');
    if (type !== 'counter' && type !== 'histogram') {
      ctx.annotations.info(
        `metric might not be a counter, __type__ label is not set to "counter" or "histogram", got ${JSON.stringify(type)}: ${JSON.stringify(metric)}`,
        pos,
      );
    }
  } else if (!/(_total|_sum|_count|_bucket)$/.test(metric)) {
    ctx.annotations.info(`metric might not be a counter, name does not end in _total/_sum/_count/_bucket: ${JSON.stringify(metric)}`, pos);
  }
}

/**
 * Rejects `anchored`/`smoothed` selectors for functions that do not support them, with
 * upstream's message listing the functions that do.
 */
function checkExtendedSelector(vs: VectorSelector, name: string, fn: RangeFunction): void {
  for (const mod of ['anchored', 'smoothed'] as const) {
    if (!vs[mod] || fn[mod]) continue;
    const allowed = [...RANGE_FUNCTIONS].filter(([, f]) => f[mod]).map(([n]) => n).sort();
    throw new PromQLError('execution', `${mod} modifier can only be used with: ${allowed.join(', ')} - not with ${name}`);
  }
}

/**
 * Unary minus, applied one or more times: negates values in place when `odd`, and marks series
 * for name removal either way (as each upstream unary minus does).
 */
function negate(v: Value, odd: boolean): void {
  if (v.kind === 'scalar') {
    if (odd) for (let i = 0; i < v.vs.length; i++) v.vs[i] = -v.vs[i]!;
  } else if (v.kind === 'vector') {
    for (const s of v.series) {
      s.dropName = true;
      if (odd) for (let i = 0; i < s.vs.length; i++) s.vs[i] = -s.vs[i]!;
    }
  }
}

/**
 * Labels of `absent()`/`absent_over_time()` output, as upstream: the `=` matchers' labels, except
 * a label constrained more than once or by any other matcher type; never `__name__`.
 */
export function absentLabels(matchers: readonly Matcher[]): Labels {
  const b = new LabelsBuilder();
  const seen = new Set<string>();
  for (const m of matchers) {
    if (m.name === METRIC_NAME) continue;
    if (m.type === '=' && !seen.has(m.name)) {
      b.set(m.name, m.value);
      seen.add(m.name);
    } else {
      b.del(m.name);
    }
  }
  return b.labels();
}
