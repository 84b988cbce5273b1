/**
 * Float parsing and formatting with Go's `strconv` semantics, as the exposition formats need them.
 *
 * - {@link parseFloatBytes}: a sample value / OpenMetrics timestamp, as Prometheus's textparse
 *   `parseFloat`: Go `strconv.ParseFloat(s, 64)` minus every form with `p`, `P` or `_`, which
 *   leaves decimal numbers only (Go needs a `p` exponent for hex floats, so hex is rejected too).
 * - {@link parseGoFloat}: the full Go `ParseFloat` (hex floats, `_` digit separators), used where
 *   Prometheus calls `strconv.ParseFloat` directly (normalising `le` / `quantile` label values).
 * - {@link formatGoFloat}: Go `strconv.FormatFloat(v, 'g', -1, 64)`, the rendering of
 *   `expfmt` and of `labels.FormatOpenMetricsFloat`.
 */

/** Exact powers of ten 10^0 … 10^22 (every one is exactly representable as a float64). */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/** Significant decimal digits that always fit in a float64 mantissa exactly (10^15 < 2^53). */
const MAX_EXACT_DIGITS = 15;
/**
 * A 16th digit is still exact while the mantissa stays below 2^53 (true for most 16-digit
 * values Go writes, e.g. Unix times in seconds with microseconds).
 */
const TWO_POW_53 = 9007199254740992;

/**
 * Parses the bytes `b[start, end)` as a float64 with the syntax Prometheus accepts for sample
 * values: `[+-]digits[.digits][e[+-]digits]` (also `.5`, `1.`, leading zeros), `[+-]Inf`,
 * `[+-]Infinity` and unsigned `NaN`, the special words case-insensitively (Go `ParseFloat`).
 * Returns `undefined` for anything else: hex (`0x1p0`, `0x10`), `_` separators, empty text,
 * trailing bytes, and finite-looking values that overflow float64 (`1e400`: Go's range error).
 * Underflow gives 0 as in Go. The result is correctly rounded. Allocates only on the rare slow
 * path (a mantissa of 2^53 or more, i.e. 16–17+ significant digits, or an exponent beyond ±22).
 */
export function parseFloatBytes(b: Uint8Array, start: number, end: number): number | undefined {
  let i = start;
  if (i >= end) return undefined;
  let neg = false;
  let signed = false;
  let c = b[i]!;
  if (c === 43 /* + */ || c === 45 /* - */) {
    neg = c === 45;
    signed = true;
    i++;
    if (i >= end) return undefined;
    c = b[i]!;
  }
  const lower = c | 0x20;
  if (lower === 105 /* i */) {
    const n = end - i;
    if ((n === 3 && matchWord(b, i, 'inf')) || (n === 8 && matchWord(b, i, 'infinity'))) {
      return neg ? -Infinity : Infinity;
    }
    return undefined;
  }
  if (lower === 110 /* n */) {
    return !signed && end - i === 3 && matchWord(b, i, 'nan') ? NaN : undefined;
  }
  let mant = 0;
  let nd = 0; // significant digits taken into `mant`
  let dropped = false; // a significant digit did not fit the exact mantissa
  let sawDigits = false;
  let sawDot = false;
  let dexp = 0; // decimal exponent adjustment from digits after the dot
  for (; i < end; i++) {
    c = b[i]!;
    if (c >= 48 && c <= 57) {
      sawDigits = true;
      if (c === 48 && nd === 0) {
        if (sawDot) dexp--;
        continue;
      }
      const next = mant * 10 + (c - 48);
      if (!dropped && (nd < MAX_EXACT_DIGITS || next < TWO_POW_53)) {
        mant = next;
        nd++;
        if (sawDot) dexp--;
      } else {
        dropped = true;
        if (!sawDot) dexp++;
      }
    } else if (c === 46 /* . */ && !sawDot) {
      sawDot = true;
    } else {
      break;
    }
  }
  if (!sawDigits) return undefined;
  if (i < end) {
    if ((b[i]! | 0x20) !== 101 /* e */) return undefined;
    i++;
    let eneg = false;
    if (i < end && (b[i] === 43 || b[i] === 45)) {
      eneg = b[i] === 45;
      i++;
    }
    if (i >= end) return undefined;
    let e = 0;
    for (; i < end; i++) {
      c = b[i]!;
      if (c < 48 || c > 57) return undefined;
      if (e < 100000) e = e * 10 + (c - 48);
    }
    dexp += eneg ? -e : e;
  }
  if (!dropped) {
    let v: number | undefined;
    if (mant === 0) v = 0;
    else if (dexp === 0) v = mant;
    else if (dexp > 0 && dexp <= 22) v = mant * POW10[dexp]!;
    else if (dexp < 0 && dexp >= -22) v = mant / POW10[-dexp]!;
    if (v !== undefined) return neg ? -v : v;
  }
  const text = b instanceof Buffer ? b.toString('latin1', start, end) : Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('latin1');
  const v = Number(text);
  return Number.isFinite(v) ? v : undefined;
}

