/**
 * Configuration reload through `POST /-/reload` and SIGHUP: a broken prometheus.yml, rule file or
 * alertmanager.yml is refused with file:line, and nothing of the new configuration is applied — the
 * old scrape jobs, rule groups and routes keep running; a good one applies everything.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, getJson, LOOKOUT_BIN, ROOT, startNode, stopAll, waitFor, type Proc } from '../support/processes.js';

let dir: string;
let base: string;
let server: Proc;

const promConfig = (jobs: string[], ruleFiles: string[]) =>
  `global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: [${ruleFiles.map((f) => `'${f}'`).join(', ')}]
scrape_configs:
${jobs.map((j) => `  - job_name: ${j}\n    static_configs: [ { targets: ['${base.slice(7)}'] } ]\n`).join('')}`;

const rules = (group: string) => `groups:\n  - name: ${group}\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n`;

async function reload(): Promise<{ status: number; text: string }> {
  const res = await fetch(`${base}/-/reload`, { method: 'POST' });
  return { status: res.status, text: await res.text() };
}

async function jobs(): Promise<string[]> {
  const r = await getJson(`${base}/api/v1/targets`);
  return [...new Set((r.data.activeTargets as { scrapePool: string }[]).map((t) => t.scrapePool))].sort();
}

async function groups(): Promise<string[]> {
  const r = await getJson(`${base}/api/v1/rules`);
  return (r.data.groups as { name: string }[]).map((g) => g.name).sort();
}

async function receivers(): Promise<string[]> {
  const r = await getJson(`${base}/api/v2/receivers`);
  return (r as { name: string }[]).map((x) => x.name).sort();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-reload-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  writeFileSync(join(dir, 'prometheus.yml'), promConfig(['a'], ['a.rules.yml']));
  writeFileSync(join(dir, 'a.rules.yml'), rules('group-a'));
  writeFileSync(join(dir, 'alertmanager.yml'), readFileSync(join(ROOT, 'config', 'alertmanager.yml')));
  server = startNode(LOOKOUT_BIN, [
    'server',
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--alertmanager.config.file=${join(dir, 'alertmanager.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--web.enable-lifecycle',
    '--hostmetrics.enable=false',
  ]);
  await waitFor('server ready', 20_000, async () => (await fetch(`${base}/-/ready`)).ok);
}, 30_000);

afterAll(async () => {
  await stopAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('reload', () => {
  it('refuses a broken alertmanager.yml and applies nothing of the new prometheus.yml', async () => {
    writeFileSync(join(dir, 'prometheus.yml'), promConfig(['a', 'b'], ['a.rules.yml', 'b.rules.yml']));
    writeFileSync(join(dir, 'b.rules.yml'), rules('group-b'));
    const good = readFileSync(join(dir, 'alertmanager.yml'), 'utf8');
    writeFileSync(join(dir, 'alertmanager.yml'), good.replace("receiver: 'pagerduty'", "receiver: 'pagerdutyy'"));
    const r = await reload();
    expect(r.status).toBe(500);
    expect(r.text).toMatch(/alertmanager\.yml:\d+:\d+: .*undefined receiver "pagerdutyy"/);
    expect(await jobs()).toEqual(['a']);
    expect(await groups()).toEqual(['group-a']);
    expect((await getJson(`${base}/api/v1/status/runtimeinfo`)).data.reloadConfigSuccess).toBe(false);

    writeFileSync(join(dir, 'alertmanager.yml'), good.replace("name: 'slack-payments'", "name: 'slack-payments'\n    webhook_configs: [ { url: 'http://127.0.0.1:1/x' } ]"));
    expect((await reload()).status).toBe(200);
    expect(await jobs()).toEqual(['a', 'b']);
    expect(await groups()).toEqual(['group-a', 'group-b']);
    expect(await receivers()).toEqual(['null', 'pagerduty', 'slack-default', 'slack-payments']);
  });

  it('refuses a broken rule file, naming file and line, and keeps the old groups', async () => {
    writeFileSync(join(dir, 'b.rules.yml'), rules('group-b').replace('sum by (job) (up)', 'sum by (job) (up'));
    writeFileSync(join(dir, 'prometheus.yml'), promConfig(['a', 'b', 'c'], ['a.rules.yml', 'b.rules.yml']));
    const r = await reload();
    expect(r.status).toBe(500);
    expect(r.text).toMatch(/b\.rules\.yml:5:\d+: .*parse error/);
    expect(await jobs()).toEqual(['a', 'b']);
    expect(await groups()).toEqual(['group-a', 'group-b']);
  });

  it('refuses a broken prometheus.yml on SIGHUP and keeps scraping', async () => {
    writeFileSync(join(dir, 'b.rules.yml'), rules('group-b'));
    writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1x\n');
    server.child.kill('SIGHUP');
    await waitFor('failed reload logged', 5_000, async () => server.output().includes('prometheus.yml:2:'));
    expect(await jobs()).toEqual(['a', 'b']);
    const scrapes = async () =>
      Number((await getJson(`${base}/api/v1/query?query=count_over_time(up{job="a"}[1m])`)).data.result[0]?.value[1] ?? 0);
    const before = await scrapes();
    await waitFor('still scraping', 5_000, async () => (await scrapes()) > before);
  });
});
