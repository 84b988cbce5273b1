/**
 * Grafana's value units: `formatValue(v, unit, decimals)` writes a number as Grafana's panels show
 * it (`1.50 MiB`, `250 ms`, `45.2%`, `1.20 K`), and `colorFor` picks a threshold colour.
 */
import type { ThresholdStep } from './model.js';

/** Decimals Grafana shows when none are set: about 3 significant digits, none for large values. */
function autoDecimals(v: number): number {
  const a = Math.abs(v);
  if (a === 0 || !Number.isFinite(a)) return 0;
  return Math.max(0, Math.min(6, 2 - Math.floor(Math.log10(a))));
}

function fixed(v: number, decimals: number | null | undefined): string {
  const d = decimals ?? (Number.isInteger(v) ? 0 : autoDecimals(v));
  return v.toFixed(Math.max(0, Math.min(20, d)));
}

/** Scales by `step` through `suffixes` (first = none), e.g. bytes by 1024 through B, KiB, MiB. */
function scaled(v: number, step: number, suffixes: string[], decimals: number | null | undefined, offset = 0): string {
  let i = offset;
  let x = v;
  while (Math.abs(x) >= step && i < suffixes.length - 1) {
    x /= step;
    i++;
  }
  while (Math.abs(x) < 1 && x !== 0 && i > 0) {
    x *= step;
    i--;
  }
  const s = suffixes[i]!;
  return `${fixed(x, decimals)}${s}`;
}

const SHORT = ['', ' K', ' Mil', ' Bil', ' Tri', ' Quadr', ' Quint', ' Sext', ' Sept'];
const SI_PREFIX = ['p', 'n', 'µ', 'm', '', 'k', 'M', 'G', 'T', 'P', 'E'];

/** SI-scaled with a base unit symbol, e.g. `si(1500, 'B')` → `1.50 kB`. */
function si(v: number, symbol: string, decimals: number | null | undefined, baseIndex = 4): string {
  const suffixes = SI_PREFIX.map((p) => ` ${p}${symbol}`);
  const a = Math.abs(v);
  let i = baseIndex;
  let x = v;
  if (a !== 0) {
    while (Math.abs(x) >= 1000 && i < suffixes.length - 1) {
      x /= 1000;
      i++;
    }
    while (Math.abs(x) < 1 && i > 0) {
      x *= 1000;
      i--;
    }
  }
  return `${fixed(x, decimals)}${suffixes[i]}`;
}

const IEC = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** Seconds as Grafana's `s` unit: ms below 1 s, then s, min, hour, day, week, year. */
function seconds(v: number, decimals: number | null | undefined): string {
  const a = Math.abs(v);
  if (a === 0) return `${fixed(0, decimals)} s`;
  if (a < 1e-6) return `${fixed(v * 1e9, decimals)} ns`;
  if (a < 1e-3) return `${fixed(v * 1e6, decimals)} µs`;
  if (a < 1) return `${fixed(v * 1e3, decimals)} ms`;
  if (a < 60) return `${fixed(v, decimals)} s`;
  if (a < 3600) return `${fixed(v / 60, decimals)} min`;
  if (a < 86400) return `${fixed(v / 3600, decimals)} hour`;
  if (a < 604800) return `${fixed(v / 86400, decimals)} day`;
  if (a < 31536000) return `${fixed(v / 604800, decimals)} week`;
  return `${fixed(v / 31536000, decimals)} year`;
}

