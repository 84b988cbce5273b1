/**
 * The in-memory head, as Prometheus's `tsdb.Head`: series by numeric ref, label sets interned (a
 * symbol table and runs of symbol ids, see `head_series.ts`), a postings index, one open Gorilla
 * XOR chunk per series plus its completed chunks.
 *
 * Memory layout (see DESIGN.md, hot-path rules): per-series state lives in typed-array columns
 * indexed by ref ({@link SeriesColumns}), open chunks in size-class slabs ({@link OpenChunkSlots}),
 * completed chunks in a {@link ChunkStore} — memory pages for a head alone, head chunk files
 * (`chunks_head.ts`) under a `TSDB`, so completed chunks leave the JS heap — and completed-chunk
 * metadata in columns ({@link ChunkTable}). No object is allocated per sample or per chunk.
 *
 * Chunks are cut as upstream: after ~120 samples (the end time is predicted once a quarter full),
 * at 2 × 120 samples, when past 1024 − 19 bytes, and at every multiple of the chunk range (2 h), so
 * chunks never straddle the boundary of a future 2-hour block.
 *
 * A `Head` works alone (tests, the PromQL conformance runner) or under {@link TSDB}, which attaches
 * a WAL through {@link setLog} and drops what compaction wrote to a block through {@link truncate}.
 */
