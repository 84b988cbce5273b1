/**
 * The TSDB: a {@link Head} made durable by a WAL, cut into immutable blocks every 2 h, with
 * time-based retention, in one data directory (`--storage.tsdb.path`), laid out as Prometheus's:
 *
 * ```
 * <dir>/lock                    pid lock (see lock.ts)
 * <dir>/<ULID>/                 a block: meta.json, index, chunks/ (see block/writer.ts)
 * <dir>/chunks_head/000001 …    completed head chunks, out of the JS heap (see chunks_head.ts)
 * <dir>/wal/00000000 …          WAL segments (see wal/segment.ts)
 * <dir>/wal/checkpoint.NNNNNNNN series of segments ≤ NNNNNNNN that were deleted
 * ```
 *
 * Compaction, as upstream's `compactHead`: once the head spans more than 1.5 chunk ranges (3 h),
 * its oldest range — from its minimum time to the next multiple of 2 h — is written as a block;
 * then the head drops that range and WAL segments holding only older samples are deleted (their
 * live series carried into a checkpoint). Appends older than half a chunk range before the head's
 * newest sample are rejected as out of bounds, so a range being compacted receives no more samples.
 * Then blocks overlapping in time (backfilled, restored) are merged into one (vertical compaction),
 * blocks are merged into larger ones (6 h, 18 h, … up to a tenth of the retention, at most 31 days;
 * see block/compact.ts) and the merged blocks deleted; blocks whose compaction fails (a damaged
 * chunk) are marked failed in meta.json and left out from then on. Both run in slices of 1,000
 * series per event-loop turn.
 *
 * Retention: blocks whose end is more than the retention before the newest block's end are
 * deleted whole (upstream `BeyondTimeRetention`), and with a size limit the oldest blocks by end
 * time beyond it (`BeyondSizeRetention`). As upstream, retention never truncates the head: head
 * data older than the retention (after ingestion stopped for longer than it) is kept, queried and
 * replayed until compaction writes it to a block, which retention then deletes.
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { type Logger, logger } from '../log.js';
import type { Matcher } from '../model/matcher.js';
import { Block } from './block/block.js';
import type { BlockMeta } from './block/meta.js';
import { blockRanges, BlocksMergeWriter, hasOverlaps, planCompaction } from './block/compact.js';
import { HeadBlockWriter, TMP_DELETION_SUFFIX, writeHeadBlock } from './block/writer.js';
import { type BlockChunkEncoding, DEFAULT_BLOCK_CHUNK_ENCODING } from './chunkenc/blockchunk.js';
import { HeadChunkFiles } from './chunks_head.js';
import { ExemplarStorage, type SeriesExemplars } from './exemplars.js';
import { Head, type HeadLog } from './head.js';
import type { AppendBatch } from './head_append.js';
import { HeadWALLog, replayWAL } from './head_wal.js';
import { acquireLock, type DirLock } from './lock.js';
import { linkTree, snapshotName } from './snapshot.js';
import { blocksAndHeadQuerier } from './merge_querier.js';
import { byMinTime, openBlocks } from './readonly.js';
import { BlockMetrics, WALMetrics } from './metrics.js';
import { dirBytes, expiredBlocks } from './retention.js';
import { headStatus, type TSDBStatus } from './status.js';
import type { Appender, Querier, Storage } from './types.js';
import { WAL, WALWriteError } from './wal/wal.js';
import { WALTruncation } from './wal_truncation.js';

export type { TSDBStat, TSDBStatus } from './status.js';
export { snapshotName } from './snapshot.js';

/** Default retention: 15 days, as `--storage.tsdb.retention.time`. */
export const DEFAULT_RETENTION_MS = 15 * 24 * 3600_000;

/** How often compaction and retention run (upstream's compaction loop runs every minute). */
const RETENTION_INTERVAL_MS = 60_000;

