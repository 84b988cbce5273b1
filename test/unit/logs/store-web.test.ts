import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../../src/log.js';
import { pushRequestType } from '../../../src/logs/push/proto.js';
import { LogStore } from '../../../src/logs/store/store.js';
import { registerLoki } from '../../../src/web/loki.js';
import { acceptFormBodies } from '../../../src/web/params.js';

const snappy = createRequire(import.meta.url)('snappyjs') as { compress(b: Uint8Array): Uint8Array };
const quiet = { warn() {}, info() {}, error() {}, debug() {}, with() { return this; } } as unknown as Logger;
const dir = mkdtempSync(join(tmpdir(), 'lookout-loki-web-'));
let store: LogStore;
let app: FastifyInstance;
const NOW = Date.now();
const ns = (ms: number, extra = 0) => String(BigInt(ms) * 1_000_000n + BigInt(extra));

beforeAll(async () => {
  store = LogStore.open({ dir, log: quiet, background: false });
  app = Fastify();
  acceptFormBodies(app);
  registerLoki(app, { store });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function pushJson(body: unknown, headers: Record<string, string> = {}) {
  return app.inject({ method: 'POST', url: '/loki/api/v1/push', headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(body) });
}

describe('Loki push and index API', () => {
  it('accepts JSON pushes with structured metadata and answers 204', async () => {
    const res = await pushJson({
      streams: [{ stream: { job: 'api', level: 'info' }, values: [[ns(NOW - 2000, 5), 'hello', { trace_id: 'abc' }], [ns(NOW - 1000), 'world']] }],
    });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    const [sel] = store.select([...(await import('../../../src/web/loki-params.js')).parseStreamSelector('{job="api"}')], { ms: 0, nanos: 0 }, { ms: NOW + 1, nanos: 0 }, 'forward');
    const got: unknown[] = [];
    while (sel!.entries.next()) got.push([sel!.entries.ms, sel!.entries.nanos, sel!.entries.line, sel!.entries.metadata]);
    expect(got).toEqual([[NOW - 2000, 5, 'hello', ['trace_id', 'abc']], [NOW - 1000, 0, 'world', []]]);
  });

  it('accepts gzip-encoded JSON', async () => {
    const body = gzipSync(JSON.stringify({ streams: [{ stream: { job: 'gz' }, values: [[ns(NOW), 'zipped']] }] }));
    const res = await app.inject({ method: 'POST', url: '/loki/api/v1/push', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: body });
    expect(res.statusCode).toBe(204);
    expect(store.labelValues('job', { ms: NOW - 1, nanos: 0 }, { ms: NOW + 1, nanos: 0 })).toContain('gz');
  });

  it('accepts snappy-compressed protobuf and rejects unparsable label text with Loki\'s message', async () => {
    const msg = pushRequestType().fromObject({
      streams: [
        { labels: '{job="proto", env="dev"}', entries: [{ timestamp: { seconds: Math.floor(NOW / 1000), nanos: (NOW % 1000) * 1e6 + 42 }, line: 'from proto', structuredMetadata: [{ name: 'user', value: 'u1' }] }] },
        { labels: '{job="proto"', entries: [{ timestamp: { seconds: Math.floor(NOW / 1000) }, line: 'bad' }] },
      ],
    });
    const body = Buffer.from(snappy.compress(pushRequestType().encode(msg).finish()));
    const res = await app.inject({ method: 'POST', url: '/loki/api/v1/push', headers: { 'content-type': 'application/x-protobuf' }, payload: body });
    expect(res.statusCode).toBe(400);
    expect(res.body).toBe(`error parsing labels '{job="proto"' with error: expected ',' or '}' at position 12\n`);
    const [sel] = store.select([(await import('../../../src/web/loki-params.js')).parseStreamSelector('{job="proto"}')[0]!], { ms: 0, nanos: 0 }, { ms: NOW + 1, nanos: 0 }, 'forward');
    expect(sel!.labels).toEqual(['env', 'dev', 'job', 'proto']);
    expect(sel!.entries.next()).toBe(true);
    expect([sel!.entries.ms, sel!.entries.nanos, sel!.entries.line, sel!.entries.metadata]).toEqual([NOW, 42, 'from proto', ['user', 'u1']]);
  });

  it('answers 400 for entries too far behind, keeping the accepted ones', async () => {
    await pushJson({ streams: [{ stream: { job: 'ooo' }, values: [[ns(NOW), 'new']] }] });
    const res = await pushJson({ streams: [{ stream: { job: 'ooo' }, values: [[ns(NOW - 2 * 3600_000), 'old'], [ns(NOW - 60_000), 'recent']] }] });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.body).toMatch(/^entry with timestamp .* ignored, reason: 'entry too far behind, entry timestamp is: .*, oldest acceptable timestamp is: .*',\nuser 'fake', total ignored: 1 out of 2 for stream: \{job="ooo"\}\n$/);
    expect(store.stats((await import('../../../src/web/loki-params.js')).parseStreamSelector('{job="ooo"}'), { ms: 0, nanos: 0 }, { ms: NOW + 1, nanos: 0 }).entries).toBe(2);
  });

  it('answers 400 for bodies it cannot read', async () => {
    expect((await app.inject({ method: 'POST', url: '/loki/api/v1/push', headers: { 'content-type': 'application/json' }, payload: '{"streams": [' })).statusCode).toBe(400);
    const badTs = await pushJson({ streams: [{ stream: { job: 'x' }, values: [['yesterday', 'x']] }] });
    expect(badTs.statusCode).toBe(400);
    expect(badTs.body).toBe('streams[0].values[0]: timestamp "yesterday" is not a nanosecond Unix epoch\n');
    const noLabels = await pushJson({ streams: [{ stream: {}, values: [[ns(NOW), 'x']] }] });
    expect(noLabels.body).toBe('error at least one label pair is required per stream\n');
    const notSnappy = await app.inject({ method: 'POST', url: '/loki/api/v1/push', headers: { 'content-type': 'application/x-protobuf' }, payload: Buffer.from('nonsense') });
    expect(notSnappy.statusCode).toBe(400);
  });

  it('answers 413 for a push body over the limit', async () => {
    const small = Fastify();
    acceptFormBodies(small);
    registerLoki(small, { store, maxPushBytes: 100 });
    const res = await small.inject({ method: 'POST', url: '/loki/api/v1/push', headers: { 'content-type': 'application/json' }, payload: 'x'.repeat(101) });
    expect(res.statusCode).toBe(413);
    expect(res.body).toBe('request body too large: limit is 100 bytes\n');
    await small.close();
  });

  it('serves labels, label values, series and index stats in Loki\'s shapes', async () => {
    const q = `start=${ns(NOW - 3600_000)}&end=${ns(NOW + 1000)}`;
    const labels = await app.inject({ url: `/loki/api/v1/labels?${q}` });
    expect(labels.json()).toEqual({ status: 'success', data: ['env', 'job', 'level'] });
    const values = await app.inject({ url: `/loki/api/v1/label/job/values?${q}` });
    expect(values.json()).toEqual({ status: 'success', data: ['api', 'gz', 'ooo', 'proto'] });
    const filtered = await app.inject({ url: `/loki/api/v1/label/job/values?${q}&query=${encodeURIComponent('{env="dev"}')}` });
    expect(filtered.json()).toEqual({ status: 'success', data: ['proto'] });
    const series = await app.inject({ method: 'POST', url: '/loki/api/v1/series', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `${q}&match[]=${encodeURIComponent('{job=~"api|proto"}')}&match[]=${encodeURIComponent('{job="gz"}')}` });
    expect(series.json()).toEqual({ status: 'success', data: [{ env: 'dev', job: 'proto' }, { job: 'api', level: 'info' }, { job: 'gz' }] });
    const stats = await app.inject({ url: `/loki/api/v1/index/stats?${q}&query=${encodeURIComponent('{job="api"}')}` });
    expect(stats.json()).toEqual({ streams: 1, chunks: 1, entries: 2, bytes: 10 });
    const bad = await app.inject({ url: `/loki/api/v1/series?match[]=${encodeURIComponent('{job=~".*"}')}` });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('queries require at least one regexp or equality matcher');
    const badTime = await app.inject({ url: '/loki/api/v1/labels?start=yesterday' });
    expect(badTime.statusCode).toBe(400);
    expect((await app.inject({ url: '/ready' })).body).toBe('ready\n');
  });
});
