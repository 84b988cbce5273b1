/**
 * The TSDB: a {@link Head} made durable by a WAL, with time-based retention, in one data directory
 * (`--storage.tsdb.path`):
 *
 * ```
 * <dir>/lock                    pid lock (see lock.ts)
 * <dir>/wal/00000000 …          WAL segments (see wal/segment.ts)
 * <dir>/wal/checkpoint.NNNNNNNN series of segments ≤ NNNNNNNN that were deleted
 * ```
 *
 * In this version the head holds every sample within retention (there are no on-disk blocks yet),
 * so the WAL holds the whole retention window; retention deletes whole segments once all their
 * samples are older than `now − retention`, after carrying the live series into a checkpoint.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { type Logger, logger } from '../log.js';
import { Head, type HeadLog } from './head.js';
import type { AppendBatch } from './head_append.js';
import { CheckpointEncoder, HeadWALLog, replayWAL } from './head_wal.js';
import { acquireLock, type DirLock } from './lock.js';
import { WALMetrics } from './metrics.js';
import { headStatus, type TSDBStatus } from './status.js';
import type { Appender, Querier, Storage } from './types.js';
import { CheckpointWriter, deleteCheckpointsBefore } from './wal/checkpoint.js';
import { WAL, WALWriteError } from './wal/wal.js';

export type { TSDBStat, TSDBStatus } from './status.js';

/** Default retention: 15 days, as `--storage.tsdb.retention.time`. */
export const DEFAULT_RETENTION_MS = 15 * 24 * 3600_000;

/** How often the retention timer runs (upstream checks retention in its 1-minute compaction loop). */
const RETENTION_INTERVAL_MS = 60_000;

/**
 * A WAL segment is completed once its oldest sample is this old, so retention can delete WAL history
 * in steps of about this size even when ingestion is too slow to fill 128 MiB segments (2 h, the
 * span of upstream's head before it is compacted to a block).
 */
const SEGMENT_SPAN_MS = 2 * 3600_000;

/**
 * Series written per checkpoint slice (one record, one event-loop turn): ~10 ms of encoding, so a
 * checkpoint of a large head never blocks the event loop for long.
 */
const CHECKPOINT_SLICE_SERIES = 10_000;

/** A checkpoint being written, slice by slice. */
interface CheckpointJob {
  /** Segments up to this index are covered and deleted when the checkpoint is complete. */
  readonly last: number;
  readonly encoder: CheckpointEncoder;
  readonly writer: CheckpointWriter;
}

/** Options of {@link TSDB.open}. */
export interface TSDBOptions {
  /** Data directory (`--storage.tsdb.path`); created if missing. */
  dir: string;
  /** Retention in ms (`--storage.tsdb.retention.time`), default 15 days. */
  retentionMs?: number;
  /** Registry for the `prometheus_tsdb_*` self-metrics. */
  registry?: Registry;
  /** Logger (default: component `tsdb` on stderr). */
  log?: Logger;
  /** Clock in ms since the epoch (for tests); default `Date.now`. */
  now?: () => number;
  /** WAL segment size in bytes (`--storage.tsdb.wal-segment-size`), default 128 MiB. */
  walSegmentSize?: number;
}

/** Stands in for the WAL after close: commits from appenders still held fail instead of being lost silently. */
const CLOSED_LOG: HeadLog = {
  logCommit(_newSeries: readonly number[], _batch: AppendBatch | null): void {
    throw new WALWriteError('TSDB is closed');
  },
};

/** A durable TSDB over one data directory. Implements {@link Storage}. */
export class TSDB implements Storage {
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private checkpoint: CheckpointJob | null = null;
  private settled: (() => void)[] = [];
  private registry: Registry | null = null;
  /** Self-metrics this TSDB registered (unregistered on close). */
  private metricNames: string[] = [];

  private constructor(
    /** The in-memory head (read-only use: statistics, tests, benchmarks). */
    readonly head: Head,
    private readonly wal: WAL,
    private readonly lock: DirLock,
    private readonly walMetrics: WALMetrics,
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly retentionMs: number,
  ) {}

