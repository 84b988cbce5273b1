/**
 * Loki targets in dashboards, in headless Chromium: log lines pushed to Lookout's Loki API with
 * known content are shown by a Grafana `logs` panel (newest first, times shown, an entry expands to
 * its labels, a variable narrows the LogQL selector, "open in Logs" leads to the explorer with the
 * same query and range) and counted by a timeseries panel whose LogQL metric query goes to
 * `/loki/api/v1/query_range`; both are compared with what the Loki API returns. A logs panel on a
 * Prometheus datasource shows an error. Screenshots go to
 * test-results/dashboards/.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, getJson, LOOKOUT_BIN, QUIET_ALERTMANAGER_FLAG, ROOT, startNode, stopAll, waitFor } from '../support/processes.js';
import { hasChromium, launchChromium } from '../support/browser.js';

const SHOTS = join(ROOT, 'test-results', 'dashboards');
let dir: string;
let base: string;
let browser: Browser;
/** Start of the dashboards' window, epoch ms on a minute boundary; the window is 5 minutes. */
let from: number;
let to: number;

const ns = (ms: number) => `${ms}000000`;
const APP = { job: 'application', instance: '127.0.0.1:5000' };

type Stream = { stream: Record<string, string>; values: [string, string][] };

async function push(streams: Stream[]): Promise<void> {
  const res = await fetch(`${base}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ streams }) });
  expect(res.status).toBe(204);
}

async function loki(path: string, params: Record<string, string>): Promise<any> {
  return (await getJson(`${base}/loki/api/v1/${path}?${new URLSearchParams(params)}`)).data;
}

/** The entries of a Loki log query over the window, newest first, as `[ns, line, labels]`. */
async function apiEntries(query: string): Promise<[string, string, Record<string, string>][]> {
  const data = await loki('query_range', { query, start: ns(from), end: ns(to), limit: '1000', direction: 'backward' });
  expect(data.resultType).toBe('streams');
  const out = (data.result as Stream[]).flatMap((s) => s.values.map(([t, line]) => [t, line, s.stream] as [string, string, Record<string, string>]));
  return out.sort((a, b) => (BigInt(b[0]) > BigInt(a[0]) ? 1 : BigInt(b[0]) < BigInt(a[0]) ? -1 : 0));
}

async function panelsDone(page: Page, expected: number): Promise<void> {
  const done = `(() => { const ps = [...document.querySelectorAll('.dash-panel')]; return ps.length >= ${expected} && ps.every((p) => p.getAttribute('data-state') === 'done'); })()`;
  await page.waitForFunction(done, undefined, { timeout: 30_000, polling: 50 });
}

const SELECTOR = '{job="application", level=~"$level"}';
const VOLUME = 'sum by (level) (count_over_time({job="application"}[1m]))';

function logsDashboard() {
  return {
    uid: 'logs-demo',
    title: 'Logs demo',
    schemaVersion: 39,
    time: { from: 'now-1h', to: 'now' },
    templating: {
      list: [
        { name: 'logs', type: 'datasource', query: 'loki' },
        { name: 'level', type: 'custom', query: 'info,error', multi: true, includeAll: true, current: { text: 'All', value: '$__all' } },
      ],
    },
    panels: [
      {
        id: 1,
        type: 'logs',
        title: 'Application logs',
        datasource: '$logs',
        gridPos: { x: 0, y: 0, w: 24, h: 10 },
        options: { showTime: true, wrapLogMessage: true, sortOrder: 'Descending', enableLogDetails: true },
        targets: [{ refId: 'A', expr: SELECTOR }],
      },
      {
        id: 2,
        type: 'timeseries',
        title: 'Log volume',
        datasource: { type: 'loki', uid: 'lookout-logs' },
        interval: '1m',
        maxDataPoints: 100,
        gridPos: { x: 0, y: 10, w: 24, h: 8 },
        fieldConfig: { defaults: { unit: 'short', custom: { drawStyle: 'bars', fillOpacity: 60 } }, overrides: [] },
        options: { legend: { showLegend: true, displayMode: 'table', placement: 'bottom', calcs: ['sum', 'max'] } },
        targets: [{ refId: 'A', expr: VOLUME, legendFormat: '{{level}}', datasource: { type: 'loki', uid: 'lookout-logs' } }],
      },
      { id: 3, type: 'logs', title: 'Not logs', datasource: { type: 'prometheus', uid: 'x' }, gridPos: { x: 0, y: 18, w: 24, h: 4 }, targets: [{ refId: 'A', expr: 'up' }] },
    ],
  };
}

beforeAll(async () => {
  if (!hasChromium) return;
  mkdirSync(SHOTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'lookout-dash-logs-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  writeFileSync(join(dir, 'prometheus.yml'), 'global: { scrape_interval: 15s }\nscrape_configs: []\n');
  startNode(LOOKOUT_BIN, [
    'server',
    QUIET_ALERTMANAGER_FLAG,
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--hostmetrics.enable=false',
  ]);
  await waitFor('lookout ready', 30_000, async () => (await fetch(`${base}/-/ready`)).ok);
  const now = Date.now();
  from = now - (now % 60_000) - 10 * 60_000;
  to = from + 5 * 60_000;
  await push([
    { stream: { ...APP, level: 'info' }, values: [[ns(from + 5_000), 'GET /orders 200 12ms'], [ns(from + 70_000), 'GET /orders/7 200 3ms'], [ns(from + 130_000), 'POST /orders 201 20ms']] },
    { stream: { ...APP, level: 'error' }, values: [[ns(from + 75_000), 'POST /orders 500 payment gateway timeout'], [ns(from + 80_000), 'POST /orders 500 payment declined']] },
    { stream: { job: 'db', level: 'info' }, values: [[ns(from + 10_000), 'checkpoint complete']] },
    { stream: { ...APP, level: 'info' }, values: [[ns(to + 60_000), 'after the window']] },
  ]);
  const res = await fetch(`${base}/api/dashboards/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dashboard: logsDashboard() }) });
  expect(res.status).toBe(200);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stopAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasChromium)('dashboards with Loki targets', { timeout: 60_000 }, () => {
  it('shows the log lines and the LogQL metric values the Loki API returns', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${base}/dashboards/logs-demo?from=${from}&to=${to}`);
    await panelsDone(page, 3);

    const entries = await apiEntries('{job="application"}');
    expect(entries.map((e) => e[1])).toEqual(['POST /orders 201 20ms', 'POST /orders 500 payment declined', 'POST /orders 500 payment gateway timeout', 'GET /orders/7 200 3ms', 'GET /orders 200 12ms']);
    const logs = page.locator('[data-panel-id="1"]');
    expect(await logs.locator('.log-line').allTextContents()).toEqual(entries.map((e) => e[1]));
    expect(await logs.getAttribute('data-series')).toBe('5');
    expect(await logs.locator('.log-time').count()).toBe(5);
    expect(await logs.locator('.log-entry.level-error').count()).toBe(2);

    const open = logs.locator('a.open-in-logs');
    const href = new URL((await open.getAttribute('href'))!, base);
    expect(href.pathname).toBe('/logs');
    expect(href.searchParams.get('query')).toBe('{job="application", level=~"(info|error)"}');
    expect([href.searchParams.get('from'), href.searchParams.get('to')]).toEqual([String(from), String(to)]);

    await logs.locator('.log-entry', { hasText: 'payment declined' }).click();
    const shown = await logs.locator('.log-details tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
    const labels = entries.find((e) => e[1] === 'POST /orders 500 payment declined')![2];
    expect(shown).toEqual(Object.keys(labels).sort().map((k) => [k, labels[k]]));
    expect(shown).toEqual([['instance', '127.0.0.1:5000'], ['job', 'application'], ['level', 'error']]);

    const volume = await loki('query_range', { query: VOLUME, start: ns(from), end: ns(to), step: '60' });
    expect(volume.resultType).toBe('matrix');
    const expected = (volume.result as { metric: { level: string }; values: [number, string][] }[]).map((s) => {
      const vs = s.values.map((v) => Number(v[1]));
      return [s.metric.level, String(vs.reduce((a, b) => a + b, 0)), String(Math.max(...vs))];
    });
    expect(expected).toEqual([['error', '2', '2'], ['info', '3', '1']]);
    const legend = await page.locator('[data-panel-id="2"] .ts-legend tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
    expect(legend).toEqual(expected);
    expect(await page.locator('[data-panel-id="3"] .panel-error').textContent()).toBe('⚠ query A uses a prometheus datasource, not Loki');
    await page.screenshot({ path: join(SHOTS, 'logs-panel.png'), fullPage: true });

    await open.click();
    await page.waitForURL((u) => u.pathname === '/logs', { timeout: 15_000 });
    await page.locator('.log-entry').first().waitFor({ timeout: 15_000 });
    expect(await page.locator('.log-line').allTextContents()).toEqual(entries.map((e) => e[1]));
    await page.close();
  });

  it('narrows the LogQL selector when a variable changes, and sorts oldest first when asked', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${base}/dashboards/logs-demo?from=${from}&to=${to}&var-level=error`);
    await panelsDone(page, 3);
    const errors = await apiEntries('{job="application", level=~"error"}');
    expect(errors.map((e) => e[1])).toEqual(['POST /orders 500 payment declined', 'POST /orders 500 payment gateway timeout']);
    expect(await page.locator('[data-panel-id="1"] .log-line').allTextContents()).toEqual(errors.map((e) => e[1]));
    expect(new URL((await page.locator('a.open-in-logs').getAttribute('href'))!, base).searchParams.get('query')).toBe('{job="application", level=~"error"}');
    await page.close();

    const d = logsDashboard();
    d.uid = 'logs-ascending';
    d.title = 'Logs oldest first';
    d.panels[0]!.options = { showTime: false, wrapLogMessage: false, sortOrder: 'Ascending', enableLogDetails: true };
    const res = await fetch(`${base}/api/dashboards/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dashboard: d }) });
    expect(res.status).toBe(200);
    const asc = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await asc.goto(`${base}/dashboards/logs-ascending?from=${from}&to=${to}`);
    await panelsDone(asc, 3);
    const all = await apiEntries('{job="application"}');
    expect(await asc.locator('[data-panel-id="1"] .log-line').allTextContents()).toEqual(all.map((e) => e[1]).reverse());
    expect(await asc.locator('[data-panel-id="1"] .log-time').count()).toBe(0);
    expect(await asc.locator('[data-panel-id="1"] .logs-panel.nowrap').count()).toBe(1);
    await asc.close();
  });
});
