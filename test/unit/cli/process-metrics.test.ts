import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { EVENT_LOOP_MONITORING_PRECISION_MS, registerProcessMetrics } from '../../../src/cli/process-metrics.js';

/** The value of the unlabelled sample `name` in exposition `text`. */
function sample(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  if (m === null) throw new Error(`${name} not exposed`);
  return Number(m[1]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('registerProcessMetrics', () => {
  it('exposes the process and Node.js metrics, event-loop lag included', async () => {
    const registry = new Registry();
    registerProcessMetrics(registry);
    const text = await registry.metrics();
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
      expect(Number.isFinite(sample(text, name))).toBe(true);
    }
    for (const suffix of ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99']) {
      expect(text.match(new RegExp(`^# TYPE nodejs_eventloop_lag_${suffix}_seconds gauge$`, 'gm'))).toHaveLength(1);
    }
  });

  it('reports how late the loop ran past the sampling interval, not the interval itself', async () => {
    const registry = new Registry();
    registerProcessMetrics(registry);
    // The first sample only starts the clock. Then block the loop half an interval past the next
    // one's due time, and let one on-time sample pass.
    await sleep(EVENT_LOOP_MONITORING_PRECISION_MS * 1.1);
    const stallMs = EVENT_LOOP_MONITORING_PRECISION_MS * 1.5;
    const until = performance.now() + stallMs;
    while (performance.now() < until);
    await sleep(EVENT_LOOP_MONITORING_PRECISION_MS * 1.2);
    const text = await registry.metrics();
    const max = sample(text, 'nodejs_eventloop_lag_max_seconds');
    const min = sample(text, 'nodejs_eventloop_lag_min_seconds');
    // The stall overran the due time by about half an interval; a gauge of whole intervals between
    // samples would read at least one interval.
    expect(max).toBeGreaterThan(EVENT_LOOP_MONITORING_PRECISION_MS * 0.3 / 1000);
    expect(max).toBeLessThan(EVENT_LOOP_MONITORING_PRECISION_MS * 0.9 / 1000);
    expect(min).toBeLessThan(max);
    expect(sample(text, 'nodejs_eventloop_lag_p99_seconds')).toBeLessThanOrEqual(max);
  });
});
