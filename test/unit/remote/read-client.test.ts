import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePrometheusConfig } from '../../../src/config/prometheus.js';
import { Logger } from '../../../src/log.js';
import { Matcher } from '../../../src/model/matcher.js';
import { prompb, TO_OBJECT } from '../../../src/remote/proto.js';
import { handleRemoteRead, DEFAULT_READ_OPTIONS } from '../../../src/remote/read-handler.js';
import { RemoteReadStorage } from '../../../src/remote/read-client.js';
import { snappyDecode } from '../../../src/remote/snappy.js';
import { TSDB } from '../../../src/tsdb/db.js';

class QuietLogger extends Logger {
  override info(): void {}
  override warn(): void {}
  override error(): void {}
}

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const T0 = Date.now() - 600_000;

/** A remote-read server over a TSDB holding `m{job="a",site="remote"}`; records the queries' matchers. */
async function server(): Promise<{ url: string; queries: unknown[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-rr-'));
  const db = TSDB.open({ dir, log: new QuietLogger() });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => db.close());
  const app = db.appender();
  const ref = app.seriesRef(['__name__', 'm', 'job', 'a', 'site', 'remote']);
  for (let i = 0; i < 10; i++) app.append(ref, T0 + i * 1000, i);
  app.commit();
  const queries: unknown[] = [];
  const srv = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      queries.push((prompb.ReadRequest.toObject(prompb.ReadRequest.decode(snappyDecode(body, 1 << 20)), TO_OBJECT) as { queries: { matchers: unknown }[] }).queries[0]!.matchers);
      const r = handleRemoteRead(db, body, DEFAULT_READ_OPTIONS);
      res.writeHead(r.status, r.headers).end(r.body);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => srv.close(() => r())));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/api/v1/read`, queries };
}

function storage(yaml: string, localStartMs = Infinity): RemoteReadStorage {
  const cfg = parsePrometheusConfig('prometheus.yml', yaml);
  const rr = new RemoteReadStorage({ log: new QuietLogger(), userAgent: 'test', localStartMs: () => localStartMs });
  const ext: string[] = [];
  for (const [k, v] of Object.entries(cfg.global.externalLabels).sort()) ext.push(k, v);
  rr.applyConfig(cfg.remoteRead, ext);
  cleanups.push(() => rr.close());
  return rr;
}

const M = [new Matcher('=', '__name__', 'm')];

describe('RemoteReadStorage', () => {
  it('reads series with filter_external_labels sending and stripping the external labels', async () => {
    const s = await server();
    const rr = storage(`global: {external_labels: {site: remote}}\nremote_read: [{url: "${s.url}", read_recent: true}]\n`);
    const q = await rr.prefetch(M, T0, T0 + 4000);
    expect(q!.select(M, T0 + 1000, T0 + 2000).map((x) => [x.labels, Array.from(x.ts.subarray(0, x.count))])).toEqual([[['__name__', 'm', 'job', 'a'], [T0 + 1000, T0 + 2000]]]);
    expect(s.queries).toEqual([
      [
        { type: 0, name: '__name__', value: 'm' },
        { type: 0, name: 'site', value: 'remote' },
      ],
    ]);
  });

  it('skips endpoints whose required_matchers are missing, and recent ranges without read_recent', async () => {
    const s = await server();
    const gated = storage(`remote_read: [{url: "${s.url}", read_recent: true, required_matchers: {job: b}}]\n`);
    expect(await gated.prefetch(M, T0, T0 + 4000)).toBeNull();
    expect(await gated.prefetch([...M, new Matcher('=', 'job', 'b')], T0, T0 + 4000)).not.toBeNull();
    const old = storage(`remote_read: [{url: "${s.url}"}]\n`, T0 + 2000);
    expect(await old.prefetch(M, T0 + 3000, T0 + 9000)).toBeNull();
    const q = await old.prefetch(M, T0, T0 + 9000);
    expect(q!.select(M, T0, T0 + 9000)[0]!.count).toBe(3);
    expect(s.queries.length).toBe(2);
  });

  it('leaves out an endpoint that fails', async () => {
    const rr = storage('remote_read: [{url: "http://127.0.0.1:1/api/v1/read", read_recent: true}]\n');
    expect(await rr.prefetch(M, T0, T0 + 1000)).toBeNull();
  });
});
