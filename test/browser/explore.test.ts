/**
 * Explore and the status pages in headless Chromium (Debian's, via playwright-core): the CodeMirror
 * PromQL editor (Shift+Enter runs, autocompletion offers metric names from the server), table values
 * equal to the API's, the time range picker writing the URL, a reload restoring the state, the legend's
 * series selection, the theme toggle, and the TSDB status, configuration, flags and runtime pages.
 * Screenshots go to test-results/explore/; with UPDATE_SCREENSHOTS=1, docs/screenshots/explore.png too (the README's).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, getJson, LOOKOUT_BIN, QUIET_ALERTMANAGER_FLAG, ROOT, startNode, stopAll, waitFor } from '../support/processes.js';
import { hasChromium, launchChromium, selfScrapeConfig, waitForScrapes } from '../support/browser.js';

const SHOTS = join(ROOT, 'test-results', 'explore');
const LAPTOP = { width: 1366, height: 768 };
let dir: string;
let base: string;
let browser: Browser;

beforeAll(async () => {
  if (!hasChromium) return;
  mkdirSync(SHOTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'lookout-explore-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    selfScrapeConfig(port),
  );
  startNode(LOOKOUT_BIN, [
    'server',
    QUIET_ALERTMANAGER_FLAG,
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--hostmetrics.enable=false',
  ]);
  await waitForScrapes(base, 'lookout', 4);
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await stopAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A fresh page with light colour preference (the theme default follows it). */
async function open(path: string): Promise<Page> {
  const page = await browser.newPage({ viewport: LAPTOP, colorScheme: 'light' });
  await page.goto(`${base}${path}`);
  return page;
}

/** Types into the first panel's CodeMirror editor once it has loaded. */
async function typeExpr(page: Page, text: string): Promise<void> {
  const editor = page.locator('.query-panel').first().locator('.cm-content');
  await editor.waitFor({ timeout: 30_000 });
  await editor.click({ timeout: 10_000 });
  await page.keyboard.type(text);
}

function params(page: Page): URLSearchParams {
  return new URL(page.url()).searchParams;
}

