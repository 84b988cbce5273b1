/**
 * LogQL parser: recursive descent over {@link tokenize}'s tokens, producing the tree of `ast.ts`.
 * Grammar and validation follow Loki's `syntax` package (Loki 2.9/3.x): stream selectors with at
 * least one matcher that does not match the empty string; line filters (`or`-ed alternatives);
 * parsers json (with `name="path"` params), logfmt (`--strict`, `--keep-empty`, params), regexp,
 * pattern, unpack; decolorize; label filters combined by `and`, `,`, juxtaposition and `or` (`and` binds
 * tighter); line_format, label_format, drop, keep; range aggregations with `unwrap` and
 * `offset`; vector aggregations with `by`/`without` before or after; binary operators with
 * PromQL precedence, `bool`, `on`/`ignoring`, `group_left`/`group_right`; `label_replace`.
 */
import { Matcher, type MatchType } from '../../model/matcher.js';
import { isValidLabelName } from '../../model/labels.js';
import { compileAnchored, RegexSyntaxError } from '../../model/regex.js';
import type {
  BinaryOp,
  CmpOp,
  Expr,
  Grouping,
  LabelFilter,
  LabelFormatItem,
  LineFilterOp,
  LogSelector,
  MetricExpr,
  NameOrMatcher,
  ParserParam,
  RangeAggregation,
  RangeOp,
  Stage,
  Unwrap,
  VectorMatching,
  VectorOp,
} from './ast.js';
import { LogQLParseError } from './errors.js';
import { compilePattern } from './extract.js';
import { compileLineRegex } from './regex.js';
import { syntaxError, tokenize, tokenName, type Token } from './lexer.js';

/** Longest query accepted, bytes (Loki's `maxInputSize`). */
export const MAX_QUERY_LENGTH = 5120;

const RANGE_OPS = new Set<string>([
  'count_over_time',
  'rate',
  'bytes_over_time',
  'bytes_rate',
  'sum_over_time',
  'avg_over_time',
  'min_over_time',
  'max_over_time',
  'stddev_over_time',
  'stdvar_over_time',
  'quantile_over_time',
  'first_over_time',
  'last_over_time',
  'absent_over_time',
]);
/** Range aggregations that need `| unwrap` (rate works with or without). */
const UNWRAP_OPS = new Set<string>([
  'sum_over_time',
  'avg_over_time',
  'min_over_time',
  'max_over_time',
  'stddev_over_time',
  'stdvar_over_time',
  'quantile_over_time',
  'first_over_time',
  'last_over_time',
]);
const VECTOR_OPS = new Set<string>(['sum', 'avg', 'min', 'max', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'sort', 'sort_desc']);
const PARSER_STAGES = new Set<string>(['json', 'logfmt', 'regexp', 'pattern', 'unpack', 'line_format', 'label_format', 'drop', 'keep', 'unwrap', 'decolorize']);

/** Binary operator precedence (higher binds tighter), PromQL's. */
const PRECEDENCE: Record<string, number> = {
  or: 1,
  and: 2,
  unless: 2,
  '==': 3,
  '!=': 3,
  '>': 3,
  '>=': 3,
  '<': 3,
  '<=': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
  '%': 5,
  '^': 6,
};
const CMP_OPS = new Set(['==', '!=', '>', '>=', '<', '<=']);

/** Loki's message for selectors whose every matcher matches the empty string. */
export const ERR_NEED_MATCHER =
  'queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will';

/**
 * Parses and validates a LogQL query.
 * @throws {LogQLParseError} with Loki's wording and the 1-based line/column of the offending token.
 */
export function parseLogQL(query: string): Expr {
  if (Buffer.byteLength(query) >= MAX_QUERY_LENGTH) {
    throw new LogQLParseError(`input size too long (${Buffer.byteLength(query)} > ${MAX_QUERY_LENGTH})`, 0, 0, -1);
  }
  const p = new Parser(query, tokenize(query));
  const expr = p.parseExpr();
  p.expectEnd();
  validate(expr);
  return expr;
}

