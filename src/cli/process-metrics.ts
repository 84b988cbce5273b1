import { monitorEventLoopDelay } from 'node:perf_hooks';
import { collectDefaultMetrics, Gauge, type Registry } from 'prom-client';

/**
 * How often the event-loop delay histogram behind `nodejs_eventloop_lag_{min,max,mean,stddev,p50,p90,p99}_seconds`
 * samples the loop (ms). Each sample is a timer that wakes the loop: at prom-client's default of
 * 10 ms that was most of an idle server's CPU and ~15 % of its ingest CPU, and at 100 ms still
 * 5–6 % of the CPU of scraping 10 targets of 1,000 series every second. At 1 s a stall shorter
 * than a second is caught only when a sample falls due inside it; `nodejs_eventloop_lag_seconds`
 * (measured at each collection) and `prometheus_target_interval_length_seconds` (how late each
 * scrape starts) still show every stall that delays work.
 */
export const EVENT_LOOP_MONITORING_PRECISION_MS = 1000;

/** The longest interval a Node.js timer takes (ms): prom-client's own delay histogram samples this rarely. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Registers prom-client's process and Node.js metrics (`process_*`, `nodejs_*`) on `registry`,
 * as every Lookout command that serves `/metrics` exposes them.
 *
 * The event-loop delay gauges are Lookout's own, sampled every
 * {@link EVENT_LOOP_MONITORING_PRECISION_MS}: each reports how much later than due the sampling
 * timer fired (seconds), over the samples since the last collection. prom-client reports the whole
 * interval between two samples, so its gauges read about its sampling interval (10 ms by default)
 * when the loop is idle; these read about 0. The standard deviation is the same either way.
 */
export function registerProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: MAX_TIMER_MS });
  registerLoopDelay(registry);
}

/** Replaces prom-client's event-loop delay gauges with ones that report the delay past the sampling interval. */
function registerLoopDelay(registry: Registry): void {
  const h = monitorEventLoopDelay({ resolution: EVENT_LOOP_MONITORING_PRECISION_MS });
  h.enable();
  const intervalNs = EVENT_LOOP_MONITORING_PRECISION_MS * 1e6;
  /** Seconds by which a recorded interval between two samples (ns) exceeds the sampling interval. */
  const late = (ns: number) => Math.max(0, ns - intervalNs) / 1e9;
  const figures: [suffix: string, help: string, value: () => number][] = [
    ['min', 'The minimum recorded event loop delay.', () => late(h.min)],
    ['max', 'The maximum recorded event loop delay.', () => late(h.max)],
    ['mean', 'The mean of the recorded event loop delays.', () => late(h.mean)],
    ['stddev', 'The standard deviation of the recorded event loop delays.', () => h.stddev / 1e9],
    ['p50', 'The 50th percentile of the recorded event loop delays.', () => late(h.percentile(50))],
    ['p90', 'The 90th percentile of the recorded event loop delays.', () => late(h.percentile(90))],
    ['p99', 'The 99th percentile of the recorded event loop delays.', () => late(h.percentile(99))],
  ];
  const gauges: Gauge[] = [];
  // The first gauge's collection sets them all from the same samples, then starts a new window
  // (prom-client collects a registry's metrics in registration order). Without a sample since the
  // last collection the gauges keep their values.
  const collectAll = () => {
    if (h.count === 0) return;
    figures.forEach(([, , value], i) => gauges[i]!.set(value()));
    h.reset();
  };
  for (const [suffix, help] of figures) {
    const name = `nodejs_eventloop_lag_${suffix}_seconds`;
    registry.removeSingleMetric(name);
    gauges.push(new Gauge({ name, help, registers: [registry], ...(gauges.length === 0 ? { collect: collectAll } : {}) }));
  }
}
