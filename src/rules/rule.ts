/**
 * What recording and alerting rules share: the query seam to the PromQL engine, rule health, and
 * the samples a rule evaluation produces.
 */
import type { Labels } from '../model/labels.js';
import type { Expr, QueryResult } from '../promql/index.js';
import type { Storage } from '../tsdb/types.js';

/** The part of the PromQL engine (`src/promql` `Engine`) rules use. */
export interface RuleQueryEngine {
  /** Instant query at `t` (ms). Throws `PromQLError` on failure. */
  instantQuery(storage: Pick<Storage, 'querier'>, query: string | Expr, t: number): QueryResult;
}

/** One sample of an instant-vector result. */
export interface RuleSample {
  labels: Labels;
  /** Timestamp (ms). */
  t: number;
  v: number;
}

/**
 * Runs an instant query at `t` (ms) and returns its vector, as upstream `EngineQueryFunc`: a scalar
 * becomes one label-less sample; other result types fail with `rule result is not a vector or scalar`.
 */
export type QueryFunc = (query: string | Expr, t: number) => RuleSample[];

/** Builds a {@link QueryFunc} over an engine and a storage. */
export function engineQueryFunc(engine: RuleQueryEngine, storage: Pick<Storage, 'querier'>): QueryFunc {
  return (query, t) => {
    const res = engine.instantQuery(storage, query, t);
    const v = res.value;
    if (v.type === 'vector') return v.samples;
    if (v.type === 'scalar') return [{ labels: [], t: v.t, v: v.v }];
    throw new Error('rule result is not a vector or scalar');
  };
}

/** Rule health as `/api/v1/rules` reports it. */
export type RuleHealth = 'unknown' | 'ok' | 'err';

/** Evaluation bookkeeping common to both rule kinds. */
export class RuleStatus {
  health: RuleHealth = 'unknown';
  lastError = '';
  /** Duration of the last evaluation in seconds. */
  evaluationSeconds = 0;
  /** Wall-clock start of the last evaluation (ms), null before the first one. */
  lastEvaluation: number | null = null;
}
