/**
 * The per-target scrape cache, as Prometheus's `scrapeCache`: maps the raw text of a series line
 * (metric name + labels as sent) to its storage ref, so a known series costs
 * one `Map` lookup; remembers series dropped by metric relabeling; tracks which series were seen
 * in the previous and current scrape for staleness markers; holds the metric metadata (TYPE, HELP,
 * UNIT) seen on the target.
 */
import type { ExpositionFormat, MetricType } from '../exposition/index.js';
import type { SeriesRef } from '../tsdb/types.js';

/** One cached series. Mutable: the ref changes when the storage recreates the series. */
export interface CacheEntry {
  /** The series text (`seriesKey()`) this entry is cached under. */
  readonly key: string;
  ref: SeriesRef;
  /** Scrape iteration the series was last seen in. */
  lastIter: number;
  /** Scrape iteration the series was last tracked for staleness in (-1 never). */
  trackedIter: number;
}

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

/** Scrape cache of one target. Not shared between targets. */
export class ScrapeCache {
  /** Current scrape iteration. */
  iter = 0;
  private successfulCount = 0;
  private readonly series = new Map<string, CacheEntry>();
  private readonly dropped = new Map<string, number>();
  /** Entries tracked for staleness in the current / previous iteration (arrays reused across scrapes). */
  private cur: CacheEntry[] = [];
  private prev: CacheEntry[] = [];
  /** Entries of `prev` tracked again in this iteration (all of them: no staleness markers due). */
  private prevTracked = 0;
  /** Entries of `series` seen in this iteration (all of them: nothing to forget at its end). */
  private seenNow = 0;
  private readonly metadata = new Map<string, MetadataEntry>();
  /**
   * What the n-th series line of the last successful scrape was (entry, or its text when it was
   * dropped), and the same for the scrape in progress. Targets expose series in a stable order,
   * so comparing the text with the same position of the last scrape usually finds the entry
   * without hashing the freshly sliced string for a Map lookup.
   */
  private order: (CacheEntry | string)[] = [];
  private nextOrder: (CacheEntry | string)[] = [];

  /**
   * Format of the last successful scrape's body, whose series texts {@link keyAt} returns (set by
   * the scrape append); null before the first one.
   */
  keyFormat: ExpositionFormat | null = null;

  /** Called when a forced flush happens (for `prometheus_target_scrapes_cache_flush_forced_total`). */
  constructor(private readonly onForcedFlush: () => void = () => {}) {}

  /**
   * The entry for the series text of the `pos`-th series line of this scrape (0-based), or
   * undefined. Records the position for the next scrape when found. Does not mark it seen.
   */
  get(key: string, pos: number): CacheEntry | undefined {
    const c = this.order[pos];
    const e = c !== undefined && typeof c !== 'string' && c.key === key ? c : this.series.get(key);
    if (e !== undefined) this.nextOrder[pos] = e;
    return e;
  }

  /**
   * The series text of the `pos`-th series line (0-based) of the last successful scrape — cached
   * or dropped — or undefined: the likely text of the same line now (a parser key hint).
   */
  keyAt(pos: number): string | undefined {
    const c = this.order[pos];
    return c === undefined || typeof c === 'string' ? c : c.key;
  }

  /**
   * Adds a series seen (and stored) for the first time, at series line `pos`. Unlike upstream's
   * cache entry it keeps no label set (the storage has it; the scrape loop rebuilds it from the
   * line in the rare case the storage forgot the ref).
   */
  add(key: string, ref: SeriesRef, pos: number): CacheEntry {
    const e: CacheEntry = { key, ref, lastIter: this.iter, trackedIter: -1 };
    this.series.set(key, e);
    this.seenNow++;
    this.nextOrder[pos] = e;
    return e;
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

  /** Marks a cached entry as seen in this scrape (kept at its end); it must not be seen yet. */
  markSeen(e: CacheEntry): void {
    e.lastIter = this.iter;
    this.seenNow++;
  }

  /** Marks the entry as exposed in this scrape, so it gets no staleness marker. */
  track(e: CacheEntry): void {
    if (e.trackedIter === this.iter) return;
    if (e.trackedIter === this.iter - 1) this.prevTracked++;
    e.trackedIter = this.iter;
    this.cur.push(e);
  }

  /**
   * Calls `f` for each series tracked in the previous iteration but not in this one, i.e. that
   * needs a staleness marker. A series whose ref is also tracked now under another text is skipped.
   */
  forEachStale(f: (e: CacheEntry) => void): void {
    if (this.prevTracked === this.prev.length) return;
    let curRefs: Set<SeriesRef> | null = null;
    for (const e of this.prev) {
      if (e.trackedIter === this.iter) continue;
      curRefs ??= new Set(this.cur.map((c) => c.ref));
      if (!curRefs.has(e.ref)) f(e);
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
      if (this.seenNow !== this.series.size) for (const [k, e] of this.series) if (e.lastIter !== this.iter) this.series.delete(k);
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
