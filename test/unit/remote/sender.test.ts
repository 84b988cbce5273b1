import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePrometheusConfig } from '../../../src/config/prometheus.js';
import { Logger } from '../../../src/log.js';
import { fromObject, type Labels } from '../../../src/model/labels.js';
import { STALE_NAN } from '../../../src/model/value.js';
import { decodeWriteRequest } from '../../../src/remote/proto.js';
import { desiredShards } from '../../../src/remote/queue.js';
import { snappyDecode } from '../../../src/remote/snappy.js';
import { RemoteStorage } from '../../../src/remote/storage.js';
import { TSDB } from '../../../src/tsdb/db.js';

class QuietLogger extends Logger {
  override info(): void {}
  override warn(): void {}
  override error(): void {}
}

interface Received {
  headers: http.IncomingHttpHeaders;
  series: { labels: string[]; ts: number[]; bits: string[] }[];
}

/** A remote-write sink answering with `status()` and recording accepted requests. */
async function sink(status: () => number, delayMs = 0): Promise<{ url: string; got: Received[]; close(): Promise<void> }> {
  const got: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => setTimeout(() => {
      const code = status();
      if (code === 204) {
        const w = decodeWriteRequest(snappyDecode(Buffer.concat(chunks), 1 << 26));
        const series = [];
        for (let s = 0; s < w.series; s++) {
          const ts: number[] = [];
          const bits: string[] = [];
          for (let i = w.sampleStart[s]!; i < w.sampleStart[s + 1]!; i++) {
            ts.push(w.ts[i]!);
            bits.push(Buffer.from(new Float64Array([w.vs[i]!]).buffer).toString('hex'));
          }
          series.push({ labels: w.labels.slice(w.labelStart[s], w.labelStart[s + 1]), ts, bits });
        }
        got.push({ headers: req.headers, series });
      }
      res.writeHead(code).end(code === 204 ? '' : 'nope');
    }, delayMs));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`;
  return { url, got, close: () => new Promise((r) => server.close(() => r())) };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup(opts: { walSegmentSize?: number } = {}): TSDB {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-rw-'));
  const db = TSDB.open({ dir, log: new QuietLogger(), walSegmentSize: opts.walSegmentSize });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => db.close());
  walDirs.set(db, join(dir, 'wal'));
  return db;
}
const walDirs = new Map<TSDB, string>();

function remoteWriteConfig(yaml: string) {
  return parsePrometheusConfig('prometheus.yml', yaml);
}

async function startRemote(db: TSDB, yaml: string, registry = new Registry(), reshardIntervalMs?: number): Promise<RemoteStorage> {
  const cfg = remoteWriteConfig(yaml);
  const rs = new RemoteStorage({ walDir: walDirs.get(db)!, registry, log: new QuietLogger(), userAgent: 'Lookout/test', pollMs: 10, flushDeadlineMs: 2000, reshardIntervalMs });
  await rs.applyConfig(cfg.remoteWrite, fromObject(cfg.global.externalLabels));
  cleanups.push(() => rs.close());
  return rs;
}

function write(db: TSDB, labels: Labels, samples: [number, number][]): void {
  const app = db.appender();
  const ref = app.seriesRef(labels);
  for (const [t, v] of samples) app.append(ref, t, v);
  app.commit();
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Samples per series name+labels key, concatenated over all requests. */
function collect(got: Received[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const r of got) for (const s of r.series) {
    const k = s.labels.join(',');
    out.set(k, [...(out.get(k) ?? []), ...s.ts]);
  }
  return out;
}

const T0 = Date.now() - 3_600_000;

describe('RemoteStorage (WAL watcher + queue)', () => {
  it('sends new samples from the WAL with the protocol headers, external labels and relabeling, not older ones', async () => {
    const db = setup();
    write(db, ['__name__', 'before', 'job', 'a'], [[T0, 1]]);
    const s = await sink(() => 204);
    cleanups.push(s.close);
    await startRemote(
      db,
      `global: {external_labels: {cluster: c1, job: ext}}