/** `3d 4h 5m`-style duration of seconds (Grafana's dtdurations/dtdhms family). */
function duration(v: number): string {
  let rest = Math.floor(Math.abs(v));
  const parts: string[] = [];
  for (const [u, size] of [['y', 31536000], ['w', 604800], ['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${u}`);
      rest %= size;
    }
  }
  return (v < 0 ? '-' : '') + (parts.slice(0, 3).join(' ') || '0s');
}

/** Unit → formatter; units not listed print the number with decimals and no suffix. */
const UNITS: Record<string, (v: number, d: number | null | undefined) => string> = {
  none: (v, d) => fixed(v, d),
  short: (v, d) => scaled(v, 1000, SHORT, d),
  percent: (v, d) => `${fixed(v, d)}%`,
  percentunit: (v, d) => `${fixed(v * 100, d)}%`,
  humidity: (v, d) => `${fixed(v, d)}%H`,
  bytes: (v, d) => scaled(v, 1024, IEC.map((p) => ` ${p}B`), d),
  decbytes: (v, d) => si(v, 'B', d),
  bits: (v, d) => scaled(v, 1024, IEC.map((p) => ` ${p}b`), d),
  decbits: (v, d) => si(v, 'b', d),
  kbytes: (v, d) => scaled(v, 1024, IEC.map((p) => ` ${p}B`), d, 1),
  mbytes: (v, d) => scaled(v, 1024, IEC.map((p) => ` ${p}B`), d, 2),
  gbytes: (v, d) => scaled(v, 1024, IEC.map((p) => ` ${p}B`), d, 3),
  bps: (v, d) => si(v, 'b/s', d),
  Bps: (v, d) => si(v, 'B/s', d),
  binBps: (v, d) => scaled(v, 1024, IEC.map((p) => ` ${p}B/s`), d),
  binbps: (v, d) => scaled(v, 1024, IEC.map((p) => ` ${p}b/s`), d),
  pps: (v, d) => si(v, 'p/s', d),
  s: seconds,
  ms: (v, d) => seconds(v / 1000, d),
  µs: (v, d) => seconds(v / 1e6, d),
  ns: (v, d) => seconds(v / 1e9, d),
  m: (v, d) => seconds(v * 60, d),
  h: (v, d) => seconds(v * 3600, d),
  d: (v, d) => seconds(v * 86400, d),
  dtdurations: (v) => duration(v),
  dtdhms: (v) => duration(v),
  dtdurationms: (v) => duration(v / 1000),
  reqps: (v, d) => `${scaled(v, 1000, SHORT, d)} req/s`,
  rps: (v, d) => `${scaled(v, 1000, SHORT, d)} rd/s`,
  wps: (v, d) => `${scaled(v, 1000, SHORT, d)} wr/s`,
  iops: (v, d) => `${scaled(v, 1000, SHORT, d)} io/s`,
  ops: (v, d) => `${scaled(v, 1000, SHORT, d)} ops/s`,
  opm: (v, d) => `${scaled(v, 1000, SHORT, d)} ops/min`,
  reqpm: (v, d) => `${scaled(v, 1000, SHORT, d)} req/min`,
  cps: (v, d) => `${scaled(v, 1000, SHORT, d)} c/s`,
  hertz: (v, d) => si(v, 'Hz', d),
  celsius: (v, d) => `${fixed(v, d)} °C`,
  fahrenheit: (v, d) => `${fixed(v, d)} °F`,
  volt: (v, d) => si(v, 'V', d),
  amp: (v, d) => si(v, 'A', d),
  watt: (v, d) => si(v, 'W', d),
  currencyUSD: (v, d) => `$${scaled(v, 1000, ['', 'K', 'M', 'B', 'T'], d)}`,
  currencyEUR: (v, d) => `€${scaled(v, 1000, ['', 'K', 'M', 'B', 'T'], d)}`,
  bool: (v) => (v !== 0 ? 'true' : 'false'),
  bool_yes_no: (v) => (v !== 0 ? 'Yes' : 'No'),
  bool_on_off: (v) => (v !== 0 ? 'On' : 'Off'),
  dateTimeAsIso: (v) => new Date(v).toISOString(),
  dateTimeFromNow: (v) => `${duration((Date.now() - v) / 1000)} ago`,
};

/**
 * Formats `v` in Grafana's `unit` with `decimals` (auto when null). Also Grafana's custom units
 * `suffix:<s>`, `prefix:<s>`, `si:<symbol>`, `count:<s>`. NaN/±Inf/null as Grafana prints them.
 */
export function formatValue(v: number | null | undefined, unit?: string, decimals?: number | null): string {
  if (v === null || v === undefined) return 'No data';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const u = unit ?? 'none';
  const f = UNITS[u];
  if (f) return f(v, decimals);
  const custom = /^(suffix|prefix|si|count):(.*)$/.exec(u);
  if (custom) {
    const [, kind, s] = custom;
    if (kind === 'suffix') return `${fixed(v, decimals)}${s}`;
    if (kind === 'prefix') return `${s}${fixed(v, decimals)}`;
    if (kind === 'si') return si(v, s!, decimals);
    return `${scaled(v, 1000, SHORT, decimals)} ${s}`;
  }
  return fixed(v, decimals);
}

/** Grafana's named colours (classic palette) as CSS colours; other names/hex pass through. */
const NAMED: Record<string, string> = {
  green: '#73bf69', 'dark-green': '#37872d', 'semi-dark-green': '#56a64b', 'light-green': '#96d98d', 'super-light-green': '#c8f2c2',
  red: '#f2495c', 'dark-red': '#c4162a', 'semi-dark-red': '#e02f44', 'light-red': '#ff7383', 'super-light-red': '#ffa6b0',
  yellow: '#fade2a', 'dark-yellow': '#e0b400', 'semi-dark-yellow': '#f2cc0c', 'light-yellow': '#ffee52', 'super-light-yellow': '#fff899',
  orange: '#ff9830', 'dark-orange': '#fa6400', 'semi-dark-orange': '#ff780a', 'light-orange': '#ffb357', 'super-light-orange': '#ffcb7d',
  blue: '#5794f2', 'dark-blue': '#1f60c4', 'semi-dark-blue': '#3274d9', 'light-blue': '#8ab8ff', 'super-light-blue': '#c0d8ff',
  purple: '#b877d9', 'dark-purple': '#8f3bb8', 'semi-dark-purple': '#a352cc', 'light-purple': '#ca95e5', 'super-light-purple': '#deb6f2',
  text: 'currentColor', transparent: 'transparent',
};

/** A Grafana colour name or CSS colour as CSS. */
export function cssColor(c: string | undefined): string {
  if (!c) return NAMED.green!;
  return NAMED[c] ?? c;
}

/** Series colours when none is set (Grafana's classic palette order). */
export const SERIES_COLORS = ['#73bf69', '#f2cc0c', '#8ab8ff', '#ff780a', '#f2495c', '#5794f2', '#b877d9', '#705da0', '#37872d', '#fade2a', '#447ebc', '#c15c17', '#890f02', '#0a437c', '#6d1f62', '#584477'];

/**
 * The colour of the threshold step `v` falls in: steps sorted by value, base step (null) first.
 * In `percentage` mode step values are percent of [min, max].
 */
export function thresholdColor(v: number, steps: ThresholdStep[] | undefined, mode: string | undefined, min: number, max: number): string {
  if (!steps || steps.length === 0) return cssColor('green');
  const x = mode === 'percentage' ? ((v - min) / (max - min || 1)) * 100 : v;
  let color = steps[0]!.color;
  for (const s of steps) {
    if (s.value === null || s.value === undefined || x >= s.value) color = s.color;
  }
  return cssColor(color);
}
