/**
 * Lifecycle and admin endpoints are off unless their upstream flags enable them, and answer as
 * Prometheus 2.42 does when off (checked side by side with /usr/bin/prometheus): `/-/reload` and
 * `/-/quit` 403 `Lifecycle API is not enabled.`, `/api/v1/admin/tsdb/*` 500 `unavailable`
 * `admin APIs disabled`, `/api/v1/write` 404 with the flag to set.
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../../src/promql/index.js';
import { Head } from '../../../src/tsdb/head.js';
import { buildApp } from '../../../src/web/server.js';

async function app(on: boolean) {
  let reloaded = 0;
  let quit = 0;
  const a = await buildApp({
    listenAddress: '127.0.0.1:0',
    name: 'Test',
    enableLifecycle: on,
    reload: async () => void reloaded++,
    quit: () => void quit++,
    isReady: () => true,
    apiV1: {
      storage: new Head(),
      engine: new Engine(),
      configText: () => '',
      flags: {},
      runtimeInfo: () => ({}),
      buildInfo: {},
      ...(on ? { admin: { deleteSeries: async () => undefined, cleanTombstones: async () => undefined, snapshot: async () => 'snap' } } : {}),
    },
    remote: on ? { write: () => ({ status: 204, headers: {}, body: '' }) } : {},
  });
  return { app: a, counts: () => ({ reloaded, quit }) };
}

describe('endpoints off by default', () => {
  it('lifecycle endpoints answer 403 without --web.enable-lifecycle and do nothing', async () => {
    const { app: a, counts } = await app(false);
    for (const url of ['/-/reload', '/-/quit']) {
      for (const method of ['POST', 'PUT'] as const) {
        const r = await a.inject({ method, url });
        expect([url, method, r.statusCode, r.body]).toEqual([url, method, 403, 'Lifecycle API is not enabled.']);
      }
    }
    expect(counts()).toEqual({ reloaded: 0, quit: 0 });
    await a.close();
  });

  it('TSDB admin endpoints answer 500 unavailable without --web.enable-admin-api', async () => {
    const { app: a } = await app(false);
    for (const path of ['delete_series?match[]=up', 'clean_tombstones', 'snapshot']) {
      const r = await a.inject({ method: 'POST', url: `/api/v1/admin/tsdb/${path}` });
      expect([path, r.statusCode, r.json()]).toEqual([path, 500, { status: 'error', errorType: 'unavailable', error: 'admin APIs disabled' }]);
    }
    await a.close();
  });

  it('the remote-write receiver answers 404 without --web.enable-remote-write-receiver', async () => {
    const { app: a } = await app(false);
    const r = await a.inject({ method: 'POST', url: '/api/v1/write', headers: { 'content-type': 'application/x-protobuf' }, payload: Buffer.from([1, 2, 3]) });
    expect([r.statusCode, r.body]).toEqual([404, 'remote write receiver needs to be enabled with --web.enable-remote-write-receiver\n']);
    await a.close();
  });

  it('each works once enabled', async () => {
    const { app: a, counts } = await app(true);
    expect((await a.inject({ method: 'POST', url: '/-/reload' })).statusCode).toBe(200);
    expect(counts().reloaded).toBe(1);
    expect((await a.inject({ method: 'POST', url: '/api/v1/admin/tsdb/snapshot' })).json()).toEqual({ status: 'success', data: { name: 'snap' } });
    expect((await a.inject({ method: 'POST', url: '/api/v1/write', payload: Buffer.from([1]), headers: { 'content-type': 'application/x-protobuf' } })).statusCode).toBe(204);
    await a.close();
  });
});
