/**
 * Alertmanager's default template functions (`template.DefaultFuncs`): toUpper, toLower, title,
 * trimSpace, join, match, safeHtml, reReplaceAll, stringSlice, date, tz, since, humanizeDuration,
 * toJson. Times are {@link GoTime}s (Go `time.Time`), `since` returns a {@link GoDuration}.
 */
import { goFunc, type ParamType } from './funcs.js';
import { GoDuration, GoTime, loadLocation } from './gotime.js';
import type { FuncMap } from './index.js';
import { humanizeDuration, matchString, reReplaceAll, titleCase, toLower, toUpper } from './prometheus-funcs.js';
import { kindOf, sortedEntries } from './values.js';

/** Options of {@link alertmanagerFuncs}. */
export interface AlertmanagerFuncsOptions {
  /** Clock for `since`, in ms (default `Date.now`). */
  now?: () => number;
}

const TIME: ParamType = { name: 'time.Time', test: (v) => v instanceof GoTime };
const S: ParamType = 'string';

/** Go `strings.TrimSpace`: strips Unicode white space at both ends. */
function trimSpace(s: string): string {
  return s.replace(/^[\s\u0085]+|[\s\u0085]+$/gu, '');
}

/** `encoding/json` rendering of template values (maps with sorted keys, times as RFC 3339). */
function toJSONValue(v: unknown): unknown {
  if (v instanceof GoTime) return v.Format('2006-01-02T15:04:05.999999999Z07:00');
  if (v instanceof GoDuration) return Number(v.ns);
  if (typeof v === 'bigint') return Number(v);
  switch (kindOf(v)) {
    case 'slice':
      return (v as unknown[]).map(toJSONValue);
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const [k, x] of sortedEntries(v as object)) out[String(k)] = toJSONValue(x);
      return out;
    }
    case 'struct': {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v as object)) out[k] = toJSONValue((v as Record<string, unknown>)[k]);
      return out;
    }
    case 'invalid':
      return null;
    case 'float':
      if (!Number.isFinite(v)) throw new Error(`json: unsupported value: ${String(v).replace('Infinity', 'Inf')}`);
      return v;
    default:
      return v;
  }
}

/** Alertmanager's template function map. */
export function alertmanagerFuncs(opts: AlertmanagerFuncsOptions = {}): FuncMap {
  const now = opts.now ?? Date.now;
  return {
    toUpper: goFunc({ params: [S] }, toUpper),
    toLower: goFunc({ params: [S] }, toLower),
    title: goFunc({ params: [S] }, (s: string) => titleCase(s, true)),
    trimSpace: goFunc({ params: [S] }, trimSpace),
    join: goFunc({ params: [S, '[]string'] }, (sep: string, s: string[] | undefined) => (s ?? []).join(sep)),
    match: goFunc({ params: [S, S] }, matchString),
    safeHtml: goFunc({ params: [S] }, (s: string) => s),
    reReplaceAll: goFunc({ params: [S, S, S] }, reReplaceAll),
    stringSlice: goFunc({ params: [], variadic: S }, (...s: string[]) => s),
    date: goFunc({ params: [S, TIME] }, (layout: string, t: GoTime | undefined) => (t ?? GoTime.zero()).Format(layout)),
    tz: goFunc({ params: [S, TIME] }, (name: string, t: GoTime | undefined) => (t ?? GoTime.zero()).In(loadLocation(name))),
    since: goFunc({ params: [TIME] }, (t: GoTime | undefined) => GoTime.fromMs(now()).Sub(t ?? GoTime.zero())),
    humanizeDuration: goFunc({ params: ['any'] }, humanizeDuration),
    toJson: goFunc({ params: ['any'] }, (v: unknown) =>
      JSON.stringify(toJSONValue(v)).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')),
    ),
  };
}
