/**
 * Alertmanager API v2 models (upstream `api/v2/openapi.yaml`): converting internal alerts and
 * silences to the JSON shapes `GET /alerts`, `/alerts/groups`, `/silences` return, and reading
 * and validating `POST /alerts` / `POST /silences` bodies with go-openapi's error texts
 * (`{"code":602,"message":"0.labels in body is required"}` → status 422).
 */
import { goQuote } from '../model/goquote.js';
import { ZERO_TIME, formatRFC3339Millis, parseRFC3339, type Alert } from './alert.js';
import type { Silence, SilenceMatcher, SilenceState } from './silences.js';
import type { AlertStatus } from './store.js';
import { isRequestURI } from './uri.js';

/** An API error response: status and body (a JSON string, or `{code, message}` for validation errors). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(typeof body === 'string' ? body : JSON.stringify(body));
  }
}

/** go-openapi validation error (status 422 unless `status` given). */
export function validationError(code: number, message: string, status = 422): ApiError {
  return new ApiError(status, { code, message });
}

function sortedObject(m: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k]!;
  return out;
}

/** `gettableAlert` JSON (field order as upstream's encoder writes it). */
export function gettableAlert(a: Alert, status: AlertStatus, receivers: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    annotations: sortedObject(a.annotations),
    endsAt: formatRFC3339Millis(a.endsAt),
    fingerprint: a.fingerprint,
    receivers: receivers.map((name) => ({ name })),
    startsAt: formatRFC3339Millis(a.startsAt),
    status: { inhibitedBy: status.inhibitedBy, silencedBy: status.silencedBy, state: status.state },
    updatedAt: formatRFC3339Millis(a.updatedAt),
  };
  if (a.generatorURL !== '') out.generatorURL = a.generatorURL;
  out.labels = sortedObject(a.labels);
  return out;
}

/** `gettableSilence` JSON. */
export function gettableSilence(s: Silence, state: SilenceState): Record<string, unknown> {
  return {
    id: s.id,
    status: { state },
    updatedAt: formatRFC3339Millis(s.updatedAt),
    comment: s.comment,
    createdBy: s.createdBy,
    endsAt: formatRFC3339Millis(s.endsAt),
    matchers: s.matchers.map((m) => ({ isEqual: m.isEqual, isRegex: m.isRegex, name: m.name, value: m.value })),
    startsAt: formatRFC3339Millis(s.startsAt),
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseTime(v: unknown, what: string): number {
  if (typeof v !== 'string') throw validationError(400, `parsing ${what} body from "" failed, because json: cannot unmarshal ${typeof v} into Go value of type strfmt.DateTime`, 400);
  const t = parseRFC3339(v);
  if (t === null) {
    throw validationError(400, `parsing ${what} body from "" failed, because parsing time ${goQuote(v)}: not an RFC 3339 date-time`, 400);
  }
  return t;
}

function stringMap(v: unknown, path: string, what: string): Record<string, string> {
  if (!isObject(v)) throw validationError(400, `parsing ${what} body from "" failed, because json: cannot unmarshal ${Array.isArray(v) ? 'array' : typeof v} into Go struct field of type models.LabelSet (${path})`, 400);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') {
      throw validationError(400, `parsing ${what} body from "" failed, because json: cannot unmarshal ${typeof x} into Go struct field of type string (${path}.${k})`, 400);
    }
    out[k] = x;
  }
  return out;
}

/** A `postableAlert` as read from a request body; missing times are {@link ZERO_TIME}. */
export interface PostedAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: number;
  endsAt: number;
  generatorURL: string;
}

/**
 * Reads a `POST /alerts` body.
 * @throws {ApiError} 400 for a body that is not a list or has wrongly typed fields, 422 for a
 *   `generatorURL` that is not a URI (see `uri.ts`) or a missing `labels`.
 */
