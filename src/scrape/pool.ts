/**
 * A scrape pool: the targets of one `scrape_configs` job and their loops, as upstream
 * `scrapePool`. It runs the job's discovery providers, turns their target groups into targets
 * (relabeling, dropping, de-duplicating by target identity) and reconciles loops: unchanged
 * targets keep their running loop, targets whose loop settings changed get a new loop (re-using
 * the scrape cache when the change cannot affect stored series), new targets start, gone targets
 * stop and get end-of-run staleness markers.
 */
import type { Labels } from '../model/labels.js';
import type { Logger } from '../log.js';
import type { ScrapeConfig, TargetGroup } from '../config/prometheus.js';
import type { Storage } from '../tsdb/types.js';
import { ScrapeCache } from './cache.js';
import { FileDiscovery } from './discovery/file.js';
import { HTTPDiscovery } from './discovery/http.js';
import type { DiscoveryProvider } from './discovery/provider.js';
import { HttpClient } from './http.js';
import { ScrapeLoop } from './loop.js';
import type { ScrapeMetrics } from './metrics.js';
import { acceptHeader } from './protocol.js';
import { populateLabels, Target } from './target.js';

/** What a pool shares with its manager. */
export interface PoolContext {
  storage: Storage;
  metrics: ScrapeMetrics;
  log: Logger;
  now: () => number;
  userAgent: string;
  /** Scrape timestamp snapping tolerance in ms; 0 = off. */
  timestampToleranceMs: number;
  /** Current per-server offset seed. */
  offsetSeed: () => bigint;
  /** Aborted on manager shutdown. */
  shutdown: AbortSignal;
}

/** A target dropped by relabeling, as listed by the targets API. */
export interface DroppedTarget {
  discovered: Labels;
}

interface LoopEntry {
  loop: ScrapeLoop;
  /** Settings that, when changed, need a new loop. */
  loopKey: string;
  /** Settings that, when changed, make the scrape cache unusable. */
  cacheKey: string;
}

/** The scrape pool of one job. */
export class ScrapePool {
  private cfg: ScrapeConfig;
  private client: HttpClient;
  private clientKey: string;
  private sdKey = '';
  private providers: DiscoveryProvider[] = [];
  private groups: TargetGroup[][] = [];
  private readonly loops = new Map<string, LoopEntry>();
  private dropped: DroppedTarget[] = [];
  private droppedTotal = 0;
  private starting = false;
  private stopped = false;
  private readonly log: Logger;

  constructor(
    cfg: ScrapeConfig,
    private readonly ctx: PoolContext,
  ) {
    this.cfg = cfg;
    this.log = ctx.log.with({ scrape_pool: cfg.jobName });
    this.client = new HttpClient(cfg.httpClientConfig);
    this.clientKey = JSON.stringify(cfg.httpClientConfig);
    ctx.metrics.poolTargetLimit.set({ scrape_job: cfg.jobName }, cfg.targetLimit);
  }

  /** The job's current config. */
  get config(): ScrapeConfig {
    return this.cfg;
  }

  /** Starts discovery and the loops of the targets found so far. */
  start(): void {
    this.startProviders();
  }

  /**
   * Applies a changed config of the same job: restarts discovery when its settings changed and
   * re-syncs targets and loops.
   */
  reload(cfg: ScrapeConfig): void {
    this.ctx.metrics.poolReloads.inc();
    const oldClient = this.client;
    this.cfg = cfg;
    const clientKey = JSON.stringify(cfg.httpClientConfig);
    if (clientKey !== this.clientKey) {
      this.client = new HttpClient(cfg.httpClientConfig);
      this.clientKey = clientKey;
    }
    this.ctx.metrics.poolTargetLimit.set({ scrape_job: cfg.jobName }, cfg.targetLimit);
    let stops: Promise<void>[];
    if (JSON.stringify(cfg.serviceDiscovery) !== this.sdKey) {
      for (const p of this.providers) p.stop();
      stops = this.startProviders();
    } else {
      stops = this.sync();
    }
    if (oldClient !== this.client) void Promise.all(stops).then(() => oldClient.close());
  }

