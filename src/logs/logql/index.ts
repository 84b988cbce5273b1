/**
 * LogQL, Loki's query language, over Lookout's log store: parse with {@link parseLogQL}, run log
 * queries with {@link evaluateLogQuery}, metric queries with {@link evaluateMetric}, and single
 * instants (the ruler) with {@link evaluateInstant}. The HTTP API is in `src/web/loki-query.ts`.
 */
export type * from './ast.js';
export { LogQLExecError, LogQLParseError, LogQLTimeoutError } from './errors.js';
export { parseLogQL, MAX_QUERY_LENGTH } from './parser.js';
export { evaluateLogQuery, type LogQueryParams, type LogStreamResult } from './log-query.js';
export { evaluateInstant, evaluateMetric, type InstantSample, type MetricValue } from './evaluate.js';
export { type Steps, type StepSeries } from './range-agg.js';
export { QueryStats, statsJson } from './stats.js';
export { compilePipeline, EntryState, ERROR_LABEL, ERROR_DETAILS_LABEL, type Pipeline } from './pipeline.js';
