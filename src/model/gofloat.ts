/**
 * Go `strconv` floats: parsing with `ParseFloat(s, 64)` semantics in two strengths, and the
 * shortest `%g` formatting.
 *
 * - {@link parseFloatBytes}: decimal text only, scanned from bytes without allocating — the
 *   syntax Prometheus's textparse `parseFloat` accepts for sample values and OpenMetrics
 *   timestamps (Go `ParseFloat` minus every form with `p`, `P` or `_`, which leaves no hex either).
 * - {@link parseGoFloat}: the full Go `ParseFloat` (adds hex floats and `_` digit separators),
 *   where Prometheus calls `strconv.ParseFloat` directly: `le` / `quantile` normalisation in the
 *   exposition parsers, PromQL number literals and `le` labels, Go template number constants.
 * - {@link formatGoFloat}: `strconv.FormatFloat(v, 'g', -1, 64)`, how `expfmt`, PromQL
 *   (`%g`/`%v` in messages and labels) and `labels.FormatOpenMetricsFloat` render floats.
 *
 * Integer literal forms (`0x1f`, `0755`) are not floats: PromQL tries `parseGoIntLiteral`
 * (`goint.ts`) first.
 */
import { underscoreOK } from './goint.js';

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
 * floats (`0x1.8p3`; a `p` exponent is required, so `0x10` is not a float) and `_` digit
 * separators placed as Go allows them (between digits, or after a base prefix: `1_000.5`,
 * `0x_1p0`). Returns `undefined` where Go returns an error: syntax, or a finite-looking value
 * beyond float64's range (`1e400`, `0x1p1024`); underflow gives 0 as in Go. Hex results are
 * correctly rounded except in the subnormal range, where they may differ from Go in the last bit.
 * @example parseGoFloat('0x1p-2') → 0.25; parseGoFloat('-Inf') → -Infinity; parseGoFloat('08') → 8
 */
export function parseGoFloat(s: string): number | undefined {
  let t = s;
  if (t.includes('_')) {
    if (!underscoreOK(t)) return undefined;
    t = t.replaceAll('_', '');
  }
  let from = 0;
  if (t[0] === '+' || t[0] === '-') from = 1;
  if (t.length - from > 2 && t[from] === '0' && (t.charCodeAt(from + 1) | 0x20) === 120 /* x */) {
    const v = parseHexFloat(t.slice(from + 2));
    return v === undefined ? undefined : t[0] === '-' ? -v : v;
  }
  // UTF-8, not latin1: a non-ASCII character must not alias an ASCII digit byte.
  const b = Buffer.from(t, 'utf8');
  return parseFloatBytes(b, 0, b.length);
}

/** `h[.h]p[+-]d` after `0x`, underscores removed: mantissa hex digits, then a binary exponent. */
const HEX_FLOAT_BODY = /^([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?[0-9]+)$/;

/**
 * Mantissa bits kept before converting to a float64: 64 (> 53 + guard bits), the rest folded into
 * a sticky lowest bit so that the one rounding `Number(bigint)` does stays correct.
 */
const HEX_MANT_BITS = 64n;

/** The magnitude of a hex float body (after `0x`); undefined on a syntax error or overflow. */
function parseHexFloat(body: string): number | undefined {
  const m = HEX_FLOAT_BODY.exec(body);
  if (m === null) return undefined;
  const int = m[1]!;
  const frac = m[2] ?? '';
  if (int === '' && frac === '') return undefined;
  let mant = BigInt(`0x${int}${frac}`);
  if (mant === 0n) return 0;
  let exp = Number(m[3]!) - 4 * frac.length;
  const bits = BigInt(mant.toString(2).length);
  if (bits > HEX_MANT_BITS) {
    const shift = bits - HEX_MANT_BITS;
    const sticky = mant & ((1n << shift) - 1n) ? 1n : 0n;
    mant = (mant >> shift) | sticky;
    exp += Number(shift);
  }
  const v = ldexp(Number(mant), exp);
  return Number.isFinite(v) ? v : undefined;
}

/** `x · 2^e` without the intermediate `2^e` overflowing or underflowing on its own. */
function ldexp(x: number, e: number): number {
  let k = Math.max(-2200, Math.min(2200, e));
  while (k > 1023) {
    x *= 2 ** 1023;
    k -= 1023;
  }
  while (k < -1022) {
    x *= 2 ** -1022;
    k += 1022;
  }
  return x * 2 ** k;
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
