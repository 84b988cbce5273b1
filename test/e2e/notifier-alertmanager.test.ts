/**
 * `lookout server`'s notifier against the real Alertmanager 0.25 (Debian `prometheus-alertmanager`):
 * alerts from Lookout's rules reach it through `alerting.alertmanagers`, with the external labels
 * added and `alert_relabel_configs` applied (one alert relabeled, one dropped), and its webhook
 * notification carries them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, getJson, haveProgram, LOOKOUT_BIN, startNode, startProgram, stopAll, waitFor } from '../support/processes.js';

const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
const hasAlertmanager = haveProgram(ALERTMANAGER);

interface Notification {
  receiver: string;
  status: string;
  alerts: { status: string; labels: Record<string, string>; generatorURL: string }[];
}

let dir = '';
let sink: Server | undefined;
const received: Notification[] = [];
let amBase = '';

beforeAll(async () => {
  if (!hasAlertmanager) return;
  dir = mkdtempSync(join(tmpdir(), 'lookout-notifier-am-'));
  const [sinkPort, amPort, lookoutPort] = [await freePort(), await freePort(), await freePort()];
  sink = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push(JSON.parse(body) as Notification);
      res.end();
    });
  });
  await new Promise<void>((r) => sink!.listen(sinkPort, '127.0.0.1', r));
  amBase = `http://127.0.0.1:${amPort}`;
  writeFileSync(
    join(dir, 'real-am.yml'),
    `route: { receiver: hook, group_by: [alertname], group_wait: 1s, group_interval: 1s, repeat_interval: 1h }
receivers:
  - name: hook
    webhook_configs: [ { url: 'http://127.0.0.1:${sinkPort}/hook', send_resolved: true } ]
`,
  );
  writeFileSync(join(dir, 'in-process-am.yml'), `route: { receiver: quiet }\nreceivers: [ { name: quiet } ]\n`);
  writeFileSync(
    join(dir, 'rules.yml'),
    `groups:
  - name: g
    interval: 1s
    rules:
      - alert: Always
        expr: vector(1)
        labels: { severity: page }
      - alert: Noisy
        expr: vector(1)
`,
  );
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global: { evaluation_interval: 1s, external_labels: { dc: eu } }
rule_files: [rules.yml]
alerting:
  alert_relabel_configs:
    - { source_labels: [alertname], regex: Noisy, action: drop }
    - { source_labels: [dc], target_label: region, replacement: 'region-$1' }
  alertmanagers:
    - static_configs: [ { targets: ['127.0.0.1:${amPort}'] } ]
`,
  );
  startProgram(ALERTMANAGER, [
    `--config.file=${join(dir, 'real-am.yml')}`,
    `--storage.path=${join(dir, 'real-am')}`,
    `--web.listen-address=127.0.0.1:${amPort}`,
    '--cluster.listen-address=',
  ]);
  startNode(LOOKOUT_BIN, [
    'server',
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${lookoutPort}`,
    `--web.external-url=http://lookout.test:${lookoutPort}`,
    `--alertmanager.config.file=${join(dir, 'in-process-am.yml')}`,
  ]);
  await waitFor('alertmanager ready', 30_000, async () => (await fetch(`${amBase}/-/ready`)).ok);
}, 60_000);

afterAll(async () => {
  await stopAll();
  sink?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasAlertmanager)('notifier → Alertmanager 0.25', () => {
  it('delivers the rule alerts with external labels and alert relabeling applied', async () => {
    const first = await waitFor('a webhook notification', 60_000, async () => received[0]);
    expect(first.receiver).toBe('hook');
    expect(first.status).toBe('firing');
    expect(first.alerts.map((a) => [a.status, a.labels])).toEqual([['firing', { alertname: 'Always', dc: 'eu', region: 'region-eu', severity: 'page' }]]);
    expect(first.alerts[0]!.generatorURL).toMatch(/^http:\/\/lookout\.test:\d+\/graph\?g0\.expr=vector%281%29&g0\.tab=1$/);
    const held = (await getJson(`${amBase}/api/v2/alerts`)) as { labels: Record<string, string> }[];
    expect(held.map((a) => a.labels.alertname)).toEqual(['Always']);
    // The dropped alert would have been grouped and sent within group_wait (1 s); give it several.
    await new Promise((r) => setTimeout(r, 4000));
    expect(received.flatMap((n) => n.alerts.map((a) => a.labels.alertname)).filter((n) => n !== 'Always')).toEqual([]);
  });
});
