/**
 * The PromQL engine's public entry points: instant and range queries against a `Storage`, as
 * upstream `promql.Engine` (Prometheus 3.x semantics). Experimental language features are
 * switched by {@link EngineOptions.features} (see `features.ts`), off by default as upstream.
 * Timestamps and durations are integer milliseconds.
 */
import { compare, key } from '../model/labels.js';
import { type Storage, StorageReadError } from '../tsdb/types.js';
import { exprType, walk, type Expr, type SubqueryExpr } from './ast.js';
import { Annotations } from './engine/annotations.js';
import { Evaluator, type EvalContext } from './engine/evaluator.js';
import { DUPLICATE_LABELSET, dropMetadata, mergeSameLabels } from './engine/merge.js';
import type { QueryStats } from './engine/stats.js';
import { makeGrid, type StepSeries, type Value } from './engine/types.js';
import { parseError, PromQLError } from './errors.js';
import { DEFAULT_FEATURES, disabledConstruct, type PromQLFeatures } from './features.js';
import { isStackOverflow, parseExpr, sourceOf } from './parser.js';
import type { MatrixSeries, QueryResult, QueryValue, VectorSample } from './value.js';

/** Engine settings (all optional). */
export interface EngineOptions {
  /** How far back an instant selector looks for a sample, ms (upstream `--query.lookback-delta`, default 5m). */
  lookbackDeltaMs?: number;
  /** Most samples one node of a query may hold (upstream `--query.max-samples`, default 50,000,000). */
  maxSamples?: number;
  /**
   * Step of subqueries written without one (`[1h:]`), ms. Upstream uses the global
   * `evaluation_interval` (default 1m).
   */
  noStepSubqueryIntervalMs?: number;
  /** Longest evaluation of one query, ms (upstream `--query.timeout`, default 2m). */
  timeoutMs?: number;
  /**
   * Experimental features (upstream `--enable-feature=…`), default {@link DEFAULT_FEATURES}
   * (upstream's: duration expressions only). Plain data, so it can be sent to worker threads.
   */
  features?: PromQLFeatures;
}

/** Settings of one query (all optional). */
export interface QueryOptions {
  /**
   * Absolute deadline, ms since the epoch on the `Date.now()` clock: the API's `timeout`
   * parameter counted from the request's arrival. The engine's own `timeoutMs` still runs from
   * the start of evaluation; the earlier of the two ends the query (as upstream's nested contexts).
   */
  deadline?: number;
  /** Lookback delta of this query, ms (API `lookback_delta`); absent or ≤ 0 = the engine's. */
  lookbackDeltaMs?: number;
  /**
   * Where to count samples and record timings (API `stats`). Its per-step counts, if any, must
   * have one slot per step of the query (1 for an instant query). Absent: nothing is counted.
   */
  stats?: QueryStats;
}

/** Evaluates PromQL queries. Stateless between queries; safe to share. */
export class Engine {
  private readonly lookbackMs: number;
  private readonly maxSamples: number;
  private readonly noStepSubqueryIntervalMs: number;
  private readonly timeoutMs: number;
  /** The experimental features this engine accepts and applies. */
  readonly features: Readonly<PromQLFeatures>;

  constructor(opts: EngineOptions = {}) {
    this.lookbackMs = opts.lookbackDeltaMs ?? 300_000;
    this.maxSamples = opts.maxSamples ?? 50_000_000;
    this.noStepSubqueryIntervalMs = opts.noStepSubqueryIntervalMs ?? 60_000;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.features = Object.freeze({ ...(opts.features ?? DEFAULT_FEATURES) });
  }

  /**
   * Instant query at `t` (ms). The result type is the expression's: vector (samples stamped `t`),
   * scalar, string, or matrix (for a range selector or subquery, sorted by labels). A query text
   * is parsed with this engine's features; an already parsed tree (a rule's) is checked against
   * them and refused with the same parse error as its text would be.
   * @throws {PromQLError} `bad_data` for parse/type errors (including experimental syntax or
   *   functions whose feature is off), `execution` for evaluation errors such
   *   as `vector cannot contain metrics with the same labelset` or many-to-many matching or
   *   `query processing would load too many samples into memory in query execution` (more than
   *   `maxSamples` in one node), `timeout` past the deadline (`query timed out in expression
   *   evaluation`, or `… in query execution` when it passed before evaluation began).
   */
  instantQuery(storage: Pick<Storage, 'querier'>, query: string | Expr, t: number, opts: QueryOptions = {}): QueryResult {
    const began = performance.now();
    const { expr, source } = this.prepare(query);
    return this.run(storage, expr, source, t, t, 0, opts, began, (v) => instantValue(v, t, exprType(expr)));
  }

