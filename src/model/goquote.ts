/**
 * Go string literals. Quoting (`strconv.Quote`, `QuoteToASCII`, `QuoteRune`: what `%q` prints), the
 * form Prometheus and Alertmanager use for values in label-set strings, error messages and PromQL
 * printing, and the Go template engine's `%q` / `printf "%q"`. Unquoting ({@link goUnquote}) of
 * PromQL string literals (Prometheus `strutil.Unquote`) and template constants (`strconv.Unquote`).
 *
 * Invalid UTF-8: Go strings are bytes and `Quote` writes a byte that is not part of valid UTF-8 as
 * `\xNN`. JavaScript strings cannot hold such bytes, so Lookout decodes them with
 * {@link decodeUtf8Lossless} into the lone surrogates U+DC00+byte, i.e. U+DC80–U+DCFF (Python's
 * `surrogateescape`), and {@link goQuote} turns those back into `\xNN`. Any other lone surrogate
 * quotes as U+FFFD.
 */

/** Whether Go's `unicode.IsPrint` holds for code point `r` (approximated with Unicode categories L, M, N, P, S and space). */
export function isPrint(r: number): boolean {
  if (r === 0x20) return true;
  if (r < 0x20 || (r >= 0x7f && r < 0xa0) || r === 0xad) return false;
  if (r >= 0xd800 && r <= 0xdfff) return false;
  return PRINTABLE.test(String.fromCodePoint(r));
}
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** Go's escape (or plain text) for code point `r` inside a literal quoted with `quote`. */
function escapeRune(r: number, quote: string, asciiOnly: boolean): string {
  switch (r) {
    case 0x07:
      return '\\a';
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x0b:
      return '\\v';
    case 0x5c:
      return '\\\\';
  }
  if (r === quote.charCodeAt(0)) return '\\' + quote;
  if (r < 0x80 ? r >= 0x20 && r < 0x7f : !asciiOnly && isPrint(r)) return String.fromCodePoint(r);
  if (r < 0x20 || r === 0x7f) return '\\x' + r.toString(16).padStart(2, '0');
  if (r < 0x10000) return '\\u' + r.toString(16).padStart(4, '0');
  return '\\U' + r.toString(16).padStart(8, '0');
}

/** First and last lone surrogate standing for an invalid UTF-8 byte (U+DC00+byte, bytes 0x80–0xFF). */
const BYTE_SURROGATE_FIRST = 0xdc80;
const BYTE_SURROGATE_LAST = 0xdcff;

/**
 * Go `strconv.Quote` (or `QuoteToASCII` when `asciiOnly`): a double-quoted Go string literal;
 * `"` and `\` backslashed, `\a\b\f\n\r\t\v`, other control characters as `\xNN`, non-printable
 * runes (and with `asciiOnly` every non-ASCII rune) as `\uNNNN` / `\UNNNNNNNN`; printable text as
 * is. Lone surrogates U+DC80–U+DCFF print as the invalid byte `\xNN` they stand for, other lone
 * surrogates as U+FFFD.
 * @example goQuote('a"b\n\u0001é') → '"a\\"b\\n\\x01é"'; goQuote('é', true) → '"\\u00e9"'
 */
export function goQuote(s: string, asciiOnly = false): string {
  let out = '"';
  for (const ch of s) {
    const r = ch.codePointAt(0)!;
    if (r >= 0xd800 && r <= 0xdfff) {
      if (r >= BYTE_SURROGATE_FIRST && r <= BYTE_SURROGATE_LAST) out += '\\x' + (r - 0xdc00).toString(16);
      else out += asciiOnly ? '\\ufffd' : '\ufffd';
    } else {
      out += escapeRune(r, '"', asciiOnly);
    }
  }
  return out + '"';
}

/**
 * Go `strconv.Quote(string(b[start:end]))`: the bytes decoded as UTF-8 (invalid bytes kept as
 * `\xNN`) and quoted by {@link goQuote}. For error messages about raw input (exposition parsers).
 */
export function goQuoteBytes(b: Uint8Array, start: number, end: number): string {
  return goQuote(decodeUtf8Lossless(b.subarray(start, end)));
}

/**
 * Go `strconv.QuoteRune` (or `QuoteRuneToASCII`): a single-quoted rune literal (`'a'`, `'\''`,
 * `'\n'`, `'\x00'`); surrogates and values outside Unicode become U+FFFD as in Go.
 */
export function goQuoteRune(r: number, asciiOnly = false): string {
  if (r < 0 || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) r = 0xfffd;
  return "'" + escapeRune(r, "'", asciiOnly) + "'";
}

/**
 * Decodes UTF-8 bytes; each byte that is not part of a valid sequence (overlong forms, surrogate
 * code points and values above U+10FFFF included) becomes the lone surrogate U+DC00+byte, so text
 * that is invalid UTF-8 in Go stays recognisably invalid (label name validation rejects lone
 * surrogates) and {@link goQuote} prints those bytes as Go does.
 */
