/**
 * PromQL parser: hand-written recursive descent with precedence climbing over the tokens of
 * `lexer.ts`, producing the tree of `ast.ts`, then type-checked by `check.ts`. Grammar,
 * precedence and error messages follow upstream `generated_parser.y` / `parse.go`:
 *
 * - binary operators, weakest first: `or`; `and` `unless`; comparisons; `+ -`; `* / % atan2`;
 *   `^` (right-associative). Unary `+`/`-` binds like `*` (so `-2^2` is `-(2^2)`).
 * - `[range]`, `[range:step]`, `offset`, `@`, `anchored`, `smoothed` bind tightest, to the
 *   operand right before them.
 * - errors read `line:col: parse error: …` (see `errors.ts`) and stop at the first one.
 *
 * The grammar stays in one class (as upstream's one grammar file) rather than being split, so
 * precedence and error contexts can be read in one place; the type checker is `check.ts`.
 */
import { goUnquote, UnquoteError } from '../model/goquote.js';
import { METRIC_NAME } from '../model/labels.js';
import { Matcher, type MatchType } from '../model/matcher.js';
import { RegexSyntaxError } from '../model/regex.js';
import { TimeParseError, parseDuration } from '../model/time.js';
import {
  AGGREGATORS_WITH_PARAM,
  type AggregateExpr,
  type AggregateOp,
  type BinaryOp,
  type Call,
  type DurationExpr,
  type Expr,
  type MatrixSelector,
  type NumberLiteral,
  type Pos,
  type SubqueryExpr,
  type VectorMatching,
  type VectorSelector,
} from './ast.js';
import { checkAST } from './check.js';
import { ParseFailure, parseError } from './errors.js';
import { FUNCTIONS, type FunctionSignature } from './functions/signatures.js';
import {
  ALL_FEATURES,
  aggregatorNotEnabled,
  DURATION_EXPR_NOT_ENABLED,
  FILL_NOT_ENABLED,
  functionNotEnabled,
  isExperimentalAggregator,
  modifierNotEnabled,
  type PromQLFeatures,
} from './features.js';
import { describeToken, isAggregatorKind, tokenize, type Token, type TokenKind } from './lexer.js';
import { parseNumber } from './literals.js';

const BINARY_PRECEDENCE: Partial<Record<TokenKind, number>> = {
  or: 1,
  and: 2,
  unless: 2,
  '==': 3,
  '!=': 3,
  '<=': 3,
  '<': 3,
  '>=': 3,
  '>': 3,
  '</': 3,
  '>/': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
  '%': 5,
  atan2: 5,
  '^': 6,
};
/** Precedence of unary minus/plus: like `*`, so its operand extends over `^` only. */
const POW_PRECEDENCE = 6;

/** Token kinds that may name a metric (upstream `metric_identifier`). */
const METRIC_IDENTIFIER_KINDS = new Set<TokenKind>([
  'IDENTIFIER',
  'METRIC_IDENTIFIER',
  'avg',
  'bottomk',
  'by',
  'count',
  'count_values',
  'fill',
  'fill_left',
  'fill_right',
  'group',
  'and',
  'or',
  'unless',
  'max',
  'min',
  'offset',
  'quantile',
  'stddev',
  'stdvar',
  'sum',
  'topk',
  'without',
  'start',
  'end',
  'limitk',
  'limit_ratio',
  'step',
  'range',
  'anchored',
  'smoothed',
  'max_of',
  'min_of',
]);

/** Token kinds accepted as label names in grouping clauses (upstream `maybe_label`). */
const LABEL_KINDS = new Set<TokenKind>([
  ...METRIC_IDENTIFIER_KINDS,
  'bool',
  'group_left',
  'group_right',
  'ignoring',
  'on',
  'atan2',
]);

const MATCH_OPS = new Set<TokenKind>(['=', '!=', '=~', '!~']);

/** Largest |seconds| a Go `time.Duration` can hold. */
const MAX_DURATION_SECONDS = 2 ** 63 / 1e9;

/** A literal duration in seconds → ms, as upstream `time.Duration(math.Round(v*1e9))` then ms. */
function literalSecondsToMs(seconds: number): number {
  return Math.trunc(Math.round(seconds * 1e9) / 1e6);
}

/**
 * What `parseExpr`'s explicit stack holds while an operand is parsed: an operator, sign or
 * parenthesis waiting for its right operand, or a call or aggregation collecting its arguments.
 * `minPrec` is the binding power in force where the construct began.
 */
type Frame =
  | { kind: 'unary' | 'paren'; minPrec: number; tok: Token }
  | { kind: 'binary'; minPrec: number; tok: Token; lhs: Expr; returnBool: boolean; matching: VectorMatching }
  | { kind: 'call'; minPrec: number; tok: Token; func: FunctionSignature; args: Expr[] }
  | { kind: 'aggregate'; minPrec: number; tok: Token; args: Expr[]; grouping: string[]; without: boolean; modifierSeen: boolean };

