/**
 * Go `strconv` pieces the template engine needs: float formatting exactly as
 * `strconv.FormatFloat(v, fmt, prec, 64)` and `strconv.CanBackquote`. Shared with other modules:
 * quoting and unquoting (`strconv.Quote`, `strconv.Unquote`) in `model/goquote.ts`, number-literal
 * parsing (`ParseInt(s, 0, 64)`, `ParseFloat(s, 64)`) in `model/goint.ts` and `model/gofloat.ts`.
 *
 * Float digits: shortest round-trip digits come from JavaScript (`toExponential()`, which picks
 * the same shortest digit string as Go), fixed-precision digits from the exact binary value via
 * BigInt, rounded half-to-even on exact ties as Go does (`%.0f` of 2.5 is `2`, JavaScript's
 * `toFixed` would say `3`).
 */

/** Decimal digits `d` (no leading/trailing zeros, `''` for zero) with the decimal point after `dp` digits. */
interface Decimal {
  d: string;
  dp: number;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Exact decimal expansion of a finite, non-negative double. */
function exactDecimal(v: number): Decimal {
  if (v === 0) return { d: '', dp: 0 };
  f64[0] = v;
  const hi = u32[LITTLE ? 1 : 0]!;
  const lo = u32[LITTLE ? 0 : 1]!;
  let exp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (exp === 0) exp = 1;
  else mant |= 1n << 52n;
  const e2 = exp - 1075;
  let digits: string;
  let dp: number;
  if (e2 >= 0) {
    digits = (mant << BigInt(e2)).toString();
    dp = digits.length;
  } else {
    digits = (mant * 5n ** BigInt(-e2)).toString();
    dp = digits.length + e2;
  }
  return trimZeros({ d: digits, dp });
}

function trimZeros(x: Decimal): Decimal {
  let end = x.d.length;
  while (end > 0 && x.d.charCodeAt(end - 1) === 48) end--;
  let start = 0;
  while (start < end && x.d.charCodeAt(start) === 48) start++;
  if (start === end) return { d: '', dp: 0 };
  return { d: x.d.slice(start, end), dp: x.dp - start };
}

/** Shortest decimal that round-trips to `v` (finite, non-negative). */
function shortestDecimal(v: number): Decimal {
  if (v === 0) return { d: '', dp: 0 };
  const s = v.toExponential();
  const e = s.indexOf('e');
  const mant = s.slice(0, e).replace('.', '');
  return trimZeros({ d: mant, dp: Number(s.slice(e + 1)) + 1 });
}

/** Rounds `x` to `nd` significant digits, half to even on exact ties (Go `decimal.Round`). */
function roundDecimal(x: Decimal, nd: number): Decimal {
  if (nd < 0 || nd >= x.d.length) return x;
  const next = x.d.charCodeAt(nd) - 48;
  let up: boolean;
  if (next === 5 && nd + 1 === x.d.length) up = nd > 0 && (x.d.charCodeAt(nd - 1) - 48) % 2 === 1;
  else up = next >= 5;
  if (!up) return trimZeros({ d: x.d.slice(0, nd), dp: x.dp });
  let i = nd - 1;
  while (i >= 0 && x.d[i] === '9') i--;
  if (i < 0) return { d: '1', dp: x.dp + 1 };
  return trimZeros({ d: x.d.slice(0, i) + String.fromCharCode(x.d.charCodeAt(i) + 1), dp: x.dp });
}

function digitAt(x: Decimal, i: number): string {
  return i >= 0 && i < x.d.length ? x.d[i]! : '0';
}

function fmtE(neg: boolean, x: Decimal, prec: number, e: 'e' | 'E'): string {
  let out = neg ? '-' : '';
  out += digitAt(x, 0);
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) out += digitAt(x, i);
  }
  const exp = x.d.length === 0 ? 0 : x.dp - 1;
  const abs = Math.abs(exp);
  return `${out}${e}${exp < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
}

function fmtF(neg: boolean, x: Decimal, prec: number): string {
  let out = neg ? '-' : '';
  if (x.dp > 0) {
    const m = Math.min(x.d.length, x.dp);
    out += x.d.slice(0, m) + '0'.repeat(x.dp - m);
  } else out += '0';
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) out += digitAt(x, x.dp + i - 1);
  }
  return out;
}

/**
 * Formats a float64 as Go's `strconv.FormatFloat(v, fmt, prec, 64)`.
 * @param fmt `e`, `E`, `f`, `g`, `G` (decimal) or `x`, `X` (hexadecimal mantissa, binary exponent)
 * @param prec digits after the point (`e`, `f`, `x`) or significant digits (`g`); -1 for the
 *   fewest digits that round-trip.
 * @example formatFloat(1e6, 'g', -1) → "1e+06"; formatFloat(2.5, 'f', 0) → "2"; formatFloat(NaN, 'g', -1) → "NaN"
 */
export function formatFloat(v: number, fmt: 'e' | 'E' | 'f' | 'g' | 'G' | 'x' | 'X', prec: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const neg = v < 0 || Object.is(v, -0);
  const abs = Math.abs(v);
  if (fmt === 'x' || fmt === 'X') return formatHexFloat(neg, abs, prec, fmt);
  const shortest = prec < 0;
  let x: Decimal;
  if (shortest) {
    x = shortestDecimal(abs);
    if (fmt === 'e' || fmt === 'E') prec = Math.max(x.d.length - 1, 0);
    else if (fmt === 'f') prec = Math.max(x.d.length - x.dp, 0);
    else prec = x.d.length;
  } else {
    const exact = exactDecimal(abs);
    if (fmt === 'e' || fmt === 'E') x = roundDecimal(exact, prec + 1);
    else if (fmt === 'f') x = roundDecimal(exact, exact.dp + prec);
    else {
      if (prec === 0) prec = 1;
      x = roundDecimal(exact, prec);
    }
  }
  if (fmt === 'e' || fmt === 'E') return fmtE(neg, x, prec, fmt);
  if (fmt === 'f') return fmtF(neg, x, prec);
  let eprec = prec;
  if (eprec > x.d.length && x.d.length >= x.dp) eprec = x.d.length;
  if (shortest) eprec = 6;
  const exp = x.dp - 1;
  if (x.d.length !== 0 && (exp < -4 || exp >= eprec)) {
    if (prec > x.d.length) prec = x.d.length;
    return fmtE(neg, x, prec - 1, fmt === 'g' ? 'e' : 'E');
  }
  if (prec > x.dp) prec = x.d.length;
  return fmtF(neg, x, Math.max(prec - x.dp, 0));
}

/** `%x` of a float64: `-0x1.8p+01`, as Go's 'x' format. */
function formatHexFloat(neg: boolean, abs: number, prec: number, fmt: 'x' | 'X'): string {
  let mant = 0n;
  let exp = 0;
  if (abs !== 0) {
    f64[0] = abs;
    const hi = u32[LITTLE ? 1 : 0]!;
    const lo = u32[LITTLE ? 0 : 1]!;
    const bexp = (hi >>> 20) & 0x7ff;
    mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
    if (bexp === 0) {
      exp = -1022;
      while ((mant & (1n << 52n)) === 0n) {
        mant <<= 1n;
        exp--;
      }
    } else {
      mant |= 1n << 52n;
      exp = bexp - 1023;
    }
  }
  // mant holds 1.xxxx with 52 fraction bits; shift so the fraction is 52 bits = 13 hex digits.
  let frac = mant & ((1n << 52n) - 1n);
  let lead = abs === 0 ? 0n : 1n;
  let digits = 13;
  if (prec >= 0 && prec < 13) {
    const shift = BigInt((13 - prec) * 4);
    const half = 1n << (shift - 1n);
    const rem = frac & ((1n << shift) - 1n);
    frac >>= shift;
    if (rem > half || (rem === half && (frac & 1n) === 1n)) frac++;
    if (frac >> BigInt(prec * 4) !== 0n) {
      frac &= (1n << BigInt(prec * 4)) - 1n;
      lead++;
      if (lead === 2n) {
        lead = 1n;
        frac >>= 1n;
        exp++;
      }
    }
    digits = prec;
  }
  let hex = digits > 0 ? frac.toString(16).padStart(digits, '0') : '';
  if (prec < 0) hex = hex.replace(/0+$/, '');
  else if (prec > 13) hex = hex + '0'.repeat(prec - 13);
  let out = `${neg ? '-' : ''}0x${lead.toString()}${hex ? '.' + hex : ''}p${exp < 0 ? '-' : '+'}${Math.abs(exp) < 10 ? '0' : ''}${Math.abs(exp)}`;
  if (fmt === 'X') out = out.toUpperCase();
  return out;
}

/** Whether `s` can be written as a Go raw string (backquoted) literal, as `strconv.CanBackquote`. */
export function canBackquote(s: string): boolean {
  for (const ch of s) {
    const r = ch.codePointAt(0)!;
    if (r === 0x60 || r === 0xfeff || (r < 0x20 && r !== 0x09) || r === 0x7f) return false;
    if (r >= 0xd800 && r <= 0xdfff) return false;
  }
  return true;
}
