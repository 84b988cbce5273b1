/**
 * The query half of Loki's HTTP API without the HTTP: parameter parsing as Loki's `loghttp`
 * (times as Unix nanoseconds, Unix seconds or RFC 3339; default range 1h; `limit` 100;
 * `direction` backward; default `step` = max(⌊range/250⌋ s, 1 s)) and results as Loki's JSON
 * (`streams`, `matrix`, `vector`, `scalar`, with `stats`). `src/web/loki-query.ts` serves it.
 */
import { parseGoFloat } from '../../model/gofloat.js';
import { parseDuration } from '../../model/time.js';
import { formatFloat } from '../../model/value.js';
import type { Labels } from '../../model/labels.js';
import type { Direction, LogReader, LogTime } from '../types.js';
import { evaluateMetric } from './evaluate.js';
import { evaluateLogQuery, type LogStreamResult } from './log-query.js';
import { parseLogQL } from './parser.js';
import { seriesLimitError, type StepSeries } from './range-agg.js';
import { QueryStats, statsJson } from './stats.js';

/** A bad request parameter (Loki answers 400 with the message as plain text). */
export class LokiParamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LokiParamError';
  }
}

/** Loki's `max_entries_limit_per_query` default: the largest `limit` of a log query. */
export const MAX_ENTRIES_LIMIT = 5000;
/** Loki's `max_query_series` default: most series a metric query may return. */
export const MAX_QUERY_SERIES = 500;

/** Loki's most points per series of a range query. */
export const MAX_POINTS = 11000;

/** Loki's message for a log query sent to the instant endpoint. */
export const ERR_INSTANT_LOG_QUERY = 'log queries are not supported as an instant query type, please change your query to a range query type';

const NS_PER_MS = 1_000_000n;

/** A {@link LogTime} from integer nanoseconds since the epoch. */
export function logTimeFromNs(ns: bigint): LogTime {
  let ms = ns / NS_PER_MS;
  let nanos = ns % NS_PER_MS;
  if (nanos < 0n) {
    nanos += NS_PER_MS;
    ms -= 1n;
  }
  return { ms: Number(ms), nanos: Number(nanos) };
}

/** Loki's decimal nanosecond string of a time. */
export function nsString(ms: number, nanos: number): string {
  return (BigInt(ms) * NS_PER_MS + BigInt(nanos)).toString();
}

/**
 * Parses a Loki time parameter as `loghttp.parseTimestamp`: text with a `.` is float Unix seconds
 * (rounded to the ms); an integer of at most 10 digits is Unix seconds, a longer one nanoseconds;
 * otherwise RFC 3339 (with optional fraction). `def` when empty.
 * @throws {LokiParamError} with Go's `strconv.ParseInt` message when nothing applies.
 */
export function parseLokiTime(value: string | null, def: LogTime): LogTime {
  if (value === null || value === '') return def;
  if (value.includes('.')) {
    const f = parseGoFloat(value);
    if (f !== undefined && Number.isFinite(f)) {
      const s = Math.trunc(f);
      const frac = Math.round((f - s) * 1000) / 1000;
      return { ms: s * 1000 + Math.round(frac * 1000), nanos: 0 };
    }
  }
  if (/^[+-]?[0-9]+$/.test(value)) {
    const n = BigInt(value);
    const digits = value.replace(/^[+-]/, '').length;
    if (n > 9223372036854775807n || n < -9223372036854775808n) {
      throw new LokiParamError(`strconv.ParseInt: parsing ${JSON.stringify(value)}: value out of range`);
    }
    return digits <= 10 ? { ms: Number(n) * 1000, nanos: 0 } : logTimeFromNs(n);
  }
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(value);
  if (m) {
    const base = Date.parse(`${m[1]}${m[3]}`);
    if (!Number.isNaN(base)) {
      const frac = (m[2] ?? '').padEnd(9, '0');
      return { ms: base + Number(frac.slice(0, 3)), nanos: Number(frac.slice(3)) };
    }
  }
  throw new LokiParamError(`strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`);
}

/**
 * Parses `step` as Loki's `parseSecondsOrDuration`: float seconds or a Prometheus duration.
 * Returns milliseconds.
 * @throws {LokiParamError} `cannot parse "x" to a valid duration`.
 */
export function parseLokiStep(value: string): number {
  const f = parseGoFloat(value);
  if (f !== undefined && Number.isFinite(f)) return Math.round(f * 1000);
  try {
    return parseDuration(value);
  } catch {
    throw new LokiParamError(`cannot parse ${JSON.stringify(value)} to a valid duration`);
  }
}

function parseLimit(value: string | null): number {
  if (value === null || value === '') return 100;
  if (!/^[+-]?[0-9]+$/.test(value)) throw new LokiParamError(`strconv.ParseUint: parsing ${JSON.stringify(value)}: invalid syntax`);
  const n = Number(value);
  if (n <= 0) throw new LokiParamError('limit must be a positive value');
  if (n > MAX_ENTRIES_LIMIT) throw new LokiParamError(`max entries limit per query exceeded, limit > max_entries_limit (${n} > ${MAX_ENTRIES_LIMIT})`);
  return n;
}

function parseDirection(value: string | null): Direction {
  if (value === null || value === '') return 'backward';
  const v = value.toLowerCase();
  if (v === 'forward' || v === 'backward') return v;
  throw new LokiParamError(`invalid direction '${value}'`);
}