  /**
   * Range query over `[start, end]` every `step` (all ms, step > 0). The result is always a
   * matrix sorted by labels; a scalar expression gives one series without labels.
   * @throws {PromQLError} as {@link instantQuery}, and `bad_data` for expressions that are not a
   *   scalar or instant vector or a negative step; a step of 0 (a sub-millisecond API step) fails
   *   as upstream's engine does on it, `execution` `unexpected error: runtime error: integer
   *   divide by zero`.
   */
  rangeQuery(
    storage: Pick<Storage, 'querier'>,
    query: string | Expr,
    start: number,
    end: number,
    step: number,
    opts: QueryOptions = {},
  ): QueryResult {
    const began = performance.now();
    const { expr, source } = this.prepare(query);
    const type = exprType(expr);
    if (type !== 'vector' && type !== 'scalar') {
      throw new PromQLError(
        'bad_data',
        `invalid expression type "${type === 'matrix' ? 'range vector' : type}" for range query, must be Scalar or instant Vector`,
      );
    }
    if (step === 0) throw new PromQLError('execution', 'unexpected error: runtime error: integer divide by zero');
    if (!(step > 0)) throw new PromQLError('bad_data', 'zero or negative query resolution step widths are not accepted');
    return this.run(storage, expr, source, start, end, step, opts, began, (v) => rangeValue(v, start, step));
  }

  private prepare(query: string | Expr): { expr: Expr; source: string | undefined } {
    if (typeof query === 'string') return { expr: parseExpr(query, this.features), source: query };
    const source = sourceOf(query);
    const off = disabledConstruct(query, this.features);
    if (off) throw parseError(source ?? '', off.pos.start, off.pos.end, off.reason);
    return { expr: query, source };
  }

  private run(
    storage: Pick<Storage, 'querier'>,
    expr: Expr,
    source: string | undefined,
    start: number,
    end: number,
    step: number,
    opts: QueryOptions,
    began: number,
    convert: (v: Value) => QueryValue,
  ): QueryResult {
    const started = Date.now();
    const deadline = Math.min(started + this.timeoutMs, opts.deadline ?? Infinity);
    if (started >= deadline) throw new PromQLError('timeout', 'query timed out in query execution');
    const annotations = new Annotations(source);
    const ctx: EvalContext = {
      querier: emptyQuerier,
      lookbackMs: opts.lookbackDeltaMs !== undefined && opts.lookbackDeltaMs > 0 ? opts.lookbackDeltaMs : this.lookbackMs,
      noStepSubqueryIntervalMs: this.noStepSubqueryIntervalMs,
      queryStart: start,
      queryEnd: end,
      queryStep: step,
      annotations,
      maxSamples: this.maxSamples,
      deadline,
      delayedNameRemoval: this.features.delayedNameRemoval === true,
      typeAndUnitLabels: this.features.typeAndUnitLabels === true,
      stats: opts.stats ?? null,
    };
    const ev = new Evaluator(ctx);
    try {
      const [mint, maxt] = selectedTimeRange(ev, expr, start, end);
      ctx.querier = storage.querier(mint, maxt);
      const grid = step > 0 ? makeGrid(start, end, step) : makeGrid(start, start, 1);
      const evalBegan = performance.now();
      const evaluated = ev.eval(expr, grid);
      const evalEnded = performance.now();
      const value = convert(evaluated);
      if (opts.stats) {
        opts.stats.preparationMs = evalBegan - began + ev.selectMs;
        opts.stats.innerEvalMs = evalEnded - evalBegan - ev.selectMs;
        opts.stats.resultSortMs = performance.now() - evalEnded;
      }
      return { value, warnings: annotations.warningList(), infos: annotations.infoList() };
    } catch (e) {
      if (e instanceof PromQLError) throw e;
      // Damaged stored data fails the query, as upstream's "cannot populate chunk …" execution error.
      if (e instanceof StorageReadError) throw new PromQLError('execution', e.message);
      if (isStackOverflow(e)) {
        throw new PromQLError('execution', 'unexpected error: expression nested too deeply to evaluate (maximum call stack size exceeded)');
      }
      if (e instanceof RangeError) throw new PromQLError('execution', `unexpected error: ${e.message}`);
      throw e;
    }
  }
}

const emptyQuerier: EvalContext['querier'] = {
  select: () => [],
  series: () => [],
  labelNames: () => [],
  labelValues: () => [],
};

/**
 * The time range (ms) the query reads, as upstream `FindMinMaxTime`: every selector's window
 * at every step, including offsets, `@`, lookback and enclosing subqueries' ranges.
 */