function matchWord(b: Uint8Array, i: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) {
    if ((b[i + k]! | 0x20) !== word.charCodeAt(k)) return false;
  }
  return true;
}

/**
 * Go `strconv.ParseFloat(s, 64)` in full: everything {@link parseFloatBytes} accepts plus hex
 * floats (`0x1.8p3`, a `p` exponent is required) and `_` digit separators placed as Go allows
 * them (between digits, or after a base prefix). Returns `undefined` where Go returns an error
 * (syntax, or overflow to ±Inf). Hex mantissas longer than 53 bits may round differently from Go
 * in the last bit.
 */
export function parseGoFloat(s: string): number | undefined {
  let t = s;
  if (t.includes('_')) {
    if (!underscoreOK(t)) return undefined;
    t = t.replaceAll('_', '');
  }
  let body = t;
  let neg = false;
  if (body[0] === '+' || body[0] === '-') {
    neg = body[0] === '-';
    body = body.slice(1);
  }
  if (body.length > 2 && body[0] === '0' && (body[1] === 'x' || body[1] === 'X')) {
    const v = parseHexFloat(body.slice(2));
    return v === undefined ? undefined : neg ? -v : v;
  }
  return parseFloatBytes(Buffer.from(t, 'latin1'), 0, t.length);
}

/** Hex float mantissa `h[.h]p[+-]d` (after `0x`); undefined on syntax error or overflow. */
function parseHexFloat(s: string): number | undefined {
  let mant = 0;
  let exp2 = 0;
  let sawDigits = false;
  let sawDot = false;
  let i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : (c | 0x20) >= 97 && (c | 0x20) <= 102 ? (c | 0x20) - 87 : -1;
    if (d >= 0) {
      sawDigits = true;
      mant = mant * 16 + d;
      if (sawDot) exp2 -= 4;
    } else if (c === 46 && !sawDot) {
      sawDot = true;
    } else {
      break;
    }
  }
  if (!sawDigits || i >= s.length || (s.charCodeAt(i) | 0x20) !== 112 /* p */) return undefined;
  const expText = s.slice(i + 1);
  const digitsFrom = expText[0] === '+' || expText[0] === '-' ? 1 : 0;
  if (expText.length === digitsFrom) return undefined;
  for (let k = digitsFrom; k < expText.length; k++) {
    const c = expText.charCodeAt(k);
    if (c < 48 || c > 57) return undefined;
  }
  const v = mant * Math.pow(2, exp2 + Number(expText));
  return Number.isFinite(v) ? v : undefined;
}

/** Go's `underscoreOK`: `_` only between digits or right after a base prefix. */
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s[0] === '+' || s[0] === '-') i = 1;
  let hex = false;
  if (s.length - i >= 2 && s[i] === '0') {
    const p = (s[i + 1] ?? '').toLowerCase();
    if (p === 'b' || p === 'o' || p === 'x') {
      i += 2;
      saw = '0';
      hex = p === 'x';
    }
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    const lc = c.toLowerCase();
    if ((c >= '0' && c <= '9') || (hex && lc >= 'a' && lc <= 'f')) {
      saw = '0';
      continue;
    }
    if (c === '_') {
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
 * Go `strconv.FormatFloat(v, 'g', -1, 64)`: the shortest decimal that round-trips, in plain
 * notation when the decimal exponent is in [-4, 6) and as `d.ddde±XX` otherwise
 * (`123456` → `"123456"`, `1234567` → `"1.234567e+06"`, `0.00001` → `"1e-05"`).
 * NaN → `"NaN"`, ±Infinity → `"+Inf"` / `"-Inf"`, -0 → `"-0"`.
 */
export function formatGoFloat(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const e = v.toExponential();
  const ei = e.indexOf('e');
  const exp = Number(e.slice(ei + 1));
  if (exp >= -4 && exp < 6) return String(v);
  const digits = exp < 0 ? -exp : exp;
  return `${e.slice(0, ei)}e${exp < 0 ? '-' : '+'}${digits < 10 ? '0' : ''}${digits}`;
}

/**
 * Prometheus `labels.FormatOpenMetricsFloat`: {@link formatGoFloat} with `.0` appended when the
 * text has neither a `.` nor an `e` (`1` → `"1.0"`, `1e-05` stays), `+Inf`, `-Inf`, `NaN`;
 * both zeros give `"0.0"`. The canonical form of `le` and `quantile` label values.
 */
export function formatOpenMetricsFloat(v: number): string {
  if (v === 0) return '0.0';
  const s = formatGoFloat(v);
  if (v !== v || v === Infinity || v === -Infinity) return s;
  return s.includes('.') || s.includes('e') ? s : `${s}.0`;
}
