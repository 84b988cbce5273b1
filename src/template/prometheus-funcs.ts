/**
 * Prometheus's template functions (Prometheus 3.x `template/template.go`), for alerting-rule
 * labels and annotations: humanize, humanize1024, humanizeDuration, humanizePercentage,
 * humanizeTimestamp, toTime, parseDuration, title, toUpper, toLower, match, reReplaceAll, safeHtml,
 * stripPort, stripDomain, args, tmpl, pathPrefix, externalURL, graphLink, tableLink, and query
 * with first, label, value, strvalue, sortByLabel.
 *
 * Regular expressions are RE2 (via `re2js`), unanchored, as Go's `regexp.MatchString`.
 */
import { parseGoFloat } from '../model/gofloat.js';
import { compileUnanchored, replaceAll, type Regex } from '../model/regex.js';
import { parseDuration } from '../model/time.js';
import { sprintf } from './fmt.js';
import { goFunc, queryEscape, type ParamType } from './funcs.js';
import { GoDuration, GoTime } from './gotime.js';
import type { FuncMap, Template } from './index.js';
import { goTypeName, GO_TYPE } from './values.js';

/** One sample of a `query` result, as Prometheus's template `sample` (`.Labels`, `.Value`). */
export class QuerySample {
  readonly [GO_TYPE] = '*template.sample';
  constructor(
    /** Label set including `__name__`. */
    readonly Labels: Record<string, string>,
    /** Sample value. */
    readonly Value: number,
  ) {}
}

/** Runs an instant query at the template's evaluation time; throws on query errors. */
export type TemplateQueryFunc = (query: string) => { labels: Record<string, string>; value: number }[];

/** Options of {@link prometheusFuncs}. */
export interface PrometheusFuncsOptions {
  /** `--web.external-url` (absolute), for `externalURL` and `pathPrefix`. */
  externalURL: string;
  /** Backs the `query` function; without it `query` fails with "query function not available". */
  query?: TemplateQueryFunc;
  /** The template being executed, for `tmpl`. */
  template?: () => Template;
}

const SAMPLE: ParamType = { name: '*template.sample', test: (v) => v instanceof QuerySample };
const QUERY_RESULT: ParamType = {
  name: 'template.queryResult',
  test: (v) => Array.isArray(v) && v.every((x) => x instanceof QuerySample),
};

function queryResult(samples: QuerySample[]): QuerySample[] {
  Object.defineProperty(samples, GO_TYPE, { value: 'template.queryResult' });
  return samples;
}

/**
 * Converts a template argument to a float as Prometheus's `ConvertToFloat`: float64, Go ints
 * (bigint), numeric strings (Go `ParseFloat` syntax, incl. `NaN`, `Inf`) and durations (seconds).
 * @throws {Error} `can't convert T to float`, or Go's ParseFloat error for bad strings.
 */
export function convertToFloat(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') {
    const special = /^([+-]?)(inf|infinity|nan)$/i.exec(v);
    if (special) {
      if (special[2]!.toLowerCase() === 'nan') return NaN;
      return special[1] === '-' ? -Infinity : Infinity;
    }
    const f = parseGoFloat(v);
    if (f === undefined) {
      const reason = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v) ? 'value out of range' : 'invalid syntax';
      throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(v)}: ${reason}`);
    }
    return f;
  }
  if (v instanceof GoDuration) return v.Seconds();
  throw new Error(`can't convert ${goTypeName(v)} to float`);
}

const SI_BIG = ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
const SI_SMALL = ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];
const IEC = ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi'];

/** `humanize`: SI prefixes, 4 significant digits (`1.235k`, `12.5m`). */
export function humanize(i: unknown): string {
  let v = convertToFloat(i);
  if (v === 0 || !Number.isFinite(v)) return sprintf('%.4g', [v]);
  let prefix = '';
  if (Math.abs(v) >= 1) {
    for (const p of SI_BIG) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
  } else {
    for (const p of SI_SMALL) {
      if (Math.abs(v) >= 1) break;
      prefix = p;
      v *= 1000;
    }
  }
  return sprintf('%.4g%s', [v, prefix]);
}

