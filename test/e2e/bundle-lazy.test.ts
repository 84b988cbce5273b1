/**
 * The bundled server's parts that are not set up on the way to ready answer their first request,
 * sent the moment `/-/ready` first answers 200:
 *  - the protobuf reflection of remote read (src/remote/proto.ts `prompb`, built on first use):
 *    a sample written by remote write is read back by remote read;
 *  - the reflection of Loki's push message (src/logs/push/proto.ts `pushRequestType`): a
 *    snappy-compressed protobuf push is stored and its label's values are listed;
 *  - the UI's static files: an asset is served byte for byte, a missing one is 404.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushRequestType } from '../../src/logs/push/proto.js';
import { prompb, TO_OBJECT } from '../../src/remote/proto.js';
import { snappyDecode, snappyEncode } from '../../src/remote/snappy.js';
import { freePort, LOOKOUT_BIN, QUIET_ALERTMANAGER_FLAG, ROOT, startNode, stopAll, type Proc } from '../support/processes.js';

const snappy = createRequire(import.meta.url)('snappyjs') as { compress(b: Uint8Array): Uint8Array };

let dir: string;
let lookout: Proc;
let base: string;
const NOW = Date.now();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-lazy-'));
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 15s\n');
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  lookout = startNode(LOOKOUT_BIN, [
    'server',
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--web.enable-remote-write-receiver',
    QUIET_ALERTMANAGER_FLAG,
  ]);
  // Polled every 5 ms, so that the requests below arrive right after the server became ready.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (lookout.child.exitCode !== null) throw new Error(`lookout exited:\n${lookout.output()}`);
    const status = await fetch(`${base}/-/ready`).then((r) => r.status, () => 0);
    if (status === 200) break;
    if (Date.now() > deadline) throw new Error(`lookout not ready:\n${lookout.output()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}, 70_000);

afterAll(async () => {
  await lookout?.stop();
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
});

describe('the bundled server, right after ready', () => {
  it('reads back through remote read a sample written by remote write', async () => {
    const write = prompb.WriteRequest.encode(
      prompb.WriteRequest.fromObject({ timeseries: [{ labels: [{ name: '__name__', value: 'lazy_probe' }], samples: [{ value: 42.5, timestamp: NOW }] }] }),
    ).finish();
    const w = await fetch(`${base}/api/v1/write`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
      body: snappyEncode(write),
    });
    expect([w.status, await w.text()]).toEqual([204, '']);

    const read = prompb.ReadRequest.encode(
      prompb.ReadRequest.fromObject({ queries: [{ startTimestampMs: NOW - 60_000, endTimestampMs: NOW + 1000, matchers: [{ type: 0, name: '__name__', value: 'lazy_probe' }] }] }),
    ).finish();
    const r = await fetch(`${base}/api/v1/read`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-read-version': '0.1.0' },
      body: snappyEncode(read),
    });
    expect(r.status).toBe(200);
    const res = prompb.ReadResponse.toObject(prompb.ReadResponse.decode(snappyDecode(new Uint8Array(await r.arrayBuffer()), 1 << 20)), TO_OBJECT) as {
      results: { timeseries: { labels: { name: string; value: string }[]; samples: { value: number; timestamp: number }[] }[] }[];
    };
    expect(res.results).toEqual([{ timeseries: [{ labels: [{ name: '__name__', value: 'lazy_probe' }], samples: [{ value: 42.5, timestamp: NOW }], exemplars: [] }] }]);
  });

  it('stores a protobuf Loki push', async () => {
    const msg = pushRequestType().fromObject({
      streams: [{ labels: '{job="lazy"}', entries: [{ timestamp: { seconds: Math.floor(NOW / 1000), nanos: (NOW % 1000) * 1e6 }, line: 'first line' }] }],
    });
    const push = await fetch(`${base}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: Buffer.from(snappy.compress(pushRequestType().encode(msg).finish())),
    });
    expect([push.status, await push.text()]).toEqual([204, '']);
    const values = await fetch(`${base}/loki/api/v1/label/job/values?start=${(NOW - 60_000) * 1e6}&end=${(NOW + 1000) * 1e6}`);
    expect(await values.json()).toEqual({ status: 'success', data: ['lazy'] });
  });

  it('serves the UI assets', async () => {
    const asset = readdirSync(join(ROOT, 'dist', 'ui', 'assets')).find((f) => f.endsWith('.js'))!;
    const res = await fetch(`${base}/ui/assets/${asset}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
    expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(join(ROOT, 'dist', 'ui', 'assets', asset)))).toBe(true);
    const missing = await fetch(`${base}/ui/assets/no-such-file.js`);
    expect(missing.status).toBe(404);
  });
});
