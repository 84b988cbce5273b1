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

/** Entries of the {@link valueText} cache (a power of two). */
const TEXT_CACHE = 16384;
const cacheHi = new Uint32Array(TEXT_CACHE);
const cacheLo = new Uint32Array(TEXT_CACHE);
const cacheText: (string | null)[] = new Array<string | null>(TEXT_CACHE).fill(null);
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
/** Index of the high word of a float64 in `u32` (little-endian hosts: 1). */
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/**
 * `formatFloat(v)`, from a direct-mapped cache keyed by the value's exact bits (so `0` and `-0`,
 * and NaN payloads, stay apart): results repeat values often (rates of integer increments over
 * the same window, counts, histogram buckets), and formatting costs more than the lookup.
 */
function valueText(v: number): string {
  f64[0] = v;
  const hi = u32[HI]!;
  const lo = u32[1 - HI]!;
  const slot = Math.imul(hi ^ lo, 0x9e3779b1) >>> 18;
  const hit = cacheText[slot]!;
  if (hit !== null && cacheHi[slot] === hi && cacheLo[slot] === lo) return hit;
  const text = formatFloat(v);
  cacheHi[slot] = hi;
  cacheLo[slot] = lo;
  cacheText[slot] = text;
  return text;
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
        parts[i] = `{"metric":${labelsJson(s.labels)},"value":[${secondsText(s.t)},"${valueText(s.v)}"]}`;
      }
      return `[${parts.join(',')}]`;
    }
    case 'matrix': {
      // Step timestamps repeat across series: render each distinct one once per query. Series
      // mostly share the steps, so the text of the previous series' j-th point is tried first.
      const tsText = new Map<number, string>();
      const gridT: number[] = [];
      const gridText: string[] = [];
      const parts: string[] = new Array(v.series.length);
      for (let i = 0; i < v.series.length; i++) {
        const s = v.series[i]!;
        const points: string[] = new Array(s.ts.length);
        for (let j = 0; j < s.ts.length; j++) {
          const t = s.ts[j]!;
          let tt: string | undefined;
          if (gridT[j] === t) tt = gridText[j]!;
          else {
            tt = tsText.get(t);
            if (tt === undefined) {
              tt = '[' + secondsText(t) + ',"';
              tsText.set(t, tt);
            }
            gridT[j] = t;
            gridText[j] = tt;
          }
          points[j] = tt + valueText(s.vs[j]!);
        }
        // Each point's closing `"]` comes with the separator (one concatenation less per point).
        const values = points.length === 0 ? '' : points.join('"],') + '"]';
        parts[i] = `{"metric":${labelsJson(s.labels)},"values":[${values}]}`;
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
