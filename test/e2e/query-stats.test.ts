/**
 * `stats=all` side by side with the real Prometheus 2.42: the same OpenMetrics data backfilled into
 * both (promtool and `lookout tsdb create-blocks-from openmetrics`), the same queries, and the same
 * `totalQueryableSamples` and per-step counts (`--enable-feature=promql-per-step-stats` on both).
 *
 * Samples are 7 s off the evaluation grid, so no sample lies on a window or lookback boundary:
 * 2.42 closes windows on the left (`[t - r, t]`) where Lookout follows 3.x (`(t - r, t]`), and the
 * counts would differ there. Peak samples are compared only for plain selectors, where both
 * engines' memory models agree (see src/promql/engine/stats.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, getJson, haveProgram, LOOKOUT_BIN, QUIET_ALERTMANAGER_FLAG, startNode, startProgram, stopAll, waitFor } from '../support/processes.js';

const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';
const hasPrometheus = haveProgram(PROMETHEUS) && haveProgram(PROMTOOL);
/** Start of the data (s): a whole hour, 3 h ago, inside both servers' retention. */
const BASE = (Math.floor(Date.now() / 3_600_000) - 3) * 3600;
let dir: string;
let prom: string;
let lookout: string;

/** 3 gauges (one with a 7.5 min gap) and 2 counters, a sample every 15 s for 30 min. */
function openMetrics(): string {
  const lines = ['# TYPE qs_gauge gauge'];
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < 120; i++) {
      if (s === 2 && i >= 40 && i < 70) continue;
      lines.push(`qs_gauge{instance="i${s}"} ${s * 10 + (i % 7)} ${BASE + 7 + i * 15}`);
    }
  }
  lines.push('# TYPE qs_requests counter');
  for (let s = 0; s < 2; s++) {
    for (let i = 0; i < 120; i++) lines.push(`qs_requests_total{instance="i${s}"} ${i * (s + 1)} ${BASE + 7 + i * 15}`);
  }
  lines.push('# EOF');
  return lines.join('\n') + '\n';
}

beforeAll(async () => {
  if (!hasPrometheus) return;
  dir = mkdtempSync(join(tmpdir(), 'lookout-query-stats-'));
  const data = join(dir, 'data.om');
  writeFileSync(data, openMetrics());
  writeFileSync(join(dir, 'prometheus.yml'), 'global: {}\n');
  execFileSync(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', data, join(dir, 'prom')], { stdio: 'ignore' });
  execFileSync(process.execPath, [LOOKOUT_BIN, 'tsdb', 'create-blocks-from', 'openmetrics', data, join(dir, 'lookout')], { stdio: 'ignore' });
  const [pp, lp] = await Promise.all([freePort(), freePort()]);
  prom = `http://127.0.0.1:${pp}`;
  lookout = `http://127.0.0.1:${lp}`;
  startProgram(PROMETHEUS, [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'prom')}`,
    `--web.listen-address=127.0.0.1:${pp}`,
    '--enable-feature=promql-per-step-stats',
  ]);
  startNode(LOOKOUT_BIN, [
    'server',
    QUIET_ALERTMANAGER_FLAG,
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'lookout')}`,
    `--web.listen-address=127.0.0.1:${lp}`,
    '--hostmetrics.enable=false',
    '--enable-feature=promql-per-step-stats',
  ]);
  for (const base of [prom, lookout]) {
    await waitFor(`${base} serves the backfilled data`, 60_000, async () => {
      try {
        const r = await getJson(`${base}/api/v1/query?query=count(qs_gauge)&time=${BASE + 300}`);
        return r?.data?.result?.[0]?.value?.[1] === '3';
      } catch {
        return false;
      }
    });
  }
}, 120_000);

afterAll(async () => {
  await stopAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function samples(base: string, path: string): Promise<any> {
  const r = await getJson(`${base}${path}&stats=all`);
  expect(r.status).toBe('success');
  return r.data.stats.samples;
}

const instant = (q: string, t = BASE + 900) => `/api/v1/query?query=${encodeURIComponent(q)}&time=${t}`;
const range = (q: string) => `/api/v1/query_range?query=${encodeURIComponent(q)}&start=${BASE + 630}&end=${BASE + 1230}&step=60`;

describe.skipIf(!hasPrometheus)('query stats as Prometheus 2.42', { timeout: 30_000 }, () => {
  it('counts selectors and their peaks alike', async () => {
    for (const path of [instant('qs_gauge'), range('qs_gauge'), range('qs_gauge offset 5m'), instant('qs_gauge[2m]')]) {
      const [a, b] = await Promise.all([samples(prom, path), samples(lookout, path)]);
      expect(b).toEqual(a);
      expect(a.totalQueryableSamples).toBeGreaterThan(0);
    }
  });

  const totals = [
    instant('rate(qs_requests_total[5m])'),
    range('rate(qs_requests_total[5m])'),
    range('sum by (instance) (max_over_time(qs_gauge[3m]))'),
    range('qs_gauge + on(instance) rate(qs_requests_total[1m])'),
    range('count(qs_gauge)'),
    range('max_over_time(qs_gauge[5m:1m])'),
    instant('max_over_time(qs_gauge[5m:1m])', BASE + 907),
    range('vector(1)'),
  ];
  for (const path of totals) {
    it(`counts samples of ${decodeURIComponent(path)}`, async () => {
      const [a, b] = await Promise.all([samples(prom, path), samples(lookout, path)]);
      expect(b.totalQueryableSamples).toBe(a.totalQueryableSamples);
      expect(b.totalQueryableSamplesPerStep).toEqual(a.totalQueryableSamplesPerStep);
    });
  }

  it('answers the same timings fields', async () => {
    const [a, b] = await Promise.all([getJson(`${prom}${range('qs_gauge')}&stats=all`), getJson(`${lookout}${range('qs_gauge')}&stats=all`)]);
    expect(Object.keys(b.data.stats.timings)).toEqual(Object.keys(a.data.stats.timings));
    expect(Object.keys(b.data.stats.samples)).toEqual(Object.keys(a.data.stats.samples));
  });
});
