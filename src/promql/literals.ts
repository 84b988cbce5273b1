/**
 * Number and string literal decoding with Go's rules, as PromQL uses them: numbers are read with
 * `strconv.ParseInt(s, 0, 64)` first (so `0x1f` is hex, `0755` octal, `0b11` binary, `1_000`
 * allowed) and `strconv.ParseFloat` otherwise (`08` → 8, `1e3`, `.5`, `Inf`, `NaN`, hex floats
 * `0x1p-2`); strings are Go-quoted (`"…"`, `'…'` with escapes, raw `` `…` ``).
 */

/** Whether the `_` in a digit string (after any sign) are only between digits or after a base prefix. */
function underscoresOK(s: string): boolean {
  let i = 0;
  if (s[0] === '+' || s[0] === '-') i++;
  let saw = '^';
  let hex = false;
  if (s.length - i >= 2 && s[i] === '0' && 'xXbBoO'.includes(s[i + 1]!)) {
    hex = s[i + 1] === 'x' || s[i + 1] === 'X';
    i += 2;
    saw = '0';
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    const isDigit = (c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c));
    if (isDigit) {
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

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go `strconv.ParseInt(s, 0, 64)`; null when it would fail (syntax or range). */
export function parseGoInt(s: string): number | null {
  let i = 0;
  let neg = false;
  if (s[0] === '+' || s[0] === '-') {
    neg = s[0] === '-';
    i = 1;
  }
  let body = s.slice(i);
  if (body === '') return null;
  let base = 10;
  if (body[0] === '0') {
    if (body.length > 1 && (body[1] === 'x' || body[1] === 'X')) {
      base = 16;
      body = body.slice(2);
    } else if (body.length > 1 && (body[1] === 'o' || body[1] === 'O')) {
      base = 8;
      body = body.slice(2);
    } else if (body.length > 1 && (body[1] === 'b' || body[1] === 'B')) {
      base = 2;
      body = body.slice(2);
    } else {
      base = 8;
      body = body.slice(1);
      if (body === '') return 0;
    }
  }
  if (body.includes('_') && !underscoresOK(s)) return null;
  body = body.replace(/_/g, '');
  if (body === '') return null;
  let n = 0n;
  const b = BigInt(base);
  for (const c of body) {
    const d = parseInt(c, 36);
    if (Number.isNaN(d) || d >= base) return null;
    n = n * b + BigInt(d);
  }
  if (neg) n = -n;
  if (n < INT64_MIN || n > INT64_MAX) return null;
  return Number(n);
}

const DECIMAL_FLOAT = /^[+-]?(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?$/;
const HEX_FLOAT = /^([+-]?)0[xX]([0-9a-fA-F_]*)(?:\.([0-9a-fA-F_]*))?[pP]([+-]?\d[\d_]*)$/;

/** Go `strconv.ParseFloat(s, 64)`; null on a syntax error or overflow to ±Inf. */
export function parseGoFloat(s: string): number | null {
  const lower = s.toLowerCase();
  const unsigned = lower.replace(/^[+-]/, '');
  if (unsigned === 'inf' || unsigned === 'infinity') return lower[0] === '-' ? -Infinity : Infinity;
  if (lower === 'nan') return NaN;
  if (s.includes('_') && !underscoresOK(s)) return null;
  if (DECIMAL_FLOAT.test(s)) {
    const v = Number(s.replace(/_/g, ''));
    return Number.isFinite(v) ? v : null;
  }
  const m = HEX_FLOAT.exec(s);
  if (m) {
    const intPart = (m[2] ?? '').replace(/_/g, '');
    const frac = (m[3] ?? '').replace(/_/g, '');
    if (intPart === '' && frac === '') return null;
    let mant = 0;
    for (const c of intPart + frac) mant = mant * 16 + parseInt(c, 16);
    const exp = Number(m[4]!.replace(/_/g, '')) - 4 * frac.length;
    const v = mant * 2 ** exp;
    if (!Number.isFinite(v)) return null;
    return m[1] === '-' ? -v : v;
  }
  return null;
}

/** PromQL's number rule: `ParseInt(s, 0, 64)` then `ParseFloat(s, 64)`; null when both fail. */
export function parseNumber(s: string): number | null {
  const i = parseGoInt(s);
  return i !== null ? i : parseGoFloat(s);
}

/** Thrown by {@link unquote} for a malformed literal. */
export class UnquoteError extends Error {}

const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };

/**
 * Decodes a Go-quoted string as upstream `strutil.Unquote`: double- or single-quoted text with
 * escapes (`\n`, `\x41`, `\101`, `\u00e9`, `\U0001F600`, `\"`, `\'`), or backquoted raw text.
 * Byte escapes are assembled as UTF-8.
 * @throws {UnquoteError} on a bad escape or missing quotes.
 */
export function unquote(s: string): string {
  if (s.length < 2) throw new UnquoteError('invalid syntax');
  const q = s[0]!;
  if (q !== s[s.length - 1]) throw new UnquoteError('invalid syntax');
  const body = s.slice(1, -1);
  if (q === '`') {
    if (body.includes('`')) throw new UnquoteError('invalid syntax');
    return body.replace(/\r/g, '');
  }
  if (q !== '"' && q !== "'") throw new UnquoteError('invalid syntax');
  if (!body.includes('\\') && !body.includes(q) && !body.includes('\n')) return body;
  const bytes: number[] = [];
  const enc = new TextEncoder();
  const pushText = (t: string) => {
    for (const b of enc.encode(t)) bytes.push(b);
  };
  for (let i = 0; i < body.length; ) {
    const c = body[i]!;
    if (c === q || c === '\n') throw new UnquoteError('invalid syntax');
    if (c !== '\\') {
      const cp = body.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      pushText(ch);
      i += ch.length;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) throw new UnquoteError('invalid syntax');
    if (e in SIMPLE_ESCAPES) {
      bytes.push(SIMPLE_ESCAPES[e]!);
      i += 2;
    } else if (e === q) {
      bytes.push(q.charCodeAt(0));
      i += 2;
    } else if (e >= '0' && e <= '7') {
      const oct = body.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(oct)) throw new UnquoteError('invalid syntax');
      const v = parseInt(oct, 8);
      if (v > 255) throw new UnquoteError('invalid syntax');
      bytes.push(v);
      i += 4;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 2, i + 2 + n);
      if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) throw new UnquoteError('invalid syntax');
      const v = parseInt(hex, 16);
      if (e === 'x') bytes.push(v);
      else {
        if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) throw new UnquoteError('invalid syntax');
        pushText(String.fromCodePoint(v));
      }
      i += 2 + n;
    } else {
      throw new UnquoteError('invalid syntax');
    }
  }
  return decodeUtf8Lossless(bytes);
}

/**
 * Decodes UTF-8 bytes; each byte that is not part of a valid sequence becomes a lone surrogate
 * U+DC80+byte (as Python's `surrogateescape`), so text that is invalid UTF-8 in Go stays
 * recognisably invalid (label name validation rejects lone surrogates).
 */
function decodeUtf8Lossless(bytes: readonly number[]): string {
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
      out += String.fromCharCode(0xdc80 + b);
      i++;
    }
  }
  return out;
}
