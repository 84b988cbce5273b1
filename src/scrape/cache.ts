/**
 * The per-target scrape cache, as Prometheus's `scrapeCache`: maps the raw text of a series line
 * (metric name + labels as sent) to its storage ref, so a known series costs
 * one `Map` lookup; remembers series dropped by metric relabeling; tracks which series were seen
 * in the previous and current scrape for staleness markers; holds the metric metadata (TYPE, HELP,
 * UNIT) seen on the target.
 */
import type { ExpositionFormat, MetricType } from '../exposition/index.js';
import type { SeriesRef } from '../tsdb/types.js';
import { growColumn } from '../tsdb/columns.js';

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
/** Entry slots allocated at first (the columns grow by half when full). */
const INITIAL_SLOTS = 64;
/** Initial slot count of the text → entry table (a power of two). */
const TABLE_INITIAL_SLOTS = 128;
/** Maximum share of used table slots before it doubles: linear probing stays short below ~0.7. */
const TABLE_MAX_LOAD = 0.7;

/**
 * Scrape cache of one target. Not shared between targets.
 *
 * A cached series is an entry slot: its text, storage ref, and the scrape iterations it was last
 * seen and last tracked for staleness in, kept in columns (typed arrays) rather than one object per
 * series, which saves the garbage collector the work of tracing a million small objects. A slot
 * is freed when its series is forgotten and reused by a later one. Texts find their slot through
 * an open-addressing table of slot numbers (4 bytes a table slot) keyed by a hash of the text,
 * not a `Map` (~46 bytes an entry at 10,000 entries); the per-line order of the last scrape and
 * the tracked slots are `Int32Array`s, not JS arrays (8 bytes an element, regrown every scrape).
 * Measured in process at 1M series (100 targets × 10,000): 171 → 134 bytes per series, the
 * series text (~80 bytes) included.
 */
