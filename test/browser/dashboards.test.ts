/**
 * Dashboards in headless Chromium (Debian's, via playwright-core) against a Lookout server with 6 h of
 * backfilled demo data (values follow exact formulas; dashboards look at absolute ranges ending at the
 * last backfilled sample, so the panels' numbers can be compared with the API's): importing a Grafana JSON with variables, rows and seven
 * panel types, changing variables, expanding a collapsed row, editing and saving; the community
 * "Node Exporter Full" dashboard over Lookout's host metrics; the built-in dashboards (host, Lookout,
 * Alertmanager, the Orders API's RED and its SLO); and a 30-panel dashboard over 6 h whose render time
 * is printed. Screenshots go to test-results/dashboards/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, getJson, LOOKOUT_BIN, ORDERS_API_BIN, QUIET_ALERTMANAGER_FLAG, ROOT, startNode, stopAll, waitFor } from '../support/processes.js';
import { hasChromium, launchChromium } from '../support/browser.js';

const SHOTS = join(ROOT, 'test-results', 'dashboards');
const NODE_FULL = join(ROOT, '..', 'shared', 'dashboards', 'node-exporter-full.json');

/** Demo series: counters grow at a fixed rate per second, gauges are constant. */
const INSTANCES = ['i1', 'i2', 'i3'];
const REQ_RATE: Record<string, Record<string, number>> = { i1: { '200': 2, '500': 0.5 }, i2: { '200': 4, '500': 0.25 }, i3: { '200': 1, '500': 0 } };
const TEMP: Record<string, Record<string, number>> = { i1: { cpu: 41.5, gpu: 55.25 }, i2: { cpu: 38.75, gpu: 60 }, i3: { cpu: 45.125, gpu: 50.5 } };
const BUCKET_RATE: [string, number][] = [['0.1', 1], ['0.5', 3], ['1', 4], ['+Inf', 5]];

/** The demo samples at `t` (Unix seconds), as `[name, labels, value]`. */
function demoSamples(t: number): [string, string, number][] {
  const out: [string, string, number][] = [];
  for (const i of INSTANCES) {
    const base = `job="demo",instance="${i}"`;
    for (const [code, r] of Object.entries(REQ_RATE[i]!)) out.push(['demo_requests_total', `${base},code="${code}"`, r * t]);
    for (const [sensor, v] of Object.entries(TEMP[i]!)) out.push(['demo_temperature_celsius', `${base},sensor="${sensor}"`, v]);
    for (const [le, r] of BUCKET_RATE) out.push(['demo_latency_seconds_bucket', `${base},le="${le}"`, r * t]);
    out.push(['demo_latency_seconds_count', base, 5 * t]);
    out.push(['demo_latency_seconds_sum', base, 1.5 * t]);
    out.push(['demo_info', `${base},version="1.${INSTANCES.indexOf(i)}"`, 1]);
  }
  return out;
}

const TYPES = '# TYPE demo_requests counter\n# TYPE demo_temperature_celsius gauge\n# TYPE demo_latency_seconds histogram\n# TYPE demo_info gauge\n';

/** OpenMetrics text of the demo series every 15 s over [from, to] (Unix seconds). */
function backfill(from: number, to: number): string {
  const byName = new Map<string, string[]>();
  for (let t = from; t <= to; t += 15) {
    for (const [name, labels, v] of demoSamples(t)) {
      const key = name.replace(/_(total|bucket|count|sum)$/, '');
      let lines = byName.get(key);
      if (!lines) byName.set(key, (lines = []));
      lines.push(`${name}{${labels}} ${v} ${t}`);
    }
  }
  // OpenMetrics wants each family's samples together, one TYPE line per family.
  return `${TYPES}${[...byName.values()].map((l) => l.join('\n')).join('\n')}\n# EOF\n`;
}

let dir: string;
let base: string;
let browser: Browser;
/** The last backfilled sample, Unix seconds. */
let end: number;
let dashDir: string;