import type { Registry } from 'prom-client';
import type { Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import { BitWriter } from './chunkenc/bstream.js';
import { CHUNK_HEADER_BYTES, MAX_BYTES_PER_XOR_CHUNK, MAX_XOR_SAMPLE_BYTES, SAMPLES_PER_CHUNK } from './chunkenc/chunk.js';
import { HI, highBits, LO, lowBits } from './chunkenc/floatbits.js';
import { xorAppend, xorNextSampleMaxBytes, xorSampleBits } from './chunkenc/xor.js';
import { AppendBatch, type ExemplarBatch, HeadAppender } from './head_append.js';
import type { ExemplarStorage } from './exemplars.js';
import { ChunkArena, type ChunkStore, ChunkTable, NO_CHUNK, OpenChunkSlots, SLOT_SIZES } from './head_chunks.js';
import { F_EMPTY_SEEN, F_LIVE, hashLabels, NO_SLOT, SeriesColumns, SeriesLookup } from './head_series.js';
import { HeadMetrics } from './metrics.js';
import { MemPostings } from './postings.js';
import { HeadQuerier } from './querier.js';
import { Tombstones } from './tombstones.js';
import { AppendResult, type Appender, type Querier, type Storage } from './types.js';

/**
 * Default chunk range: 2 hours, upstream's default minimum block duration. Chunks are cut at its
 * multiples so each chunk falls inside exactly one future block.
 */
export const DEFAULT_CHUNK_RANGE_MS = 2 * 3600_000;

/**
 * Largest series ref accepted from a WAL record. Lookout hands out refs densely from 1 and sizes its
 * columns by the highest ref, so a damaged record with a huge ref must not make replay allocate
 * gigabytes; 2^26 (67M series) is far beyond what one process holds.
 */
export const MAX_REPLAY_REF = 2 ** 26;

/** Most label names and values in one label set (the head stores the count in 16 bits). */
const MAX_LABEL_STRINGS = 0xffff;

/** Batch buffers kept for reuse: about one per concurrently committing scrape or rule group. */
const BATCH_POOL_SIZE = 16;

/**
 * Largest batch buffer (in samples, 20 bytes each) kept for reuse: a typical scrape fits, while a
 * one-off bulk load does not pin megabytes.
 */
const MAX_POOLED_BATCH = 16_384;

/** Outcome of applying one sample to the head ({@link Head.applySample}). */
export const SampleOutcome = {
  Appended: 0,
  OutOfOrder: 1,
  Duplicate: 2,
  /** Same timestamp and same value bits as the newest sample: accepted and ignored. */
  Same: 3,
  UnknownSeries: 4,
} as const;
export type SampleOutcome = (typeof SampleOutcome)[keyof typeof SampleOutcome];

/** Thrown by `seriesRef` for a label set that cannot identify a series. */
export class InvalidLabelsError extends Error {
  override name = 'InvalidLabelsError';
}

/** Receives committed batches before they are applied (the WAL, under {@link TSDB}). */
export interface HeadLog {
  /**
   * Persists series records for `newSeries` (refs of series not logged yet; their labels via
   * {@link Head.labelsOf}), the samples of `batch` and the `exemplars` (either may be null), in one
   * write.
   * @throws when the write fails; the head then applies nothing.
   */
  logCommit(newSeries: readonly number[], batch: AppendBatch | null, exemplars?: ExemplarBatch | null): void;
  /**
   * Persists deleted intervals: `entries` holds (series ref, mint ms, maxt ms) triples.
   * @throws when the write fails; the head then deletes nothing.
   */
  logTombstones(entries: readonly number[]): void;
}

/** Options of {@link Head}. */
export interface HeadOptions {
  /** Registry for the `prometheus_tsdb_head_*` self-metrics. */
  registry?: Registry;
  /** Chunk range in ms (default 2 h); chunks are cut at its multiples. */
  chunkRangeMs?: number;
  /**
   * Where completed chunks go (default: a {@link ChunkArena} in memory; a `TSDB` passes head chunk
   * files). The head closes it in {@link Head.close}.
   */
  chunkStore?: ChunkStore;
  /**
   * Reject samples older than half a chunk range before the head's newest sample as out of bounds,
   * as upstream's `appendableMinValidTime`, so the range being compacted into a block receives no
   * more samples. On under a `TSDB`; off for a head alone (tests load series one after another).
   */
  compactionWindow?: boolean;
  /** Where exemplars go (`--enable-feature=exemplar-storage`); none by default. */
  exemplars?: ExemplarStorage;
}

/** Bytes held by the head's typed arrays and slabs ({@link Head.memoryStats}). */
export interface HeadMemoryStats {
  /** Series columns and the label arena (allocated capacity). */
  seriesColumns: number;
  /** Slab pages for open chunks (released pages kept for reuse included). */
  openChunkSlabs: number;
  /** Open-chunk slots in use. */
  openChunkBytes: number;
  /** Memory held by the completed-chunk store (arena pages, or file write buffers). */
  chunkArena: number;
  /** Bytes of live completed chunks (in memory, or in head chunk files). */
  chunkBytes: number;
  /** Completed-chunk metadata columns. */
  chunkTable: number;
}

/** Result of {@link Head.truncate}. */
export interface TruncateResult {
  removedSeries: number;
  removedChunks: number;
}

/** Upstream `rangeForTimestamp`: the end of the chunk range holding `t` (Go integer division). */
function rangeForTimestamp(t: number, width: number): number {
  return Math.trunc(t / width) * width + width;
}

/** Upstream `computeChunkEndTime`: an end time that splits the rest of the range into equal chunks. */
function computeChunkEndTime(start: number, cur: number, max: number, ratioToFull: number): number {
  const n = (max - start) / ((cur - start + 1) * ratioToFull);
  if (n <= 1) return max;
  return Math.trunc(start + (max - start) / Math.floor(n));
}

/** The in-memory head. Implements {@link Storage}. */
export class Head implements Storage {
  /** @internal Series state columns. */
  readonly cols = new SeriesColumns();
  /** @internal Open chunks. */
  readonly slots = new OpenChunkSlots();
  /** @internal Completed chunk bytes. */
  readonly store: ChunkStore;
  /** @internal Completed chunk metadata. */
  readonly chunks = new ChunkTable();
  /** @internal Label index. */
  readonly postings = new MemPostings();
  /** @internal Self-metrics. */
  readonly metrics: HeadMetrics;
  /** Deleted intervals of head series (see {@link delete}); queriers and block writing skip them. */
  readonly tombstones = new Tombstones();
  /** Exemplars of head series, keyed by series ref (null: exemplar storage is off). */
  readonly exemplars: ExemplarStorage | null;
  /** Samples with a timestamp below this (ms) are rejected as out of bounds; raised by {@link truncate}. */
  minValidTime = -Infinity;

  private readonly lookup = new SeriesLookup(this.cols);
  /** Chunk range in ms (chunks are cut at its multiples). */
  readonly chunkRange: number;
  private readonly compactionWindow: boolean;
  private readonly writer = new BitWriter();
  private nextRef = 1;
  private liveSeries = 0;
  private openChunks = 0;
  private minT = Infinity;
  private maxT = -Infinity;
  private log: HeadLog | null = null;
  private unlogged: number[] = [];
  private readonly active = new Set<HeadAppender>();
  private readonly batchPool: AppendBatch[] = [];

  constructor(opts: HeadOptions = {}) {
    this.chunkRange = opts.chunkRangeMs ?? DEFAULT_CHUNK_RANGE_MS;
    this.store = opts.chunkStore ?? new ChunkArena();
    this.compactionWindow = opts.compactionWindow ?? false;
    this.exemplars = opts.exemplars ?? null;
    this.metrics = new HeadMetrics(
      {
        numSeries: () => this.liveSeries,
        numChunks: () => this.numChunks(),
        minTime: () => this.minT,
        maxTime: () => this.maxT,
        activeAppenders: () => this.active.size,
      },
      opts.registry,
    );
  }

  /** A new appender (see {@link Appender}). */
  appender(): Appender {
    return new HeadAppender(this);
  }

  /** A querier over [mint, maxt] (ms, inclusive) of the committed data. */
  querier(mint: number, maxt: number): Querier {
    return new HeadQuerier(this, mint, maxt);
  }

  /** Number of live series. */
  numSeries(): number {
    return this.liveSeries;
  }

  /** Number of chunks (completed and open). */
  numChunks(): number {
    return this.chunks.count + this.openChunks;
  }

  /** Oldest sample timestamp in ms, +Infinity when the head is empty (recomputed by {@link truncate}). */
  minTime(): number {
    return this.minT;
  }

  /** Newest sample timestamp in ms, −Infinity when the head is empty. */
  maxTime(): number {
    return this.maxT;
  }

  /** One past the highest ref handed out. */
  refLimit(): number {
    return this.nextRef;
  }

  /** Whether `ref` is a live series. */
  isLive(ref: number): boolean {
    return ref > 0 && ref < this.nextRef && (this.cols.flags[ref]! & F_LIVE) !== 0;
  }

  /** Label set of live series `ref` as a new array (undefined when not live). */
  labelsOf(ref: number): Labels | undefined {
    return this.isLive(ref) ? this.cols.labels(ref) : undefined;
  }

  /** Attaches (or detaches, with null) the log that persists commits. */
  setLog(log: HeadLog | null): void {
    this.log = log;
  }

  /**
   * The ref of the series with exactly `ls`, creating it if needed (see `Appender.seriesRef`).
   * @throws {InvalidLabelsError} when `ls` is empty, has an odd length, empty names or values,
   * names that are not strictly ascending, or more than 32767 labels.
   */
  getOrCreateSeries(ls: Labels): number {
    const h = hashLabels(ls);
    const found = this.lookup.get(ls, h);
    if (found !== 0) return found;
    validateLabels(ls);
    const ref = this.nextRef++;
    this.createSeries(ref, ls, h);
    if (this.log !== null) this.unlogged.push(ref);
    return ref;
  }

  /**
   * Recreates series `ref` from a WAL series record. Returns the ref that holds `ls` afterwards:
   * `ref`, or an existing series' ref when `ls` is already present under another ref; 0 when `ref`
   * is taken by different labels, is above {@link MAX_REPLAY_REF}, or `ls` is invalid (the record is
   * ignored).
   */
  replaySeries(ref: number, ls: Labels): number {
    if (!Number.isSafeInteger(ref) || ref <= 0 || ref > MAX_REPLAY_REF) return 0;
    const h = hashLabels(ls);
    const found = this.lookup.get(ls, h);
    if (found !== 0) return found;
    if (this.isLive(ref)) return 0;
    try {
      validateLabels(ls);
    } catch {
      return 0;
    }
    if (ref >= this.nextRef) this.nextRef = ref + 1;
    this.createSeries(ref, ls, h);
    return ref;
  }

  private createSeries(ref: number, ls: Labels, hash: number): void {
    this.cols.init(ref, ls);
    this.lookup.set(ls, hash, ref);
    this.postings.add(ref, this.cols.labels(ref));
    this.liveSeries++;
    this.metrics.seriesCreated.inc();
  }

  /**
   * Checks a sample against the committed state of its series, as upstream `appendable`; counts
   * rejections. `t` must be an integer (ms); other values are out of bounds.
   */
  appendable(ref: number, t: number, v: number): AppendResult {
    if (!this.isLive(ref)) return AppendResult.UnknownSeries;
    if (!Number.isSafeInteger(t) || t < this.appendableMinValidTime()) {
      this.metrics.addOutOfBound(1);
      return AppendResult.OutOfBounds;
    }
    if (this.cols.openSlot[ref] !== NO_SLOT) {
      const last = this.cols.xor.t[ref]!;
      if (t < last) {
        this.metrics.addOutOfOrder(1);
        return AppendResult.OutOfOrder;
      }
      if (t === last && (highBits(v) !== this.cols.xor.vHi[ref] || lowBits(v) !== this.cols.xor.vLo[ref])) {
        return AppendResult.Duplicate;
      }
    }
    return AppendResult.Ok;
  }

  /** @internal A batch buffer for appender `app` (which counts as active until released). */
  takeBatch(app: HeadAppender): AppendBatch {
    this.active.add(app);
    return this.batchPool.pop() ?? new AppendBatch();
  }

  /** @internal Returns `app`'s batch buffer to the pool. */
  releaseBatch(app: HeadAppender, b: AppendBatch): void {
    this.active.delete(app);
    b.clear();
    if (this.batchPool.length < BATCH_POOL_SIZE && b.capacity <= MAX_POOLED_BATCH) this.batchPool.push(b);
  }

  /** Stores committed exemplars of live series (out-of-order ones are counted by the storage). */
  private addExemplars(ex: ExemplarBatch): void {
    const store = this.exemplars;
    if (store === null) return;
    for (let i = 0; i < ex.n; i++) {
      const ref = ex.refs[i]!;
      if (this.isLive(ref)) store.add(ref, this.cols.labels(ref), ex.labels[i]!, ex.values[i]!, ex.ts[i]!, ex.hasTs[i]!);
    }
  }

  /**
   * @internal Stores an exemplar read back from the WAL (see `replayWAL`). The record does not say
   * whether the timestamp came with the exemplar; as upstream, it is taken as not (so the same
   * exemplar scraped again without a timestamp stays a duplicate).
   */
  replayExemplar(ref: number, labels: Labels, value: number, t: number): void {
    if (this.exemplars !== null && this.isLive(ref)) this.exemplars.add(ref, this.cols.labels(ref), labels, value, t, false);
  }

  /**
   * @internal Logs (through the attached {@link HeadLog}) and applies a committed batch and its
   * exemplars. Samples
   * that became invalid since `append` (another appender committed newer samples first) are dropped
   * and counted as out of order, as upstream.
   */
  commitBatch(b: AppendBatch | null, ex: ExemplarBatch | null = null): void {
    const exs = ex !== null && ex.n > 0 ? ex : null;
    if (this.log !== null && (this.unlogged.length > 0 || (b !== null && b.n > 0) || exs !== null)) {
      const newSeries = this.unlogged.filter((r) => this.isLive(r));
      this.log.logCommit(newSeries, b, exs);
      this.unlogged = [];
    }
    if (exs !== null) this.addExemplars(exs);
    if (b === null || b.n === 0) return;
    const { refs, ts, vbits } = b;
    let appended = 0;
    let ooo = 0;
    let minT = this.minT;
    let maxT = this.maxT;
    for (let i = 0; i < b.n; i++) {
      const t = ts[i]!;
      const r = this.applySample(refs[i]!, t, vbits[2 * i + HI]!, vbits[2 * i + LO]!);
      if (r === SampleOutcome.Appended) {
        appended++;
        if (t < minT) minT = t;
        if (t > maxT) maxT = t;
      } else if (r === SampleOutcome.OutOfOrder) {
        ooo++;
      }
    }
    this.minT = minT;
    this.maxT = maxT;
    this.metrics.addSamplesAppended(appended);
    this.metrics.addOutOfOrder(ooo);
  }

  /**
   * Appends a sample (t ms, value bits hi:lo) to series `ref`'s open chunk, cutting a new chunk as
   * needed. Does not update the head's time bounds (see {@link noteTimeRange}).
   */
  applySample(ref: number, t: number, hi: number, lo: number): SampleOutcome {
    if (!this.isLive(ref)) return SampleOutcome.UnknownSeries;
    const c = this.cols;
    const st = c.xor;
    let slot = c.openSlot[ref]!;
    if (slot === NO_SLOT) {
      slot = this.cutChunk(ref, t);
    } else {
      const last = st.t[ref]!;
      if (t <= last) {
        if (t < last) return SampleOutcome.OutOfOrder;
        return hi === st.vHi[ref] && lo === st.vLo[ref] ? SampleOutcome.Same : SampleOutcome.Duplicate;
      }
      const n = st.count[ref]!;
      if (((c.openBits[ref]! + 7) >>> 3) + st.tail[ref]! > MAX_BYTES_PER_XOR_CHUNK - MAX_XOR_SAMPLE_BYTES) {
        slot = this.cutChunk(ref, t);
      } else {
        if (n === SAMPLES_PER_CHUNK / 4) c.nextAt[ref] = computeChunkEndTime(c.openMinT[ref]!, last, c.nextAt[ref]!, 4);
        if (t >= c.nextAt[ref]! || n >= SAMPLES_PER_CHUNK * 2) slot = this.cutChunk(ref, t);
      }
    }
    const bits = c.openBits[ref]!;
    const size = this.slots.size(slot);
    // Near the slot's end, the exact size of this sample decides (plus upstream's empty tail byte).
    if (((bits + 7) >>> 3) + xorNextSampleMaxBytes(st, ref) > size) {
      const need = ((bits + xorSampleBits(st, ref, t, hi, lo) + 7) >>> 3) + 1;
      if (need > size) slot = this.growSlot(ref, slot, bits, need);
    }
    const off = this.slots.offset(slot);
    const w = this.writer.reset(this.slots.buf(slot), off * 8 + bits);
    xorAppend(st, ref, w, off, t, hi, lo);
    c.openBits[ref] = w.pos - off * 8;
    return SampleOutcome.Appended;
  }

  /**
   * The oldest timestamp (ms) an append may carry: {@link minValidTime}, raised with the
   * compaction window on to half a chunk range before the newest sample (upstream
   * `appendableMinValidTime`).
   */
  appendableMinValidTime(): number {
    if (!this.compactionWindow || this.maxT === -Infinity) return this.minValidTime;
    return Math.max(this.minValidTime, this.maxT - this.chunkRange / 2);
  }

  /** Widens the head's time bounds to include [minT, maxT] (used after WAL replay). */
  noteTimeRange(minT: number, maxT: number): void {
    if (minT < this.minT) this.minT = minT;
    if (maxT > this.maxT) this.maxT = maxT;
  }

  /** Completes the open chunk of `ref` (if any) and opens an empty one starting at `t`. */
  private cutChunk(ref: number, t: number): number {
    const c = this.cols;
    const old = c.openSlot[ref]!;
    if (old !== NO_SLOT) {
      const len = ((c.openBits[ref]! + 7) >>> 3) + c.xor.tail[ref]!;
      const ch = this.chunks;
      const id = ch.alloc();
      ch.minT[id] = c.openMinT[ref]!;
      ch.maxT[id] = c.xor.t[ref]!;
      ch.len[id] = len;
      ch.samples[id] = c.xor.count[ref]!;
      ch.addr[id] = this.store.store(ref, ch.minT[id]!, ch.maxT[id]!, this.slots.buf(old), this.slots.offset(old), len);
      ch.next[id] = NO_CHUNK;
      const last = c.lastChunk[ref]!;
      if (last === NO_CHUNK) c.firstChunk[ref] = id;
      else ch.next[last] = id;
      c.lastChunk[ref] = id;
      this.slots.release(old);
    } else {
      this.openChunks++;
      c.flags[ref]! &= ~F_EMPTY_SEEN;
    }
    const slot = this.slots.alloc(0);
    c.openSlot[ref] = slot;
    c.openBits[ref] = CHUNK_HEADER_BYTES * 8;
    c.openMinT[ref] = t;
    c.nextAt[ref] = rangeForTimestamp(t, this.chunkRange);
    c.xor.clear(ref);
    this.metrics.chunksCreated.inc();
    return slot;
  }

  /**
   * Packs the open-chunk slabs: moves the open chunks of the series refs [`from`, `from + count`)
   * out of the sparse pages of each size class ({@link OpenChunkSlots.compactionPlan}), so those
   * pages are released once all refs were passed. Costs a pass over the refs when some class is
   * sparse, nothing otherwise; a `TSDB` calls it once a minute, in slices of refs so the event loop
   * is not held (moving 227k of 1M open chunks took 80 ms at once). Appends between slices only
   * make a later slice pack less tightly. Queriers read open chunks synchronously, so moving them
   * between calls is safe.
   * @returns the number of open chunks moved
   */
  compactOpenChunks(from = 1, count = Infinity): number {
    const plan = this.slots.compactionPlan();
    if (plan === null) return 0;
    const c = this.cols;
    let moved = 0;
    const end = Math.min(this.nextRef, from + count);
    for (let ref = Math.max(1, from); ref < end; ref++) {
      if ((c.flags[ref]! & F_LIVE) === 0) continue;
      const slot = c.openSlot[ref]!;
      if (slot === NO_SLOT || !this.slots.movedBy(plan, slot)) continue;
      c.openSlot[ref] = this.slots.move(slot);
      moved++;
    }
    return moved;
  }

  /** Moves the open chunk of `ref` (`bits` long) to a slot of a larger class with at least `need` bytes. */
  private growSlot(ref: number, slot: number, bits: number, need: number): number {
    const used = (bits + 7) >>> 3;
    let cls = this.slots.classOf(slot) + 1;
    while (SLOT_SIZES[cls]! < need) cls++;
    const next = this.slots.alloc(cls);
    const src = this.slots.buf(slot);
    const from = this.slots.offset(slot);
    this.slots.buf(next).set(src.subarray(from, from + used), this.slots.offset(next));
    this.slots.release(slot);
    this.cols.openSlot[ref] = next;
    return next;
  }

  /**
   * As upstream head truncation (after compaction wrote [.., `mint`) to a block): removes completed
   * chunks whose newest sample is older than `mint` (ms), and open chunks likewise (the series then has no samples left); removes series
   * left without samples, and series that never got a sample across two calls. Series with samples
   * buffered in an open appender are kept. Refs of removed series are never reused. Raises
   * {@link minValidTime} to `mint` and recomputes the head's minimum time.
   */
  truncate(mint: number): TruncateResult {
    const start = performance.now();
    const c = this.cols;
    const ch = this.chunks;
    const keep = this.pendingRefs();
    const removed: Labels[] = [];
    let removedChunks = 0;
    let minT = Infinity;
    for (let ref = 1; ref < this.nextRef; ref++) {
      if ((c.flags[ref]! & F_LIVE) === 0) continue;
      let id = c.firstChunk[ref]!;
      while (id !== NO_CHUNK && ch.maxT[id]! < mint) {
        const next = ch.next[id]!;
        this.store.release(ch.addr[id]!, ch.len[id]!);
        ch.release(id);
        removedChunks++;
        id = next;
      }
      c.firstChunk[ref] = id;
      if (id === NO_CHUNK) c.lastChunk[ref] = NO_CHUNK;
      let emptied = false;
      if (c.openSlot[ref] !== NO_SLOT && c.xor.t[ref]! < mint) {
        this.slots.release(c.openSlot[ref]!);
        c.openSlot[ref] = NO_SLOT;
        this.openChunks--;
        removedChunks++;
        emptied = true;
      }
      if (c.openSlot[ref] === NO_SLOT) {
        const kept = keep !== null && keep[ref] === 1;
        if (!kept && (emptied || (c.flags[ref]! & F_EMPTY_SEEN) !== 0)) {
          removed.push(this.removeSeries(ref));
        } else {
          c.flags[ref]! |= F_EMPTY_SEEN;
        }
        continue;
      }
      const first = id !== NO_CHUNK ? ch.minT[id]! : c.openMinT[ref]!;
      if (first < minT) minT = first;
    }
    if (removed.length > 0) this.postings.delete(removed, (ref) => (c.flags[ref]! & F_LIVE) === 0);
    this.store.truncate(mint);
    this.minT = minT;
    if (minT === Infinity) this.maxT = -Infinity;
    if (mint > this.minValidTime) this.minValidTime = mint;
    this.metrics.chunksRemoved.inc(removedChunks);
    this.metrics.truncations.inc();
    this.metrics.gcDuration.observe((performance.now() - start) / 1000);
    return { removedSeries: removed.length, removedChunks };
  }

  /** Marks the refs with samples in open appenders (null when there are none). */
  private pendingRefs(): Uint8Array | null {
    let marks: Uint8Array | null = null;
    for (const app of this.active) {
      const b = app.pending();
      if (b === null) continue;
      marks ??= new Uint8Array(this.nextRef);
      for (let i = 0; i < b.n; i++) marks[b.refs[i]!] = 1;
    }
    return marks;
  }

  /**
   * Deletes the samples in [mint, maxt] (ms, inclusive) of the series matching every matcher, as
   * upstream's `Head.Delete`: for each such series holding samples in the range, the interval
   * clamped to the series' own time range becomes a tombstone, logged to the WAL (through the
   * attached {@link HeadLog}) before it applies. Returns the number of series affected.
   * @throws when the log write fails (nothing is deleted then).
   */
  delete(matchers: readonly Matcher[], mint: number, maxt: number): number {
    const c = this.cols;
    const ch = this.chunks;
    const entries: number[] = [];
    for (const ref of new HeadQuerier(this, -Infinity, Infinity).matching(matchers)) {
      const first = c.firstChunk[ref]!;
      const open = c.openSlot[ref] !== NO_SLOT;
      if (first === NO_CHUNK && !open) continue;
      const sMin = first !== NO_CHUNK ? ch.minT[first]! : c.openMinT[ref]!;
      const sMax = open ? c.xor.t[ref]! : ch.maxT[c.lastChunk[ref]!]!;
      if (sMax < mint || sMin > maxt) continue;
      entries.push(ref, Math.max(mint, sMin), Math.min(maxt, sMax));
    }
    if (entries.length === 0) return 0;
    this.log?.logTombstones(entries);
    for (let i = 0; i < entries.length; i += 3) this.tombstones.add(entries[i]!, entries[i + 1]!, entries[i + 2]!);
    return entries.length / 3;
  }

  private removeSeries(ref: number): Labels {
    this.tombstones.delete(ref);
    const ls = this.cols.labels(ref);
    this.lookup.delete(ls, hashLabels(ls), ref);
    this.cols.kill(ref);
    this.liveSeries--;
    this.metrics.seriesRemoved.inc();
    return ls;
  }

  /** Closes the completed-chunk store (head chunk files). The head must not be used afterwards. */
  close(): void {
    this.store.close();
  }

  /** Calls `fn(ref)` for every live series in ref order. */
  forEachRef(fn: (ref: number) => void): void {
    const flags = this.cols.flags;
    for (let ref = 1; ref < this.nextRef; ref++) if ((flags[ref]! & F_LIVE) !== 0) fn(ref);
  }

  /** Memory held by the head's typed arrays and slabs, in bytes (for statistics and benchmarks). */
  memoryStats(): HeadMemoryStats {
    return {
      seriesColumns: this.cols.bytesAllocated(),
      openChunkSlabs: this.slots.bytesAllocated(),
      openChunkBytes: this.slots.bytesUsed(),
      chunkArena: this.store.bytesAllocated(),
      chunkBytes: this.store.bytesLive(),
      chunkTable: this.chunks.bytesAllocated(),
    };
  }
}

function validateLabels(ls: Labels): void {
  if (ls.length === 0) throw new InvalidLabelsError('empty label set');
  if (ls.length % 2 !== 0) throw new InvalidLabelsError('label set has an odd number of entries');
  if (ls.length > MAX_LABEL_STRINGS) throw new InvalidLabelsError(`label set has more than ${MAX_LABEL_STRINGS >> 1} labels`);
  for (let i = 0; i < ls.length; i += 2) {
    const name = ls[i];
    const value = ls[i + 1];
    if (typeof name !== 'string' || name === '') throw new InvalidLabelsError('label set has an empty label name');
    if (typeof value !== 'string' || value === '') throw new InvalidLabelsError(`label "${name}" has an empty value`);
    if (i > 0 && !(ls[i - 2]! < name)) throw new InvalidLabelsError(`label names are not sorted and unique at "${name}"`);
  }
}
