/**
 * The web UI in headless Chromium (Debian's, via playwright-core): each page at its own path,
 * reachable from the navigation bar; a graph of a real query, the targets page, the alerts page and the
 * Alertmanager page (alert groups, silencing an alert, expiring the silence).
 * Screenshots go to test-results/.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, LOOKOUT_BIN, ROOT, startNode, stopAll, getJson, QUIET_ALERTMANAGER_FLAG } from '../support/processes.js';
import { hasChromium, launchChromium, selfScrapeConfig, waitForScrapes } from '../support/browser.js';

const SHOTS = join(ROOT, 'test-results');
let dir: string;
let base: string;
let browser: Browser;

beforeAll(async () => {
  if (!hasChromium) return;
  mkdirSync(SHOTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'lookout-ui-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    selfScrapeConfig(port, {
      ruleFiles: ['rules.yml'],
      extraJobs: `  - job_name: filtered
    static_configs: [ { targets: ['127.0.0.1:2', '127.0.0.1:3'] } ]
    relabel_configs: [ { source_labels: [__address__], regex: '.*:3', action: drop } ]
`,
    }),
  );
  writeFileSync(
    join(dir, 'rules.yml'),
    `groups:
  - name: demo
    rules:
      - alert: TargetDown
        expr: up == 0
        labels: { severity: warning }
        annotations: { summary: 'Target {{ $labels.instance }} is down' }
      - alert: NeverFires
        expr: vector(1) == 2
`,
  );
  startNode(LOOKOUT_BIN, [
    'server',
    QUIET_ALERTMANAGER_FLAG,
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ]);
  await waitForScrapes(base, 'lookout', 3);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stopAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasChromium)('web UI', () => {
  it('draws a graph of a query given in the URL', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const expr = 'rate(prometheus_tsdb_head_samples_appended_total[1m])';
    await page.goto(`${base}/query?g0.expr=${encodeURIComponent(expr)}&g0.tab=graph&g0.range_input=5m`);
    await page.waitForSelector('.graph canvas', { timeout: 15_000 });
    expect(await page.locator('.promql-editor .cm-content').textContent()).toBe(expr);
    const legend = await page.locator('.legend li').allTextContents();
    expect(legend.some((l) => l.includes('job="lookout"'))).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'query.png') });
    await page.close();
  });

  it('runs a query typed into the editor and shows the table', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/query`);
    await page.locator('.promql-editor .cm-content').click({ timeout: 15_000 });
    await page.keyboard.type('up');
    await page.keyboard.press('Shift+Enter');
    await page.click('button.tab:has-text("Table")');
    await page.waitForSelector('table.results td.series', { timeout: 10_000 });
    const rows = await page.locator('table.results td.series').allTextContents();
    expect(rows.sort()).toEqual([
      `up{instance="127.0.0.1:1", job="broken"}`,
      `up{instance="127.0.0.1:2", job="filtered"}`,
      `up{instance="${base.slice(7)}", job="lookout"}`,
    ]);
    expect(page.url()).toContain('g0.expr=up');
    await page.close();
  });

  it('lists targets with health and the error of the down one', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${base}/query`);
    await page.click('nav >> text=Targets');
    expect(new URL(page.url()).pathname).toBe('/targets');
    await page.waitForSelector('table.targets', { timeout: 10_000 });
    const states = await page.locator('table.targets .state').allTextContents();
    expect(states.sort()).toEqual(['DOWN', 'DOWN', 'UP']);
    expect(await page.locator('table.targets .error-text').allTextContents()).toContainEqual(expect.stringMatching(/refused|ECONNREFUSED/i));
    await page.screenshot({ path: join(SHOTS, 'targets.png') });
    await page.close();
  });

  it('shows discovered labels next to target labels, and the dropped target', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${base}/targets`);
    await page.click('nav >> text=Service discovery');
    expect(new URL(page.url()).pathname).toBe('/service-discovery');
    const pool = page.locator('section.pool', { hasText: 'filtered' });
    await pool.locator('tr.dropped').waitFor({ timeout: 10_000 });
    expect(await pool.locator('h2 .muted').textContent()).toBe('(1 active / 2 discovered)');
    const active = pool.locator('tr.active');
    expect(await active.locator('td').nth(0).locator('.badge').allTextContents()).toContain('__address__="127.0.0.1:2"');
    expect(await active.locator('td').nth(1).locator('.badge').allTextContents()).toEqual(['instance="127.0.0.1:2"', 'job="filtered"']);
    expect(await pool.locator('tr.dropped td').nth(0).locator('.badge').allTextContents()).toContain('__address__="127.0.0.1:3"');
    await page.screenshot({ path: join(SHOTS, 'service-discovery.png') });
    await page.click('text=Show dropped targets');
    expect(await pool.locator('tr.dropped').count()).toBe(0);
    await page.close();
  });

  it('shows the firing alert with its labels on the alerts page', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${base}/alerts`);
    await page.waitForSelector('.alert-rule.firing', { timeout: 15_000 });
    expect(await page.locator('.alert-rule.firing strong').allTextContents()).toEqual(['TargetDown']);
    expect(await page.locator('.alert-rule.inactive strong').allTextContents()).toEqual(['NeverFires']);
    expect(await page.locator('.alert-rule.firing .badge').allTextContents()).toContain('instance="127.0.0.1:1"');
    await page.screenshot({ path: join(SHOTS, 'alerts.png') });
    await page.close();
  });

  it('groups the Alertmanager alerts, silences one from its row and expires the silence', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${base}/query`);
    await page.click('nav >> text=Alertmanager');
    expect(new URL(page.url()).pathname).toBe('/alertmanager');
    const row = page.locator('tr.am-alert', { hasText: 'instance="127.0.0.1:1"' });
    await row.waitFor({ timeout: 20_000 });
    expect(await page.locator('.alert-group h2 .badge').allTextContents()).toEqual(['alertname="TargetDown"']);
    expect(await page.locator('.alert-group h2 .muted').textContent()).toBe('→ receiver quiet');
    expect(await row.locator('.summary').textContent()).toBe('Target 127.0.0.1:1 is down');

    await row.locator('button:has-text("Silence")').click();
    const form = page.locator('form.silence-form');
    expect((await form.locator('textarea[name=matchers]').inputValue()).split('\n')).toEqual([
      'alertname="TargetDown"',
      'instance="127.0.0.1:1"',
      'job="broken"',
      'severity="warning"',
    ]);
    await form.locator('input[name=createdBy]').fill('ui-test');
    await form.locator('textarea[name=comment]').fill('maintenance');
    await form.locator('input[name=duration]').fill('soon');
    await form.locator('button[type=submit]').click();
    expect(await form.locator('.error').textContent()).toContain('bad duration "soon"');
    await form.locator('input[name=duration]').fill('1h');
    await form.locator('button[type=submit]').click();

    await page.locator('table.silences .state', { hasText: 'active' }).waitFor({ timeout: 10_000 });
    const silences = (await getJson(`${base}/api/v2/silences`)) as { id: string; createdBy: string; comment: string; status: { state: string } }[];
    expect(silences.map((s) => [s.createdBy, s.comment, s.status.state])).toEqual([['ui-test', 'maintenance', 'active']]);
    await row.locator('.state', { hasText: 'silenced' }).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(SHOTS, 'alertmanager.png') });

    await page.locator(`table.silences tr[data-id="${silences[0]!.id}"] button:has-text("Expire")`).click();
    await page.locator('p.empty', { hasText: 'No silences.' }).waitFor({ timeout: 10_000 });
    const after = (await getJson(`${base}/api/v2/silence/${silences[0]!.id}`)) as { status: { state: string } };
    expect(after.status.state).toBe('expired');
    await page.close();
  });
});
