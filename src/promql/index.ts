/**
 * PromQL for Lookout: parser, type checker and engine with Prometheus 3.x semantics.
 *
 * ```ts
 * const engine = new Engine();
 * const res = engine.rangeQuery(storage, 'sum by (code) (rate(http_requests_total[5m]))', start, end, 15_000);
 * ```
 */
export { PromQLError, type PromQLErrorType, type PositionRange } from './errors.js';
export { parseExpr, parseMetricSelector } from './parser.js';
export { Engine, type EngineOptions, type QueryOptions } from './engine.js';
export { QueryStats } from './engine/stats.js';
export {
  ALL_FEATURES,
  DEFAULT_FEATURES,
  featuresFromFlags,
  PROMQL_FEATURE_FLAGS,
  type FeatureFlagResult,
  type PromQLFeatures,
} from './features.js';
export { exprType, walk, unwrapParens } from './ast.js';
export type {
  AggregateExpr,
  BinaryExpr,
  Call,
  DurationExpr,
  Expr,
  MatrixSelector,
  NumberLiteral,
  ParenExpr,
  StringLiteral,
  SubqueryExpr,
  UnaryExpr,
  ValueType,
  VectorMatching,
  VectorSelector,
} from './ast.js';
export { FUNCTIONS, type FunctionSignature } from './functions/signatures.js';
export type { MatrixSeries, QueryResult, QueryValue, VectorSample } from './value.js';
export { parseSeriesDesc, SeriesDescError, SeriesPoint, type SeriesDescription } from './series-desc.js';
export { formatExpr } from './printer.js';
