/**
 * Self-metrics of the TSDB, named, typed and labelled as Prometheus 2.42/3.x exposes them (so
 * existing "Prometheus 2.0 stats" dashboards work). Metrics are always created, so code can count
 * unconditionally; they are registered only on the registry the caller passes.
 *
 * Gauges that describe state (series, chunks, time bounds) are computed when scraped, through
 * prom-client `collect` callbacks, instead of being updated on every append.
 */
import { Counter, Gauge, type Registry, Summary } from 'prom-client';

function regs(registry: Registry | undefined): Registry[] {
  return registry ? [registry] : [];
}

/** Upstream prints the empty head's bounds as math.MaxInt64 / MinInt64. */
const INT64_MAX = 9223372036854775807;

/** A time bound in ms as upstream's int64 gauges show it: ±Infinity (empty) as ±MaxInt64. */
function boundTime(v: number): number {
  return v === Infinity ? INT64_MAX : v === -Infinity ? -INT64_MAX : v;
}

/** Live values the head gauges read at scrape time. */
export interface HeadGaugeSource {
  numSeries(): number;
  numChunks(): number;
  /** Oldest sample timestamp in ms (+Infinity when empty). */
  minTime(): number;
  /** Newest sample timestamp in ms (−Infinity when empty). */
  maxTime(): number;
  activeAppenders(): number;
}

/** Metrics of the in-memory head (upstream `headMetrics`). */
export class HeadMetrics {
  readonly seriesCreated: Counter;
  readonly seriesRemoved: Counter;
  readonly chunksCreated: Counter;
  readonly chunksRemoved: Counter;
  /** `prometheus_tsdb_head_samples_appended_total{type="float"}`. */
  readonly samplesAppended: Counter;
  /** `prometheus_tsdb_out_of_order_samples_total{type="float"}`. */
  readonly outOfOrderSamples: Counter;
  /** `prometheus_tsdb_out_of_bound_samples_total{type="float"}`. */
  readonly outOfBoundSamples: Counter;
  readonly truncations: Counter;
  readonly gcDuration: Summary;

  private readonly samplesAppendedFloat: Counter.Internal;
  private readonly outOfOrderFloat: Counter.Internal;
  private readonly outOfBoundFloat: Counter.Internal;

  constructor(src: HeadGaugeSource, registry?: Registry) {
    const registers = regs(registry);
    new Gauge({
      name: 'prometheus_tsdb_head_series',
      help: 'Total number of series in the head block.',
      registers,
      collect() {
        this.set(src.numSeries());
      },
    });
    new Gauge({
      name: 'prometheus_tsdb_head_chunks',
      help: 'Total number of chunks in the head block.',
      registers,
      collect() {
        this.set(src.numChunks());
      },
    });
    new Gauge({
      name: 'prometheus_tsdb_head_min_time',
      help: 'Minimum time bound of the head block. The unit is decided by the library consumer.',
      registers,
      collect() {
        this.set(boundTime(src.minTime()));
      },
    });
    new Gauge({
      name: 'prometheus_tsdb_head_max_time',
      help: 'Maximum timestamp of the head block. The unit is decided by the library consumer.',
      registers,
      collect() {
        this.set(boundTime(src.maxTime()));
      },
    });
    new Gauge({
      name: 'prometheus_tsdb_head_min_time_seconds',
      help: 'Minimum time bound of the head block.',
      registers,
      collect() {
        this.set(Math.trunc(boundTime(src.minTime()) / 1000));
      },
    });
    new Gauge({
      name: 'prometheus_tsdb_head_max_time_seconds',
      help: 'Maximum timestamp of the head block.',
      registers,
      collect() {
        this.set(Math.trunc(boundTime(src.maxTime()) / 1000));
      },
    });
    new Gauge({
      name: 'prometheus_tsdb_head_active_appenders',
      help: 'Number of currently active appender transactions',
      registers,
      collect() {
        this.set(src.activeAppenders());
      },
    });
    this.seriesCreated = new Counter({
      name: 'prometheus_tsdb_head_series_created_total',
      help: 'Total number of series created in the head',
      registers,
    });
    this.seriesRemoved = new Counter({
      name: 'prometheus_tsdb_head_series_removed_total',
      help: 'Total number of series removed in the head',
      registers,
    });
    this.chunksCreated = new Counter({
      name: 'prometheus_tsdb_head_chunks_created_total',
      help: 'Total number of chunks created in the head',
      registers,
    });
    this.chunksRemoved = new Counter({
      name: 'prometheus_tsdb_head_chunks_removed_total',
      help: 'Total number of chunks removed in the head',
      registers,
    });
    this.samplesAppended = new Counter({
      name: 'prometheus_tsdb_head_samples_appended_total',
      help: 'Total number of appended samples.',
      labelNames: ['type'],
      registers,
    });
    this.outOfOrderSamples = new Counter({
      name: 'prometheus_tsdb_out_of_order_samples_total',
      help: 'Total number of out of order samples ingestion failed attempts due to out of order being disabled.',
      labelNames: ['type'],
      registers,
    });
    this.outOfBoundSamples = new Counter({
      name: 'prometheus_tsdb_out_of_bound_samples_total',
      help: 'Total number of out of bound samples ingestion failed attempts with out of order support disabled.',
      labelNames: ['type'],
      registers,
    });
    this.truncations = new Counter({
      name: 'prometheus_tsdb_head_truncations_total',
      help: 'Total number of head truncations attempted.',
      registers,
    });
    this.gcDuration = new Summary({
      name: 'prometheus_tsdb_head_gc_duration_seconds',
      help: 'Runtime of garbage collection in the head block.',
      percentiles: [],
      registers,
    });
    this.samplesAppendedFloat = this.samplesAppended.labels({ type: 'float' });
    this.outOfOrderFloat = this.outOfOrderSamples.labels({ type: 'float' });
    this.outOfBoundFloat = this.outOfBoundSamples.labels({ type: 'float' });
  }

