/**
 * The per-target scrape cache, as Prometheus's `scrapeCache`: maps the raw text of a series line
 * (metric name + labels as sent) to its storage ref, so a known series costs
 * one `Map` lookup; remembers series dropped by metric relabeling; tracks which series were seen
 * in the previous and current scrape for staleness markers; holds the metric metadata (TYPE, HELP,
 * UNIT) seen on the target.
 */
import type { ExpositionFormat, MetricType } from '../exposition/index.js';
import type { SeriesRef } from '../tsdb/types.js';

/** What {@link ScrapeCache.get} returns when the series text is not cached. */
export const NO_ENTRY = -1;

/** Metadata of one metric family on a target. */
export interface MetadataEntry {
  type: MetricType;
  help: string;
  unit: string;
  lastIter: number;
}

/** Metadata as listed by the API. */
export interface MetricMetadata {
  metric: string;
  type: MetricType;
  help: string;
  unit: string;
}

/** How many scrapes metadata of a family that disappeared is kept (upstream: 10). */
const METADATA_KEEP_ITERATIONS = 10;
/** Slack before a forced flush while scrapes fail (upstream: twice the last good size + 1000). */
const FORCED_FLUSH_SLACK = 1000;
/** Entry slots allocated at first (the columns double when full). */
const INITIAL_SLOTS = 64;

/**
 * Scrape cache of one target. Not shared between targets.
 *
 * A cached series is an entry slot: its text, storage ref, and the scrape iterations it was last
 * seen and last tracked for staleness in, kept in columns (typed arrays) rather than one object per
 * series, which saves about 50 bytes per series and the garbage collector's work of tracing a
 * million small objects. A slot is freed when its series is forgotten and reused by a later one.
 */
export class ScrapeCache {
  /** Current scrape iteration. */
  iter = 0;
  private successfulCount = 0;
  /** Entry slot of each cached series text. */
  private readonly series = new Map<string, number>();
  private readonly dropped = new Map<string, number>();
  /** Per entry slot: series text (undefined when free), storage ref, last seen and last tracked iteration (-1 never). */
  private keys: (string | undefined)[] = [];
  private refs = new Float64Array(INITIAL_SLOTS);
  private lastIters = new Int32Array(INITIAL_SLOTS);
  private trackedIters = new Int32Array(INITIAL_SLOTS);
  private readonly freeSlots: number[] = [];
  /** Slots tracked for staleness in the current / previous iteration (arrays reused across scrapes). */
  private cur: number[] = [];
  private prev: number[] = [];
  /** Slots of `prev` tracked again in this iteration (all of them: no staleness markers due). */
  private prevTracked = 0;
  /** Slots of `series` seen in this iteration (all of them: nothing to forget at its end). */
  private seenNow = 0;
  private readonly metadata = new Map<string, MetadataEntry>();
  /**
   * What the n-th series line of the last successful scrape was (entry slot, or its text when it
   * was dropped), and the same for the scrape in progress. Targets expose series in a stable
   * order, so comparing the text with the same position of the last scrape usually finds the
   * entry without hashing the freshly sliced string for a Map lookup.
   */
  private order: (number | string)[] = [];
  private nextOrder: (number | string)[] = [];

  /**
   * Format of the last successful scrape's body, whose series texts {@link keyAt} returns (set by
   * the scrape append); null before the first one.
   */
  keyFormat: ExpositionFormat | null = null;

  /** Called when a forced flush happens (for `prometheus_target_scrapes_cache_flush_forced_total`). */
  constructor(private readonly onForcedFlush: () => void = () => {}) {}

  /**
   * The entry slot for the series text of the `pos`-th series line of this scrape (0-based), or
   * {@link NO_ENTRY}. Records the position for the next scrape when found. Does not mark it seen.
   */
  get(key: string, pos: number): number {
    const c = this.order[pos];
    const e = typeof c === 'number' && this.keys[c] === key ? c : (this.series.get(key) ?? NO_ENTRY);
    if (e !== NO_ENTRY) this.nextOrder[pos] = e;
    return e;
  }

  /**
   * The series text of the `pos`-th series line (0-based) of the last successful scrape — cached
   * or dropped — or undefined: the likely text of the same line now (a parser key hint).
   */
  keyAt(pos: number): string | undefined {
    const c = this.order[pos];
    return typeof c === 'number' ? this.keys[c] : c;
  }

  /**
   * Adds a series seen (and stored) for the first time, at series line `pos`; returns its entry
   * slot. Unlike upstream's cache entry it keeps no label set (the storage has it; the scrape loop
   * rebuilds it from the line in the rare case the storage forgot the ref).
   */
  add(key: string, ref: SeriesRef, pos: number): number {
    let e = this.freeSlots.pop();
    if (e === undefined) {
      e = this.keys.length;
      if (e === this.refs.length) this.grow();
    }
    this.keys[e] = key;
    this.refs[e] = ref;
    this.lastIters[e] = this.iter;
    this.trackedIters[e] = -1;
    this.series.set(key, e);
    this.seenNow++;
    this.nextOrder[pos] = e;
    return e;
  }

  private grow(): void {
    const n = this.refs.length * 2;
    const refs = new Float64Array(n);
    refs.set(this.refs);
    this.refs = refs;
    const last = new Int32Array(n);
    last.set(this.lastIters);
    this.lastIters = last;
    const tracked = new Int32Array(n);
    tracked.set(this.trackedIters);
    this.trackedIters = tracked;
  }

