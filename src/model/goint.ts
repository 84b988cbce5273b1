/**
 * Go integer literal syntax as `strconv.ParseInt(s, 0, bits)` reads it, and Go's rule for `_`
 * digit separators (shared with `parseGoFloat` in `gofloat.ts`).
 *
 * Users: the PromQL lexer's numbers (`0x1f`, `0755`, `1_000`, with the int64 range check added by
 * `promql/literals.ts`) and Go template number constants (which check int64/uint64 ranges themselves).
 */

/**
 * Go's `underscoreOK`: whether every `_` in the number text `s` (optional sign first) stands between
 * two digits, or between a base prefix (`0x`, `0o`, `0b`) and a digit. Characters other than
 * digits and `_` are allowed anywhere (the callers check the rest of the syntax).
 * @example underscoreOK('1_000') → true; underscoreOK('0x_1f') → true; underscoreOK('1__0') → false
 */
export function underscoreOK(s: string): boolean {
  let i = 0;
  if (s[0] === '+' || s[0] === '-') i++;
  // The class of the last character: '^' start, '0' digit or base prefix, '_' underscore, '!' other.
  let saw = '^';
  let hex = false;
  if (s.length - i >= 2 && s[i] === '0') {
    const p = s.charCodeAt(i + 1) | 0x20;
    if (p === 98 /* b */ || p === 111 /* o */ || p === 120 /* x */) {
      hex = p === 120;
      i += 2;
      saw = '0';
    }
  }
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const lc = c | 0x20;
    if ((c >= 48 && c <= 57) || (hex && lc >= 97 && lc <= 102)) {
      saw = '0';
      continue;
    }
    if (c === 95 /* _ */) {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/**
 * The value of the Go integer literal `text` with base prefix detection, as
 * `strconv.ParseInt(text, 0, _)` reads it but without any range limit: optional sign, then `0x`/`0X`
 * hex, `0o`/`0O` or a leading `0` octal, `0b`/`0B` binary, else decimal; `_` separators as
 * {@link underscoreOK} allows. Returns `undefined` on a syntax error (`08`, `0x`, `1__0`, `1.5`).
 * Callers apply the range they need (int64: −2^63 … 2^63−1).
 * @example parseGoIntLiteral('0755') → 493n; parseGoIntLiteral('-0x_1f') → -31n
 */
export function parseGoIntLiteral(text: string): bigint | undefined {
  let s = text;
  let neg = false;
  if (s[0] === '+' || s[0] === '-') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '') return undefined;
  let base = 10;
  let digits = s;
  if (s.length > 1 && s[0] === '0') {
    const p = s.charCodeAt(1) | 0x20;
    base = p === 120 /* x */ ? 16 : p === 98 /* b */ ? 2 : 8;
    digits = p === 120 || p === 98 || p === 111 /* o */ ? s.slice(2) : s.slice(1);
  }
  if (digits.includes('_')) {
    if (!underscoreOK(text)) return undefined;
    digits = digits.replaceAll('_', '');
  }
  if (digits === '') return undefined;
  const b = BigInt(base);
  let v = 0n;
  for (let i = 0; i < digits.length; i++) {
    const c = digits.charCodeAt(i);
    const lc = c | 0x20;
    const d = c >= 48 && c <= 57 ? c - 48 : lc >= 97 && lc <= 122 ? lc - 87 : 99;
    if (d >= base) return undefined;
    v = v * b + BigInt(d);
  }
  return neg ? -v : v;
}