  /** Counts `n` float samples appended. */
  addSamplesAppended(n: number): void {
    if (n > 0) this.samplesAppendedFloat.inc(n);
  }

  /** Counts `n` float samples rejected as out of order. */
  addOutOfOrder(n: number): void {
    if (n > 0) this.outOfOrderFloat.inc(n);
  }

  /** Counts `n` float samples rejected as out of bounds. */
  addOutOfBound(n: number): void {
    if (n > 0) this.outOfBoundFloat.inc(n);
  }
}

/** Live values the WAL gauges read at scrape time. */
export interface WALGaugeSource {
  currentSegment(): number;
  sizeBytes(): number;
}

/** Metrics of the write-ahead log and its checkpoints (upstream `wlog` and head WAL metrics). */
export class WALMetrics {
  readonly corruptions: Counter;
  readonly writesFailed: Counter;
  readonly pageFlushes: Counter;
  readonly completedPages: Counter;
  readonly fsyncDuration: Summary;
  readonly truncations: Counter;
  readonly truncationsFailed: Counter;
  readonly checkpointCreations: Counter;
  readonly checkpointCreationsFailed: Counter;
  readonly checkpointDeletions: Counter;
  readonly checkpointDeletionsFailed: Counter;
  readonly replayDuration: Gauge;

  constructor(src: () => WALGaugeSource | null, registry?: Registry) {
    const registers = regs(registry);
    new Gauge({
      name: 'prometheus_tsdb_wal_segment_current',
      help: 'Write log segment index that TSDB is currently writing to.',
      registers,
      collect() {
        this.set(src()?.currentSegment() ?? 0);
      },
    });
    new Gauge({
      name: 'prometheus_tsdb_wal_storage_size_bytes',
      help: 'Size of the write log directory.',
      registers,
      collect() {
        this.set(src()?.sizeBytes() ?? 0);
      },
    });
    const counter = (name: string, help: string): Counter => new Counter({ name, help, registers });
    this.corruptions = counter('prometheus_tsdb_wal_corruptions_total', 'Total number of WAL corruptions.');
    this.writesFailed = counter('prometheus_tsdb_wal_writes_failed_total', 'Total number of write log writes that failed.');
    this.pageFlushes = counter('prometheus_tsdb_wal_page_flushes_total', 'Total number of page flushes.');
    this.completedPages = counter('prometheus_tsdb_wal_completed_pages_total', 'Total number of completed pages.');
    this.fsyncDuration = new Summary({
      name: 'prometheus_tsdb_wal_fsync_duration_seconds',
      help: 'Duration of write log fsync.',
      percentiles: [0.5, 0.9, 0.99],
      registers,
    });
    this.truncations = counter('prometheus_tsdb_wal_truncations_total', 'Total number of write log truncations attempted.');
    this.truncationsFailed = counter('prometheus_tsdb_wal_truncations_failed_total', 'Total number of write log truncations that failed.');
    this.checkpointCreations = counter('prometheus_tsdb_checkpoint_creations_total', 'Total number of checkpoint creations attempted.');
    this.checkpointCreationsFailed = counter(
      'prometheus_tsdb_checkpoint_creations_failed_total',
      'Total number of checkpoint creations that failed.',
    );
    this.checkpointDeletions = counter('prometheus_tsdb_checkpoint_deletions_total', 'Total number of checkpoint deletions attempted.');
    this.checkpointDeletionsFailed = counter(
      'prometheus_tsdb_checkpoint_deletions_failed_total',
      'Total number of checkpoint deletions that failed.',
    );
    this.replayDuration = new Gauge({
      name: 'prometheus_tsdb_data_replay_duration_seconds',
      help: 'Time taken to replay the data on disk.',
      registers,
    });
  }
}

