/**
 * Remote-write self-metrics with Prometheus 2.42's names (`storage/remote/queue_manager.go`,
 * `write.go`), labelled `remote_name` and `url` per queue, so its dashboards and alerts
 * (`PrometheusRemoteWriteBehind`, …) work unchanged.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const NS = 'prometheus_remote_storage_';
const LABELS = ['remote_name', 'url'] as const;

/** The metric objects shared by every queue of one process. */
export class RemoteMetrics {
  readonly samplesTotal: Counter<'remote_name' | 'url'>;
  readonly samplesFailed: Counter<'remote_name' | 'url'>;
  readonly samplesRetried: Counter<'remote_name' | 'url'>;
  readonly samplesDropped: Counter<'remote_name' | 'url'>;
  readonly enqueueRetries: Counter<'remote_name' | 'url'>;
  readonly bytesTotal: Counter<'remote_name' | 'url'>;
  readonly samplesPending: Gauge<'remote_name' | 'url'>;
  readonly shards: Gauge<'remote_name' | 'url'>;
  readonly shardsDesired: Gauge<'remote_name' | 'url'>;
  readonly shardsMin: Gauge<'remote_name' | 'url'>;
  readonly shardsMax: Gauge<'remote_name' | 'url'>;
  readonly shardCapacity: Gauge<'remote_name' | 'url'>;
  readonly maxSamplesPerSend: Gauge<'remote_name' | 'url'>;
  readonly highestSent: Gauge<'remote_name' | 'url'>;
  readonly sentBatchDuration: Histogram<'remote_name' | 'url'>;
  readonly metadataTotal: Counter<'remote_name' | 'url'>;
  readonly metadataFailed: Counter<'remote_name' | 'url'>;
  readonly metadataBytes: Counter<'remote_name' | 'url'>;
  /** Unlabelled, as upstream: newest sample timestamp read for remote write (seconds). */
  readonly highestTimestamp: Gauge;
  readonly walRecordsRead: Counter<'consumer' | 'type'>;
  readonly walCurrentSegment: Gauge<'consumer'>;

  /** Registers every metric on `registry` (or on none, for tests). */
  constructor(registry?: Registry) {
    const registers = registry ? [registry] : [];
    const c = (name: string, help: string) => new Counter({ name: NS + name, help, labelNames: LABELS, registers });
    const g = (name: string, help: string) => new Gauge({ name: NS + name, help, labelNames: LABELS, registers });
    this.samplesTotal = c('samples_total', 'Total number of samples sent to remote storage.');
    this.samplesFailed = c('samples_failed_total', 'Total number of samples which failed on send to remote storage, non-recoverable errors.');
    this.samplesRetried = c(
      'samples_retried_total',
      'Total number of samples which failed on send to remote storage but were retried because the send error was recoverable.',
    );
    this.samplesDropped = c(
      'samples_dropped_total',
      'Total number of samples which were dropped after being read from the WAL before being sent via remote write, either via relabelling or unintentionally because of an unknown reference ID.',
    );
    this.enqueueRetries = c('enqueue_retries_total', 'Total number of times enqueue has failed because a shards queue was full.');
    this.bytesTotal = c(
      'bytes_total',
      'The total number of bytes of data (not metadata) sent by the queue after compression. Note that when exemplars over remote write is enabled the exemplars included in a remote write request count towards this metric.',
    );
    this.samplesPending = g('samples_pending', 'The number of samples pending in the queues shards to be sent to the remote storage.');
    this.shards = g('shards', 'The number of shards used for parallel sending to the remote storage.');
    this.shardsDesired = g('shards_desired', 'The number of shards that the queues shard calculation wants to run based on the rate of samples in vs. samples out.');
    this.shardsMin = g('shards_min', 'The minimum number of shards that the queue is allowed to run.');
    this.shardsMax = g('shards_max', 'The maximum number of shards that the queue is allowed to run.');
    this.shardCapacity = g('shard_capacity', 'The capacity of each shard of the queue used for parallel sending to the remote storage.');
    this.maxSamplesPerSend = g('max_samples_per_send', 'The maximum number of samples to be sent, in a single request, to the remote storage.');
    this.highestSent = g(
      'queue_highest_sent_timestamp_seconds',
      'Timestamp from a WAL sample, the highest timestamp successfully sent by this queue, in seconds since epoch.',
    );
    this.sentBatchDuration = new Histogram({
      name: NS + 'sent_batch_duration_seconds',
      help: 'Duration of send calls to the remote storage.',
      labelNames: LABELS,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 60, 120, 300],
      registers,
    });
    this.metadataTotal = c('metadata_total', 'Total number of metadata entries sent to remote storage.');
    this.metadataFailed = c('metadata_failed_total', 'Total number of metadata entries which failed on send to remote storage, non-recoverable errors.');
    this.metadataBytes = c('metadata_bytes_total', 'The total number of bytes of metadata sent by the queue after compression.');
    this.highestTimestamp = new Gauge({
      name: NS + 'highest_timestamp_in_seconds',
      help: 'Highest timestamp that has come into the remote storage via the Appender interface, in seconds since epoch.',
      registers,
    });
    this.walRecordsRead = new Counter({
      name: 'prometheus_wal_watcher_records_read_total',
      help: 'Number of records read by the WAL watcher from the WAL.',
      labelNames: ['consumer', 'type'],
      registers,
    });
    this.walCurrentSegment = new Gauge({
      name: 'prometheus_wal_watcher_current_segment',
      help: 'Current segment the WAL watcher is reading records from.',
      labelNames: ['consumer'],
      registers,
    });
  }
}