/** `-x` / `+x`: a sign folded into a number literal, else a unary expression. */
function signed(sign: Token, operand: Expr): Expr {
  const pos = { start: sign.pos, end: operand.pos.end };
  if (operand.type === 'NumberLiteral') return { ...operand, val: sign.kind === '-' ? -operand.val : operand.val, pos };
  return { type: 'UnaryExpr', op: sign.kind as '+' | '-', expr: operand, pos };
}

class Parser {
  private i = 0;
  /**
   * Error contexts of enclosing rules that recover errors upstream (`aggregate_op error`): an
   * unexpected token anywhere inside an aggregation reads `… in aggregation`.
   */
  private readonly contexts: string[] = [];

  constructor(
    private readonly input: string,
    private readonly tokens: Token[],
    private readonly features: PromQLFeatures = ALL_FEATURES,
  ) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind === 'ERROR') throw this.lexError(t);
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }

  private lexError(t: Token): ParseFailure {
    return new ParseFailure(t.pos, this.input.length, t.val);
  }

  /** `unexpected <token>[ in <context>][, expected <expected>]` at the token. */
  private unexpected(t: Token, context?: string, expected = ''): ParseFailure {
    if (t.kind === 'ERROR') return this.lexError(t);
    if (context === undefined) context = this.contexts[this.contexts.length - 1] ?? '';
    let msg = `unexpected ${describeToken(t)}`;
    if (context) msg += ` in ${context}`;
    if (expected) msg += `, expected ${expected}`;
    const end = t.kind === 'EOF' ? t.pos : t.pos + t.val.length;
    return new ParseFailure(t.pos, end, msg);
  }

  private fail(pos: Pos, msg: string): ParseFailure {
    return new ParseFailure(pos.start, pos.end, msg);
  }

  private expect(kind: TokenKind, context: string, expected = ''): Token {
    const t = this.peek();
    if (t.kind !== kind) throw this.unexpected(t, context, expected);
    return this.next();
  }

  private tokenEnd(t: Token): number {
    return t.pos + t.val.length;
  }

  /** A lone series selector (`name{…}` or `{…}`), as upstream's `START_METRIC_SELECTOR` grammar. */
  parseSelectorTop(): VectorSelector {
    const t = this.peek();
    let vs: VectorSelector;
    if (t.kind === '{') vs = this.parseVectorSelector(null);
    else if (METRIC_IDENTIFIER_KINDS.has(t.kind)) {
      this.next();
      vs = this.parseVectorSelector(t);
    } else throw this.unexpected(t);
    const end = this.peek();
    if (end.kind !== 'EOF') throw this.unexpected(end);
    return vs;
  }

  parseTop(): Expr {
    if (this.peek().kind === 'EOF') throw new ParseFailure(0, 0, 'no expression found in input');
    const e = this.parseExpr(0);
    const t = this.peek();
    if (t.kind !== 'EOF') throw this.unexpected(t);
    return e;
  }

  /**
   * An expression whose binary operators bind at least as tightly as `minPrec`. Operators, signs,
   * parentheses, calls and aggregations are parsed with an explicit stack instead of recursion,
   * so `((((…))))`, `abs(abs(…))` and `a + b + … + z` of any length use constant JS stack (as
   * upstream's table-driven parser). Only duration expressions inside `[…]` recurse.
   */
  private parseExpr(minPrec: number): Expr {
    const stack: Frame[] = [];
    let min = minPrec;
    for (;;) {
      // Operand position: open every sign, parenthesis, call and aggregation, then one primary.
      const t = this.peek();
      if (t.kind === '+' || t.kind === '-' || t.kind === '(') {
        this.next();
        stack.push({ kind: t.kind === '(' ? 'paren' : 'unary', minPrec: min, tok: t });
        min = t.kind === '(' ? 0 : POW_PRECEDENCE;
        continue;
      }
      let e: Expr | null = null;
      const opened = this.openCallOrAggregation(min);
      if (opened === null) e = this.parsePostfix(this.parsePrimary());
      else if ('type' in opened) e = this.parsePostfix(opened);
      else {
        stack.push(opened);
        min = 0;
        continue;
      }
      // Reduce: take operators of precedence ≥ min, else close (or continue) the innermost frame.
      for (;;) {
        const op = this.peek();
        if (op.kind === 'ERROR') throw this.lexError(op);
        const prec = BINARY_PRECEDENCE[op.kind];
        if (prec !== undefined && prec >= min) {
          this.next();
          const mods = this.parseBinModifiers();
          stack.push({ kind: 'binary', minPrec: min, tok: op, lhs: e, ...mods });
          min = op.kind === '^' ? prec : prec + 1;
          break;
        }
        const f = stack.pop();
        if (!f) return e;
        if (f.kind === 'call' || f.kind === 'aggregate') {
          f.args.push(e);
          const sep = this.peek();
          if (sep.kind === ',') {
            this.next();
            if (this.peek().kind === ')') {
              throw new ParseFailure(sep.pos, this.tokenEnd(sep), 'trailing commas not allowed in function call args');
            }
            stack.push(f);
            min = 0;
            break;
          }
          if (sep.kind !== ')') throw this.unexpected(sep);
          const end = this.tokenEnd(this.next());
          min = f.minPrec;
          e = this.parsePostfix(f.kind === 'call' ? this.call(f.tok, f.func, f.args, end) : this.closeAggregation(f, end));
          continue;
        }
        min = f.minPrec;
        if (f.kind === 'binary') {
          if ((f.matching.fillLeft !== null || f.matching.fillRight !== null) && !this.features.binopFillModifiers) {
            throw this.fail({ start: f.lhs.pos.start, end: e.pos.end }, FILL_NOT_ENABLED);
          }
          e = {
            type: 'BinaryExpr',
            op: f.tok.kind as BinaryOp,
            lhs: f.lhs,
            rhs: e,
            returnBool: f.returnBool,
            matching: f.matching,
            pos: { start: f.lhs.pos.start, end: e.pos.end },
          };
        } else if (f.kind === 'unary') {
          e = signed(f.tok, e);
        } else {
          const close = this.peek();
          if (close.kind !== ')') throw this.unexpected(close);
          this.next();
          e = this.parsePostfix({ type: 'ParenExpr', expr: e, pos: { start: f.tok.pos, end: this.tokenEnd(close) } });
        }
      }
    }
  }

  /**
   * At a function call or aggregation: reads up to and including its `(` and returns its frame,
   * or the finished node when the argument list is empty (`time()`, `sum()` fails its checks).
   * Null when the next token starts neither.
   */
  private openCallOrAggregation(minPrec: number): Frame | Expr | null {
    const t = this.peek();
    const n = this.peek(1).kind;
    if (isAggregatorKind(t.kind) && (n === '(' || n === 'by' || n === 'without')) {
      this.next();
      const f: Frame = { kind: 'aggregate', minPrec, tok: t, args: [], grouping: [], without: false, modifierSeen: false };
      if (n === 'by' || n === 'without') {
        this.next();
        f.without = n === 'without';
        this.contexts.push('aggregation');
        f.grouping = this.parseGroupingLabels();
        this.contexts.pop();
        f.modifierSeen = true;
      }
      const open = this.peek();
      if (open.kind !== '(') throw this.unexpected(open, 'aggregation');
      this.next();
      this.contexts.push('aggregation');
      if (this.peek().kind === ')') return this.closeAggregation(f, this.tokenEnd(this.next()));
      return f;
    }
    const callable = t.kind === 'IDENTIFIER' || t.kind === 'start' || t.kind === 'end' || t.kind === 'step' || t.kind === 'range';
    if ((callable || t.kind === 'max_of' || t.kind === 'min_of') && n === '(') {
      this.next();
      const func = FUNCTIONS.get(t.val);
      if (!func) throw new ParseFailure(t.pos, this.tokenEnd(t), `unknown function with name ${JSON.stringify(t.val)}`);
      this.next();
      if (this.peek().kind === ')') return this.call(t, func, [], this.tokenEnd(this.next()));
      return { kind: 'call', minPrec, tok: t, func, args: [] };
    }
    return null;
  }

  private call(name: Token, func: FunctionSignature, args: Expr[], end: number): Call {
    if (func.experimental && !this.features.experimentalFunctions) {
      throw new ParseFailure(name.pos, this.tokenEnd(name), functionNotEnabled(func.name));
    }
    return { type: 'Call', func, args, pos: { start: name.pos, end } };
  }

  /** Finishes an aggregation after its `)` (which ends at `end`): a trailing `by`/`without`, argument checks. */
  private closeAggregation(f: Extract<Frame, { kind: 'aggregate' }>, closeEnd: number): AggregateExpr {
    this.contexts.pop();
    const op = f.tok.kind as AggregateOp;
    let { grouping, without } = f;
    let end = closeEnd;
    if (!f.modifierSeen) {
      const after = this.peek().kind;
      if (after === 'by' || after === 'without') {
        this.next();
        without = after === 'without';
        grouping = this.parseGroupingLabels();
        end = this.tokenEnd(this.tokens[this.i - 1]!);
      }
    }
    const pos = { start: f.tok.pos, end };
    const args = f.args;
    if (args.length === 0) throw this.fail(pos, 'no arguments for aggregate expression provided');
    if (isExperimentalAggregator(op) && !this.features.experimentalFunctions) throw this.fail(pos, aggregatorNotEnabled(op));
    const want = AGGREGATORS_WITH_PARAM.has(op) ? 2 : 1;
    if (args.length !== want) {
      throw this.fail(pos, `wrong number of arguments for aggregate expression provided, expected ${want}, got ${args.length}`);
    }
    return {
      type: 'AggregateExpr',
      op,
      expr: args[want - 1]!,
      param: want === 2 ? args[0]! : null,
      grouping,
      without,
      pos,
    };
  }

  /** Position (UTF-16 index) of the token being read, for errors raised outside the grammar. */
  position(): number {
    return this.peek().pos;
  }

  private parseBinModifiers(): { returnBool: boolean; matching: VectorMatching } {
    const matching: VectorMatching = {
      card: 'one-to-one',
      matchingLabels: [],
      on: false,
      include: [],
      fillLeft: null,
      fillRight: null,
    };
    let returnBool = false;
    if (this.peek().kind === 'bool') {
      this.next();
      returnBool = true;
    }
    const k = this.peek().kind;
    if (k === 'on' || k === 'ignoring') {
      this.next();
      matching.on = k === 'on';
      matching.matchingLabels = this.parseGroupingLabels();
      const g = this.peek().kind;
      if (g === 'group_left' || g === 'group_right') {
        this.next();
        matching.card = g === 'group_left' ? 'many-to-one' : 'one-to-many';
        if (this.peek().kind === '(') matching.include = this.parseGroupingLabels();
      }
    }
    const f = this.peek().kind;
    if (f === 'fill') {
      this.next();
      const v = this.parseFillValue();
      matching.fillLeft = v;
      matching.fillRight = v;
    } else if (f === 'fill_left' || f === 'fill_right') {
      this.next();
      const v = this.parseFillValue();
      if (f === 'fill_left') matching.fillLeft = v;
      else matching.fillRight = v;
      const other = f === 'fill_left' ? 'fill_right' : 'fill_left';
      if (this.peek().kind === other) {
        this.next();
        const w = this.parseFillValue();
        if (other === 'fill_left') matching.fillLeft = w;
        else matching.fillRight = w;
      }
    }
    return { returnBool, matching };
  }

  private parseFillValue(): number {
    this.expect('(', '');
    let sign = 1;
    const s = this.peek();
    if (s.kind === '+' || s.kind === '-') {
      this.next();
      if (s.kind === '-') sign = -1;
    }
    const lit = this.parseNumberDurationLiteral(this.next());
    this.expect(')', '');
    return sign * lit.val;
  }

  private parseNumberDurationLiteral(t: Token): NumberLiteral {
    const pos = { start: t.pos, end: this.tokenEnd(t) };
    if (t.kind === 'NUMBER') {
      const v = parseNumber(t.val);
      if (v === null) throw this.fail(pos, `error parsing number: strconv.ParseFloat: parsing ${JSON.stringify(t.val)}: invalid syntax`);
      return { type: 'NumberLiteral', val: v, duration: false, pos };
    }
    if (t.kind === 'DURATION') {
      try {
        return { type: 'NumberLiteral', val: parseDuration(t.val) / 1000, duration: true, pos };
      } catch (e) {
        if (e instanceof TimeParseError) throw this.fail(pos, e.message);
        throw e;
      }
    }
    throw this.unexpected(t);
  }

  private parsePrimary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'NUMBER':
      case 'DURATION':
        this.next();
        return this.parseNumberDurationLiteral(t);
      case 'STRING':
        this.next();
        return { type: 'StringLiteral', val: this.unquote(t), pos: { start: t.pos, end: this.tokenEnd(t) } };
      case '{':
        return this.parseVectorSelector(null);
      default:
        break;
    }
    if (METRIC_IDENTIFIER_KINDS.has(t.kind)) {
      this.next();
      return this.parseVectorSelector(t);
    }
    throw this.unexpected(t);
  }

  private unquote(t: Token): string {
    try {
      return goUnquote(t.val);
    } catch (e) {
      if (e instanceof UnquoteError) {
        throw new ParseFailure(t.pos, this.tokenEnd(t), `error unquoting string ${JSON.stringify(t.val)}: ${e.message}`);
      }
      throw e;
    }
  }

  /** A vector selector, after its metric name token (or at `{` when `name` is null). */
  private parseVectorSelector(name: Token | null): VectorSelector {
    const matchers: Matcher[] = [];
    let start = name ? name.pos : this.peek().pos;
    let end = name ? this.tokenEnd(name) : start;
    if (this.peek().kind === '{') {
      const open = this.next();
      start = name ? name.pos : open.pos;
      end = this.parseLabelMatchers(matchers);
    }
    if (name) matchers.push(this.newMatcher('=', METRIC_NAME, name.val, { start: name.pos, end: this.tokenEnd(name) }));
    return {
      type: 'VectorSelector',
      name: name ? name.val : '',
      matchers,
      offset: 0,
      offsetExpr: null,
      at: null,
      atMode: null,
      anchored: false,
      smoothed: false,
      bypassEmptyMatcherCheck: false,
      pos: { start, end },
    };
  }

  /** Matchers after `{` up to and including `}`; returns the end index of `}`. */
  private parseLabelMatchers(out: Matcher[]): number {
    if (this.peek().kind === '}') return this.tokenEnd(this.next());
    for (;;) {
      const t = this.next();
      if (t.kind === 'IDENTIFIER' || t.kind === 'STRING') {
        const labelName = t.kind === 'STRING' ? this.unquote(t) : t.val;
        const op = this.peek();
        if (MATCH_OPS.has(op.kind)) {
          this.next();
          const v = this.peek();
          if (v.kind !== 'STRING') throw this.unexpected(v, 'label matching', 'string');
          this.next();
          out.push(this.newMatcher(op.kind as MatchType, labelName, this.unquote(v), { start: t.pos, end: this.tokenEnd(v) }));
        } else if (t.kind === 'STRING') {
          out.push(this.newMatcher('=', METRIC_NAME, labelName, { start: t.pos, end: this.tokenEnd(t) }));
        } else {
          throw this.unexpected(op, 'label matching', 'label matching operator');
        }
      } else {
        throw this.unexpected(t, 'label matching', 'identifier or "}"');
      }
      const sep = this.peek();
      if (sep.kind === '}') return this.tokenEnd(this.next());
      if (sep.kind !== ',') throw this.unexpected(sep, 'label matching', '"," or "}"');
      this.next();
      if (this.peek().kind === '}') return this.tokenEnd(this.next());
    }
  }

  private newMatcher(type: MatchType, name: string, value: string, pos: Pos): Matcher {
    try {
      return new Matcher(type, name, value);
    } catch (e) {
      if (e instanceof RegexSyntaxError) throw this.fail(pos, e.message);
      throw e;
    }
  }

  /** `( label, … )`; the labels as written (quoted names unquoted). */
  private parseGroupingLabels(): string[] {
    const open = this.peek();
    if (open.kind !== '(') throw this.unexpected(open, 'grouping opts', '"("');
    this.next();
    const labels: string[] = [];
    if (this.peek().kind === ')') {
      this.next();
      return labels;
    }
    for (;;) {
      const t = this.peek();
      if (t.kind === 'STRING') {
        this.next();
        const v = this.unquote(t);
        if (v === '') throw new ParseFailure(t.pos, this.tokenEnd(t), `invalid label name for grouping: ${JSON.stringify(v)}`);
        labels.push(v);
      } else if (LABEL_KINDS.has(t.kind)) {
        this.next();
        if (t.kind === 'METRIC_IDENTIFIER') {
          throw new ParseFailure(t.pos, this.tokenEnd(t), `invalid label name for grouping: ${JSON.stringify(t.val)}`);
        }
        labels.push(t.val);
      } else {
        throw this.unexpected(t, 'grouping opts', 'label');
      }
      const sep = this.peek();
      if (sep.kind === ')') {
        this.next();
        return labels;
      }
      if (sep.kind !== ',') throw this.unexpected(sep, 'grouping opts', '"," or ")"');
      this.next();
      if (this.peek().kind === ')') {
        this.next();
        return labels;
      }
    }
  }

  private parsePostfix(e: Expr): Expr {
    for (;;) {
      const t = this.peek();
      switch (t.kind) {
        case '[':
          e = this.parseRangeOrSubquery(e);
          break;
        case 'offset':
          this.next();
          e = this.applyOffset(e);
          break;
        case '@':
          this.next();
          e = this.applyAt(e);
          break;
        case 'anchored':
        case 'smoothed':
          this.next();
          e = this.applyExtended(e, t.kind, { start: e.pos.start, end: this.tokenEnd(t) });
          break;
        default:
          return e;
      }
    }
  }

  private parseRangeOrSubquery(e: Expr): Expr {
    const open = this.next();
    const first = this.peek();
    if (!this.startsDuration(first)) {
      throw this.unexpected(first, 'subquery or range selector', 'number, duration, step(), or range()');
    }
    const range = this.positiveDuration(this.parseDurationExpr(0));
    const t = this.peek();
    if (t.kind === ']') {
      const close = this.next();
      let err = '';
      if (e.type !== 'VectorSelector') err = 'ranges only allowed for vector selectors';
      else if (e.offset !== 0 || e.offsetExpr !== null) err = 'no offset modifiers allowed before range';
      else if (e.at !== null || e.atMode !== null) err = 'no @ modifiers allowed before range';
      if (err) throw new ParseFailure(open.pos, this.tokenEnd(close), err);
      const vs = e as VectorSelector;
      const m: MatrixSelector = {
        type: 'MatrixSelector',
        vs,
        range: range.type === 'NumberLiteral' ? literalSecondsToMs(range.val) : 0,
        rangeExpr: range.type === 'DurationExpr' ? range : null,
        pos: { start: vs.pos.start, end: this.tokenEnd(close) },
      };
      return m;
    }
    if (t.kind !== ':') throw this.unexpected(t, 'subquery or range', '":" or "]"');
    this.next();
    let step: NumberLiteral | DurationExpr | null = null;
    const s = this.peek();
    if (s.kind !== ']') {
      if (!this.startsDuration(s)) {
        throw this.unexpected(s, 'subquery selector', 'number, duration, step(), range(), or "]"');
      }
      step = this.positiveDuration(this.parseDurationExpr(0));
    }
    const close = this.peek();
    if (close.kind !== ']') throw this.unexpected(close, 'subquery selector', '"]"');
    this.next();
    const sq: SubqueryExpr = {
      type: 'SubqueryExpr',
      expr: e,
      range: range.type === 'NumberLiteral' ? literalSecondsToMs(range.val) : 0,
      rangeExpr: range.type === 'DurationExpr' ? range : null,
      step: step && step.type === 'NumberLiteral' ? literalSecondsToMs(step.val) : 0,
      stepExpr: step && step.type === 'DurationExpr' ? step : null,
      offset: 0,
      offsetExpr: null,
      at: null,
      atMode: null,
      pos: { start: e.pos.start, end: this.tokenEnd(close) },
    };
    return sq;
  }

  private startsDuration(t: Token): boolean {
    return (
      t.kind === 'NUMBER' ||
      t.kind === 'DURATION' ||
      t.kind === '(' ||
      t.kind === '+' ||
      t.kind === '-' ||
      t.kind === 'step' ||
      t.kind === 'range' ||
      t.kind === 'max_of' ||
      t.kind === 'min_of'
    );
  }

  private positiveDuration(d: NumberLiteral | DurationExpr): NumberLiteral | DurationExpr {
    if (d.type === 'NumberLiteral' && d.val <= 0) throw this.fail(d.pos, 'duration must be greater than 0');
    return d;
  }

  private checkLiteralRange(lit: NumberLiteral, pos: Pos): NumberLiteral {
    if (lit.val > MAX_DURATION_SECONDS || lit.val < -MAX_DURATION_SECONDS) throw this.fail(pos, 'duration out of range');
    return lit;
  }

  /** Duration expression inside `[…]` or parentheses: `+ - * / % ^`, `step()`, `range()`, `min_of`, `max_of`. */
  private parseDurationExpr(minPrec: number): NumberLiteral | DurationExpr {
    let lhs = this.parseDurationUnary();
    for (;;) {
      const t = this.peek();
      const prec = t.kind === '+' || t.kind === '-' ? 1 : t.kind === '*' || t.kind === '/' || t.kind === '%' ? 2 : t.kind === '^' ? 3 : 0;
      if (prec === 0 || prec < minPrec) return lhs;
      this.next();
      const rhs = this.parseDurationExpr(t.kind === '^' ? prec : prec + 1);
      this.durationExprAllowed(lhs.pos);
      if ((t.kind === '/' || t.kind === '%') && rhs.type === 'NumberLiteral' && rhs.val === 0) {
        throw new ParseFailure(t.pos, this.tokenEnd(t), t.kind === '/' ? 'division by zero' : 'modulo by zero');
      }
      lhs = {
        type: 'DurationExpr',
        op: t.kind as DurationExpr['op'],
        lhs,
        rhs,
        wrapped: false,
        pos: { start: lhs.pos.start, end: rhs.pos.end },
      };
    }
  }

  private parseDurationUnary(): NumberLiteral | DurationExpr {
    const t = this.peek();
    if (t.kind === '+' || t.kind === '-') {
      this.next();
      const operand = this.parseDurationExpr(3);
      return this.applyDurationSign(t, operand);
    }
    return this.parseDurationAtom();
  }

  private applyDurationSign(sign: Token, operand: NumberLiteral | DurationExpr): NumberLiteral | DurationExpr {
    if (operand.type === 'NumberLiteral') {
      const lit: NumberLiteral = {
        ...operand,
        val: sign.kind === '-' ? -operand.val : operand.val,
        pos: { start: sign.pos, end: operand.pos.end },
      };
      return this.checkLiteralRange(lit, { start: sign.pos, end: this.tokenEnd(sign) });
    }
    if (sign.kind === '-') {
      return { type: 'DurationExpr', op: '-', lhs: null, rhs: operand, wrapped: false, pos: { start: sign.pos, end: operand.pos.end } };
    }
    return operand;
  }

  /** Refuses a duration expression at `pos` unless they are enabled (upstream `experimentalDurationExpr`). */
  private durationExprAllowed(pos: Pos): void {
    if (!this.features.durationExpressions) throw this.fail(pos, DURATION_EXPR_NOT_ENABLED);
  }

  /**
   * One operand of a duration expression. `signed`: the sign written before it in an offset, where
   * upstream checks `-step()` as one construct at the sign and lets `-(…)` through unchecked.
   */
  private parseDurationAtom(signed: Token | null = null): NumberLiteral | DurationExpr {
    const t = this.next();
    switch (t.kind) {
      case 'NUMBER':
      case 'DURATION': {
        const lit = this.parseNumberDurationLiteral(t);
        return this.checkLiteralRange(lit, lit.pos);
      }
      case 'step':
      case 'range': {
        this.expect('(', 'duration expression');
        const close = this.expect(')', 'duration expression');
        const pos = { start: t.pos, end: this.tokenEnd(close) };
        this.durationExprAllowed(signed ? { start: signed.pos, end: pos.end } : pos);
        return { type: 'DurationExpr', op: t.kind, lhs: null, rhs: null, wrapped: false, pos };
      }
      case 'min_of':
      case 'max_of': {
        this.expect('(', 'duration expression');
        const a = this.parseDurationExpr(0);
        this.expect(',', 'duration expression', '","');
        const b = this.parseDurationExpr(0);
        const close = this.expect(')', 'duration expression', '")"');
        const pos = { start: t.pos, end: this.tokenEnd(close) };
        this.durationExprAllowed(signed ? { start: signed.pos, end: pos.end } : pos);
        return { type: 'DurationExpr', op: t.kind, lhs: a, rhs: b, wrapped: false, pos };
      }
      case '(': {
        const inner = this.parseDurationExpr(0);
        const close = this.expect(')', 'duration expression', '")"');
        if (!signed) this.durationExprAllowed(inner.pos);
        const pos = { start: t.pos, end: this.tokenEnd(close) };
        if (inner.type === 'DurationExpr') return { ...inner, wrapped: true, pos };
        return { type: 'DurationExpr', op: '+', lhs: null, rhs: inner, wrapped: true, pos };
      }
      default:
        throw this.unexpected(t, 'duration expression');
    }
  }

  /** The duration after `offset`: a signed literal, `step()`, `range()`, `min_of/max_of(…)` or `( … )`. */
  private parseOffsetDuration(): NumberLiteral | DurationExpr {
    const t = this.peek();
    if (t.kind === '+' || t.kind === '-') {
      const n = this.peek(1);
      if (n.kind === 'NUMBER' || n.kind === 'DURATION' || n.kind === 'step' || n.kind === 'range' || n.kind === 'min_of' || n.kind === 'max_of' || n.kind === '(') {
        this.next();
        return this.applyDurationSign(t, this.parseDurationAtom(t));
      }
      throw this.unexpected(n, 'offset', 'number, duration, step(), or range()');
    }
    if (t.kind === 'NUMBER' || t.kind === 'DURATION' || t.kind === 'step' || t.kind === 'range' || t.kind === 'min_of' || t.kind === 'max_of' || t.kind === '(') {
      return this.parseDurationAtom();
    }
    throw this.unexpected(t, 'offset', 'number, duration, step(), or range()');
  }

  private applyOffset(e: Expr): Expr {
    const d = this.parseOffsetDuration();
    const end = d.pos.end;
    const target = this.modifierTarget(e, 'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery');
    if (target.offset !== 0 || target.offsetExpr !== null) throw this.fail(e.pos, 'offset may not be set multiple times');
    if (d.type === 'NumberLiteral') target.offset = literalSecondsToMs(d.val);
    else target.offsetExpr = d;
    return this.extendEnd(e, end);
  }

  private applyAt(e: Expr): Expr {
    const t = this.peek();
    let ts: number | null = null;
    let mode: 'start' | 'end' | null = null;
    let end: number;
    if ((t.kind === 'start' || t.kind === 'end') && this.peek(1).kind === '(') {
      this.next();
      this.next();
      const close = this.expect(')', '@', 'timestamp');
      mode = t.kind;
      end = this.tokenEnd(close);
    } else {
      let sign = 1;
      let startTok = t;
      if (t.kind === '+' || t.kind === '-') {
        this.next();
        if (t.kind === '-') sign = -1;
        startTok = this.peek();
      }
      if (startTok.kind !== 'NUMBER' && startTok.kind !== 'DURATION') throw this.unexpected(startTok, '@', 'timestamp');
      this.next();
      const lit = this.parseNumberDurationLiteral(startTok);
      const v = sign * lit.val;
      if (!Number.isFinite(v) || v >= 2 ** 63 || v <= -(2 ** 63)) {
        throw this.fail(e.pos, `timestamp out of bounds for @ modifier: ${formatGoF(v)}`);
      }
      ts = Math.round(v * 1000);
      end = lit.pos.end;
    }
    const target = this.modifierTarget(e, '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery');
    if (target.at !== null || target.atMode !== null) throw this.fail(e.pos, '@ <timestamp> may not be set multiple times');
    target.at = ts;
    target.atMode = mode;
    return this.extendEnd(e, end);
  }

  private applyExtended(e: Expr, kind: 'anchored' | 'smoothed', pos: Pos): Expr {
    if (!this.features.extendedRangeSelectors) throw this.fail(e.pos, modifierNotEnabled(kind));
    let vs: VectorSelector;
    if (e.type === 'VectorSelector') vs = e;
    else if (e.type === 'MatrixSelector') vs = e.vs;
    else if (e.type === 'SubqueryExpr') throw this.fail(pos, `${kind} modifier is not supported for subqueries`);
    else throw this.fail(pos, `${kind} modifier not implemented`);
    if ((kind === 'anchored' && vs.smoothed) || (kind === 'smoothed' && vs.anchored)) {
      throw this.fail(pos, 'anchored and smoothed modifiers cannot be used together');
    }
    if (kind === 'anchored') vs.anchored = true;
    else vs.smoothed = true;
    return e;
  }

  /** The node whose offset/@ a modifier sets (a matrix selector's vector selector). */
  private modifierTarget(e: Expr, msg: string): VectorSelector | SubqueryExpr {
    if (e.type === 'VectorSelector' || e.type === 'SubqueryExpr') return e;
    if (e.type === 'MatrixSelector') return e.vs;
    throw this.fail(e.pos, msg);
  }

  private extendEnd(e: Expr, end: number): Expr {
    e.pos = { start: e.pos.start, end };
    return e;
  }
}

