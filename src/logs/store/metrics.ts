/**
 * The log store's self-metrics, named as Loki's distributor and ingester name theirs so Loki
 * dashboards work (`lookout_logs_*` where Loki has no equivalent). Lookout is single-tenant: the `tenant` label is `fake`, Loki's tenant when
 * `auth_enabled: false`.
 */
import { Counter, Gauge, Histogram, exponentialBuckets, type Registry } from 'prom-client';

/** Loki's tenant ID when multi-tenancy is off. */
export const TENANT = 'fake';

/** Counters and gauges of one store; registered only when a registry is given. */
export interface StoreMetrics {
  linesReceived: Counter<'tenant'>;
  bytesReceived: Counter<'tenant'>;
  discardedSamples: Counter<'reason' | 'tenant'>;
  discardedBytes: Counter<'reason' | 'tenant'>;
  memoryStreams: Gauge<'tenant'>;
  memoryChunks: Gauge;
  streamsCreated: Counter<'tenant'>;
  streamsRemoved: Counter<'tenant'>;
  chunksFlushed: Counter<'reason'>;
  chunkStoredBytes: Counter<'tenant'>;
  chunkEntries: Histogram;
  walRecords: Counter;
  walBytes: Counter;
  walCorruptions: Counter;
  walReplayDuration: Gauge;
  diskBytes: Gauge;
}

/** Creates the metrics, registering them on `registry` when given. */
export function storeMetrics(registry?: Registry): StoreMetrics {
  const registers = registry ? [registry] : [];
  return {
    linesReceived: new Counter({
      name: 'loki_distributor_lines_received_total',
      help: 'The total number of lines received.',
      labelNames: ['tenant'],
      registers,
    }),
    bytesReceived: new Counter({
      name: 'loki_distributor_bytes_received_total',
      help: 'The total number of uncompressed bytes received.',
      labelNames: ['tenant'],
      registers,
    }),
    discardedSamples: new Counter({
      name: 'loki_discarded_samples_total',
      help: 'The total number of samples that were discarded.',
      labelNames: ['reason', 'tenant'],
      registers,
    }),
    discardedBytes: new Counter({
      name: 'loki_discarded_bytes_total',
      help: 'The total number of bytes that were discarded.',
      labelNames: ['reason', 'tenant'],
      registers,
    }),
    memoryStreams: new Gauge({
      name: 'loki_ingester_memory_streams',
      help: 'The total number of streams in memory per tenant.',
      labelNames: ['tenant'],
      registers,
    }),
    memoryChunks: new Gauge({ name: 'loki_ingester_memory_chunks', help: 'The total number of chunks in memory.', registers }),
    streamsCreated: new Counter({
      name: 'loki_ingester_streams_created_total',
      help: 'The total number of streams created per tenant.',
      labelNames: ['tenant'],
      registers,
    }),
    streamsRemoved: new Counter({
      name: 'loki_ingester_streams_removed_total',
      help: 'The total number of streams removed per tenant.',
      labelNames: ['tenant'],
      registers,
    }),
    chunksFlushed: new Counter({
      name: 'loki_ingester_chunks_flushed_total',
      help: 'Total flushed chunks per reason.',
      labelNames: ['reason'],
      registers,
    }),
    chunkStoredBytes: new Counter({
      name: 'loki_ingester_chunk_stored_bytes_total',
      help: 'Total bytes stored in chunks per tenant.',
      labelNames: ['tenant'],
      registers,
    }),
    chunkEntries: new Histogram({
      name: 'loki_ingester_chunk_entries',
      help: 'Distribution of stored lines per chunk (when stored).',
      buckets: exponentialBuckets(200, 2, 9),
      registers,
    }),
    walRecords: new Counter({ name: 'loki_ingester_wal_records_logged_total', help: 'Total number of WAL records logged.', registers }),
    walBytes: new Counter({ name: 'loki_ingester_wal_logged_bytes_total', help: 'Total bytes written to WAL.', registers }),
    walCorruptions: new Counter({
      name: 'loki_ingester_wal_corruptions_total',
      help: 'Total number of WAL corruptions encountered.',
      registers,
    }),
    walReplayDuration: new Gauge({
      name: 'loki_ingester_wal_replay_duration_seconds',
      help: 'Time taken to replay the checkpoint and the WAL.',
      registers,
    }),
    diskBytes: new Gauge({
      name: 'lookout_logs_storage_bytes',
      help: 'Bytes of log chunk files and WAL segments on disk (what --logs.retention-size limits).',
      registers,
    }),
  };
}
