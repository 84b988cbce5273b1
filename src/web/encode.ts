/**
 * JSON encoding of query results in the Prometheus HTTP API shape, built as strings rather than
 * through `JSON.stringify` of nested arrays (DESIGN.md: response encoding is on the hot path).
 *
 * Shapes (as Prometheus `/api/v1/query{,_range}`):
 * - vector: `[{"metric":{…},"value":[<unix s>,"<value>"]}, …]`
 * - matrix: `[{"metric":{…},"values":[[<unix s>,"<value>"], …]}, …]`
 * - scalar / string: `[<unix s>,"<value>"]`
 * Timestamps are float seconds with millisecond precision; values are strings formatted by
 * `formatFloat` (Go's `strconv.FormatFloat` rules as Prometheus uses them).
 */
import type { Labels } from '../model/labels.js';
import { formatFloat } from '../model/value.js';
import type { QueryResult, QueryValue } from '../promql/value.js';

/** `{"name":"value",…}` for a label set (names in the set's sorted order). */
export function labelsJson(ls: Labels): string {
  let out = '{';
  for (let i = 0; i < ls.length; i += 2) {
    if (i > 0) out += ',';
    out += JSON.stringify(ls[i]) + ':' + JSON.stringify(ls[i + 1]);
  }
  return out + '}';
}

/**
 * Unix seconds text for an integer millisecond timestamp, byte-for-byte as Prometheus writes it:
 * whole seconds, then `.` and exactly three digits when there is a fraction (`1700000000.970`, `60`).
 */
export function secondsText(ms: number): string {
  const neg = ms < 0;
  const abs = Math.abs(ms);
  const whole = Math.floor(abs / 1000);
  const frac = abs - whole * 1000;
  const text = frac === 0 ? String(whole) : `${whole}.${String(frac).padStart(3, '0')}`;
  return neg ? `-${text}` : text;
}

/** The `result` array text for a query value. */
export function resultJson(v: QueryValue): string {
  switch (v.type) {
    case 'scalar':
      return `[${secondsText(v.t)},"${formatFloat(v.v)}"]`;
    case 'string':
      return `[${secondsText(v.t)},${JSON.stringify(v.v)}]`;
    case 'vector': {
      const parts: string[] = new Array(v.samples.length);
      for (let i = 0; i < v.samples.length; i++) {
        const s = v.samples[i]!;
        parts[i] = `{"metric":${labelsJson(s.labels)},"value":[${secondsText(s.t)},"${formatFloat(s.v)}"]}`;
      }
      return `[${parts.join(',')}]`;
    }
    case 'matrix': {
      // Step timestamps repeat across series: render each distinct one once per query.
      const tsText = new Map<number, string>();
      const parts: string[] = new Array(v.series.length);
      for (let i = 0; i < v.series.length; i++) {
        const s = v.series[i]!;
        const points: string[] = new Array(s.ts.length);
        for (let j = 0; j < s.ts.length; j++) {
          const t = s.ts[j]!;
          let tt = tsText.get(t);
          if (tt === undefined) {
            tt = '[' + secondsText(t) + ',"';
            tsText.set(t, tt);
          }
          points[j] = tt + formatFloat(s.vs[j]!) + '"]';
        }
        parts[i] = `{"metric":${labelsJson(s.labels)},"values":[${points.join(',')}]}`;
      }
      return `[${parts.join(',')}]`;
    }
  }
}

/** Extra `data` fields a query response may carry (e.g. `stats`). */
export interface QueryExtras {
  stats?: unknown;
}

/**
 * The whole success body of `/api/v1/query` or `/api/v1/query_range`, with `warnings` and
 * `infos` only when non-empty (as upstream).
 */
export function queryResponseJson(r: QueryResult, extras: QueryExtras = {}): string {
  let data = `{"resultType":"${r.value.type}","result":${resultJson(r.value)}`;
  if (extras.stats !== undefined) data += `,"stats":${JSON.stringify(extras.stats)}`;
  data += '}';
  let out = `{"status":"success","data":${data}`;
  if (r.warnings.length > 0) out += `,"warnings":${JSON.stringify(r.warnings)}`;
  if (r.infos.length > 0) out += `,"infos":${JSON.stringify(r.infos)}`;
  return out + '}';
}