remote_write:
  - url: ${s.url}
    headers: {X-Scope-OrgID: tenant1}
    basic_auth: {username: user, password: secret}
    write_relabel_configs: [{source_labels: [__name__], regex: dropme, action: drop}]
    queue_config: {batch_send_deadline: 50ms}
`,
    );
    write(db, ['__name__', 'm', 'job', 'a'], [[T0 + 1000, 1], [T0 + 2000, STALE_NAN]]);
    write(db, ['__name__', 'dropme'], [[T0 + 1000, 1]]);
    write(db, ['__name__', 'm', 'job', 'a'], [[T0 + 3000, 3]]);
    await until('3 samples', () => (collect(s.got).get('__name__,m,cluster,c1,job,a') ?? []).length === 3);
    expect([...collect(s.got).keys()]).toEqual(['__name__,m,cluster,c1,job,a']);
    expect(collect(s.got).get('__name__,m,cluster,c1,job,a')).toEqual([T0 + 1000, T0 + 2000, T0 + 3000]);
    const stale = s.got.flatMap((r) => r.series.flatMap((x) => x.bits));
    expect(stale[1]).toBe(Buffer.from(new Float64Array([STALE_NAN]).buffer).toString('hex'));
    expect(s.got[0]!.headers).toMatchObject({
      'content-encoding': 'snappy',
      'content-type': 'application/x-protobuf',
      'x-prometheus-remote-write-version': '0.1.0',
      'x-scope-orgid': 'tenant1',
      'user-agent': 'Lookout/test',
      authorization: `Basic ${Buffer.from('user:secret').toString('base64')}`,
    });
  });

  it('retries 5xx with backoff and loses nothing; drops batches answered 400', async () => {
    const db = setup();
    let code = 503;
    const s = await sink(() => code);
    cleanups.push(s.close);
    const registry = new Registry();
    const rs = await startRemote(
      db,
      `remote_write:
  - url: ${s.url}
    name: q
    queue_config: {batch_send_deadline: 20ms, min_backoff: 10ms, max_backoff: 40ms, max_samples_per_send: 7, capacity: 20}
