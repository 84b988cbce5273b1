/**
 * Limits of `POST /loki/api/v1/push` (src/web/loki.ts): streams per request (just under accepted,
 * just over refused whole with 400, nothing stored), body and decompressed size, each counted in
 * `lookout_http_limit_refusals_total{limit}`; and Loki's own label checks, counted in
 * `loki_discarded_samples_total{reason}`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../../src/log.js';
import { LogStore } from '../../../src/logs/store/store.js';
import { DEFAULT_MAX_STREAMS_PER_PUSH, registerLoki, type LokiDeps } from '../../../src/web/loki.js';
import { acceptFormBodies } from '../../../src/web/params.js';

const quiet = { warn() {}, info() {}, error() {}, debug() {}, with() { return this; } } as unknown as Logger;
const NOW = Date.now();
const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function setup(deps: Partial<LokiDeps> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-push-limits-'));
  const registry = new Registry();
  const store = LogStore.open({ dir, log: quiet, background: false, registry });
  const app: FastifyInstance = Fastify();
  acceptFormBodies(app);
  registerLoki(app, { store, registry, ...deps });
  await app.ready();
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }), () => store.close(), () => app.close());
  const metric = async (name: string, label: string) => {
    const m = registry.getSingleMetric(name);
    return m ? Object.fromEntries((await m.get()).values.map((v) => [v.labels[label], v.value])) : {};
  };
  return { app, store, refusals: () => metric('lookout_http_limit_refusals_total', 'limit'), discarded: () => metric('loki_discarded_samples_total', 'reason') };
}

function streams(n: number) {
  return { streams: Array.from({ length: n }, (_, i) => ({ stream: { job: `j${i}` }, values: [[ns(NOW - 1000), `line ${i}`]] })) };
}

function push(app: FastifyInstance, payload: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  return app.inject({ method: 'POST', url: '/loki/api/v1/push', headers, payload });
}

const all = { ms: 0, nanos: 0 };
const end = { ms: NOW + 1, nanos: 0 };

describe('Loki push limits', () => {
  it('streams per push: default 10,000', () => {
    expect(DEFAULT_MAX_STREAMS_PER_PUSH).toBe(10_000);
  });

  it('streams per push: at the limit accepted, one more refused whole with 400', async () => {
    const { app, store, refusals } = await setup({ maxStreamsPerPush: 3 });
    const under = await push(app, JSON.stringify(streams(3)));
    expect([under.statusCode, under.body]).toEqual([204, '']);
    expect(store.labelValues('job', all, end)).toEqual(['j0', 'j1', 'j2']);

    const over = await push(app, JSON.stringify({ streams: [...streams(3).streams, { stream: { job: 'new' }, values: [[ns(NOW), 'x']] }] }));
    expect([over.statusCode, over.headers['content-type'], over.body]).toEqual([
      400,
      'text/plain; charset=utf-8',
      'received a push request with too many streams (actual: 4, limit: 3) (limit set by --logs.max-streams-per-push)\n',
    ]);
    expect(store.labelValues('job', all, end)).toEqual(['j0', 'j1', 'j2']);
    expect(await refusals()).toEqual({ loki_push_streams: 1 });
  });

  it('0 turns the streams limit off', async () => {
    const { app, store } = await setup({ maxStreamsPerPush: 0 });
    expect((await push(app, JSON.stringify(streams(20)))).statusCode).toBe(204);
    expect(store.labelValues('job', all, end).length).toBe(20);
  });

  it('counts a body over the size limit (413) as body_size', async () => {
    const { app, refusals } = await setup({ maxPushBytes: 200 });
    const res = await push(app, JSON.stringify(streams(5)));
    expect([res.statusCode, res.body]).toEqual([413, 'request body too large: limit is 200 bytes\n']);
    expect(await refusals()).toEqual({ body_size: 1 });
  });

  it('counts a snappy body announcing more than 100 MiB as decompressed_size, not a corrupt one', async () => {
    const { app, refusals } = await setup();
    const proto = { 'content-type': 'application/x-protobuf' };
    const res = await push(app, Buffer.from([0x80, 0x80, 0x80, 0x80, 0x04]), proto);
    expect([res.statusCode, res.body]).toEqual([400, 'cannot decompress snappy body: snappy: decoded block is too large\n']);
    expect(await refusals()).toEqual({ decompressed_size: 1 });
    expect((await push(app, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), proto)).statusCode).toBe(400);
    expect(await refusals()).toEqual({ decompressed_size: 1 });
  });

  it("Loki's max_label_names_per_series (15) already applies and counts as a discard reason", async () => {
    const { app, store, discarded, refusals } = await setup();
    const labels = (n: number, job: string) => Object.fromEntries([['job', job], ...Array.from({ length: n - 1 }, (_, i) => [`l${String(i).padStart(2, '0')}`, 'v'])]);
    const ok = await push(app, JSON.stringify({ streams: [{ stream: labels(15, 'ok'), values: [[ns(NOW - 1000), 'a']] }] }));
    expect(ok.statusCode).toBe(204);
    const bad = await push(app, JSON.stringify({ streams: [{ stream: labels(16, 'bad'), values: [[ns(NOW - 1000), 'b']] }] }));
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/^entry for stream '\{job="bad", l00="v", .*\}' has 16 label names; limit 15\n$/);
    expect(store.labelValues('job', all, end)).toEqual(['ok']);
    expect(await discarded()).toEqual({ max_label_names_per_series: 1 });
    expect(await refusals()).toEqual({});
  });
});
