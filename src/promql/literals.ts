/**
 * Number and string literal decoding with Go's rules, as PromQL uses them: numbers are read with
 * `strconv.ParseInt(s, 0, 64)` first (so `0x1f` is hex, `0755` octal, `0b11` binary, `1_000`
 * allowed) and `strconv.ParseFloat` otherwise (`08` → 8, `1e3`, `.5`, `Inf`, `NaN`, hex floats
 * `0x1p-2`); strings are Go-quoted (`"…"`, `'…'` with escapes, raw `` `…` ``). The Go number
 * syntax itself is shared: `model/goint.ts` and `model/gofloat.ts`.
 */
import { parseGoFloat } from '../model/gofloat.js';
import { parseGoIntLiteral } from '../model/goint.js';
import { decodeUtf8Lossless } from '../model/goquote.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go `strconv.ParseInt(s, 0, 64)`; null when it would fail (syntax or int64 range). */
export function parseGoInt(s: string): number | null {
  const n = parseGoIntLiteral(s);
  return n === undefined || n < INT64_MIN || n > INT64_MAX ? null : Number(n);
}

/** PromQL's number rule: `ParseInt(s, 0, 64)` then `ParseFloat(s, 64)`; null when both fail. */
export function parseNumber(s: string): number | null {
  return parseGoInt(s) ?? parseGoFloat(s) ?? null;
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
