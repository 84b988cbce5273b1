/**
 * Byte-level helpers shared by the text and OpenMetrics parsers: character classes as lookup
 * tables, text decoding with UTF-8 validation, escape decoding, and Go `%q`-style quoting for
 * error messages.
 */
import { isUtf8 } from 'node:buffer';

/** Bit in {@link CHAR_CLASS}: may start a legacy metric name `[a-zA-Z_:]`. */
export const C_NAME_START = 1;
/** Bit in {@link CHAR_CLASS}: may continue a legacy metric name `[a-zA-Z0-9_:]`. */
export const C_NAME = 2;
/** Bit in {@link CHAR_CLASS}: may start a legacy label name `[a-zA-Z_]`. */
export const C_LNAME_START = 4;
/** Bit in {@link CHAR_CLASS}: may continue a legacy label name `[a-zA-Z0-9_]`. */
export const C_LNAME = 8;
/** Bit in {@link CHAR_CLASS}: part of a text-format value token (`[^{ \t\n\0]`). */
export const C_TEXT_VALUE = 16;
/** Bit in {@link CHAR_CLASS}: a decimal digit. */
export const C_DIGIT = 32;

/** Character classes of every byte value, as bit sets of the `C_*` flags. */
export const CHAR_CLASS: Uint8Array = buildClasses();

function buildClasses(): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) {
    const alpha = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
    const digit = c >= 48 && c <= 57;
    let f = 0;
    if (alpha || c === 58) f |= C_NAME_START | C_NAME;
    if (digit) f |= C_NAME | C_LNAME | C_DIGIT;
    if (alpha) f |= C_LNAME_START | C_LNAME;
    if (c !== 0 && c !== 9 && c !== 10 && c !== 32 && c !== 123) f |= C_TEXT_VALUE;
    t[c] = f;
  }
  return t;
}

/** Whether `b[start, end)` holds only ASCII bytes. */
export function isAscii(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (b[i]! >= 0x80) return false;
  return true;
}

/** Whether `b[start, end)` is valid UTF-8 (every ASCII run is). */
export function isValidUtf8(b: Buffer, start: number, end: number): boolean {
  return isAscii(b, start, end) || isUtf8(b.subarray(start, end));
}

/** Whether `b[start, end)` contains a backslash. */
export function hasBackslash(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (b[i] === 92) return true;
  return false;
}

/**
 * Decodes escapes in a quoted string's content: `\\` → `\`, `\"` → `"`, `\n` → newline; with
 * `quotes` false `\"` is kept verbatim (the text format's HELP escaping). Any other backslash
 * sequence is kept as is, as Prometheus's `strings.Replacer` does.
 */
export function unescape(s: string, quotes: boolean): string {
  if (!s.includes('\\')) return s;
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length - 1; i++) {
    if (s.charCodeAt(i) !== 92) continue;
    const next = s.charCodeAt(i + 1);
    let rep: string | undefined;
    if (next === 92) rep = '\\';
    else if (next === 110) rep = '\n';
    else if (next === 34 && quotes) rep = '"';
    if (rep === undefined) {
      i++;
      continue;
    }
    out += s.slice(from, i) + rep;
    i++;
    from = i + 1;
  }
  return out + s.slice(from);
}
