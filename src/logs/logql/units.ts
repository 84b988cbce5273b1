/**
 * The unit literals of LogQL label filters and `unwrap` conversions: Go durations
 * (`time.ParseDuration`, plus Prometheus's `d`, `w`, `y`) and humanized byte sizes
 * (`go-humanize.ParseBytes`: `1KB` = 1000, `1KiB` = 1024), as Loki's lexer accepts them.
 */

const GO_UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3,
  'μs': 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
  d: 86400e9,
  w: 7 * 86400e9,
  y: 365 * 86400e9,
};

/**
 * Parses a Go duration (`250ms`, `1h30m`, `1.5s`, `-2m`, also `d`/`w`/`y`) into **seconds**
 * (a float). Returns undefined when the text is not a duration. `0` alone is zero.
 */
export function parseGoDurationSeconds(s: string): number | undefined {
  let i = 0;
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    if (s[0] === '-') sign = -1;
    i++;
  }
  if (s.slice(i) === '0') return 0;
  if (i >= s.length) return undefined;
  let ns = 0;
  while (i < s.length) {
    const numStart = i;
    while (i < s.length && ((s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) || s[i] === '.')) i++;
    const num = s.slice(numStart, i);
    if (num === '' || num === '.' || num.indexOf('.') !== num.lastIndexOf('.')) return undefined;
    const unitStart = i;
    while (i < s.length && !((s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) || s[i] === '.')) i++;
    const factor = GO_UNIT_NS[s.slice(unitStart, i)];
    if (factor === undefined) return undefined;
    ns += Number(num) * factor;
  }
  return (sign * ns) / 1e9;
}

const BYTE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  ki: 1024,
  kib: 1024,
  m: 1e6,
  mb: 1e6,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1e9,
  gb: 1e9,
  gi: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1e12,
  tb: 1e12,
  ti: 1024 ** 4,
  tib: 1024 ** 4,
  p: 1e15,
  pb: 1e15,
  pi: 1024 ** 5,
  pib: 1024 ** 5,
  e: 1e18,
  eb: 1e18,
  ei: 1024 ** 6,
  eib: 1024 ** 6,
};

/**
 * Parses a humanized byte size as `go-humanize.ParseBytes`: a decimal number, optional spaces
 * and a case-insensitive unit (`B`, `KB`=1000, `KiB`=1024, `K`, … up to `E`). Returns bytes, or
 * undefined when the text is not a size.
 */
export function parseBytes(s: string): number | undefined {
  const m = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+) *([a-zA-Z]*)$/.exec(s.trim().replace(/,/g, ''));
  if (!m) return undefined;
  const factor = BYTE_UNITS[m[2]!.toLowerCase()];
  if (factor === undefined) return undefined;
  return Number(m[1]) * factor;
}

/**
 * Parses a LogQL range or offset duration: Go's `time.ParseDuration` first, then Prometheus's
 * (`1d`, `1w`), as Loki's lexer. Returns integer **milliseconds** (rounded down), or undefined.
 */
export function parseRangeMs(s: string): number | undefined {
  const sec = parseGoDurationSeconds(s);
  if (sec === undefined) return undefined;
  return Math.floor(sec * 1000 + 1e-6);
}
