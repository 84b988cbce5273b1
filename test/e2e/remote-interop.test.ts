/**
 * Remote write and read interop with real programs on 127.0.0.1: Lookout → Prometheus 2.42
 * receiver, Prometheus → Lookout receiver, Lookout → single-node VictoriaMetrics, a receiver outage
 * under load, and Prometheus reading Lookout through `remote_read`. Each check compares the raw
 * samples (a range selector at a fixed evaluation time, or VM's export) on both sides: they must be
 * identical.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WriteRequestEncoder } from '../../src/remote/proto.js';
import { snappyEncode } from '../../src/remote/snappy.js';
import { freePort, haveProgram, LOOKOUT_BIN, QUIET_ALERTMANAGER_FLAG, startNode, startProgram, stopAll, waitFor, type Proc } from '../support/processes.js';

const PROMETHEUS = '/usr/bin/prometheus';
const VICTORIA = '/usr/bin/victoria-metrics';
const hasPrometheus = haveProgram(PROMETHEUS);
const hasVictoria = haveProgram(VICTORIA);

let dir: string;
let target: Server;
let targetURL: string;
let scrapes = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-remote-e2e-'));
  // Values change on every scrape, so every sample is distinct.
  target = createServer((_req, res) => {
    scrapes++;
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(`# TYPE rw_counter_total counter\nrw_counter_total{path="/a"} ${scrapes}\nrw_counter_total{path="/b"} ${scrapes * 2.5}\nrw_gauge ${scrapes * 0.125}\n`);
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  const addr = target.address();
  targetURL = `127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

afterAll(async () => {
  await stopAll();
  await new Promise((r) => target?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

let seq = 0;
function file(name: string, text: string): string {
  const p = join(dir, `${seq++}-${name}`);
  writeFileSync(p, text);
  return p;
}

async function startLookout(config: string, extra: string[] = []): Promise<{ proc: Proc; url: string }> {
  const port = await freePort();
  const data = join(dir, `lookout-data-${seq++}`);
  const proc = startNode(LOOKOUT_BIN, [
    'server',
    `--config.file=${file('lookout.yml', config)}`,
    `--web.listen-address=127.0.0.1:${port}`,
    `--storage.tsdb.path=${data}`,
    '--hostmetrics.enable=false',
    QUIET_ALERTMANAGER_FLAG,
    ...extra,
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitFor('lookout ready', 120_000, async () => (await fetch(`${url}/-/ready`)).ok);
  return { proc, url };
}

async function startPrometheus(config: string, extra: string[] = [], data = join(dir, `prom-data-${seq++}`), port?: number): Promise<{ proc: Proc; url: string; data: string; port: number }> {
  port ??= await freePort();
  const proc = startProgram(PROMETHEUS, [
    `--config.file=${file('prometheus.yml', config)}`,
    `--web.listen-address=127.0.0.1:${port}`,
    `--storage.tsdb.path=${data}`,
    ...extra,
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitFor('prometheus ready', 120_000, async () => (await fetch(`${url}/-/ready`)).ok);
  return { proc, url, data, port };
}

/** Raw samples of `selector` over the 10 minutes before `t` (seconds), keyed and sorted. */
async function rawSamples(base: string, selector: string, t: number): Promise<Record<string, [number, string][]>> {
  const p = new URLSearchParams({ query: `${selector}[10m]`, time: String(t) });
  const body = (await (await fetch(`${base}/api/v1/query?${p}`)).json()) as { data: { result: { metric: Record<string, string>; values: [number, string][] }[] } };
  const out: Record<string, [number, string][]> = {};
  for (const r of body.data.result) {
    const m = Object.entries(r.metric).sort(([a], [b]) => (a < b ? -1 : 1));
    out[JSON.stringify(m)] = r.values;
  }
  return out;
}

function countSamples(r: Record<string, [number, string][]>): number {
  return Object.values(r).reduce((n, v) => n + v.length, 0);
}

const scrapeConfig = (job: string) => `global: {scrape_interval: 1s}
scrape_configs:
  - job_name: ${job}
    static_configs: [{targets: ["${'${TARGET}'}"]}]
`;

function withTarget(cfg: string): string {
  return cfg.replace('${TARGET}', targetURL);
}

