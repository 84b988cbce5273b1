/**
 * Go string quoting (`strconv.Quote`, `QuoteToASCII`, `QuoteRune`: what `%q` prints), the form
 * Prometheus and Alertmanager use for values in label-set strings, error messages and PromQL
 * printing, and the Go template engine's `%q` / `printf "%q"`.
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