describe.skipIf(!hasChromium)('explore', { timeout: 120_000 }, () => {
  it('runs the expression on Shift+Enter and draws the graph', async () => {
    const page = await open('/query');
    await typeExpr(page, 'up');
    await page.keyboard.press('Shift+Enter');
    await page.waitForSelector('.graph canvas', { timeout: 30_000 });
    expect(params(page).get('g0.expr')).toBe('up');
    expect((await page.locator('.legend li').allTextContents()).sort()).toEqual([
      'up{instance="127.0.0.1:1", job="broken"}',
      `up{instance="${base.slice(7)}", job="lookout"}`,
    ]);
    expect(await page.locator('.stats').textContent()).toMatch(
      /^Load time \(browser\): \d+ms · Server eval: [\d.]+ms · Samples: \d+ · Peak samples: \d+ · 2 series, \d+ points returned, resolution 14s$/,
    );
    await page.screenshot({ path: join(SHOTS, 'explore-graph.png') });
    await page.close();
  });

  it('offers metric names of the server in the autocompletion, and highlights the expression', async () => {
    const page = await open('/query');
    await typeExpr(page, 'prometheus_tsdb_head_ser');
    const options = page.locator('.cm-tooltip-autocomplete li');
    await options.first().waitFor({ timeout: 30_000 });
    expect(await options.allTextContents()).toContainEqual(expect.stringContaining('prometheus_tsdb_head_series'));
    // CodeMirror ignores Enter for `interactionDelay` (75 ms) after the list opens: wait past it.
    await page.waitForTimeout(300);
    await page.keyboard.press('Enter');
    expect(await page.locator('.cm-content').textContent()).toBe('prometheus_tsdb_head_series');
    await page.keyboard.type('{job="lookout"} + rate(');
    // The linter flags the unclosed call.
    await page.locator('.cm-lintRange-error, .cm-lint-marker-error, .cm-lintRange').first().waitFor({ timeout: 30_000 });
    await page.close();
  });

  it('shows the samples and peak samples the API reports for the same query', async () => {
    const expr = 'sum by (job) (rate(up[1m]))';
    // The graph's automatic resolution over 1 h is 14 s, so its last step can be up to 14 s before
    // `end`: wait until the server has been scraping long enough for that step's window to hold samples.
    let end = 0;
    let start = 0;
    await waitFor('samples in the last graph step', 60_000, async () => {
      end = Math.floor(Date.now() / 1000) * 1000 - 5000;
      start = end - 3_600_000;
      const r = await getJson(`${base}/api/v1/query_range?query=${encodeURIComponent(expr)}&start=${start / 1000}&end=${end / 1000}&step=14&stats=all`);
      return r.data.stats.samples.totalQueryableSamples > 0;
    });
    const page = await open(`/query?g0.expr=${encodeURIComponent(expr)}&g0.tab=graph&from=${start}&to=${end}`);
    const samples = page.locator('.stats .samples');
    await samples.waitFor({ timeout: 30_000 });
    const range = await getJson(`${base}/api/v1/query_range?query=${encodeURIComponent(expr)}&start=${start / 1000}&end=${end / 1000}&step=14&stats=all`);
    expect(range.data.stats.samples.totalQueryableSamples).toBeGreaterThan(0);
    expect(await samples.textContent()).toBe(`Samples: ${range.data.stats.samples.totalQueryableSamples}`);
    expect(await page.locator('.stats .peak-samples').textContent()).toBe(`Peak samples: ${range.data.stats.samples.peakSamples}`);
    await page.click('button.tab:has-text("Table")');
    await page.waitForSelector('table.results td.value', { timeout: 30_000 });
    const instant = await getJson(`${base}/api/v1/query?query=${encodeURIComponent(expr)}&time=${end / 1000}&stats=all`);
    expect(await page.locator('.stats .samples').textContent()).toBe(`Samples: ${instant.data.stats.samples.totalQueryableSamples}`);
    expect(instant.data.stats.samples.totalQueryableSamples).toBeGreaterThan(0);
    await page.close();
  });

  it('shows in the table the values the API returns for the same time', async () => {
    const expr = 'prometheus_tsdb_head_series';
    // The graph tab below draws a canvas only for a non-empty result: wait until the graph's last
    // step (up to its 14 s resolution before `end`) falls after the server's first scrape.
    let end = 0;
    await waitFor('a value at the last graph step', 60_000, async () => {
      end = Math.floor(Date.now() / 1000) * 1000 - 5000;
      const r = await getJson(`${base}/api/v1/query_range?query=${expr}&start=${(end - 3_600_000) / 1000}&end=${end / 1000}&step=14`);
      return r.data.result.length > 0;
    });
    const page = await open(`/query?g0.expr=${expr}&g0.tab=table&from=${end - 3_600_000}&to=${end}`);
    await page.waitForSelector('table.results td.value', { timeout: 30_000 });
    const api = await getJson(`${base}/api/v1/query?query=${expr}&time=${end / 1000}`);
    const rows = await page.locator('table.results tr').evaluateAll((trs) =>
      trs.map((tr) => [tr.querySelector('.series')!.textContent, tr.querySelector('.value')!.textContent]),
    );
    expect(rows).toEqual(
      (api.data.result as { metric: Record<string, string>; value: [number, string] }[]).map((s) => [
        `${expr}{instance="${s.metric.instance}", job="${s.metric.job}"}`,
        s.value[1],
      ]),
    );
    expect(rows.length).toBe(1);
    // Switching to the graph keeps the expression and writes the tab into the URL.
    await page.click('button.tab:has-text("Graph")');
    await page.waitForSelector('.graph canvas', { timeout: 30_000 });
    expect(params(page).get('g0.tab')).toBe('graph');
    await page.close();
  });

  it('writes the time range, resolution and stacking into the URL, and a reload restores them', async () => {
    const page = await open('/query?g0.expr=up&g0.tab=graph');
    await page.waitForSelector('.graph canvas', { timeout: 30_000 });
    expect(await page.locator('.time-range-button').textContent()).toContain('Last 1h');

    await page.click('.time-range-button');
    await page.click('.quick-ranges button[data-range="15m"]');
    expect([params(page).get('from'), params(page).get('to')]).toEqual(['now-15m', 'now']);
    expect(await page.locator('.time-range-button').textContent()).toContain('Last 15m');

    await page.click('.time-range-button');
    await page.fill('.absolute-range input[name=from]', '2026-01-02T03:04');
    await page.fill('.absolute-range input[name=to]', '2026-01-02T05:04');
    await page.click('.absolute-range button[type=submit]');
    const from = Number(params(page).get('from'));
    const to = Number(params(page).get('to'));
    expect(to - from).toBe(2 * 3_600_000);
    expect(new Date(from).getMinutes()).toBe(4);

    await page.fill('.query-panel input.step', '30');
    await page.keyboard.press('Tab');
    await page.check('.query-panel input.stacked');
    await page.selectOption('.refresh select', '30s');
    const url = page.url();
    expect(params(page).get('g0.step_input')).toBe('30');
    expect(params(page).get('g0.stacked')).toBe('1');
    expect(params(page).get('refresh')).toBe('30s');

    await page.reload();
    await page.locator('.cm-content').waitFor({ timeout: 30_000 });
    expect(page.url()).toBe(url);
    expect(await page.locator('.cm-content').textContent()).toBe('up');
    expect(await page.inputValue('.query-panel input.step')).toBe('30');
    expect(await page.isChecked('.query-panel input.stacked')).toBe(true);
    expect(await page.inputValue('.refresh select')).toBe('30s');
    expect(await page.locator('.time-range-button').textContent()).toContain('2026-01-02 03:04 → 2026-01-02 05:04');
    // No data that far back: an empty result, not an error.
    await page.locator('p.empty', { hasText: 'Empty query result' }).waitFor({ timeout: 30_000 });
    await page.close();
  });

  it('reads Prometheus links and selects series from the legend', async () => {
    const page = await open('/query?g0.expr=up&g0.tab=0&g0.range_input=5m');
    await page.waitForSelector('.graph canvas', { timeout: 30_000 });
    expect(await page.locator('.time-range-button').textContent()).toContain('Last 5m');
    const items = page.locator('.legend li');
    expect(await items.count()).toBe(2);
    // Hovering the plot shows each series' value at that time in the legend (up: 0 for broken, 1 for lookout).
    const box = (await page.locator('.graph .u-over').boundingBox())!;
    await page.mouse.move(box.x + box.width - 3, box.y + box.height / 2);
    await page.locator('.legend-value').first().waitFor({ timeout: 5_000 });
    expect(await page.locator('.legend-value').allTextContents()).toEqual(['0', '1']);
    await items.nth(0).click();
    expect(await page.locator('.legend li.off').count()).toBe(1);
    expect(await items.nth(1).getAttribute('class')).toBe('off');
    await items.nth(1).click({ modifiers: ['Control'] });
    expect(await page.locator('.legend li.off').count()).toBe(0);
    await items.nth(0).click({ modifiers: ['Control'] });
    expect(await items.nth(0).getAttribute('class')).toBe('off');
    await page.close();
  });

  it('shows the API\'s warnings and infos, and its errors', async () => {
    const page = await open('/query?g0.expr=' + encodeURIComponent('rate(up[1m])') + '&g0.tab=table&g1.expr=' + encodeURIComponent('histogram_quantile(0.9, up)') + '&g1.tab=table');
    const [first, second] = [page.locator('.query-panel').nth(0), page.locator('.query-panel').nth(1)];
    await first.locator('.info').waitFor({ timeout: 30_000 });
    const api = await getJson(`${base}/api/v1/query?query=${encodeURIComponent('rate(up[1m])')}`);
    expect(await first.locator('.info').allTextContents()).toEqual(api.infos.map((i: string) => `Info: ${i}`));
    await second.locator('.warning').waitFor({ timeout: 30_000 });
    expect(await second.locator('.warning').textContent()).toMatch(/^Warning: PromQL warning: bucket label "le" is missing/);
    await first.locator('.cm-content').click();
    await page.keyboard.press('End');
    await page.keyboard.type(' +');
    await page.keyboard.press('Shift+Enter');
    await first.locator('.error').waitFor({ timeout: 30_000 });
    expect(await first.locator('.error').textContent()).toMatch(/^Error: .*parse error/);
    await page.close();
  });

  it('runs the queries again at the auto-refresh interval', async () => {
    const page = await open('/query?g0.expr=up&g0.tab=graph&from=now-5m&to=now&refresh=5s');
    let requests = 0;
    page.on('request', (r) => void (r.url().includes('/api/v1/query_range') && requests++));
    await page.waitForSelector('.graph canvas', { timeout: 30_000 });
    await waitFor('two refreshes', 30_000, async () => requests >= 2);
    await page.close();
  });

  it('keeps a query history and runs several panels', async () => {
    const page = await open('/query');
    await typeExpr(page, 'up == 1');
    await page.keyboard.press('Shift+Enter');
    await page.waitForSelector('.graph canvas', { timeout: 30_000 });
    await page.click('button.add-panel');
    const second = page.locator('.query-panel').nth(1);
    await second.locator('.cm-content').click();
    await page.keyboard.type('count(up)');
    await page.keyboard.press('Shift+Enter');
    await second.locator('.graph canvas').waitFor({ timeout: 30_000 });
    expect([params(page).get('g0.expr'), params(page).get('g1.expr')]).toEqual(['up == 1', 'count(up)']);
    const history = await page.locator('.query-panel').first().locator('select.history option').allTextContents();
    expect(history.slice(0, 3)).toEqual(['Query history…', 'count(up)', 'up == 1']);
    await second.locator('button.remove-panel').click();
    expect(params(page).has('g1.expr')).toBe(false);
    await page.close();
  });

  it('toggles the dark theme, remembers it, and saves the README screenshot', async () => {
    const page = await open('/query?g0.expr=nodejs_heap_space_size_used_bytes&g0.tab=graph&g0.stacked=1&from=now-30s&to=now');
    await page.waitForSelector('.graph canvas', { timeout: 30_000 });
    expect(await page.getAttribute('html', 'data-theme')).toBe('light');
    await page.screenshot({ path: join(SHOTS, 'explore-light.png') });
    await page.click('button.theme-toggle');
    expect(await page.getAttribute('html', 'data-theme')).toBe('dark');
    const bg = await page.evaluate('getComputedStyle(document.documentElement).backgroundColor');
    expect(bg).toBe('rgb(18, 20, 25)');
    await page.reload();
    await page.waitForSelector('.graph canvas', { timeout: 30_000 });
    expect(await page.getAttribute('html', 'data-theme')).toBe('dark');
    await page.screenshot({ path: join(SHOTS, 'explore-dark.png') });
    // The README's picture is refreshed on demand only, so test runs leave the tree clean.
    if (process.env.UPDATE_SCREENSHOTS) await page.screenshot({ path: join(ROOT, 'docs', 'screenshots', 'explore.png') });
    await page.click('button.theme-toggle');
    expect(await page.getAttribute('html', 'data-theme')).toBe('light');
    await page.close();
  });
});

