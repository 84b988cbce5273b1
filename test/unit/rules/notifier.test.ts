import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { PostableAlert } from '../../../src/alertmanager/types.js';
import { makeRelabelConfig } from '../../../src/config/relabel.js';
import { alertsURL, Notifier } from '../../../src/rules/notifier.js';

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: PostableAlert[];
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function alertmanager(status = 200): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(data) });
      res.statusCode = status;
      res.end();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

function alert(name: string, labels: Record<string, string> = {}): PostableAlert {
  return {
    labels: { alertname: name, ...labels },
    annotations: { summary: 's' },
    startsAt: '2024-01-01T00:00:00.000Z',
    endsAt: '2024-01-01T00:04:00.000Z',
    generatorURL: 'http://lookout:9090/graph?g0.expr=up&g0.tab=1',
  };
}

async function metric(reg: Registry, name: string): Promise<[string, number][]> {
  return (await reg.getSingleMetric(name)!.get()).values.map((v) => [String(v.labels.alertmanager ?? ''), v.value]);
}

describe('Notifier', () => {
  it('posts JSON arrays to every Alertmanager and the in-process sink, adding external labels', async () => {
    const am = await alertmanager();
    const inProcess: PostableAlert[][] = [];
    const registry = new Registry();
    const n = new Notifier({
      inProcess: { postAlerts: async (a) => void inProcess.push(a) },
      targets: [{ url: am.url + '/', pathPrefix: '/am/', headers: { Authorization: 'Bearer t' } }],
      externalLabels: { dc: 'eu', alertname: 'never-overrides' },
      registry,
    });
    n.send([alert('A'), alert('B', { dc: 'us' })]);
    await n.flush();
    const want = [
      { ...alert('A'), labels: { alertname: 'A', dc: 'eu' } },
      { ...alert('B'), labels: { alertname: 'B', dc: 'us' } },
    ];
    expect(am.received.map((r) => [r.path, r.headers['content-type'], r.headers.authorization, r.body])).toEqual([
      ['/am/api/v2/alerts', 'application/json', 'Bearer t', want],
    ]);
    expect(inProcess).toEqual([want]);
    const url = `${am.url}/am/api/v2/alerts`;
    expect(await metric(registry, 'prometheus_notifications_sent_total')).toEqual([
      ['in-process', 2],
      [url, 2],
    ]);
    expect(await metric(registry, 'prometheus_notifications_alertmanagers_discovered')).toEqual([['', 2]]);
    await n.stop();
  });

  it('applies alert_relabel_configs after external labels, then the ones of each Alertmanager', async () => {
    const am1 = await alertmanager();
    const am2 = await alertmanager();
    const inProcess: PostableAlert[][] = [];
    const registry = new Registry();
    const n = new Notifier({
      inProcess: { postAlerts: async (a) => void inProcess.push(a) },
      targets: [
        { url: am1.url },
        { url: am2.url, alertRelabelConfigs: [makeRelabelConfig({ action: 'keep', sourceLabels: ['severity'], regex: 'page' })] },
      ],
      externalLabels: { dc: 'eu' },
      alertRelabelConfigs: [
        makeRelabelConfig({ action: 'drop', sourceLabels: ['alertname'], regex: 'Noisy' }),
        makeRelabelConfig({ action: 'replace', sourceLabels: ['dc'], targetLabel: 'region', replacement: 'region-$1' }),
      ],
      registry,
    });
    n.send([alert('A', { severity: 'page' }), alert('Noisy'), alert('B')]);
    await n.flush();
    const labels = (batches: PostableAlert[][]) => batches.map((b) => b.map((a) => a.labels));
    const a = { alertname: 'A', dc: 'eu', region: 'region-eu', severity: 'page' };
    const b = { alertname: 'B', dc: 'eu', region: 'region-eu' };
    expect(labels(inProcess)).toEqual([[a, b]]);
    expect(labels(am1.received.map((r) => r.body))).toEqual([[a, b]]);
    expect(labels(am2.received.map((r) => r.body))).toEqual([[a]]);
    expect(await metric(registry, 'prometheus_notifications_dropped_total')).toEqual([['', 0]]);

    n.setAlertRelabelConfigs([]);
    n.send([alert('Noisy')]);
    await n.flush();
    expect(labels(am1.received.map((r) => r.body)).at(-1)).toEqual([{ alertname: 'Noisy', dc: 'eu' }]);
    expect(am2.received).toHaveLength(1);
    await n.stop();
  });

  it('sends in batches of 64', async () => {
    const am = await alertmanager();
    const n = new Notifier({ targets: [{ url: am.url }] });
    n.send(Array.from({ length: 150 }, (_, i) => alert(`A${i}`)));
    await n.flush();
    expect(am.received.map((r) => r.body.length)).toEqual([64, 64, 22]);
    expect(am.received[2]!.body[21]!.labels.alertname).toBe('A149');
  });

  it('counts errors and drops a batch no Alertmanager accepted', async () => {
    const bad = await alertmanager(500);
    const registry = new Registry();
    const n = new Notifier({ targets: [{ url: bad.url }], registry });
    n.send([alert('A')]);
    await n.flush();
    expect(bad.received).toHaveLength(1);
    expect(await metric(registry, 'prometheus_notifications_errors_total')).toEqual([[`${bad.url}/api/v2/alerts`, 1]]);
    expect(await metric(registry, 'prometheus_notifications_dropped_total')).toEqual([['', 1]]);
  });

  it('counts a batch as sent when one of several Alertmanagers took it', async () => {
    const good = await alertmanager();
    const registry = new Registry();
    const n = new Notifier({
      targets: [{ url: good.url }, { url: 'http://127.0.0.1:1', timeoutMs: 2000 }],
      registry,
    });
    n.send([alert('A')]);
    await n.flush();
    expect(good.received).toHaveLength(1);
    expect(await metric(registry, 'prometheus_notifications_dropped_total')).toEqual([['', 0]]);
    expect(await metric(registry, 'prometheus_notifications_errors_total')).toEqual([
      [`${good.url}/api/v2/alerts`, 0],
      ['http://127.0.0.1:1/api/v2/alerts', 1],
    ]);
  });

  it('drops the oldest alerts when the queue is full', async () => {
    const registry = new Registry();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const got: string[] = [];
    const n = new Notifier({
      inProcess: {
        postAlerts: async (a) => {
          await gate;
          got.push(...a.map((x) => x.labels.alertname!));
        },
      },
      queueCapacity: 3,
      registry,
    });
    n.send([alert('A1')]);
    await Promise.resolve();
    n.send([alert('B1'), alert('B2')]);
    n.send([alert('C1'), alert('C2')]);
    expect(n.queueLength()).toBe(3);
    n.send([alert('D1'), alert('D2'), alert('D3'), alert('D4')]);
    expect(await metric(registry, 'prometheus_notifications_dropped_total')).toEqual([['', 5]]);
    release();
    await n.flush();
    expect(got).toEqual(['A1', 'D2', 'D3', 'D4']);
  });

  it('drains the queue on stop, then refuses alerts', async () => {
    const am = await alertmanager();
    const n = new Notifier({ targets: [{ url: am.url }] });
    n.send([alert('A')]);
    await n.stop();
    n.send([alert('B')]);
    await n.flush();
    expect(am.received.map((r) => r.body.map((a) => a.labels.alertname))).toEqual([['A']]);
  });

  it('builds the alerts URL from url and path_prefix', () => {
    expect(alertsURL({ url: 'http://h:9093' })).toBe('http://h:9093/api/v2/alerts');
    expect(alertsURL({ url: 'http://h:9093/', pathPrefix: 'am' })).toBe('http://h:9093/am/api/v2/alerts');
    expect(alertsURL({ url: 'https://h', pathPrefix: '/a/b/' })).toBe('https://h/a/b/api/v2/alerts');
  });
});