describe.skipIf(!hasPrometheus)('remote write with Prometheus 2.42', () => {
  it('Lookout → Prometheus receiver: the samples queried back are identical', { timeout: 300_000 }, async () => {
    const prom = await startPrometheus('global: {}\n', ['--web.enable-remote-write-receiver']);
    const lookout = await startLookout(
      withTarget(scrapeConfig('rw_out')) + `remote_write:\n  - url: ${prom.url}/api/v1/write\n    queue_config: {batch_send_deadline: 200ms}\n`,
    );
    await waitFor('5 scrapes in Lookout', 60_000, async () => countSamples(await rawSamples(lookout.url, 'rw_counter_total{job="rw_out"}', Date.now() / 1000)) >= 10);
    const t = Date.now() / 1000;
    const want = await rawSamples(lookout.url, '{job="rw_out"}', t);
    expect(Object.keys(want).length).toBeGreaterThanOrEqual(8);
    const got = await waitFor('Prometheus to hold the same samples', 60_000, async () => {
      const g = await rawSamples(prom.url, '{job="rw_out"}', t);
      return countSamples(g) >= countSamples(want) ? g : undefined;
    });
    expect(got).toEqual(want);
    const metrics = await (await fetch(`${lookout.url}/metrics`)).text();
    expect(metrics).toMatch(/prometheus_remote_storage_samples_total\{remote_name="[0-9a-f]{6}",url="[^"]+"\} [1-9]/);
    await lookout.proc.stop();
    await prom.proc.stop();
  });

  it('Prometheus → Lookout receiver: the samples queried back are identical; disabled receiver answers 404', { timeout: 300_000 }, async () => {
    const lookout = await startLookout('global: {}\n', ['--web.enable-remote-write-receiver']);
    const prom = await startPrometheus(
      withTarget(scrapeConfig('rw_in')) + `remote_write:\n  - url: ${lookout.url}/api/v1/write\n    queue_config: {batch_send_deadline: 200ms}\n`,
    );
    await waitFor('5 scrapes in Prometheus', 60_000, async () => countSamples(await rawSamples(prom.url, 'rw_counter_total{job="rw_in"}', Date.now() / 1000)) >= 10);
    const t = Date.now() / 1000;
    const want = await rawSamples(prom.url, '{job="rw_in"}', t);
    const got = await waitFor('Lookout to hold the same samples', 60_000, async () => {
      const g = await rawSamples(lookout.url, '{job="rw_in"}', t);
      return countSamples(g) >= countSamples(want) ? g : undefined;
    });
    expect(got).toEqual(want);
    await prom.proc.stop();
    await lookout.proc.stop();

    const off = await startLookout('global: {}\n');
    const res = await fetch(`${off.url}/api/v1/write`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('remote write receiver needs to be enabled with --web.enable-remote-write-receiver\n');
    await off.proc.stop();
  });

  it('the receiver answers bad and conflicting writes as Prometheus does', { timeout: 300_000 }, async () => {
    const prom = await startPrometheus('global: {}\n', ['--web.enable-remote-write-receiver']);
    const lookout = await startLookout('global: {}\n', ['--web.enable-remote-write-receiver']);
    const body = (series: [string[], [number, number][]][]) => {
      const e = new WriteRequestEncoder();
      for (const [l, ss] of series) {
        e.beginSeries(l);
        for (const [t, v] of ss) e.sample(t, v);
        e.endSeries();
      }
      return snappyEncode(e.finish());
    };
    const now = Date.now();
    const cases: [string, Uint8Array][] = [
      ['corrupt snappy', Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])],
      ['truncated protobuf', snappyEncode(Uint8Array.from([0x0a, 0x05, 0x0a]))],
      ['empty body', new Uint8Array()],
      ['ok', body([[['__name__', 'm'], [[now, 1]]]])],
      ['out of order', body([[['__name__', 'm'], [[now - 10_000, 1]]]])],
      ['duplicate', body([[['__name__', 'm'], [[now, 2]]]])],
      ['same sample again', body([[['__name__', 'm'], [[now, 1]]]])],
      ['only empty labels', body([[['a', ''], [[now, 1]]]])],
      ['repeated label name', body([[['a', 'x', 'a', 'y'], [[now, 1]]]])],
      ['unsorted labels', body([[['z', 'x', '__name__', 'q'], [[now, 1]]]])],
      ['no metric name', body([[['job', 'x'], [[now, 1]]]])],
      ['far too old', body([[['__name__', 'old'], [[now - 3 * 86_400_000, 1]]]])],
    ];
    for (const [name, b] of cases) {
      const [p, l] = await Promise.all([prom.url, lookout.url].map(async (u) => {
        const r = await fetch(`${u}/api/v1/write`, { method: 'POST', body: b });
        return { case: name, status: r.status, body: await r.text() };
      }));
      expect(l).toEqual(p);
    }
    const t = now / 1000 + 1;
    for (const sel of ['{__name__=~"m|q|old"}', '{job="x"}']) expect(await rawSamples(lookout.url, sel, t)).toEqual(await rawSamples(prom.url, sel, t));
    expect(countSamples(await rawSamples(lookout.url, '{__name__=~"m|q"}', t))).toBe(2);
    await lookout.proc.stop();
    await prom.proc.stop();
  });

  it('a receiver outage under load loses nothing once the receiver is back', { timeout: 300_000 }, async () => {
    const prom = await startPrometheus('global: {}\n', ['--web.enable-remote-write-receiver']);
    const lookout = await startLookout(
      withTarget(scrapeConfig('rw_outage')) +
        `remote_write:\n  - url: ${prom.url}/api/v1/write\n    queue_config: {batch_send_deadline: 200ms, min_backoff: 100ms, max_backoff: 1s, capacity: 10, max_samples_per_send: 5}\n`,
    );
    await waitFor('first samples at Prometheus', 60_000, async () => countSamples(await rawSamples(prom.url, '{job="rw_outage"}', Date.now() / 1000)) > 0);
    await prom.proc.stop();
    // Lookout goes on scraping (8 series a second) with the receiver down for ~8 s.
    const before = scrapes;
    await waitFor('8 scrapes during the outage', 60_000, async () => scrapes >= before + 8);
    const down = await (await fetch(`${lookout.url}/metrics`)).text();
    expect(down).toMatch(/prometheus_remote_storage_samples_retried_total\{[^}]*\} [1-9]/);
    const again = await startPrometheus('global: {}\n', ['--web.enable-remote-write-receiver'], prom.data, prom.port);
    await new Promise((r) => setTimeout(r, 2000));
    const t = Date.now() / 1000;
    const want = await rawSamples(lookout.url, '{job="rw_outage"}', t);
    const got = await waitFor('every sample at Prometheus', 90_000, async () => {
      const g = await rawSamples(again.url, '{job="rw_outage"}', t);
      return countSamples(g) >= countSamples(want) ? g : undefined;
    });
    expect(got).toEqual(want);
    await lookout.proc.stop();
    await again.proc.stop();
  });
});

