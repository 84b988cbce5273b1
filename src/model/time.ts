/**
 * Time and durations. Timestamps are integer **milliseconds** since the Unix epoch everywhere
 * inside Lookout (as Prometheus's TSDB); the HTTP API speaks float seconds and RFC 3339.
 */

const UNIT_MS: Record<string, number> = {
  y: 365 * 24 * 3600_000,
  w: 7 * 24 * 3600_000,
  d: 24 * 3600_000,
  h: 3600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};
const UNIT_ORDER = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];

/** Thrown for text that is not a valid duration or timestamp. */
export class TimeParseError extends Error {
  override name = 'TimeParseError';
}

/**
 * Parses a Prometheus duration (`1h30m`, `5m`, `15s`, `100ms`, `2d`, `1w`, `1y`, `0`) into
 * milliseconds. Units must appear in decreasing order, each at most once, as upstream
 * `model.ParseDuration`.
 * @throws {TimeParseError} for anything else (including an empty string).
 */
export function parseDuration(s: string): number {
  if (s === '0') return 0;
  if (s === '') throw new TimeParseError('empty duration string');
  let ms = 0;
  let i = 0;
  let lastUnit = -1;
  while (i < s.length) {
    let j = i;
    while (j < s.length && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
    if (j === i) throw new TimeParseError(`not a valid duration string: "${s}"`);
    const n = Number(s.slice(i, j));
    let unit: string;
    if (s.startsWith('ms', j)) unit = 'ms';
    else unit = s[j] ?? '';
    const order = UNIT_ORDER.indexOf(unit);
    if (order < 0 || order <= lastUnit) throw new TimeParseError(`not a valid duration string: "${s}"`);
    lastUnit = order;
    ms += n * UNIT_MS[unit]!;
    i = j + unit.length;
  }
  if (!Number.isSafeInteger(ms)) throw new TimeParseError(`duration out of range: "${s}"`);
  return ms;
}

/** Units written only when they divide the duration exactly (`90d`, not `12w6d`), as upstream. */
const EXACT_ONLY = new Set(['y', 'w']);

/**
 * Formats milliseconds as Prometheus's `model.Duration.String()` (scrape interval labels, PromQL
 * printing): `1h30m`, `15s`, `1s500ms`, `0s`; years and weeks only when exact (`2w`, `90d`,
 * `1y`). A negative duration gets a leading `-`.
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let out = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  for (const u of UNIT_ORDER) {
    const size = UNIT_MS[u]!;
    if (EXACT_ONLY.has(u) && rest % size !== 0) continue;
    if (rest >= size) {
      const n = Math.floor(rest / size);
      out += `${n}${u}`;
      rest -= n * size;
    }
  }
  return out;
}

/**
 * Parses an HTTP API time parameter: float Unix seconds (`1700000000.123`) or RFC 3339
 * (`2023-11-14T22:13:20Z`). Returns integer milliseconds.
 * @throws {TimeParseError} when neither form applies.
 */
export function parseApiTime(s: string): number {
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    return Math.round(Number(s) * 1000);
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(s)) {
    const t = Date.parse(s);
    if (!Number.isNaN(t)) return t;
  }
  throw new TimeParseError(`cannot parse "${s}" to a valid timestamp`);
}

/**
 * Parses an HTTP API duration parameter (`step`, `timeout`): float seconds or a Prometheus
 * duration. Returns milliseconds.
 * @throws {TimeParseError}
 */
export function parseApiDuration(s: string): number {
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    const v = Number(s) * 1000;
    if (!Number.isFinite(v)) throw new TimeParseError(`cannot parse "${s}" to a valid duration. It overflows int64`);
    return Math.round(v);
  }
  try {
    return parseDuration(s);
  } catch {
    throw new TimeParseError(`cannot parse "${s}" to a valid duration`);
  }
}
