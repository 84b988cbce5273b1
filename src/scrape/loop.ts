/**
 * The scrape loop of one target, as upstream `scrapeLoop`: first scrape at the target's offset
 * within the interval, then one scrape per interval; each scrape's timestamp is snapped to the
 * scheduled tick when within the tolerance (min(interval/100, 2 ms)). Per scrape: HTTP GET (the
 * scrape timeout bounds it, body included), then — with one appender and one commit, the body
 * parsed in slices that yield to the event loop — the samples, staleness markers and the
 * report series `up`, `scrape_duration_seconds`, `scrape_samples_scraped`,
 * `scrape_samples_post_metric_relabeling`, `scrape_series_added` (plus `scrape_timeout_seconds`,
 * `scrape_sample_limit`, `scrape_body_size_bytes` with `extra_scrape_metrics`).
 *
 * A failed scrape (HTTP error, timeout, parse error, limit) rolls back its samples, marks the
 * target down, writes `up 0` and staleness markers for the series of the previous scrape that
 * this attempt did not see, as upstream.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { LabelsBuilder, type Labels } from '../model/labels.js';
import { STALE_NAN } from '../model/value.js';
import { formatDuration } from '../model/time.js';
import type { Logger } from '../log.js';
import { AppendResult, type Appender, type SeriesRef, type Storage } from '../tsdb/types.js';
import { AppendError, appendFailed, ScrapeAppend, type AppendOptions, type AppendStats } from './append.js';
import type { ScrapeCache } from './cache.js';
import { KEEP_BODY_BUFFER_MAX_BYTES, sharedBodyBuffers } from './body-pool.js';
import { HttpGetError, type HttpClient } from './http.js';
import type { ScrapeMetrics } from './metrics.js';
import { formatForContentType } from './protocol.js';
import type { ScrapeProtocol } from '../config/prometheus.js';
import { scrapeOffset, type Target } from './target.js';

/**
 * Longest stretch (ms) the parsing of one body holds the event loop before letting other work
 * (HTTP requests, other scrapes, timers) run: a body of millions of samples takes seconds to
 * append, which would otherwise freeze the whole server.
 */
const APPEND_SLICE_MS = 20;
/**
 * A scrape's body buffer is kept for the next scrape unless it is more than this many times the
 * body's size (a body that shrank a lot should not pin the memory of its largest size).
 */
const BODY_BUFFER_SLACK = 4;
/**
 * What becomes of the buffer a body of `bodyLength` bytes was read into, once parsed: 'pool' (lent
 * to any loop's next scrape, see `body-pool.ts`) when larger than
 * {@link KEEP_BODY_BUFFER_MAX_BYTES}; else 'keep' (for the loop's own next scrape), or 'drop' when
 * it is more than {@link BODY_BUFFER_SLACK} times the body.
 */
export function bodyBufferFate(buffer: Buffer, bodyLength: number): 'keep' | 'pool' | 'drop' {
  if (buffer.length > KEEP_BODY_BUFFER_MAX_BYTES) return 'pool';
  return buffer.length <= BODY_BUFFER_SLACK * bodyLength ? 'keep' : 'drop';
}
/** Default upper bound of the timestamp snapping tolerance (upstream `--scrape.timestamp-tolerance`). */
export const DEFAULT_TIMESTAMP_TOLERANCE_MS = 2;
const REPORT_NAMES = [
  'up',
  'scrape_duration_seconds',
  'scrape_samples_scraped',
  'scrape_samples_post_metric_relabeling',
  'scrape_series_added',
] as const;
/** Written in addition with `extra_scrape_metrics: true`. */
const EXTRA_REPORT_NAMES = ['scrape_timeout_seconds', 'scrape_sample_limit', 'scrape_body_size_bytes'] as const;