/**
 * Series refs per slice of the open-chunk slab packing ({@link Head.compactOpenChunks}), after
 * which the event loop gets a turn. Measured in process at 1M series with one in eight grown out
 * of the smallest class: 1–2 ms per slice moving nothing, 14 ms for one moving 28,672 chunks
 * (slices of 131,072 refs took 8–9 ms and 27–94 ms).
 */
const OPEN_CHUNK_COMPACTION_SLICE = 32_768;

/** Series written per block-writing slice (one event-loop turn): ~20–30 ms of work. */
const COMPACTION_SLICE_SERIES = 1_000;

/**
 * Samples a slice writing a block from the head stops after (the series that crosses it is
 * finished): re-encoding into the `lookout` chunk encoding costs ~150–250 ns a sample, so a slice
 * stays within ~25 ms even when each series holds a 2 h range scraped every second (7,200 samples).
 */
const COMPACTION_SLICE_SAMPLES = 100_000;

/** Options of {@link TSDB.open}. */
export interface TSDBOptions {
  /** Data directory (`--storage.tsdb.path`); created if missing. */
  dir: string;
  /** Retention in ms (`--storage.tsdb.retention.time`), default 15 days; `Infinity`: no time retention. */
  retentionMs?: number;
  /** The head's chunk range and the shortest block, ms (`--storage.tsdb.min-block-duration`), default 2 h. */
  minBlockDurationMs?: number;
  /**
   * The longest block compaction writes, ms (`--storage.tsdb.max-block-duration`); default a tenth
   * of the retention, at most 31 days.
   */
  maxBlockDurationMs?: number;
  /**
   * Most bytes of blocks, WAL and head chunk files to keep (`--storage.tsdb.retention.size`); the
   * oldest blocks go first. 0 (default): no size limit.
   */
  retentionBytes?: number;
  /** Registry for the `prometheus_tsdb_*` self-metrics. */
  registry?: Registry;
  /** Logger (default: component `tsdb` on stderr). */
  log?: Logger;
  /** Clock in ms since the epoch (for tests); default `Date.now`. */
  now?: () => number;
  /** WAL segment size in bytes (`--storage.tsdb.wal-segment-size`), default 128 MiB. */
  walSegmentSize?: number;
  /** Largest head chunk file in bytes (default 128 MiB; smaller in tests). */
  headChunkFileSize?: number;
  /**
   * Exemplar storage (`--enable-feature=exemplar-storage`): its size, prometheus.yml's
   * `storage.exemplars.max_exemplars` (0 stores none until resized). Absent: no exemplar storage,
   * as upstream without the feature.
   */
  maxExemplars?: number;
  /**
   * Chunk encoding of the blocks written (`--storage.tsdb.block-chunk-encoding`), default
   * `lookout` (compact); `xor` writes blocks Prometheus can read. Compaction copies source chunks
   * in whatever encoding they have, except that with `xor` Lookout chunks are re-encoded.
   */
  blockChunkEncoding?: BlockChunkEncoding;
}

/** The highest maxTime (ms, exclusive) of `blocks`, or −Infinity for none. */
function newestMaxTime(blocks: readonly Block[]): number {
  let t = -Infinity;
  for (const b of blocks) t = Math.max(t, b.meta.maxTime);
  return t;
}

/** Stands in for the WAL after close: commits from appenders still held fail instead of being lost silently. */
const CLOSED_LOG: HeadLog = {
  logCommit(_newSeries: readonly number[], _batch: AppendBatch | null): void {
    throw new WALWriteError('TSDB is closed');
  },
  logTombstones(_entries: readonly number[]): void {
    throw new WALWriteError('TSDB is closed');
  },
};

