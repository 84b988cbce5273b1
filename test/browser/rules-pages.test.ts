/**
 * The rules pages in headless Chromium. Backtest: rules typed into the page are evaluated over the
 * server's own history (`POST /api/v1/backtest`) and the alerts that would have fired are listed
 * with their firing periods and the notifications of the Alertmanager routing. SLOs: the SLO of
 * `slos.yml` beside the configuration with its error ratios, budget left and burn alerts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, LOOKOUT_BIN, ROOT, startNode, stopAll } from '../support/processes.js';
import { hasChromium, launchChromium, selfScrapeConfig, waitForScrapes } from '../support/browser.js';

const SHOTS = join(ROOT, 'test-results');
let dir: string;
let base: string;
let browser: Browser;
let startedAt: number;

beforeAll(async () => {
  if (!hasChromium) return;
  mkdirSync(SHOTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'lookout-backtest-ui-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    selfScrapeConfig(port),
  );
  // Half the targets are down: an error ratio of about 50% against a 1% budget.
  writeFileSync(
    join(dir, 'slos.yml'),
    'slos:\n  - service: demo\n    name: targets-up\n    objective: 99\n    sli:\n      events:\n        good: sum(sum_over_time(up[{{.window}}]))\n        total: sum(count_over_time(up[{{.window}}]))\n',
  );
  writeFileSync(join(dir, 'alertmanager.yml'), 'route:\n  receiver: team\n  group_by: [alertname]\n  group_wait: 1s\nreceivers:\n  - name: team\n');
  startedAt = Date.now();
  startNode(LOOKOUT_BIN, [
    'server',
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--alertmanager.config.file=${join(dir, 'alertmanager.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--hostmetrics.enable=false',
  ]);
  await waitForScrapes(base, 'broken', 3);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stopAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasChromium)('backtest page', () => {
  it('lists the alerts the typed rules would have fired over the stored history', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${base}/query`);
    await page.click('nav >> text=Backtest');
    expect(new URL(page.url()).pathname).toBe('/backtest');
    await page.fill('textarea.backtest-rules', 'groups:\n  - name: t\n    rules:\n      - alert: TargetDown\n        expr: up == 0\n      - alert: Never\n        expr: up > 1\n');
    await page.fill('input.backtest-from', new Date(startedAt - 60_000).toISOString());
    await page.fill('input.backtest-to', new Date().toISOString());
    await page.click('button:has-text("Run backtest")');
    await page.waitForSelector('table.backtest-alerts', { timeout: 15_000 });
    const rows = await page.locator('table.backtest-alerts tbody tr').allTextContents();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('TargetDown');
    expect(rows[0]).toContain('job="broken"');
    expect(rows[0]).toContain('still firing');
    expect(await page.locator('table.backtest-notifications tbody tr').allTextContents()).toEqual([expect.stringMatching(/^teamalertname="TargetDown"1$/)]);
    await page.screenshot({ path: join(SHOTS, 'backtest.png') });

    await page.fill('textarea.backtest-rules', 'groups: [');
    await page.click('button:has-text("Run backtest")');
    await page.waitForSelector('.error', { timeout: 10_000 });
    expect(await page.locator('.error').textContent()).toMatch(/^Error: rules:1:/);
    await page.close();
  });

  it('shows each SLO with its error budget left and burn alerts', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 600 } });
    await page.goto(`${base}/query`);
    await page.click('nav >> text=SLOs');
    expect(new URL(page.url()).pathname).toBe('/slos');
    await page.waitForSelector('table.slos .state.firing >> text=ticket', { timeout: 30_000 });
    const cells = await page.locator('table.slos tbody tr td').allTextContents();
    expect(cells.slice(0, 3)).toEqual(['demo', 'targets-up', '99.000%']);
    expect(cells[3]).toMatch(/^\d\d\.\d\d%$/);
    expect(cells[5]).toMatch(/^-\d+\.\d%$/);
    expect(cells[6]).toBe('pageticket');
    await page.screenshot({ path: join(SHOTS, 'slos.png') });
    await page.close();
  });
});
