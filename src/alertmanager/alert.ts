/**
 * Alerts inside the Alertmanager, as upstream `types.Alert`: label set, annotations, the active
 * interval `[startsAt, endsAt]`, when the alert was last received (`updatedAt`), and whether
 * `endsAt` was set by the Alertmanager from `resolve_timeout` (`timeout`). All times are integer
 * milliseconds since the epoch; {@link ZERO_TIME} stands for Go's zero `time.Time`.
 */
import { goQuote } from '../model/goquote.js';
import { isValidLabelName } from '../model/labels.js';
import { fingerprint } from './fingerprint.js';

/** Go's zero `time.Time` (0001-01-01T00:00:00Z) in milliseconds: "no time set". */
export const ZERO_TIME = -62135596800000;

/** An alert held by the Alertmanager. Treat as immutable: updates replace the object. */
export interface Alert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** ms */
  readonly startsAt: number;
  /** ms; {@link ZERO_TIME} when unknown. */
  readonly endsAt: number;
  /** ms: when the Alertmanager last received this alert. */
  readonly updatedAt: number;
  readonly generatorURL: string;
  /** True when `endsAt` was derived from `resolve_timeout` rather than sent by the client. */
  readonly timeout: boolean;
  /** {@link fingerprint} of `labels`, computed once. */
  readonly fingerprint: string;
}

/** Builds an alert, computing its fingerprint. */
export function makeAlert(a: Omit<Alert, 'fingerprint'>): Alert {
  return { ...a, fingerprint: fingerprint(a.labels) };
}

/** Whether the alert is resolved at `now` (ms): `endsAt` set and not after `now`, as upstream `ResolvedAt`. */
export function resolvedAt(a: Alert, now: number): boolean {
  return a.endsAt !== ZERO_TIME && a.endsAt <= now;
}

/** `'resolved'` or `'firing'` at `now`. */
export function alertStatus(a: Alert, now: number): 'firing' | 'resolved' {
  return resolvedAt(a, now) ? 'resolved' : 'firing';
}

/**
 * Merges a newer copy of an alert into an older one, as upstream `Alert.Merge`: the younger (by
 * `updatedAt`) wins, the earliest `startsAt` is kept, and an explicit (non-timeout) later
 * `endsAt` of the older copy is kept while the alert is still firing.
 */
export function mergeAlerts(a: Alert, o: Alert, now: number): Alert {
  if (o.updatedAt < a.updatedAt) return mergeAlerts(o, a, now);
  let startsAt = o.startsAt;
  let endsAt = o.endsAt;
  if (a.startsAt < o.startsAt) startsAt = a.startsAt;
  if (resolvedAt(o, now)) {
    if (resolvedAt(a, now) && a.endsAt > o.endsAt) endsAt = a.endsAt;
  } else if (a.endsAt > o.endsAt && !a.timeout) {
    endsAt = a.endsAt;
  }
  if (startsAt === o.startsAt && endsAt === o.endsAt) return o;
  return { ...o, startsAt, endsAt };
}

/**
 * Validates an alert as upstream `model.Alert.Validate`; returns the error text or null.
 * Texts: `start time missing`, `start time must be before end time`,
 * `invalid label set: invalid name "…"`, `at least one label pair required`,
 * `invalid annotations: invalid name "…"`.
 */
export function validateAlert(a: Pick<Alert, 'labels' | 'annotations' | 'startsAt' | 'endsAt'>): string | null {
  if (a.startsAt === ZERO_TIME) return 'start time missing';
  if (a.endsAt !== ZERO_TIME && a.endsAt < a.startsAt) return 'start time must be before end time';
  const badLabel = invalidName(a.labels);
  if (badLabel !== null) return `invalid label set: invalid name ${goQuote(badLabel)}`;
  if (Object.keys(a.labels).length === 0) return 'at least one label pair required';
  const badAnnotation = invalidName(a.annotations);
  if (badAnnotation !== null) return `invalid annotations: invalid name ${goQuote(badAnnotation)}`;
  return null;
}

function invalidName(ls: Readonly<Record<string, string>>): string | null {
  for (const n of Object.keys(ls)) if (!isValidLabelName(n)) return n;
  return null;
}

/**
 * Formats ms as Go's `time.Time` JSON encoding (RFC 3339 with trailing zeros of the fraction
 * dropped), in UTC: `2024-01-01T00:00:00Z`, `2024-01-01T00:00:00.5Z`; {@link ZERO_TIME} gives
 * `0001-01-01T00:00:00Z`.
 */
export function formatRFC3339Nano(ms: number): string {
  const iso = new Date(ms).toISOString(); // always YYYY-MM-DDTHH:MM:SS.mmmZ for years 0..9999
  const frac = iso.slice(20, 23).replace(/0+$/, '');
  return iso.slice(0, 19) + (frac ? '.' + frac : '') + 'Z';
}

/** Formats ms as go-openapi's `strfmt.DateTime` (RFC 3339, exactly 3 fraction digits), UTC. */
export function formatRFC3339Millis(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Parses an RFC 3339 timestamp (any fraction length, `Z` or an offset) into ms.
 * @returns null when the text is not RFC 3339.
 */
export function parseRFC3339(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(s);
  if (!m) return null;
  const frac = m[7] ? Math.floor(Number(m[7]) * 1000) : 0;
  const base = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  // Date.UTC maps years 0..99 to 1900+; correct them.
  const fixed = Number(m[1]) < 100 ? new Date(base).setUTCFullYear(Number(m[1])) : base;
  let offset = 0;
  const tz = m[8]!;
  if (tz !== 'Z' && tz !== 'z') {
    const sign = tz[0] === '-' ? -1 : 1;
    offset = sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6))) * 60_000;
  }
  const ms = fixed + frac - offset;
  return Number.isFinite(ms) ? ms : null;
}