/** A durable TSDB over one data directory. Implements {@link Storage}. */
export class TSDB implements Storage {
  private timer: NodeJS.Timeout | null = null;
  private compaction: Promise<number> | null = null;
  /** Set while {@link compaction} runs (cleared synchronously when it ends). */
  private compacting = false;
  /** Open blocks, ascending by minTime (overlapping ones until compaction merges them). */
  private blockList: Block[] = [];
  /** Block ranges of the compaction levels (see {@link blockRanges}). */
  private readonly ranges: number[];
  private readonly walTruncation: WALTruncation;
  private blockMetrics: BlockMetrics | null = null;
  private closed = false;
  private registry: Registry | null = null;
  /** Self-metrics this TSDB registered (unregistered on close). */
  private metricNames: string[] = [];
  /** Chunk encoding of the blocks this TSDB writes (see {@link TSDBOptions.blockChunkEncoding}). */
  private blockChunkEncoding: BlockChunkEncoding = DEFAULT_BLOCK_CHUNK_ENCODING;

  private constructor(
    /** The in-memory head (read-only use: statistics, tests, benchmarks). */
    readonly head: Head,
    private readonly wal: WAL,
    private readonly lock: DirLock,
    walMetrics: WALMetrics,
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly retentionMs: number,
    private readonly retentionBytes: number,
    private readonly dir: string,
    private readonly chunkFiles: HeadChunkFiles,
    maxBlockDurationMs: number | undefined,
  ) {
    this.ranges = blockRanges(retentionMs, head.chunkRange, maxBlockDurationMs);
    this.walTruncation = new WALTruncation(wal, head, walMetrics, log, now);
  }

  /**
   * Opens or creates the data directory, takes its lock, removes leftovers of interrupted block
   * writes and deletions, opens the blocks, replays the WAL (repairing a damaged tail with a logged
   * warning; samples older than the newest block's end are skipped), applies
   * retention, starts cutting blocks (see {@link compact}; it goes on after `open` returns when the
   * head is large) and starts the compaction/retention timer (unref'd).
   * @throws {LockError} when another live process (or this one) has the directory open.
   * @throws {RangeError} for a retention that is not a positive number of ms (or Infinity).
   * @throws {Error} (fs errors; `CorruptionError` / `MetaError` naming the block directory) when the
   * directory cannot be created, read or written, or a block is damaged (as upstream, the TSDB does
   * not open with a damaged block: move it away to start without it).
   */
  static open(opts: TSDBOptions): TSDB {
    const retentionMs = opts.retentionMs ?? DEFAULT_RETENTION_MS;
    if (!(retentionMs > 0)) throw new RangeError(`invalid retention ${retentionMs} ms: must be positive`);
    const retentionBytes = opts.retentionBytes ?? 0;
    if (!Number.isSafeInteger(retentionBytes) || retentionBytes < 0) throw new RangeError(`invalid retention size ${retentionBytes} bytes: must be a non-negative integer`);
    const log = opts.log ?? logger('tsdb');
    const now = opts.now ?? Date.now;
    mkdirSync(opts.dir, { recursive: true });
    const lock = acquireLock(opts.dir);
    const registered = new Set(opts.registry?.getMetricsAsArray().map((m) => m.name));
    let blocks: Block[] = [];
    let head: Head | null = null;
    try {
      blocks = openBlocks(opts.dir, log, false);
      const walDir = join(opts.dir, 'wal');
      mkdirSync(walDir, { recursive: true });
      const chunkFiles = HeadChunkFiles.open(join(opts.dir, 'chunks_head'), {
        maxFileSize: opts.headChunkFileSize,
        onWriteError: (err) => log.error('Writing head chunk file failed; the chunks stay in memory and are retried', { err }),
      });
      const exemplars = opts.maxExemplars === undefined ? undefined : new ExemplarStorage(opts.maxExemplars, opts.registry);
      head = new Head({ registry: opts.registry, chunkStore: chunkFiles, compactionWindow: true, exemplars, chunkRangeMs: opts.minBlockDurationMs });
      if (hasOverlaps(blocks.map((b) => b.meta))) log.warn('Overlapping blocks found; compaction merges them', { blocks: blocks.length });
      const blocksMaxT = newestMaxTime(blocks);
      head.minValidTime = blocksMaxT;
      let wal: WAL | null = null;
      const walMetrics = new WALMetrics(() => wal, opts.registry);
      const start = performance.now();
      const replay = replayWAL(head, walDir, blocksMaxT, log, walMetrics);
      const seconds = (performance.now() - start) / 1000;
      walMetrics.replayDuration.set(seconds);
      log.info('WAL replay completed', {
        series: replay.series,
        samples: replay.samples,
        samples_in_blocks: replay.inBlocks,
        duration: `${seconds.toFixed(3)}s`,
      });
      wal = WAL.open(walDir, { segmentSize: opts.walSegmentSize, metrics: walMetrics, log }, replay.segmentRanges);
      head.setLog(new HeadWALLog(wal, head));
      const db = new TSDB(head, wal, lock, walMetrics, log, now, retentionMs, retentionBytes, opts.dir, chunkFiles, opts.maxBlockDurationMs);
      db.blockList = blocks;
      db.blockChunkEncoding = opts.blockChunkEncoding ?? DEFAULT_BLOCK_CHUNK_ENCODING;
      db.blockMetrics = new BlockMetrics(() => db, opts.registry);
      db.registry = opts.registry ?? null;
      db.metricNames = (opts.registry?.getMetricsAsArray() ?? []).map((m) => m.name).filter((n) => !registered.has(n));
      db.applyRetention();
      void db.tick();
      db.timer = setInterval(() => void db.tick(), RETENTION_INTERVAL_MS);
      db.timer.unref();
      return db;
    } catch (e) {
      for (const b of blocks) b.close();
      head?.close();
      lock.release();
      // Unregister the self-metrics this attempt added, so a later open can register them again.
      for (const metric of opts.registry?.getMetricsAsArray() ?? []) {
        if (!registered.has(metric.name)) opts.registry!.removeSingleMetric(metric.name);
      }
      throw e;
    }
  }

