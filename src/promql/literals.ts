/**
 * Number literal decoding with Go's rules, as PromQL uses them: numbers are read with
 * `strconv.ParseInt(s, 0, 64)` first (so `0x1f` is hex, `0755` octal, `0b11` binary, `1_000`
 * allowed) and `strconv.ParseFloat` otherwise (`08` → 8, `1e3`, `.5`, `Inf`, `NaN`, hex floats
 * `0x1p-2`). The Go number syntax itself is shared (`model/goint.ts`, `model/gofloat.ts`), and so
 * is string literal decoding (`goUnquote` in `model/goquote.ts`, whose defaults are PromQL's).
 */
import { parseGoFloat } from '../model/gofloat.js';
import { parseGoIntLiteral } from '../model/goint.js';

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
