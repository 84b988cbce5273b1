/**
 * Limits: bounded decompression (zip bombs refused without inflating them), the request body
 * limit, and query timeout / max samples answered as Prometheus and counted.
 */
import { gzipSync, deflateSync } from 'node:zlib';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromObject } from '../../../src/model/labels.js';
import { Engine } from '../../../src/promql/index.js';
import { snappyEncode } from '../../../src/remote/snappy.js';
import { Head } from '../../../src/tsdb/head.js';
import { countingQueryRunner, countLimitRefusal, DecompressError, decompressBounded } from '../../../src/web/limits.js';
import { QueryPool } from '../../../src/web/query-pool.js';
import { buildApp } from '../../../src/web/server.js';

async function refusals(registry: Registry): Promise<Record<string, number>> {
  const m = registry.getSingleMetric('lookout_http_limit_refusals_total');
  if (!m) return {};
  return Object.fromEntries((await m.get()).values.map((v) => [String(v.labels.limit), v.value]));
}

function decompressError(f: () => unknown): DecompressError {
  try {
    f();
  } catch (e) {
    if (e instanceof DecompressError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('decompressBounded', () => {
  const text = Buffer.from('hello '.repeat(1000));

  it('decodes snappy, gzip, deflate and identity bodies that fit', () => {
    expect(decompressBounded(snappyEncode(text), 'snappy', text.length)).toEqual(text);
    expect(decompressBounded(gzipSync(text), 'GZIP', text.length)).toEqual(text);
    expect(decompressBounded(gzipSync(text), 'x-gzip', text.length)).toEqual(text);
    expect(decompressBounded(deflateSync(text), 'deflate', text.length)).toEqual(text);
    expect(decompressBounded(text, undefined, text.length)).toEqual(text);
    expect(decompressBounded(new Uint8Array([1, 2]), 'identity', 2)).toEqual(Buffer.from([1, 2]));
  });

  it('refuses a snappy body from its length header, before decoding', () => {
    // 5 bytes announcing 4 GiB - 1 of output.
    const bomb = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0]);
    const registry = new Registry();
    const e = decompressError(() => decompressBounded(bomb, 'snappy', 32 << 20, registry));
    expect([e.message, e.tooLarge]).toEqual([`decompressed body larger than ${32 << 20} bytes`, true]);
    expect(decompressError(() => decompressBounded(snappyEncode(text), 'snappy', text.length - 1)).tooLarge).toBe(true);
    return refusals(registry).then((r) => expect(r).toEqual({ decompressed_size: 1 }));
  });

  it('stops a gzip bomb at the bound', async () => {
    const bomb = gzipSync(Buffer.alloc(16 << 20));
    expect(bomb.length).toBeLessThan(32 << 10);
    const registry = new Registry();
    const e = decompressError(() => decompressBounded(bomb, 'gzip', 1 << 20, registry));
    expect([e.message, e.tooLarge]).toEqual([`decompressed body larger than ${1 << 20} bytes`, true]);
    expect(await refusals(registry)).toEqual({ decompressed_size: 1 });
  });

  it('tells corrupt input and unknown encodings from size refusals', () => {
    const corrupt = decompressError(() => decompressBounded(new Uint8Array([5, 0xff, 0xff]), 'snappy', 100));
    expect([corrupt.message, corrupt.tooLarge]).toEqual(['snappy: corrupt input', false]);
    expect(decompressError(() => decompressBounded(Buffer.from('not gzip'), 'gzip', 100)).tooLarge).toBe(false);
    const unknown = decompressError(() => decompressBounded(text, 'br', 1 << 20));
    expect([unknown.message, unknown.tooLarge]).toEqual(['unsupported Content-Encoding: br', false]);
    expect(decompressError(() => decompressBounded(text, '', 10)).tooLarge).toBe(true);
  });
});

describe('countLimitRefusal', () => {
  it('shares one counter per registry and ignores a missing registry', async () => {
    const registry = new Registry();
    countLimitRefusal(registry, 'body_size');
    countLimitRefusal(registry, 'body_size');
    countLimitRefusal(registry, 'query_timeout');
    countLimitRefusal(undefined, 'body_size');
    expect(await refusals(registry)).toEqual({ body_size: 2, query_timeout: 1 });
  });
});

describe('HTTP limits', () => {
  const head = new Head();
  const pools: QueryPool[] = [];
  beforeAll(() => {
    const a = head.appender();
    for (let s = 0; s < 50; s++) {
      const ref = a.seriesRef(fromObject({ __name__: 'm', s: String(s) }));
      for (let t = 0; t <= 600; t += 15) a.append(ref, t * 1000, s);
    }
    a.commit();
  });
  afterAll(async () => {
    for (const p of pools) await p.close();
  });

  async function app(engine: { maxSamples?: number; timeoutMs?: number }) {
    const registry = new Registry();
    const pool = new QueryPool({ storage: head, engine, maxConcurrency: 1 });
    pools.push(pool);
    const a = await buildApp({
      listenAddress: '127.0.0.1:0',
      name: 'Test',
      enableLifecycle: false,
      isReady: () => true,
      registry,
      apiV1: {
        storage: head,
        engine: new Engine(engine),
        queryRunner: countingQueryRunner(pool, registry, 3),
        configText: () => '',
        flags: {},
        runtimeInfo: () => ({}),
        buildInfo: {},
      },
    });
    return { app: a, registry };
  }

  it('refuses an oversized body as Go form parsing and counts it', async () => {
    const { app: a, registry } = await app({});
    const r = await a.inject({
      method: 'POST',
      url: '/api/v1/query',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `query=${'1+'.repeat(17 << 20)}1`,
    });
    expect([r.statusCode, r.json()]).toEqual([400, { status: 'error', errorType: 'bad_data', error: 'error parsing form values: http: POST too large' }]);
    expect(await refusals(registry)).toEqual({ body_size: 1 });
    await a.close();
  });

  it('answers --query.max-samples with 422 and Prometheus text, and counts it', async () => {
    const { app: a, registry } = await app({ maxSamples: 10 });
    const r = await a.inject({ method: 'GET', url: '/api/v1/query?query=sum(m)&time=600' });
    expect([r.statusCode, r.json()]).toEqual([
      422,
      { status: 'error', errorType: 'execution', error: 'query processing would load too many samples into memory in query execution' },
    ]);
    expect(await refusals(registry)).toEqual({ query_max_samples: 1 });
    const metrics = await registry.metrics();
    expect(metrics).toContain('prometheus_engine_queries 0');
    expect(metrics).toContain('prometheus_engine_queries_concurrent_max 3');
    await a.close();
  });

  it('answers --query.timeout with 503 errorType timeout, and counts it', async () => {
    const { app: a, registry } = await app({ timeoutMs: 1 });
    const r = await a.inject({ method: 'GET', url: '/api/v1/query_range?query=sum(m)&start=0&end=600&step=1' });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toMatchObject({ status: 'error', errorType: 'timeout' });
    expect(r.json().error).toMatch(/^query timed out in (query queue|expression evaluation|query execution)$/);
    expect(await refusals(registry)).toEqual({ query_timeout: 1 });
    await a.close();
  });
});
