/**
 * The parser's function table, as upstream `promql/parser/functions.go`: each function name with
 * its argument types, how many optional trailing arguments it takes and its return type. The
 * engine's implementations live in one table too (`functions/index.ts`); adding a function is one
 * row in each.
 */

/** Argument and return types of functions. */
export type ArgType = 'scalar' | 'vector' | 'matrix' | 'string';

/** A PromQL function's signature. */
export interface FunctionSignature {
  readonly name: string;
  readonly argTypes: readonly ArgType[];
  /**
   * 0: exactly `argTypes.length` arguments. n > 0: between `argTypes.length - 1` and
   * `argTypes.length - 1 + n` arguments. -1: at least `argTypes.length - 1`, no maximum. Extra
   * arguments have the last argument type.
   */
  readonly variadic: number;
  readonly returnType: 'scalar' | 'vector';
  /** Behind `--enable-feature=promql-experimental-functions` upstream (enabled in Lookout). */
  readonly experimental: boolean;
}

type Row = [args: string, ret: 'scalar' | 'vector', variadic?: number, experimental?: boolean];

const V = 'vector';
const M = 'matrix';

/** Rows: argument types (comma separated, `v`/`m`/`s`/`str`), return type, variadic, experimental. */
const ROWS: Record<string, Row> = {
  abs: ['v', V],
  absent: ['v', V],
  absent_over_time: ['m', V],
  acos: ['v', V],
  acosh: ['v', V],
  asin: ['v', V],
  asinh: ['v', V],
  atan: ['v', V],
  atanh: ['v', V],
  avg_over_time: ['m', V],
  ceil: ['v', V],
  changes: ['m', V],
  clamp: ['v,s,s', V],
  clamp_max: ['v,s', V],
  clamp_min: ['v,s', V],
  cos: ['v', V],
  cosh: ['v', V],
  count_over_time: ['m', V],
  days_in_month: ['v', V, 1],
  day_of_month: ['v', V, 1],
  day_of_week: ['v', V, 1],
  day_of_year: ['v', V, 1],
  deg: ['v', V],
  delta: ['m', V],
  deriv: ['m', V],
  double_exponential_smoothing: ['m,s,s', V, 0, true],
  end: ['', 'scalar', 0, true],
  exp: ['v', V],
  first_over_time: ['m', V],
  floor: ['v', V],
  histogram_avg: ['v', V],
  histogram_count: ['v', V],
  histogram_fraction: ['s,s,v', V],
  histogram_quantile: ['s,v', V],
  histogram_quantiles: ['v,str,s,s', V, 9, true],
  histogram_stddev: ['v', V],
  histogram_stdvar: ['v', V],
  histogram_sum: ['v', V],
  hour: ['v', V, 1],
  idelta: ['m', V],
  increase: ['m', V],
  info: ['v,v', V, 1, true],
  irate: ['m', V],
  label_join: ['v,str,str,str', V, -1],
  label_replace: ['v,str,str,str,str', V],
  last_over_time: ['m', V],
  ln: ['v', V],
  log10: ['v', V],
  log2: ['v', V],
  mad_over_time: ['m', V, 0, true],
  max_of: ['s,s', 'scalar', 0, true],
  max_over_time: ['m', V],
  min_of: ['s,s', 'scalar', 0, true],
  min_over_time: ['m', V],
  minute: ['v', V, 1],
  month: ['v', V, 1],
  pi: ['', 'scalar'],
  predict_linear: ['m,s', V],
  present_over_time: ['m', V],
  quantile_over_time: ['s,m', V],
  rad: ['v', V],
  range: ['', 'scalar', 0, true],
  rate: ['m', V],
  resets: ['m', V],
  round: ['v,s', V, 1],
  scalar: ['v', 'scalar'],
  sgn: ['v', V],
  sin: ['v', V],
  sinh: ['v', V],
  sort: ['v', V],
  sort_by_label: ['v,str', V, -1, true],
  sort_by_label_desc: ['v,str', V, -1, true],
  sort_desc: ['v', V],
  sqrt: ['v', V],
  start: ['', 'scalar', 0, true],
  start_timestamp: ['v', V, 0, true],
  stddev_over_time: ['m', V],
  stdvar_over_time: ['m', V],
  step: ['', 'scalar', 0, true],
  sum_over_time: ['m', V],
  tan: ['v', V],
  tanh: ['v', V],
  time: ['', 'scalar'],
  timestamp: ['v', V],
  ts_of_first_over_time: ['m', V, 0, true],
  ts_of_last_over_time: ['m', V, 0, true],
  ts_of_max_over_time: ['m', V, 0, true],
  ts_of_min_over_time: ['m', V, 0, true],
  vector: ['s', V],
  year: ['v', V, 1],
};

const ARG: Record<string, ArgType> = { v: 'vector', m: M, s: 'scalar', str: 'string' };

/** Every function by name. */
export const FUNCTIONS: ReadonlyMap<string, FunctionSignature> = new Map(
  Object.entries(ROWS).map(([name, [args, returnType, variadic = 0, experimental = false]]) => [
    name,
    Object.freeze({
      name,
      argTypes: Object.freeze(args === '' ? [] : args.split(',').map((a) => ARG[a]!)),
      variadic,
      returnType,
      experimental,
    }),
  ]),
);

/**
 * Functions whose result depends on the evaluation time even when their arguments do not, as
 * upstream `AtModifierUnsafeFunctions` (the conformance harness skips its `@` rewrite for them).
 */
export const AT_MODIFIER_UNSAFE_FUNCTIONS: ReadonlySet<string> = new Set([
  'days_in_month',
  'day_of_month',
  'day_of_week',
  'day_of_year',
  'end',
  'hour',
  'minute',
  'month',
  'year',
  'predict_linear',
  'range',
  'start',
  'step',
  'time',
  'timestamp',
]);
