/**
 * The documented HA pair: two Lookout replicas with the same config except a `replica` external
 * label, both scraping the same target, both sending alerts to one real Alertmanager 0.25 (with
 * `alert_relabel_configs` dropping `replica`, so their alerts carry the same labels and Alertmanager
 * deduplicates them) and both remote-writing to one real Prometheus 2.42 receiver (which keeps one
 * series per replica, to be deduplicated at query time by the store — e.g. Mimir/VictoriaMetrics
 * cluster HA dedup, Thanos `--query.replica-label`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, haveProgram, LOOKOUT_BIN, startNode, startProgram, stopAll, waitFor, type Proc } from '../support/processes.js';

const PROMETHEUS = '/usr/bin/prometheus';
const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
const hasPeers = haveProgram(PROMETHEUS) && haveProgram(ALERTMANAGER);

let dir: string;
let target: Server;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-ha-e2e-'));
  target = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('# TYPE ha_gauge gauge\nha_gauge 42\n'));
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
});

afterAll(async () => {
  await stopAll();
  await new Promise((r) => target?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasPeers)('HA pair: two replicas, one Alertmanager, one remote store', () => {
  it('Alertmanager holds one deduplicated alert; the store has both replicas\' series', { timeout: 300_000 }, async () => {
    const [amPort, promPort] = [await freePort(), await freePort()];
    const amURL = `http://127.0.0.1:${amPort}`;
    const promURL = `http://127.0.0.1:${promPort}`;
    writeFileSync(join(dir, 'am.yml'), 'route: { receiver: quiet, group_wait: 1s }\nreceivers: [ { name: quiet } ]\n');
    writeFileSync(join(dir, 'in-process-am.yml'), 'route: { receiver: quiet }\nreceivers: [ { name: quiet } ]\n');
    writeFileSync(join(dir, 'prom.yml'), 'global: {}\n');
    writeFileSync(join(dir, 'rules.yml'), 'groups:\n  - name: g\n    interval: 1s\n    rules:\n      - alert: HAAlways\n        expr: ha_gauge > 0\n        labels: { severity: page }\n');
    startProgram(ALERTMANAGER, [`--config.file=${join(dir, 'am.yml')}`, `--storage.path=${join(dir, 'am')}`, `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address=']);
    startProgram(PROMETHEUS, [`--config.file=${join(dir, 'prom.yml')}`, `--storage.tsdb.path=${join(dir, 'prom')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--web.enable-remote-write-receiver']);
    await waitFor('alertmanager ready', 120_000, async () => (await fetch(`${amURL}/-/ready`)).ok);
    await waitFor('prometheus ready', 120_000, async () => (await fetch(`${promURL}/-/ready`)).ok);
    const addr = target.address();
    const targetAddr = `127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    const replicas = [];
    const procs: Proc[] = [];
    for (const replica of ['a', 'b']) {
      const cfg = join(dir, `lookout-${replica}.yml`);
      writeFileSync(
        cfg,
        `global: { scrape_interval: 1s, evaluation_interval: 1s, external_labels: { cluster: eu1, replica: ${replica} } }
rule_files: [rules.yml]
scrape_configs:
  - job_name: ha
    static_configs: [ { targets: ['${targetAddr}'] } ]
alerting:
  alert_relabel_configs: [ { action: labeldrop, regex: replica } ]
  alertmanagers: [ { static_configs: [ { targets: ['127.0.0.1:${amPort}'] } ] } ]
remote_write:
  - url: ${promURL}/api/v1/write
    queue_config: { batch_send_deadline: 200ms }
`,
      );
      const port = await freePort();
      procs.push(startNode(LOOKOUT_BIN, [
        'server',
        `--config.file=${cfg}`,
        `--storage.tsdb.path=${join(dir, `data-${replica}`)}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--alertmanager.config.file=${join(dir, 'in-process-am.yml')}`,
        '--hostmetrics.enable=false',
      ]));
      replicas.push(`http://127.0.0.1:${port}`);
    }
    const outputs = (e: unknown) => new Error(`${(e as Error).message}\n${procs.map((p) => p.output()).join('\n')}`);
    for (const u of replicas) {
      await waitFor('lookout ready', 120_000, async () => (await fetch(`${u}/-/ready`)).ok).catch((e) => {
        throw outputs(e);
      });
    }

    // Both replicas posted the alert; Alertmanager holds it once, without the replica label.
    const received = async () => {
      const text = await (await fetch(`${amURL}/metrics`)).text();
      return Number(/alertmanager_alerts_received_total\{status="firing",version="v2"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    await waitFor('alerts from both replicas', 60_000, async () => (await received()) >= 2).catch((e) => {
      throw outputs(e);
    });
    const alerts = (await (await fetch(`${amURL}/api/v2/alerts`)).json()) as { labels: Record<string, string> }[];
    expect(alerts.map((a) => a.labels)).toEqual([{ alertname: 'HAAlways', cluster: 'eu1', instance: targetAddr, job: 'ha', severity: 'page' }]);

    // The store received each replica's series, told apart by the replica label.
    const series = await waitFor('both replicas in the store', 60_000, async () => {
      const q = new URLSearchParams({ query: 'count by (cluster, replica) (ha_gauge{job="ha"})' });
      const body = (await (await fetch(`${promURL}/api/v1/query?${q}`)).json()) as { data: { result: { metric: Record<string, string> }[] } };
      return body.data.result.length === 2 ? body.data.result.map((r) => r.metric) : undefined;
    });
    expect(series.sort((x, y) => (x.replica! < y.replica! ? -1 : 1))).toEqual([
      { cluster: 'eu1', replica: 'a' },
      { cluster: 'eu1', replica: 'b' },
    ]);
  });
});