  /**
   * A new appender; `commit` writes the batch to the WAL with one synchronous write before making it
   * visible (see `wal/wal.ts` for the durability guarantee).
   * @throws {Error} when the TSDB is closed.
   */
  appender(): Appender {
    if (this.closed) throw new Error('TSDB is closed');
    return this.head.appender();
  }

  /**
   * A querier over [mint, maxt] (ms, inclusive): the blocks overlapping the range and the head,
   * merged. Use it synchronously: retention may close a block between event-loop turns.
   */
  querier(mint: number, maxt: number): Querier {
    return blocksAndHeadQuerier(this.blockList, this.head, mint, maxt);
  }

  /**
   * Exemplars in [mint, maxt] (ms, inclusive) of the series matching any matcher set (see
   * `ExemplarStorage.select`); [] without exemplar storage.
   */
  selectExemplars(mint: number, maxt: number, matcherSets: readonly (readonly Matcher[])[]): SeriesExemplars[] {
    return this.head.exemplars?.select(mint, maxt, matcherSets) ?? [];
  }

  /**
   * Applies a new `storage.exemplars.max_exemplars` (config reload): resizes the exemplar storage,
   * keeping the newest exemplars that fit. No-op without exemplar storage.
   * @throws {RangeError} for a negative or non-integer size.
   */
  setMaxExemplars(n: number): void {
    const store = this.head.exemplars;
    if (store === null || store.capacity === n) return;
    const migrated = store.resize(n);
    this.log.info('Exemplar storage resized', { to: n, migrated });
  }

  /** Metadata of the open blocks, ascending by time. */
  blocks(): BlockMeta[] {
    return this.blockList.map((b) => b.meta);
  }

  /**
   * The open blocks, ascending by time, as {@link querier} merges them before the head (query
   * workers open the same block directories themselves). Read-only use; the list changes after
   * compactions, retention and deletions.
   */
  openBlocks(): readonly Block[] {
    return this.blockList;
  }

  /** Number of open blocks (for `prometheus_tsdb_blocks_loaded`). */
  numBlocks(): number {
    return this.blockList.length;
  }

  /** Bytes of the open blocks' files (for `prometheus_tsdb_storage_blocks_bytes`). */
  blocksBytes(): number {
    let n = 0;
    for (const b of this.blockList) n += b.size();
    return n;
  }

