/**
 * One `/api/v1/query` or `/api/v1/query_range` evaluation, from parsed parameters to the response
 * JSON text. Shared by the in-process path and the query workers (`query-worker.ts`), so both
 * answer byte for byte alike.
 */
import { QueryStats, type Engine, type QueryResult } from '../promql/index.js';
import type { Storage } from '../tsdb/types.js';
import { queryResponseJson } from './encode.js';

/** A query as the API received it, parameters already validated. Times are ms. */
export interface QueryRequest {
  kind: 'instant' | 'range';
  query: string;
  /** Evaluation time of an instant query, or start of a range query (ms). */
  start: number;
  /** End of a range query (ms); equals `start` for instant queries. */
  end: number;
  /** Step of a range query (ms, > 0); 0 for instant queries. */
  step: number;
  /**
   * Absolute deadline from the API's `timeout` parameter (ms since the epoch, `Date.now()` clock);
   * `Infinity` when none was given. The engine's `--query.timeout` applies on top.
   */
  deadline: number;
  /** `lookback_delta` parameter (ms), 0 = the engine's default. */
  lookbackDeltaMs: number;
  /** `limit` parameter: most series (matrix) or samples (vector) returned; 0 = no limit. */
  limit: number;
  /**
   * `stats` parameter: absent = no `data.stats`; `summary` = timings and sample totals; `all` =
   * also per-step sample counts when the engine's `perStepStats` feature is on (as upstream,
   * where any non-empty value asks for stats and `all` for the per-step ones).
   */
  stats?: 'summary' | 'all';
  /**
   * When the API received the query, ms on the `performance.timeOrigin + performance.now()`
   * clock (comparable across threads): the start of `execQueueTime` and `execTotalTime`.
   */
  arrivedAt?: number;
}

/** The `data.stats` object of a query response (upstream `stats.BuiltinStats`); times in seconds. */
export interface QueryStatsJson {
  timings: {
    evalTotalTime: number;
    resultSortTime: number;
    queryPreparationTime: number;
    innerEvalTime: number;
    execQueueTime: number;
    execTotalTime: number;
  };
  samples: {
    /** `[unix seconds, samples]` per step; only with `stats=all` and the per-step feature. */
    totalQueryableSamplesPerStep?: [number, number][];
    totalQueryableSamples: number;
    peakSamples: number;
  };
}

/** Upstream's warning when `limit` cut the result. */
const TRUNCATED = 'results truncated due to limit';

/**
 * Evaluates `req` against `storage` and encodes the success response, with upstream's `limit`
 * truncation (first `limit` samples of a vector or series of a matrix, plus a warning).
 * @throws {PromQLError} as `Engine.instantQuery` / `Engine.rangeQuery`.
 */
export function executeQuery(engine: Engine, storage: Pick<Storage, 'querier'>, req: QueryRequest): string {
  const began = clock();
  const steps = req.kind === 'instant' ? 1 : req.step > 0 && req.end >= req.start ? Math.floor((req.end - req.start) / req.step) + 1 : 0;
  const stats = req.stats ? new QueryStats(req.stats === 'all' && engine.features.perStepStats ? steps : 0) : undefined;
  const opts = { deadline: req.deadline, lookbackDeltaMs: req.lookbackDeltaMs, stats };
  const res =
    req.kind === 'instant'
      ? engine.instantQuery(storage, req.query, req.start, opts)
      : engine.rangeQuery(storage, req.query, req.start, req.end, req.step, opts);
  const extras = stats ? { stats: statsJson(stats, req, began) } : {};
  return queryResponseJson(truncate(res, req.limit), extras);
}

/** Milliseconds on a clock shared by all threads of the process, with sub-millisecond precision. */
export function clock(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Upstream's `data.stats` from a finished query's collector: the evaluation total is preparation
 * + evaluation + result sorting, the queue time runs from `req.arrivedAt` (default: `began`) to
 * `began`, and the execution total from `req.arrivedAt` to now.
 */
function statsJson(stats: QueryStats, req: QueryRequest, began: number): QueryStatsJson {
  const arrived = req.arrivedAt ?? began;
  const ended = clock();
  const samples: QueryStatsJson['samples'] = { totalQueryableSamples: stats.totalSamples, peakSamples: stats.peakSamples };
  if (stats.perStep !== null) {
    const perStep: [number, number][] = new Array(stats.perStep.length);
    for (let i = 0; i < perStep.length; i++) perStep[i] = [(req.start + i * req.step) / 1000, stats.perStep[i]!];
    return { timings: timings(stats, arrived, began, ended), samples: { totalQueryableSamplesPerStep: perStep, ...samples } };
  }
  return { timings: timings(stats, arrived, began, ended), samples };
}

function timings(stats: QueryStats, arrived: number, began: number, ended: number): QueryStatsJson['timings'] {
  return {
    evalTotalTime: (stats.preparationMs + stats.innerEvalMs + stats.resultSortMs) / 1000,
    resultSortTime: stats.resultSortMs / 1000,
    queryPreparationTime: stats.preparationMs / 1000,
    innerEvalTime: stats.innerEvalMs / 1000,
    execQueueTime: Math.max(0, began - arrived) / 1000,
    execTotalTime: Math.max(0, ended - arrived) / 1000,
  };
}

function truncate(res: QueryResult, limit: number): QueryResult {
  if (limit <= 0) return res;
  const v = res.value;
  if (v.type === 'vector' && v.samples.length > limit) {
    return { ...res, value: { type: 'vector', samples: v.samples.slice(0, limit) }, warnings: [...res.warnings, TRUNCATED] };
  }
  if (v.type === 'matrix' && v.series.length > limit) {
    return { ...res, value: { type: 'matrix', series: v.series.slice(0, limit) }, warnings: [...res.warnings, TRUNCATED] };
  }
  return res;
}
