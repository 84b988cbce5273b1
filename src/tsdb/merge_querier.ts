/**
 * One querier over several (blocks and the head), as Prometheus's `storage.NewMergeQuerier`: series
 * with the same label set in several queriers become one series whose samples are merged by
 * timestamp; where two queriers hold a sample at the same timestamp, the later querier's wins
 * (queriers are passed oldest data first, the head last).
 */
import { compare, compareStrings, type Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import type { Block } from './block/block.js';
import type { Head } from './head.js';
import type { Querier, SeriesSamples } from './types.js';

/**
 * Merges two series of the same label set (samples ascending by time), `b` taking precedence on
 * equal timestamps; value bits are copied, so NaN payloads survive. Returns `a` or `b` itself when
 * the other is empty.
 */
export function mergeSamples(a: SeriesSamples, b: SeriesSamples): SeriesSamples {
  if (a.count === 0) return b;
  if (b.count === 0) return a;
  const ts = new Float64Array(a.count + b.count);
  const vs = new Float64Array(a.count + b.count);
  // Copy value bits, not numbers, so NaN payloads (staleness markers) survive.
  const vbits = new Uint32Array(vs.buffer);
  const abits = new Uint32Array(a.vs.buffer, a.vs.byteOffset, a.count * 2);
  const bbits = new Uint32Array(b.vs.buffer, b.vs.byteOffset, b.count * 2);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.count || j < b.count) {
    const ta = i < a.count ? a.ts[i]! : Infinity;
    const tb = j < b.count ? b.ts[j]! : Infinity;
    if (ta < tb) {
      ts[n] = ta;
      vbits[2 * n] = abits[2 * i]!;
      vbits[2 * n + 1] = abits[2 * i + 1]!;
      i++;
    } else {
      ts[n] = tb;
      vbits[2 * n] = bbits[2 * j]!;
      vbits[2 * n + 1] = bbits[2 * j + 1]!;
      if (ta === tb) i++;
      j++;
    }
    n++;
  }
  return { labels: b.labels, ts, vs, count: n };
}

/** Merges lists each sorted by `cmp`, combining equal elements with `combine` (later list second). */
function mergeSorted<T>(lists: T[][], cmp: (a: T, b: T) => number, combine: (a: T, b: T) => T): T[] {
  let out = lists[0] ?? [];
  for (let k = 1; k < lists.length; k++) {
    const b = lists[k]!;
    if (b.length === 0) continue;
    if (out.length === 0) {
      out = b;
      continue;
    }
    const merged: T[] = [];
    let i = 0;
    let j = 0;
    while (i < out.length && j < b.length) {
      const c = cmp(out[i]!, b[j]!);
      if (c < 0) merged.push(out[i++]!);
      else if (c > 0) merged.push(b[j++]!);
      else merged.push(combine(out[i++]!, b[j++]!));
    }
    while (i < out.length) merged.push(out[i++]!);
    while (j < b.length) merged.push(b[j++]!);
    out = merged;
  }
  return out;
}

/** A querier over the union of `queriers` (ordered oldest data first). Implements {@link Querier}. */
export class MergeQuerier implements Querier {
  constructor(private readonly queriers: readonly Querier[]) {}

  /** See {@link Querier.select}: series sorted by labels, samples merged by timestamp. */
  select(matchers: readonly Matcher[], mint: number, maxt: number): SeriesSamples[] {
    const lists = this.queriers.map((q) => q.select(matchers, mint, maxt));
    return mergeSorted(lists, (a, b) => compare(a.labels, b.labels), mergeSamples);
  }

  /** See {@link Querier.series}: the sorted union of the label sets. */
  series(matchers: readonly Matcher[], mint: number, maxt: number): Labels[] {
    const lists = this.queriers.map((q) => q.series(matchers, mint, maxt));
    return mergeSorted(lists, compare, (a) => a);
  }

  /** See {@link Querier.labelNames}: the sorted union. */
  labelNames(matchers: readonly Matcher[]): string[] {
    return mergeSorted(
      this.queriers.map((q) => q.labelNames(matchers)),
      compareStrings,
      (a) => a,
    );
  }

  /** See {@link Querier.labelValues}: the sorted union. */
  labelValues(name: string, matchers: readonly Matcher[]): string[] {
    return mergeSorted(
      this.queriers.map((q) => q.labelValues(name, matchers)),
      compareStrings,
      (a) => a,
    );
  }
}

/**
 * A querier over [mint, maxt] (ms, inclusive) of `blocks` (ascending by time) and `head`: the head's
 * own querier when no block overlaps the range, else a {@link MergeQuerier} over the overlapping
 * blocks and the head.
 */
export function blocksAndHeadQuerier(blocks: readonly Block[], head: Head, mint: number, maxt: number): Querier {
  const hit = blocks.filter((b) => b.overlaps(mint, maxt));
  if (hit.length === 0) return head.querier(mint, maxt);
  return new MergeQuerier([...hit.map((b) => b.querier(mint, maxt)), head.querier(mint, maxt)]);
}