  /** Bytes of the head chunk files (for `prometheus_tsdb_head_chunks_storage_size_bytes`). */
  headChunksBytes(): number {
    return this.chunkFiles.sizeBytes();
  }

  /**
   * Oldest timestamp stored, ms (for `prometheus_tsdb_lowest_timestamp`): the oldest block's start,
   * else the head's minimum (+Infinity when empty), as upstream.
   */
  lowestTimestamp(): number {
    let t = Infinity;
    for (const b of this.blockList) if (b.meta.minTime < t) t = b.meta.minTime;
    return t === Infinity ? this.head.minTime() : t;
  }

  /** `--storage.tsdb.retention.size` in bytes, 0 for none (for `prometheus_tsdb_retention_limit_bytes`). */
  retentionLimitBytes(): number {
    return this.retentionBytes;
  }

  /**
   * Compaction, then packing the head's open-chunk slabs ({@link Head.compactOpenChunks}), the WAL
   * segment's rotation by age and retention: what the timer runs every minute (and {@link open}
   * once). Resolves when all are done; never rejects (errors are logged).
   */
  async tick(): Promise<void> {
    await this.compact();
    for (let from = 1; !this.closed && from < this.head.refLimit(); from += OPEN_CHUNK_COMPACTION_SLICE) {
      if (from > 1) await new Promise((resolve) => setImmediate(resolve));
      if (!this.closed) this.head.compactOpenChunks(from, OPEN_CHUNK_COMPACTION_SLICE);
    }
    if (this.closed) return;
    this.walTruncation.rotateSegment();
    this.applyRetention();
  }

  /**
   * Cuts blocks from the head while it spans more than 1.5 chunk ranges: writes [head min time, next
   * multiple of the chunk range) as a block — 1,000 series per event-loop turn, so ingestion and
   * queries go on meanwhile — opens it, drops that range from the head, and deletes the WAL segments
   * it made redundant. Resolves to the number of blocks written; a call while a compaction runs
   * joins it. Errors are logged and counted (`prometheus_tsdb_compactions_failed_total`), never
   * thrown; the head keeps the data and the next run retries.
   */
  compact(): Promise<number> {
    if (!this.compacting || this.compaction === null) {
      this.compacting = true;
      this.compaction = this.runCompaction();
    }
    return this.compaction;
  }

  private async runCompaction(): Promise<number> {
    // No await before the loop's first slice: a run with nothing to do ends synchronously.
    try {
      const head = this.head;
      const range = head.chunkRange;
      let written = 0;
      while (!this.closed && head.numSeries() > 0 && head.maxTime() - head.minTime() > (range / 2) * 3) {
        const mint = head.minTime();
        const maxt = Math.floor(mint / range) * range + range;
        const start = performance.now();
        let block: Block | null = null;
        try {
          const w = HeadBlockWriter.start(head, this.dir, mint, maxt, { ulidTime: this.now(), chunkEncoding: this.blockChunkEncoding });
          if (w !== null) {
            block = await this.writeBlockInSlices(w);
            if (block === null) return written;
          }
        } catch (e) {
          this.blockMetrics!.compactions.inc();
          this.blockMetrics!.compactionsFailed.inc();
          this.log.error('Compacting the head into a block failed', { mint, maxt, err: e });
          return written;
        }
        this.blockMetrics!.compactions.inc();
        if (block !== null && (block.meta.stats.numSamples ?? 0) === 0) {
          // Every sample of the range was deleted: no block, as upstream.
          this.deleteBlock(block);
        } else if (block !== null) {
          this.blockList.push(block);
          written++;
          this.log.info('Wrote block', {
            ulid: block.meta.ulid,
            mint,
            maxt,
            series: block.meta.stats.numSeries,
            samples: block.meta.stats.numSamples,
            duration: `${((performance.now() - start) / 1000).toFixed(3)}s`,
          });
        }
        head.truncate(maxt);
        this.walTruncation.truncate(maxt);
        // Defensive: a head whose minimum did not move past the block would loop forever.
        if (head.numSeries() > 0 && head.minTime() < maxt) break;
      }
      for (let plan = planCompaction(this.blocks(), this.ranges); plan.length > 0 && !this.closed; plan = planCompaction(this.blocks(), this.ranges)) {
        const ulids = new Set(plan.map((m) => m.ulid));
        const sources = this.blockList.filter((b) => ulids.has(b.meta.ulid));
        const start = performance.now();
        let block: Block | null;
        let vertical = false;
        try {
          const w = BlocksMergeWriter.start(sources, this.dir, { ulidTime: this.now(), chunkEncoding: this.blockChunkEncoding });
          vertical = w.overlapping;
          if (vertical) this.log.info('Found overlapping blocks during compaction', { ulid: w.ulid });
          block = await this.writeBlockInSlices(w);
          if (block === null) return written;
        } catch (e) {
          this.blockMetrics!.compactions.inc();
          this.blockMetrics!.compactionsFailed.inc();
          this.log.error('Compacting blocks failed; they are marked failed and left out of compaction', { blocks: [...ulids], err: e });
          this.markCompactionFailed(sources);
          return written;
        }
        this.blockMetrics!.compactions.inc();
        if (vertical) this.blockMetrics!.verticalCompactions.inc();
        this.replaceBlocks(sources, block);
        this.log.info('Compacted blocks', {
          ulid: block.meta.ulid,
          vertical,
          sources: [...ulids],
          mint: block.meta.minTime,
          maxt: block.meta.maxTime,
          duration: `${((performance.now() - start) / 1000).toFixed(3)}s`,
        });
      }
      return written;
    } finally {
      this.compacting = false;
    }
  }

