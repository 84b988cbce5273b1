/**
 * One remote-write queue, as Prometheus's `storage/remote/queue_manager.go`: it receives series and
 * samples from a {@link WALWatcher} (as its {@link WatcherSink}), applies external labels and
 * `write_relabel_configs` once per series, spreads samples over shards by series ref (so one
 * series' samples stay in order), and each shard sends batches of up to `max_samples_per_send`
 * samples — or whatever it holds once `batch_send_deadline` passed — as snappy-compressed
 * `WriteRequest`s, one request in flight per shard.
 *
 * - Retries: connection errors, timeouts, 5xx and (with `retry_on_http_429`) 429 are retried
 *   forever with a backoff doubling from `min_backoff` to `max_backoff`; other statuses drop the
 *   batch (`prometheus_remote_storage_samples_failed_total`).
 * - Backpressure: a shard holds at most `capacity` samples; when full the watcher stops reading
 *   the WAL until there is room.
 * - Dynamic sharding: every `reshardIntervalMs` (10 s, as upstream) the desired shard count is
 *   computed from EWMA rates of samples in and out and the time sends take (see
 *   {@link desiredShards}); when it leaves the ±30 % tolerance band the shards are drained and
 *   rebuilt with the new count, clamped to [min_shards, max_shards].
 *
 * Timestamps are ms inside; metrics report seconds. Each sample is sent as read from the WAL
 * (value bits included, so staleness markers reach the receiver).
 */
import type { RemoteWriteConfig } from '../config/prometheus.js';
import { relabel } from '../config/relabel.js';
import type { Logger } from '../log.js';
import type { Labels } from '../model/labels.js';
import { fromBits } from '../tsdb/chunkenc/floatbits.js';
import type { SampleBatch } from '../tsdb/wal/record.js';
import type { PostResult } from './client.js';
import type { RemoteMetrics } from './metrics.js';
import { WriteRequestEncoder } from './proto.js';
import { withExternalLabels } from './read-handler.js';
import { snappyEncode } from './snappy.js';
import type { WatcherSink } from './wal-watcher.js';

/** Sends one encoded (compressed) request; rejects for failures before a response. */
export type SendFn = (body: Uint8Array) => Promise<PostResult>;

/** Options of {@link QueueManager}. */
export interface QueueManagerOptions {
  cfg: RemoteWriteConfig;
  /** `remote_name` label: the config's `name` or a hash of it. */
  name: string;
  /** Sorted external labels added to series that lack them (before relabeling, as upstream). */
  externalLabels: Labels;
  metrics: RemoteMetrics;
  send: SendFn;
  log: Logger;
  /** How often the shard count is recomputed, ms (default 10 s). */
  reshardIntervalMs?: number;
  /** Called when shards freed room after being full (the watcher then reads on). */
  onRoom?: () => void;
}

/** Inputs of {@link desiredShards}: EWMA rates per second and timestamps in seconds. */
export interface ShardingState {
  current: number;
  minShards: number;
  maxShards: number;
  /** Samples read from the WAL per second. */
  inRate: number;
  /** Samples sent successfully per second. */
  outRate: number;
  /** Samples dropped (relabeling, unknown series) per second. */
  droppedRate: number;
  /** Seconds spent in send calls per second (summed over shards). */
  outDuration: number;
  /** Newest sample timestamp read and newest sent, seconds. */
  highestRecv: number;
  highestSent: number;
}

/**
 * Upstream's `calculateDesiredShards`: time per sample × (input rate × kept ratio + 5 % of the
 * backlog per second); no change when the result is within 30 % of `current` or nothing was sent
 * yet; clamped to [minShards, maxShards]. Returns `{ raw, shards }`: `raw` is the unrounded
 * figure reported as `prometheus_remote_storage_shards_desired`.
 */
export function desiredShards(s: ShardingState): { raw: number; shards: number } {
  if (s.outRate <= 0) return { raw: s.current, shards: s.current };
  const keptRatio = s.outRate / (s.droppedRate + s.outRate);
  const delay = Math.max(0, s.highestRecv - s.highestSent);
  const pending = delay * s.inRate * keptRatio;
  const timePerSample = s.outDuration / s.outRate;
  const raw = timePerSample * (s.inRate * keptRatio + 0.05 * pending);
  const want = Math.ceil(raw);
  if (want >= s.current * 0.7 && want <= s.current * 1.3) return { raw, shards: s.current };
  return { raw, shards: Math.min(s.maxShards, Math.max(s.minShards, want)) };
}

