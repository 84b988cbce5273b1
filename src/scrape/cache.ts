/**
 * The per-target scrape cache, as Prometheus's `scrapeCache`: maps the raw text of a series line
 * (metric name + labels as sent, kept as bytes) to its storage ref, so a known series costs one
 * comparison with the same line of the last scrape, or one table lookup; remembers series dropped
 * by metric relabeling; tracks which series were seen in the previous and current scrape for
 * staleness markers; holds the metric metadata (TYPE, HELP, UNIT) seen on the target.
 */
import type { ExpositionFormat, MetricType } from '../exposition/index.js';
import type { SeriesRef } from '../tsdb/types.js';
import { type Column, growColumn } from '../tsdb/columns.js';

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
/** Initial bytes of a target's text arena (it grows by half when full). */
const ARENA_INITIAL_BYTES = 4096;
/** Initial slot count of the text → entry table (a power of two). */
const TABLE_INITIAL_SLOTS = 128;
/** Maximum share of used table slots before it doubles: linear probing stays short below ~0.7. */
const TABLE_MAX_LOAD = 0.7;

/** Entry state: free slot. */
const FREE = 0;
/** Entry state: a stored series. */
const SERIES = 1;
/** Entry state: a series metric relabeling dropped (kept so it is not relabeled again). */
const DROPPED = 2;

/**
 * Scrape cache of one target. Not shared between targets.
 *
 * A cached series text is an entry slot: the text's bytes, its storage ref (or a mark that metric
 * relabeling dropped it), and the scrape iterations it was last seen and last tracked for
 * staleness in, kept in columns (typed arrays) rather than one object per series, which saves the
 * garbage collector the work of tracing a million small objects. The texts' bytes live in one
 * byte arena per target, not as JS strings: a string costs a 16-byte header, 8-byte alignment and
 * an 8-byte pointer on top of its characters, all in the V8 heap. A slot is freed when its series
 * is forgotten and reused by a later one. Texts find their slot through an open-addressing table
 * of slot numbers (4 bytes a table slot) keyed by a hash of the bytes; the per-line order of the
 * last scrape is an `Int32Array`. Which slots were tracked in the previous and current scrape is
 * read from the tracked-iteration column (a scan of the slots, only in a scrape where some series
 * disappeared), not kept in lists. After a scrape that grew the cache, the columns and the arena
 * are cut down to what the series need plus 1/16, so growth leaves no lasting slack.
 * Measured in process at 1M series (100 targets × 10,000, ~57-byte texts): 134 → 107 bytes per
 * series, the text included, and none of it in the V8 heap (it held ~78 MiB of strings).
 */
export class ScrapeCache {
  /** Current scrape iteration. */
  iter = 0;
  private successfulCount = 0;
  /** Number of cached texts (series and dropped ones). */
  private size = 0;
  /** Text → entry table: entry slot + 1 per table slot (0: empty), linear probing. */
  private table = new Int32Array(TABLE_INITIAL_SLOTS);
  private mask = TABLE_INITIAL_SLOTS - 1;
  /** Slots ever used (the columns' used length; free ones among them are in `freeSlots`). */
  private top = 0;
  /**
   * Per entry slot: state (FREE, SERIES, DROPPED), the text's bytes `arena[keyOff, keyOff + keyLen)`,
   * its {@link hashBytes}, storage ref, last seen and last tracked iteration (-1 never).
   */
  private state = new Uint8Array(INITIAL_SLOTS);
  private keyOff = new Uint32Array(INITIAL_SLOTS);
  private keyLen = new Uint32Array(INITIAL_SLOTS);
  private hashes = new Int32Array(INITIAL_SLOTS);
  private refs = new Float64Array(INITIAL_SLOTS);
  private lastIters = new Int32Array(INITIAL_SLOTS);
  private trackedIters = new Int32Array(INITIAL_SLOTS);
  private readonly freeSlots: number[] = [];
  /** The text bytes of all entries; `[0, arenaTop)` is used, `arenaGarbage` of it by freed entries. */
  private arena = new Uint8Array(ARENA_INITIAL_BYTES);
  private arenaTop = 0;
  private arenaGarbage = 0;
  /** Whether the columns or the arena grew in this iteration (they are trimmed at its end). */
  private grew = false;
  /** Number of slots tracked in the current / previous iteration. */
  private curTracked = 0;
  private prevCount = 0;
  /** Slots tracked in the previous iteration that were tracked again in this one. */
  private prevTracked = 0;
  /** Cached texts seen in this iteration (all of them: nothing to forget at its end). */
  private seenNow = 0;
  private readonly metadata = new Map<string, MetadataEntry>();
  /**
   * What the n-th series line of the last successful scrape was (entry slot, or {@link NO_ENTRY}),
   * and the same for the scrape in progress. Targets expose series in a stable order, so comparing
   * the line with the same position of the last scrape usually finds the entry without hashing.
   */
  private order = new SlotList();
  private nextOrder = new SlotList();

