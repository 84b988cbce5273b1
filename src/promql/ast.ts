/**
 * The PromQL abstract syntax tree, as Prometheus's `promql/parser` AST.
 *
 * Nodes are plain objects discriminated by `type`. Positions (`pos`) are UTF-16 indexes into the
 * query text, half-open `[start, end)`; errors convert them to byte offsets for the API.
 * Durations are integer **milliseconds**; `@` timestamps are milliseconds since the epoch.
 * The engine never mutates a tree, so one parsed expression can be evaluated many times (rules).
 */
import type { Matcher } from '../model/matcher.js';
import type { FunctionSignature } from './functions/signatures.js';

/** The four PromQL value types plus `none` (no value, only used in type errors). */
export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string' | 'none';

/** A half-open range of UTF-16 indexes into the query text. */
export interface Pos {
  start: number;
  end: number;
}

/** Binary operators, spelled as in PromQL (`atan2`, `and`, `or`, `unless` are words). */
export type BinaryOp =
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '^'
  | 'atan2'
  | '=='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | 'and'
  | 'or'
  | 'unless'
  | '</'
  | '>/';

/** Aggregation operators. */
export type AggregateOp =
  | 'sum'
  | 'avg'
  | 'count'
  | 'min'
  | 'max'
  | 'group'
  | 'stddev'
  | 'stdvar'
  | 'topk'
  | 'bottomk'
  | 'count_values'
  | 'quantile'
  | 'limitk'
  | 'limit_ratio';

/**
 * A duration computed when a query starts (`[step()*2]`, `offset -(1m+5s)`), as upstream
 * `DurationExpr`. Leaves are number literals in **seconds**, `step()`, `range()`.
 */
export interface DurationExpr {
  type: 'DurationExpr';
  op: '+' | '-' | '*' | '/' | '%' | '^' | 'step' | 'range' | 'min_of' | 'max_of';
  /** Absent for unary `+`/`-` and for `step()`/`range()`. */
  lhs: DurationExpr | NumberLiteral | null;
  rhs: DurationExpr | NumberLiteral | null;
  /** Written in parentheses (kept so the expression prints back as written). */
  wrapped: boolean;
  pos: Pos;
}

/** A float literal (`1`, `0x1f`, `1e3`, `Inf`, a duration such as `5m` = 300). */
export interface NumberLiteral {
  type: 'NumberLiteral';
  val: number;
  /** True when written as a duration (`5m`). */
  duration: boolean;
  pos: Pos;
}

/** A string literal (quotes and escapes decoded). */
export interface StringLiteral {
  type: 'StringLiteral';
  val: string;
  pos: Pos;
}

/** Offset and `@` modifiers shared by selectors and subqueries. */
export interface TimeModifiers {
  /** Offset in ms (may be negative); 0 when absent or computed from `offsetExpr`. */
  offset: number;
  /** Offset computed at query start, or null. */
  offsetExpr: DurationExpr | null;
  /** `@` timestamp in ms, or null. */
  at: number | null;
  /** `@ start()` / `@ end()`, resolved per query. */
  atMode: 'start' | 'end' | null;
}

/** An instant vector selector `name{l="v", …}`. */
export interface VectorSelector extends TimeModifiers {
  type: 'VectorSelector';
  /** Metric name written outside the braces ('' when none). */
  name: string;
  /** All matchers, including `__name__="name"` for a name outside the braces. */
  matchers: Matcher[];
  /** `anchored` / `smoothed` extended range-selector modifiers (experimental). */
  anchored: boolean;
  smoothed: boolean;
  /** Set for the label selector argument of `info()`, which may match the empty string. */
  bypassEmptyMatcherCheck: boolean;
  pos: Pos;
}

/** A range vector selector `sel[5m]`. */
export interface MatrixSelector {
  type: 'MatrixSelector';
  vs: VectorSelector;
  /** Range in ms (when `rangeExpr` is null). */
  range: number;
  rangeExpr: DurationExpr | null;
  pos: Pos;
}

/** A subquery `expr[range:step]`. */
export interface SubqueryExpr extends TimeModifiers {
  type: 'SubqueryExpr';
  expr: Expr;
  /** Range in ms. */
  range: number;
  rangeExpr: DurationExpr | null;
  /** Step in ms; 0 = the engine's default subquery resolution. */
  step: number;
  stepExpr: DurationExpr | null;
  pos: Pos;
}

/** A parenthesised expression. */
export interface ParenExpr {
  type: 'ParenExpr';
  expr: Expr;
  pos: Pos;
}

/** Unary `+`/`-` of a non-literal (a signed number literal folds into the literal). */
export interface UnaryExpr {
  type: 'UnaryExpr';
  op: '+' | '-';
  expr: Expr;
  pos: Pos;
}

/** Vector matching of a binary operation between two instant vectors. */
export interface VectorMatching {
  card: 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';
  /** Labels of `on(...)` / `ignoring(...)`. */
  matchingLabels: string[];
  /** True for `on`, false for `ignoring` (or no clause). */
  on: boolean;
  /** Labels of `group_left(...)` / `group_right(...)`. */
  include: string[];
  /** `fill(v)`, `fill_left(v)`, `fill_right(v)` values, or null. */
  fillLeft: number | null;
  fillRight: number | null;
}