/** An exponentially weighted rate (upstream `ewmaRate`, weight 0.2). */
class EWMA {
  private value = 0;
  private init = false;
  private count = 0;

  add(n: number): void {
    this.count += n;
  }

  /** Folds the count of the last `sec` seconds into the rate. */
  tick(sec: number): number {
    const instant = this.count / sec;
    this.count = 0;
    if (this.init) this.value += 0.2 * (instant - this.value);
    else if (instant > 0) {
      this.value = instant;
      this.init = true;
    }
    return this.value;
  }
}

/** One shard: a bounded queue of samples (typed columns) and its send loop. */
class Shard {
  refs: Float64Array;
  ts: Float64Array;
  hi: Uint32Array;
  lo: Uint32Array;
  len = 0;
  sending = false;
  flushing = false;
  firstQueuedAt = 0;
  timer: NodeJS.Timeout | null = null;

  constructor(readonly capacity: number) {
    this.refs = new Float64Array(capacity);
    this.ts = new Float64Array(capacity);
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
  }

  /** Removes the first `n` entries. */
  shift(n: number): void {
    this.refs.copyWithin(0, n, this.len);
    this.ts.copyWithin(0, n, this.len);
    this.hi.copyWithin(0, n, this.len);
    this.lo.copyWithin(0, n, this.len);
    this.len -= n;
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });

/** A remote-write queue; see the module comment. */
export class QueueManager implements WatcherSink {
  private readonly cfg: RemoteWriteConfig;
  private readonly labels: { remote_name: string; url: string };
  /** Series labels after external labels and relabeling; null when relabeling dropped the series. */
  private readonly series = new Map<number, Labels | null>();
  private shards: Shard[] = [];
  private resharding = false;
  private full = false;
  private stopped = false;
  private readonly abort = new AbortController();
  private reshardTimer: NodeJS.Timeout | null = null;
  private readonly inRate = new EWMA();
  private readonly outRate = new EWMA();
  private readonly droppedRate = new EWMA();
  private readonly outDuration = new EWMA();
  private highestRecvMs = 0;
  private highestSentMs = 0;
  private lastSendOkAt = 0;
  private pending = 0;
  private lastTick = Date.now();
  private failing = false;

  constructor(private readonly opts: QueueManagerOptions) {
    this.cfg = opts.cfg;
    this.labels = { remote_name: opts.name, url: opts.cfg.url };
    const q = this.cfg.queueConfig;
    const m = opts.metrics;
    m.shardsMin.set(this.labels, q.minShards);
    m.shardsMax.set(this.labels, q.maxShards);
    m.shardCapacity.set(this.labels, q.capacity);
    m.maxSamplesPerSend.set(this.labels, q.maxSamplesPerSend);
    m.samplesPending.set(this.labels, 0);
    for (const c of [m.samplesTotal, m.samplesFailed, m.samplesRetried, m.samplesDropped, m.enqueueRetries, m.bytesTotal]) c.inc(this.labels, 0);
    this.makeShards(q.minShards);
    const every = opts.reshardIntervalMs ?? 10_000;
    this.reshardTimer = setInterval(() => this.updateShards(), every);
    this.reshardTimer.unref?.();
  }

  /** Number of shards running. */
  numShards(): number {
    return this.shards.length;
  }

  /** Samples queued in shards, not yet sent. */
  pendingSamples(): number {
    return this.pending;
  }

  /** See {@link WatcherSink.storeSeries}: external labels, then `write_relabel_configs`. */
  storeSeries(ref: number, labels: Labels): void {
    const ls = relabel(withExternalLabels(labels, this.opts.externalLabels), this.cfg.writeRelabelConfigs);
    this.series.set(ref, ls === null || ls.length === 0 ? null : ls);
  }

  /** See {@link WatcherSink.removeSeries}. */
  removeSeries(ref: number): void {
    this.series.delete(ref);
  }