function validate(e: Expr): void {
  switch (e.kind) {
    case 'log':
      if (!e.matchers.some((m) => !m.matchesEmpty())) throw new LogQLParseError(ERR_NEED_MATCHER, 0, 0, -1);
      return;
    case 'range':
      return validate(e.selector);
    case 'vector':
    case 'labelReplace':
      return validate(e.expr);
    case 'binary':
      validate(e.lhs);
      return validate(e.rhs);
    default:
      return;
  }
}

class Parser {
  private i = 0;

  constructor(
    private readonly query: string,
    private readonly toks: Token[],
  ) {}

  private get tok(): Token {
    return this.toks[this.i]!;
  }

  private peek(k = 1): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }

  private next(): Token {
    const t = this.tok;
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private isOp(text: string, t: Token = this.tok): boolean {
    return t.kind === 'op' && t.text === text;
  }

  private isWord(word: string, t: Token = this.tok): boolean {
    return t.kind === 'ident' && t.text === word;
  }

  private fail(t: Token, expecting?: string): never {
    throw syntaxError(this.query, t.pos, `syntax error: unexpected ${tokenName(t)}${expecting ? `, expecting ${expecting}` : ''}`);
  }

  private failAt(t: Token, reason: string): never {
    throw syntaxError(this.query, t.pos, reason);
  }

  private expectOp(text: string): Token {
    if (!this.isOp(text)) this.fail(this.tok, text);
    return this.next();
  }

  private expectKind(kind: Token['kind'], name: string): Token {
    if (this.tok.kind !== kind) this.fail(this.tok, name);
    return this.next();
  }

  expectEnd(): void {
    if (this.tok.kind !== 'eof') this.fail(this.tok);
  }

  parseExpr(): Expr {
    return this.parseBinary(1);
  }

  private parseBinary(minPrec: number): Expr {
    let lhs = this.parseUnary();
    for (;;) {
      const t = this.tok;
      const opText = t.kind === 'op' || t.kind === 'ident' ? t.text : '';
      const prec = PRECEDENCE[opText];
      if (prec === undefined || prec < minPrec) return lhs;
      if (t.kind === 'ident' && !['and', 'or', 'unless'].includes(opText)) return lhs;
      this.next();
      const op = opText as BinaryOp;
      let returnBool = false;
      if (this.isWord('bool')) {
        if (!CMP_OPS.has(op)) this.failAt(this.tok, 'bool modifier can only be used on comparison operators');
        this.next();
        returnBool = true;
      }
      const matching = this.parseMatching(op);
      const rhs = this.parseBinary(op === '^' ? prec : prec + 1);
      const l = this.metric(lhs, t);
      const r = this.metric(rhs, t);
      if ((op === 'and' || op === 'or' || op === 'unless') && (l.kind === 'literal' || r.kind === 'literal')) {
        this.failAt(t, `unexpected literal for right leg of logical/set binary operation (${op})`);
      }
      lhs = { kind: 'binary', op, lhs: l, rhs: r, returnBool, ...(matching ? { matching } : {}) };
    }
  }

  private metric(e: Expr, at: Token): MetricExpr {
    if (e.kind === 'log') this.failAt(at, `syntax error: unexpected ${tokenName(at)}`);
    return e;
  }

  private parseMatching(op: BinaryOp): VectorMatching | undefined {
    if (!this.isWord('on') && !this.isWord('ignoring')) return undefined;
    const on = this.next().text === 'on';
    const labels = this.parseLabelList();
    let card: VectorMatching['card'] = 'one-to-one';
    let include: string[] = [];
    if (this.isWord('group_left') || this.isWord('group_right')) {
      card = this.next().text === 'group_left' ? 'many-to-one' : 'one-to-many';
      if (this.isOp('(')) include = this.parseLabelList();
    }
    if ((op === 'and' || op === 'or' || op === 'unless') && card !== 'one-to-one') {
      this.failAt(this.tok, 'no grouping allowed for "and", "or", "unless" operations');
    }
    return { on, labels, card, include };
  }

  private parseLabelList(): string[] {
    this.expectOp('(');
    const out: string[] = [];
    while (!this.isOp(')')) {
      out.push(this.expectKind('ident', 'IDENTIFIER').text);
      if (!this.isOp(',')) break;
      this.next();
    }
    this.expectOp(')');
    return out;
  }

  /** Unary `-`/`+` bind tighter than every binary operator but `^`, as PromQL: `-2 ^ 2` is -4. */
  private parseUnary(): Expr {
    const t = this.tok;
    if (this.isOp('-') || this.isOp('+')) {
      this.next();
      const operand = this.metric(this.parseBinary(PRECEDENCE['^']!), t);
      if (t.text === '+') return operand;
      if (operand.kind === 'literal') return { kind: 'literal', value: -operand.value };
      return { kind: 'binary', op: '*', lhs: operand, rhs: { kind: 'literal', value: -1 }, returnBool: false };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Expr {
    const t = this.tok;
    if (t.kind === 'number') {
      this.next();
      return { kind: 'literal', value: t.num };
    }
    if (this.isOp('{')) return this.parseLogSelector(false).selector;
    if (this.isOp('(')) {
      this.next();
      const e = this.parseExpr();
      this.expectOp(')');
      return e;
    }
    if (t.kind === 'ident') {
      if (RANGE_OPS.has(t.text) && this.isOp('(', this.peek())) return this.parseRangeAggregation();
      if (VECTOR_OPS.has(t.text) && (this.isOp('(', this.peek()) || this.isWord('by', this.peek()) || this.isWord('without', this.peek()))) {
        return this.parseVectorAggregation();
      }
      if (t.text === 'label_replace' && this.isOp('(', this.peek())) return this.parseLabelReplace();
      if (t.text === 'vector' && this.isOp('(', this.peek())) {
        this.next();
        this.next();
        const neg = this.isOp('-') ? (this.next(), -1) : 1;
        const v = this.expectKind('number', 'NUMBER').num * neg;
        this.expectOp(')');
        return { kind: 'vectorLiteral', value: v };
      }
    }
    this.fail(t);
  }

  private parseLabelReplace(): MetricExpr {
    const fn = this.next();
    this.next();
    const expr = this.metric(this.parseExpr(), fn);
    const args: Token[] = [];
    for (let k = 0; k < 4; k++) {
      this.expectOp(',');
      args.push(this.expectKind('string', 'STRING'));
    }
    this.expectOp(')');
    const [dst, replacement, src, regex] = args as [Token, Token, Token, Token];
    if (!isValidLabelName(dst.value)) this.failAt(dst, `invalid destination label name in label_replace(): ${dst.value}`);
    try {
      compileAnchored(regex.value);
    } catch (e) {
      if (e instanceof RegexSyntaxError) this.failAt(regex, `invalid regular expression in label_replace(): ${regex.value}`);
      throw e;
    }
    return { kind: 'labelReplace', expr, dst: dst.value, replacement: replacement.value, src: src.value, regex: regex.value };
  }

  private parseGrouping(): Grouping | undefined {
    if (!this.isWord('by') && !this.isWord('without')) return undefined;
    const without = this.next().text === 'without';
    return { without, labels: this.parseLabelList() };
  }

  private parseVectorAggregation(): MetricExpr {
    const opTok = this.next();
    const op = opTok.text as VectorOp;
    let grouping = this.parseGrouping();
    this.expectOp('(');
    let param: number | undefined;
    if (op === 'topk' || op === 'bottomk') {
      const p = this.tok;
      if (p.kind !== 'number') this.failAt(p, `syntax error: parameter required for operation ${op}`);
      this.next();
      if (!Number.isInteger(p.num) || p.num <= 0) this.failAt(p, `syntax error: invalid parameter ${op}(${p.text},`);
      param = p.num;
      this.expectOp(',');
    }
    const inner = this.parseExpr();
    this.expectOp(')');
    const after = this.parseGrouping();
    if (after) {
      if (grouping) this.fail(this.toks[this.i - 1]!);
      grouping = after;
    }
    const expr = this.metric(inner, opTok);
    if ((op === 'sort' || op === 'sort_desc') && grouping && grouping.labels.length > 0) {
      throw new LogQLParseError("sort and sort_desc doesn't allow grouping by ", 0, 0, -1);
    }
    return { kind: 'vector', op, expr, ...(param !== undefined ? { param } : {}), ...(grouping ? { grouping } : {}) };
  }

  private parseRangeAggregation(): RangeAggregation {
    const opTok = this.next();
    const op = opTok.text as RangeOp;
    this.expectOp('(');
    let param: number | undefined;
    if (op === 'quantile_over_time') {
      param = this.expectKind('number', 'NUMBER').num;
      this.expectOp(',');
    }
    let parsed: { selector: LogSelector; unwrap?: Unwrap; rangeMs?: number };
    if (this.isOp('(')) {
      this.next();
      parsed = this.parseLogSelector(true);
      this.expectOp(')');
      if (parsed.rangeMs === undefined && this.tok.kind === 'range') parsed.rangeMs = this.rangeMs(this.next());
    } else {
      parsed = this.parseLogSelector(true);
    }
    if (parsed.rangeMs === undefined) this.fail(this.tok, 'RANGE');
    let offsetMs = 0;
    if (this.isWord('offset')) {
      this.next();
      const d = this.expectKind('duration', 'DURATION');
      offsetMs = Math.round(d.num * 1000);
    }
    this.expectOp(')');
    const grouping = this.parseGrouping();
    if (UNWRAP_OPS.has(op) && !parsed.unwrap) throw new LogQLParseError(`invalid aggregation ${op} without unwrap`, 0, 0, -1);
    if (!UNWRAP_OPS.has(op) && op !== 'rate' && parsed.unwrap) throw new LogQLParseError(`invalid aggregation ${op} with unwrap`, 0, 0, -1);
    if (grouping && !parsed.unwrap) throw new LogQLParseError(`grouping not allowed for ${op} aggregation`, 0, 0, -1);
    return {
      kind: 'range',
      op,
      selector: parsed.selector,
      rangeMs: parsed.rangeMs,
      offsetMs,
      ...(param !== undefined ? { param } : {}),
      ...(parsed.unwrap ? { unwrap: parsed.unwrap } : {}),
      ...(grouping ? { grouping } : {}),
    };
  }

  private rangeMs(t: Token): number {
    return Math.round(t.num * 1000);
  }

  /** `{…} stages…`, with a `[range]` and `| unwrap` accepted when `inRange`. */
  private parseLogSelector(inRange: boolean): { selector: LogSelector; unwrap?: Unwrap; rangeMs?: number } {
    const matchers = this.parseMatchers();
    let rangeMs: number | undefined;
    if (inRange && this.tok.kind === 'range') rangeMs = this.rangeMs(this.next());
    const stages: Stage[] = [];
    let unwrap: Unwrap | undefined;
    for (;;) {
      const t = this.tok;
      if (t.kind === 'op' && (t.text === '|=' || t.text === '!=' || t.text === '|~' || t.text === '!~' || t.text === '|>' || t.text === '!>')) {
        if (unwrap) this.fail(t);
        this.next();
        stages.push(this.parseLineFilter(t.text as LineFilterOp));
        continue;
      }
      if (!this.isOp('|')) break;
      this.next();
      const w = this.tok;
      if (w.kind === 'ident' && w.text === 'unwrap' && this.peek().kind === 'ident') {
        if (!inRange || unwrap) this.fail(w);
        this.next();
        unwrap = this.parseUnwrap();
        continue;
      }
      if (unwrap) {
        (unwrap.postFilters as LabelFilter[]).push(this.parseLabelFilterOr());
        continue;
      }
      if (w.kind === 'ident' && PARSER_STAGES.has(w.text) && !this.isLabelFilterStart()) {
        stages.push(this.parseStage());
        continue;
      }
      stages.push({ kind: 'labelFilter', filter: this.parseLabelFilterOr() });
    }
    if (inRange && rangeMs === undefined && this.tok.kind === 'range') rangeMs = this.rangeMs(this.next());
    const selector: LogSelector = { kind: 'log', matchers, stages };
    return { selector, ...(unwrap ? { unwrap } : {}), ...(rangeMs !== undefined ? { rangeMs } : {}) };
  }

  private parseMatchers(): Matcher[] {
    this.expectOp('{');
    const out: Matcher[] = [];
    for (;;) {
      const name = this.expectKind('ident', 'IDENTIFIER');
      const op = this.tok;
      if (!(op.kind === 'op' && ['=', '!=', '=~', '!~'].includes(op.text))) this.fail(op);
      this.next();
      const v = this.expectKind('string', 'STRING');
      out.push(this.matcher(op.text as MatchType, name.text, v));
      if (this.isOp(',')) {
        this.next();
        continue;
      }
      break;
    }
    this.expectOp('}');
    return out;
  }

  private matcher(type: MatchType, name: string, v: Token): Matcher {
    try {
      return new Matcher(type, name, v.value);
    } catch (e) {
      if (e instanceof RegexSyntaxError) this.failAt(v, e.message);
      throw e;
    }
  }

  private parseLineFilter(op: LineFilterOp): Stage {
    const values = [this.expectKind('string', 'STRING')];
    while (this.isWord('or') && this.peek().kind === 'string') {
      this.next();
      values.push(this.next());
    }
    if (op === '|~' || op === '!~') for (const v of values) this.checkRegex(v);
    if (op === '|>' || op === '!>') {
      for (const v of values) {
        try {
          compilePattern(v.value, false);
        } catch (e) {
          this.failAt(v, (e as Error).message);
        }
      }
    }
    return { kind: 'lineFilter', op, values: values.map((v) => v.value) };
  }

  private checkRegex(v: Token): void {
    try {
      compileLineRegex(v.value);
    } catch (e) {
      if (e instanceof RegexSyntaxError) this.failAt(v, e.message);
      throw e;
    }
  }

  /** Whether the current identifier starts a label filter (`json > 1` filters a label named json). */
  private isLabelFilterStart(): boolean {
    const n = this.peek();
    return n.kind === 'op' && ['=', '!=', '=~', '!~', '==', '>', '>=', '<', '<='].includes(n.text);
  }

  private parseStage(): Stage {
    const w = this.next();
    switch (w.text) {
      case 'json':
        return { kind: 'json', params: this.parseParserParams() };
      case 'logfmt': {
        let strict = false;
        let keepEmpty = false;
        while (this.tok.kind === 'ident' && this.tok.text.startsWith('--')) {
          const f = this.next();
          if (f.text === '--strict') strict = true;
          else if (f.text === '--keep-empty') keepEmpty = true;
          else this.fail(f);
        }
        return { kind: 'logfmt', strict, keepEmpty, params: this.parseParserParams() };
      }
      case 'regexp': {
        const s = this.expectKind('string', 'STRING');
        this.checkRegex(s);
        if (!/\(\?P?<[A-Za-z_]/.test(s.value)) this.failAt(s, 'at least one named capture must be supplied');
        return { kind: 'regexp', pattern: s.value };
      }
      case 'pattern': {
        const s = this.expectKind('string', 'STRING');
        if (!/<[A-Za-z_][A-Za-z0-9_]*>/.test(s.value)) this.failAt(s, 'at least one capture is required');
        return { kind: 'pattern', pattern: s.value };
      }
      case 'unpack':
        return { kind: 'unpack' };
      case 'decolorize':
        return { kind: 'decolorize' };
      case 'line_format':
        return { kind: 'lineFormat', template: this.expectKind('string', 'STRING').value };
      case 'label_format':
        return { kind: 'labelFormat', items: this.parseLabelFormat() };
      case 'drop':
      case 'keep':
        return { kind: w.text, items: this.parseNameOrMatchers() };
      default:
        return this.fail(w);
    }
  }

  private parseParserParams(): ParserParam[] {
    const out: ParserParam[] = [];
    while (this.tok.kind === 'ident' && !this.isOp('|', this.tok)) {
      const name = this.next().text;
      if (this.isOp('=')) {
        this.next();
        out.push({ name, path: this.expectKind('string', 'STRING').value });
      } else out.push({ name, path: name });
      if (!this.isOp(',')) break;
      this.next();
    }
    return out;
  }

  private parseLabelFormat(): LabelFormatItem[] {
    const out: LabelFormatItem[] = [];
    const seen = new Set<string>();
    for (;;) {
      const name = this.expectKind('ident', 'IDENTIFIER');
      this.expectOp('=');
      const v = this.tok;
      if (seen.has(name.text)) this.failAt(name, `multiple label name '${name.text}' not allowed in a single format operation`);
      seen.add(name.text);
      if (v.kind === 'string') out.push({ name: name.text, template: v.value });
      else if (v.kind === 'ident') out.push({ name: name.text, rename: v.text });
      else this.fail(v, 'STRING or IDENTIFIER');
      this.next();
      if (!this.isOp(',')) return out;
      this.next();
    }
  }

  private parseNameOrMatchers(): NameOrMatcher[] {
    const out: NameOrMatcher[] = [];
    for (;;) {
      const name = this.expectKind('ident', 'IDENTIFIER');
      const op = this.tok;
      if (op.kind === 'op' && ['=', '!=', '=~', '!~'].includes(op.text)) {
        this.next();
        const v = this.expectKind('string', 'STRING');
        out.push({ name: name.text, matcher: this.matcher(op.text as MatchType, name.text, v) });
      } else out.push({ name: name.text });
      if (!this.isOp(',')) return out;
      this.next();
    }
  }

  private parseUnwrap(): Unwrap {
    const t = this.next();
    if (['duration', 'duration_seconds', 'bytes'].includes(t.text) && this.isOp('(')) {
      this.next();
      const label = this.expectKind('ident', 'IDENTIFIER').text;
      this.expectOp(')');
      return { label, conversion: t.text as Unwrap['conversion'], postFilters: [] };
    }
    return { label: t.text, conversion: '', postFilters: [] };
  }

  private parseLabelFilterOr(): LabelFilter {
    let left = this.parseLabelFilterAnd();
    while (this.isWord('or') && this.startsLabelFilter(this.peek(), this.peek(2))) {
      this.next();
      left = { kind: 'or', left, right: this.parseLabelFilterAnd() };
    }
    return left;
  }

  private startsLabelFilter(a: Token, b: Token): boolean {
    if (this.isOp('(', a)) return true;
    return a.kind === 'ident' && b.kind === 'op' && ['=', '!=', '=~', '!~', '==', '>', '>=', '<', '<='].includes(b.text);
  }

  private parseLabelFilterAnd(): LabelFilter {
    let left = this.parseLabelFilterPrimary();
    for (;;) {
      if ((this.isWord('and') || this.isOp(',')) && this.startsLabelFilter(this.peek(), this.peek(2))) {
        this.next();
      } else if (!(this.tok.kind === 'ident' && this.tok.text !== 'or' && this.tok.text !== 'and' && this.startsLabelFilter(this.tok, this.peek()))) {
        return left;
      }
      left = { kind: 'and', left, right: this.parseLabelFilterPrimary() };
    }
  }

  private parseLabelFilterPrimary(): LabelFilter {
    if (this.isOp('(')) {
      this.next();
      const f = this.parseLabelFilterOr();
      this.expectOp(')');
      return f;
    }
    const name = this.expectKind('ident', 'IDENTIFIER');
    const op = this.tok;
    if (op.kind !== 'op') this.fail(op);
    this.next();
    const v = this.tok;
    if (v.kind === 'string' && ['=', '!=', '=~', '!~'].includes(op.text)) {
      this.next();
      return { kind: 'string', matcher: this.matcher(op.text as MatchType, name.text, v) };
    }
    if ((v.kind === 'number' || v.kind === 'duration' || v.kind === 'bytes') && ['=', '==', '!=', '>', '>=', '<', '<='].includes(op.text)) {
      this.next();
      const cmp = (op.text === '=' ? '==' : op.text) as CmpOp;
      const kind = v.kind === 'number' ? 'numeric' : v.kind;
      return { kind, name: name.text, op: cmp, value: v.num };
    }
    if (v.kind === 'ident' && v.text === 'ip') this.failAt(v, 'syntax error: ip() label filters are not supported');
    return this.fail(v);
  }
}