  /**
   * Marks blocks whose compaction failed (upstream `setCompactionFailed`), unless the TSDB was
   * closed meanwhile; errors writing the mark are logged.
   */
  private markCompactionFailed(blocks: readonly Block[]): void {
    if (this.closed) return;
    for (const b of blocks) {
      try {
        b.setCompactionFailed();
      } catch (e) {
        this.log.error('Marking a block as failed in compaction failed', { block: b.meta.ulid, err: e });
      }
    }
  }

  /**
   * Puts `block` (written from `sources`) in the place of `sources` and deletes them; a block left
   * without samples (every one was deleted) is deleted too, as upstream writes none.
   */
  private replaceBlocks(sources: readonly Block[], block: Block): void {
    const gone = new Set(sources);
    const kept = this.blockList.filter((b) => !gone.has(b));
    if ((block.meta.stats.numSamples ?? 0) > 0) kept.push(block);
    else this.deleteBlock(block);
    this.blockList = kept.sort(byMinTime);
    for (const b of sources) this.deleteBlock(b);
  }

  /** Waits until no compaction runs, so a deletion or snapshot sees every block and head sample once. */
  private async idle(): Promise<void> {
    while (this.compacting && this.compaction !== null) await this.compaction;
  }

  /**
   * Deletes the samples in [mint, maxt] (ms, inclusive) of the series matching any of the matcher
   * sets (`match[]`), as upstream's `DB.Delete` (`POST /api/v1/admin/tsdb/delete_series`): the
   * blocks overlapping the range get tombstones (their `tombstones` file), the head gets tombstones
   * logged to the WAL; queries hide the samples at once, compaction or {@link cleanTombstones}
   * removes them from disk. Waits for a running compaction first.
   * @throws {Error} when the TSDB is closed, or a block's files or the WAL cannot be written.
   */
  async delete(matcherSets: readonly (readonly Matcher[])[], mint: number, maxt: number): Promise<void> {
    await this.idle();
    if (this.closed) throw new Error('TSDB is closed');
    for (const matchers of matcherSets) {
      for (const b of this.blockList) if (b.meta.minTime <= maxt && b.meta.maxTime > mint) b.delete(matchers, mint, maxt);
      if (this.head.numSeries() > 0 && this.head.minTime() <= maxt && this.head.maxTime() >= mint) this.head.delete(matchers, mint, maxt);
    }
  }