  private startProviders(): Promise<void>[] {
    const sd = this.cfg.serviceDiscovery;
    this.sdKey = JSON.stringify(sd);
    this.providers = [];
    this.groups = [sd.staticConfigs];
    for (const name of sd.unsupported) {
      this.log.warn('Service discovery mechanism is not supported by Lookout; it discovers no targets', { mechanism: `${name}_sd_configs` });
    }
    const m = this.ctx.metrics;
    const slot = (provider: (update: (g: TargetGroup[]) => void) => DiscoveryProvider) => {
      const idx = this.groups.length;
      this.groups.push([]);
      this.providers.push(
        provider((g) => {
          this.groups[idx] = g;
          if (!this.starting && !this.stopped) void this.sync();
        }),
      );
    };
    for (const f of sd.fileSdConfigs) slot((u) => new FileDiscovery(f, u, this.log.with({ discovery: 'file' }), m));
    for (const h of sd.httpSdConfigs) slot((u) => new HTTPDiscovery(h, u, this.log.with({ discovery: 'http' }), m, this.ctx.userAgent));
    this.starting = true;
    for (const p of this.providers) p.start();
    this.starting = false;
    return this.sync();
  }

  /**
   * Recomputes targets from the current groups and reconciles loops (upstream `Sync` + `sync`).
   * A loop that replaces one of the same target starts once the old one has stopped.
   * @returns promises of the replaced loops' stops
   */
  sync(): Promise<void>[] {
    const stops: Promise<void>[] = [];
    if (this.stopped) return stops;
    const start = performance.now();
    const job = this.cfg.jobName;
    const targets = new Map<string, Target>();
    this.dropped = [];
    this.droppedTotal = 0;
    for (const group of this.groups.flat()) {
      group.targets.forEach((t, i) => {
        const r = populateLabels(this.cfg, t, group.labels);
        if (r.kind === 'active') {
          const target = new Target(r.labels, r.discovered, this.cfg.params);
          if (!targets.has(target.hash)) targets.set(target.hash, target);
          else targets.get(target.hash)!.discovered = r.discovered;
        } else if (r.kind === 'dropped') {
          if (this.cfg.keepDroppedTargets === 0 || this.dropped.length < this.cfg.keepDroppedTargets) {
            this.dropped.push({ discovered: r.discovered });
          }
          this.droppedTotal++;
        } else {
          this.log.error('Creating target failed', { err: `instance ${i} in group ${group.source}: ${r.error}` });
          this.ctx.metrics.syncFailed.inc({ scrape_job: job });
        }
      });
    }
    for (const [hash, entry] of this.loops) {
      const next = targets.get(hash);
      if (next) continue;
      this.loops.delete(hash);
      void entry.loop.stop(true);
    }
    for (const [hash, target] of targets) {
      const keys = this.keys(target);
      const existing = this.loops.get(hash);
      if (existing && existing.loopKey === keys.loopKey) {
        existing.loop.target.discovered = target.discovered;
        continue;
      }
      if (existing) {
        const reuse = existing.cacheKey === keys.cacheKey;
        const loop = this.newLoop(target, reuse ? existing.loop.cache : this.newCache());
        this.loops.set(hash, { loop, ...keys });
        const stopped = existing.loop.stop(!reuse).then(() => {
          if (!this.stopped && this.loops.get(hash)?.loop === loop) loop.start();
        });
        stops.push(stopped);
      } else {
        const loop = this.newLoop(target, this.newCache());
        this.loops.set(hash, { loop, ...keys });
        loop.start();
      }
    }
    const limit = this.cfg.targetLimit;
    let forced: string | null = null;
    if (limit > 0 && this.loops.size > limit) {
      forced = `target_limit exceeded (number of targets: ${this.loops.size}, limit: ${limit})`;
      this.ctx.metrics.poolExceededTargetLimit.inc();
    }
    for (const e of this.loops.values()) e.loop.forcedError = forced;
    this.ctx.metrics.poolTargets.set({ scrape_job: job }, this.loops.size);
    this.ctx.metrics.poolSyncs.inc({ scrape_job: job });
    this.ctx.metrics.syncLength.observe({ scrape_job: job }, (performance.now() - start) / 1000);
    return stops;
  }

