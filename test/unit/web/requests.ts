import type { QueryRequest } from '../../../src/web/query-exec.js';

/** A range query request (times in ms) with no deadline, the default lookback and no series limit; `more` overrides fields. */
export function rangeRequest(query: string, start: number, end: number, step: number, more: Partial<QueryRequest> = {}): QueryRequest {
  return { kind: 'range', query, start, end, step, deadline: Infinity, lookbackDeltaMs: 0, limit: 0, ...more };
}
