/**
 * LogQL lexer: turns a query into tokens with their UTF-16 offsets. Words are left as
 * identifiers (keywords are recognised by the parser in context, so `{json="x"}` stays a label
 * matcher); a number directly followed by letters is a duration (`250ms`, Go syntax plus `d`,
 * `w`, `y`) or a byte size (`1KB`, `10MiB`), as Loki's lexer; `[5m]` is one RANGE token.
 */
import { goUnquote, UnquoteError } from '../../model/goquote.js';
import { LogQLParseError, positionOf } from './errors.js';
import { parseBytes, parseGoDurationSeconds } from './units.js';

/** Token kinds; `op` covers punctuation and operators (its text is the symbol). */
export type TokenKind = 'ident' | 'string' | 'number' | 'duration' | 'bytes' | 'range' | 'op' | 'eof';

/** One token: `text` is the source text, `value` the decoded string (strings) or the source otherwise. */
export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly value: string;
  /** Number for `number`, seconds for `duration` and `range`, bytes for `bytes`. */
  readonly num: number;
  /** UTF-16 offset of the token's first character. */
  readonly pos: number;
}

const OPS = ['|=', '|~', '|>', '!>', '!=', '!~', '=~', '==', '>=', '<=', '{', '}', '(', ')', ',', '=', '|', '>', '<', '+', '-', '*', '/', '%', '^'];

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c);
}

/** Loki's name of a token in syntax errors (`IDENTIFIER`, `STRING`, `$end`, or the symbol itself). */
export function tokenName(t: Token): string {
  switch (t.kind) {
    case 'ident':
      return 'IDENTIFIER';
    case 'string':
      return 'STRING';
    case 'number':
      return 'NUMBER';
    case 'duration':
      return 'DURATION';
    case 'bytes':
      return 'BYTES';
    case 'range':
      return 'RANGE';
    case 'eof':
      return '$end';
    default:
      return t.text;
  }
}

/** A syntax error at token offset `pos` of `query`. */
export function syntaxError(query: string, pos: number, reason: string): LogQLParseError {
  const { line, col } = positionOf(query, pos);
  return new LogQLParseError(reason, line, col, pos);
}

/**
 * Splits `query` into tokens, ending with one `eof` token.
 * @throws {LogQLParseError} for an unterminated string, a bad escape, an invalid range or an unknown character.
 */
export function tokenize(query: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = query.length;
  while (i < n) {
    const c = query.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
      continue;
    }
    if (c === 35) {
      while (i < n && query.charCodeAt(i) !== 10) i++;
      continue;
    }
    const start = i;
    if (c === 34 || c === 96) {
      i = scanString(query, i);
      const text = query.slice(start, i);
      let value: string;
      try {
        value = goUnquote(text);
      } catch (e) {
        throw syntaxError(query, start, e instanceof UnquoteError ? e.message : 'invalid string');
      }
      out.push({ kind: 'string', text, value, num: 0, pos: start });
      continue;
    }
    if (c === 91) {
      const close = query.indexOf(']', i);
      if (close < 0) throw syntaxError(query, start, 'missing closing \']\' in duration');
      const inner = query.slice(i + 1, close).trim();
      const sec = parseGoDurationSeconds(inner);
      if (sec === undefined) throw syntaxError(query, start, `time: invalid duration "${inner}"`);
      i = close + 1;
      out.push({ kind: 'range', text: query.slice(start, i), value: inner, num: sec, pos: start });
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(query.charCodeAt(i + 1)))) {
      while (i < n && (isIdentPart(query.charCodeAt(i)) || query[i] === '.' || query[i] === 'µ' || query[i] === 'μ')) {
        if ((query[i] === 'e' || query[i] === 'E') && (query[i + 1] === '+' || query[i + 1] === '-') && isDigit(query.charCodeAt(i + 2))) i += 2;
        i++;
      }
      const text = query.slice(start, i);
      out.push(numberToken(query, text, start));
      continue;
    }
    if (isIdentStart(c)) {
      while (i < n && isIdentPart(query.charCodeAt(i))) i++;
      const text = query.slice(start, i);
      out.push({ kind: 'ident', text, value: text, num: 0, pos: start });
      continue;
    }
    if (c === 45 && query[i + 1] === '-' && isIdentStart(query.charCodeAt(i + 2))) {
      i += 2;
      while (i < n && (isIdentPart(query.charCodeAt(i)) || query[i] === '-')) i++;
      const text = query.slice(start, i);
      out.push({ kind: 'ident', text, value: text, num: 0, pos: start });
      continue;
    }
    const op = OPS.find((o) => query.startsWith(o, i));
    if (!op) throw syntaxError(query, start, `syntax error: unexpected character ${JSON.stringify(query[i])}`);
    i += op.length;
    out.push({ kind: 'op', text: op, value: op, num: 0, pos: start });
  }
  out.push({ kind: 'eof', text: '', value: '', num: 0, pos: n });
  return out;
}

function scanString(query: string, i: number): number {
  const q = query[i];
  let j = i + 1;
  while (j < query.length) {
    const ch = query[j];
    if (ch === q) return j + 1;
    if (ch === '\\' && q === '"') j += 2;
    else if (ch === '\n' && q === '"') break;
    else j++;
  }
  throw syntaxError(query, i, 'literal not terminated');
}

function numberToken(query: string, text: string, pos: number): Token {
  if (/^([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(text) || /^0[xX][0-9a-fA-F]+$/.test(text)) {
    return { kind: 'number', text, value: text, num: Number(text), pos };
  }
  const sec = parseGoDurationSeconds(text);
  if (sec !== undefined) return { kind: 'duration', text, value: text, num: sec, pos };
  const bytes = parseBytes(text);
  if (bytes !== undefined) return { kind: 'bytes', text, value: text, num: bytes, pos };
  throw syntaxError(query, pos, `syntax error: unexpected ${JSON.stringify(text)}`);
}