  /** See {@link WatcherSink.appendSamples}. */
  appendSamples(batch: SampleBatch, from: number): number {
    if (this.stopped || this.resharding) return 0;
    const n = this.shards.length;
    let dropped = 0;
    let i = from;
    for (; i < batch.length; i++) {
      const ref = batch.refs[i]!;
      const ls = this.series.get(ref);
      if (ls === undefined || ls === null) {
        dropped++;
        continue;
      }
      const shard = this.shards[ref % n]!;
      if (shard.len >= shard.capacity) {
        this.full = true;
        this.opts.metrics.enqueueRetries.inc(this.labels);
        this.kick(shard);
        break;
      }
      const k = shard.len++;
      shard.refs[k] = ref;
      const t = batch.ts[i]!;
      shard.ts[k] = t;
      shard.hi[k] = batch.hi[i]!;
      shard.lo[k] = batch.lo[i]!;
      if (t > this.highestRecvMs) this.highestRecvMs = t;
      if (k === 0) {
        shard.firstQueuedAt = Date.now();
        this.arm(shard);
      }
      if (shard.len >= this.cfg.queueConfig.maxSamplesPerSend) this.kick(shard);
    }
    const took = i - from;
    this.pending += took - dropped;
    this.inRate.add(took);
    if (dropped > 0) {
      this.droppedRate.add(dropped);
      this.opts.metrics.samplesDropped.inc(this.labels, dropped);
    }
    this.opts.metrics.samplesPending.set(this.labels, this.pending);
    if (this.highestRecvMs / 1000 > 0) this.opts.metrics.highestTimestamp.set(this.highestRecvMs / 1000);
    return took;
  }

  /**
   * Sends what is queued (whole batches and the rest) and stops, waiting at most `deadlineMs`
   * (upstream `flushDeadline`, 1 min); then in-flight retries are abandoned (those samples are
   * still in the WAL). Stops the reshard timer.
   */
  async stop(deadlineMs = 60_000): Promise<void> {
    if (this.reshardTimer) clearInterval(this.reshardTimer);
    this.reshardTimer = null;
    await Promise.race([this.drain(), new Promise((r) => setTimeout(r, deadlineMs).unref?.())]);
    this.stopped = true;
    this.abort.abort();
    for (const s of this.shards) if (s.timer) clearTimeout(s.timer);
  }

  private makeShards(n: number): void {
    this.shards = Array.from({ length: n }, () => new Shard(this.cfg.queueConfig.capacity));
    this.opts.metrics.shards.set(this.labels, n);
  }

  /** Resolves once every shard is empty and idle (sends everything queued, whatever the batch size). */
  private async drain(): Promise<void> {
    for (const s of this.shards) s.flushing = true;
    while (!this.stopped && this.shards.some((s) => s.len > 0 || s.sending)) {
      for (const s of this.shards) this.kick(s);
      await new Promise((r) => setTimeout(r, 10));
    }
    for (const s of this.shards) s.flushing = false;
  }

  private arm(shard: Shard): void {
    if (shard.timer || shard.sending) return;
    const wait = Math.max(0, shard.firstQueuedAt + this.cfg.queueConfig.batchSendDeadlineMs - Date.now());
    shard.timer = setTimeout(() => {
      shard.timer = null;
      this.kick(shard);
    }, wait);
    shard.timer.unref?.();
  }

  /** Starts the shard's send loop unless it runs. */
  private kick(shard: Shard): void {
    if (shard.sending || this.stopped) return;
    if (shard.timer) clearTimeout(shard.timer);
    shard.timer = null;
    shard.sending = true;
    void this.run(shard).finally(() => {
      shard.sending = false;
      if (shard.len > 0) this.arm(shard);
    });
  }

  private async run(shard: Shard): Promise<void> {
    const q = this.cfg.queueConfig;
    while (shard.len > 0 && !this.stopped) {
      const due = shard.flushing || shard.len >= q.maxSamplesPerSend || Date.now() - shard.firstQueuedAt >= q.batchSendDeadlineMs;
      if (!due) return;
      const n = Math.min(shard.len, q.maxSamplesPerSend);
      const { body, maxT } = this.encode(shard, n);
      shard.shift(n);
      shard.firstQueuedAt = Date.now();
      this.pending -= n;
      this.opts.metrics.samplesPending.set(this.labels, this.pending);
      if (this.full) {
        this.full = false;
        this.opts.onRoom?.();
      }
      await this.sendWithRetry(body, n, maxT);
    }
  }