export class ScrapeCache {
  /** Current scrape iteration. */
  iter = 0;
  private successfulCount = 0;
  /** Number of cached series. */
  private size = 0;
  /** Text → entry table: entry slot + 1 per table slot (0: empty), linear probing. */
  private table = new Int32Array(TABLE_INITIAL_SLOTS);
  private mask = TABLE_INITIAL_SLOTS - 1;
  private readonly dropped = new Map<string, number>();
  /**
   * Per entry slot: series text (undefined when free), its {@link hashKey}, storage ref, last seen
   * and last tracked iteration (-1 never).
   */
  private keys: (string | undefined)[] = [];
  private hashes = new Int32Array(INITIAL_SLOTS);
  private refs = new Float64Array(INITIAL_SLOTS);
  private lastIters = new Int32Array(INITIAL_SLOTS);
  private trackedIters = new Int32Array(INITIAL_SLOTS);
  private readonly freeSlots: number[] = [];
  /** Slots tracked for staleness in the current / previous iteration (reused across scrapes). */
  private cur = new SlotList();
  private prev = new SlotList();
  /** Slots of `prev` tracked again in this iteration (all of them: no staleness markers due). */
  private prevTracked = 0;
  /** Cached series seen in this iteration (all of them: nothing to forget at its end). */
  private seenNow = 0;
  private readonly metadata = new Map<string, MetadataEntry>();
  /**
   * What the n-th series line of the last successful scrape was (entry slot, or {@link NO_ENTRY}
   * with its text in `orderDropped` when it was dropped), and the same for the scrape in progress.
   * Targets expose series in a stable order, so comparing the text with the same position of the
   * last scrape usually finds the entry without hashing the freshly sliced string.
   */
  private order = new SlotList();
  private nextOrder = new SlotList();
  /** Texts of dropped series by line position, for `order` / `nextOrder` (empty without drops). */
  private orderDropped = new Map<number, string>();
  private nextOrderDropped = new Map<number, string>();

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
    const c = pos < this.order.length ? this.order.items[pos]! : NO_ENTRY;
    const e = c !== NO_ENTRY && this.keys[c] === key ? c : this.lookup(key, hashKey(key));
    if (e !== NO_ENTRY) this.nextOrder.set(pos, e);
    return e;
  }

  /**
   * The series text of the `pos`-th series line (0-based) of the last successful scrape — cached
   * or dropped — or undefined: the likely text of the same line now (a parser key hint).
   */
  keyAt(pos: number): string | undefined {
    const c = pos < this.order.length ? this.order.items[pos]! : NO_ENTRY;
    if (c !== NO_ENTRY) return this.keys[c];
    return this.orderDropped.size === 0 ? undefined : this.orderDropped.get(pos);
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
    const h = hashKey(key);
    this.keys[e] = key;
    this.hashes[e] = h;
    this.refs[e] = ref;
    this.lastIters[e] = this.iter;
    this.trackedIters[e] = -1;
    if (this.size + 1 > TABLE_MAX_LOAD * (this.mask + 1)) this.growTable();
    this.put(h, e);
    this.size++;
    this.seenNow++;
    this.nextOrder.set(pos, e);
    return e;
  }

  /** The entry slot of text `key` (whose {@link hashKey} is `h`), or {@link NO_ENTRY}. */
  private lookup(key: string, h: number): number {
    const t = this.table;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const v = t[i]!;
      if (v === 0) return NO_ENTRY;
      if (this.hashes[v - 1] === h && this.keys[v - 1] === key) return v - 1;
    }
  }

  private put(h: number, e: number): void {
    const t = this.table;
    let i = h & this.mask;
    while (t[i] !== 0) i = (i + 1) & this.mask;
    t[i] = e + 1;
  }

  /** Removes entry `e` from the table (backward-shift deletion: no tombstones). */
  private unlink(e: number): void {
    const t = this.table;
    const mask = this.mask;
    let i = this.hashes[e]! & mask;
    while (t[i] !== e + 1) i = (i + 1) & mask;
    // Move later entries of the probe run into the hole when their home slot does not lie after it.
    for (let j = (i + 1) & mask; t[j] !== 0; j = (j + 1) & mask) {
      const home = this.hashes[t[j]! - 1]! & mask;
      if (((j - home) & mask) >= ((j - i) & mask)) {
        t[i] = t[j]!;
        i = j;
      }
    }
    t[i] = 0;
    this.size--;
  }

  private growTable(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2);
    this.mask = this.table.length - 1;
    for (let i = 0; i < old.length; i++) if (old[i] !== 0) this.put(this.hashes[old[i]! - 1]!, old[i]! - 1);
  }

  /** Grows the entry columns by half (doubling left a target of 10,000 series ~40 % unused). */
  private grow(): void {
    const n = this.refs.length + (this.refs.length >> 1);
    this.hashes = growColumn(this.hashes, n);
    this.refs = growColumn(this.refs, n);
    this.lastIters = growColumn(this.lastIters, n);
    this.trackedIters = growColumn(this.trackedIters, n);
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
    if ((this.orderDropped.size === 0 || this.orderDropped.get(pos) !== key) && !this.dropped.has(key)) return false;
    this.addDropped(key, pos);
    return true;
  }

  /** Remembers a series dropped by metric relabeling, at series line `pos`. */
  addDropped(key: string, pos: number): void {
    this.dropped.set(key, this.iter);
    this.nextOrder.set(pos, NO_ENTRY);
    this.nextOrderDropped.set(pos, key);
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
    const prev = this.prev;
    if (this.prevTracked === prev.length) return;
    let curRefs: Set<SeriesRef> | null = null;
    for (let i = 0; i < prev.length; i++) {
      const e = prev.items[i]!;
      if (this.trackedIters[e] === this.iter) continue;
      if (curRefs === null) {
        curRefs = new Set();
        for (let j = 0; j < this.cur.length; j++) curRefs.add(this.refs[this.cur.items[j]!]!);
      }
      if (!curRefs.has(this.refs[e]!)) f(this.refs[e]!);
    }
  }

  /**
   * Ends a scrape iteration. After a successful, non-empty scrape (`success`), entries not seen
   * in it are forgotten; after failed ones the cache is only flushed when it grew past twice its
   * last good size + 1000 (upstream's heuristic against unbounded growth).
   */
  iterDone(success: boolean): void {
    const count = this.size + this.dropped.size + this.metadata.size;
    let flush = success;
    if (success) this.successfulCount = count;
    else if (count > this.successfulCount * 2 + FORCED_FLUSH_SLACK) {
      flush = true;
      this.onForcedFlush();
    }
    if (flush) {
      // Slots freed here are never in `cur`, the next `prev`: those were tracked, so seen, now.
      if (this.seenNow !== this.size) {
        for (let e = 0; e < this.keys.length; e++) {
          if (this.keys[e] === undefined || this.lastIters[e] === this.iter) continue;
          this.unlink(e);
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
      const d = this.orderDropped;
      this.orderDropped = this.nextOrderDropped;
      this.nextOrderDropped = d;
    } else if (flush) {
      // Forced flush after failures: positions may point at forgotten entries.
      this.order.length = 0;
      this.orderDropped.clear();
    }
    this.nextOrder.length = 0;
    this.nextOrderDropped.clear();
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

/**
 * A growable list of entry slots in an `Int32Array` (kept across scrapes: its room is reused, not
 * reallocated as a JS array's is when emptied).
 */
class SlotList {
  items = new Int32Array(INITIAL_SLOTS);
  length = 0;

  push(e: number): void {
    if (this.length === this.items.length) this.items = growColumn(this.items, this.items.length + (this.items.length >> 1));
    this.items[this.length++] = e;
  }

  /** Sets position `pos` to `e`; positions skipped since the end become {@link NO_ENTRY}. */
  set(pos: number, e: number): void {
    if (pos >= this.items.length) {
      let n = this.items.length + (this.items.length >> 1);
      while (n <= pos) n += n >> 1;
      this.items = growColumn(this.items, n);
    }
    if (pos > this.length) this.items.fill(NO_ENTRY, this.length, pos);
    this.items[pos] = e;
    if (pos >= this.length) this.length = pos + 1;
  }
}

/**
 * FNV-1a-style hash of the text, two UTF-16 code units a step (half the multiplications of
 * FNV-1a on this path of every line whose position changed), folded to 31 bits (a V8 small integer).
 */
function hashKey(s: string): number {
  let h = 0x811c9dc5 ^ s.length;
  const n = s.length - 1;
  let i = 0;
  for (; i < n; i += 2) h = Math.imul(h ^ (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16)), 0x01000193);
  if (i === n) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h ^ (h >>> 15)) >>> 1;
}
