/**
 * End to end: `lookout server` and the demo Orders API as real processes on 127.0.0.1. The test feeds
 * known traffic, checks query answers against the counts it sent, raises the error rate until
 * HighErrorRate reaches the PagerDuty-style sink (Events API v2), lowers it until the resolve
 * arrives, and exhausts the DB pool until the warning DatabaseConnectionPoolExhausted reaches the
 * Slack-style sink. Rules and Alertmanager timings are the embedded ones with shorter windows; the
 * embedded meta-alerts.yml is loaded as is, and its always-firing Watchdog must reach no sink.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNotificationSink, type NotificationSink, type ReceivedNotification } from '../../examples/notification-sink/sink.js';
import { freePort, LOOKOUT_BIN, ORDERS_API_BIN, query, ROOT, startNode, stopAll, waitFor, getJson, type Proc } from '../support/processes.js';

let dir: string;
let sink: NotificationSink;
let lookout: Proc;
let base: string;
let app: string;

/** The embedded alerts.yml with windows and `for` shortened so the test runs in seconds. */
function shortenedRules(): string {
  return readFileSync(join(ROOT, 'config', 'alerts.yml'), 'utf8')
    .replaceAll('interval: 30s', 'interval: 1s')
    .replaceAll('[5m]', '[5s]')
    .replace(/for: \d+m/g, 'for: 2s');
}

/** The embedded alertmanager.yml pointed at this test's sink, with short group timings. */
function testAlertmanagerConfig(sinkUrl: string): string {
  return readFileSync(join(ROOT, 'config', 'alertmanager.yml'), 'utf8')
    .replaceAll('http://127.0.0.1:9099', sinkUrl)
    .replace('group_wait: 10s', 'group_wait: 1s')
    .replace('group_interval: 10m', 'group_interval: 2s');
}

/** Waits for a notification; on timeout the error carries the server's recent log and alert state. */
async function expectNotification(pred: (n: ReceivedNotification) => boolean, timeoutMs: number): Promise<ReceivedNotification> {
  try {
    return await sink.waitFor(pred, timeoutMs);
  } catch (e) {
    const alerts = await getJson(`${base}/api/v1/alerts`).catch(() => 'unavailable');
    throw new Error(`${(e as Error).message}\nalerts: ${JSON.stringify(alerts)}\nlookout log:\n${lookout.output().slice(-4000)}`);
  }
}

async function post(url: string, body: unknown): Promise<number> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  return res.status;
}

