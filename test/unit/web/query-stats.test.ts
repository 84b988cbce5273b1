/**
 * `stats` on /api/v1/query and /api/v1/query_range: upstream's `data.stats` shape, per-step
 * counts only with `stats=all` and the `promql-per-step-stats` feature, the same counts whether
 * the query runs in-process or in a worker thread (the stats cross the worker boundary).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromObject } from '../../../src/model/labels.js';
import { Engine, type EngineOptions } from '../../../src/promql/index.js';
import { Head } from '../../../src/tsdb/head.js';
import { QueryPool } from '../../../src/web/query-pool.js';
import { buildApp } from '../../../src/web/server.js';

const head = new Head();
let pool: QueryPool;

beforeAll(() => {
  const a = head.appender();
  for (let s = 0; s < 3; s++) {
    const ref = a.seriesRef(fromObject({ __name__: 'm', s: String(s) }));
    for (let i = 0; i <= 40; i++) a.append(ref, i * 15_000, i);
  }
  a.commit();
  pool = new QueryPool({ storage: head, engine: { features: { perStepStats: true } }, maxConcurrency: 1 });
});

afterAll(() => pool.close());

async function app(engine: EngineOptions, worker: boolean) {
  return buildApp({
    listenAddress: '127.0.0.1:0',
    name: 'Test',
    enableLifecycle: false,
    isReady: () => true,
    apiV1: {
      storage: head,
      engine: new Engine(engine),
      ...(worker ? { queryRunner: pool } : {}),
      configText: () => '',
      flags: {},
      runtimeInfo: () => ({}),
      buildInfo: {},
    },
  });
}

async function get(engine: EngineOptions, worker: boolean, url: string): Promise<any> {
  const a = await app(engine, worker);
  try {
    const res = await a.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(200);
    return res.json();
  } finally {
    await a.close();
  }
}

const TIMINGS = ['evalTotalTime', 'resultSortTime', 'queryPreparationTime', 'innerEvalTime', 'execQueueTime', 'execTotalTime'];
const RANGE = '/api/v1/query_range?query=sum(rate(m[1m]))&start=300&end=480&step=60';

describe('query stats in the API', () => {
  it('has upstream shape: timings in seconds, then samples', async () => {
    const body = await get({}, false, '/api/v1/query?query=m&time=300&stats=1');
    expect(Object.keys(body.data)).toEqual(['resultType', 'result', 'stats']);
    expect(Object.keys(body.data.stats)).toEqual(['timings', 'samples']);
    expect(Object.keys(body.data.stats.timings)).toEqual(TIMINGS);
    for (const k of TIMINGS) {
      expect(typeof body.data.stats.timings[k]).toBe('number');
      expect(body.data.stats.timings[k]).toBeGreaterThanOrEqual(0);
    }
    const t = body.data.stats.timings;
    expect(t.evalTotalTime).toBeCloseTo(t.queryPreparationTime + t.innerEvalTime + t.resultSortTime, 9);
    expect(body.data.stats.samples).toEqual({ totalQueryableSamples: 3, peakSamples: 3 });
  });

  it('leaves stats out when the parameter is absent or empty', async () => {
    expect((await get({}, false, '/api/v1/query?query=m&time=300')).data.stats).toBeUndefined();
    expect((await get({}, false, '/api/v1/query?query=m&time=300&stats=')).data.stats).toBeUndefined();
  });

  it('gives per-step counts for stats=all only with promql-per-step-stats', async () => {
    // windows (t - 1m, t] hold 4 samples per series
    const off = await get({}, false, RANGE + '&stats=all');
    expect(off.data.stats.samples).toEqual({ totalQueryableSamples: 48, peakSamples: 48 });
    const on = await get({ features: { perStepStats: true } }, false, RANGE + '&stats=all');
    expect(on.data.stats.samples).toEqual({
      totalQueryableSamplesPerStep: [
        [300, 12],
        [360, 12],
        [420, 12],
        [480, 12],
      ],
      totalQueryableSamples: 48,
      peakSamples: 48,
    });
    const summary = await get({ features: { perStepStats: true } }, false, RANGE + '&stats=true');
    expect(summary.data.stats.samples).toEqual({ totalQueryableSamples: 48, peakSamples: 48 });
    const sub = await get({ features: { perStepStats: true } }, false, '/api/v1/query_range?query=m&start=300.5&end=361&step=60.5&stats=all');
    expect(sub.data.stats.samples.totalQueryableSamplesPerStep).toEqual([
      [300.5, 3],
      [361, 3],
    ]);
  });

  it('counts the same through a query worker', async () => {
    const direct = await get({ features: { perStepStats: true } }, false, RANGE + '&stats=all');
    const pooled = await get({ features: { perStepStats: true } }, true, RANGE + '&stats=all');
    expect(pooled.data.result).toEqual(direct.data.result);
    expect(pooled.data.stats.samples).toEqual(direct.data.stats.samples);
    expect(Object.keys(pooled.data.stats.timings)).toEqual(TIMINGS);
    expect(pooled.data.stats.timings.execTotalTime).toBeGreaterThanOrEqual(pooled.data.stats.timings.evalTotalTime);
  });
});
