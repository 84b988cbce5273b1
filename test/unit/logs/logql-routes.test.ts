import Fastify, { type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { registerLokiQueryRoutes } from '../../../src/web/loki-query.js';
import { MemoryLogs } from './logql-memory-reader.js';

const T0 = 1_700_000_000_000;
let app: FastifyInstance | null = null;

afterEach(async () => {
  await app?.close();
  app = null;
});

async function setup(logs: MemoryLogs, withPlugin = true, queryTimeoutMs?: number): Promise<FastifyInstance> {
  app = Fastify();
  if (withPlugin) await app.register(websocket);
  registerLokiQueryRoutes(app, { reader: logs, tail: logs, now: () => T0 + 60_000, ...(queryTimeoutMs !== undefined ? { queryTimeoutMs } : {}) });
  await app.ready();
  return app;
}

function sample(): MemoryLogs {
  return new MemoryLogs()
    .add({ app: 'api' }, [
      { ms: T0 + 1000, nanos: 5, line: 'level=error msg=boom' },
      { ms: T0 + 2000, line: 'level=info msg=ok' },
      { ms: T0 + 3000, line: 'level=error msg=again' },
    ])
    .add({ app: 'web' }, [{ ms: T0 + 1500, line: 'level=info msg=web' }]);
}

describe('query_range', () => {
  it('returns streams with nanosecond timestamps, backward by default, and stats', async () => {
    const a = await setup(sample());
    const res = await a.inject({ url: `/loki/api/v1/query_range?query=${encodeURIComponent('{app="api"} |= "error"')}&start=${T0}000000&end=${T0 + 10_000}000000` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = res.json();
    expect(body.status).toBe('success');
    expect(body.data.resultType).toBe('streams');
    expect(body.data.result).toEqual([
      {
        stream: { app: 'api' },
        values: [
          [`${T0 + 3000}000000`, 'level=error msg=again'],
          [`${T0 + 1000}000005`, 'level=error msg=boom'],
        ],
      },
    ]);
    expect(body.data.stats.summary.totalLinesProcessed).toBe(3);
    expect(body.data.stats.summary.totalBytesProcessed).toBe(58);
    expect(body.data.stats.summary.totalEntriesReturned).toBe(2);
  });

  it('honours limit and direction=forward over all streams', async () => {
    const a = await setup(sample());
    const res = await a.inject({ url: `/loki/api/v1/query_range?query=${encodeURIComponent('{app=~"api|web"}')}&start=${T0}&end=${(T0 + 10_000) / 1000}.0&limit=2&direction=FORWARD` });
    expect(res.json().data.result).toEqual([
      { stream: { app: 'api' }, values: [[`${T0 + 1000}000005`, 'level=error msg=boom']] },
      { stream: { app: 'web' }, values: [[`${T0 + 1500}000000`, 'level=info msg=web']] },
    ]);
  });

  it('accepts a url-encoded POST body and RFC 3339 times', async () => {
    const a = await setup(sample());
    const form = new URLSearchParams({
      query: 'sum by (level) (count_over_time({app="api"} | logfmt [2s]))',
      start: new Date(T0 + 2000).toISOString(),
      end: new Date(T0 + 4000).toISOString(),
      step: '1s',
    });
    const res = await a.inject({ method: 'POST', url: '/loki/api/v1/query_range', payload: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.statusCode).toBe(200);
    const s = T0 / 1000;
    expect(res.json().data).toMatchObject({
      resultType: 'matrix',
      result: [
        { metric: { level: 'error' }, values: [[s + 2, '1'], [s + 3, '2'], [s + 4, '1']] },
        { metric: { level: 'info' }, values: [[s + 2, '1'], [s + 3, '1']] },
      ],
    });
  });

  it('computes the default step as max(floor(range/250), 1) seconds', async () => {
    const a = await setup(sample());
    const res = await a.inject({ url: `/loki/api/v1/query_range?query=${encodeURIComponent('count_over_time({app="api"}[1h])')}&start=${T0 / 1000}&end=${T0 / 1000 + 1000}` });
    const values = res.json().data.result[0].values as [number, string][];
    expect(values[1]![0] - values[0]![0]).toBe(4);
    expect(values[0]).toEqual([T0 / 1000 + 4, '3']);
    expect(values.length).toBe(250);
  });

  it('answers parse errors with 400 and plain text', async () => {
    const a = await setup(sample());
    const res = await a.inject({ url: `/loki/api/v1/query_range?query=${encodeURIComponent('{app="api"} |= ')}` });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.body).toBe('parse error at line 1, col 16: syntax error: unexpected $end, expecting STRING\n');
  });

  it('rejects bad parameters as Loki does', async () => {
    const a = await setup(sample());
    const q = encodeURIComponent('{app="api"}');
    const cases: [string, string][] = [
      [`start=${T0 + 10}&end=${T0}`, 'end timestamp must not be before or equal to start time'],
      [`limit=-1`, 'limit must be a positive value'],
      [`limit=5001`, 'max entries limit per query exceeded, limit > max_entries_limit (5001 > 5000)'],
      [`direction=up`, "invalid direction 'up'"],
      [`step=0`, 'zero or negative query resolution step widths are not accepted. Try a positive integer'],
      [`start=0&end=100000&step=1`, 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)'],
      [`start=abc`, 'strconv.ParseInt: parsing "abc": invalid syntax'],
    ];
    for (const [qs, msg] of cases) {
      const res = await a.inject({ url: `/loki/api/v1/query_range?query=${q}&${qs}` });
      expect([res.statusCode, res.body]).toEqual([400, `${msg}\n`]);
    }
  });

  it('reports pipeline errors with 400', async () => {
    const a = await setup(sample());
    const res = await a.inject({ url: `/loki/api/v1/query_range?query=${encodeURIComponent('count_over_time({app="api"} | json [1m])')}&start=${T0}000000&end=${T0 + 10_000}000000` });
    expect(res.statusCode).toBe(400);
    expect(res.body.startsWith("pipeline error: 'JSONParserErr' for series: '{__error__=\"JSONParserErr\"")).toBe(true);
  });

  it('refuses metric results over 500 series', async () => {
    const logs = new MemoryLogs();
    for (let i = 0; i < 501; i++) logs.add({ app: 'many', pod: `p${i}` }, [{ ms: T0 + 1000, line: 'x' }]);
    const a = await setup(logs);
    const q = encodeURIComponent('count_over_time({app="many"}[1m])');
    const ok = await a.inject({ url: `/loki/api/v1/query_range?query=${encodeURIComponent('sum(count_over_time({app="many"}[1m]))')}&start=${T0}000000&end=${T0 + 10_000}000000&step=5` });
    expect(ok.json().data.result[0].values[0]).toEqual([T0 / 1000 + 5, '501']);
    const res = await a.inject({ url: `/loki/api/v1/query_range?query=${q}&start=${T0}000000&end=${T0 + 10_000}000000&step=5` });
    expect([res.statusCode, res.body]).toEqual([400, 'maximum of series (500) reached for a single query\n']);
  });
});

describe('timeouts', () => {
  it('answers 504 with Loki\'s text once the query runs past its timeout', async () => {
    const logs = new MemoryLogs().add({ app: 'big' }, Array.from({ length: 5000 }, (_, i) => ({ ms: T0 + i, line: `line ${i}` })));
    const a = await setup(logs, true, -1);
    const res = await a.inject({ url: `/loki/api/v1/query_range?query=${encodeURIComponent('{app="big"} |= "nope"')}&start=${T0}000000&end=${T0 + 10_000}000000` });
    expect([res.statusCode, res.body]).toEqual([
      504,
      'Request timed out, decrease the duration of the request or add more label matchers (prefer exact match over regex match) to reduce the amount of data processed.\n',
    ]);
  });
});

describe('query', () => {
  it('returns a vector at time', async () => {
    const a = await setup(sample());
    const res = await a.inject({ url: `/loki/api/v1/query?query=${encodeURIComponent('sum(count_over_time({app=~".+"}[10s])) by (app)')}&time=${T0 + 5000}000000` });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({
      resultType: 'vector',
      result: [
        { metric: { app: 'api' }, value: [(T0 + 5000) / 1000, '3'] },
        { metric: { app: 'web' }, value: [(T0 + 5000) / 1000, '1'] },
      ],
    });
  });

  it('returns a scalar for a literal and refuses log queries', async () => {
    const a = await setup(sample());
    const lit = await a.inject({ url: `/loki/api/v1/query?query=${encodeURIComponent('2 * 3')}&time=${T0 / 1000}` });
    expect(lit.json().data).toMatchObject({ resultType: 'scalar', result: [T0 / 1000, '6'] });
    const log = await a.inject({ url: `/loki/api/v1/query?query=${encodeURIComponent('{app="api"}')}` });
    expect([log.statusCode, log.body]).toEqual([400, 'log queries are not supported as an instant query type, please change your query to a range query type\n']);
  });
});

describe('tail', () => {
  it('sends recent entries, then new matching entries as frames', async () => {
    const logs = sample();
    const a = await setup(logs);
    const frames: unknown[] = [];
    let gotFirst!: () => void;
    let gotSecond!: () => void;
    const first = new Promise<void>((r) => (gotFirst = r));
    const second = new Promise<void>((r) => (gotSecond = r));
    const onInit = (socket: WebSocket) =>
      socket.on('message', (d) => {
        frames.push(JSON.parse(String(d)));
        if (frames.length === 1) gotFirst();
        if (frames.length === 2) gotSecond();
      });
    const ws = await a.injectWS(`/loki/api/v1/tail?query=${encodeURIComponent('{app="api"} |= "error" | logfmt | keep level')}&start=${T0}000000`, {}, { onInit });
    await first;
    logs.add({ app: 'api' }, [
      { ms: T0 + 70_000, line: 'level=info msg=skip' },
      { ms: T0 + 71_000, nanos: 7, line: 'level=error msg=live' },
    ]);
    await second;
    expect(frames[0]).toEqual({
      streams: [{ stream: { level: 'error' }, values: [[`${T0 + 1000}000005`, 'level=error msg=boom'], [`${T0 + 3000}000000`, 'level=error msg=again']] }],
      dropped_entries: null,
    });
    expect(frames[1]).toEqual({ streams: [{ stream: { level: 'error' }, values: [[`${T0 + 71_000}000007`, 'level=error msg=live']] }], dropped_entries: null });
    ws.terminate();
    await new Promise((r) => setTimeout(r, 20));
    expect(logs.listenerCount).toBe(0);
  });

  it('closes the socket with the error for a bad query', async () => {
    const a = await setup(sample());
    let closed!: (v: [number, string]) => void;
    const done = new Promise<[number, string]>((r) => (closed = r));
    await a.injectWS(`/loki/api/v1/tail?query=${encodeURIComponent('{app=')}`, {}, { onInit: (ws) => ws.on('close', (c, r) => closed([c, String(r)])) });
    const [code, reason] = await done;
    expect(code).toBe(1011);
    expect(reason).toBe('parse error at line 1, col 6: syntax error: unexpected $end, expecting STRING');
  });

  it('registers @fastify/websocket itself when the app lacks it', async () => {
    const logs = sample();
    const a = await setup(logs, false);
    const address = await a.listen({ host: '127.0.0.1', port: 0 });
    const ws = new WebSocket(`${address.replace('http', 'ws')}/loki/api/v1/tail?query=${encodeURIComponent('{app="web"}')}&start=${T0}000000`);
    const frame = await new Promise<unknown>((resolve, reject) => {
      ws.on('message', (d) => resolve(JSON.parse(String(d))));
      ws.on('error', reject);
    });
    expect(frame).toEqual({ streams: [{ stream: { app: 'web' }, values: [[`${T0 + 1500}000000`, 'level=info msg=web']] }], dropped_entries: null });
    ws.close();
  });
});
