/**
 * Type checking of a parsed tree, as upstream `parser.checkAST`: argument types and counts of
 * calls and aggregations, operand types of binary and unary operators, vector matching rules,
 * and selectors that would select every series. Throws the parser's `ParseFailure` (turned into
 * a `bad_data` PromQLError by `parseExpr`).
 */
import { METRIC_NAME } from '../model/labels.js';
import { exprType, isComparisonOp, isSetOp, type BinaryExpr, type Expr, type Pos, type ValueType } from './ast.js';
import { ParseFailure } from './errors.js';

/** Upstream `DocumentedType`: how a value type is named in messages. */
function documentedType(t: ValueType): string {
  switch (t) {
    case 'vector':
      return 'instant vector';
    case 'matrix':
      return 'range vector';
    default:
      return t;
  }
}

function fail(pos: Pos, msg: string): ParseFailure {
  return new ParseFailure(pos.start, pos.end, msg);
}

/** The range of a binary expression's operator text (whitespace trimmed), for error positions. */
function opRange(e: BinaryExpr, input: string): Pos {
  let start = e.lhs.pos.end;
  while (start < input.length && /\s/.test(input[start]!)) start++;
  let end = e.rhs.pos.start - 1;
  while (end > start && /\s/.test(input[end]!)) end--;
  return { start, end };
}

/** A node being checked: its children in checking order and the types of those done so far. */
interface CheckFrame {
  e: Expr;
  kids: Expr[];
  types: ValueType[];
}

/** Children in upstream's checking order (an aggregation's expression before its parameter). */
function checkedChildren(e: Expr): Expr[] {
  switch (e.type) {
    case 'AggregateExpr':
      return e.param ? [e.expr, e.param] : [e.expr];
    case 'BinaryExpr':
      return [e.lhs, e.rhs];
    case 'Call':
      return e.args;
    case 'ParenExpr':
    case 'UnaryExpr':
    case 'SubqueryExpr':
      return [e.expr];
    case 'MatrixSelector':
      return [e.vs];
    default:
      return [];
  }
}

/**
 * Checks `e` and returns its value type. The tree is walked with an explicit stack (children
 * first, left to right), so any nesting depth is checked without recursion.
 * @throws {ParseFailure} at the first problem, with upstream's message.
 */
export function checkAST(e: Expr, input: string): ValueType {
  const stack: CheckFrame[] = [];
  const enter = (n: Expr) => {
    beforeChildren(n);
    stack.push({ e: n, kids: checkedChildren(n), types: [] });
  };
  enter(e);
  for (;;) {
    const f = stack[stack.length - 1]!;
    if (f.types.length < f.kids.length) {
      enter(f.kids[f.types.length]!);
      continue;
    }
    const t = afterChildren(f.e, f.types, input);
    stack.pop();
    const parent = stack[stack.length - 1];
    if (!parent) return t;
    checkChild(parent.e, parent.types.length, t);
    parent.types.push(t);
  }
}

/** Checks made before a node's children are: argument counts of calls, `info()`'s selector. */
function beforeChildren(e: Expr): void {
  if (e.type !== 'Call') return;
  const f = e.func;
  const nargs = f.argTypes.length;
  if (f.variadic === 0) {
    if (nargs !== e.args.length) {
      throw fail(e.pos, `expected ${nargs} argument(s) in call to ${JSON.stringify(f.name)}, got ${e.args.length}`);
    }
  } else {
    const na = nargs - 1;
    if (na > e.args.length) {
      throw fail(e.pos, `expected at least ${na} argument(s) in call to ${JSON.stringify(f.name)}, got ${e.args.length}`);
    }
    if (f.variadic > 0 && na + f.variadic < e.args.length) {
      throw fail(e.pos, `expected at most ${na + f.variadic} argument(s) in call to ${JSON.stringify(f.name)}, got ${e.args.length}`);
    }
  }
  if (f.name === 'info' && e.args.length > 1) {
    const sel = e.args[1]!;
    if (exprType(sel) !== 'vector') {
      throw fail(e.pos, `expected type instant vector in call to function "info", got ${documentedType(exprType(sel))}`);
    }
    if (sel.type !== 'VectorSelector') throw fail(sel.pos, 'expected label selectors only');
    if (sel.name !== '') throw fail(sel.pos, 'expected label selectors only, got vector selector instead');
    sel.bypassEmptyMatcherCheck = true;
  }
}

