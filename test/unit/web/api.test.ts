/**
 * The web layer without processes: JSON encoding of query results, and the /api/v1 routes over a
 * real Head and Engine through fastify's inject (shapes, parameters, status codes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { fromObject } from '../../../src/model/labels.js';
import { STALE_NAN } from '../../../src/model/value.js';
import { Engine } from '../../../src/promql/index.js';
import { Head } from '../../../src/tsdb/head.js';
import { resultJson, secondsText } from '../../../src/web/encode.js';
import { buildApp } from '../../../src/web/server.js';

describe('encoding', () => {
  it('writes timestamps as Prometheus does', () => {
    expect(secondsText(1_700_000_000_970)).toBe('1700000000.970');
    expect(secondsText(1_700_000_000_005)).toBe('1700000000.005');
    expect(secondsText(60_000)).toBe('60');
    expect(secondsText(-1500)).toBe('-1.500');
  });
  it('writes each result type', () => {
    const ls = fromObject({ __name__: 'up', job: 'a"b' });
    expect(resultJson({ type: 'scalar', t: 1000, v: 0.5 })).toBe('[1,"0.5"]');
    expect(resultJson({ type: 'string', t: 1000, v: 'x"y' })).toBe('[1,"x\\"y"]');
    expect(resultJson({ type: 'vector', samples: [{ labels: ls, t: 2500, v: Infinity }] })).toBe(
      '[{"metric":{"__name__":"up","job":"a\\"b"},"value":[2.500,"+Inf"]}]',
    );
    const ts = new Float64Array([1000, 2000]);
    const vs = new Float64Array([1, NaN]);
    expect(resultJson({ type: 'matrix', series: [{ labels: ls, ts, vs }, { labels: [], ts, vs }] })).toBe(
      '[{"metric":{"__name__":"up","job":"a\\"b"},"values":[[1,"1"],[2,"NaN"]]},{"metric":{},"values":[[1,"1"],[2,"NaN"]]}]',
    );
  });

  it('formats repeated values alike, keeping values of different bits apart (cached texts)', () => {
    // 20,000 distinct values (more than the text cache holds), each twice, then -0 after 0.
    const n = 20_000;
    const vs = new Float64Array(2 * n + 2);
    for (let i = 0; i < n; i++) vs[i] = vs[n + i] = i / 3 + 1e-7 * i;
    vs[2 * n + 1] = -0;
    const ts = new Float64Array(vs.length).map((_, i) => i * 1000);
    const want = Array.from(vs, (v, i) => `[${i},"${Object.is(v, -0) ? '-0' : v === 0 ? '0' : String(v)}"]`).join(',');
    expect(resultJson({ type: 'matrix', series: [{ labels: [], ts, vs }] })).toBe(`[{"metric":{},"values":[${want}]}]`);
    const none = new Float64Array(0);
    expect(resultJson({ type: 'matrix', series: [{ labels: [], ts: none, vs: none }] })).toBe('[{"metric":{},"values":[]}]');
    const samples = [0, -0, 0.1, 0.1].map((v) => ({ labels: [], t: 0, v }));
    expect(resultJson({ type: 'vector', samples })).toBe(
      '[{"metric":{},"value":[0,"0"]},{"metric":{},"value":[0,"-0"]},{"metric":{},"value":[0,"0.1"]},{"metric":{},"value":[0,"0.1"]}]',
    );
  });
});

describe('/api/v1 over a head', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    const head = new Head();
    const a = head.appender();
    for (const [job, values] of [['api', [1, 2, 3]], ['web', [10, 20, 30]]] as const) {
      const ref = a.seriesRef(fromObject({ __name__: 'requests_total', job }));
      values.forEach((v, i) => a.append(ref, (i + 1) * 15_000, v));
    }
    const gone = a.seriesRef(fromObject({ __name__: 'gone', job: 'api' }));
    a.append(gone, 15_000, 1);
    a.append(gone, 30_000, STALE_NAN);
    a.commit();
    app = await buildApp({
      listenAddress: '127.0.0.1:0',
      name: 'Test',
      enableLifecycle: false,
      isReady: () => true,
      apiV1: {
        storage: head,
        engine: new Engine(),
        configText: () => 'global: {}\n',
        flags: { 'web.enable-lifecycle': 'false' },
        runtimeInfo: () => ({ storageRetention: '15d' }),
        buildInfo: { version: 'test' },
      },
    });
  });
  afterAll(() => app.close());

  const get = async (url: string) => {
    const r = await app.inject({ method: 'GET', url });
    return { status: r.statusCode, body: r.json() };
  };

  it('answers instant queries', async () => {
    expect(await get('/api/v1/query?query=sum(requests_total)&time=45')).toEqual({
      status: 200,
      body: { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [45, '33'] }] } },
    });
  });

  it('takes form-encoded POST bodies', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/query',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'query=requests_total%7Bjob%3D%22web%22%7D&time=30',
    });
    expect(r.json().data.result).toEqual([{ metric: { __name__: 'requests_total', job: 'web' }, value: [30, '20'] }]);
  });

  it('answers range queries, ending series at staleness markers', async () => {
    const r = await get('/api/v1/query_range?query=gone&start=15&end=45&step=15');
    expect(r.body.data).toEqual({ resultType: 'matrix', result: [{ metric: { __name__: 'gone', job: 'api' }, values: [[15, '1']] }] });
  });

  it('lists series, label names and values', async () => {
    expect((await get('/api/v1/series?match[]=requests_total')).body.data).toEqual([
      { __name__: 'requests_total', job: 'api' },
      { __name__: 'requests_total', job: 'web' },
    ]);
    expect((await get('/api/v1/labels')).body.data).toEqual(['__name__', 'job']);
    expect((await get('/api/v1/label/job/values?match[]=gone')).body.data).toEqual(['api']);
    expect((await get('/api/v1/label/__name__/values?limit=1')).body.data).toEqual(['gone']);
  });

  it('reports bad input as Prometheus does', async () => {
    expect(await get('/api/v1/query?query=rate(requests_total)')).toEqual({
      status: 400,
      body: {
        status: 'error',
        errorType: 'bad_data',
        error: 'invalid parameter "query": 1:6: parse error: expected type range vector in call to function "rate", got instant vector',
      },
    });
    expect((await get('/api/v1/series?match[]=%7B')).status).toBe(400);
    expect((await get('/api/v1/rules?type=bogus')).body.error).toBe('invalid parameter "type": not supported value "bogus"');
    const dup = await get('/api/v1/query?query=changes(%7B__name__%3D~%22requests_total%7Cgone%22%7D%5B1h%5D)&time=45');
    expect(dup.status).toBe(422);
    expect(dup.body.errorType).toBe('execution');
    expect((await app.inject({ method: 'GET', url: '/api/v1/nope' })).statusCode).toBe(404);
  });

  it('serves status and lifecycle endpoints', async () => {
    expect((await get('/api/v1/status/buildinfo')).body.data).toEqual({ version: 'test' });
    expect((await get('/api/v1/status/config')).body.data).toEqual({ yaml: 'global: {}\n' });
    const reload = await app.inject({ method: 'POST', url: '/-/reload' });
    expect(reload.statusCode).toBe(403);
    expect(reload.body).toBe('Lifecycle API is not enabled.');
    expect((await app.inject({ method: 'GET', url: '/-/ready' })).body).toBe('Test is Ready.\n');
  });
});