/** `lhs op [bool] [on|ignoring(…) [group_left|group_right(…)]] [fill(…)] rhs`. */
export interface BinaryExpr {
  type: 'BinaryExpr';
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  returnBool: boolean;
  /** Null unless both sides are instant vectors. */
  matching: VectorMatching | null;
  pos: Pos;
}

/** `op [by|without (…)] ([param,] expr)`. */
export interface AggregateExpr {
  type: 'AggregateExpr';
  op: AggregateOp;
  expr: Expr;
  /** The parameter of topk/bottomk/quantile/count_values/limitk/limit_ratio, else null. */
  param: Expr | null;
  grouping: string[];
  without: boolean;
  pos: Pos;
}

/** A function call. */
export interface Call {
  type: 'Call';
  func: FunctionSignature;
  args: Expr[];
  pos: Pos;
}

/** Any PromQL expression. */
export type Expr =
  | NumberLiteral
  | StringLiteral
  | VectorSelector
  | MatrixSelector
  | SubqueryExpr
  | ParenExpr
  | UnaryExpr
  | BinaryExpr
  | AggregateExpr
  | Call;

/** Aggregations that take a parameter before the vector. */
export const AGGREGATORS_WITH_PARAM: ReadonlySet<AggregateOp> = new Set([
  'topk',
  'bottomk',
  'count_values',
  'quantile',
  'limitk',
  'limit_ratio',
]);

/** Comparison operators (filter unless `bool`). */
export function isComparisonOp(op: BinaryOp): boolean {
  return op === '==' || op === '!=' || op === '<' || op === '<=' || op === '>' || op === '>=';
}

/** Set operators (always many-to-many). */
export function isSetOp(op: BinaryOp): boolean {
  return op === 'and' || op === 'or' || op === 'unless';
}

/**
 * The value type of an expression, as upstream `Expr.Type()`: selectors give vectors, range
 * selectors and subqueries matrices, binary operations scalars only between two scalars.
 */
export function exprType(e: Expr): 'vector' | 'matrix' | 'scalar' | 'string' {
  // A binary expression is a scalar when every operand under it is: checked with a work list so
  // long operator chains (`a + b + … + z`) need no recursion.
  const todo: Expr[] = [e];
  let binary = false;
  while (todo.length > 0) {
    let n = todo.pop()!;
    while (n.type === 'ParenExpr' || n.type === 'UnaryExpr') n = n.expr;
    if (n.type === 'BinaryExpr') {
      binary = true;
      todo.push(n.rhs, n.lhs);
      continue;
    }
    const t = leafType(n);
    if (!binary) return t;
    if (t !== 'scalar') return 'vector';
  }
  return 'scalar';
}

function leafType(e: Exclude<Expr, ParenExpr | UnaryExpr | BinaryExpr>): 'vector' | 'matrix' | 'scalar' | 'string' {
  switch (e.type) {
    case 'NumberLiteral':
      return 'scalar';
    case 'StringLiteral':
      return 'string';
    case 'VectorSelector':
    case 'AggregateExpr':
      return 'vector';
    case 'MatrixSelector':
    case 'SubqueryExpr':
      return 'matrix';
    case 'Call':
      return e.func.returnType;
  }
}

/** The node with any enclosing parentheses removed. */
export function unwrapParens(e: Expr): Expr {
  while (e.type === 'ParenExpr') e = e.expr;
  return e;
}

/** Children of a node in source order (an aggregation's parameter before its expression). */
function childrenOf(e: Expr): Expr[] {
  switch (e.type) {
    case 'MatrixSelector':
      return [e.vs];
    case 'SubqueryExpr':
    case 'ParenExpr':
    case 'UnaryExpr':
      return [e.expr];
    case 'BinaryExpr':
      return [e.lhs, e.rhs];
    case 'AggregateExpr':
      return e.param ? [e.param, e.expr] : [e.expr];
    case 'Call':
      return e.args;
    default:
      return [];
  }
}

/**
 * Calls `fn(node, path)` for every node of the tree in depth-first pre-order; `path` lists the
 * ancestors, outermost first (one array, updated as the walk goes: copy it to keep it). Duration
 * expressions are not visited. Iterative, so any nesting depth is walked without recursion.
 */
export function walk(e: Expr, fn: (node: Expr, path: readonly Expr[]) => void): void {
  const path: Expr[] = [];
  const pending: { kids: Expr[]; next: number }[] = [];
  let node: Expr | undefined = e;
  while (node !== undefined) {
    fn(node, path);
    path.push(node);
    pending.push({ kids: childrenOf(node), next: 0 });
    node = undefined;
    while (pending.length > 0) {
      const top = pending[pending.length - 1]!;
      if (top.next < top.kids.length) {
        node = top.kids[top.next++]!;
        break;
      }
      pending.pop();
      path.pop();
    }
  }
}