/** Everything a loop needs; fixed for the loop's lifetime (a config change makes a new loop). */
export interface ScrapeLoopOptions {
  target: Target;
  client: HttpClient;
  cache: ScrapeCache;
  storage: Storage;
  metrics: ScrapeMetrics;
  log: Logger;
  /** Per-server offset seed (hostname + external labels). */
  offsetSeed: bigint;
  /** Clock for scrape timestamps (ms). */
  now: () => number;
  acceptHeader: string;
  acceptEncoding: 'gzip' | 'identity';
  userAgent: string;
  /** Timestamp snapping tolerance in ms (see {@link snapScrapeTime}); 0 = off. */
  timestampToleranceMs: number;
  bodySizeLimit: number;
  fallbackProtocol: ScrapeProtocol | '';
  /** Also write `scrape_timeout_seconds`, `scrape_sample_limit`, `scrape_body_size_bytes`. */
  extraScrapeMetrics: boolean;
  append: AppendOptions;
  /** Aborts in-flight requests on shutdown. */
  shutdown: AbortSignal;
}

/**
 * The timestamp of a scrape that started at `now` for the tick scheduled at `scheduled` (both ms):
 * the scheduled time when within min(interval/100, `toleranceMs`) of it, so series keep exactly
 * regular timestamps and compress well (upstream's `AlignScrapeTimestamps`), else `now`.
 * `toleranceMs` 0 turns snapping off (`--no-scrape.adjust-timestamps`).
 */
export function snapScrapeTime(now: number, scheduled: number, intervalMs: number, toleranceMs = DEFAULT_TIMESTAMP_TOLERANCE_MS): number {
  const tolerance = Math.min(intervalMs / 100, toleranceMs);
  return Math.abs(now - scheduled) <= tolerance ? scheduled : now;
}

/** Report-series labels: `__name__` plus target labels, clashes kept as `exported_*` (upstream `mutateReportSampleLabels`). */
function reportLabels(name: string, target: Labels): Labels {
  const lb = new LabelsBuilder(['__name__', name]);
  for (let i = 0; i < target.length; i += 2) lb.set(target[i]!, target[i + 1]!);
  return lb.labels();
}

/** One target's scrape loop. */
export class ScrapeLoop {
  /** Error forced onto every scrape instead of scraping (e.g. `target_limit exceeded`), or null. */
  forcedError: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private inflight: Promise<void> | null = null;
  private nextTickMs = 0;
  private lastStartMs = 0;
  private lastScrapeTimeMs = 0;
  private readonly reportRefs: SeriesRef[];
  private readonly reportSeries: Labels[];
  private readonly stats: AppendStats = { total: 0, added: 0, seriesAdded: 0 };
  private readonly intervalLabel: string;
  /**
   * The buffer the last scrape's body was read into, reused by the next scrape (taken while a
   * scrape reads into it, so two scrapes never share it); undefined before the first.
   */
  private bodyBuffer: Buffer | undefined = undefined;
  /** Headers of every scrape request. */
  private readonly requestHeaders: Record<string, string>;

  constructor(readonly opts: ScrapeLoopOptions) {
    const names: readonly string[] = opts.extraScrapeMetrics ? [...REPORT_NAMES, ...EXTRA_REPORT_NAMES] : REPORT_NAMES;
    this.reportSeries = names.map((n) => reportLabels(n, opts.target.publicLabels()));
    this.reportRefs = new Array<SeriesRef>(names.length).fill(0);
    this.intervalLabel = formatDuration(opts.target.intervalMs);
    this.requestHeaders = {
      accept: opts.acceptHeader,
      'accept-encoding': opts.acceptEncoding,
      'user-agent': opts.userAgent,
      'x-prometheus-scrape-timeout-seconds': String(opts.target.timeoutMs / 1000),
    };
  }

  get target(): Target {
    return this.opts.target;
  }

  get cache(): ScrapeCache {
    return this.opts.cache;
  }

  /** Schedules the first scrape at the target's offset. */
  start(): void {
    const { target, offsetSeed } = this.opts;
    const now = Date.now();
    const delay = scrapeOffset(target.hash, target.intervalMs, offsetSeed, now);
    this.schedule(now + delay);
  }