function labelsObject(ls: Labels): Record<string, string> {
  const o: Record<string, string> = {};
  for (let i = 0; i < ls.length; i += 2) o[ls[i]!] = ls[i + 1]!;
  return o;
}

/** Loki's JSON of result streams: `[{stream: {…}, values: [["<ns>", "line"], …]}]`. */
export function streamsJson(streams: readonly LogStreamResult[]): unknown[] {
  return streams.map((s) => ({
    stream: labelsObject(s.labels),
    values: s.lines.map((line, i) => [nsString(s.ms[i]!, s.nanos[i]!), line]),
  }));
}

function seconds(ms: number): number {
  return ms / 1000;
}

/** A success body `{status: "success", data: {resultType, result, stats}}`. */
function success(resultType: string, result: unknown, stats: QueryStats, started: number): Record<string, unknown> {
  const exec = (performance.now() - started) / 1000;
  return { status: 'success', data: { resultType, result, stats: statsJson(stats, exec) } };
}

/** Request parameters by name (the URL query and a form body merged). */
export interface ParamSource {
  get(name: string): string | null;
}

/**
 * `/loki/api/v1/query_range`: a log query gives `streams`, a metric query `matrix`.
 * `nowMs` is the current time (integer ms) for the defaults; `timeoutMs` bounds the evaluation.
 * @throws {LokiParamError} bad parameters; {@link LogQLParseError} bad query;
 *   {@link LogQLExecError} pipeline errors; {@link LogQLTimeoutError} past the timeout.
 */
export function queryRange(reader: LogReader, p: ParamSource, nowMs: number, timeoutMs = Infinity): Record<string, unknown> {
  const started = performance.now();
  const query = p.get('query') ?? '';
  const now: LogTime = { ms: nowMs, nanos: 0 };
  const end = parseLokiTime(p.get('end'), now);
  let startDef: LogTime = { ms: end.ms - 3600_000, nanos: end.nanos };
  const since = p.get('since');
  if (since) startDef = { ms: end.ms - parseLokiStep(since), nanos: end.nanos };
  const start = parseLokiTime(p.get('start'), startDef);
  const limit = parseLimit(p.get('limit'));
  const direction = parseDirection(p.get('direction'));
  if (end.ms < start.ms || (end.ms === start.ms && end.nanos < start.nanos)) {
    throw new LokiParamError('end timestamp must not be before or equal to start time');
  }
  const stepText = p.get('step');
  const stepMs = stepText ? parseLokiStep(stepText) : Math.max(Math.floor((end.ms - start.ms) / 1000 / 250), 1) * 1000;
  if (stepMs <= 0) throw new LokiParamError('zero or negative query resolution step widths are not accepted. Try a positive integer');
  if ((end.ms - start.ms) / stepMs > MAX_POINTS) {
    throw new LokiParamError('exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
  }
  const expr = parseLogQL(query);
  const stats = new QueryStats(started + timeoutMs);
  if (expr.kind === 'log') {
    const streams = evaluateLogQuery(reader, expr, { start, end, limit, direction }, stats);
    return success('streams', streamsJson(streams), stats, started);
  }
  const count = Math.floor((end.ms - start.ms) / stepMs) + 1;
  const v = evaluateMetric(reader, expr, { startMs: start.ms, stepMs, count }, stats);
  const series: StepSeries[] =
    v.kind === 'scalar'
      ? [{ labels: [], values: new Float64Array(count).fill(v.value), present: new Uint8Array(count).fill(1) }]
      : v.series;
  if (series.length > MAX_QUERY_SERIES) throw seriesLimitError(MAX_QUERY_SERIES);
  const result = series.map((s) => {
    const values: [number, string][] = [];
    for (let i = 0; i < count; i++) if (s.present[i]) values.push([seconds(start.ms + i * stepMs), formatFloat(s.values[i]!)]);
    stats.entriesReturned += values.length;
    return { metric: labelsObject(s.labels), values };
  });
  return success('matrix', result, stats, started);
}

/**
 * `/loki/api/v1/query`: a metric query at `time` (default now) gives `vector` (or `scalar`); a
 * log query is refused as Loki 3 does ({@link ERR_INSTANT_LOG_QUERY}).
 * @throws as {@link queryRange}.
 */
export function queryInstant(reader: LogReader, p: ParamSource, nowMs: number, timeoutMs = Infinity): Record<string, unknown> {
  const started = performance.now();
  const query = p.get('query') ?? '';
  const t = parseLokiTime(p.get('time'), { ms: nowMs, nanos: 0 });
  parseLimit(p.get('limit'));
  parseDirection(p.get('direction'));
  const expr = parseLogQL(query);
  if (expr.kind === 'log') throw new LokiParamError(ERR_INSTANT_LOG_QUERY);
  const stats = new QueryStats(started + timeoutMs);
  const v = evaluateMetric(reader, expr, { startMs: t.ms, stepMs: 1, count: 1 }, stats);
  const ts = seconds(t.ms);
  if (v.kind === 'scalar') return success('scalar', [ts, formatFloat(v.value)], stats, started);
  if (v.series.length > MAX_QUERY_SERIES) throw seriesLimitError(MAX_QUERY_SERIES);
  const result = [];
  for (const s of v.series) if (s.present[0]) result.push({ metric: labelsObject(s.labels), value: [ts, formatFloat(s.values[0]!)] });
  stats.entriesReturned = result.length;
  return success('vector', result, stats, started);
}