  /**
   * Format of the last successful scrape's body, whose series texts {@link hintAt} offers (set by
   * the scrape append); null before the first one.
   */
  keyFormat: ExpositionFormat | null = null;

  /** Called when a forced flush happens (for `prometheus_target_scrapes_cache_flush_forced_total`). */
  constructor(private readonly onForcedFlush: () => void = () => {}) {}

  /**
   * The entry slot of the series text `src[start, end)` (the bytes of the `pos`-th series line of
   * this scrape, 0-based), or {@link NO_ENTRY}. Records the position for the next scrape when found.
   * Does not mark it seen.
   */
  get(src: Uint8Array, start: number, end: number, pos: number): number {
    const c = pos < this.order.length ? this.order.items[pos]! : NO_ENTRY;
    const e = c !== NO_ENTRY && this.keyEquals(c, src, start, end) ? c : this.lookup(src, start, end, hashBytes(src, start, end));
    if (e !== NO_ENTRY) this.nextOrder.set(pos, e);
    return e;
  }

  /**
   * The entry of the `pos`-th series line (0-based) of the last successful scrape — series or
   * dropped — or {@link NO_ENTRY}: the likely entry of the same line now. Its text's bytes are
   * {@link keyBytes}`[`{@link keyStart}`, `{@link keyEnd}`)` (a parser key hint).
   */
  hintAt(pos: number): number {
    return pos < this.order.length ? this.order.items[pos]! : NO_ENTRY;
  }

  /**
   * Records that the `pos`-th series line of this scrape has the text of entry `e` (a
   * {@link hintAt} entry whose bytes the parser matched); returns `e`.
   */
  hit(e: number, pos: number): number {
    this.nextOrder.set(pos, e);
    return e;
  }

  /** The byte arena holding the entries' texts (valid until the next {@link add} or {@link addDropped}). */
  get keyBytes(): Uint8Array {
    return this.arena;
  }

  /** Start of entry `e`'s text in {@link keyBytes}. */
  keyStart(e: number): number {
    return this.keyOff[e]!;
  }

  /** End (exclusive) of entry `e`'s text in {@link keyBytes}. */
  keyEnd(e: number): number {
    return this.keyOff[e]! + this.keyLen[e]!;
  }

  /**
   * Adds the series text `src[start, end)`, seen (and stored) for the first time at series line
   * `pos`; returns its entry slot. Unlike upstream's cache entry it keeps no label set (the storage
   * has it; the scrape loop rebuilds it from the line in the rare case the storage forgot the ref).
   */
  add(src: Uint8Array, start: number, end: number, ref: SeriesRef, pos: number): number {
    const e = this.newEntry(src, start, end, SERIES);
    this.refs[e] = ref;
    this.trackedIters[e] = -1;
    this.nextOrder.set(pos, e);
    return e;
  }

  /** Remembers the series text `src[start, end)` at series line `pos` as dropped by metric relabeling. */
  addDropped(src: Uint8Array, start: number, end: number, pos: number): void {
    const e = this.newEntry(src, start, end, DROPPED);
    this.refs[e] = 0;
    this.trackedIters[e] = -1;
    this.nextOrder.set(pos, e);
  }

