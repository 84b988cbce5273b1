/**
 * Small text helpers for /proc and /sys files, with the Go semantics node_exporter relies on
 * (`strings.Fields`, `strconv.ParseUint`, `strconv.ParseFloat` on kernel-written decimals).
 */

/** Thrown when a /proc or /sys file does not have the expected shape; the collector then fails. */
export class HostParseError extends Error {
  override name = 'HostParseError';
}

/** Splits on runs of whitespace, dropping empty fields (Go `strings.Fields`). */
export function fields(line: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    const space = c === 32 || (c >= 9 && c <= 13);
    if (space) {
      if (start >= 0) out.push(line.slice(start, i));
      start = -1;
    } else if (start < 0) start = i;
  }
  if (start >= 0) out.push(line.slice(start));
  return out;
}

/** The lines of a file's text, without the empty string after a final newline. */
export function lines(text: string): string[] {
  const out = text.split('\n');
  if (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

const UINT = /^[0-9]+$/;
const DECIMAL = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const UINT64_MAX = 18446744073709551615n;

/**
 * Parses an unsigned decimal integer as Go `strconv.ParseUint(s, 10, 64)` and returns it as a
 * float64 (rounded to nearest above 2^53, as Go's `float64(uint64)`).
 * @throws {HostParseError} for anything else, naming `what`
 */
export function parseUint(s: string, what: string): number {
  if (!UINT.test(s) || (s.length > 19 && BigInt(s) > UINT64_MAX)) {
    throw new HostParseError(`couldn't parse ${JSON.stringify(s)} (${what}): invalid syntax`);
  }
  return Number(s);
}

/**
 * Parses a decimal float (`12`, `0.5`, `1e3`) as Go `strconv.ParseFloat` does for the decimal
 * numbers the kernel writes.
 * @throws {HostParseError} for anything else, naming `what`
 */
export function parseDecimal(s: string, what: string): number {
  if (!DECIMAL.test(s)) throw new HostParseError(`couldn't parse ${JSON.stringify(s)} (${what}): invalid syntax`);
  return Number(s);
}

/**
 * Decodes the octal escapes the kernel writes in /proc mount tables (`\040` space, `\011` tab,
 * `\012` newline, `\134` backslash). Text without a backslash is returned as is.
 */
export function decodeOctalEscapes(s: string): string {
  if (s.indexOf('\\') < 0) return s;
  return s.replace(/\\([0-3][0-7]{2})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}
