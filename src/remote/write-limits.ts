/**
 * Size limits of the remote-write receiver, checked on a decoded request before anything is
 * appended, so a refused request stores nothing. Prometheus 2.42's receiver has no such limits;
 * these follow Mimir's distributor validation (its per-tenant `max_label_names_per_series`,
 * `max_label_name_length`, `max_label_value_length`, defaults and message wording, status 400 so
 * senders drop the request rather than retry it), plus a bound on the series in one request.
 * Lengths are in bytes of UTF-8, as Go's `len`. Labels are counted and measured as sent (before
 * empty values are dropped).
 */
import { toString } from '../model/labels.js';
import type { DecodedWriteRequest } from './proto.js';

/** The receiver's limits; 0 turns a limit off. */
export interface WriteLimits {
  /** `--web.remote-write-receiver.max-series-per-request`: most series in one request. */
  maxSeriesPerRequest: number;
  /** `--web.remote-write-receiver.max-label-names-per-series`: most labels of one series (Mimir: 30). */
  maxLabelNamesPerSeries: number;
  /** `--web.remote-write-receiver.max-label-name-length`: longest label name, bytes (Mimir: 1024). */
  maxLabelNameLength: number;
  /** `--web.remote-write-receiver.max-label-value-length`: longest label value, bytes (Mimir: 2048). */
  maxLabelValueLength: number;
}

/** Default limits: Mimir's per-series defaults and 100,000 series per request. */
export const DEFAULT_WRITE_LIMITS: WriteLimits = {
  maxSeriesPerRequest: 100_000,
  maxLabelNamesPerSeries: 30,
  maxLabelNameLength: 1024,
  maxLabelValueLength: 2048,
};

/** The limit a request went past, as counted in `lookout_http_limit_refusals_total{limit}`. */
export type WriteLimitName = 'remote_write_series' | 'remote_write_label_names' | 'remote_write_label_name_length' | 'remote_write_label_value_length';

/** A refused request: which limit, and the message answered with status 400. */
export interface WriteLimitRefusal {
  readonly limit: WriteLimitName;
  readonly message: string;
}

/** Go `%.200s`: at most 200 code points. */
function trunc(s: string): string {
  const cps = [...s];
  return cps.length > 200 ? cps.slice(0, 200).join('') : s;
}

/** Byte length of `s` in UTF-8, computed only when its UTF-16 length leaves a doubt. */
function overBytes(s: string, max: number): boolean {
  if (s.length > max) return true;
  if (s.length * 3 <= max) return false;
  return Buffer.byteLength(s) > max;
}

/**
 * Checks every series of `req` against `limits`; returns the first refusal, or null when the
 * request is within them. Messages (the series rendered as `name{a="x", …}` in the order sent,
 * cut to 200 characters):
 * - `received a write request with too many series (actual: N, limit: M)`;
 * - `received a series whose number of labels exceeds the limit (actual: N, limit: M) series: '…'`
 *   (with `…` appended when the series was cut);
 * - `received a series whose label name length exceeds the limit, label: '…' series: '…'`;
 * - `received a series whose label value length exceeds the limit, value: '…' (truncated) series: '…'`;
 * each followed by ` (limit set by --web.remote-write-receiver.<flag>)`.
 */
export function checkWriteLimits(req: DecodedWriteRequest, limits: WriteLimits): WriteLimitRefusal | null {
  const flag = (f: string) => ` (limit set by --web.remote-write-receiver.${f})`;
  if (limits.maxSeriesPerRequest > 0 && req.series > limits.maxSeriesPerRequest) {
    return {
      limit: 'remote_write_series',
      message: `received a write request with too many series (actual: ${req.series}, limit: ${limits.maxSeriesPerRequest})${flag('max-series-per-request')}`,
    };
  }
  const ls = req.labels;
  const series = (from: number, to: number) => toString(ls.slice(from, to));
  for (let s = 0; s < req.series; s++) {
    const from = req.labelStart[s]!;
    const to = req.labelStart[s + 1]!;
    const n = (to - from) / 2;
    if (limits.maxLabelNamesPerSeries > 0 && n > limits.maxLabelNamesPerSeries) {
      const text = series(from, to);
      const cut = trunc(text);
      return {
        limit: 'remote_write_label_names',
        message: `received a series whose number of labels exceeds the limit (actual: ${n}, limit: ${limits.maxLabelNamesPerSeries}) series: '${cut}${cut === text ? '' : '\u2026'}'${flag('max-label-names-per-series')}`,
      };
    }
    for (let i = from; i < to; i += 2) {
      const name = ls[i]!;
      if (limits.maxLabelNameLength > 0 && overBytes(name, limits.maxLabelNameLength)) {
        return {
          limit: 'remote_write_label_name_length',
          message: `received a series whose label name length exceeds the limit, label: '${trunc(name)}' series: '${trunc(series(from, to))}'${flag('max-label-name-length')}`,
        };
      }
      const value = ls[i + 1]!;
      if (limits.maxLabelValueLength > 0 && overBytes(value, limits.maxLabelValueLength)) {
        return {
          limit: 'remote_write_label_value_length',
          message: `received a series whose label value length exceeds the limit, value: '${trunc(value)}' (truncated) series: '${trunc(series(from, to))}'${flag('max-label-value-length')}`,
        };
      }
    }
  }
  return null;
}