describe.skipIf(!hasPrometheus)('remote read with Prometheus 2.42', () => {
  it('Prometheus with remote_read pointing at Lookout returns Lookout\'s samples', { timeout: 300_000 }, async () => {
    const lookout = await startLookout(withTarget(scrapeConfig('rr')));
    await waitFor('5 scrapes in Lookout', 60_000, async () => countSamples(await rawSamples(lookout.url, 'rw_counter_total{job="rr"}', Date.now() / 1000)) >= 10);
    const prom = await startPrometheus(`global: {}\nremote_read:\n  - url: ${lookout.url}/api/v1/read\n    read_recent: true\n`);
    const t = Date.now() / 1000;
    const want = await rawSamples(lookout.url, '{job="rr"}', t);
    expect(countSamples(want)).toBeGreaterThanOrEqual(40);
    expect(await rawSamples(prom.url, '{job="rr"}', t)).toEqual(want);
    // A query over Lookout's data through Prometheus's engine, too.
    const q = new URLSearchParams({ query: 'sum(rw_counter_total{job="rr"})', time: String(t) });
    const [a, b] = await Promise.all([lookout.url, prom.url].map(async (u) => (await (await fetch(`${u}/api/v1/query?${q}`)).json()) as { data: unknown }));
    expect(b!.data).toEqual(a!.data);
    await prom.proc.stop();
    await lookout.proc.stop();
  });
});