  private schedule(at: number): void {
    if (this.stopped) return;
    this.nextTickMs = at;
    this.timer = setTimeout(() => this.tick(), Math.max(0, at - Date.now()));
  }

  private tick(): void {
    this.timer = null;
    if (this.stopped) return;
    const interval = this.opts.target.intervalMs;
    const scheduled = this.nextTickMs;
    const scrapeTime = snapScrapeTime(this.opts.now(), scheduled, interval, this.opts.timestampToleranceMs);
    this.inflight = this.scrapeAndReport(scrapeTime).finally(() => {
      this.inflight = null;
      let next = scheduled + interval;
      const now = Date.now();
      while (next <= now) next += interval;
      this.schedule(next);
    });
  }

  /**
   * Runs one scrape now at timestamp `appendTime` (ms) and stores its result. Exposed for tests
   * and for the loop itself; never throws.
   */
  async scrapeAndReport(appendTime: number): Promise<void> {
    const o = this.opts;
    const start = Date.now();
    if (this.lastStartMs !== 0) o.metrics.observeInterval(this.intervalLabel, (start - this.lastStartMs) / 1000);
    this.lastStartMs = start;
    let body: Buffer | null = null;
    let contentType = '';
    let scrapeErr: string | null = this.forcedError;
    let bodySizeLimitHit = false;
    // The loop's own buffer, else a big one lent by the pool.
    const given = this.bodyBuffer ?? sharedBodyBuffers.take();
    let bodyBuffer = given;
    this.bodyBuffer = undefined;
    let bodyLength = 0;
    if (scrapeErr === null) {
      try {
        const res = await o.client.get(o.target.url, {
          timeoutMs: o.target.timeoutMs,
          headers: this.requestHeaders,
          bodySizeLimit: o.bodySizeLimit,
          require200: true,
          signal: o.shutdown,
          bodyBuffer,
        });
        body = res.body;
        contentType = res.contentType;
        // A big given buffer too small for this body goes back; the body is in a new one.
        if (given !== undefined && res.bodyBuffer !== given && given.length > KEEP_BODY_BUFFER_MAX_BYTES) sharedBodyBuffers.give(given);
        bodyBuffer = res.bodyBuffer;
        bodyLength = body.length;
      } catch (e) {
        scrapeErr = (e as Error).message;
        bodySizeLimitHit = e instanceof HttpGetError && e.bodySizeLimit;
        if (bodySizeLimitHit) o.metrics.exceededBodySizeLimit.inc();
      }
    }
    if (o.shutdown.aborted) return;
    try {
      await this.store(body, contentType, scrapeErr, bodySizeLimitHit, appendTime, start);
    } catch (e) {
      // The storage refused the commit (e.g. WAL write error, storage closed): nothing of this
      // scrape is stored; the loop goes on.
      o.log.error('Scrape commit failed', { target: o.target.url, err: e as Error });
    }
    // The body has been parsed and stored: its buffer may take the next scrape's.
    if (bodyBuffer !== undefined) {
      const fate = bodyBufferFate(bodyBuffer, bodyLength === 0 ? bodyBuffer.length : bodyLength);
      if (fate === 'keep') this.bodyBuffer = bodyBuffer;
      else if (fate === 'pool') sharedBodyBuffers.give(bodyBuffer);
    }
  }