export function decodeUtf8Lossless(bytes: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const need = b < 0x80 ? 0 : b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1;
    let cp = need === 0 ? b : need === 1 ? b & 0x1f : need === 2 ? b & 0x0f : b & 0x07;
    let ok = need >= 0 && i + need < bytes.length;
    for (let k = 1; ok && k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (c & 0x3f);
    }
    const min = need === 1 ? 0x80 : need === 2 ? 0x800 : need === 3 ? 0x10000 : 0;
    if (ok && cp >= min && cp <= 0x10ffff && !(cp >= 0xd800 && cp < 0xe000)) {
      out += String.fromCodePoint(cp);
      i += need + 1;
    } else {
      out += String.fromCharCode(0xdc00 + b);
      i++;
    }
  }
  return out;
}

/** Thrown by {@link goUnquote} for a malformed literal; the message is Go's `invalid syntax`. */
export class UnquoteError extends Error {
  override name = 'UnquoteError';
  constructor() {
    super('invalid syntax');
  }
}

/** Options of {@link goUnquote}: the defaults are Prometheus's `strutil.Unquote`. */
export interface UnquoteOptions {
  /**
   * `'…'` is a Go rune literal whose `\xNN` escape is the rune U+00NN, not a byte (text/template
   * character constants). Default false: single quotes work as double quotes (PromQL).
   */
  runeLiteral?: boolean;
  /**
   * Bytes that do not form valid UTF-8 (from `\x` and octal escapes) decode to U+FFFD (text
   * output), instead of the lone surrogates of {@link decodeUtf8Lossless} (PromQL, so that label
   * validation sees the invalid text).
   */
  replaceInvalid?: boolean;
}

const SIMPLE_ESCAPES = new Map([
  ['a', 7],
  ['b', 8],
  ['f', 12],
  ['n', 10],
  ['r', 13],
  ['t', 9],
  ['v', 11],
  ['\\', 92],
]);
const utf8Encoder = new TextEncoder();
const utf8Replacing = new TextDecoder('utf-8');

/**
 * Decodes a Go string literal: double- or single-quoted text with escapes (`\a \b \f \n \r \t \v
 * \\`, the literal's own quote, `\xHH` and `\ooo` bytes, `\uHHHH` and `\UHHHHHHHH` code points;
 * bytes are assembled as UTF-8 with the text around them), or backquoted raw text (which drops
 * `\r`). A raw newline, an unescaped quote, a bad escape or mismatched quotes are errors.
 * @throws {UnquoteError}
 * @example goUnquote('"a\\tb\\x41"') → 'a\tbA'; goUnquote("'a\\'b'") → "a'b"; goUnquote('"a"b"') throws
 */
export function goUnquote(lit: string, opts: UnquoteOptions = {}): string {
  if (lit.length < 2) throw new UnquoteError();
  const q = lit[0]!;
  if (q !== lit[lit.length - 1]) throw new UnquoteError();
  const body = lit.slice(1, -1);
  if (q === '`') {
    if (body.includes('`')) throw new UnquoteError();
    return body.replace(/\r/g, '');
  }
  if (q !== '"' && q !== "'") throw new UnquoteError();
  if (!body.includes('\\') && !body.includes(q) && !body.includes('\n')) return body;
  const runeX = opts.runeLiteral === true && q === "'";
  const bytes: number[] = [];
  const pushText = (t: string) => {
    for (const b of utf8Encoder.encode(t)) bytes.push(b);
  };
  for (let i = 0; i < body.length; ) {
    const c = body[i]!;
    if (c === q || c === '\n') throw new UnquoteError();
    if (c !== '\\') {
      const ch = String.fromCodePoint(body.codePointAt(i)!);
      pushText(ch);
      i += ch.length;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) throw new UnquoteError();
    const simple = SIMPLE_ESCAPES.get(e);
    if (simple !== undefined) {
      bytes.push(simple);
      i += 2;
    } else if (e === q) {
      bytes.push(q.charCodeAt(0));
      i += 2;
    } else if (e >= '0' && e <= '7') {
      const oct = body.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(oct)) throw new UnquoteError();
      const v = parseInt(oct, 8);
      if (v > 255) throw new UnquoteError();
      bytes.push(v);
      i += 4;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 2, i + 2 + n);
      if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) throw new UnquoteError();
      const v = parseInt(hex, 16);
      if (e === 'x' && !runeX) bytes.push(v);
      else {
        if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) throw new UnquoteError();
        pushText(String.fromCodePoint(v));
      }
      i += 2 + n;
    } else {
      throw new UnquoteError();
    }
  }
  return opts.replaceInvalid === true ? utf8Replacing.decode(Uint8Array.from(bytes)) : decodeUtf8Lossless(bytes);
}
