import { collectDefaultMetrics, type Registry } from 'prom-client';

/**
 * How often the event-loop delay histogram behind `nodejs_eventloop_lag_{min,max,mean,stddev,p50,p90,p99}_seconds`
 * samples the loop (ms). Each sample is a timer that wakes the loop: at prom-client's default of
 * 10 ms that was most of an idle server's CPU and ~15 % of its ingest CPU, and at 100 ms still
 * 5–7 % of the CPU of scraping 10 targets of 1,000 series every second. At 1 s a stall shorter
 * than a second is caught only when a sample falls due inside it; `nodejs_eventloop_lag_seconds`
 * (measured at each collection) and `prometheus_target_interval_length_seconds` (how late each
 * scrape starts) still show every stall that delays work.
 */
export const EVENT_LOOP_MONITORING_PRECISION_MS = 1000;

/**
 * Registers prom-client's process and Node.js metrics (`process_*`, `nodejs_*`) on `registry`,
 * as every Lookout command that serves `/metrics` exposes them.
 */
export function registerProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_MONITORING_PRECISION_MS });
}
