/**
 * The logs explorer in headless Chromium against Lookout's Loki API: a deep link shows the entries the
 * API returns, newest first, with a volume histogram counting them; an entry expands to its labels and
 * clicking one adds it to the query; the live tail shows an entry pushed after it started; the alerts
 * page links an alert to its target's logs. Screenshots go to test-results/explore/.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, getJson, LOOKOUT_BIN, QUIET_ALERTMANAGER_FLAG, ROOT, startNode, stopAll, waitFor } from '../support/processes.js';
import { hasChromium, launchChromium } from '../support/browser.js';

const SHOTS = join(ROOT, 'test-results', 'explore');
let dir: string;
let base: string;
let browser: Browser;
let t0: number;

async function push(streams: { stream: Record<string, string>; values: [string, string][] }[]): Promise<void> {
  const res = await fetch(`${base}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ streams }) });
  expect(res.status).toBe(204);
}

const ns = (ms: number) => `${ms}000000`;

beforeAll(async () => {
  if (!hasChromium) return;
  mkdirSync(SHOTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'lookout-logs-ui-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: [rules.yml]
scrape_configs:
  - job_name: broken
    static_configs: [ { targets: ['127.0.0.1:1'] } ]
`,
  );
  writeFileSync(join(dir, 'rules.yml'), 'groups:\n  - name: demo\n    rules:\n      - alert: TargetDown\n        expr: up == 0\n');
  startNode(LOOKOUT_BIN, [
    'server',
    QUIET_ALERTMANAGER_FLAG,
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--hostmetrics.enable=false',
  ]);
  await waitFor('lookout ready', 20_000, async () => (await fetch(`${base}/-/ready`)).ok);
  t0 = Date.now() - 120_000;
  await push([
    { stream: { job: 'app', instance: 'a:1', level: 'info' }, values: [[ns(t0), 'started'], [ns(t0 + 30_000), 'GET /orders 200'], [ns(t0 + 60_000), 'GET /orders 200']] },
    { stream: { job: 'app', instance: 'a:1', level: 'error' }, values: [[ns(t0 + 45_000), 'POST /orders 500 database is down']] },
    { stream: { job: 'db', instance: 'b:2', level: 'info' }, values: [[ns(t0 + 50_000), 'checkpoint complete']] },
  ]);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stopAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasChromium)('logs explorer', { timeout: 60_000 }, () => {
  it('shows the entries of a deep link newest first, with their volume, and filters by a clicked label', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    const from = t0 - 60_000;
    const to = t0 + 90_000;
    await page.goto(`${base}/logs?query=${encodeURIComponent('{job="app"}')}&from=${from}&to=${to}`);
    await page.locator('.log-entry').first().waitFor({ timeout: 15_000 });
    const api = await getJson(`${base}/loki/api/v1/query_range?${new URLSearchParams({ query: '{job="app"}', start: ns(from), end: ns(to), limit: '1000' })}`);
    const fromApi = (api.data.result as { values: [string, string][] }[]).flatMap((s) => s.values).sort((a, b) => (BigInt(b[0]) > BigInt(a[0]) ? 1 : -1));
    expect(await page.locator('.log-line').allTextContents()).toEqual(fromApi.map((v) => v[1]));
    expect(fromApi.map((v) => v[1])).toEqual(['GET /orders 200', 'POST /orders 500 database is down', 'GET /orders 200', 'started']);
    expect(await page.locator('.logs-volume').getAttribute('data-total')).toBe('4');
    expect(await page.locator('.logs-volume canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('.log-entry.level-error .log-line').allTextContents()).toEqual(['POST /orders 500 database is down']);

    await page.locator('.log-entry', { hasText: 'database is down' }).click();
    expect(await page.locator('.log-labels .badge').allTextContents()).toEqual(['instance="a:1"', 'job="app"', 'level="error"']);
    await page.screenshot({ path: join(SHOTS, 'logs.png') });
    await page.locator('.log-labels .badge', { hasText: 'level' }).click();
    expect(new URL(page.url()).searchParams.get('query')).toBe('{job="app", level="error"}');
    await page.waitForFunction("document.querySelectorAll('.log-entry').length === 1", undefined, { timeout: 15_000 });
    expect(await page.inputValue('input.logql')).toBe('{job="app", level="error"}');
    await page.close();
  });

  it('builds a query from the label browser', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/logs?from=${t0 - 60_000}&to=${t0 + 90_000}`);
    await page.locator('select.label-name option[value=job]').waitFor({ state: 'attached', timeout: 15_000 });
    expect(await page.locator('select.label-name option').allTextContents()).toEqual(['Label…', 'instance', 'job', 'level']);
    await page.selectOption('select.label-name', 'job');
    await page.locator('select.label-value option[value=db]').waitFor({ state: 'attached', timeout: 15_000 });
    expect(await page.locator('select.label-value option').allTextContents()).toEqual(['2 values…', 'app', 'db']);
    await page.selectOption('select.label-value', 'db');
    expect(new URL(page.url()).searchParams.get('query')).toBe('{job="db"}');
    await page.locator('.log-line', { hasText: 'checkpoint complete' }).waitFor({ timeout: 15_000 });
    expect(await page.locator('.log-line').allTextContents()).toEqual(['checkpoint complete']);
    await page.close();
  });

  it('shows a helpful error for a bad query', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/logs?query=${encodeURIComponent('{job=}')}`);
    await page.locator('.error').waitFor({ timeout: 15_000 });
    expect(await page.locator('.error').textContent()).toMatch(/^Error: .*parse error/);
    await page.close();
  });

  it('tails new entries live', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/logs?query=${encodeURIComponent('{job="db"}')}&from=now-1h&to=now`);
    await page.locator('.log-entry').first().waitFor({ timeout: 15_000 });
    await page.check('.tail-toggle input');
    await page.locator('.stats', { hasText: 'Live tail' }).waitFor({ timeout: 15_000 });
    // The tail opens asynchronously; push until an entry pushed after it started is shown.
    await waitFor('the tailed entry', 20_000, async () => {
      await push([{ stream: { job: 'db', instance: 'b:2', level: 'info' }, values: [[ns(Date.now()), 'vacuum done']] }]);
      return (await page.locator('.log-line', { hasText: 'vacuum done' }).count()) > 0;
    });
    expect(await page.locator('.log-line').allTextContents()).not.toContain('checkpoint complete');
    await page.uncheck('.tail-toggle input');
    await page.close();
  });

  it('links an alert on the alerts page to the logs of its target', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/alerts`);
    const link = page.locator('.alert-rule.firing a.logs-link');
    await link.waitFor({ timeout: 20_000 });
    const href = new URL((await link.getAttribute('href'))!, base);
    expect(href.pathname).toBe('/logs');
    expect(href.searchParams.get('query')).toBe('{job="broken", instance="127.0.0.1:1"}');
    const alerts = await getJson(`${base}/api/v1/alerts`);
    const activeAt = Date.parse(alerts.data.alerts[0].activeAt);
    expect(Number(href.searchParams.get('from'))).toBe(activeAt - 15 * 60_000);
    await link.click();
    expect(new URL(page.url()).pathname).toBe('/logs');
    await page.locator('p.empty, .stats').first().waitFor({ timeout: 15_000 });
    await page.close();
  });
});