  /** Encodes the first `n` samples of `shard`, grouping each series' samples into one `TimeSeries`. */
  private encode(shard: Shard, n: number): { body: Uint8Array; maxT: number } {
    const byRef = new Map<number, number[]>();
    let maxT = 0;
    for (let i = 0; i < n; i++) {
      const ref = shard.refs[i]!;
      let list = byRef.get(ref);
      if (!list) byRef.set(ref, (list = []));
      list.push(i);
      if (shard.ts[i]! > maxT) maxT = shard.ts[i]!;
    }
    const enc = new WriteRequestEncoder();
    for (const [ref, idx] of byRef) {
      enc.beginSeries(this.series.get(ref) ?? []);
      for (const i of idx) enc.sample(shard.ts[i]!, fromBits(shard.hi[i]!, shard.lo[i]!));
      enc.endSeries();
    }
    return { body: snappyEncode(enc.finish()), maxT };
  }

  private async sendWithRetry(body: Uint8Array, n: number, maxT: number): Promise<void> {
    const q = this.cfg.queueConfig;
    const m = this.opts.metrics;
    let backoff = q.minBackoffMs;
    while (!this.stopped) {
      const start = performance.now();
      let status = 0;
      let err = '';
      try {
        const res = await this.opts.send(body);
        status = res.status;
        err = res.body.toString('utf8').trim();
      } catch (e) {
        err = (e as Error).message;
      }
      const sec = (performance.now() - start) / 1000;
      m.sentBatchDuration.observe(this.labels, sec);
      this.outDuration.add(sec);
      if (status >= 200 && status < 300) {
        m.samplesTotal.inc(this.labels, n);
        m.bytesTotal.inc(this.labels, body.length);
        this.outRate.add(n);
        this.lastSendOkAt = Date.now();
        if (maxT > this.highestSentMs) {
          this.highestSentMs = maxT;
          m.highestSent.set(this.labels, maxT / 1000);
        }
        if (this.failing) this.opts.log.info('Remote write succeeds again', { remote_name: this.labels.remote_name, url: this.cfg.url });
        this.failing = false;
        return;
      }
      const text = status === 0 ? err : `server returned HTTP status ${status}: ${err}`;
      const recoverable = status === 0 || status >= 500 || (status === 429 && q.retryOnHttp429);
      if (!recoverable) {
        m.samplesFailed.inc(this.labels, n);
        this.opts.log.error('non-recoverable error', { remote_name: this.labels.remote_name, url: this.cfg.url, count: n, err: text });
        return;
      }
      m.samplesRetried.inc(this.labels, n);
      if (!this.failing) this.opts.log.warn('Failed to send batch, retrying', { remote_name: this.labels.remote_name, url: this.cfg.url, err: text });
      this.failing = true;
      await sleep(backoff, this.abort.signal);
      backoff = Math.min(backoff * 2, q.maxBackoffMs);
    }
  }

  /** Recomputes the desired shard count and reshards when it changed (see the module comment). */
  private updateShards(): void {
    const now = Date.now();
    const sec = Math.max(0.001, (now - this.lastTick) / 1000);
    this.lastTick = now;
    const q = this.cfg.queueConfig;
    const state: ShardingState = {
      current: this.shards.length,
      minShards: q.minShards,
      maxShards: q.maxShards,
      inRate: this.inRate.tick(sec),
      outRate: this.outRate.tick(sec),
      droppedRate: this.droppedRate.tick(sec),
      outDuration: this.outDuration.tick(sec),
      highestRecv: this.highestRecvMs / 1000,
      highestSent: this.highestSentMs / 1000,
    };
    const { raw, shards } = desiredShards(state);
    this.opts.metrics.shardsDesired.set(this.labels, raw);
    // As upstream: no resharding while sends are failing (it would not help).
    const recentlyOk = now - this.lastSendOkAt < Math.max(2 * q.batchSendDeadlineMs, 2 * (this.opts.reshardIntervalMs ?? 10_000));
    if (shards === this.shards.length || !recentlyOk || this.resharding || this.stopped) return;
    this.resharding = true;
    this.opts.log.info('Remote storage resharding', { remote_name: this.labels.remote_name, from: this.shards.length, to: shards });
    void this.drain().then(() => {
      this.resharding = false;
      if (this.stopped) return;
      this.makeShards(shards);
      this.opts.onRoom?.();
    });
  }
}