  /** The series text of entry `e`. */
  keyOf(e: number): string {
    return this.keys[e]!;
  }

  /** The storage ref of entry `e`. */
  refOf(e: number): SeriesRef {
    return this.refs[e]!;
  }

  /** Sets the storage ref of entry `e` (the storage recreated its series). */
  setRef(e: number, ref: SeriesRef): void {
    this.refs[e] = ref;
  }

  /** Whether entry `e` was seen in this scrape already. */
  seenInThisScrape(e: number): boolean {
    return this.lastIters[e] === this.iter;
  }

  /** Whether `key` (series line `pos`) is a series metric relabeling dropped; marks it seen. */
  isDropped(key: string, pos: number): boolean {
    if (this.order[pos] !== key && !this.dropped.has(key)) return false;
    this.addDropped(key, pos);
    return true;
  }

  /** Remembers a series dropped by metric relabeling, at series line `pos`. */
  addDropped(key: string, pos: number): void {
    this.dropped.set(key, this.iter);
    this.nextOrder[pos] = key;
  }

  /** Marks entry `e` as seen in this scrape (kept at its end); it must not be seen yet. */
  markSeen(e: number): void {
    this.lastIters[e] = this.iter;
    this.seenNow++;
  }

  /** Marks entry `e` as exposed in this scrape, so it gets no staleness marker. */
  track(e: number): void {
    const it = this.trackedIters[e]!;
    if (it === this.iter) return;
    if (it === this.iter - 1) this.prevTracked++;
    this.trackedIters[e] = this.iter;
    this.cur.push(e);
  }

  /**
   * Calls `f` with the ref of each series tracked in the previous iteration but not in this one,
   * i.e. that needs a staleness marker. A series whose ref is also tracked now under another text
   * is skipped.
   */
  forEachStale(f: (ref: SeriesRef) => void): void {
    if (this.prevTracked === this.prev.length) return;
    let curRefs: Set<SeriesRef> | null = null;
    for (const e of this.prev) {
      if (this.trackedIters[e] === this.iter) continue;
      curRefs ??= new Set(this.cur.map((c) => this.refs[c]!));
      if (!curRefs.has(this.refs[e]!)) f(this.refs[e]!);
    }
  }

  /**
   * Ends a scrape iteration. After a successful, non-empty scrape (`success`), entries not seen
   * in it are forgotten; after failed ones the cache is only flushed when it grew past twice its
   * last good size + 1000 (upstream's heuristic against unbounded growth).
   */
  iterDone(success: boolean): void {
    const count = this.series.size + this.dropped.size + this.metadata.size;
    let flush = success;
    if (success) this.successfulCount = count;
    else if (count > this.successfulCount * 2 + FORCED_FLUSH_SLACK) {
      flush = true;
      this.onForcedFlush();
    }
    if (flush) {
      // Slots freed here are never in `cur`, the next `prev`: those were tracked, so seen, now.
      if (this.seenNow !== this.series.size) {
        for (const [k, e] of this.series) {
          if (this.lastIters[e] === this.iter) continue;
          this.series.delete(k);
          this.keys[e] = undefined;
          this.freeSlots.push(e);
        }
      }
      for (const [k, it] of this.dropped) if (it !== this.iter) this.dropped.delete(k);
      for (const [k, m] of this.metadata) if (this.iter - m.lastIter > METADATA_KEEP_ITERATIONS) this.metadata.delete(k);
    }
    if (success) {
      const o = this.order;
      this.order = this.nextOrder;
      this.nextOrder = o;
    } else if (flush) {
      // Forced flush after failures: positions may point at forgotten entries.
      this.order.length = 0;
    }
    this.nextOrder.length = 0;
    const swap = this.prev;
    this.prev = this.cur;
    this.cur = swap;
    this.cur.length = 0;
    this.prevTracked = 0;
    this.seenNow = 0;
    this.iter++;
  }

  private meta(family: string): MetadataEntry {
    let e = this.metadata.get(family);
    if (!e) {
      e = { type: 'unknown', help: '', unit: '', lastIter: this.iter };
      this.metadata.set(family, e);
    }
    e.lastIter = this.iter;
    return e;
  }

  /** Records a `# TYPE` line. */
  setType(family: string, type: MetricType): void {
    this.meta(family).type = type;
  }

  /** Records a `# HELP` line. */
  setHelp(family: string, help: string): void {
    this.meta(family).help = help;
  }

  /** Records a `# UNIT` line. */
  setUnit(family: string, unit: string): void {
    this.meta(family).unit = unit;
  }

  /** All metadata of the target. */
  listMetadata(): MetricMetadata[] {
    return [...this.metadata].map(([metric, m]) => ({ metric, type: m.type, help: m.help, unit: m.unit }));
  }

  /** Metadata of one family, or undefined. */
  getMetadata(metric: string): MetricMetadata | undefined {
    const m = this.metadata.get(metric);
    return m && { metric, type: m.type, help: m.help, unit: m.unit };
  }

  /** Number of metadata entries and their text size in bytes (for the metadata cache gauges). */
  metadataSize(): { entries: number; bytes: number } {
    let bytes = 0;
    for (const m of this.metadata.values()) bytes += m.help.length + m.unit.length + m.type.length;
    return { entries: this.metadata.size, bytes };
  }
}
