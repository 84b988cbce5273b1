/**
 * Lexer for Go `text/template` (delimiters `{{` `}}`). Produces the token stream Go's
 * `text/template/parse` lexer produces: text, delimiters (trim markers `{{- ` and ` -}}` already
 * applied to the neighbouring text), comments dropped, and inside actions identifiers,
 * keywords, fields, variables, literals, `(`, `)`, `|`, `:=`, `=`, and single characters.
 * Positions are UTF-16 offsets into the template text; `line` is 1-based.
 */

/** Token kinds, named as Go's `itemType`s. */
export const enum Tok {
  Error,
  Bool,
  Char,
  CharConstant,
  Complex,
  Assign,
  Declare,
  EOF,
  Field,
  Identifier,
  LeftDelim,
  LeftParen,
  Number,
  Pipe,
  RawString,
  RightDelim,
  RightParen,
  Space,
  String,
  Text,
  Variable,
  // Keywords follow.
  Keyword,
  Block,
  Break,
  Continue,
  Dot,
  Define,
  Else,
  End,
  If,
  Nil,
  Range,
  Template,
  With,
}

/** One token: kind, start offset, source text (the message for `Tok.Error`) and line. */
export interface Token {
  typ: Tok;
  pos: number;
  val: string;
  line: number;
}

const KEYWORDS: Record<string, Tok> = {
  '.': Tok.Dot,
  block: Tok.Block,
  break: Tok.Break,
  continue: Tok.Continue,
  define: Tok.Define,
  else: Tok.Else,
  end: Tok.End,
  if: Tok.If,
  nil: Tok.Nil,
  range: Tok.Range,
  template: Tok.Template,
  with: Tok.With,
};

const LEFT = '{{';
const RIGHT = '}}';

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

const ALNUM = /^[\p{L}\p{Nd}_]$/u;
function isAlphaNumeric(c: string | undefined): boolean {
  if (c === undefined) return false;
  const code = c.charCodeAt(0);
  if (code < 128) {
    return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
  }
  return ALNUM.test(c);
}

function hasLeftTrimMarker(s: string, at: number): boolean {
  return s[at] === '-' && isSpace(s[at + 1]);
}

function hasRightTrimMarker(s: string, at: number): boolean {
  return isSpace(s[at]) && s[at + 1] === '-';
}

/** Go's `%#U` of a character, for error messages: `U+0021 '!'`. */
function describeRune(c: string | undefined): string {
  if (c === undefined) return 'U+FFFFFFFF';
  const cp = c.codePointAt(0)!;
  const hex = 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
  return cp >= 0x20 && cp !== 0x7f ? `${hex} '${c}'` : hex;
}

/**
 * Scans `input` into tokens. Scanning stops after the first `Tok.Error` or `Tok.EOF`, which is
 * always the last token. `breakOK`/`continueOK` are false when a function of that name exists,
 * making the word an identifier as in Go.
 */