  /** Whether entry `e` is a series metric relabeling dropped (it has no ref and is never tracked). */
  isDropped(e: number): boolean {
    return this.state[e] === DROPPED;
  }

  /** A slot holding a copy of `src[start, end)` in state `st`, seen now and entered in the table. */
  private newEntry(src: Uint8Array, start: number, end: number, st: number): number {
    let e = this.freeSlots.pop();
    if (e === undefined) {
      e = this.top++;
      if (e === this.refs.length) this.resize(e + (e >> 1));
    }
    const len = end - start;
    const off = this.allocKey(len);
    this.arena.set(src.subarray(start, end), off);
    const h = hashBytes(src, start, end);
    this.state[e] = st;
    this.keyOff[e] = off;
    this.keyLen[e] = len;
    this.hashes[e] = h;
    this.lastIters[e] = this.iter;
    if (this.size + 1 > TABLE_MAX_LOAD * (this.mask + 1)) this.growTable();
    this.put(h, e);
    this.size++;
    this.seenNow++;
    return e;
  }

  /** Whether entry `e`'s text is exactly `src[start, end)`. */
  private keyEquals(e: number, src: Uint8Array, start: number, end: number): boolean {
    const len = end - start;
    if (this.keyLen[e] !== len) return false;
    const a = this.arena;
    const off = this.keyOff[e]!;
    for (let k = 0; k < len; k++) if (a[off + k] !== src[start + k]) return false;
    return true;
  }

