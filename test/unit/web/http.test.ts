/**
 * The HTTP layer as Prometheus's and Alertmanager's Go servers behave (texts checked against
 * Prometheus 2.42 / Alertmanager 0.25 where they agree with 3.x): parameter precedence and body
 * kinds, error shapes for unreadable requests, 405s, long URLs and label names, API parameter
 * validation (times, steps, timeouts, limits), and Alertmanager's body checks.
 */
import { request } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromObject } from '../../../src/model/labels.js';
import { Engine } from '../../../src/promql/index.js';
import { Head } from '../../../src/tsdb/head.js';
import { buildApp } from '../../../src/web/server.js';
import { startAm, type Harness } from '../alertmanager/harness.js';

const LONG_NAME = 'l'.repeat(300);

let app: FastifyInstance;
let h: Harness;

beforeAll(async () => {
  const head = new Head();
  const a = head.appender();
  for (const [job, v] of [['api', 1], ['web', 2]] as const) {
    const ref = a.seriesRef(fromObject({ __name__: 'up', job, [LONG_NAME]: 'x' }));
    for (let t = 0; t <= 60; t += 15) a.append(ref, t * 1000, v);
  }
  a.commit();
  h = await startAm('route: {receiver: r}\nreceivers: [{name: r}]\n');
  app = await buildApp({
    listenAddress: '127.0.0.1:0',
    name: 'Test',
    enableLifecycle: false,
    isReady: () => true,
    alertmanager: h.am,
    apiV1: {
      storage: head,
      engine: new Engine(),
      configText: () => '',
      flags: {},
      runtimeInfo: () => ({}),
      buildInfo: {},
      scrape: {
        targetsApi: () => ({ activeTargets: [], droppedTargets: [] }),
        metadataApi: (metric, limit, limitPerMetric) => ({ args: [metric ?? null, limit ?? null, limitPerMetric ?? null] }),
      },
    },
  });
});

afterAll(async () => {
  await app.close();
  await h.am.stop();
});

const get = async (url: string) => {
  const r = await app.inject({ method: 'GET', url });
  return { status: r.statusCode, body: r.json() };
};
const bad = (error: string) => ({ status: 400, body: { status: 'error', errorType: 'bad_data', error } });
const form = 'application/x-www-form-urlencoded';

describe('parameters and bodies', () => {
  it('prefers url-encoded body values over the URL, URL values over multipart ones (Go r.FormValue)', async () => {
    const post = (payload: string, contentType: string) =>
      app.inject({ method: 'POST', url: '/api/v1/query?query=2&time=1', headers: { 'content-type': contentType }, payload });
    expect((await post('query=3', form)).json().data.result).toEqual([1, '3']);
    const multipart = '--b\r\nContent-Disposition: form-data; name="query"\r\n\r\n4\r\n--b\r\nContent-Disposition: form-data; name="time"\r\n\r\n5\r\n--b--\r\n';
    expect((await post(multipart, 'multipart/form-data; boundary=b')).json().data.result).toEqual([1, '2']);
    const onlyMultipart = await app.inject({
      method: 'POST',
      url: '/api/v1/query',
      headers: { 'content-type': 'multipart/form-data; boundary=b' },
      payload: multipart,
    });
    expect(onlyMultipart.json().data.result).toEqual([5, '4']);
    // Other bodies are ignored, as Go's form parsing ignores them.
    expect((await post('{"query":"9"}', 'application/json')).json().data.result).toEqual([1, '2']);
    expect((await post('query=9', 'text/plain')).json().data.result).toEqual([1, '2']);
    const series = await app.inject({ method: 'POST', url: '/api/v1/series?match[]=up%7Bjob%3D%22web%22%7D', headers: { 'content-type': form }, payload: 'match[]=up%7Bjob%3D%22api%22%7D' });
    expect(series.json().data.map((s: Record<string, string>) => s.job)).toEqual(['api', 'web']);
  });

  it('answers unreadable requests in the API error shape', async () => {
    const big = await app.inject({ method: 'POST', url: '/api/v1/series', headers: { 'content-type': form }, payload: 'match[]=up&x=' + 'a'.repeat(11 << 20) });
    expect({ status: big.statusCode, body: big.json() }).toEqual(bad('error parsing form values: http: POST too large'));
  });

  it('answers 405 for methods a route does not take and 204 for OPTIONS', async () => {
    for (const [method, url, allow] of [
      ['POST', '/api/v1/label/job/values', 'GET, OPTIONS'],
      ['DELETE', '/api/v1/query', 'GET, OPTIONS, POST'],
      ['PUT', '/api/v1/labels', 'GET, OPTIONS, POST'],
      ['HEAD', '/api/v1/targets', 'GET, OPTIONS'],
    ] as const) {
      const r = await app.inject({ method, url });
      expect([url, r.statusCode, r.headers.allow, method === 'HEAD' ? '' : r.body]).toEqual([url, 405, allow, method === 'HEAD' ? '' : 'Method Not Allowed\n']);
    }
    expect((await app.inject({ method: 'OPTIONS', url: '/api/v1/query' })).statusCode).toBe(204);
    expect((await app.inject({ method: 'PATCH', url: '/api/v1/nope' })).statusCode).toBe(404);
  });

  it('takes label names longer than 100 characters in paths', async () => {
    expect(await get(`/api/v1/label/${LONG_NAME}/values`)).toEqual({ status: 200, body: { status: 'success', data: ['x'] } });
  });
});