`,
      registry,
    );
    for (let i = 0; i < 100; i++) write(db, ['__name__', 'm', 'i', String(i % 3)], [[T0 + i * 1000, i]]);
    await until('retries', () => rs.queues()[0]!.pendingSamples() > 0);
    await new Promise((r) => setTimeout(r, 300));
    expect(s.got).toEqual([]);
    code = 204;
    await until('all samples', () => [...collect(s.got).values()].reduce((a, b) => a + b.length, 0) === 100);
    const byKey = collect(s.got);
    for (let k = 0; k < 3; k++) {
      const want = [];
      for (let i = k; i < 100; i += 3) want.push(T0 + i * 1000);
      expect(byKey.get(`__name__,m,i,${k}`)).toEqual(want);
    }
    // The sink records a request before the sender sees the answer: wait for the counter.
    const sent = 'prometheus_remote_storage_samples_total{remote_name="q",url="' + s.url + '"} 100';
    await until('samples_total', async () => (await registry.metrics()).includes(sent));
    const text = await registry.metrics();
    expect(text).toMatch(/prometheus_remote_storage_samples_retried_total\{remote_name="q",[^}]*\} [1-9]/);
    expect(text).toContain('prometheus_remote_storage_samples_pending{remote_name="q",url="' + s.url + '"} 0');
    expect(text).toContain(`prometheus_remote_storage_queue_highest_sent_timestamp_seconds{remote_name="q",url="${s.url}"} ${(T0 + 99_000) / 1000}`);

    code = 400;
    write(db, ['__name__', 'm', 'i', '0'], [[T0 + 200_000, 1]]);
    await until('failed', async () => /samples_failed_total\{remote_name="q",[^}]*\} 1\b/.test(await registry.getSingleMetricAsString('prometheus_remote_storage_samples_failed_total')));
    expect(collect(s.got).get('__name__,m,i,0')!.length).toBe(34);
  });

  it('follows the WAL across segments', async () => {
    const db = setup({ walSegmentSize: 64 * 1024 });
    const s = await sink(() => 204);
    cleanups.push(s.close);
    await startRemote(db, `remote_write: [{url: "${s.url}", queue_config: {batch_send_deadline: 20ms, max_samples_per_send: 500}}]\n`);
    const app = db.appender();
    for (let b = 0; b < 40; b++) {
      for (let i = 0; i < 100; i++) app.append(app.seriesRef(['__name__', 'series_with_a_long_name_to_fill_segments', 'n', String(i)]), T0 + b * 1000, b);
      app.commit();
    }
    await until('4000 samples', () => [...collect(s.got).values()].reduce((a, b) => a + b.length, 0) === 4000);
    expect(collect(s.got).get('__name__,series_with_a_long_name_to_fill_segments,n,42')).toEqual(Array.from({ length: 40 }, (_, b) => T0 + b * 1000));
  });
});

describe('dynamic sharding', () => {
  it('adds shards when sends are slower than the input, keeping each series in order', { timeout: 30_000 }, async () => {
    const db = setup();
    const s = await sink(() => 204, 100);
    cleanups.push(s.close);
    const registry = new Registry();
    const rs = await startRemote(
      db,
      `remote_write: [{url: "${s.url}", name: q, queue_config: {batch_send_deadline: 10ms, max_samples_per_send: 10, capacity: 100, min_shards: 1, max_shards: 8}}]\n`,
      registry,
      200,
    );
    // ~400 samples/s in; one shard sends 10 samples per 100 ms.
    let tick = 0;
    let maxShards = 1;
    while (tick < 60) {
      const app = db.appender();
      for (let i = 0; i < 20; i++) app.append(app.seriesRef(['__name__', 'm', 'i', String(i)]), T0 + tick * 1000, tick);
      app.commit();
      tick++;
      maxShards = Math.max(maxShards, rs.queues()[0]!.numShards());
      await new Promise((r) => setTimeout(r, 50));
    }
    await until('all samples', () => [...collect(s.got).values()].reduce((a, b) => a + b.length, 0) === 1200, 25_000);
    expect(maxShards).toBeGreaterThan(1);
    for (let i = 0; i < 20; i++) expect(collect(s.got).get(`__name__,m,i,${i}`)).toEqual(Array.from({ length: 60 }, (_, k) => T0 + k * 1000));
    expect(await registry.getSingleMetricAsString('prometheus_remote_storage_shards_desired')).toMatch(/shards_desired\{remote_name="q",[^}]*\} \d/);
  });
});

describe('desiredShards', () => {
  const base = { current: 1, minShards: 1, maxShards: 50, inRate: 1000, outRate: 1000, droppedRate: 0, outDuration: 0, highestRecv: 100, highestSent: 100 };
  it('keeps the count when nothing was sent or within 30 %', () => {
    expect(desiredShards({ ...base, outRate: 0 })).toEqual({ raw: 1, shards: 1 });
    expect(desiredShards({ ...base, current: 4, outDuration: 4.5 }).shards).toBe(4);
  });
  it('scales up when sends take longer than the input allows, with a backlog term, clamped', () => {
    // 1000 samples/s in, each takes 3 ms of send time → 3 shards; a 100 s backlog adds 5 %/s of it.
    expect(desiredShards({ ...base, outDuration: 3 })).toEqual({ raw: 3, shards: 3 });
    expect(desiredShards({ ...base, outDuration: 3, highestSent: 0 }).raw).toBeCloseTo(3 * (1 + 0.05 * 100), 9);
    expect(desiredShards({ ...base, outDuration: 300 }).shards).toBe(50);
  });
  it('scales down to the minimum', () => {
    expect(desiredShards({ ...base, current: 10, outDuration: 0.1 }).shards).toBe(1);
  });
});