/** An instant query's values at the last backfilled sample. */
async function apiValue(expr: string): Promise<number[]> {
  const r = await getJson(`${base}/api/v1/query?${new URLSearchParams({ query: expr, time: String(end) })}`);
  return (r.data.result as { value: [number, string] }[]).map((s) => Number(s.value[1]));
}

/** Waits until every panel on the page has finished loading; returns the panels' states. */
async function panelsDone(page: Page, expected: number, timeout = 60_000): Promise<void> {
  const done = `(() => { const ps = [...document.querySelectorAll('.dash-panel')]; return ps.length >= ${expected} && ps.every((p) => p.getAttribute('data-state') === 'done'); })()`;
  await page.waitForFunction(done, undefined, { timeout, polling: 50 });
}

beforeAll(async () => {
  if (!hasChromium) return;
  mkdirSync(SHOTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'lookout-dash-ui-'));
  dashDir = join(dir, 'dashboards');
  const now = Math.floor(Date.now() / 1000);
  end = now - (now % 15) - 15;
  writeFileSync(join(dir, 'backfill.om'), backfill(end - 6 * 3600, end));
  execFileSync(process.execPath, [LOOKOUT_BIN, 'tsdb', 'create-blocks-from', 'openmetrics', '--quiet', join(dir, 'backfill.om'), join(dir, 'data')], { stdio: 'pipe' });

  const port = await freePort();
  const appPort = await freePort();
  base = `http://127.0.0.1:${port}`;
  startNode(ORDERS_API_BIN, ['--port', String(appPort), '--traffic-rps', '20', '--error-rate', '0.05']);
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: node
    metrics_path: /node/metrics
    static_configs: [ { targets: ['127.0.0.1:${port}'] } ]
  - job_name: lookout
    static_configs: [ { targets: ['127.0.0.1:${port}'] } ]
  - job_name: application
    static_configs: [ { targets: ['127.0.0.1:${appPort}'] } ]
`,
  );
  startNode(LOOKOUT_BIN, [
    'server',
    QUIET_ALERTMANAGER_FLAG,
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    `--slo.file=${join(ROOT, 'config', 'slos.yml')}`,
  ]);
  await waitFor('lookout ready', 30_000, async () => (await fetch(`${base}/-/ready`)).ok);
  // The Orders API's log lines as promtail ships them (config/promtail.yml), for application-red's logs panels.
  const logMs = Date.now() - 60_000;
  const streams = [{ stream: { job: 'application', instance: `127.0.0.1:${appPort}`, level: 'error' }, values: [[`${logMs}000000`, '{"level":"error","msg":"payment gateway timeout"}']] }];
  const pushed = await fetch(`${base}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ streams }) });
  expect(pushed.status).toBe(204);
  await waitFor('a few scrapes of the host metrics and the Orders API', 30_000, async () => {
    const r = await getJson(`${base}/api/v1/query?query=${encodeURIComponent('count_over_time(node_cpu_seconds_total{mode="idle"}[1m]) >= 5 and on() count_over_time(app_requests_total{status="200"}[1m]) >= 5')}`);
    return (r.data?.result?.length ?? 0) > 0;
  });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stopAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A Grafana dashboard with chained query variables, a custom variable, rows (one collapsed, one repeated), a repeated panel and seven panel types. */
