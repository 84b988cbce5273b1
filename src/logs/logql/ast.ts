/**
 * LogQL syntax tree, as Loki's `syntax` package: a log query is a stream selector with a
 * pipeline; a metric query is built from range aggregations over log ranges, vector
 * aggregations, binary operations and literals. Durations are integer **milliseconds**.
 */
import type { Matcher } from '../../model/matcher.js';

/** Comparison operators of numeric, duration and bytes label filters. */
export type CmpOp = '==' | '!=' | '>' | '>=' | '<' | '<=';

/** A label filter (`| status >= 500`, `| level="error" or duration > 1s`). */
export type LabelFilter =
  | { readonly kind: 'string'; readonly matcher: Matcher }
  | { readonly kind: 'numeric' | 'duration' | 'bytes'; readonly name: string; readonly op: CmpOp; readonly value: number }
  | { readonly kind: 'and' | 'or'; readonly left: LabelFilter; readonly right: LabelFilter };

/** Line filter operators: contains, regex, and (`|>`, `!>`) pattern match. */
export type LineFilterOp = '|=' | '!=' | '|~' | '!~' | '|>' | '!>';

/** A parameter of `json`/`logfmt`: `name="path"`, or a bare `name` (path = name). */
export interface ParserParam {
  readonly name: string;
  readonly path: string;
}

/** One `label_format` item: `name="template"` or `name=source` (a rename). */
export interface LabelFormatItem {
  readonly name: string;
  readonly template?: string;
  readonly rename?: string;
}

/** One `drop`/`keep` item: a name, or a matcher the label must satisfy. */
export interface NameOrMatcher {
  readonly name: string;
  readonly matcher?: Matcher;
}

/** A pipeline stage. `values` of a line filter are `or`-ed alternatives. */
export type Stage =
  | { readonly kind: 'lineFilter'; readonly op: LineFilterOp; readonly values: readonly string[] }
  | { readonly kind: 'json'; readonly params: readonly ParserParam[] }
  | { readonly kind: 'logfmt'; readonly strict: boolean; readonly keepEmpty: boolean; readonly params: readonly ParserParam[] }
  | { readonly kind: 'regexp'; readonly pattern: string }
  | { readonly kind: 'pattern'; readonly pattern: string }
  | { readonly kind: 'unpack' }
  | { readonly kind: 'decolorize' }
  | { readonly kind: 'labelFilter'; readonly filter: LabelFilter }
  | { readonly kind: 'lineFormat'; readonly template: string }
  | { readonly kind: 'labelFormat'; readonly items: readonly LabelFormatItem[] }
  | { readonly kind: 'drop' | 'keep'; readonly items: readonly NameOrMatcher[] };

/** A log query: `{matchers} stages…`. */
export interface LogSelector {
  readonly kind: 'log';
  readonly matchers: readonly Matcher[];
  readonly stages: readonly Stage[];
}

/** `| unwrap [conv(]label[)]` and the label filters after it. */
export interface Unwrap {
  readonly label: string;
  readonly conversion: '' | 'duration' | 'duration_seconds' | 'bytes';
  readonly postFilters: readonly LabelFilter[];
}

/** Range aggregation functions. */
export type RangeOp =
  | 'count_over_time'
  | 'rate'
  | 'bytes_over_time'
  | 'bytes_rate'
  | 'sum_over_time'
  | 'avg_over_time'
  | 'min_over_time'
  | 'max_over_time'
  | 'stddev_over_time'
  | 'stdvar_over_time'
  | 'quantile_over_time'
  | 'first_over_time'
  | 'last_over_time'
  | 'absent_over_time';

/** Vector aggregation operators. */
export type VectorOp = 'sum' | 'avg' | 'min' | 'max' | 'count' | 'stddev' | 'stdvar' | 'topk' | 'bottomk' | 'sort' | 'sort_desc';

/** `by (…)` / `without (…)`. */
export interface Grouping {
  readonly without: boolean;
  readonly labels: readonly string[];
}

/** `rate({…} |= "x" [5m] offset 1m)` and the other range aggregations. */
export interface RangeAggregation {
  readonly kind: 'range';
  readonly op: RangeOp;
  /** φ of quantile_over_time. */
  readonly param?: number;
  readonly selector: LogSelector;
  readonly unwrap?: Unwrap;
  readonly rangeMs: number;
  readonly offsetMs: number;
  /** Grouping of unwrapped range aggregations (`… by (x)`). */
  readonly grouping?: Grouping;
}

/** `sum by (x) (…)`, `topk(3, …)`. */
export interface VectorAggregation {
  readonly kind: 'vector';
  readonly op: VectorOp;
  readonly param?: number;
  readonly grouping?: Grouping;
  readonly expr: MetricExpr;
}

/** Binary operators. */
export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '^' | '==' | '!=' | '>' | '>=' | '<' | '<=' | 'and' | 'or' | 'unless';

/** `on (…)` / `ignoring (…)` with `group_left`/`group_right`. */
export interface VectorMatching {
  readonly on: boolean;
  readonly labels: readonly string[];
  readonly card: 'one-to-one' | 'many-to-one' | 'one-to-many';
  readonly include: readonly string[];
}

/** A binary operation between metric expressions and/or scalars. */
export interface BinaryExpr {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly lhs: MetricExpr;
  readonly rhs: MetricExpr;
  readonly returnBool: boolean;
  readonly matching?: VectorMatching;
}

/** A number literal (a scalar). */
export interface Literal {
  readonly kind: 'literal';
  readonly value: number;
}

/** `vector(x)`: one sample with no labels at every step. */
export interface VectorLiteral {
  readonly kind: 'vectorLiteral';
  readonly value: number;
}

/** `label_replace(expr, "dst", "replacement", "src", "regex")`. */
export interface LabelReplace {
  readonly kind: 'labelReplace';
  readonly expr: MetricExpr;
  readonly dst: string;
  readonly replacement: string;
  readonly src: string;
  readonly regex: string;
}

/** A metric (sample) expression. */
export type MetricExpr = RangeAggregation | VectorAggregation | BinaryExpr | Literal | VectorLiteral | LabelReplace;

/** Any LogQL expression. */
export type Expr = LogSelector | MetricExpr;