  /**
   * Opens or creates the data directory, takes its lock, replays the WAL (repairing a damaged tail
   * with a logged warning), applies retention once and starts the retention timer (unref'd).
   * @throws {LockError} when another live process (or this one) has the directory open.
   * @throws {RangeError} for a retention that is not a positive number of ms.
   * @throws {Error} (fs errors) when the directory cannot be created, read or written.
   */
  static open(opts: TSDBOptions): TSDB {
    const retentionMs = opts.retentionMs ?? DEFAULT_RETENTION_MS;
    if (!Number.isFinite(retentionMs) || retentionMs <= 0) throw new RangeError(`invalid retention ${retentionMs} ms: must be positive`);
    const log = opts.log ?? logger('tsdb');
    const now = opts.now ?? Date.now;
    mkdirSync(opts.dir, { recursive: true });
    const lock = acquireLock(opts.dir);
    const registered = new Set(opts.registry?.getMetricsAsArray().map((m) => m.name));
    try {
      const walDir = join(opts.dir, 'wal');
      mkdirSync(walDir, { recursive: true });
      const head = new Head({ registry: opts.registry });
      let wal: WAL | null = null;
      const walMetrics = new WALMetrics(() => wal, opts.registry);
      const start = performance.now();
      const replay = replayWAL(head, walDir, now() - retentionMs, log, walMetrics);
      const seconds = (performance.now() - start) / 1000;
      walMetrics.replayDuration.set(seconds);
      log.info('WAL replay completed', {
        series: replay.series,
        samples: replay.samples,
        expired_samples: replay.expired,
        duration: `${seconds.toFixed(3)}s`,
      });
      wal = WAL.open(walDir, { segmentSize: opts.walSegmentSize, metrics: walMetrics, log }, replay.segmentRanges);
      head.setLog(new HeadWALLog(wal, head));
      const db = new TSDB(head, wal, lock, walMetrics, log, now, retentionMs);
      db.registry = opts.registry ?? null;
      db.metricNames = (opts.registry?.getMetricsAsArray() ?? []).map((m) => m.name).filter((n) => !registered.has(n));
      db.applyRetention();
      db.timer = setInterval(() => db.applyRetention(), RETENTION_INTERVAL_MS);
      db.timer.unref();
      return db;
    } catch (e) {
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

  /** A querier over [mint, maxt] (ms, inclusive). */
  querier(mint: number, maxt: number): Querier {
    return this.head.querier(mint, maxt);
  }

  /**
   * Drops data older than `now − retention`: head chunks whose newest sample is older, series left
   * empty, then WAL segments whose samples are all older, after writing their live series to a
   * checkpoint. The checkpoint is written in slices of 10,000 series, one per event-loop turn: a
   * small head's completes within this call, a large head's later (see {@link retentionSettled}).
   * Errors are logged and counted, never thrown. Also run every minute by a timer.
   */
  applyRetention(): void {
    if (this.closed) return;
    const cutoff = this.now() - this.retentionMs;
    const { removedSeries, removedChunks } = this.head.truncate(cutoff);
    if (removedSeries > 0 || removedChunks > 0) {
      this.log.debug('Retention removed head data', { series: removedSeries, chunks: removedChunks, cutoff });
    }
    this.truncateWAL(cutoff);
  }

  private truncateWAL(cutoff: number): void {
    const wal = this.wal;
    const m = this.walMetrics;
    try {
      const cur = wal.currentSegment();
      if (!wal.currentSegmentEmpty() && wal.segmentRange(cur)!.minT <= this.now() - SEGMENT_SPAN_MS) wal.nextSegment();
    } catch (e) {
      this.log.error('Starting a new WAL segment failed', { err: e });
    }
    if (this.checkpoint !== null) return;
    let last = -1;
    for (const i of wal.segments()) {
      if (i === wal.currentSegment() || wal.segmentRange(i)!.maxT >= cutoff) break;
      last = i;
    }
    if (last < 0) return;
    m.checkpointCreations.inc();
    try {
      this.checkpoint = { last, encoder: new CheckpointEncoder(this.head), writer: new CheckpointWriter(wal.dir, last) };
    } catch (e) {
      m.checkpointCreationsFailed.inc();
      this.log.error('Creating WAL checkpoint failed', { checkpoint: last, err: e });
      return;
    }
    this.checkpointSlice(this.checkpoint);
  }

  /** Writes one slice of checkpoint `job`; schedules the next, or completes the truncation. */
  private checkpointSlice(job: CheckpointJob): void {
    if (this.checkpoint !== job) return;
    try {
      job.encoder.encodeNext(CHECKPOINT_SLICE_SERIES, (rec) => job.writer.add(rec));
      if (job.encoder.remaining > 0) {
        setImmediate(() => this.checkpointSlice(job));
        return;
      }
      job.writer.finish();
    } catch (e) {
      this.walMetrics.checkpointCreationsFailed.inc();
      this.log.error('Creating WAL checkpoint failed', { checkpoint: job.last, err: e });
      job.writer.abort();
      this.endCheckpoint();
      return;
    }
    this.endCheckpoint();
    const m = this.walMetrics;
    m.truncations.inc();
    try {
      this.wal.removeSegmentsUpTo(job.last);
    } catch (e) {
      m.truncationsFailed.inc();
      this.log.error('Deleting WAL segments failed', { upTo: job.last, err: e });
    }
    m.checkpointDeletions.inc();
    try {
      deleteCheckpointsBefore(this.wal.dir, job.last);
    } catch (e) {
      m.checkpointDeletionsFailed.inc();
      this.log.error('Deleting old WAL checkpoints failed', { before: job.last, err: e });
    }
  }

  private endCheckpoint(): void {
    this.checkpoint = null;
    for (const resolve of this.settled.splice(0)) resolve();
  }

  /**
   * Resolves once no WAL checkpoint started by {@link applyRetention} is still being written (at
   * once when none is). A checkpoint interrupted by {@link close} counts as settled.
   */
  retentionSettled(): Promise<void> {
    if (this.checkpoint === null) return Promise.resolve();
    return new Promise((resolve) => this.settled.push(resolve));
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
    if (this.checkpoint !== null) {
      this.checkpoint.writer.abort();
      this.endCheckpoint();
    }
    this.head.setLog(CLOSED_LOG);
    for (const name of this.metricNames) this.registry?.removeSingleMetric(name);
    try {
      this.wal.close();
    } finally {
      this.lock.release();
    }
  }
}
