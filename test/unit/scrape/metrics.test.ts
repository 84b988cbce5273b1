/**
 * Scrape self-metrics: interval observations queued by `observeInterval` reach
 * `prometheus_target_interval_length_seconds` as if each had been observed at once. (prom-client's
 * t-digest shuffles its points when it compresses, so quantiles are compared within a tolerance
 * even between two summaries fed the same values; sums and counts exactly.)
 */
import { Registry, Summary } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createScrapeMetrics } from '../../../src/scrape/metrics.js';

const NAME = 'prometheus_target_interval_length_seconds';

/** The summary's exposition samples from `registry`: series text → value. */
async function summarySamples(registry: Registry): Promise<Map<string, number>> {
  const lines = (await registry.metrics()).split('\n').filter((l) => l.startsWith(NAME));
  return new Map(lines.map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))]));
}

describe('scrape metrics', () => {
  it('queued interval observations expose the same quantiles, sum and count as direct ones', async () => {
    const queued = new Registry();
    const m = createScrapeMetrics(queued);
    const direct = new Registry();
    const reference = new Summary({ name: NAME, help: 'Actual intervals between scrapes.', labelNames: ['interval'], percentiles: [0.01, 0.05, 0.5, 0.9, 0.99], registers: [direct] });
    // More than the queue holds for `1s` (so it is folded in mid-way), a few for `15s`.
    for (let i = 0; i < 2500; i++) {
      const v = 1 + ((i * 7919) % 1000) / 10_000;
      m.observeInterval('1s', v);
      reference.observe({ interval: '1s' }, v);
      if (i % 100 === 0) {
        m.observeInterval('15s', 15 + i / 1e5);
        reference.observe({ interval: '15s' }, 15 + i / 1e5);
      }
    }
    const got = await summarySamples(queued);
    const want = await summarySamples(direct);
    expect([...got.keys()]).toEqual([...want.keys()]);
    for (const [series, v] of want) {
      if (series.includes('quantile')) expect(Math.abs(got.get(series)! - v)).toBeLessThan(v * 1e-3);
      else expect(got.get(series)).toBe(v);
    }
    expect(got.get(`${NAME}_count{interval="1s"}`)).toBe(2500);
    expect(got.get(`${NAME}_count{interval="15s"}`)).toBe(25);
    // Collected again with nothing new queued: nothing is added twice.
    expect((await summarySamples(queued)).get(`${NAME}_count{interval="1s"}`)).toBe(2500);
  });
});