describe.skipIf(!hasChromium)('status pages', { timeout: 120_000 }, () => {
  it('lists every page in the navigation bar and each opens at its own path', async () => {
    const page = await open('/query');
    const nav = await page.locator('nav > a').allTextContents();
    for (const title of ['Explore', 'Logs', 'Alerts', 'Alertmanager', 'Targets', 'Service discovery', 'Rules', 'SLOs', 'Backtest']) {
      expect(nav).toContain(title);
    }
    await page.click('nav .status-menu > a');
    expect(await page.locator('.status-menu-items a').allTextContents()).toEqual(['TSDB status', 'Configuration', 'Flags', 'Runtime & build info']);
    await page.click('.status-menu-items a:has-text("Flags")');
    expect(new URL(page.url()).pathname).toBe('/flags');
    await page.waitForSelector('table.flags');
    await page.close();
  });

  it('shows head statistics and cardinality from /api/v1/status/tsdb', async () => {
    const page = await open('/tsdb-status');
    await page.waitForSelector('.cardinality section.top table', { timeout: 30_000 });
    const api = await getJson(`${base}/api/v1/status/tsdb`);
    const top = page.locator('section.top', { hasText: 'Top metrics by series' });
    const names = await top.locator('tbody td code').allTextContents();
    expect(names).toEqual(api.data.seriesCountByMetricName.map((e: { name: string }) => e.name));
    expect(names.length).toBe(10);
    const labels = await page.locator('section.top', { hasText: 'Labels by number of values' }).locator('tbody td code').allTextContents();
    expect(labels).toEqual(api.data.labelValueCountByLabelName.map((e: { name: string }) => e.name));
    expect(Number(await page.locator('[data-stat=numSeries]').textContent())).toBeGreaterThan(0);
    await page.selectOption('.tsdb-status h1 select', '20');
    expect(params(page).get('limit')).toBe('20');
    await page.screenshot({ path: join(SHOTS, 'tsdb-status.png'), fullPage: true });
    await page.close();
  });

  it('shows the configuration, the flags and the runtime information', async () => {
    const page = await open('/config');
    const yaml = (await getJson(`${base}/api/v1/status/config`)).data.yaml as string;
    await page.waitForSelector('pre.config');
    expect(await page.locator('pre.config').textContent()).toBe(yaml);
    await page.screenshot({ path: join(SHOTS, 'config.png') });

    await page.goto(`${base}/flags`);
    await page.waitForSelector('table.flags');
    await page.fill('.flags-page input[type=search]', 'web.listen-address');
    expect(await page.locator('table.flags tr').evaluateAll((trs) => trs.map((tr) => tr.textContent))).toEqual([
      `--web.listen-address${base.slice(7)}`,
    ]);
    await page.screenshot({ path: join(SHOTS, 'flags.png') });

    await page.goto(`${base}/runtime`);
    await page.waitForSelector('table.build-info');
    const runtime = (await getJson(`${base}/api/v1/status/runtimeinfo`)).data;
    expect(await page.locator('table.runtime-info td[data-key=startTime]').textContent()).toBe(runtime.startTime);
    expect(await page.locator('table.runtime-info td[data-key=CWD]').textContent()).toBe(runtime.CWD);
    const build = (await getJson(`${base}/api/v1/status/buildinfo`)).data;
    expect(await page.locator('table.build-info td[data-key=version]').textContent()).toBe(build.version);
    await page.screenshot({ path: join(SHOTS, 'runtime.png') });
    await page.close();
  });
});
