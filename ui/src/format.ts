/** Display helpers shared by the pages. */
import type { Metric } from './api';

/** `name{a="x", b="y"}`, as Prometheus prints series. */
export function seriesName(m: Metric): string {
  const { __name__: name = '', ...rest } = m;
  const pairs = Object.keys(rest)
    .sort()
    .map((k) => `${k}=${JSON.stringify(rest[k])}`);
  return pairs.length ? `${name}{${pairs.join(', ')}}` : name || '{}';
}

/** "3m 12s ago"-style age of an RFC 3339 time. */
export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso || iso.startsWith('0001-')) return 'never';
  const s = Math.max(0, (now - Date.parse(iso)) / 1000);
  return `${humanDuration(s)} ago`;
}

/** Seconds as `1h 2m 3s` / `250ms`. */
export function humanDuration(s: number): string {
  if (s < 1) return `${Math.round(s * 1000)}ms`;
  const parts: string[] = [];
  let rest = Math.floor(s);
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.slice(0, 2).join(' ');
}

/** Parses `5m`, `1h`, `2d`, `30s`, `1w` into seconds; NaN when malformed. */
export function parseRange(s: string): number {
  const m = /^(\d+)(s|m|h|d|w|y)$/.exec(s.trim());
  if (!m) return NaN;
  const unit = { s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 }[m[2] as 's'];
  return Number(m[1]) * unit;
}

/** A value with SI prefix for axes: 1.2k, 3.4M, 0.5. */
export function shortNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  for (const [size, suffix] of [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as const) {
    if (abs >= size) return `${+(v / size).toFixed(2)}${suffix}`;
  }
  if (abs !== 0 && abs < 0.001) return v.toExponential(1);
  return String(+v.toFixed(3));
}

/** A sample value string from the API (`"8.76e+01"`, `"NaN"`) shown with up to 6 significant digits. */
export function shortValue(v: string): string {
  const n = Number(v);
  if (!Number.isFinite(n)) return v;
  return String(Number(n.toPrecision(6)));
}
