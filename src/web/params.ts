/**
 * Request parameters as Prometheus reads them (Go's `Request.FormValue`): values of a
 * url-encoded POST body first, then the URL query's, then those of a multipart body; other bodies
 * are ignored. Plus the parameter syntaxes of the HTTP API: times (float Unix seconds or RFC 3339
 * as Go's `time.Parse(time.RFC3339Nano)`), durations (float seconds or `1h30m`) and limits.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseGoFloat } from '../model/gofloat.js';
import { goQuote } from '../model/goquote.js';
import { parseDuration, TimeParseError } from '../model/time.js';
import { multipartBoundary, parseMultipart } from './multipart.js';

/** Largest url-encoded body read, bytes (Go's `maxFormSize`: "10 MB is a lot of text"). */
export const FORM_BODY_LIMIT = 10 << 20;
/** Largest multipart body read, bytes (Go keeps up to 32 MiB in memory). */
export const MULTIPART_BODY_LIMIT = 32 << 20;

/** A parsed form body; `first` = its values precede the URL query's (url-encoded), else follow them (multipart). */
export class FormBody {
  constructor(
    readonly values: URLSearchParams,
    readonly first: boolean,
  ) {}
}

/**
 * Registers body parsers on `app` (and its child scopes): url-encoded and multipart forms are
 * parsed into a {@link FormBody}; any other body (JSON, text, none) is read and dropped, as Go's
 * form parsing ignores it. An oversized form fails with fastify's `FST_ERR_CTP_BODY_TOO_LARGE`.
 */
export function acceptFormBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_req, body, done) => {
    done(null, new FormBody(new URLSearchParams(body as string), true));
  });
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: MULTIPART_BODY_LIMIT }, (req, body, done) => {
    const boundary = multipartBoundary(req.headers['content-type'] ?? '');
    done(null, new FormBody(boundary ? parseMultipart(body as Buffer, boundary) : new URLSearchParams(), false));
  });
  app.addContentTypeParser('*', (_req, payload, done) => {
    payload.on('error', (e) => done(e, undefined));
    payload.on('end', () => done(null, undefined));
    payload.resume();
  });
}

/** All parameters of a request, in Go's `r.Form` order (see the module comment). */
export function params(req: FastifyRequest): URLSearchParams {
  const q = req.url.indexOf('?');
  const query = new URLSearchParams(q >= 0 ? req.url.slice(q + 1) : '');
  const body = req.body;
  if (!(body instanceof FormBody)) return query;
  const [a, b] = body.first ? [body.values, query] : [query, body.values];
  const out = new URLSearchParams(a);
  for (const [k, v] of b) out.append(k, v);
  return out;
}

/** Unix ms of upstream's `MinTime`/`MaxTime`, the defaults of metadata queries' `start`/`end`. */
export const MIN_TIME = -9_223_372_036_854;
export const MAX_TIME = 9_223_372_036_854;
/** How upstream formats `MinTime`/`MaxTime` (RFC 3339); clients send them back. */
const MIN_TIME_TEXT = '-292273086-05-16T16:47:06Z';
const MAX_TIME_TEXT = '292277025-08-18T07:12:54.999999999Z';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/** Days in `month` (1–12) of `year` (proleptic Gregorian). */
function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * RFC 3339 as Go's `time.Parse(time.RFC3339Nano, s)`: four-digit year, upper-case `T`, a zone
 * (`Z` or `±hh:mm`) required, every field in range (`2023-02-30` is rejected). Returns Unix ms
 * (sub-millisecond digits truncated), or null.
 */
export function parseRFC3339(s: string): number | null {
  const m = RFC3339.exec(s);
  if (!m) return null;
  const [year, month, day, hour, min, sec] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || min > 59 || sec > 59) return null;
  let offset = 0;
  if (m[8]) {
    const oh = Number(m[9]);
    const om = Number(m[10]);
    if (oh > 24 || om > 60) return null;
    offset = (m[8] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, min, sec, Number((m[7] ?? '').slice(0, 3).padEnd(3, '0')));
  return d.getTime() - offset;
}

/**
 * An API time (upstream `parseTime`): float Unix seconds (Go `ParseFloat` syntax, rounded to the
 * millisecond) or RFC 3339 ({@link parseRFC3339}), or upstream's printed `MinTime`/`MaxTime`.
 * Returns Unix ms.
 * @throws {TimeParseError} `cannot parse "<s>" to a valid timestamp`.
 */
export function parseTime(s: string): number {
  const f = parseGoFloat(s);
  if (f !== undefined && Number.isFinite(f)) {
    const whole = Math.trunc(f);
    const frac = f - whole;
    return whole * 1000 + Math.sign(frac) * Math.round(Math.abs(frac) * 1000);
  }
  const t = parseRFC3339(s);
  if (t !== null) return t;
  if (s === MIN_TIME_TEXT) return MIN_TIME;
  if (s === MAX_TIME_TEXT) return MAX_TIME;
  throw new TimeParseError(`cannot parse ${goQuote(s)} to a valid timestamp`);
}

/** Largest |nanoseconds| of a Go `time.Duration`. */
const MAX_DURATION_NS = 2 ** 63;

/**
 * An API duration (upstream `parseDuration`): float seconds or a Prometheus duration (`1h30m`).
 * Returns nanoseconds (a float: exact below 2^53 ns, ~104 days), truncated as Go's
 * `time.Duration(f * 1e9)`.
 * @throws {TimeParseError} `cannot parse "<s>" to a valid duration[. It overflows int64]`.
 */
export function parseDurationNs(s: string): number {
  const f = parseGoFloat(s);
  if (f !== undefined) {
    const ns = f * 1e9;
    if (ns >= MAX_DURATION_NS || ns < -MAX_DURATION_NS) {
      throw new TimeParseError(`cannot parse ${goQuote(s)} to a valid duration. It overflows int64`);
    }
    return Number.isNaN(ns) ? -MAX_DURATION_NS : Math.trunc(ns);
  }
  try {
    return parseDuration(s) * 1e6;
  } catch {
    throw new TimeParseError(`cannot parse ${goQuote(s)} to a valid duration`);
  }
}

/**
 * A `limit` parameter as upstream `parseLimitParam` (Go `strconv.Atoi`): absent or empty = 0
 * (no limit).
 * @throws {Error} with upstream's text: `strconv.Atoi: parsing "x": invalid syntax`,
 *   `… value out of range`, or `limit must be non-negative`.
 */
export function parseLimit(s: string | null): number {
  if (s === null || s === '') return 0;
  const n = parseAtoi(s);
  if (n < 0) throw new Error('limit must be non-negative');
  return n;
}

/**
 * Go `strconv.Atoi`: optional sign and decimal digits, within int64.
 * @throws {Error} `strconv.Atoi: parsing "<s>": invalid syntax` or `… value out of range`.
 */
export function parseAtoi(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`strconv.Atoi: parsing ${goQuote(s)}: invalid syntax`);
  const n = BigInt(s);
  if (n >= 2n ** 63n || n < -(2n ** 63n)) throw new Error(`strconv.Atoi: parsing ${goQuote(s)}: value out of range`);
  return Number(n);
}
