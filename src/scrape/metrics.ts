/**
 * Self-metrics of the scrape manager, named as Prometheus names them (`scrape/metrics.go`,
 * `discovery/file`), so existing dashboards work. Registered on the given prom-client registry;
 * without one they are created unregistered.
 */
import { Counter, Gauge, Summary, type Registry } from 'prom-client';

/** Summary objectives upstream uses for its scrape summaries (quantile → allowed error). */
const PERCENTILES = [0.01, 0.05, 0.5, 0.9, 0.99];
/** Interval observations queued per `interval` label before they are folded into the summary. */
const MAX_QUEUED_INTERVALS = 1024;

/** The metric objects the scrape code updates. */
export interface ScrapeMetrics {
  intervalLength: Summary<'interval'>;
  /**
   * Records one actual interval between two scrapes (seconds) under the configured interval's
   * label (e.g. `15s`) in `intervalLength`. Observations are queued and folded into the summary
   * in one pass when it is collected (or when {@link MAX_QUEUED_INTERVALS} are queued): the same
   * values as observing each at once, at a fraction of the CPU of one cold summary update per
   * scrape.
   */
  observeInterval(interval: string, seconds: number): void;
  poolTargets: Gauge<'scrape_job'>;
  poolTargetLimit: Gauge<'scrape_job'>;
  poolsTotal: Counter;
  poolsFailed: Counter;
  poolReloads: Counter;
  poolReloadsFailed: Counter;
  poolExceededTargetLimit: Counter;
  poolExceededLabelLimits: Counter;
  poolSyncs: Counter<'scrape_job'>;
  syncLength: Summary<'scrape_job'>;
  syncFailed: Counter<'scrape_job'>;
  exceededBodySizeLimit: Counter;
  cacheFlushForced: Counter;
  exceededSampleLimit: Counter;
  sampleDuplicate: Counter;
  sampleOutOfOrder: Counter;
  sampleOutOfBounds: Counter;
  exemplarOutOfOrder: Counter;
  fileSdReadErrors: Counter;
  fileSdScanDuration: Summary;
  httpSdFailures: Counter;
}

/** Creates the scrape metrics, registered on `registry` when given. */
export function createScrapeMetrics(registry?: Registry): ScrapeMetrics {
  const registers = registry ? [registry] : [];
  const counter = (name: string, help: string) => new Counter({ name, help, registers });
  const queued = new Map<string, number[]>();
  const flush = (): void => {
    for (const [interval, values] of queued) {
      for (const v of values) intervalLength.observe({ interval }, v);
    }
    queued.clear();
  };
  const intervalLength = new Summary({
    name: 'prometheus_target_interval_length_seconds',
    help: 'Actual intervals between scrapes.',
    labelNames: ['interval'],
    percentiles: PERCENTILES,
    registers,
    collect: flush,
  });
  return {
    intervalLength,
    observeInterval(interval: string, seconds: number): void {
      let values = queued.get(interval);
      if (values === undefined) {
        values = [];
        queued.set(interval, values);
      }
      values.push(seconds);
      if (values.length >= MAX_QUEUED_INTERVALS) flush();
    },
    poolTargets: new Gauge({
      name: 'prometheus_target_scrape_pool_targets',
      help: 'Current number of targets in this scrape pool.',
      labelNames: ['scrape_job'],
      registers,
    }),
    poolTargetLimit: new Gauge({
      name: 'prometheus_target_scrape_pool_target_limit',
      help: 'Maximum number of targets allowed in this scrape pool.',
      labelNames: ['scrape_job'],
      registers,
    }),
    poolsTotal: counter('prometheus_target_scrape_pools_total', 'Total number of scrape pool creation attempts.'),
    poolsFailed: counter('prometheus_target_scrape_pools_failed_total', 'Total number of scrape pool creations that failed.'),
    poolReloads: counter('prometheus_target_scrape_pool_reloads_total', 'Total number of scrape pool reloads.'),
    poolReloadsFailed: counter('prometheus_target_scrape_pool_reloads_failed_total', 'Total number of failed scrape pool reloads.'),
    poolExceededTargetLimit: counter(
      'prometheus_target_scrape_pool_exceeded_target_limit_total',
      'Total number of times scrape pools hit the target limit, during sync or config reload.',
    ),
    poolExceededLabelLimits: counter(
      'prometheus_target_scrape_pool_exceeded_label_limits_total',
      'Total number of times scrape pools hit the label limits, during sync or config reload.',
    ),
    poolSyncs: new Counter({
      name: 'prometheus_target_scrape_pool_sync_total',
      help: 'Total number of syncs that were executed on a scrape pool.',
      labelNames: ['scrape_job'],
      registers,
    }),
    syncLength: new Summary({
      name: 'prometheus_target_sync_length_seconds',
      help: 'Actual interval to sync the scrape pool.',
      labelNames: ['scrape_job'],
      percentiles: PERCENTILES,
      registers,
    }),
    syncFailed: new Counter({
      name: 'prometheus_target_sync_failed_total',
      help: 'Total number of target sync failures.',
      labelNames: ['scrape_job'],
      registers,
    }),
    exceededBodySizeLimit: counter('prometheus_target_scrapes_exceeded_body_size_limit_total', 'Total number of scrapes that hit the body size limit'),
    cacheFlushForced: counter(
      'prometheus_target_scrapes_cache_flush_forced_total',
      'How many times a scrape cache was flushed due to getting big while scrapes are failing.',
    ),
    exceededSampleLimit: counter(
      'prometheus_target_scrapes_exceeded_sample_limit_total',
      'Total number of scrapes that hit the sample limit and were rejected.',
    ),
    sampleDuplicate: counter(
      'prometheus_target_scrapes_sample_duplicate_timestamp_total',
      'Total number of samples rejected due to duplicate timestamps but different values.',
    ),
    sampleOutOfOrder: counter(
      'prometheus_target_scrapes_sample_out_of_order_total',
      'Total number of samples rejected due to not being out of the expected order.',
    ),
    sampleOutOfBounds: counter(
      'prometheus_target_scrapes_sample_out_of_bounds_total',
      'Total number of samples rejected due to timestamp falling outside of the time bounds.',
    ),
    exemplarOutOfOrder: counter(
      'prometheus_target_scrapes_exemplar_out_of_order_total',
      'Total number of exemplar rejected due to not being out of the expected order.',
    ),
    fileSdReadErrors: counter('prometheus_sd_file_read_errors_total', 'The number of File-SD read errors.'),
    fileSdScanDuration: new Summary({
      name: 'prometheus_sd_file_scan_duration_seconds',
      help: 'The duration of the File-SD scan in seconds.',
      percentiles: [0.5, 0.9, 0.99],
      registers,
    }),
    httpSdFailures: counter('prometheus_sd_http_failures_total', 'Number of HTTP service discovery refresh failures.'),
  };
}