function selectedTimeRange(ev: Evaluator, expr: Expr, start: number, end: number): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  const lookback = ev.ctx.lookbackMs;
  walk(expr, (node, path) => {
    if (node.type !== 'VectorSelector') return;
    let s = start;
    let e = end;
    let subqOffset = 0;
    let subqRange = 0;
    let subqAt: number | null = null;
    for (const p of path) {
      if (p.type !== 'SubqueryExpr') continue;
      const sq = p as SubqueryExpr;
      const off = ev.offsetOf(sq);
      const range = sq.rangeExpr ? ev.resolveDuration(sq.rangeExpr, false) : sq.range;
      const at = ev.atOf(sq);
      if (at !== null) {
        subqOffset = off;
        subqRange = range;
        subqAt = at;
      } else {
        subqOffset += off;
        subqRange += range;
      }
    }
    if (subqAt !== null) s = e = subqAt;
    const at = ev.atOf(node);
    if (at !== null) s = e = at;
    else {
      s = s - subqOffset - subqRange;
      e -= subqOffset;
    }
    const parent = path[path.length - 1];
    if (parent && parent.type === 'MatrixSelector') {
      const range = parent.rangeExpr ? ev.resolveDuration(parent.rangeExpr, false) : parent.range;
      s -= range - 1;
      if (node.anchored || node.smoothed) s -= lookback;
    } else {
      s -= lookback - 1;
    }
    if (node.smoothed) e += lookback;
    const off = ev.offsetOf(node);
    s -= off;
    e -= off;
    if (s < min) min = s;
    if (e > max) max = e;
  });
  return max === -Infinity ? [0, 0] : [min, max];
}

/** Applies delayed name removal to the final series. */
function cleanup(series: StepSeries[]): StepSeries[] {
  for (const s of series) {
    if (s.dropName) {
      s.labels = dropMetadata(s.labels);
      s.dropName = false;
    }
  }
  return series;
}

function instantValue(v: Value, t: number, type: string): QueryValue {
  switch (v.kind) {
    case 'scalar':
      return { type: 'scalar', t, v: v.vs[0] ?? NaN };
    case 'string':
      return { type: 'string', t, v: v.v };
    case 'matrix': {
      const merged = new Map<string, MatrixSeries>();
      for (const s of v.series) {
        const labels = s.dropName ? dropMetadata(s.labels) : s.labels;
        const k = key(labels);
        if (merged.has(k)) throw new PromQLError('execution', DUPLICATE_LABELSET);
        merged.set(k, { labels, ts: s.ts.subarray(0, s.count), vs: s.vs.subarray(0, s.count) });
      }
      return { type: 'matrix', series: [...merged.values()].sort((a, b) => compare(a.labels, b.labels)) };
    }
    case 'vector': {
      if (type !== 'vector') throw new PromQLError('execution', `unexpected vector result for ${type} expression`);
      const seen = new Set<string>();
      const samples: VectorSample[] = [];
      for (const s of cleanup(v.series)) {
        if (!s.has[0]) continue;
        const k = key(s.labels);
        if (seen.has(k)) throw new PromQLError('execution', DUPLICATE_LABELSET);
        seen.add(k);
        samples.push({ labels: s.labels, t, v: s.vs[0]! });
      }
      return { type: 'vector', samples };
    }
  }
}

function rangeValue(v: Value, start: number, step: number): QueryValue {
  if (v.kind === 'scalar') {
    const ts = new Float64Array(v.vs.length);
    for (let i = 0; i < ts.length; i++) ts[i] = start + i * step;
    return { type: 'matrix', series: [{ labels: [], ts, vs: v.vs }] };
  }
  if (v.kind !== 'vector') throw new PromQLError('execution', `unexpected ${v.kind} result for a range query`);
  const series = mergeSameLabels(cleanup(v.series));
  const out: MatrixSeries[] = [];
  // Series with a point at every step keep their value column and share one timestamp column.
  let grid: Float64Array | null = null;
  for (const s of series) {
    let count = 0;
    for (let i = 0; i < s.has.length; i++) count += s.has[i]!;
    if (count === 0) continue;
    if (count === s.has.length && s.vs.length === count) {
      if (grid === null) {
        grid = new Float64Array(count);
        for (let i = 0; i < count; i++) grid[i] = start + i * step;
      }
      out.push({ labels: s.labels, ts: grid, vs: s.vs });
      continue;
    }
    const ts = new Float64Array(count);
    const vs = new Float64Array(count);
    let k = 0;
    for (let i = 0; i < s.has.length; i++) {
      if (!s.has[i]) continue;
      ts[k] = start + i * step;
      vs[k++] = s.vs[i]!;
    }
    out.push({ labels: s.labels, ts, vs });
  }
  out.sort((a, b) => compare(a.labels, b.labels));
  return { type: 'matrix', series: out };
}