/** Live values the block gauges read at scrape time. */
export interface BlockGaugeSource {
  numBlocks(): number;
  blocksBytes(): number;
  /** Bytes of the head chunk files. */
  headChunksBytes(): number;
  /** Oldest timestamp stored (ms): the oldest block's start, else the head's minimum (+Infinity when empty). */
  lowestTimestamp(): number;
  /** `--storage.tsdb.retention.size` in bytes (0: none). */
  retentionLimitBytes(): number;
}

/** Metrics of on-disk blocks: compaction of the head into blocks and time-based retention (upstream `dbMetrics`). */
export class BlockMetrics {
  /**
   * `prometheus_tsdb_compactions_total`: block writes (from the head, merges, tombstone rewrites),
   * failed ones included, as upstream's compactor counts every `write`.
   */
  readonly compactions: Counter;
  /** `prometheus_tsdb_compactions_failed_total`. */
  readonly compactionsFailed: Counter;
  /** `prometheus_tsdb_vertical_compactions_total`: compactions of blocks overlapping in time. */
  readonly verticalCompactions: Counter;
  /** `prometheus_tsdb_time_retentions_total`: retention runs that deleted blocks for their age. */
  readonly timeRetentions: Counter;
  /** `prometheus_tsdb_size_retentions_total`: retention runs that deleted blocks for the size limit. */
  readonly sizeRetentions: Counter;

  constructor(src: () => BlockGaugeSource | null, registry?: Registry) {
    const registers = regs(registry);
    new Gauge({
      name: 'prometheus_tsdb_blocks_loaded',
      help: 'Number of currently loaded data blocks',
      registers,
      collect() {
        this.set(src()?.numBlocks() ?? 0);
      },
    });
    new Gauge({
      name: 'prometheus_tsdb_storage_blocks_bytes',
      help: 'The number of bytes that are currently used for local storage by all blocks.',
      registers,
      collect() {
        this.set(src()?.blocksBytes() ?? 0);
      },
    });
    new Gauge({
      name: 'prometheus_tsdb_head_chunks_storage_size_bytes',
      help: 'Size of the chunks_head directory.',
      registers,
      collect() {
        this.set(src()?.headChunksBytes() ?? 0);
      },
    });
    new Gauge({
      name: 'prometheus_tsdb_lowest_timestamp',
      help: 'Lowest timestamp value stored in the database. The unit is decided by the library consumer.',
      registers,
      collect() {
        this.set(boundTime(src()?.lowestTimestamp() ?? Infinity));
      },
    });
    new Gauge({
      name: 'prometheus_tsdb_lowest_timestamp_seconds',
      help: 'Lowest timestamp value stored in the database.',
      registers,
      collect() {
        this.set(Math.trunc(boundTime(src()?.lowestTimestamp() ?? Infinity) / 1000));
      },
    });
    new Gauge({
      name: 'prometheus_tsdb_retention_limit_bytes',
      help: 'Max number of bytes to be retained in the tsdb blocks, configured 0 means disabled',
      registers,
      collect() {
        this.set(src()?.retentionLimitBytes() ?? 0);
      },
    });
    this.compactions = new Counter({ name: 'prometheus_tsdb_compactions_total', help: 'Total number of compactions that were executed for the partition.', registers });
    this.compactionsFailed = new Counter({ name: 'prometheus_tsdb_compactions_failed_total', help: 'Total number of compactions that failed for the partition.', registers });
    this.verticalCompactions = new Counter({ name: 'prometheus_tsdb_vertical_compactions_total', help: 'Total number of compactions done on overlapping blocks.', registers });
    this.timeRetentions = new Counter({
      name: 'prometheus_tsdb_time_retentions_total',
      help: 'The number of times that blocks were deleted because the maximum time limit was exceeded.',
      registers,
    });
    this.sizeRetentions = new Counter({
      name: 'prometheus_tsdb_size_retentions_total',
      help: 'The number of times that blocks were deleted because the maximum number of bytes was exceeded.',
      registers,
    });
  }
}
