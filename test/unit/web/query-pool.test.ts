/**
 * The query pool: worker threads answer exactly as the in-process engine (including selections
 * served in time slices and merged back), evaluate expressions too deep for the main thread's
 * stack, keep to deadlines (in evaluation and in the queue), and survive a query that exhausts
 * a worker's heap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromObject } from '../../../src/model/labels.js';
import { Engine, PromQLError } from '../../../src/promql/index.js';
import { Head } from '../../../src/tsdb/head.js';
import { executeQuery, type QueryRequest } from '../../../src/web/query-exec.js';
import { QueryPool } from '../../../src/web/query-pool.js';
import { buildApp } from '../../../src/web/server.js';

const STEP = 15_000;
/** 6 h of samples every 15 s for 20 series: selections over > 1 h are served in several slices. */
const POINTS = (6 * 3_600_000) / STEP;
const head = new Head();
let pool: QueryPool;

const instant = (query: string, t: number, extra: Partial<QueryRequest> = {}): QueryRequest => ({
  kind: 'instant',
  query,
  start: t,
  end: t,
  step: 0,
  deadline: Infinity,
  lookbackDeltaMs: 0,
  limit: 0,
  ...extra,
});

async function failure(p: Promise<unknown>): Promise<PromQLError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof PromQLError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

/** A range query that runs for seconds: a median over a 6 h window at each of 1,441 steps. */
const slow = (deadline: number): QueryRequest => ({
  kind: 'range',
  query: 'quantile_over_time(0.5, m[6h])',
  start: 0,
  end: POINTS * STEP,
  step: STEP,
  deadline,
  lookbackDeltaMs: 0,
  limit: 0,
});

beforeAll(() => {
  const a = head.appender();
  for (let s = 0; s < 20; s++) {
    const ref = a.seriesRef(fromObject({ __name__: 'm', series: String(s) }));
    for (let i = 0; i <= POINTS; i++) a.append(ref, i * STEP, i * (s + 1) + (i % 7) * 0.25);
  }
  a.commit();
  pool = new QueryPool({ storage: head, engine: {}, maxConcurrency: 1 });
});

afterAll(() => pool.close());

describe('query pool', () => {
  it('answers as the in-process engine, also for selections served in slices', async () => {
    const engine = new Engine();
    const end = POINTS * STEP;
    const reqs: QueryRequest[] = [
      instant('m{series="3"}', end),
      instant('sum by (series) (count_over_time(m[6h]))', end),
      instant('m[2h]', end - 60_000),
      { kind: 'range', query: 'rate(m[5m])', start: 0, end, step: 60_000, deadline: Infinity, lookbackDeltaMs: 0, limit: 0 },
      { kind: 'range', query: 'm', start: 0, end, step: 600_000, deadline: Infinity, lookbackDeltaMs: 0, limit: 3 },
    ];
    for (const r of reqs) expect(await pool.run(r)).toBe(executeQuery(engine, head, r));
    expect(JSON.parse(await pool.run(instant('count_over_time(m[6h])', end))).data.result[0].value[1]).toBe(String(POINTS));
  });

  it('evaluates nesting deeper than the main thread could', async () => {
    const deep = 'abs('.repeat(10_000) + 'vector(1)' + ')'.repeat(10_000);
    expect(JSON.parse(await pool.run(instant(deep, 0))).data.result).toEqual([{ metric: {}, value: [0, '1'] }]);
    const sums = 'sum('.repeat(5_000) + 'm' + ')'.repeat(5_000);
    expect(JSON.parse(await pool.run(instant(sums, POINTS * STEP))).data.result).toHaveLength(1);
  });

  it('reports query errors with their type', async () => {
    const e = await failure(pool.run(instant('rate(m)', 0)));
    expect([e.type, e.message]).toEqual(['bad_data', '1:6: parse error: expected type range vector in call to function "rate", got instant vector']);
  });

  it('stops a query at its deadline, times out queued queries, and goes on serving', async () => {
    const running = pool.run(slow(Date.now() + 300));
    const queued = pool.run(instant('1', 0, { deadline: Date.now() + 100 }));
    const [e1, e2] = await Promise.all([failure(running), failure(queued)]);
    expect([e1.type, e1.message]).toEqual(['timeout', 'query timed out in expression evaluation']);
    expect([e2.type, e2.message]).toEqual(['timeout', 'query timed out in query queue']);
    expect(await pool.run(instant('1', 0))).toBe('{"status":"success","data":{"resultType":"scalar","result":[0,"1"]}}');
  });

  it('serves the API routes when given to the web server', async () => {
    const app = await buildApp({
      listenAddress: '127.0.0.1:0',
      name: 'Test',
      enableLifecycle: false,
      isReady: () => true,
      apiV1: { storage: head, engine: new Engine(), queryRunner: pool, configText: () => '', flags: {}, runtimeInfo: () => ({}), buildInfo: {} },
    });
    try {
      const ok = await app.inject({ method: 'GET', url: '/api/v1/query_range?query=sum(m)&start=0&end=30&step=15' });
      expect(ok.json()).toEqual({ status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values: [[0, '0'], [15, '215'], [30, '430']] }] } });
      const bad = await app.inject({ method: 'GET', url: '/api/v1/query?query=sum(' });
      expect([bad.statusCode, bad.json().error]).toEqual([400, 'invalid parameter "query": 1:5: parse error: unclosed left parenthesis']);
      const late = await app.inject({ method: 'GET', url: '/api/v1/query?query=1&timeout=0' });
      expect([late.statusCode, late.json()]).toEqual([503, { status: 'error', errorType: 'timeout', error: 'query timed out in query queue' }]);
    } finally {
      await app.close();
    }
  });

  it('survives a query that exhausts its worker heap', async () => {
    // 3,000 series × 361 points: some 15 MB of response JSON, built from a million strings.
    const big = new Head();
    const a = big.appender();
    const refs = Array.from({ length: 3000 }, (_, s) => a.seriesRef(fromObject({ __name__: 'big', series: String(s) })));
    for (let i = 0; i <= 360; i++) for (let s = 0; s < refs.length; s++) a.append(refs[s]!, i * 60_000, i + s);
    a.commit();
    const small = new QueryPool({ storage: big, engine: {}, maxConcurrency: 1, heapLimitMb: 16 });
    try {
      const all = { kind: 'range', query: 'big', start: 0, end: 360 * 60_000, step: 60_000, deadline: Infinity, lookbackDeltaMs: 0, limit: 0 } as const;
      const e = await failure(small.run(all));
      expect([e.type, e.message]).toEqual(['execution', 'query processing ran out of memory in query execution (query worker heap limit 16 MiB)']);
      expect(await small.run(instant('1', 0))).toBe('{"status":"success","data":{"resultType":"scalar","result":[0,"1"]}}');
    } finally {
      await small.close();
    }
  });
});
