/**
 * Reading the head, as Prometheus's head querier: matchers → postings → series, samples decoded
 * from the chunks that overlap the requested range into `Float64Array`s (value bits copied exactly,
 * so staleness markers survive). One chunk iterator is reused for every chunk of every series.
 */
import { compare, compareStrings, type Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import { HI } from './chunkenc/floatbits.js';
import { XorIterator } from './chunkenc/xor.js';
import type { Head } from './head.js';
import { NO_CHUNK } from './head_chunks.js';
import { F_LIVE, NO_SLOT } from './head_series.js';
import { postingsForMatchers, type RefList } from './postings.js';
import { dropDeleted } from './tombstones.js';
import type { Querier, SeriesSamples } from './types.js';

/** A querier over [mint, maxt] (ms, inclusive) of a {@link Head}. */
export class HeadQuerier implements Querier {
  private readonly it = new XorIterator();
  /** Decoding scratch of {@link readSamples}: timestamps, values, and the values' 32-bit words. */
  private scratchTs = new Float64Array(512);
  private scratchVs = new Float64Array(512);
  private scratchBits = new Uint32Array(this.scratchVs.buffer);

  constructor(
    private readonly head: Head,
    private readonly mint: number,
    private readonly maxt: number,
  ) {}

  /** See {@link Querier.select}; the range is intersected with the querier's. */
  select(matchers: readonly Matcher[], mint: number, maxt: number): SeriesSamples[] {
    const lo = Math.max(mint, this.mint);
    const hi = Math.min(maxt, this.maxt);
    if (!this.overlapsHead(lo, hi)) return [];
    const out: SeriesSamples[] = [];
    for (const ref of this.matching(matchers)) {
      const s = this.readSamples(ref, lo, hi);
      if (s !== null) out.push(s);
    }
    return out.sort((a, b) => compare(a.labels, b.labels));
  }

  /**
   * See {@link Querier.series}. As upstream, a series qualifies when one of its chunks overlaps the
   * range (chunks are not decoded, except for series with deleted intervals: those qualify when a
   * sample in the range survives the deletion).
   */
  series(matchers: readonly Matcher[], mint: number, maxt: number): Labels[] {
    const lo = Math.max(mint, this.mint);
    const hi = Math.min(maxt, this.maxt);
    if (!this.overlapsHead(lo, hi)) return [];
    const out: Labels[] = [];
    const stones = this.head.tombstones;
    for (const ref of this.matching(matchers)) {
      if (!this.overlaps(ref, lo, hi)) continue;
      if (stones.size > 0 && stones.get(ref) !== undefined && this.readSamples(ref, lo, hi) === null) continue;
      out.push(this.head.cols.labels(ref));
    }
    return out.sort(compare);
  }

  /** See {@link Querier.labelNames}. Empty when the head holds no data in the querier's range. */
  labelNames(matchers: readonly Matcher[]): string[] {
    if (!this.overlapsHead(this.mint, this.maxt)) return [];
    if (matchers.length === 0) return [...this.head.postings.names()].sort(compareStrings);
    const names = new Set<string>();
    const add = (name: string): void => void names.add(name);
    for (const ref of this.matching(matchers)) this.head.cols.forEachLabelName(ref, add);
    return [...names].sort(compareStrings);
  }

  /** See {@link Querier.labelValues}. Empty when the head holds no data in the querier's range. */
  labelValues(name: string, matchers: readonly Matcher[]): string[] {
    if (!this.overlapsHead(this.mint, this.maxt)) return [];
    if (matchers.length === 0) {
      const values = this.head.postings.values(name);
      return values ? [...values.keys()].sort(compareStrings) : [];
    }
    const values = new Set<string>();
    for (const ref of this.matching(matchers)) {
      const v = this.head.cols.labelValue(ref, name);
      if (v !== undefined) values.add(v);
    }
    return [...values].sort(compareStrings);
  }

  private overlapsHead(lo: number, hi: number): boolean {
    return lo <= hi && this.head.numSeries() > 0 && this.head.maxTime() >= lo && this.head.minTime() <= hi;
  }

  /** @internal Refs of live series matching all matchers, ascending. */
  matching(matchers: readonly Matcher[]): RefList {
    const head = this.head;
    return postingsForMatchers(head.postings, matchers, () => {
      const all: number[] = [];
      const flags = head.cols.flags;
      for (let ref = 1; ref < head.refLimit(); ref++) if ((flags[ref]! & F_LIVE) !== 0) all.push(ref);
      return all;
    });
  }

  /** Whether a chunk of series `ref` overlaps [lo, hi] (ms, inclusive); used by block writing too. */
  overlaps(ref: number, lo: number, hi: number): boolean {
    const c = this.head.cols;
    const ch = this.head.chunks;
    for (let id = c.firstChunk[ref]!; id !== NO_CHUNK; id = ch.next[id]!) {
      if (ch.minT[id]! > hi) return false;
      if (ch.maxT[id]! >= lo) return true;
    }
    return c.openSlot[ref] !== NO_SLOT && c.openMinT[ref]! <= hi && c.xor.t[ref]! >= lo;
  }

  /**
   * Samples of series `ref` in [lo, hi] (ms, inclusive) outside its deleted intervals (see
   * `Head.delete`), or null when there are none; the head's reading primitive, also used to write
   * blocks. Not limited to the querier's range.
   * @throws {ChunkReadError} when a completed chunk cannot be read back from its file.
   */
  readSamples(ref: number, lo: number, hi: number): SeriesSamples | null {
    const head = this.head;
    const c = head.cols;
    const ch = head.chunks;
    let bound = 0;
    for (let id = c.firstChunk[ref]!; id !== NO_CHUNK; id = ch.next[id]!) {
      if (ch.minT[id]! > hi) break;
      if (ch.maxT[id]! >= lo) bound += ch.samples[id]!;
    }
    const slot = c.openSlot[ref]!;
    const openHit = slot !== NO_SLOT && c.openMinT[ref]! <= hi && c.xor.t[ref]! >= lo;
    if (openHit) bound += c.xor.count[ref]!;
    if (bound === 0) return null;
    // Whole chunks are decoded into reused scratch arrays; the range's samples are then copied out.
    this.reserve(bound);
    const ts = this.scratchTs;
    const vbits = this.scratchBits;
    const it = this.it;
    let n = 0;
    for (let id = c.firstChunk[ref]!; id !== NO_CHUNK; id = ch.next[id]!) {
      if (ch.minT[id]! > hi) break;
      if (ch.maxT[id]! < lo) continue;
      const bytes = head.store.read(ch.addr[id]!, ch.len[id]!);
      it.reset(bytes, 0, bytes.length);
      n = it.decodeRange(lo, hi, ts, vbits, n, HI);
    }
    if (openHit) {
      const off = head.slots.offset(slot);
      it.reset(head.slots.buf(slot), off, off + ((c.openBits[ref]! + 7) >>> 3) + c.xor.tail[ref]!);
      n = it.decodeRange(lo, hi, ts, vbits, n, HI);
    }
    if (n === 0) return null;
    // slice() copies bytes, so NaN payloads (staleness markers) survive.
    const outTs = ts.slice(0, n);
    const outVs = this.scratchVs.slice(0, n);
    const ivs = head.tombstones.size > 0 ? head.tombstones.get(ref) : undefined;
    if (ivs !== undefined) return dropDeleted({ labels: c.labels(ref), ts: outTs, vs: outVs, count: n }, ivs);
    return { labels: c.labels(ref), ts: outTs, vs: outVs, count: n };
  }

  /** Grows the scratch arrays of {@link readSamples} to hold `need` samples (contents dropped). */
  private reserve(need: number): void {
    if (need <= this.scratchTs.length) return;
    const size = Math.max(need, this.scratchTs.length * 2);
    this.scratchTs = new Float64Array(size);
    this.scratchVs = new Float64Array(size);
    this.scratchBits = new Uint32Array(this.scratchVs.buffer);
  }
}