export function lex(input: string, breakOK = true, continueOK = true): Token[] {
  const tokens: Token[] = [];
  const newlines: number[] = [];
  for (let i = input.indexOf('\n'); i >= 0; i = input.indexOf('\n', i + 1)) newlines.push(i);
  const lineAt = (pos: number): number => {
    let lo = 0;
    let hi = newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (newlines[mid]! < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
  let pos = 0;
  let start = 0;
  let parenDepth = 0;

  const emit = (typ: Tok): void => {
    tokens.push({ typ, pos: start, val: input.slice(start, pos), line: lineAt(start) });
    start = pos;
  };
  const fail = (msg: string): false => {
    tokens.push({ typ: Tok.Error, pos: start, val: msg, line: lineAt(start) });
    return false;
  };
  const charAt = (i: number): string | undefined => {
    if (i >= input.length) return undefined;
    const cp = input.codePointAt(i)!;
    return String.fromCodePoint(cp);
  };
  const atRightDelim = (): { delim: boolean; trim: boolean } => {
    if (hasRightTrimMarker(input, pos) && input.startsWith(RIGHT, pos + 2)) return { delim: true, trim: true };
    if (input.startsWith(RIGHT, pos)) return { delim: true, trim: false };
    return { delim: false, trim: false };
  };
  const atTerminator = (): boolean => {
    const c = input[pos];
    if (c === undefined || isSpace(c)) return true;
    return c === '.' || c === ',' || c === '|' || c === ':' || c === ')' || c === '(' || c === RIGHT[0];
  };
  const leftTrimLength = (from: number): number => {
    let i = from;
    while (i < input.length && isSpace(input[i])) i++;
    return i - from;
  };

  /** Scans text up to the next `{{`; returns false at EOF. */
  const lexText = (): boolean => {
    const x = input.indexOf(LEFT, pos);
    if (x < 0) {
      pos = input.length;
      if (pos > start) emit(Tok.Text);
      emit(Tok.EOF);
      return false;
    }
    pos = x;
    let trimLength = 0;
    if (hasLeftTrimMarker(input, pos + LEFT.length)) {
      let j = pos;
      while (j > start && isSpace(input[j - 1])) j--;
      trimLength = pos - j;
    }
    pos -= trimLength;
    if (pos > start) emit(Tok.Text);
    pos += trimLength;
    start = pos;
    return true;
  };

  /** Scans `{{` (and a trim marker or comment). Returns whether an action follows. */
  const lexLeftDelim = (): boolean | 'comment' => {
    pos += LEFT.length;
    const trim = hasLeftTrimMarker(input, pos);
    const after = trim ? 2 : 0;
    if (input.startsWith('/*', pos + after)) {
      pos += after;
      start = pos;
      return 'comment';
    }
    emit(Tok.LeftDelim);
    pos += after;
    start = pos;
    parenDepth = 0;
    return true;
  };

  const lexComment = (): boolean => {
    pos += 2;
    const i = input.indexOf('*/', pos);
    if (i < 0) return fail('unclosed comment');
    pos = i + 2;
    const { delim, trim } = atRightDelim();
    if (!delim) return fail('comment ends before closing delimiter');
    if (trim) pos += 2;
    pos += RIGHT.length;
    if (trim) pos += leftTrimLength(pos);
    start = pos;
    return true;
  };

  const lexRightDelim = (trim: boolean): void => {
    if (trim) {
      pos += 2;
      start = pos;
    }
    pos += RIGHT.length;
    emit(Tok.RightDelim);
    if (trim) {
      pos += leftTrimLength(pos);
      start = pos;
    }
  };

  const scanNumber = (): boolean => {
    const accept = (valid: string): boolean => {
      const c = input[pos];
      if (c !== undefined && valid.includes(c)) {
        pos++;
        return true;
      }
      return false;
    };
    const acceptRun = (valid: string): void => {
      while (pos < input.length && valid.includes(input[pos]!)) pos++;
    };
    accept('+-');
    let digits = '0123456789_';
    if (accept('0')) {
      if (accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (accept('oO')) digits = '01234567_';
      else if (accept('bB')) digits = '01_';
    }
    acceptRun(digits);
    if (accept('.')) acceptRun(digits);
    if (digits.length === 11 && accept('eE')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    if (digits.length === 23 && accept('pP')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    accept('i');
    if (isAlphaNumeric(charAt(pos))) {
      pos += charAt(pos)!.length;
      return false;
    }
    return true;
  };

  const lexFieldOrVariable = (typ: Tok.Field | Tok.Variable): boolean => {
    if (atTerminator()) {
      emit(typ === Tok.Variable ? Tok.Variable : Tok.Dot);
      return true;
    }
    let c: string | undefined;
    for (;;) {
      c = charAt(pos);
      if (!isAlphaNumeric(c)) break;
      pos += c!.length;
    }
    if (!atTerminator()) return fail(`bad character ${describeRune(c)}`);
    emit(typ);
    return true;
  };

  /** Scans one element inside an action; returns false on error, 'end' after the right delimiter. */
  const lexInsideAction = (): boolean | 'end' => {
    const { delim, trim } = atRightDelim();
    if (delim) {
      if (parenDepth === 0) {
        lexRightDelim(trim);
        return 'end';
      }
      return fail('unclosed left paren');
    }
    const c = charAt(pos);
    if (c === undefined) return fail('unclosed action');
    if (isSpace(c)) {
      let n = 0;
      while (isSpace(input[pos])) {
        pos++;
        n++;
      }
      if (hasRightTrimMarker(input, pos - 1) && input.startsWith(RIGHT, pos + 1)) {
        pos--;
        if (n === 1) {
          lexRightDelim(true);
          return 'end';
        }
      }
      emit(Tok.Space);
      return true;
    }
    pos += c.length;
    switch (c) {
      case '=':
        emit(Tok.Assign);
        return true;
      case ':':
        if (input[pos] !== '=') return fail('expected :=');
        pos++;
        emit(Tok.Declare);
        return true;
      case '|':
        emit(Tok.Pipe);
        return true;
      case '"':
      case "'": {
        const unterminated = c === '"' ? 'unterminated quoted string' : 'unterminated character constant';
        for (;;) {
          const d = input[pos];
          pos++;
          if (d === '\\') {
            const e = input[pos];
            pos++;
            if (e !== undefined && e !== '\n') continue;
            return fail(unterminated);
          }
          if (d === undefined || d === '\n') return fail(unterminated);
          if (d === c) break;
        }
        emit(c === '"' ? Tok.String : Tok.CharConstant);
        return true;
      }
      case '`': {
        const end = input.indexOf('`', pos);
        if (end < 0) return fail('unterminated raw quoted string');
        pos = end + 1;
        emit(Tok.RawString);
        return true;
      }
      case '$':
        if (atTerminator()) {
          emit(Tok.Variable);
          return true;
        }
        return lexFieldOrVariable(Tok.Variable);
      case '(':
        emit(Tok.LeftParen);
        parenDepth++;
        return true;
      case ')':
        emit(Tok.RightParen);
        parenDepth--;
        if (parenDepth < 0) return fail(`unexpected right paren ${describeRune(c)}`);
        return true;
    }
    if (c === '.') {
      const n = input[pos];
      if (n === undefined || n < '0' || n > '9') return lexFieldOrVariable(Tok.Field);
    }
    if (c === '.' || c === '+' || c === '-' || (c >= '0' && c <= '9')) {
      pos -= c.length;
      if (!scanNumber()) return fail(`bad number syntax: ${JSON.stringify(input.slice(start, pos))}`);
      const sign = input[pos];
      if (sign === '+' || sign === '-') {
        if (!scanNumber() || input[pos - 1] !== 'i') {
          return fail(`bad number syntax: ${JSON.stringify(input.slice(start, pos))}`);
        }
        emit(Tok.Complex);
        return true;
      }
      emit(Tok.Number);
      return true;
    }
    if (isAlphaNumeric(c)) {
      let d: string | undefined;
      for (;;) {
        d = charAt(pos);
        if (!isAlphaNumeric(d)) break;
        pos += d!.length;
      }
      if (!atTerminator()) return fail(`bad character ${describeRune(d)}`);
      const word = input.slice(start, pos);
      const kw = KEYWORDS[word];
      if (kw !== undefined && kw > Tok.Keyword) {
        if ((kw === Tok.Break && !breakOK) || (kw === Tok.Continue && !continueOK)) emit(Tok.Identifier);
        else emit(kw);
      } else if (word === 'true' || word === 'false') emit(Tok.Bool);
      else emit(Tok.Identifier);
      return true;
    }
    const cp = c.codePointAt(0)!;
    if (cp <= 0x7f && cp >= 0x20 && cp !== 0x7f) {
      emit(Tok.Char);
      return true;
    }
    return fail(`unrecognized character in action: ${describeRune(c)}`);
  };

  for (;;) {
    if (!lexText()) break;
    const left = lexLeftDelim();
    if (left === 'comment') {
      if (!lexComment()) break;
      continue;
    }
    let r: boolean | 'end';
    do r = lexInsideAction();
    while (r === true);
    if (r === false) break;
  }
  return tokens;
}
