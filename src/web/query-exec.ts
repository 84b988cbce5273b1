/**
 * One `/api/v1/query` or `/api/v1/query_range` evaluation, from parsed parameters to the response
 * JSON text. Shared by the in-process path and the query workers (`query-worker.ts`), so both
 * answer byte for byte alike.
 */
import type { Engine, QueryResult } from '../promql/index.js';
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
}

/** Upstream's warning when `limit` cut the result. */
const TRUNCATED = 'results truncated due to limit';

/**
 * Evaluates `req` against `storage` and encodes the success response, with upstream's `limit`
 * truncation (first `limit` samples of a vector or series of a matrix, plus a warning).
 * @throws {PromQLError} as `Engine.instantQuery` / `Engine.rangeQuery`.
 */
export function executeQuery(engine: Engine, storage: Pick<Storage, 'querier'>, req: QueryRequest): string {
  const opts = { deadline: req.deadline, lookbackDeltaMs: req.lookbackDeltaMs };
  const res =
    req.kind === 'instant'
      ? engine.instantQuery(storage, req.query, req.start, opts)
      : engine.rangeQuery(storage, req.query, req.start, req.end, req.step, opts);
  return queryResponseJson(truncate(res, req.limit));
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
