/**
 * Remote write for a running server, as Prometheus's `storage/remote.Storage` (write side): one
 * {@link QueueManager} + {@link WALWatcher} + {@link RemoteClient} per `remote_write` entry, all
 * reading the TSDB's WAL directory. {@link applyConfig} keeps queues whose config did not change
 * and replaces the others (a replaced queue flushes what it holds first, within the flush
 * deadline; its new watcher starts at the end of the WAL, as upstream's does on reload).
 */
import { createHash } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { RemoteWriteConfig } from '../config/prometheus.js';
import type { Logger } from '../log.js';
import type { Labels } from '../model/labels.js';
import { RemoteClient } from './client.js';
import { MetadataSender, type FamilyMetadata } from './metadata.js';
import { RemoteMetrics } from './metrics.js';
import { QueueManager } from './queue.js';
import { WALWatcher } from './wal-watcher.js';

/** Protocol headers of every remote-write request (upstream `client.go`). */
export const REMOTE_WRITE_HEADERS: Readonly<Record<string, string>> = {
  'content-encoding': 'snappy',
  'content-type': 'application/x-protobuf',
  'x-prometheus-remote-write-version': '0.1.0',
};

/** Options of {@link RemoteStorage}. */
export interface RemoteStorageOptions {
  /** The TSDB's WAL directory (`<storage.tsdb.path>/wal`). */
  walDir: string;
  registry?: Registry;
  log: Logger;
  /** `User-Agent` of requests, e.g. `Lookout/0.1.0`. */
  userAgent: string;
  /** Most time a stopping queue spends sending what it holds, ms (upstream `flushDeadline`, 1 min). */
  flushDeadlineMs?: number;
  /** WAL poll interval, ms (see {@link WALWatcher}). */
  pollMs?: number;
  /** Shard recomputation interval, ms (see {@link QueueManager}). */
  reshardIntervalMs?: number;
  /** Metric metadata of the active targets, for `metadata_config.send` (none sent without it). */
  metadata?: () => FamilyMetadata[];
}

/** `remote_name` of a config: its `name`, else the first 6 hex digits of a hash of it (as upstream). */
export function remoteName(cfg: RemoteWriteConfig): string {
  return cfg.name || createHash('md5').update(JSON.stringify(cfg)).digest('hex').slice(0, 6);
}

interface Running {
  key: string;
  queue: QueueManager;
  watcher: WALWatcher;
  client: RemoteClient;
  metadata: MetadataSender | null;
}

/** The remote-write side of a server; see the module comment. */
export class RemoteStorage {
  private readonly metrics: RemoteMetrics;
  private running: Running[] = [];

  constructor(private readonly opts: RemoteStorageOptions) {
    this.metrics = new RemoteMetrics(opts.registry);
  }

  /** Queues running now, in config order (for tests and status pages). */
  queues(): readonly QueueManager[] {
    return this.running.map((r) => r.queue);
  }

  /**
   * Applies `remote_write` and the global `external_labels` (sorted name, value pairs): unchanged
   * queues keep running; others are stopped (flushing) and started anew.
   */
  async applyConfig(configs: readonly RemoteWriteConfig[], externalLabels: Labels): Promise<void> {
    const next: Running[] = [];
    const keep = new Set<Running>();
    for (const cfg of configs) {
      const key = JSON.stringify([cfg, externalLabels]);
      const old = this.running.find((r) => r.key === key && !keep.has(r));
      if (old) {
        keep.add(old);
        next.push(old);
        continue;
      }
      next.push(this.start(cfg, externalLabels, key));
    }
    const gone = this.running.filter((r) => !keep.has(r));
    this.running = next;
    await Promise.all(gone.map((r) => this.stopOne(r)));
  }

  /** Stops every queue, flushing within the flush deadline. */
  async close(): Promise<void> {
    const all = this.running;
    this.running = [];
    await Promise.all(all.map((r) => this.stopOne(r)));
  }

  private start(cfg: RemoteWriteConfig, externalLabels: Labels, key: string): Running {
    const name = remoteName(cfg);
    const client = new RemoteClient(
      cfg.url,
      cfg.httpClientConfig,
      { ...cfg.headers, ...REMOTE_WRITE_HEADERS, 'user-agent': this.opts.userAgent },
      cfg.remoteTimeoutMs,
    );
    let watcher: WALWatcher | null = null;
    const queue = new QueueManager({
      cfg,
      name,
      externalLabels,
      metrics: this.metrics,
      send: (body) => client.post(body),
      log: this.opts.log,
      reshardIntervalMs: this.opts.reshardIntervalMs,
      onRoom: () => watcher?.poke(),
    });
    watcher = new WALWatcher(this.opts.walDir, queue, {
      pollMs: this.opts.pollMs,
      log: this.opts.log,
      onRecord: (type) => this.metrics.walRecordsRead.inc({ consumer: name, type }),
      onSegment: (segment) => this.metrics.walCurrentSegment.set({ consumer: name }, segment),
    });
    watcher.start();
    let metadata: MetadataSender | null = null;
    const source = this.opts.metadata;
    if (cfg.metadataConfig.send && source) {
      const labels = { remote_name: name, url: cfg.url };
      metadata = new MetadataSender({
        source,
        send: (body) => client.post(body),
        intervalMs: cfg.metadataConfig.sendIntervalMs,
        perRequest: cfg.metadataConfig.maxSamplesPerSend,
        minBackoffMs: cfg.queueConfig.minBackoffMs,
        maxBackoffMs: cfg.queueConfig.maxBackoffMs,
        retryOnHttp429: cfg.queueConfig.retryOnHttp429,
        log: this.opts.log,
        onResult: (ok, entries, bytes) => {
          if (ok) {
            this.metrics.metadataTotal.inc(labels, entries);
            this.metrics.metadataBytes.inc(labels, bytes);
          } else this.metrics.metadataFailed.inc(labels, entries);
        },
      });
      metadata.start();
    }
    this.opts.log.info('Starting remote write queue', { remote_name: name, url: cfg.url });
    return { key, queue, watcher, client, metadata };
  }

  private async stopOne(r: Running): Promise<void> {
    r.watcher.stop();
    r.metadata?.stop();
    await r.queue.stop(this.opts.flushDeadlineMs ?? 60_000);
    r.client.close();
  }
}