  /**
   * Appends the scrape result, staleness markers and report series with one appender and one
   * commit. The body is parsed in slices of {@link APPEND_SLICE_MS}, yielding to the event loop in
   * between; on shutdown during that, the batch is rolled back and nothing is stored.
   */
  private async store(
    body: Buffer | null,
    contentType: string,
    fetchErr: string | null,
    bodySizeLimitHit: boolean,
    appendTime: number,
    start: number,
  ): Promise<void> {
    const o = this.opts;
    let scrapeErr = fetchErr;
    let app = o.storage.appender();
    const stats = this.stats;
    stats.total = stats.added = stats.seriesAdded = 0;
    if (body !== null) {
      try {
        const format = formatForContentType(contentType, o.fallbackProtocol);
        const job = new ScrapeAppend(app, o.cache, body, format, appendTime, o.append, o.metrics, stats);
        while (!job.run(performance.now() + APPEND_SLICE_MS)) {
          await nextTurn();
          if (o.shutdown.aborted) {
            app.rollback();
            return;
          }
        }
      } catch (e) {
        app.rollback();
        app = o.storage.appender();
        appendFailed(app, o.cache, appendTime);
        scrapeErr = (e as Error).message;
        if (e instanceof AppendError && e.limit === 'sample') o.metrics.exceededSampleLimit.inc();
        if (e instanceof AppendError && e.limit === 'label') o.metrics.poolExceededLabelLimits.inc();
        o.log.debug('Append failed', { target: o.target.url, err: scrapeErr });
      }
    } else {
      appendFailed(app, o.cache, appendTime);
      if (scrapeErr !== null) o.log.debug('Scrape failed', { target: o.target.url, err: scrapeErr });
    }
    const durationMs = Date.now() - start;
    o.target.report(appendTime, durationMs, scrapeErr ?? '');
    const values = [scrapeErr === null ? 1 : 0, durationMs / 1000, stats.total, stats.added, stats.seriesAdded];
    if (o.extraScrapeMetrics) {
      // Body size: bytes of a successful read, -1 when the size limit was hit, 0 otherwise (upstream).
      const bodyBytes = body !== null ? body.length : bodySizeLimitHit ? -1 : 0;
      values.push(o.target.timeoutMs / 1000, o.append.sampleLimit, bodyBytes);
    }
    for (let i = 0; i < values.length; i++) this.appendReport(app, i, appendTime, values[i]!);
    app.commit();
    this.lastScrapeTimeMs = appendTime;
  }

  private appendReport(app: Appender, i: number, t: number, v: number): void {
    let ref = this.reportRefs[i]!;
    if (ref === 0) ref = app.seriesRef(this.reportSeries[i]!);
    let res = app.append(ref, t, v);
    if (res === AppendResult.UnknownSeries) {
      ref = app.seriesRef(this.reportSeries[i]!);
      res = app.append(ref, t, v);
    }
    this.reportRefs[i] = ref;
  }

  /**
   * Stops the loop and waits for an in-flight scrape to be stored. With `staleness`, staleness
   * markers for all its series (and the report series) are written when the next two ticks have
   * passed (plus 10 % of the interval), timestamped at the first of them — unless the manager
   * shuts down first — as upstream `endOfRunStaleness`: if the target came back under a new loop
   * in between, the markers are older than its new samples and the storage rejects them.
   */
  async stop(staleness: boolean): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.inflight) await this.inflight;
    if (!staleness || this.lastScrapeTimeMs === 0 || this.opts.shutdown.aborted) return;
    const interval = this.opts.target.intervalMs;
    let staleTime = this.nextTickMs;
    const now = Date.now();
    while (staleTime < now) staleTime += interval;
    const wait = staleTime + interval + interval / 10 - now;
    const timer = setTimeout(() => {
      if (!this.opts.shutdown.aborted) this.writeEndOfRunStaleness(staleTime);
    }, wait);
    timer.unref();
  }

  private writeEndOfRunStaleness(t: number): void {
    try {
      const app = this.opts.storage.appender();
      appendFailed(app, this.opts.cache, t);
      for (let i = 0; i < this.reportRefs.length; i++) {
        if (this.reportRefs[i] !== 0) app.append(this.reportRefs[i]!, t, STALE_NAN);
      }
      app.commit();
    } catch (e) {
      this.opts.log.warn('Stale commit failed', { target: this.opts.target.url, err: e as Error });
    }
  }
}
