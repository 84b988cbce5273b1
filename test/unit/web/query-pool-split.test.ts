/**
 * The query pool lending an idle worker to another's range function (range-split.ts): answers
 * equal the in-process engine's byte for byte while the second worker helps, when it gets a query
 * of its own in the middle, when it is busy, and when it is terminated during a query.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compare, fromObject } from '../../../src/model/labels.js';
import { Engine, PromQLError } from '../../../src/promql/index.js';
import { TSDB } from '../../../src/tsdb/db.js';
import { executeQuery, type QueryRequest } from '../../../src/web/query-exec.js';
import { QueryPool } from '../../../src/web/query-pool.js';
import { CaptureLogger, writeTestBlock, type TestSeries } from '../tsdb/support.js';
import { rangeRequest } from './requests.js';

const MIN = 60_000;
const H = 60 * MIN;
/** A 2 h boundary. */
const T0 = 236_000 * 2 * H;
/** 600 counters (3 codes) and 300 buckets, every 15 s over 2 h in a block, then 1 h in the head. */
const COUNTERS = 600;
let dir: string;
let db: TSDB;
let pool: QueryPool;
const engine = new Engine();

const range = (query: string, start = T0 + H, end = T0 + 170 * MIN, step = 15_000): QueryRequest => rangeRequest(query, start, end, step);

const queries = (): QueryRequest[] => [
  range('sum by (code) (rate(req_total[5m]))'),
  range('histogram_quantile(0.95, sum by (le) (rate(lat_bucket[5m])))'),
  range('avg without (inst) (increase(req_total[10m]))'),
  range('rate(req_total{code="500"}[5m])'),
  // Within the block alone.
  range('sum by (code) (rate(req_total[5m]))', T0 + 10 * MIN, T0 + 110 * MIN),
  { ...range('max(max_over_time(req_total[1h]))', T0 + 150 * MIN, T0 + 150 * MIN, 0), kind: 'instant' },
];

const counter = (i: number): string[] => [...fromObject({ __name__: 'req_total', code: String(200 + (i % 3) * 100), inst: `i${String(i).padStart(4, '0')}` })];
const bucket = (i: number): string[] => [...fromObject({ __name__: 'lat_bucket', le: String(i % 30), inst: `i${Math.floor(i / 30)}` })];

/** The pool's worker of slot `i` (to terminate it). */
const workerOf = (p: QueryPool, i: number): Worker | null => (p as unknown as { slots: { worker: Worker | null }[] }).slots[i]!.worker;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-pool-split-'));
  const series: TestSeries[] = [];
  for (let i = 0; i < COUNTERS; i++) series.push([counter(i), T0 + (i % 13) * 1000, 15_000, 480, (k) => k * (1 + (i % 7)) + (k > 400 && i % 10 === 0 ? -100 : 0)]);
  for (let i = 0; i < 300; i++) series.push([bucket(i), T0, 15_000, 480, (k) => k * (i % 30)]);
  series.sort((a, b) => compare(a[0], b[0]));
  writeTestBlock(dir, T0, T0 + 2 * H, series);
  db = TSDB.open({ dir, log: new CaptureLogger(), now: () => T0 + 3 * H });
  const a = db.appender();
  for (let k = 0; k < 240; k++) {
    for (let i = 0; i < COUNTERS; i += 2) a.append(a.seriesRef(counter(i)), T0 + 2 * H + k * 15_000, 10_000 + k * i);
  }
  a.commit();
  pool = new QueryPool({ storage: db, engine: {}, maxConcurrency: 2 });
});

afterAll(async () => {
  await pool.close();
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('query pool splitting range functions', () => {
  it.skipIf(availableParallelism() < 2)('answers as the in-process engine while the idle worker helps', async () => {
    for (let round = 0; round < 4; round++) {
      for (const r of queries()) expect(await pool.run(r), r.query).toBe(executeQuery(engine, db, r));
    }
    expect(pool.unitsHelped).toBeGreaterThan(0);
  });

  it('answers right when the helping worker gets a query of its own', async () => {
    for (let round = 0; round < 3; round++) {
      const [a, b] = queries();
      const both = await Promise.all([pool.run(a!), new Promise<string>((res, rej) => setTimeout(() => pool.run(b!).then(res, rej), round))]);
      expect(both).toEqual([executeQuery(engine, db, a!), executeQuery(engine, db, b!)]);
    }
  });

  it('answers right while the other worker is busy', async () => {
    const busy = pool.run({ ...range('quantile_over_time(0.5, req_total[2h])', T0, T0 + 3 * H, 15_000), deadline: Date.now() + 400 });
    const r = queries()[0]!;
    expect(await pool.run(r)).toBe(executeQuery(engine, db, r));
    await expect(busy).rejects.toThrow(PromQLError);
  });

  it('stops a split query at its deadline and goes on serving', async () => {
    const r = queries()[1]!;
    for (const ms of [2, 8, 15]) {
      const e = await pool.run({ ...r, deadline: Date.now() + ms }).then(
        () => null,
        (err: unknown) => err,
      );
      // Fast enough to finish in time, or a timeout: never another error, never a hang.
      if (e !== null) expect([(e as PromQLError).type, e instanceof PromQLError]).toEqual(['timeout', true]);
    }
    expect(await pool.run(r)).toBe(executeQuery(engine, db, r));
  });

  it('answers right when the helping worker is terminated during the query', async () => {
    const r = queries()[1]!;
    const want = executeQuery(engine, db, r);
    for (const delay of [0, 2, 5]) {
      const answer = pool.run(r);
      await new Promise((res) => setTimeout(res, delay));
      await workerOf(pool, 1)?.terminate();
      expect(await answer).toBe(want);
    }
    expect(await pool.run(r)).toBe(want);
  });
});
