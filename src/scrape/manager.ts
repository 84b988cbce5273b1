/**
 * The scrape manager, as upstream `scrape.Manager` plus the parts of the discovery manager Lookout
 * needs: one {@link ScrapePool} per job, reconciled with each applied config, and the data of the
 * `/api/v1/targets` and `/api/v1/metadata` endpoints.
 */
import { hostname } from 'node:os';
import { Gauge, type Registry } from 'prom-client';
import type { PrometheusConfig } from '../config/prometheus.js';
import { logger, type Logger } from '../log.js';
import { fnv64a } from '../model/fnv.js';
import type { Storage } from '../tsdb/types.js';
import { metadataData, targetsData, type GlobalURLOptions } from './api.js';
import { createScrapeMetrics, type ScrapeMetrics } from './metrics.js';
import { ScrapePool } from './pool.js';
import { DEFAULT_TIMESTAMP_TOLERANCE_MS } from './loop.js';

/** Dependencies of a {@link ScrapeManager}. */
export interface ScrapeManagerOptions {
  /** Where scraped samples go (one appender and one commit per scrape). */
  storage: Storage;
  log?: Logger;
  /** Self-metrics are registered here when given. */
  registry?: Registry;
  /** Clock for scrape timestamps in ms (default `Date.now`); scheduling always uses real time. */
  now?: () => number;
  /** `User-Agent` of scrape requests (default `Lookout`). */
  userAgent?: string;
  /**
   * Scrape timestamps within min(interval/100, this many ms) of the scheduled tick take the tick's
   * time (`--scrape.timestamp-tolerance`, default 2 ms); 0 turns this off (`--no-scrape.adjust-timestamps`).
   */
  timestampToleranceMs?: number;
  /** Host name mixed into the scrape offset seed (default the machine's host name). */
  hostname?: string;
  /** How the targets API derives `globalUrl` from localhost targets; without it `globalUrl` = `scrapeUrl`. */
  globalUrlOptions?: GlobalURLOptions;
}

/** Runs the scrape pools of the current configuration. */
export class ScrapeManager {
  private readonly pools = new Map<string, ScrapePool>();
  private readonly metrics: ScrapeMetrics;
  private readonly log: Logger;
  private readonly abort = new AbortController();
  private offsetSeed = 0n;
  private stopped = false;

  constructor(private readonly opts: ScrapeManagerOptions) {
    this.metrics = createScrapeMetrics(opts.registry);
    this.log = opts.log ?? logger('scrape');
    const pools = this.pools;
    const registers = opts.registry ? [opts.registry] : [];
    for (const [name, help, field] of [
      ['prometheus_target_metadata_cache_entries', 'Total number of metric metadata entries in the cache', 'entries'],
      ['prometheus_target_metadata_cache_bytes', 'The number of bytes that are currently used for storing metric metadata in the cache', 'bytes'],
    ] as const) {
      new Gauge({
        name,
        help,
        labelNames: ['scrape_job'],
        registers,
        collect() {
          this.reset();
          for (const [job, pool] of pools) {
            let n = 0;
            for (const loop of pool.activeLoops()) n += loop.cache.metadataSize()[field];
            this.set({ scrape_job: job }, n);
          }
        },
      });
    }
  }

  /**
   * Reconciles scrape pools with the config: jobs that are gone stop (their series get staleness
   * markers after two intervals), new jobs start, changed jobs reload — targets and loops whose
   * settings did not change keep running without a gap or restart. Discovery results of static
   * and file configs are applied before this returns.
   */
  applyConfig(cfg: PrometheusConfig): void {
    if (this.stopped) throw new Error('scrape manager is stopped');
    const labels = Object.keys(cfg.global.externalLabels)
      .sort()
      .map((k) => `${k}=${JSON.stringify(cfg.global.externalLabels[k])}`)
      .join(', ');
    this.offsetSeed = fnv64a(`${this.opts.hostname ?? hostname()}{${labels}}`);
    const wanted = new Map(cfg.scrapeConfigs.map((sc) => [sc.jobName, sc]));
    for (const [name, pool] of this.pools) {
      if (wanted.has(name)) continue;
      this.pools.delete(name);
      void pool.stop(true);
    }
    for (const [name, sc] of wanted) {
      const pool = this.pools.get(name);
      if (pool) {
        if (JSON.stringify(pool.config) !== JSON.stringify(sc)) pool.reload(sc);
        continue;
      }
      this.metrics.poolsTotal.inc();
      const created = new ScrapePool(sc, {
        storage: this.opts.storage,
        metrics: this.metrics,
        log: this.log,
        now: this.opts.now ?? Date.now,
        userAgent: this.opts.userAgent ?? 'Lookout',
        timestampToleranceMs: this.opts.timestampToleranceMs ?? DEFAULT_TIMESTAMP_TOLERANCE_MS,
        offsetSeed: () => this.offsetSeed,
        shutdown: this.abort.signal,
      });
      this.pools.set(name, created);
      created.start();
    }
  }

  /**
   * `data` of `GET /api/v1/targets`, upstream shape: `{activeTargets: [{discoveredLabels, labels,
   * scrapePool, scrapeUrl, globalUrl, lastError, lastScrape (RFC 3339), lastScrapeDuration
   * (seconds), health, scrapeInterval, scrapeTimeout}], droppedTargets: [{discoveredLabels,
   * scrapePool}], droppedTargetCounts: {pool: n}}`. `state` is `active`, `dropped` or `any`
   * (default, also for unknown values as upstream's empty case); `scrapePool` filters by job.
   */
  targetsApi(state?: string, scrapePool?: string): unknown {
    return targetsData(this.pools, state, scrapePool, this.opts.globalUrlOptions);
  }

  /**
   * `data` of `GET /api/v1/metadata`: `{metric: [{type, help, unit}]}` from the TYPE/HELP/UNIT
   * lines of all active targets, de-duplicated per metric; `metric` selects one family, `limit`
   * caps the number of metrics and `limitPerMetric` the entries per metric (negative or
   * undefined = all), as upstream.
   */
  metadataApi(metric?: string, limit?: number, limitPerMetric?: number): unknown {
    return metadataData(this.pools, metric, limit, limitPerMetric);
  }

  /** Job names of the running pools, sorted (`GET /api/v1/scrape_pools`). */
  scrapePools(): string[] {
    return [...this.pools.keys()].sort();
  }

  /**
   * Stops every pool: in-flight requests are aborted and no staleness markers are written (the
   * server is shutting down and resumes where it was, as upstream).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.stop(false)));
  }
}