function demoDashboard() {
  const sel = 'job="$job",instance=~"$instance"';
  return {
    dashboard: {
      uid: 'demo-ui',
      title: 'Demo service',
      tags: ['demo'],
      schemaVersion: 39,
      time: { from: new Date((end - 3600) * 1000).toISOString(), to: new Date(end * 1000).toISOString() },
      templating: {
        list: [
          { name: 'job', type: 'query', datasource: { type: 'prometheus', uid: '${ds}' }, query: { query: 'label_values(demo_info, job)', refId: 'A' }, refresh: 1, sort: 1 },
          { name: 'instance', type: 'query', query: 'label_values(demo_info{job="$job"}, instance)', multi: true, includeAll: true, current: { text: 'All', value: '$__all' }, refresh: 2, sort: 1 },
          { name: 'code', type: 'custom', query: '200,500', current: { text: '200', value: '200' } },
          { name: 'version', type: 'query', query: 'query_result(demo_info{job="$job"})', regex: '/version="([^"]+)"/', sort: 1 },
        ],
      },
      panels: [
        { id: 100, type: 'row', title: 'Overview of $job', collapsed: false, gridPos: { x: 0, y: 0, w: 24, h: 1 }, panels: [] },
        {
          id: 1, type: 'stat', title: 'Request rate', gridPos: { x: 0, y: 1, w: 6, h: 5 },
          targets: [{ refId: 'A', expr: `sum(rate(demo_requests_total{${sel},code="$code"}[$__rate_interval]))` }],
          fieldConfig: { defaults: { unit: 'reqps', decimals: 2, thresholds: { mode: 'absolute', steps: [{ value: null, color: 'green' }, { value: 5, color: 'red' }] } }, overrides: [] },
          options: { reduceOptions: { calcs: ['lastNotNull'] }, colorMode: 'value', graphMode: 'area' },
        },
        {
          id: 2, type: 'gauge', title: 'CPU temperature', gridPos: { x: 6, y: 1, w: 6, h: 5 },
          targets: [{ refId: 'A', expr: `demo_temperature_celsius{${sel},sensor="cpu"}`, legendFormat: '{{instance}}', instant: true, range: false }],
          fieldConfig: { defaults: { unit: 'celsius', decimals: 2, min: 0, max: 100 }, overrides: [] },
        },
        {
          id: 3, type: 'bargauge', title: 'GPU temperature', gridPos: { x: 12, y: 1, w: 12, h: 5 },
          targets: [{ refId: 'A', expr: `demo_temperature_celsius{${sel},sensor="gpu"}`, legendFormat: '{{instance}}', instant: true }],
          fieldConfig: { defaults: { unit: 'celsius', decimals: 3, thresholds: { mode: 'percentage', steps: [{ value: null, color: 'green' }, { value: 58, color: 'orange' }] } }, overrides: [] },
        },
        {
          id: 4, type: 'timeseries', title: 'Requests by instance', gridPos: { x: 0, y: 6, w: 14, h: 8 },
          targets: [{ refId: 'A', expr: `sum by (instance) (rate(demo_requests_total{${sel},code="$code"}[$__rate_interval]))`, legendFormat: '{{instance}}' }],
          fieldConfig: { defaults: { unit: 'reqps', decimals: 3 }, overrides: [{ matcher: { id: 'byName', options: 'i2' }, properties: [{ id: 'decimals', value: 1 }] }] },
          options: { legend: { showLegend: true, displayMode: 'table', calcs: ['lastNotNull', 'max'] } },
        },
        {
          id: 5, type: 'table', title: 'Temperatures', gridPos: { x: 14, y: 6, w: 10, h: 8 },
          targets: [{ refId: 'A', expr: `demo_temperature_celsius{${sel}}`, format: 'table', instant: true }],
          fieldConfig: { defaults: { unit: 'celsius', decimals: 2 }, overrides: [] },
          transformations: [{ id: 'organize', options: { excludeByName: { job: true }, renameByName: { Value: 'Temperature' } } }],
        },
        {
          id: 6, type: 'stat', title: 'Rate of $instance', repeat: 'instance', repeatDirection: 'h', maxPerRow: 3, gridPos: { x: 0, y: 14, w: 8, h: 4 },
          targets: [{ refId: 'A', expr: `sum(rate(demo_requests_total{job="$job",instance="$instance"}[$__rate_interval]))` }],
          fieldConfig: { defaults: { unit: 'none', decimals: 2 }, overrides: [] },
        },
        {
          id: 101, type: 'row', title: 'Details', collapsed: true, gridPos: { x: 0, y: 18, w: 24, h: 1 },
          panels: [
            { id: 7, type: 'text', title: 'Notes', gridPos: { x: 0, y: 19, w: 8, h: 6 }, options: { mode: 'markdown', content: '## Job $job\n\nVersions: **${version:csv}** <script>window.hacked=1</script>' } },
            {
              id: 8, type: 'heatmap', title: 'Latency buckets', gridPos: { x: 8, y: 19, w: 16, h: 6 },
              targets: [{ refId: 'A', expr: `sum by (le) (rate(demo_latency_seconds_bucket{${sel}}[$__rate_interval]))`, format: 'heatmap', legendFormat: '{{le}}' }],
            },
          ],
        },
        { id: 102, type: 'row', title: 'Instance $instance', repeat: 'instance', collapsed: false, gridPos: { x: 0, y: 19, w: 24, h: 1 }, panels: [] },
        {
          id: 9, type: 'stat', title: 'Temperature sum', gridPos: { x: 0, y: 20, w: 6, h: 3 },
          targets: [{ refId: 'A', expr: 'sum(demo_temperature_celsius{job="$job",instance="$instance"})', instant: true }],
          fieldConfig: { defaults: { unit: 'none', decimals: 2 }, overrides: [] },
        },
      ],
    },
  };
}