  /**
   * Rewrites every block with tombstones without its deleted samples, as upstream's
   * `DB.CleanTombstones` (`POST /api/v1/admin/tsdb/clean_tombstones`): one new block per such block
   * (none when nothing is left) with the old one's time range, compaction level 1, its own ULID as
   * source and the old block as parent (upstream `LeveledCompactor.Write`), the old one deleted.
   * Head tombstones stay until the head is cut into blocks. Waits for a running compaction first.
   * @throws {Error} when the TSDB is closed or a block cannot be rewritten (the old block is kept).
   */
  async cleanTombstones(): Promise<void> {
    await this.idle();
    if (this.closed) throw new Error('TSDB is closed');
    this.compacting = true;
    this.compaction = this.rewriteTombstoned();
    if ((await this.compaction) < 0) throw new Error('rewriting a block with tombstones failed (see the log)');
  }

  /** Body of {@link cleanTombstones}, run as the compaction: resolves to the blocks rewritten, −1 on error. */
  private async rewriteTombstoned(): Promise<number> {
    let n = 0;
    try {
      for (const b of [...this.blockList]) {
        if (b.tombstones.size === 0) continue;
        let block: Block | null;
        try {
          block = await this.writeBlockInSlices(BlocksMergeWriter.rewrite(b, this.dir, { ulidTime: this.now(), chunkEncoding: this.blockChunkEncoding }));
        } catch (e) {
          this.blockMetrics!.compactions.inc();
          this.log.error('Rewriting a block without its deleted samples failed', { block: b.meta.ulid, err: e });
          return -1;
        }
        if (block === null) return n;
        this.blockMetrics!.compactions.inc();
        this.replaceBlocks([b], block);
        n++;
        this.log.info('Rewrote block without deleted samples', { block: b.meta.ulid, ulid: block.meta.ulid });
      }
      return n;
    } finally {
      this.compacting = false;
    }
  }

  /**
   * Writes a snapshot of the data into `dir` (created; must not exist or be empty), as upstream's
   * `DB.Snapshot` (`POST /api/v1/admin/tsdb/snapshot`): every block hard-linked (copied where links
   * fail) into `<dir>/<ULID>/` with its tombstones, and unless `skipHead` the head's samples
   * (deleted ones left out) written as one more block. The result is a data directory Lookout or
   * Prometheus can start on. Waits for a running compaction first; the head block is written in one
   * go.
   * @throws {Error} when the TSDB is closed or the files cannot be written.
   */
  async snapshot(dir: string, skipHead: boolean): Promise<void> {
    await this.idle();
    if (this.closed) throw new Error('TSDB is closed');
    mkdirSync(dir, { recursive: true });
    for (const b of this.blockList) linkTree(b.dir, join(dir, b.meta.ulid));
    const head = this.head;
    if (skipHead || head.numSeries() === 0) return;
    const meta = writeHeadBlock(head, dir, head.minTime(), head.maxTime() + 1, { ulidTime: this.now(), chunkEncoding: this.blockChunkEncoding });
    // Every head sample deleted: no block, as upstream.
    if (meta !== null && (meta.stats.numSamples ?? 0) === 0) rmSync(join(dir, meta.ulid), { recursive: true, force: true });
  }

  /**
   * {@link snapshot} into `<data dir>/snapshots/<name>`, named as upstream's API names snapshots:
   * the UTC time as `YYYYMMDDTHHMMSSZ`, a dash and 16 random hex digits. Resolves to the name.
   * @throws {Error} as {@link snapshot}.
   */
  async snapshotInDataDir(skipHead: boolean): Promise<string> {
    const name = snapshotName(this.now());
    await this.snapshot(join(this.dir, 'snapshots', name), skipHead);
    return name;
  }