export function readPostableAlerts(body: unknown): PostedAlert[] {
  if (!Array.isArray(body)) {
    throw validationError(400, `parsing alerts body from "" failed, because json: cannot unmarshal ${body === null ? 'null' : typeof body} into Go value of type models.PostableAlerts`, 400);
  }
  return body.map((item, i) => {
    if (!isObject(item)) throw validationError(400, `parsing alerts body from "" failed, because json: cannot unmarshal ${typeof item} into Go value of type models.PostableAlert`, 400);
    const gen = item.generatorURL ?? '';
    if (typeof gen !== 'string') throw validationError(400, `parsing alerts body from "" failed, because json: cannot unmarshal ${typeof gen} into Go value of type strfmt.URI`, 400);
    // Upstream validates generatorURL before labels.
    if (gen !== '' && !isRequestURI(gen)) throw validationError(601, `${i}.generatorURL in body must be of type uri: ${goQuote(gen)}`);
    if (item.labels === undefined || item.labels === null) throw validationError(602, `${i}.labels in body is required`);
    return {
      labels: stringMap(item.labels, 'labels', 'alerts'),
      annotations: item.annotations === undefined || item.annotations === null ? {} : stringMap(item.annotations, 'annotations', 'alerts'),
      startsAt: item.startsAt === undefined || item.startsAt === '' ? ZERO_TIME : parseTime(item.startsAt, 'alerts'),
      endsAt: item.endsAt === undefined || item.endsAt === '' ? ZERO_TIME : parseTime(item.endsAt, 'alerts'),
      generatorURL: gen,
    };
  });
}

/** A `postableSilence` as read from a request body. */
export interface PostedSilence {
  id: string;
  matchers: SilenceMatcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
}

/**
 * Reads a `POST /silences` body (`isEqual` defaults to true).
 * @throws {ApiError} 422 for missing required fields or no matchers, 400 for wrong types.
 */
export function readPostableSilence(body: unknown): PostedSilence {
  if (!isObject(body)) throw validationError(400, `parsing silence body from "" failed, because json: cannot unmarshal ${typeof body} into Go value of type models.PostableSilence`, 400);
  for (const k of ['comment', 'createdBy', 'endsAt', 'matchers', 'startsAt']) {
    if (body[k] === undefined || body[k] === null) throw validationError(602, `${k} in body is required`);
  }
  if (!Array.isArray(body.matchers)) throw validationError(400, 'parsing silence body from "" failed, because json: cannot unmarshal into Go struct field of type models.Matchers', 400);
  if (body.matchers.length === 0) throw validationError(612, 'matchers in body should have at least 1 items');
  const matchers = body.matchers.map((m: unknown, i: number): SilenceMatcher => {
    if (!isObject(m)) throw validationError(400, 'parsing silence body from "" failed, because json: cannot unmarshal into Go value of type models.Matcher', 400);
    for (const k of ['isRegex', 'name', 'value']) {
      if (m[k] === undefined || m[k] === null) throw validationError(602, `matchers.${i}.${k} in body is required`);
    }
    if (typeof m.name !== 'string' || typeof m.value !== 'string' || typeof m.isRegex !== 'boolean' || (m.isEqual !== undefined && typeof m.isEqual !== 'boolean')) {
      throw validationError(400, 'parsing silence body from "" failed, because json: cannot unmarshal into Go struct field of type models.Matcher', 400);
    }
    return { name: m.name, value: m.value, isRegex: m.isRegex, isEqual: m.isEqual === undefined ? true : (m.isEqual as boolean) };
  });
  for (const k of ['comment', 'createdBy']) {
    if (typeof body[k] !== 'string') throw validationError(400, `parsing silence body from "" failed, because json: cannot unmarshal ${typeof body[k]} into Go struct field of type string (${k})`, 400);
  }
  if (body.id !== undefined && typeof body.id !== 'string') throw validationError(400, 'parsing silence body from "" failed, because json: cannot unmarshal into Go struct field of type string (id)', 400);
  return {
    id: (body.id as string | undefined) ?? '',
    matchers,
    startsAt: parseTime(body.startsAt, 'silence'),
    endsAt: parseTime(body.endsAt, 'silence'),
    createdBy: body.createdBy as string,
    comment: body.comment as string,
  };
}

/** go-openapi's `swag.ConvertBool` (used for query flags): true for `true`, `1`, `yes`, `ok`, `y`, `on`, `t`, … */
export function queryBool(v: string | null, def: boolean): boolean {
  if (v === null) return def;
  return ['true', '1', 'yes', 'ok', 'y', 'on', 'selected', 'checked', 't', 'enabled'].includes(v.toLowerCase());
}

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** Whether `s` is a UUID as go-openapi's `strfmt` accepts it. */
export function isUUID(s: string): boolean {
  return UUID_RE.test(s);
}
