/**
 * Remote-write metadata (`remote_write.metadata_config`), as Prometheus's `MetadataWatcher` and
 * `QueueManager.AppendMetadata`: every `send_interval` the metric metadata of all active targets
 * (TYPE/HELP/UNIT, one entry per metric family) is sent as `WriteRequest`s holding only
 * `metadata`, at most `max_samples_per_send` entries each. Recoverable failures (connection
 * errors, 5xx, 429 with `retry_on_http_429`) are retried with the queue's backoff until the next
 * interval; others are counted as failed.
 */
import type { Logger } from '../log.js';
import type { PostResult } from './client.js';
import { WriteRequestEncoder } from './proto.js';
import { snappyEncode } from './snappy.js';

/** Metadata of one metric family, as `/api/v1/metadata` reports it (type in lower case). */
export interface FamilyMetadata {
  family: string;
  type: string;
  help: string;
  unit: string;
}

/** `MetricMetadata.MetricType` number of an exposition type name (0 = unknown). */
export function metricTypeNumber(type: string): number {
  const types: Record<string, number> = { counter: 1, gauge: 2, histogram: 3, gaugehistogram: 4, summary: 5, info: 6, stateset: 7 };
  return types[type] ?? 0;
}

/**
 * Encodes `entries` as snappy-compressed `WriteRequest`s of at most `perRequest` metadata
 * entries each (no series).
 */
export function encodeMetadataRequests(entries: readonly FamilyMetadata[], perRequest: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < entries.length; i += perRequest) {
    const enc = new WriteRequestEncoder();
    for (const m of entries.slice(i, i + perRequest)) enc.metadata(metricTypeNumber(m.type), m.family, m.help, m.unit);
    out.push(snappyEncode(enc.finish()));
  }
  return out;
}

/** Options of {@link MetadataSender}. */
export interface MetadataSenderOptions {
  source: () => FamilyMetadata[];
  send: (body: Uint8Array) => Promise<PostResult>;
  intervalMs: number;
  perRequest: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  retryOnHttp429: boolean;
  log: Logger;
  /** Called with the outcome of each request: entries and compressed bytes sent, or failed. */
  onResult?: (ok: boolean, entries: number, bytes: number) => void;
}

/** Sends metadata on a timer; see the module comment. */
export class MetadataSender {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private round = 0;

  constructor(private readonly opts: MetadataSenderOptions) {}

  /** Starts the timer (first send after one interval, as upstream). */
  start(): void {
    this.timer = setInterval(() => void this.sendAll(), this.opts.intervalMs);
    this.timer.unref?.();
  }

  /** Stops sending; an in-flight retry ends at its next attempt. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One round: every family's metadata, in requests of `perRequest` entries. */
  async sendAll(): Promise<void> {
    const round = ++this.round;
    const entries = this.opts.source();
    const bodies = encodeMetadataRequests(entries, this.opts.perRequest);
    for (let i = 0; i < bodies.length; i++) {
      const n = Math.min(this.opts.perRequest, entries.length - i * this.opts.perRequest);
      let backoff = this.opts.minBackoffMs;
      for (;;) {
        if (this.stopped || round !== this.round) return;
        let status = 0;
        let err = '';
        try {
          const res = await this.opts.send(bodies[i]!);
          status = res.status;
          err = res.body.toString('utf8').trim();
        } catch (e) {
          err = (e as Error).message;
        }
        if (status >= 200 && status < 300) {
          this.opts.onResult?.(true, n, bodies[i]!.length);
          break;
        }
        const recoverable = status === 0 || status >= 500 || (status === 429 && this.opts.retryOnHttp429);
        if (!recoverable) {
          this.opts.onResult?.(false, n, 0);
          this.opts.log.error('non-recoverable error while sending metadata', { count: n, err: status ? `server returned HTTP status ${status}: ${err}` : err });
          break;
        }
        await new Promise((r) => setTimeout(r, backoff).unref?.());
        backoff = Math.min(backoff * 2, this.opts.maxBackoffMs);
      }
    }
  }
}
