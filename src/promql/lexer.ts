/**
 * PromQL lexer, following upstream `promql/parser/lex.go`: a small state machine over the query
 * text. Inside `{…}` every word is a plain identifier; inside `[…]` only numbers, durations,
 * arithmetic and the duration keywords `step`, `range`, `min_of`, `max_of` are allowed; elsewhere
 * keywords (`by`, `offset`, `sum`, …) are recognised case-insensitively.
 *
 * `tokenize` scans the whole query up front; a lexical error becomes a final `ERROR` token whose
 * `val` is the message (the parser reports it when it gets there, as upstream).
 */
import { goQuote, goQuoteRune } from '../model/goquote.js';

/** Operators, spelled as in PromQL (`<op:…>` in parse errors). */
const OPERATORS = ['+', '-', '*', '/', '%', '^', '==', '!=', '<=', '<', '>=', '>', '=~', '!~', '@', '</', '>/', 'and', 'or', 'unless', 'atan2'] as const;
/** Aggregation operators (`<aggr:…>` in parse errors). */
const AGGREGATORS = ['sum', 'avg', 'count', 'min', 'max', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'count_values', 'quantile', 'limitk', 'limit_ratio'] as const;
/** Keywords (`<…>` in parse errors). */
const KEYWORDS = ['offset', 'smoothed', 'anchored', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'fill', 'fill_left', 'fill_right', 'bool'] as const;
/** Words that only act as keywords at an `@` modifier, in durations or as function names. */
const PREPROCESSORS = ['start', 'end', 'step', 'range', 'max_of', 'min_of'] as const;

/** Token kinds. Operators and keywords use their spelling (`'+'`, `'by'`, `'sum'`). */
export type TokenKind =
  | 'EOF'
  | 'ERROR'
  | 'IDENTIFIER'
  | 'METRIC_IDENTIFIER'
  | 'NUMBER'
  | 'DURATION'
  | 'STRING'
  | '('
  | ')'
  | '{'
  | '}'
  | '['
  | ']'
  | ','
  | ':'
  | '='
  | (typeof OPERATORS)[number]
  | (typeof AGGREGATORS)[number]
  | (typeof KEYWORDS)[number]
  | (typeof PREPROCESSORS)[number];

/** A token: kind, UTF-16 start index and the raw text (the message for `ERROR`). */
export interface Token {
  kind: TokenKind;
  pos: number;
  val: string;
}

const OPERATOR_SET: ReadonlySet<string> = new Set(OPERATORS);
const OPERATOR_WORDS: ReadonlySet<string> = new Set(['and', 'or', 'unless', 'atan2']);
const AGGREGATOR_WORDS: ReadonlySet<string> = new Set(AGGREGATORS);
const KEYWORD_WORDS: ReadonlySet<string> = new Set(KEYWORDS);
const PREPROCESSOR_WORDS: ReadonlySet<string> = new Set(PREPROCESSORS);
const DURATION_KEYWORDS: ReadonlySet<string> = new Set(['step', 'range', 'max_of', 'min_of']);

/** Whether a token kind is an operator. */
function isOperatorKind(k: TokenKind): boolean {
  return OPERATOR_SET.has(k);
}

/** Whether a token kind is a keyword. */
function isKeywordKind(k: TokenKind): boolean {
  return KEYWORD_WORDS.has(k);
}

/** Whether a token kind is an aggregation operator. */
export function isAggregatorKind(k: TokenKind): boolean {
  return AGGREGATOR_WORDS.has(k);
}

/**
 * How an unexpected token is named in parse errors, as upstream `Item.desc()`:
 * `end of input`, `<op:+>`, `<aggr:sum>`, `<by>`, `identifier "foo"`, `number "1"`, `"("`.
 */
