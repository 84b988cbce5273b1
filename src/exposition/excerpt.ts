/**
 * Bounded excerpts of input for error messages. Prometheus quotes the offending token and the
 * entry read so far in full (Go `%q`); a scrape body can hold a line of hundreds of MiB, so
 * Lookout quotes at most {@link EXCERPT_MAX_BYTES} of it and says how long the whole was. Messages
 * about ordinary input are unchanged; reporting a huge line costs O(1) time and memory, and a
 * target's `lastError` stays small.
 */
import { goQuote, goQuoteBytes } from '../model/goquote.js';

/** Most input bytes (UTF-16 units for strings) an error message quotes from one token or entry. */
export const EXCERPT_MAX_BYTES = 100;

/**
 * Go `%q` of `b[start, end)` ({@link goQuoteBytes}: invalid UTF-8 bytes as `\xNN`) when the range
 * holds at most {@link EXCERPT_MAX_BYTES} bytes; otherwise the quoted first bytes — cut back to a
 * UTF-8 character boundary — followed by `... (N bytes)`, N being the length of the whole range.
 * @example quoteExcerpt(Buffer.from('a"b'), 0, 3) → '"a\\"b"'
 * @example quoteExcerpt(Buffer.alloc(5000, 'a'), 0, 5000) → '"aaa…a"... (5000 bytes)' (100 a's quoted)
 */
export function quoteExcerpt(b: Uint8Array, start: number, end: number): string {
  const len = end - start;
  if (len <= EXCERPT_MAX_BYTES) return goQuoteBytes(b, start, end);
  let cut = start + EXCERPT_MAX_BYTES;
  // A UTF-8 character has at most 3 continuation bytes: step back over them to its first byte.
  for (let k = 0; k < 3 && (b[cut]! & 0xc0) === 0x80; k++) cut--;
  return `${goQuoteBytes(b, start, cut)}... (${len} bytes)`;
}

/**
 * {@link quoteExcerpt} for text already decoded: Go `%q` ({@link goQuote}) of `s` when it has at
 * most {@link EXCERPT_MAX_BYTES} UTF-16 units, else of its first ones (a surrogate pair is not
 * split) followed by `... (N bytes)`, N being the UTF-8 length of `s`.
 */
export function quoteTextExcerpt(s: string): string {
  if (s.length <= EXCERPT_MAX_BYTES) return goQuote(s);
  return `${goQuote(cutText(s))}... (${Buffer.byteLength(s)} bytes)`;
}

/**
 * `s` itself when it has at most `max` UTF-16 units, else its first `max` (a surrogate pair is not
 * split) followed by `... (N bytes)`, N being the UTF-8 length of `s`. For text printed unquoted.
 */
export function textExcerpt(s: string, max = EXCERPT_MAX_BYTES): string {
  if (s.length <= max) return s;
  return `${cutText(s, max)}... (${Buffer.byteLength(s)} bytes)`;
}

function cutText(s: string, max = EXCERPT_MAX_BYTES): string {
  let cut = max;
  const last = s.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return s.slice(0, cut);
}