describe('query parameters', () => {
  it('reads times strictly (RFC 3339 with a zone, valid dates)', async () => {
    expect(await get('/api/v1/query?query=1&time=2023-02-30T00:00:00Z')).toEqual(
      bad(`invalid parameter "time": Invalid time value for 'time': cannot parse "2023-02-30T00:00:00Z" to a valid timestamp`),
    );
    expect(await get('/api/v1/query?query=1&time=2023-01-01T00:00:00')).toEqual(
      bad(`invalid parameter "time": Invalid time value for 'time': cannot parse "2023-01-01T00:00:00" to a valid timestamp`),
    );
    expect((await get('/api/v1/query?query=1&time=2023-01-01T01:00:00%2B01:00')).body.data.result).toEqual([1672531200, '1']);
    expect(await get('/api/v1/labels?start=x')).toEqual(bad(`invalid parameter "start": Invalid time value for 'start': cannot parse "x" to a valid timestamp`));
    expect(await get('/api/v1/query_range?query=1&start=x&end=1&step=1')).toEqual(bad('invalid parameter "start": cannot parse "x" to a valid timestamp'));
  });

  it('checks steps in nanoseconds as upstream', async () => {
    expect(await get('/api/v1/query_range?query=1&start=0&end=100000&step=0.0001')).toEqual(
      bad('exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)'),
    );
    expect(await get('/api/v1/query_range?query=1&start=0&end=100&step=1e300')).toEqual(
      bad('invalid parameter "step": cannot parse "1e300" to a valid duration. It overflows int64'),
    );
    expect(await get('/api/v1/query_range?query=1&start=0&end=1&step=-1')).toEqual(
      bad('invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer'),
    );
    expect(await get('/api/v1/query_range?query=1&start=0&end=0.001&step=0.0001')).toEqual({
      status: 422,
      body: { status: 'error', errorType: 'execution', error: 'unexpected error: runtime error: integer divide by zero' },
    });
    // …after the query is parsed, as upstream's engine fails only when it runs.
    expect(await get('/api/v1/query_range?query=sum(&start=0&end=0.001&step=0.0001')).toEqual(
      bad('invalid parameter "query": 1:5: parse error: unclosed left parenthesis'),
    );
    expect((await get('/api/v1/query_range?query=1&start=0&end=2&step=500ms')).body.data.result[0].values).toHaveLength(5);
  });

  it('validates timeouts and answers timeouts with 503', async () => {
    expect(await get('/api/v1/query?query=1&timeout=abc')).toEqual(bad('invalid parameter "timeout": cannot parse "abc" to a valid duration'));
    expect(await get('/api/v1/query_range?query=1&start=0&end=1&step=1&timeout=1e300')).toEqual(
      bad('invalid parameter "timeout": cannot parse "1e300" to a valid duration. It overflows int64'),
    );
    expect(await get('/api/v1/query?query=1&timeout=-1')).toEqual({
      status: 503,
      body: { status: 'error', errorType: 'timeout', error: 'query timed out in query execution' },
    });
    expect((await get('/api/v1/query?query=up&time=60&timeout=1m')).status).toBe(200);
    expect(await get('/api/v1/query?query=up&lookback_delta=x')).toEqual(bad('error parsing lookback delta duration: cannot parse "x" to a valid duration'));
  });

  it('reports an empty query as 3.x does ("unknown position")', async () => {
    expect(await get('/api/v1/query?query=')).toEqual(bad('invalid parameter "query": unknown position: parse error: no expression found in input'));
  });

  it('validates and applies limit parameters', async () => {
    const atoi = bad('invalid parameter "limit": strconv.Atoi: parsing "abc": invalid syntax');
    for (const path of ['/api/v1/labels', '/api/v1/label/job/values', '/api/v1/series?match[]=up&', '/api/v1/query?query=up&']) {
      const sep = path.endsWith('&') ? '' : '?';
      expect(await get(`${path}${sep}limit=abc`)).toEqual(atoi);
      expect(await get(`${path}${sep}limit=-1`)).toEqual(bad('invalid parameter "limit": limit must be non-negative'));
    }
    expect((await get('/api/v1/label/job/values?limit=1')).body).toEqual({ status: 'success', data: ['api'], warnings: ['results truncated due to limit'] });
    expect((await get('/api/v1/series?match[]=up&limit=1')).body.data).toHaveLength(1);
    const q = (await get('/api/v1/query?query=up&time=60&limit=1')).body;
    expect([q.data.result.length, q.warnings]).toEqual([1, ['results truncated due to limit']]);
    expect(await get('/api/v1/metadata?limit=abc')).toEqual(bad('limit must be a number'));
    expect(await get('/api/v1/metadata?limit_per_metric=1.5')).toEqual(bad('limit_per_metric must be a number'));
    expect((await get('/api/v1/metadata?metric=up&limit=2&limit_per_metric=-1')).body.data).toEqual({ args: ['up', 2, null] });
  });
});

