/**
 * The collector seam of the host collector, as node_exporter's `Collector` interface: each
 * collector adds the samples of one subsystem to the scrape's {@link MetricSet}.
 */
import type { MetricSet } from './metricset.js';

/** One subsystem collector (`cpu`, `meminfo`, `filesystem`, …). */
export interface Collector {
  /** The `collector` label value of `node_scrape_collector_*`. */
  readonly name: string;
  /**
   * Adds this scrape's samples to `out`. Samples added before a failure are kept (as upstream,
   * where they have already been sent on the channel).
   * @throws {NoDataError} when the subsystem has nothing to report (not logged as a failure)
   * @throws {Error} on any other failure; `node_scrape_collector_success` is then 0
   */
  update(out: MetricSet): Promise<void>;
}

/** The subsystem exists on some hosts but not this one (upstream `ErrNoData`). */
export class NoDataError extends Error {
  override name = 'NoDataError';
  constructor(message = 'collector returned no data') {
    super(message);
  }
}

/** Whether `e` is a missing-file error (`ENOENT`). */
export function isNotExist(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as NodeJS.ErrnoException).code === 'ENOENT';
}