  /** The entry slot of text `src[start, end)` (whose {@link hashBytes} is `h`), or {@link NO_ENTRY}. */
  private lookup(src: Uint8Array, start: number, end: number, h: number): number {
    const t = this.table;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const v = t[i]!;
      if (v === 0) return NO_ENTRY;
      if (this.hashes[v - 1] === h && this.keyEquals(v - 1, src, start, end)) return v - 1;
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

  /** Reallocates the entry columns to `n` slots (at least {@link top}). */
  private resize(n: number): void {
    this.state = resizeColumn(this.state, n, this.top);
    this.keyOff = resizeColumn(this.keyOff, n, this.top);
    this.keyLen = resizeColumn(this.keyLen, n, this.top);
    this.hashes = resizeColumn(this.hashes, n, this.top);
    this.refs = resizeColumn(this.refs, n, this.top);
    this.lastIters = resizeColumn(this.lastIters, n, this.top);
    this.trackedIters = resizeColumn(this.trackedIters, n, this.top);
    this.grew = true;
  }

  /** Reserves `len` bytes of the arena (compacting or growing it by half first when full); returns the offset. */
  private allocKey(len: number): number {
    if (this.arenaTop + len > this.arena.length) {
      const live = this.arenaTop - this.arenaGarbage;
      let n = this.arena.length;
      while (live + len > n - (n >> 3)) n += n >> 1;
      this.repack(n);
      this.grew = true;
    }
    const off = this.arenaTop;
    this.arenaTop += len;
    return off;
  }

  /** Copies the live entries' texts into a new arena of `n` bytes, dropping freed ones' bytes. */
  private repack(n: number): void {
    const old = this.arena;
    const a = new Uint8Array(n);
    let top = 0;
    for (let e = 0; e < this.top; e++) {
      if (this.state[e] === FREE) continue;
      const off = this.keyOff[e]!;
      const len = this.keyLen[e]!;
      a.set(old.subarray(off, off + len), top);
      this.keyOff[e] = top;
      top += len;
    }
    this.arena = a;
    this.arenaTop = top;
    this.arenaGarbage = 0;
  }

  /**
   * After an iteration that grew the cache: cuts the columns and the arena down to what is used
   * plus 1/16 (growth by half left up to a third unused), so a target of
   * 10,000 series holds ~10,700 slots, not 12,442.
   */
  private trim(): void {
    const slots = room(this.top);
    if (slots < this.refs.length) this.resize(slots);
    const bytes = room(this.arenaTop - this.arenaGarbage);
    if (bytes < this.arena.length) this.repack(bytes);
    this.grew = false;
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

  /** Marks entry `e` as seen in this scrape (kept at its end); it must not be seen yet. */
  markSeen(e: number): void {
    this.lastIters[e] = this.iter;
    this.seenNow++;
  }

  /** Marks series entry `e` as exposed in this scrape, so it gets no staleness marker. */
  track(e: number): void {
    const it = this.trackedIters[e]!;
    if (it === this.iter) return;
    if (it === this.iter - 1) this.prevTracked++;
    this.trackedIters[e] = this.iter;
    this.curTracked++;
  }

  /**
   * Calls `f` with the ref of each series tracked in the previous iteration but not in this one,
   * i.e. that needs a staleness marker, in slot order. A series whose ref is also tracked now under
   * another text is skipped.
   */
  forEachStale(f: (ref: SeriesRef) => void): void {
    if (this.prevTracked === this.prevCount) return;
    const prevIter = this.iter - 1;
    const tracked = this.trackedIters;
    const curRefs = new Set<SeriesRef>();
    for (let e = 0; e < this.top; e++) if (tracked[e] === this.iter) curRefs.add(this.refs[e]!);
    for (let e = 0; e < this.top; e++) {
      if (tracked[e] === prevIter && this.state[e] === SERIES && !curRefs.has(this.refs[e]!)) f(this.refs[e]!);
    }
  }

  /**
   * Ends a scrape iteration. After a successful, non-empty scrape (`success`), entries not seen
   * in it are forgotten; after failed ones the cache is only flushed when it grew past twice its
   * last good size + 1000 (upstream's heuristic against unbounded growth).
   */
  iterDone(success: boolean): void {
    const count = this.size + this.metadata.size;
    let flush = success;
    if (success) this.successfulCount = count;
    else if (count > this.successfulCount * 2 + FORCED_FLUSH_SLACK) {
      flush = true;
      this.onForcedFlush();
    }
    if (flush) {
      // Slots freed here were not tracked now, so they are not the next iteration's previous ones.
      if (this.seenNow !== this.size) {
        for (let e = 0; e < this.top; e++) {
          if (this.state[e] === FREE || this.lastIters[e] === this.iter) continue;
          this.unlink(e);
          this.state[e] = FREE;
          this.trackedIters[e] = -1;
          this.arenaGarbage += this.keyLen[e]!;
          this.freeSlots.push(e);
        }
      }
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
    if (success) {
      // Both lists will hold about this many lines.
      this.order.fit(this.order.length);
      this.nextOrder.fit(this.order.length);
      if (this.grew) this.trim();
    }
    this.prevCount = this.curTracked;
    this.curTracked = 0;
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

  /**
   * Makes the room `n` items plus 1/16 when it is less than `n` or more than that (the list is
   * cut to `n` items if longer), so a list that grew by half keeps no lasting slack.
   */
  fit(n: number): void {
    const want = room(n);
    if (this.items.length >= n && this.items.length <= want) return;
    if (this.length > n) this.length = n;
    this.items = resizeColumn(this.items, want, this.length);
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

/** Room for `n` items after a trim: `n` plus 1/16, plus a little for small counts. */
function room(n: number): number {
  return n + (n >> 4) + 16;
}

/** A copy of column `a` with `n` entries, keeping the first `used` (`used <= n`). */
function resizeColumn<T extends Column>(a: T, n: number, used: number): T {
  const b = new (a.constructor as new (length: number) => T)(n);
  b.set(a.subarray(0, used) as T);
  return b;
}

/**
 * FNV-1a-style hash of the bytes `src[start, end)`, four bytes a step (a quarter of the
 * multiplications of FNV-1a on this path of every line whose position changed), folded to 31 bits
 * (a V8 small integer).
 */
function hashBytes(src: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5 ^ (end - start);
  let i = start;
  for (; i + 3 < end; i += 4) h = Math.imul(h ^ (src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24)), 0x01000193);
  for (; i < end; i++) h = Math.imul(h ^ src[i]!, 0x01000193);
  return (h ^ (h >>> 15)) >>> 1;
}