describe.skipIf(!hasChromium)('dashboards in the browser', () => {
  it('imports a Grafana dashboard, shows the API values, follows variable changes, expands rows, edits and saves', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${base}/query`);
    await page.click('nav >> text=Dashboards');
    expect(new URL(page.url()).pathname).toBe('/dashboards');
    await page.click('button.import-dashboard');
    await page.fill('.import-form textarea', JSON.stringify(demoDashboard()));
    await page.click('button.import-submit');
    await page.waitForURL(/\/dashboards\/demo-ui/, { timeout: 15_000 });
    // 5 panels + 3 repeats + a repeated row of one panel per instance.
    await panelsDone(page, 11);
    expect(await page.locator('.var[data-var="job"] select').inputValue()).toBe('demo');
    expect(await page.locator('.var[data-var="version"] select option').allTextContents()).toEqual(['1.0', '1.1', '1.2']);
    expect(await page.locator('.row-header').first().textContent()).toContain('Overview of demo');

    const sum200 = (await apiValue('sum(rate(demo_requests_total{job="demo",code="200"}[1m]))'))[0]!;
    expect(sum200).toBeCloseTo(7, 6);
    const stat = () => page.locator('[data-panel-id="1"] .stat-value').textContent();
    expect(await stat()).toBe(`${sum200.toFixed(2)} req/s`);
    expect(await page.locator('[data-panel-id="1"] .sparkline').count()).toBe(1);
    // Gauge and bar gauge: one value per instance, as the API answers them.
    const cpu = await apiValue('sort_desc(demo_temperature_celsius{sensor="cpu"})');
    const gauges = (await page.locator('[data-panel-id="2"] .gauge-value').allTextContents()).sort();
    expect(gauges).toEqual(cpu.map((v) => `${v.toFixed(2)} °C`).sort());
    const bars = await page.locator('[data-panel-id="3"] .bar-row').evaluateAll((rows) => rows.map((r) => `${r.querySelector('.bar-name')!.textContent}=${r.querySelector('.bar-value')!.textContent}`));
    expect(bars.sort()).toEqual(INSTANCES.map((i) => `${i}=${TEMP[i]!.gpu!.toFixed(3)} °C`));
    // Legend calcs with the byName override (i2: 1 decimal).
    const legend = await page.locator('[data-panel-id="4"] .ts-legend tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent)));
    expect(legend).toEqual([
      ['i1', '2.000 req/s', '2.000 req/s'],
      ['i2', '4.0 req/s', '4.0 req/s'],
      ['i3', '1.000 req/s', '1.000 req/s'],
    ]);
    // Table: organize transformation (job hidden, Value renamed), a row per series.
    expect(await page.locator('[data-panel-id="5"] th').allTextContents()).toEqual(['instance', 'sensor', 'Temperature']);
    const cells = await page.locator('[data-panel-id="5"] tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent).join('|')));
    expect(cells.sort()).toEqual(INSTANCES.flatMap((i) => Object.entries(TEMP[i]!).map(([s, v]) => `${i}|${s}|${v.toFixed(2)} °C`)).sort());
    // Repeated panel: one per instance, titled by its value.
    expect(await page.locator('[data-panel-id="6"] .panel-title').allTextContents()).toEqual(['Rate of i1', 'Rate of i2', 'Rate of i3']);
    expect(await page.locator('[data-panel-id="6"] .stat-value').allTextContents()).toEqual(['2.50', '4.25', '1.00']);
    expect(await page.locator('.row-header').allTextContents()).toEqual(['▾ Overview of demo', '▸ Details (2 panels)', '▾ Instance i1', '▾ Instance i2', '▾ Instance i3']);
    expect(await page.locator('[data-panel-id="9"] .stat-value').allTextContents()).toEqual(['96.75', '98.75', '95.63']);
    await page.screenshot({ path: join(SHOTS, 'demo-all.png'), fullPage: true });

    // Only i2, then code 500: every panel follows.
    await page.click('.var[data-var="instance"] .var-button');
    await page.uncheck('.var[data-var="instance"] input[value="$__all"]');
    await page.check('.var[data-var="instance"] input[value="i2"]');
    await page.click('.var[data-var="instance"] .var-menu button');
    await page.waitForFunction(`document.querySelectorAll('[data-panel-id="6"]').length === 1`);
    await panelsDone(page, 7);
    expect(await stat()).toBe('4.00 req/s');
    expect(await page.locator('[data-panel-id="9"] .stat-value').allTextContents()).toEqual(['98.75']);
    expect(await page.locator('[data-panel-id="5"] tbody tr').count()).toBe(2);
    await page.selectOption('.var[data-var="code"] select', '500');
    await page.waitForFunction(`document.querySelector('[data-panel-id="1"] .stat-value')?.textContent === '0.25 req/s'`, undefined, { timeout: 15_000 });
    expect((await apiValue('sum(rate(demo_requests_total{instance=~"(i2)",code="500"}[1m]))'))[0]).toBeCloseTo(0.25, 6);
    expect(page.url()).toContain('var-instance=i2');
    expect(page.url()).toContain('var-code=500');

    // The collapsed row opens on click: markdown (sanitised) and the histogram heatmap.
    await page.click('.row-header:has-text("Details")');
    await panelsDone(page, 9);
    expect(await page.locator('[data-panel-id="7"] h2').textContent()).toBe('Job demo');
    expect(await page.locator('[data-panel-id="7"] strong').textContent()).toBe('1.0');
    expect(await page.evaluate('window.hacked')).toBeUndefined();
    expect(await page.locator('[data-panel-id="8"] .heatmap-panel').getAttribute('data-buckets')).toBe('4');
    await page.screenshot({ path: join(SHOTS, 'demo-i2-500-expanded.png'), fullPage: true });

    // Edit the stat's query, resize it, save: the file on disk changes.
    await page.click('button.edit-toggle');
    await page.click('[data-panel-id="1"] button.panel-edit');
    // The query box is the PromQL editor (CodeMirror, loaded on first use): replace its text.
    const editor = page.locator('.panel-editor .target-expr .cm-content');
    await editor.waitFor({ timeout: 15_000 });
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText('sum(demo_temperature_celsius{job="$job",instance=~"$instance"})');
    await page.click('button.apply-panel');
    await page.waitForFunction(`document.querySelector('[data-panel-id="1"] .stat-value')?.textContent === '98.75 req/s'`, undefined, { timeout: 15_000 });
    const handle = (await page.locator('[data-panel-id="1"] .resize-handle').boundingBox())!;
    await page.mouse.move(handle.x + 5, handle.y + 5);
    await page.mouse.down();
    await page.mouse.move(handle.x + 5 + 110, handle.y + 5 + 80, { steps: 5 });
    await page.mouse.up();
    // Move the table one grid column right (drag its header): the panel overlapped below is pushed down.
    const header = (await page.locator('[data-panel-id="5"] .panel-header').boundingBox())!;
    await page.mouse.move(header.x + 40, header.y + 10);
    await page.mouse.down();
    await page.mouse.move(header.x + 40 - 200, header.y + 10 + 400, { steps: 5 });
    await page.mouse.up();
    await page.click('button.save-dashboard');
    await page.waitForSelector('.dash-status:has-text("Saved to")');
    const saved = JSON.parse(readFileSync(join(dashDir, 'demo-service.json'), 'utf8'));
    const p1 = saved.panels.find((p: { id: number }) => p.id === 1);
    expect(p1.targets[0].expr).toBe('sum(demo_temperature_celsius{job="$job",instance=~"$instance"})');
    expect(p1.gridPos.w).toBeGreaterThan(6);
    expect(p1.gridPos.h).toBeGreaterThan(5);
    const p5 = saved.panels.find((p: { id: number }) => p.id === 5);
    expect(p5.gridPos.x).toBeLessThan(14);
    expect(p5.gridPos.y).toBeGreaterThan(6);
    expect(saved.version).toBe(2);
    expect(readFileSync(join(dashDir, 'demo-service.json'), 'utf8').endsWith('}\n')).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'demo-edited.png'), fullPage: true });
    await page.close();
  }, 120_000);

  it('renders a legacy (schemaVersion 14) dashboard: rows, graph and singlestat', async () => {
    const legacy = {
      uid: 'legacy',
      title: 'Legacy rows',
      schemaVersion: 14,
      rows: [
        { title: 'First', height: '200px', panels: [
          { id: 1, type: 'singlestat', title: 'Total rate', span: 4, format: 'reqps', decimals: 1, valueName: 'current', thresholds: '5,10', colors: ['green', 'orange', 'red'], colorValue: true, targets: [{ expr: 'sum(rate(demo_requests_total[1m]))' }] },
          { id: 2, type: 'graph', title: 'By code', span: 8, yaxes: [{ format: 'reqps' }, { format: 'short' }], legend: { show: true, current: true, values: true }, targets: [{ expr: 'sum by (code) (rate(demo_requests_total[1m]))', legendFormat: 'code {{code}}' }] },
        ] },
        { title: 'Hidden', collapse: true, panels: [{ id: 3, type: 'singlestat', title: 'x', span: 12, targets: [{ expr: 'vector(1)' }] }] },
      ],
    };
    const res = await fetch(`${base}/api/dashboards/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(legacy) });
    expect(res.status).toBe(200);
    const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
    await page.goto(`${base}/dashboards/legacy?from=${(end - 1800) * 1000}&to=${end * 1000}`);
    await panelsDone(page, 2);
    const total = (await apiValue('sum(rate(demo_requests_total[1m]))'))[0]!;
    expect(await page.locator('[data-panel-id="1"] .stat-value').textContent()).toBe(`${total.toFixed(1)} req/s`);
    expect(await page.locator('[data-panel-id="2"] .ts-legend .ts-name').allTextContents()).toEqual(['code 200', 'code 500']);
    expect(await page.locator('.row-header').allTextContents()).toEqual(['▾ First', '▸ Hidden (1 panels)']);
    await page.screenshot({ path: join(SHOTS, 'legacy.png') });
    await page.close();
  }, 60_000);

  it('renders the community "Node Exporter Full" dashboard over Lookout host metrics', async () => {
    const json = JSON.parse(readFileSync(NODE_FULL, 'utf8'));
    const res = await fetch(`${base}/api/dashboards/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dashboard: json }) });
    expect(res.status).toBe(200);
    const { uid } = (await res.json()) as { uid: string };
    const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
    await page.goto(`${base}/dashboards/${uid}?from=now-5m&to=now`);
    await page.waitForSelector('.dash-panel', { timeout: 30_000 });
    const expanded = await page.locator('.dash-panel').count();
    await panelsDone(page, expanded);
    expect(await page.locator('.var[data-var="job"] select').inputValue()).toBe('node');
    const report = await page.locator('.dash-panel').evaluateAll((ps) =>
      ps.map((p) => ({ title: p.querySelector('.panel-title')!.textContent, series: Number(p.getAttribute('data-series')), error: p.querySelector('.panel-error')?.textContent ?? '' })),
    );
    // Expand every collapsed row, so each panel is tried.
    for (let i = 0; i < 20; i++) {
      const collapsed = page.locator('.row-header.collapsed').first();
      if ((await collapsed.count()) === 0) break;
      await collapsed.click();
    }
    const total = await page.locator('.dash-panel').count();
    await panelsDone(page, total, 120_000);
    const all = await page.locator('.dash-panel').evaluateAll((ps) =>
      ps.map((p) => ({ type: [...p.classList].find((c) => c.startsWith('type-'))!.slice(5), title: p.querySelector('.panel-title')!.textContent, series: Number(p.getAttribute('data-series')), error: p.querySelector('.panel-error')?.textContent ?? '' })),
    );
    const empty = all.filter((p) => p.series === 0 && p.type !== 'text');
    console.log(`Node Exporter Full: ${expanded} panels in expanded rows (${report.filter((p) => p.series > 0).length} with data); all rows expanded: ${all.length} panels, ${all.length - empty.length} with data; no data: ${empty.map((p) => `${p.title}${p.error ? ` [${p.error}]` : ''}`).join('; ')}`);
    // The "Quick CPU / Mem / Disk" row, the basic CPU/memory/network/disk graphs and the exporter's own process_* panels have data.
    for (const title of ['CPU Busy', 'RAM Used', 'Root FS Used', 'CPU Cores', 'Uptime', 'CPU Basic', 'Memory Basic', 'Network Traffic Basic', 'Exporter Process CPU Usage', 'Exporter Processes Memory', 'Exporter File Descriptor Usage']) {
      expect(all.find((p) => p.title === title), title).toMatchObject({ series: expect.any(Number) });
      expect(all.find((p) => p.title === title)!.series, title).toBeGreaterThan(0);
    }
    expect(all.filter((p) => p.error !== '')).toEqual([]);
    expect(all.length - empty.length).toBeGreaterThan(all.length / 2);
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(SHOTS, 'node-exporter-full.png') });
    await page.close();
  }, 240_000);

  it('renders the built-in dashboards with data', async () => {
    const page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
    for (const [file, mustHaveData] of [
      ['host.json', ['CPU busy', 'Memory used', 'Root filesystem used', 'CPU cores', 'Uptime', 'CPU by mode', 'Memory', 'Load average', 'Filesystems']],
      ['lookout.json', ['Targets up', 'Head series', 'Samples appended', 'Scrape duration by job', 'Head series and chunks']],
      ['alertmanager.json', ['Active alerts', 'Config loaded', 'Alerts by state']],
      ['application-red.json', ['Request rate', 'Error ratio (5xx)', 'p95 latency', 'Requests by endpoint', 'Errors by status', 'Latency percentiles', 'Request duration distribution', 'Orders created by payment method', 'Database connections', 'Log volume by level', 'Application logs']],
      ['slos.json', ['Objective', 'Availability over the window', 'Error budget remaining', 'Burn rate by window', 'Error ratio']],
    ] as const) {
      const json = JSON.parse(readFileSync(join(ROOT, 'config', 'dashboards', file), 'utf8'));
      const res = await fetch(`${base}/api/dashboards/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dashboard: json, overwrite: true }) });
      expect(res.status).toBe(200);
      await page.goto(`${base}/dashboards/${json.uid}?from=now-5m&to=now`);
      await page.waitForSelector('.dash-panel', { timeout: 30_000 });
      await panelsDone(page, await page.locator('.dash-panel').count());
      const all = await page.locator('.dash-panel').evaluateAll((ps) =>
        ps.map((p) => ({ title: p.querySelector('.panel-title')!.textContent!, text: p.classList.contains('type-text'), series: Number(p.getAttribute('data-series')), error: p.querySelector('.panel-error')?.textContent ?? '' })),
      );
      console.log(`${file}: ${all.length} panels shown, no data: ${all.filter((p) => p.series === 0 && !p.text).map((p) => p.title).join('; ') || 'none'}`);
      expect(all.filter((p) => p.error !== '')).toEqual([]);
      for (const t of mustHaveData) expect(all.find((p) => p.title === t)?.series, `${file}: ${t}`).toBeGreaterThan(0);
      await page.screenshot({ path: join(SHOTS, `builtin-${file.replace('.json', '')}.png`), fullPage: true });
      // The README's dashboard picture: `UPDATE_SCREENSHOTS=1` refreshes it.
      if (file === 'application-red.json' && process.env.UPDATE_SCREENSHOTS === '1') await page.screenshot({ path: join(ROOT, 'docs', 'screenshots', 'dashboard.png') });
    }
    await page.close();
  }, 120_000);

  it('renders a 30-panel dashboard over 6 h of data (prints the time)', async () => {
    type Kind = { type: string; expr: string; legendFormat?: string; format?: string };
    const kinds: ((i: number) => Kind)[] = [
      (i: number) => ({ type: 'timeseries', expr: `sum by (instance) (rate(demo_requests_total{code="${i % 2 ? '500' : '200'}"}[$__rate_interval]))`, legendFormat: '{{instance}}' }),
      () => ({ type: 'timeseries', expr: 'demo_temperature_celsius', legendFormat: '{{instance}} {{sensor}}' }),
      () => ({ type: 'stat', expr: 'sum(rate(demo_latency_seconds_count[$__rate_interval]))' }),
      () => ({ type: 'timeseries', expr: 'histogram_quantile(0.9, sum by (le, instance) (rate(demo_latency_seconds_bucket[$__rate_interval])))', legendFormat: '{{instance}}' }),
      () => ({ type: 'gauge', expr: 'avg(demo_temperature_celsius)' }),
      () => ({ type: 'heatmap', expr: 'sum by (le) (increase(demo_latency_seconds_bucket[$__interval]))', format: 'heatmap' }),
    ];
    const panels = Array.from({ length: 30 }, (_, i) => {
      const k = kinds[i % kinds.length]!(i);
      return { id: i + 1, type: k.type, title: `Panel ${i + 1}`, gridPos: { x: (i % 3) * 8, y: Math.floor(i / 3) * 7, w: 8, h: 7 }, targets: [{ refId: 'A', expr: k.expr, legendFormat: k.legendFormat, format: k.format }], fieldConfig: { defaults: { unit: 'short' }, overrides: [] } };
    });
    const res = await fetch(`${base}/api/dashboards/db`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dashboard: { uid: 'thirty', title: 'Thirty panels', panels, time: { from: 'now-6h', to: 'now' } } }) });
    expect(res.status).toBe(200);
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    // Warm the browser cache with the UI bundle, as a user who has opened Lookout before.
    await page.goto(`${base}/dashboards`);
    await page.waitForSelector('.dash-list');
    const times: number[] = [];
    for (let run = 0; run < 3; run++) {
      const t0 = Date.now();
      await page.goto(`${base}/dashboards/thirty`);
      await panelsDone(page, 30);
      times.push(Date.now() - t0);
      expect(await page.locator('.dash-panel[data-series="0"]').count()).toBe(0);
    }
    const span = await page.locator('[data-panel-id="2"] .ts-panel').count();
    expect(span).toBe(1);
    console.log(`30-panel dashboard over 6 h: navigation to all panels rendered ${times.map((t) => `${t} ms`).join(', ')} (median ${[...times].sort((a, b) => a - b)[1]} ms)`);
    await page.screenshot({ path: join(SHOTS, 'thirty-panels.png'), fullPage: true });
    await page.close();
  }, 180_000);
});
