/**
 * Helpers over decoded samples of one series: dropping staleness markers before windowing (range
 * functions never see them, as upstream) and the boundary points of anchored/smoothed windows.
 */
import { isStaleNaN } from '../../model/value.js';
import type { SeriesSamples } from '../../tsdb/types.js';
import type { RangeSeries } from './types.js';

/**
 * The samples of an anchored/smoothed window as upstream `extendFloats`: the value at the range
 * start (last sample at or before it, or interpolated when smoothed) and at its end, stamped at
 * the range boundaries, around the samples strictly inside.
 */
export function extendFloats(s: RangeSeries, mint: number, maxt: number, smoothed: boolean): RangeSeries {
  const { ts, vs } = s;
  let last = s.count - 1;
  let k = 0;
  while (k < last && !(ts[k]! > mint)) k++;
  let first = Math.max(0, k - 1);
  if (smoothed) {
    let e = 0;
    while (e < last && !(ts[e]! >= maxt)) e++;
    last = e;
  }
  const empty: RangeSeries = { ...s, ts: new Float64Array(0), vs: new Float64Array(0), count: 0 };
  if (ts[last]! <= mint) return empty;
  const lerp = (a: number, b: number, t: number) => vs[a]! + ((vs[b]! - vs[a]!) * (t - ts[a]!)) / (ts[b]! - ts[a]!);
  const left = smoothed && ts[first]! < mint ? lerp(first, first + 1, mint) : vs[first]!;
  const right = smoothed && last > 0 && ts[last]! > maxt ? lerp(last - 1, last, maxt) : vs[last]!;
  if (ts[first]! <= mint) first++;
  if (ts[last]! >= maxt) last--;
  const inner = Math.max(last - first + 1, 0);
  const outTs = new Float64Array(inner + 2);
  const outVs = new Float64Array(inner + 2);
  outTs[0] = mint;
  outVs[0] = left;
  outTs.set(ts.subarray(first, first + inner), 1);
  outVs.set(vs.subarray(first, first + inner), 1);
  outTs[inner + 1] = maxt;
  outVs[inner + 1] = right;
  return { ...s, ts: outTs, vs: outVs, count: inner + 2 };
}

/** The samples of `s` without staleness markers (copied only when there are any). */
export function withoutStaleMarkers(s: SeriesSamples): RangeSeries {
  let stale = 0;
  // Only a NaN can be a marker: the bit test runs for NaNs alone.
  for (let i = 0; i < s.count; i++) {
    const v = s.vs[i]!;
    if (v !== v && isStaleNaN(v)) stale++;
  }
  if (stale === 0) return { labels: s.labels, ts: s.ts, vs: s.vs, count: s.count, dropName: false };
  const n = s.count - stale;
  const ts = new Float64Array(n);
  const vs = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < s.count; i++) {
    const v = s.vs[i]!;
    if (isStaleNaN(v)) continue;
    ts[k] = s.ts[i]!;
    vs[k++] = v;
  }
  return { labels: s.labels, ts, vs, count: n, dropName: false };
}
