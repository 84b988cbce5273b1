/**
 * Printing an expression back to PromQL text, as upstream `Expr.String()` (`parser/printer.go`):
 * the canonical one-line form Prometheus shows for rule queries (`/api/v1/rules`) and returns from
 * `/api/v1/format_query` without prettifying: `sum by (job) (rate(x[5m]))`, matchers sorted,
 * durations in the largest units, `@` timestamps with three decimals.
 */
import { formatGoFloat } from '../model/gofloat.js';
import { goQuote } from '../model/goquote.js';
import { METRIC_NAME, isValidLabelName } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import { formatDuration } from '../model/time.js';
import {
  AGGREGATORS_WITH_PARAM,
  type BinaryExpr,
  type DurationExpr,
  type Expr,
  type NumberLiteral,
  type ParenExpr,
  type TimeModifiers,
  type UnaryExpr,
} from './ast.js';
import { formatF } from './functions/math.js';

function matcherString(m: Matcher): string {
  const name = isValidLabelName(m.name) ? m.name : goQuote(m.name);
  return `${name}${m.type}${goQuote(m.value)}`;
}

function labelList(names: readonly string[]): string {
  return names.map((n) => (isValidLabelName(n) ? n : goQuote(n))).join(', ');
}

function durationString(d: DurationExpr | NumberLiteral): string {
  if (d.type === 'NumberLiteral') return numberString(d);
  let s: string;
  switch (d.op) {
    case 'step':
      s = 'step()';
      break;
    case 'range':
      s = 'range()';
      break;
    case 'min_of':
    case 'max_of':
      s = `${d.op}(${durationString(d.lhs!)}, ${durationString(d.rhs!)})`;
      break;
    default:
      if (d.lhs === null) s = d.op === '-' ? `-${durationString(d.rhs!)}` : durationString(d.rhs!);
      else s = `${durationString(d.lhs)} ${d.op} ${durationString(d.rhs!)}`;
  }
  return d.wrapped ? `(${s})` : s;
}

function numberString(n: NumberLiteral): string {
  if (n.duration) {
    const ms = Math.round(Math.abs(n.val) * 1000);
    return n.val < 0 ? `-${formatDuration(ms)}` : formatDuration(ms);
  }
  return formatF(n.val);
}

function atOffset(m: TimeModifiers): { at: string; offset: string } {
  let offset = '';
  if (m.offsetExpr) offset = ` offset ${durationString(m.offsetExpr)}`;
  else if (m.offset > 0) offset = ` offset ${formatDuration(m.offset)}`;
  else if (m.offset < 0) offset = ` offset -${formatDuration(-m.offset)}`;
  let at = '';
  if (m.at !== null) at = ` @ ${(m.at / 1000).toFixed(3)}`;
  else if (m.atMode) at = ` @ ${m.atMode}()`;
  return { at, offset };
}

function matchingString(e: BinaryExpr): string {
  const vm = e.matching;
  if (!vm) return '';
  let s = '';
  const grouped = vm.card === 'many-to-one' || vm.card === 'one-to-many';
  if (vm.matchingLabels.length > 0 || vm.on || grouped) s += ` ${vm.on ? 'on' : 'ignoring'} (${labelList(vm.matchingLabels)})`;
  if (grouped) s += ` group_${vm.card === 'many-to-one' ? 'left' : 'right'} (${labelList(vm.include)})`;
  if (vm.fillLeft !== null && vm.fillRight !== null && vm.fillLeft === vm.fillRight) s += ` fill (${formatGoFloat(vm.fillLeft)})`;
  else {
    if (vm.fillLeft !== null) s += ` fill_left (${formatGoFloat(vm.fillLeft)})`;
    if (vm.fillRight !== null) s += ` fill_right (${formatGoFloat(vm.fillRight)})`;
  }
  return s;
}

/**
 * The expression as upstream prints it (`Expr.String()`). Parentheses, signs and left-deep
 * operator chains (`a + b + … + z`) are unrolled in loops, so long inputs print without deep
 * recursion.
 */
export function formatExpr(e: Expr): string {
  let prefix = '';
  let parens = 0;
  for (;;) {
    if (e.type === 'ParenExpr') {
      prefix += '(';
      parens++;
      e = e.expr;
    } else if (e.type === 'UnaryExpr') {
      prefix += e.op;
      e = e.expr;
    } else break;
  }
  let body: string;
  if (e.type === 'BinaryExpr') {
    const spine: BinaryExpr[] = [e];
    let l = e.lhs;
    while (l.type === 'BinaryExpr') {
      spine.push(l);
      l = l.lhs;
    }
    body = formatExpr(l);
    for (let i = spine.length - 1; i >= 0; i--) {
      const b = spine[i]!;
      body += ` ${b.op}${b.returnBool ? ' bool' : ''}${matchingString(b)} ${formatExpr(b.rhs)}`;
    }
  } else body = formatNode(e);
  return prefix + body + ')'.repeat(parens);
}

/** Any node but parentheses, signs and binary operators. */
function formatNode(e: Exclude<Expr, ParenExpr | UnaryExpr | BinaryExpr>): string {
  switch (e.type) {
    case 'NumberLiteral':
      return numberString(e);
    case 'StringLiteral':
      return goQuote(e.val);
    case 'Call':
      return `${e.func.name}(${e.args.map(formatExpr).join(', ')})`;
    case 'AggregateExpr': {
      let s: string = e.op;
      if (e.without) s += ` without (${labelList(e.grouping)}) `;
      else if (e.grouping.length > 0) s += ` by (${labelList(e.grouping)}) `;
      const param = AGGREGATORS_WITH_PARAM.has(e.op) && e.param ? `${formatExpr(e.param)}, ` : '';
      return `${s}(${param}${formatExpr(e.expr)})`;
    }
    case 'VectorSelector': {
      const matchers = e.matchers
        .filter((m) => !(m.name === METRIC_NAME && m.type === '=' && m.value === e.name && m.value !== ''))
        .map(matcherString)
        .sort();
      let s = e.name + (matchers.length > 0 ? `{${matchers.join(',')}}` : '');
      const { at, offset } = atOffset(e);
      s += at;
      if (e.anchored) s += ' anchored';
      else if (e.smoothed) s += ' smoothed';
      return s + offset;
    }
    case 'MatrixSelector': {
      const { at, offset } = atOffset(e.vs);
      const bare = formatExpr({ ...e.vs, offset: 0, offsetExpr: null, at: null, atMode: null, anchored: false, smoothed: false });
      const range = e.rangeExpr ? durationString(e.rangeExpr) : formatDuration(e.range);
      const ext = e.vs.anchored ? ' anchored' : e.vs.smoothed ? ' smoothed' : '';
      return `${bare}[${range}]${ext}${at}${offset}`;
    }
    case 'SubqueryExpr': {
      const { at, offset } = atOffset(e);
      const range = e.rangeExpr ? durationString(e.rangeExpr) : formatDuration(e.range);
      const step = e.step !== 0 ? formatDuration(e.step) : e.stepExpr ? durationString(e.stepExpr) : '';
      return `${formatExpr(e.expr)}[${range}:${step}]${at}${offset}`;
    }
  }
}