describe('long requests over a real socket', () => {
  let base: { host: string; port: number };
  beforeAll(async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address();
    base = { host: '127.0.0.1', port: typeof addr === 'object' && addr ? addr.port : 0 };
  });

  const raw = (path: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ ...base, path, headers }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });

  it('accepts query strings of several hundred KB', async () => {
    const q = encodeURIComponent('1' + ' + 1'.repeat(50_000));
    expect(q.length).toBeGreaterThan(400_000);
    const r = await raw(`/api/v1/query?time=1&query=${q}`);
    expect([r.status, JSON.parse(r.body).data.result]).toEqual([200, [1, '50001']]);
  });

  it('answers headers over 1 MiB as Go does', async () => {
    const r = await raw('/api/v1/query?query=1', { 'x-big': 'x'.repeat(1_100_000) }).catch((e: Error) => ({ status: 0, body: e.message }));
    expect(r).toEqual({ status: 431, body: '431 Request Header Fields Too Large' });
  });
});

describe('Alertmanager API bodies', () => {
  const post = async (url: string, payload: string, contentType?: string) => {
    const r = await app.inject({ method: 'POST', url, payload, headers: contentType === undefined ? {} : { 'content-type': contentType } });
    return { status: r.statusCode, body: r.body === '' ? undefined : r.json() };
  };
  it('answers malformed JSON, other media types and empty bodies as Alertmanager', async () => {
    expect(await post('/api/v2/alerts', '{bad', 'application/json')).toEqual({
      status: 400,
      body: { code: 400, message: `parsing alerts body from "" failed, because invalid character 'b' looking for beginning of object key string` },
    });
    expect(await post('/api/v2/silences', '{"a":', 'application/json')).toEqual({
      status: 400,
      body: { code: 400, message: 'parsing silence body from "" failed, because unexpected EOF' },
    });
    expect(await post('/api/v2/alerts', '[]', 'text/plain')).toEqual({
      status: 415,
      body: { code: 415, message: 'unsupported media type "text/plain", only [application/json] are allowed' },
    });
    expect(await post('/api/v2/alerts', '[]', 'application/x-www-form-urlencoded')).toEqual({
      status: 415,
      body: { code: 415, message: 'unsupported media type "application/x-www-form-urlencoded", only [application/json] are allowed' },
    });
    expect(await post('/api/v2/alerts', '', 'application/json')).toEqual({ status: 422, body: { code: 602, message: 'alerts in body is required' } });
    expect(await post('/api/v2/silences', '  ', 'application/json')).toEqual({ status: 422, body: { code: 602, message: 'silence in body is required' } });
    expect(await post('/api/v2/status', '[]', 'text/plain')).toEqual({ status: 405, body: { code: 405, message: 'method POST is not allowed, but [GET] are' } });
    expect(await post('/api/v2/alerts', '[{"labels":{"a":"b"}}] trailing', 'application/json; charset=utf-8')).toEqual({ status: 200, body: undefined });
  });
});