  private newCache(): ScrapeCache {
    return new ScrapeCache(() => this.ctx.metrics.cacheFlushForced.inc());
  }

  private keys(t: Target): { loopKey: string; cacheKey: string } {
    const c = this.cfg;
    const cacheKey = JSON.stringify([
      c.honorLabels,
      c.honorTimestamps,
      c.trackTimestampsStaleness,
      c.labelLimit,
      c.labelNameLengthLimit,
      c.labelValueLengthLimit,
      c.metricNameValidationScheme,
      c.metricNameEscapingScheme,
      c.scrapeProtocols,
      c.fallbackScrapeProtocol,
      c.enableCompression,
      c.bodySizeLimitBytes,
      c.extraScrapeMetrics,
      c.metricRelabelConfigs.map((r) => ({ ...r, regex: r.regexSource })),
    ]);
    const loopKey = JSON.stringify([cacheKey, t.intervalMs, t.timeoutMs, c.sampleLimit, this.clientKey]);
    return { loopKey, cacheKey };
  }

  private newLoop(target: Target, cache: ScrapeCache): ScrapeLoop {
    const c = this.cfg;
    return new ScrapeLoop({
      target,
      client: this.client,
      cache,
      storage: this.ctx.storage,
      metrics: this.ctx.metrics,
      log: this.log,
      offsetSeed: this.ctx.offsetSeed(),
      now: this.ctx.now,
      acceptHeader: acceptHeader(c.scrapeProtocols, c.metricNameEscapingScheme),
      acceptEncoding: c.enableCompression ? 'gzip' : 'identity',
      userAgent: this.ctx.userAgent,
      timestampToleranceMs: this.ctx.timestampToleranceMs,
      bodySizeLimit: c.bodySizeLimitBytes,
      fallbackProtocol: c.fallbackScrapeProtocol,
      extraScrapeMetrics: c.extraScrapeMetrics,
      append: {
        honorLabels: c.honorLabels,
        honorTimestamps: c.honorTimestamps,
        trackTimestampsStaleness: c.trackTimestampsStaleness,
        sampleLimit: c.sampleLimit,
        labelLimit: c.labelLimit,
        labelNameLengthLimit: c.labelNameLengthLimit,
        labelValueLengthLimit: c.labelValueLengthLimit,
        validationScheme: c.metricNameValidationScheme,
        targetLabels: target.publicLabels(),
        metricRelabelConfigs: c.metricRelabelConfigs,
      },
      shutdown: this.ctx.shutdown,
    });
  }

  /** Active targets in a stable order (by scrape URL, as upstream sorts them). */
  activeTargets(): Target[] {
    return [...this.loops.values()].map((e) => e.loop.target).sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  }

  /** Loops by target (for metadata). */
  activeLoops(): ScrapeLoop[] {
    return [...this.loops.values()].map((e) => e.loop);
  }

  /** Dropped targets kept for the API (at most `keep_dropped_targets` when set). */
  droppedTargets(): DroppedTarget[] {
    return this.dropped;
  }

  /** Number of targets dropped by relabeling in the last sync (all of them, kept or not). */
  droppedCount(): number {
    return this.droppedTotal;
  }

  /**
   * Stops discovery and all loops. With `staleness` (the job was removed from the config) the
   * loops write end-of-run staleness markers; on shutdown they do not.
   */
  async stop(staleness: boolean): Promise<void> {
    this.stopped = true;
    for (const p of this.providers) p.stop();
    const loops = [...this.loops.values()];
    this.loops.clear();
    await Promise.all(loops.map((e) => e.loop.stop(staleness)));
    this.ctx.metrics.poolTargets.remove({ scrape_job: this.cfg.jobName });
    this.ctx.metrics.poolTargetLimit.remove({ scrape_job: this.cfg.jobName });
    this.client.close();
  }
}