  /**
   * Drives a block writer {@link COMPACTION_SLICE_SERIES} series (at most about
   * {@link COMPACTION_SLICE_SAMPLES} samples) per event-loop turn, finishes it and
   * opens the block. Returns null when the DB was closed meanwhile (the writer is aborted). On error
   * the writer is aborted, or the finished block removed when it cannot be opened (the head or the
   * source blocks still hold its samples), and the error is thrown.
   */
  private async writeBlockInSlices(w: Pick<HeadBlockWriter, 'writeSeries' | 'finish' | 'abort'>): Promise<Block | null> {
    let meta: BlockMeta;
    try {
      while (!w.writeSeries(COMPACTION_SLICE_SERIES, COMPACTION_SLICE_SAMPLES)) {
        await new Promise((resolve) => setImmediate(resolve));
        if (this.closed) {
          w.abort();
          return null;
        }
      }
      meta = w.finish();
    } catch (e) {
      w.abort();
      throw e;
    }
    try {
      return Block.open(join(this.dir, meta.ulid));
    } catch (e) {
      rmSync(join(this.dir, meta.ulid), { recursive: true, force: true });
      throw e;
    }
  }

  /**
   * Applies retention to the blocks (see {@link deleteExpiredBlocks}). As upstream, the head is
   * never truncated for retention: its data leaves the head only when compaction has written it to
   * a block, which retention then deletes. Errors are logged, never thrown. Also run every minute
   * by a timer, after compaction.
   */
  applyRetention(): void {
    // While a block is being written the block list must not change under it; the compaction's
    // tick applies retention when it is done.
    if (this.closed || this.compacting) return;
    this.deleteExpiredBlocks();
  }

  /**
   * Deletes the blocks past retention ({@link expiredBlocks}), counting each rule that deletes once
   * in its `prometheus_tsdb_*_retentions_total`. Blocks are renamed to
   * `<ULID>.tmp-for-deletion`, then removed.
   */
  private deleteExpiredBlocks(): void {
    const other = () => dirBytes(this.wal.dir) + dirBytes(join(this.dir, 'chunks_head'));
    const expired = expiredBlocks(this.blockList, this.retentionMs, this.retentionBytes, other);
    if (expired.byTime) this.blockMetrics!.timeRetentions.inc();
    if (expired.bySize) this.blockMetrics!.sizeRetentions.inc();
    if (expired.blocks.size === 0) return;
    this.blockList = this.blockList.filter((b) => !expired.blocks.has(b));
    for (const b of expired.blocks) this.deleteBlock(b);
  }

  /** Closes block `b` and deletes its directory (renamed to `<ULID>.tmp-for-deletion` first). Errors are logged. */
  private deleteBlock(b: Block): void {
    b.close();
    try {
      const tmp = b.dir + TMP_DELETION_SUFFIX;
      renameSync(b.dir, tmp);
      rmSync(tmp, { recursive: true, force: true });
      this.log.info('Deleting obsolete block', { block: b.meta.ulid, mint: b.meta.minTime, maxt: b.meta.maxTime });
    } catch (e) {
      this.log.error('Deleting an obsolete block failed', { block: b.meta.ulid, err: e });
    }
  }

  /**
   * Resolves once no WAL checkpoint started after a compaction is still being written (at once when
   * none is). A checkpoint interrupted by {@link close} counts as settled.
   */
  checkpointSettled(): Promise<void> {
    return this.walTruncation.settled();
  }

  /**
   * Head statistics for `/api/v1/status/tsdb` (see {@link headStatus}; render with `statusJSON`).
   * @throws {RangeError} when `limit` is not a positive integer.
   */
  status(limit = 10): TSDBStatus {
    return headStatus(this.head, limit);
  }

  /**
   * Stops the retention timer, abandons an unfinished checkpoint (its segments stay), fsyncs and
   * closes the WAL, unregisters the self-metrics and releases the lock. Appenders still held fail on
   * `commit` afterwards. Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.walTruncation.abort();
    this.head.setLog(CLOSED_LOG);
    for (const name of this.metricNames) this.registry?.removeSingleMetric(name);
    for (const b of this.blockList) b.close();
    this.blockList = [];
    try {
      this.head.close();
      this.wal.close();
    } finally {
      this.lock.release();
    }
  }
}