/** Go `%f` of a float (6 decimals). */
function formatGoF(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return v.toFixed(6);
}

/**
 * Whether `err` is V8's stack exhaustion (`RangeError: Maximum call stack size exceeded`), which
 * deeply nested calls or aggregations can cause where the JS stack is small (the main thread).
 */
export function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && err.message.includes('call stack');
}

/** Source text of each parsed tree, for annotation positions (`line:col`). */
const SOURCES = new WeakMap<Expr, string>();

/** The query text `e` was parsed from, if it came from {@link parseExpr}. */
export function sourceOf(e: Expr): string | undefined {
  return SOURCES.get(e);
}

/**
 * Parses a PromQL expression into its syntax tree and type-checks it, as upstream `ParseExpr`.
 * `features` says which experimental syntax is allowed (see `features.ts`); the default,
 * `ALL_FEATURES`, allows all of it (duration expressions, `anchored`/`smoothed`, `fill()`
 * modifiers, experimental functions and aggregations), as upstream's test parser does. A disabled
 * construct fails with upstream's message, e.g. `1:1: parse error: function "info" is not enabled`.
 * @throws {PromQLError} type `bad_data`, message `line:col: parse error: reason`, with `positionRange`
 *   in bytes, e.g. `1:5: parse error: unexpected end of input`.
 */