describe.skipIf(!hasPrometheus)('remote read client', () => {
  it('Lookout with remote_read pointing at Prometheus answers queries with Prometheus\'s samples', { timeout: 300_000 }, async () => {
    const prom = await startPrometheus(withTarget(scrapeConfig('rrc')));
    await waitFor('10 scrapes in Prometheus', 60_000, async () => countSamples(await rawSamples(prom.url, 'rw_counter_total{job="rrc"}', Date.now() / 1000)) >= 20);
    const lookout = await startLookout(
      `global: {external_labels: {site: here}}
remote_read:
  - url: ${prom.url}/api/v1/read
    read_recent: true
    filter_external_labels: false
  - url: ${prom.url}/api/v1/read
    name: gated
    read_recent: true
    required_matchers: {job: never}
`,
    );
    // Three scrape intervals back, so that no sample up to t is still being appended in Prometheus
    // between its own answer and Lookout's remote read (which would see one sample more).
    const t = Date.now() / 1000 - 3;
    const want = await rawSamples(prom.url, '{job="rrc"}', t);
    expect(countSamples(want)).toBeGreaterThanOrEqual(40);
    expect(await rawSamples(lookout.url, '{job="rrc"}', t)).toEqual(want);
    const q = new URLSearchParams({ query: 'sum by (path) (max_over_time(rw_counter_total{job="rrc"}[10m]))', time: String(t) });
    const [a, b] = await Promise.all([prom.url, lookout.url].map(async (u) => (await (await fetch(`${u}/api/v1/query?${q}`)).json()) as { data: unknown }));
    expect(b!.data).toEqual(a!.data);
    await lookout.proc.stop();
    await prom.proc.stop();
  });
});

describe.skipIf(!hasVictoria)('remote write to VictoriaMetrics (single node)', () => {
  it('Lookout → VictoriaMetrics: the exported samples are identical', { timeout: 300_000 }, async () => {
    const port = await freePort();
    const vm = startProgram(VICTORIA, [`-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${join(dir, 'vm-data')}`, '-retentionPeriod=1y']);
    const vmURL = `http://127.0.0.1:${port}`;
    await waitFor('victoria-metrics up', 60_000, async () => (await fetch(`${vmURL}/health`)).ok);
    const lookout = await startLookout(
      withTarget(scrapeConfig('rw_vm')) + `remote_write:\n  - url: ${vmURL}/api/v1/write\n    queue_config: {batch_send_deadline: 200ms}\n`,
    );
    await waitFor('5 scrapes in Lookout', 60_000, async () => countSamples(await rawSamples(lookout.url, 'rw_counter_total{job="rw_vm"}', Date.now() / 1000)) >= 10);
    const t = Date.now() / 1000;
    const want = await rawSamples(lookout.url, '{job="rw_vm"}', t);
    const exported = async () => {
      const p = new URLSearchParams({ 'match[]': '{job="rw_vm"}', start: String(Math.floor(t - 600)), end: String(t) });
      const text = await (await fetch(`${vmURL}/api/v1/export?${p}`)).text();
      const out: Record<string, [number, string][]> = {};
      for (const line of text.split('\n')) {
        if (!line) continue;
        const r = JSON.parse(line) as { metric: Record<string, string>; values: number[]; timestamps: number[] };
        const m = Object.entries(r.metric).sort(([a], [b]) => (a < b ? -1 : 1));
        out[JSON.stringify(m)] = r.timestamps.map((ts, i) => [ts / 1000, String(r.values[i])] as [number, string]).filter(([ts]) => ts <= t);
      }
      return out;
    };
    const got = await waitFor('VictoriaMetrics to hold the same samples', 60_000, async () => {
      const g = await exported();
      return countSamples(g) >= countSamples(want) ? g : undefined;
    });
    // VM exports values as JSON numbers and keeps about 12 significant digits of a float (its
    // documented lossy compression): the target's values (exact in decimal) must be identical,
    // the others (scrape_duration_seconds…) equal to that precision; every timestamp identical.
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    for (const [k, v] of Object.entries(want)) {
      const g = got[k]!;
      expect(g.map(([ts]) => ts)).toEqual(v.map(([ts]) => ts));
      if (k.includes('"rw_')) expect(g.map(([, x]) => Number(x))).toEqual(v.map(([, x]) => Number(x)));
      else g.forEach(([, x], i) => expect(Math.abs(Number(x) - Number(v[i]![1]))).toBeLessThanOrEqual(Math.abs(Number(v[i]![1])) * 1e-11));
    }
    await lookout.proc.stop();
    await vm.stop();
  });
});
