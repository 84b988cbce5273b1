/**
 * The query pool over a TSDB with blocks: workers read the blocks themselves and merge them with
 * the head's series sent by the main thread, answering byte for byte as the in-process engine —
 * also after a deletion (blocks with deleted intervals are selected on the main thread) and after
 * the blocks a worker had open were rewritten.
 */
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logger } from '../../../src/log.js';
import { Matcher } from '../../../src/model/matcher.js';
import { Engine } from '../../../src/promql/index.js';
import { TSDB } from '../../../src/tsdb/db.js';
import { executeQuery, type QueryRequest } from '../../../src/web/query-exec.js';
import { QueryPool } from '../../../src/web/query-pool.js';
import { writeTestBlock } from '../tsdb/support.js';
import { rangeRequest } from './requests.js';

const H = 3_600_000;
const MIN = 60_000;
/** A 2 h boundary. */
const T0 = 236_000 * 2 * H;
const s = (n: number): string[] => ['__name__', 'm', 'series', String(n)];
let dir: string;
let db: TSDB;
let pool: QueryPool;
const engine = new Engine();

/** Drops log lines (overlapping blocks are reported with a warning). */
class QuietLogger extends Logger {
  override info(): void {}
  override warn(): void {}
}

const range = (query: string, start: number, end: number, step = MIN): QueryRequest => rangeRequest(query, start, end, step);

/** File descriptors of this process open on files under `dir` (the blocks' index and chunk files). */
function openUnder(under: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(under + '/')) n++;
    } catch {
      // Closed between the listing and the readlink.
    }
  }
  return n;
}

const queries = (): QueryRequest[] => [
  range('m', T0, T0 + 5 * H, 5 * MIN),
  range('rate(m[5m])', T0, T0 + 5 * H),
  range('sum by (series) (m)', T0 + H, T0 + 4.5 * H),
  { ...range('count({__name__=~".+"})', T0 + 4.5 * H, T0 + 4.5 * H, 0), kind: 'instant' },
  { ...range('m[1h]', T0 + 2.5 * H, T0 + 2.5 * H, 0), kind: 'instant' },
];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-pool-blocks-'));
  writeTestBlock(dir, T0, T0 + 2 * H, [
    [s(0), T0, MIN, 120, (k) => k],
    [s(1), T0, MIN, 120, (k) => k + 0.5],
  ]);
  // Overlaps the first block: on equal timestamps, its samples win (as in the merged querier).
  writeTestBlock(dir, T0 + H, T0 + 3 * H, [
    [s(1), T0 + H, 30_000, 240, (k) => -k],
    [s(2), T0 + H, MIN, 120, (k) => 1000 + k],
  ]);
  writeTestBlock(dir, T0 + 3 * H, T0 + 4 * H, [[s(0), T0 + 3 * H, MIN, 60, (k) => 2 * k]]);
  db = TSDB.open({ dir, log: new QuietLogger(), now: () => T0 + 5 * H });
  const a = db.appender();
  for (let k = 0; k < 60; k++) {
    for (const n of [0, 3]) a.append(a.seriesRef(s(n)), T0 + 4 * H + k * MIN, k * (n + 1));
  }
  a.commit();
  pool = new QueryPool({ storage: db, engine: {}, maxConcurrency: 1 });
});

afterAll(async () => {
  await pool.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('query pool over blocks', () => {
  it('answers as the in-process engine over blocks and the head', async () => {
    // (The overlapping blocks were merged when the database opened.)
    expect(db.blocks().map((b) => [b.minTime, b.maxTime])).toEqual([
      [T0, T0 + 3 * H],
      [T0 + 3 * H, T0 + 4 * H],
    ]);
    for (const r of queries()) expect(await pool.run(r)).toBe(executeQuery(engine, db, r));
    const count = JSON.parse(await pool.run(queries()[3]!)) as { data: { result: { value: [number, string] }[] } };
    expect(count.data.result[0]!.value[1]).toBe('2');
  });

  it('answers as the in-process engine after a deletion and after the blocks were rewritten', async () => {
    await db.delete([[new Matcher('=', 'series', '1')]], T0 + 90 * MIN, T0 + 100 * MIN);
    for (const r of queries()) expect(await pool.run(r)).toBe(executeQuery(engine, db, r));
    const before = db.blocks().map((b) => b.ulid);
    await db.cleanTombstones();
    expect(db.blocks().map((b) => b.ulid)).not.toEqual(before);
    expect(db.blocks().map((b) => b.stats.numTombstones ?? 0)).toEqual([0, 0]);
    for (const r of queries()) expect(await pool.run(r)).toBe(executeQuery(engine, db, r));
  });

  // Node closes the descriptors a worker thread opened when it ends, so a worker terminated at
  // shutdown (or past its deadline, or out of heap) does not keep deleted blocks' disk space.
  it('closes the block files a worker had open when the worker is terminated', async () => {
    const own = openUnder(dir);
    const p = new QueryPool({ storage: db, engine: {}, maxConcurrency: 1 });
    for (const r of queries()) expect(await p.run(r)).toBe(executeQuery(engine, db, r));
    // Two blocks, each with an index and a chunk segment, opened by the worker beside the database's own.
    expect(openUnder(dir)).toBe(own + 4);
    await p.close();
    expect(openUnder(dir)).toBe(own);
  });
});