export function parseExpr(input: string, features: PromQLFeatures = ALL_FEATURES): Expr {
  let e: Expr;
  let parser: Parser | undefined;
  try {
    parser = new Parser(input, tokenize(input), features);
    e = parser.parseTop();
    checkAST(e, input);
  } catch (err) {
    if (err instanceof ParseFailure) throw parseError(input, err.start, err.end, err.message);
    if (isStackOverflow(err)) {
      const at = parser?.position() ?? 0;
      throw parseError(input, at, at, 'expression nested too deeply (maximum call stack size exceeded)');
    }
    throw err;
  }
  SOURCES.set(e, input);
  return e;
}

/**
 * Parses a series selector (`name{l="v"}` or `{l=~"v"}`) into matchers, as upstream
 * `ParseMetricSelector` (used for the API's `match[]`). A selector must have a metric name or a
 * matcher that does not match the empty string.
 * @throws {PromQLError} `bad_data` parse errors as {@link parseExpr}.
 */
export function parseMetricSelector(input: string): Matcher[] {
  try {
    const e = new Parser(input, tokenize(input)).parseSelectorTop();
    checkAST(e, input);
    return e.matchers;
  } catch (err) {
    if (err instanceof ParseFailure) throw parseError(input, err.start, err.end, err.message);
    throw err;
  }
}