async function scalarValue(q: string): Promise<number | undefined> {
  const r = await query(base, q);
  if (r.status !== 'success') throw new Error(JSON.stringify(r));
  const first = r.data.result[0];
  return first ? Number(first.value[1]) : undefined;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-e2e-'));
  sink = await startNotificationSink({});
  const [lookoutPort, appPort] = await Promise.all([freePort(), freePort()]);
  base = `http://127.0.0.1:${lookoutPort}`;
  app = `http://127.0.0.1:${appPort}`;
  startNode(ORDERS_API_BIN, ['--port', String(appPort), '--traffic-rps', '0', '--error-rate', '0']);
  writeFileSync(join(dir, 'alerts.yml'), shortenedRules());
  writeFileSync(join(dir, 'meta-alerts.yml'), readFileSync(join(ROOT, 'config', 'meta-alerts.yml')));
  writeFileSync(join(dir, 'alertmanager.yml'), testAlertmanagerConfig(sink.url));
  writeFileSync(
    join(dir, 'prometheus.yml'),
    readFileSync(join(ROOT, 'config', 'prometheus.yml'), 'utf8')
      .replace('scrape_interval: 15s # How often', 'scrape_interval: 1s # How often')
      .replace('evaluation_interval: 15s', 'evaluation_interval: 1s')
      .replace(/scrape_interval: 15s\n/, 'scrape_interval: 1s\n')
      .replaceAll('127.0.0.1:9090', `127.0.0.1:${lookoutPort}`)
      .replaceAll('127.0.0.1:5000', `127.0.0.1:${appPort}`),
  );
  lookout = startNode(LOOKOUT_BIN, [
    'server',
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--alertmanager.config.file=${join(dir, 'alertmanager.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${lookoutPort}`,
    `--web.external-url=${base}`,
  ]);
  await waitFor('lookout ready', 20_000, async () => (await fetch(`${base}/-/ready`)).ok);
}, 60_000);

afterAll(async () => {
  await lookout?.stop();
  await stopAll();
  await sink?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('lookout server with the demo app', () => {
  it('scrapes all three jobs', async () => {
    const targets = await waitFor('all targets up', 20_000, async () => {
      const r = await getJson(`${base}/api/v1/targets`);
      const active = r.data.activeTargets as { health: string; labels: Record<string, string> }[];
      return active.length === 3 && active.every((t) => t.health === 'up') ? active : undefined;
    });
    expect(targets.map((t) => t.labels.job).sort()).toEqual(['application', 'node', 'prometheus']);
    expect(await scalarValue('sum(up)')).toBe(3);
    expect(await scalarValue('count(node_cpu_seconds_total{mode="idle"}) > 0')).toBeGreaterThan(0);
  }, 30_000);

  it('fires the Watchdog and routes it to the null receiver', async () => {
    const watchdog = await waitFor('Watchdog in Alertmanager', 20_000, async () => {
      const alerts = (await getJson(`${base}/api/v2/alerts`)) as { labels: Record<string, string>; receivers: { name: string }[] }[];
      return alerts.find((a) => a.labels.alertname === 'Watchdog');
    });
    expect(watchdog.labels).toEqual({ alertname: 'Watchdog', severity: 'none', monitor: 'app-monitor' });
    expect(watchdog.receivers).toEqual([{ name: 'null' }]);
  }, 30_000);

  it('answers queries with the counts the test sent', async () => {
    const valid = { customer_id: 'c-1', items: [{ sku: 'sku-1', qty: 2, price: 10 }], payment_method: 'credit_card' };
    for (let i = 0; i < 30; i++) expect(await post(`${app}/api/orders`, valid)).toBe(201);
    for (let i = 0; i < 10; i++) expect(await post(`${app}/api/orders`, { items: [] })).toBe(400);
    await waitFor('counts scraped', 10_000, async () => (await scalarValue('sum(app_requests_total{status="400"})')) === 10);
    expect(await scalarValue('sum(app_requests_total{endpoint="create_order",status="201"})')).toBe(30);
    expect(await scalarValue('sum by (payment_method) (app_orders_created_total)')).toBe(30);
    expect(await scalarValue('sum(app_order_value_count)')).toBe(30);
    expect(await scalarValue('sum(app_order_value_sum)')).toBe(600);
    // no traffic after the last request: the counters stay flat, so increase over a window after it is 0
    await new Promise((r) => setTimeout(r, 2500));
    expect(await scalarValue('sum(increase(app_requests_total{endpoint="create_order"}[2s]))')).toBe(0);
    const r = await query(base, 'rate(app_requests_total[1m])');
    expect(r.status).toBe('success');
    expect(r.data.resultType).toBe('vector');
    expect(r.data.result.length).toBeGreaterThan(0);
  }, 30_000);

  it('pages PagerDuty when the error rate rises, and resolves when it falls', async () => {
    expect(await post(`${app}/admin/error-rate`, { rate: 0.5 })).toBe(200);
    expect(await post(`${app}/admin/traffic`, { rps: 20 })).toBe(200);
    const trigger = await expectNotification(
      (n) => n.kind === 'pagerduty' && (n.body as any).event_action === 'trigger' && JSON.stringify(n.body).includes('HighErrorRate'),
      60_000,
    );
    const body = trigger.body as any;
    expect(body.routing_key).toBe('YOUR_PAGERDUTY_ROUTING_KEY');
    expect(body.payload.severity).toBe('error');
    expect(body.payload.summary).toContain('HighErrorRate');
    expect(typeof body.dedup_key).toBe('string');

    expect(await post(`${app}/admin/error-rate`, { rate: 0 })).toBe(200);
    const resolve = await expectNotification(
      (n) => n.kind === 'pagerduty' && (n.body as any).event_action === 'resolve' && (n.body as any).dedup_key === body.dedup_key,
      60_000,
    );
    expect((resolve.body as any).routing_key).toBe('YOUR_PAGERDUTY_ROUTING_KEY');
    const alerts = await getJson(`${base}/api/v1/alerts`);
    expect(alerts.status).toBe('success');
  }, 150_000);

  it('sends a warning alert to the Slack channel', async () => {
    // The previous test's traffic keeps requests in flight, each holding a pool connection for a
    // moment: stop it and press until all 9 connections are held (used / total = 0.9 > 0.8).
    expect(await post(`${app}/admin/traffic`, { rps: 0 })).toBe(200);
    await waitFor('9 of 10 DB connections held', 10_000, async () => {
      const res = await fetch(`${app}/admin/db-pressure`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ connections: 9 }) });
      return ((await res.json()) as { held: number }).held === 9 || undefined;
    });
    const msg = await expectNotification(
      (n) => n.kind === 'slack' && JSON.stringify(n.body).includes('DatabaseConnectionPoolExhausted'),
      60_000,
    );
    const body = msg.body as any;
    expect(body.channel).toBe('#alerts');
    expect(body.attachments[0].title).toBe('Alert');
    expect(body.attachments[0].color).toBe('danger');
    expect(await post(`${app}/admin/db-pressure`, { connections: 0 })).toBe(200);
  }, 90_000);

  it('sent no Watchdog notification, and has no active meta alert but the Watchdog', async () => {
    expect(sink.received.filter((n) => JSON.stringify(n.body).includes('Watchdog'))).toEqual([]);
    const r = await getJson(`${base}/api/v1/alerts`);
    const meta = (r.data.alerts as { labels: Record<string, string> }[]).map((a) => a.labels.alertname).filter((n) => /^(Watchdog|Lookout|Alertmanager)/.test(n!));
    expect(meta).toEqual(['Watchdog']);
  });
});