export function describeToken(t: Token): string {
  switch (t.kind) {
    case 'EOF':
      return 'end of input';
    case 'ERROR':
      return t.val;
    case 'IDENTIFIER':
      return `identifier ${goQuote(t.val)}`;
    case 'METRIC_IDENTIFIER':
      return `metric identifier ${goQuote(t.val)}`;
    case 'NUMBER':
      return `number ${shortQuote(t.val)}`;
    case 'DURATION':
      return `duration ${shortQuote(t.val)}`;
    case 'STRING':
      return `string ${shortQuote(t.val)}`;
    default:
      break;
  }
  if (isKeywordKind(t.kind)) return `<${t.val}>`;
  if (isOperatorKind(t.kind)) return `<op:${t.val}>`;
  if (isAggregatorKind(t.kind)) return `<aggr:${t.val}>`;
  return shortQuote(t.val);
}

/** Go `%.10q...` for long values, `%q` otherwise (as upstream `Item.String`). */
function shortQuote(s: string): string {
  if (s.length > 10) return `${goQuote(s.slice(0, 10))}...`;
  return goQuote(s);
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}
function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}
function isAlpha(c: string): boolean {
  return c === '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
function isAlphaNumeric(c: string): boolean {
  return isAlpha(c) || isDigit(c);
}

/** Go `%q` of a single character (a rune), for lexer error messages. */
function quoteChar(c: string): string {
  return goQuoteRune(c.codePointAt(0)!);
}

class Lexer {
  private pos = 0;
  private start = 0;
  private parenDepth = 0;
  /** Which state function runs next (upstream: lexStatements, lexInsideBraces, lexDurationExpr). */
  private state: 'statements' | 'braces' | 'duration' = 'statements';
  private bracketOpen = false;
  private gotColon = false;
  private gotDuration = false;
  readonly tokens: Token[] = [];

  constructor(private readonly input: string) {}

  private peek(): string {
    return this.input[this.pos] ?? '';
  }

  private emit(kind: TokenKind): void {
    this.tokens.push({ kind, pos: this.start, val: this.input.slice(this.start, this.pos) });
    this.start = this.pos;
  }

  private error(message: string): false {
    this.tokens.push({ kind: 'ERROR', pos: this.start, val: message });
    return false;
  }

  /** A `)` without its `(`: the error replaces the `)` just emitted, as upstream's lexer item slot. */
  private unbalancedParen(): false {
    this.tokens.pop();
    return this.error(`unexpected right parenthesis ${quoteChar(')')}`);
  }

  private skipSpaces(): void {
    while (isSpace(this.peek())) this.pos++;
    this.start = this.pos;
  }

  /** Scans until EOF or the first error. */
  run(): void {
    for (;;) {
      const ok =
        this.state === 'braces' ? this.insideBraces() : this.state === 'duration' ? this.durationExpr() : this.statement();
      if (!ok) return;
      const last = this.tokens[this.tokens.length - 1];
      if (last && last.kind === 'EOF') return;
    }
  }

  private statement(): boolean {
    if (this.input.startsWith('#', this.pos)) return this.comment();
    const c = this.peek();
    if (c === '') {
      if (this.parenDepth !== 0) return this.error('unclosed left parenthesis');
      if (this.bracketOpen) return this.error('unclosed left bracket');
      this.emit('EOF');
      return true;
    }
    this.pos++;
    switch (c) {
      case ',':
        this.emit(',');
        return true;
      case '*':
      case '/':
      case '%':
      case '+':
      case '-':
      case '^':
      case '@':
        this.emit(c);
        return true;
      case '=': {
        const n = this.peek();
        if (n === '=') {
          this.pos++;
          this.emit('==');
        } else if (n === '~') {
          return this.error(`unexpected character after '=': ${quoteChar(n)}`);
        } else this.emit('=');
        return true;
      }
      case '!': {
        const n = this.peek();
        this.pos++;
        if (n !== '=') return this.error(`unexpected character after '!': ${quoteChar(n || '\ufffd')}`);
        this.emit('!=');
        return true;
      }
      case '<':
      case '>': {
        const n = this.peek();
        if (n === '=') {
          this.pos++;
          this.emit(c === '<' ? '<=' : '>=');
        } else if (n === '/') {
          this.pos++;
          this.emit(c === '<' ? '</' : '>/');
        } else this.emit(c);
        return true;
      }
      case '"':
      case "'":
        return this.string(c);
      case '`':
        return this.rawString();
      case '(':
        this.emit('(');
        this.parenDepth++;
        return true;
      case ')':
        this.emit(')');
        this.parenDepth--;
        if (this.parenDepth < 0) return this.unbalancedParen();
        return true;
      case '{':
        this.emit('{');
        this.state = 'braces';
        return true;
      case '[':
        if (this.bracketOpen) return this.error(`unexpected left bracket ${quoteChar('[')}`);
        this.gotColon = false;
        this.emit('[');
        this.skipSpaces();
        this.bracketOpen = true;
        this.state = 'duration';
        return true;
      case ']':
        if (!this.bracketOpen) return this.error(`unexpected right bracket ${quoteChar(']')}`);
        this.emit(']');
        this.bracketOpen = false;
        return true;
      default:
        break;
    }
    if (isSpace(c)) {
      this.skipSpaces();
      return true;
    }
    if (isDigit(c) || (c === '.' && isDigit(this.peek()))) {
      this.pos--;
      return this.numberOrDuration();
    }
    if (isAlpha(c) || c === ':') {
      if (!this.bracketOpen) {
        this.pos--;
        return this.keywordOrIdentifier();
      }
      if (c === ':') {
        if (this.gotColon) return this.error(`unexpected colon ${quoteChar(':')}`);
        this.emit(':');
        this.gotColon = true;
        return true;
      }
      if ('srm'.includes(c.toLowerCase())) {
        this.pos--;
        if (this.durationKeyword()) return true;
        this.pos = this.start + 1;
      }
      return this.error(`unexpected character: ${quoteChar(c)}, expected ${quoteChar(':')}`);
    }
    return this.error(`unexpected character: ${quoteChar(c)}`);
  }

  private comment(): boolean {
    while (this.pos < this.input.length && this.input[this.pos] !== '\n' && this.input[this.pos] !== '\r') this.pos++;
    this.start = this.pos;
    return true;
  }

  private insideBraces(): boolean {
    if (this.input.startsWith('#', this.pos)) return this.comment();
    const c = this.peek();
    if (c === '') return this.error('unexpected end of input inside braces');
    this.pos++;
    if (isSpace(c)) {
      this.skipSpaces();
      return true;
    }
    if (isAlpha(c)) {
      while (isAlphaNumeric(this.peek())) this.pos++;
      this.emit('IDENTIFIER');
      return true;
    }
    switch (c) {
      case ',':
        this.emit(',');
        return true;
      case '"':
      case "'":
        return this.string(c);
      case '`':
        return this.rawString();
      case '=':
        if (this.peek() === '~') {
          this.pos++;
          this.emit('=~');
        } else this.emit('=');
        return true;
      case '!': {
        const n = this.peek();
        this.pos++;
        if (n === '~') this.emit('!~');
        else if (n === '=') this.emit('!=');
        else return this.error(`unexpected character after '!' inside braces: ${quoteChar(n || '\ufffd')}`);
        return true;
      }
      case '{':
        return this.error(`unexpected left brace ${quoteChar('{')}`);
      case '}':
        this.emit('}');
        this.state = 'statements';
        return true;
      default:
        return this.error(`unexpected character inside braces: ${quoteChar(c)}`);
    }
  }

  private durationExpr(): boolean {
    const c = this.peek();
    if (c === '') return this.error('unexpected end of input in duration expression');
    this.pos++;
    switch (c) {
      case ']':
        this.emit(']');
        this.bracketOpen = false;
        this.gotColon = false;
        this.state = 'statements';
        return true;
      case ':':
        this.emit(':');
        if (!this.gotDuration) return this.error('unexpected colon before duration in duration expression');
        if (this.gotColon) return this.error('unexpected repeated colon in duration expression');
        this.gotColon = true;
        return true;
      case '(':
        this.emit('(');
        this.parenDepth++;
        return true;
      case ')':
        this.emit(')');
        this.parenDepth--;
        if (this.parenDepth < 0) return this.unbalancedParen();
        return true;
      case '+':
      case '-':
      case '*':
      case '/':
      case '%':
      case '^':
      case ',':
        this.emit(c);
        return true;
      default:
        break;
    }
    if (isSpace(c)) {
      this.skipSpaces();
      return true;
    }
    if ('srmSRM'.includes(c)) {
      this.pos--;
      if (this.durationKeyword()) return true;
      this.pos = this.start + 1;
      return this.error(`unexpected character in duration expression: ${quoteChar(c)}`);
    }
    if (isDigit(c) || (c === '.' && isDigit(this.peek()))) {
      this.pos--;
      this.gotDuration = true;
      this.state = 'statements';
      return this.numberOrDuration();
    }
    return this.error(`unexpected character in duration expression: ${quoteChar(c)}`);
  }

  /** Scans `step`/`range`/`max_of`/`min_of` (any case) at the current position. */
  private durationKeyword(): boolean {
    let end = this.pos;
    while (end < this.input.length && isAlpha(this.input[end]!)) end++;
    const word = this.input.slice(this.pos, end).toLowerCase();
    if (!DURATION_KEYWORDS.has(word)) return false;
    this.pos = end;
    this.emit(word as TokenKind);
    return true;
  }

  private string(quote: string): boolean {
    for (;;) {
      const c = this.input[this.pos];
      if (c === undefined || c === '\n') return this.error('unterminated quoted string');
      this.pos++;
      if (c === '\\') {
        if (!this.escape(quote)) return false;
        continue;
      }
      if (c === quote) break;
    }
    this.emit('STRING');
    return true;
  }

  /** Validates an escape sequence after a backslash, as upstream `lexEscape`. */
  private escape(quote: string): boolean {
    const c = this.input[this.pos];
    if (c === undefined) return this.error('escape sequence not terminated');
    this.pos++;
    if ('abfnrtv\\'.includes(c) || c === quote) return true;
    let n: number;
    let base: number;
    let max: number;
    let ch: string | undefined = c;
    if (c >= '0' && c <= '7') {
      n = 3;
      base = 8;
      max = 255;
    } else if (c === 'x' || c === 'u' || c === 'U') {
      ch = this.input[this.pos++];
      n = c === 'x' ? 2 : c === 'u' ? 4 : 8;
      base = 16;
      max = c === 'x' ? 255 : 0x10ffff;
    } else {
      return this.error(`unknown escape sequence ${goRune(c)}`);
    }
    let x = 0;
    while (n > 0) {
      const d = ch === undefined ? 16 : digitVal(ch);
      if (d >= base) {
        if (ch === undefined) return this.error('escape sequence not terminated');
        return this.error(`illegal character ${goRune(ch)} in escape sequence`);
      }
      x = x * base + d;
      n--;
      if (n > 0) ch = this.input[this.pos++];
    }
    if (x > max || (x >= 0xd800 && x < 0xe000)) return this.error('escape sequence is an invalid Unicode code point');
    return true;
  }

  private rawString(): boolean {
    for (;;) {
      const c = this.input[this.pos];
      if (c === undefined) return this.error('unterminated raw string');
      this.pos++;
      if (c === '`') break;
    }
    this.emit('STRING');
    return true;
  }

  private numberOrDuration(): boolean {
    if (this.scanNumber()) {
      this.emit('NUMBER');
      return true;
    }
    if (this.acceptRemainingDuration()) {
      this.emit('DURATION');
      return true;
    }
    return this.error(`bad number or duration syntax: ${goQuote(this.input.slice(this.start, this.pos))}`);
  }

  private accept(valid: string): boolean {
    const c = this.peek();
    if (c !== '' && valid.includes(c)) {
      this.pos++;
      return true;
    }
    return false;
  }

  /** After a failed number scan: unit letters and further number+unit groups, as upstream. */
  private acceptRemainingDuration(): boolean {
    if (!this.accept('smhdwy')) return false;
    this.accept('s');
    while (this.accept('0123456789')) {
      while (this.accept('0123456789'));
      if (!this.accept('smhdw')) return false;
      this.accept('s');
    }
    const next = this.peek();
    if (next !== '' && isAlphaNumeric(next)) {
      this.pos++;
      return false;
    }
    return true;
  }

  /** Scans a number (decimal, hex, octal, float with exponent, `_` separators) as upstream `scanNumber`. */
  private scanNumber(): boolean {
    const initial = this.pos;
    let digits = '0123456789';
    if (this.accept('0') && this.accept('xX')) {
      this.accept('_');
      digits = '0123456789abcdefABCDEF';
    }
    const hex = digits.length > 10;
    this.accept('.');
    this.accept(digits);
    let dot = false;
    let exp = false;
    const set = digits + '._eE';
    for (;;) {
      const c = this.peek();
      if (c === '' || !set.includes(c)) break;
      if (c === '.' && dot) {
        this.pos++;
        return false;
      }
      if ((c === 'e' || c === 'E') && exp) {
        this.pos++;
        return false;
      }
      if (this.accept('.')) {
        dot = true;
        if (this.accept('_.')) return false;
        if (hex) return false;
        continue;
      }
      if (this.accept('eE')) {
        exp = true;
        this.accept('+-');
        if (this.accept('._eE') || this.peek() === '') return false;
        continue;
      }
      if (this.accept('_')) {
        if (this.accept('._eE') || this.peek() === '') return false;
        continue;
      }
      while (this.accept(digits));
    }
    if (this.pos === initial) return false;
    const next = this.peek();
    return next === '' || !isAlphaNumeric(next);
  }

  private keywordOrIdentifier(): boolean {
    while (this.pos < this.input.length && (isAlphaNumeric(this.input[this.pos]!) || this.input[this.pos] === ':')) {
      this.pos++;
    }
    const word = this.input.slice(this.start, this.pos);
    const lower = word.toLowerCase();
    if (lower === 'inf' || lower === 'nan') {
      this.emit('NUMBER');
    } else if (
      OPERATOR_WORDS.has(lower) ||
      AGGREGATOR_WORDS.has(lower) ||
      KEYWORD_WORDS.has(lower) ||
      PREPROCESSOR_WORDS.has(lower)
    ) {
      if ((lower === 'fill' || lower === 'fill_left' || lower === 'fill_right') && !this.followedByLeftParen()) {
        this.emit('IDENTIFIER');
      } else {
        this.emit(lower as TokenKind);
      }
    } else if (word.includes(':')) {
      this.emit('METRIC_IDENTIFIER');
    } else {
      this.emit('IDENTIFIER');
    }
    return true;
  }

  private followedByLeftParen(): boolean {
    let i = this.pos;
    while (i < this.input.length && isSpace(this.input[i]!)) i++;
    return this.input[i] === '(';
  }
}

/** Go `%#U` of a character: `U+0071 'q'`. */
function goRune(c: string): string {
  const cp = c.codePointAt(0)!;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')} ${quoteChar(c)}`;
}

function digitVal(c: string): number {
  if (c >= '0' && c <= '9') return c.charCodeAt(0) - 48;
  if (c >= 'a' && c <= 'f') return c.charCodeAt(0) - 87;
  if (c >= 'A' && c <= 'F') return c.charCodeAt(0) - 55;
  return 16;
}

/** Scans `input` into tokens ending with `EOF`, or with an `ERROR` token at the first lexical error. */
export function tokenize(input: string): Token[] {
  const l = new Lexer(input);
  l.run();
  return l.tokens;
}