/** `humanize1024`: IEC prefixes (`1ki`, `1.5Mi`). */
export function humanize1024(i: unknown): string {
  let v = convertToFloat(i);
  if (Math.abs(v) <= 1 || !Number.isFinite(v)) return sprintf('%.4g', [v]);
  let prefix = '';
  for (const p of IEC) {
    if (Math.abs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return sprintf('%.4g%s', [v, prefix]);
}

/** `humanizeDuration`: seconds as `1d 2h 3m 4s`, `1.234s`, `100ms`. */
export function humanizeDuration(i: unknown): string {
  let v = convertToFloat(i);
  if (!Number.isFinite(v)) return sprintf('%.4g', [v]);
  if (v === 0) return sprintf('%.4gs', [v]);
  if (Math.abs(v) >= 1) {
    let sign = '';
    if (v < 0) {
      sign = '-';
      v = -v;
    }
    const duration = BigInt(Math.trunc(v));
    const seconds = duration % 60n;
    const minutes = (duration / 60n) % 60n;
    const hours = (duration / 3600n) % 24n;
    const days = duration / 86400n;
    if (days !== 0n) return sprintf('%s%dd %dh %dm %ds', [sign, days, hours, minutes, seconds]);
    if (hours !== 0n) return sprintf('%s%dh %dm %ds', [sign, hours, minutes, seconds]);
    if (minutes !== 0n) return sprintf('%s%dm %ds', [sign, minutes, seconds]);
    return sprintf('%s%.4gs', [sign, v]);
  }
  let prefix = '';
  for (const p of SI_SMALL) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return sprintf('%.4g%ss', [v, prefix]);
}

/** `humanizePercentage`: a ratio as a percentage with 4 significant digits. */
export function humanizePercentage(i: unknown): string {
  return sprintf('%.4g%%', [convertToFloat(i) * 100]);
}

function floatToTime(v: number): GoTime {
  if (!Number.isFinite(v)) throw new Error('value is NaN or Inf');
  const ns = v * 1e9;
  if (ns >= 2 ** 63 || ns < -(2 ** 63)) {
    throw new Error(`${sprintf('%v', [v])} cannot be represented as a nanoseconds timestamp since it overflows int64`);
  }
  const ms = BigInt(Math.trunc(ns)) / 1_000_000n;
  return GoTime.fromMs(Number(ms));
}

/** `humanizeTimestamp`: Unix seconds as `2015-06-23 13:19:44.128 +0000 UTC` (millisecond precision). */
export function humanizeTimestamp(i: unknown): string {
  const v = convertToFloat(i);
  if (!Number.isFinite(v)) return sprintf('%.4g', [v]);
  return floatToTime(v).String();
}

/** Go `strings.ToUpper`/`ToLower` per code point (no length-changing special cases such as ß → SS). */
function mapCase(s: string, upper: boolean): string {
  let out = '';
  for (const ch of s) {
    const m = upper ? ch.toUpperCase() : ch.toLowerCase();
    out += [...m].length === 1 ? m : ch;
  }
  return out;
}

/** Go `strings.ToUpper`. */
export function toUpper(s: string): string {
  return mapCase(s, true);
}

/** Go `strings.ToLower`. */
export function toLower(s: string): string {
  return mapCase(s, false);
}

/** Word segmenter for {@link titleCase}, made on first use (its ICU setup costs ~10 ms at import). */
let words: Intl.Segmenter | undefined;

/**
 * Title-cases each word (Unicode word segmentation): the first character is upper-cased; the rest
 * is lower-cased when `lowerRest` (Alertmanager's `cases.Title`) or kept (Prometheus's
 * `cases.NoLower`).
 */
export function titleCase(s: string, lowerRest: boolean): string {
  let out = '';
  words ??= new Intl.Segmenter('en', { granularity: 'word' });
  for (const seg of words.segment(s)) {
    if (!seg.isWordLike) {
      out += seg.segment;
      continue;
    }
    const [first, ...rest] = [...seg.segment];
    out += mapCase(first!, true) + (lowerRest ? mapCase(rest.join(''), false) : rest.join(''));
  }
  return out;
}

const regexCache = new Map<string, Regex>();
const REGEX_CACHE_SIZE = 256; // Distinct patterns across all rule templates are few; bound it anyway.

/** Go `regexp.MatchString` (RE2, unanchored), compiled once per pattern. */
export function matchString(pattern: string, s: string): boolean {
  let re = regexCache.get(pattern);
  if (!re) {
    re = compileUnanchored(pattern);
    if (regexCache.size >= REGEX_CACHE_SIZE) regexCache.delete(regexCache.keys().next().value!);
    regexCache.set(pattern, re);
  }
  return re.test(s);
}

/** Go `regexp.MustCompile(pattern).ReplaceAllString(text, repl)`. */
export function reReplaceAll(pattern: string, repl: string, text: string): string {
  return replaceAll(pattern, text, repl);
}

/** Splits `host:port` as Go's `net.SplitHostPort`; null when it is not one. */
export function splitHostPort(hostPort: string): { host: string; port: string } | null {
  const i = hostPort.lastIndexOf(':');
  if (i < 0) return null;
  let host: string;
  if (hostPort[0] === '[') {
    const end = hostPort.indexOf(']');
    if (end < 0 || end + 1 !== i) return null;
    host = hostPort.slice(1, end);
  } else {
    host = hostPort.slice(0, i);
    if (host.includes(':')) return null;
  }
  if (hostPort.slice(i + 1).includes('[') || hostPort.slice(i + 1).includes(']')) return null;
  return { host, port: hostPort.slice(i + 1) };
}

function isIP(host: string): boolean {
  if (/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(host)) {
    return host.split('.').every((p) => Number(p) <= 255 && !(p.length > 1 && p[0] === '0'));
  }
  return host.includes(':') && /^[0-9a-fA-F:.]+$/.test(host);
}

/** `stripPort`: the host of `host:port`, or the input when it has no port. */
export function stripPort(hostPort: string): string {
  return splitHostPort(hostPort)?.host ?? hostPort;
}

/** `stripDomain`: the first label of the host name, keeping the port; IP addresses unchanged. */
export function stripDomain(hostPort: string): string {
  const hp = splitHostPort(hostPort);
  let host = hp ? hp.host : hostPort;
  if (isIP(host)) return hostPort;
  host = host.split('.')[0]!;
  if (hp && hp.port !== '') return host.includes(':') ? `[${host}]:${hp.port}` : `${host}:${hp.port}`;
  return host;
}

/** Go's `url.URL.Path` of an absolute URL (`''` when it has none). */
function urlPath(u: string): string {
  try {
    const p = new URL(u).pathname;
    return p === '/' && !/^[a-z][a-z0-9+.-]*:\/\/[^/]*\//i.test(u) ? '' : decodeURIComponent(p);
  } catch {
    return '';
  }
}

const S: ParamType = 'string';
const A: ParamType = 'any';

/**
 * Prometheus's template function map for rule templates (see the module doc). `query` returns
 * `QuerySample`s; `first` fails with `first() called on vector with no elements` on an empty result.
 */
export function prometheusFuncs(opts: PrometheusFuncsOptions): FuncMap {
  return {
    query: goFunc({ params: [S] }, (q: string) => {
      if (!opts.query) throw new Error('query function not available');
      return queryResult(opts.query(q).map((s) => new QuerySample(s.labels, s.value)));
    }),
    first: goFunc({ params: [QUERY_RESULT] }, (v: QuerySample[] | undefined) => {
      if (v && v.length > 0) return v[0];
      throw new Error('first() called on vector with no elements');
    }),
    label: goFunc({ params: [S, SAMPLE] }, (label: string, s: QuerySample | undefined) => {
      if (!s) throw new Error('runtime error: invalid memory address or nil pointer dereference');
      return s.Labels[label] ?? '';
    }),
    value: goFunc({ params: [SAMPLE] }, (s: QuerySample | undefined) => {
      if (!s) throw new Error('runtime error: invalid memory address or nil pointer dereference');
      return s.Value;
    }),
    strvalue: goFunc({ params: [SAMPLE] }, (s: QuerySample | undefined) => {
      if (!s) throw new Error('runtime error: invalid memory address or nil pointer dereference');
      return s.Labels.__value__ ?? '';
    }),
    sortByLabel: goFunc({ params: [S, QUERY_RESULT] }, (label: string, v: QuerySample[] | undefined) => {
      if (!v) return v;
      const sorted = [...v].sort((a, b) => {
        const x = a.Labels[label] ?? '';
        const y = b.Labels[label] ?? '';
        return x < y ? -1 : x > y ? 1 : 0;
      });
      sorted.forEach((s, i) => (v[i] = s));
      return v;
    }),
    args: goFunc({ params: [], variadic: A }, (...a: unknown[]) => {
      const out: Record<string, unknown> = {};
      a.forEach((x, i) => (out[`arg${i}`] = x));
      return out;
    }),
    reReplaceAll: goFunc({ params: [S, S, S] }, reReplaceAll),
    safeHtml: goFunc({ params: [S] }, (s: string) => s),
    match: goFunc({ params: [S, S] }, matchString),
    title: goFunc({ params: [S] }, (s: string) => titleCase(s, false)),
    toUpper: goFunc({ params: [S] }, toUpper),
    toLower: goFunc({ params: [S] }, toLower),
    graphLink: goFunc({ params: [S] }, (expr: string) => `/graph?g0.expr=${queryEscape(expr)}&g0.tab=0`),
    tableLink: goFunc({ params: [S] }, (expr: string) => `/graph?g0.expr=${queryEscape(expr)}&g0.tab=1`),
    stripPort: goFunc({ params: [S] }, stripPort),
    stripDomain: goFunc({ params: [S] }, stripDomain),
    humanize: goFunc({ params: [A] }, humanize),
    humanize1024: goFunc({ params: [A] }, humanize1024),
    humanizeDuration: goFunc({ params: [A] }, humanizeDuration),
    humanizePercentage: goFunc({ params: [A] }, humanizePercentage),
    humanizeTimestamp: goFunc({ params: [A] }, humanizeTimestamp),
    toTime: goFunc({ params: [A] }, (i: unknown) => floatToTime(convertToFloat(i))),
    parseDuration: goFunc({ params: [S] }, (d: string) => parseDuration(d) / 1000),
    pathPrefix: goFunc({ params: [] }, () => urlPath(opts.externalURL)),
    externalURL: goFunc({ params: [] }, () => opts.externalURL),
    tmpl: goFunc({ params: [S, A] }, (name: string, data: unknown) => {
      if (!opts.template) throw new Error('tmpl is not available here');
      return opts.template().execute(name, data);
    }),
  };
}