/** Checks the type `t` of child `i` of `e` (aggregation operands, call arguments). */
function checkChild(e: Expr, i: number, t: ValueType): void {
  if (e.type === 'AggregateExpr') {
    if (i === 0) {
      if (t !== 'vector') throw fail(e.expr.pos, `expected type instant vector in aggregation expression, got ${documentedType(t)}`);
      return;
    }
    const want: ValueType | null =
      e.op === 'count_values'
        ? 'string'
        : e.op === 'topk' || e.op === 'bottomk' || e.op === 'quantile' || e.op === 'limitk' || e.op === 'limit_ratio'
          ? 'scalar'
          : null;
    if (want !== null && t !== want) {
      throw fail(e.param!.pos, `expected type ${documentedType(want)} in aggregation parameter, got ${documentedType(t)}`);
    }
    return;
  }
  if (e.type !== 'Call') return;
  const f = e.func;
  const nargs = f.argTypes.length;
  let ti = i;
  if (i >= nargs) {
    if (f.variadic === 0) return;
    ti = nargs - 1;
  }
  const want = f.argTypes[ti]!;
  if (t !== want) {
    throw fail(e.args[i]!.pos, `expected type ${documentedType(want)} in call to function ${JSON.stringify(f.name)}, got ${documentedType(t)}`);
  }
}

/** Checks a node once its children are checked (`types` in checking order) and returns its type. */
function afterChildren(e: Expr, types: ValueType[], input: string): ValueType {
  switch (e.type) {
    case 'AggregateExpr':
      return 'vector';
    case 'BinaryExpr':
      return checkBinary(e, types[0]!, types[1]!, input);
    case 'Call':
      return e.func.returnType;
    case 'ParenExpr':
      return types[0]!;
    case 'UnaryExpr': {
      const t = types[0]!;
      if (t !== 'scalar' && t !== 'vector') {
        throw fail(e.pos, `unary expression only allowed on expressions of type scalar or instant vector, got ${JSON.stringify(documentedType(t))}`);
      }
      return t;
    }
    case 'SubqueryExpr': {
      const t = types[0]!;
      if (t !== 'vector') throw fail(e.pos, `subquery is only allowed on instant vector, got ${t} instead`);
      return 'matrix';
    }
    case 'MatrixSelector':
      return 'matrix';
    case 'VectorSelector': {
      if (e.name !== '') {
        for (let i = 0; i < e.matchers.length - 1; i++) {
          const m = e.matchers[i]!;
          if (m.name === METRIC_NAME) {
            throw fail(e.pos, `metric name must not be set twice: ${JSON.stringify(e.name)} or ${JSON.stringify(m.value)}`);
          }
        }
        return 'vector';
      }
      if (!e.bypassEmptyMatcherCheck && !e.matchers.some((m) => !m.matches(''))) {
        throw fail(e.pos, 'vector selector must contain at least one non-empty matcher');
      }
      return 'vector';
    }
    case 'NumberLiteral':
      return 'scalar';
    case 'StringLiteral':
      return 'string';
  }
}

function checkBinary(n: BinaryExpr, lt: ValueType, rt: ValueType, input: string): ValueType {
  if (n.returnBool && !isComparisonOp(n.op)) throw fail(opRange(n, input), 'bool modifier can only be used on comparison operators');
  if (isComparisonOp(n.op) && !n.returnBool && lt === 'scalar' && rt === 'scalar') {
    throw fail(opRange(n, input), 'comparisons between scalars must use BOOL modifier');
  }
  const m = n.matching;
  if (m && isSetOp(n.op) && m.card === 'one-to-one') m.card = 'many-to-many';
  if (m && m.on) {
    for (const l of m.matchingLabels) {
      if (m.include.includes(l)) throw fail(opRange(n, input), `label ${JSON.stringify(l)} must not occur in ON and GROUP clause at once`);
    }
  }
  if (lt !== 'scalar' && lt !== 'vector') throw fail(n.lhs.pos, 'binary expression must contain only scalar and instant vector types');
  if (rt !== 'scalar' && rt !== 'vector') throw fail(n.rhs.pos, 'binary expression must contain only scalar and instant vector types');
  if ((lt !== 'vector' || rt !== 'vector') && m) {
    if (m.matchingLabels.length > 0) throw fail(n.pos, 'vector matching only allowed between instant vectors');
    if (m.fillLeft !== null || m.fillRight !== null) {
      throw fail(n.pos, 'filling in missing series only allowed between instant vectors');
    }
    n.matching = null;
  } else if (m && isSetOp(n.op)) {
    if (m.card === 'one-to-many' || m.card === 'many-to-one') throw fail(n.pos, `no grouping allowed for "${n.op}" operation`);
    if (m.card !== 'many-to-many') throw fail(n.pos, 'set operations must always be many-to-many');
    if (m.fillLeft !== null || m.fillRight !== null) throw fail(n.pos, 'filling in missing series not allowed for set operators');
  }
  if ((lt === 'scalar' || rt === 'scalar') && isSetOp(n.op)) {
    throw fail(n.pos, `set operator "${n.op}" not allowed in binary scalar expression`);
  }
  return lt === 'scalar' && rt === 'scalar' ? 'scalar' : 'vector';
}
