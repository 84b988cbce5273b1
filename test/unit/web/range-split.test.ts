/**
 * Range functions over a selection split between a query's worker and a helper (range-split.ts),
 * in one thread: the helper's side runs where the owner asks for help (all of it, part of it, a
 * unit claimed and never finished, failing units, a helper told to stop), and every answer must
 * be the sequential engine's, byte for byte — over blocks merged with head series, and over
 * random series sets.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compare, fromObject, get } from '../../../src/model/labels.js';
import type { Matcher } from '../../../src/model/matcher.js';
import { STALE_NAN } from '../../../src/model/value.js';
import { DEFAULT_FEATURES, Engine, PromQLError } from '../../../src/promql/index.js';
import type { SplitQuerier } from '../../../src/promql/engine/range-rows.js';
import { Block, type BlockQuerier } from '../../../src/tsdb/block/block.js';
import { MergeQuerier } from '../../../src/tsdb/merge_querier.js';
import type { Querier, SeriesSamples, Storage } from '../../../src/tsdb/types.js';
import { executeQuery, type QueryRequest } from '../../../src/web/query-exec.js';
import { CONTROL, deferSelection, helpWith, MIN_SPLIT_SERIES, STEAL_MS, UNIT, type HelpJob } from '../../../src/web/range-split.js';
import { writeTestBlock, type TestSeries } from '../tsdb/support.js';
import { rangeRequest } from './requests.js';

const MIN = 60_000;
const H = 60 * MIN;
const T0 = 1_000 * 2 * H;

/** An in-memory head: series sorted by labels, selected by matchers and time. */
function headQuerier(series: readonly SeriesSamples[], qmint: number, qmaxt: number): Querier {
  const select = (ms: readonly Matcher[], mint: number, maxt: number): SeriesSamples[] => {
    const lo = Math.max(mint, qmint);
    const hi = Math.min(maxt, qmaxt);
    const out: SeriesSamples[] = [];
    for (const s of series) {
      if (!ms.every((m) => m.matches(get(s.labels, m.name)))) continue;
      let a = 0;
      while (a < s.count && s.ts[a]! < lo) a++;
      let b = a;
      while (b < s.count && s.ts[b]! <= hi) b++;
      if (b > a) out.push({ labels: s.labels, ts: s.ts.subarray(a, b), vs: s.vs.subarray(a, b), count: b - a });
    }
    return out;
  };
  const none = (): never => {
    throw new Error('not used');
  };
  return { select, series: none, labelNames: none, labelValues: none };
}

type Helper = ((job: HelpJob, blocks: readonly Block[]) => void) | null;

/** The storage as the main thread merges it: blocks oldest first, then the head. */
function plainStorage(blocks: readonly Block[], head: readonly SeriesSamples[]): Pick<Storage, 'querier'> {
  return {
    querier: (qmint, qmaxt) => new MergeQuerier([...blocks.map((b) => b.querier(qmint, qmaxt)), headQuerier(head, qmint, qmaxt)]),
  };
}

/** The same storage deferring selections, with `helper` run when the owner asks for help. */
function splitStorage(blocks: readonly Block[], head: readonly SeriesSamples[], helper: Helper): Pick<Storage, 'querier'> & { asked: number } {
  const st = {
    asked: 0,
    querier: (qmint: number, qmaxt: number): SplitQuerier => {
      const plain = plainStorage(blocks, head).querier(qmint, qmaxt);
      return {
        ...plain,
        select: plain.select.bind(plain),
        deferSelect: (ms, mint, maxt) => {
          const headSel = headQuerier(head, qmint, qmaxt).select(ms, mint, maxt);
          const list = { blocks: blocks.map((b) => ({ ulid: b.meta.ulid, dir: b.dir })), live: blocks.map((b) => b.meta.ulid) };
          const merged = (qs: BlockQuerier[]) => new MergeQuerier([...qs, headQuerier(headSel, -Infinity, Infinity)]).select(ms, mint, maxt);
          const ask = helper === null ? null : (job: HelpJob) => {
            st.asked++;
            helper(job, blocks);
          };
          return deferSelection({ blocks, list, head: headSel }, qmint, qmaxt, ms, mint, maxt, merged, ask);
        },
      };
    },
  };
  return st;
}

const range = rangeRequest;

/** The answer, or the error as `<type>: <message>`. */
function answer(engine: Engine, st: Pick<Storage, 'querier'>, req: QueryRequest): string {
  try {
    return executeQuery(engine, st, req);
  } catch (e) {
    if (e instanceof PromQLError) return `${e.type}: ${e.message}`;
    throw e;
  }
}

/**
 * Helpers: all the units they can hold, at most 3 units, every other unit (the owner's units
 * between), one unit held and never finished (the owner computes later ones meanwhile, then that
 * one itself), none (stopped), failing on every unit.
 */
const helpers: Record<string, Helper> = {
  all: (job, blocks) => void helpWith(job, () => [...blocks]),
  three: (job, blocks) => void helpWith({ ...job, capacity: Math.min(3, job.capacity) }, () => [...blocks]),
  odd: (job, blocks) => {
    const control = new Int32Array(job.control);
    for (let u = 0; u < job.units; u += 2) Atomics.store(control, CONTROL.STATES + u, UNIT.OWNER);
    const done = helpWith(job, () => [...blocks]);
    expect(done).toBe(Math.min(job.capacity, Math.floor(job.units / 2)));
    for (let u = 0; u < job.units; u += 2) Atomics.store(control, CONTROL.STATES + u, UNIT.FREE);
  },
  holding: (job) => {
    expect(Atomics.compareExchange(new Int32Array(job.control), CONTROL.STATES + 1, UNIT.FREE, UNIT.HELPER)).toBe(UNIT.FREE);
  },
  stopped: (job, blocks) => {
    Atomics.store(new Int32Array(job.control), CONTROL.STOP, 1);
    expect(helpWith(job, () => [...blocks])).toBe(0);
  },
  failing: (job, blocks) => {
    const broken = blocks.map(() => ({ tombstones: { size: 0 }, querier: () => ({ samples: () => { throw new Error('broken chunk'); } }) }) as unknown as Block);
    helpWith(job, () => (broken.length > 0 ? broken : null));
  },
};

describe('split range rows over blocks and the head', () => {
  let dir: string;
  const blocks: Block[] = [];
  const head: SeriesSamples[] = [];
  const engine = new Engine();
  const queries = [
    'sum by (code) (rate(req_total[5m]))',
    'sum(rate(req_total[5m]))',
    'avg without (inst) (increase(req_total[10m]))',
    'max by (code) (delta(req_total[3m]))',
    'min(min_over_time(req_total[7m]))',
    'stddev by (code) (avg_over_time(req_total[5m]))',
    'count(count_over_time(req_total[2m]))',
    'group by (inst) (last_over_time(req_total[5m]))',
    'stdvar(changes(req_total[15m]))',
    'rate(req_total[5m])',
    'histogram_quantile(0.9, sum by (le) (rate(lat_bucket[5m])))',
    'sum by (code) (rate(req_total[5m] offset 30m))',
    'sum(rate(gauge[5m]))',
    'absent_over_time(req_total[5m])',
    'absent_over_time(req_total{code="999"}[5m])',
  ];
  const labelsOf = (i: number): string[] => [...fromObject({ __name__: 'req_total', code: String(200 + (i % 3) * 100), inst: `i${String(i).padStart(3, '0')}` })];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lookout-split-'));
    const series: TestSeries[] = [];
    for (let i = 0; i < 150; i++) series.push([labelsOf(i), T0 + (i % 7) * 1000, 15_000, 480, (k) => (i % 11 === 0 && k === 200 ? 3 : k * (i + 1) + (k > 300 && i % 5 === 0 ? -k : 0) + 0.1 * i)]);
    for (let le = 0; le < 90; le++) series.push([[...fromObject({ __name__: 'lat_bucket', le: String(le / 10), inst: `i${le % 9}` })], T0, 15_000, 480, (k) => k * le]);
    for (let g = 0; g < 80; g++) series.push([[...fromObject({ __name__: 'gauge', g: String(g) })], T0, 30_000, 240, (k) => Math.sin(k + g) * 1e6]);
    series.sort((a, b) => compare(a[0], b[0]));
    writeTestBlock(dir, T0, T0 + 2 * H, series);
    // Overlaps the first block's last half hour, for 40 of the series (its samples win on equal timestamps).
    writeTestBlock(
      dir,
      T0 + 90 * MIN,
      T0 + 3 * H,
      series.slice(0, 40).map(([ls]): TestSeries => [ls, T0 + 90 * MIN, 15_000, 360, (k) => 5000 + k]),
    );
    for (const name of readdirSync(dir).sort()) blocks.push(Block.open(join(dir, name)));
    // Head: newer samples of some block series (one with a staleness marker) and series of its own.
    for (let i = 0; i < 150; i += 3) {
      const n = 120;
      const ts = new Float64Array(n);
      const vs = new Float64Array(n);
      for (let k = 0; k < n; k++) {
        ts[k] = T0 + 150 * MIN + k * 15_000;
        vs[k] = i % 9 === 0 && k === 50 ? STALE_NAN : 10_000 + k * i;
      }
      head.push({ labels: labelsOf(i), ts, vs, count: n });
    }
    head.sort((a, b) => compare(a.labels, b.labels));
  });

  afterAll(() => {
    for (const b of blocks) b.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const reqs = () => queries.map((q) => range(q, T0 + 60 * MIN, T0 + 170 * MIN, 15_000));

  it('answers as the sequential engine with every kind of helper', () => {
    expect(blocks).toHaveLength(2);
    const plain = plainStorage(blocks, head);
    for (const [name, helper] of [['none', null] as const, ...Object.entries(helpers)]) {
      const split = splitStorage(blocks, head, helper);
      for (const r of reqs()) expect(answer(engine, split, r), `${name}: ${r.query}`).toBe(answer(engine, plain, r));
      if (helper !== null) expect(split.asked, name).toBeGreaterThan(0);
    }
  });

  it('answers as the sequential engine over one block alone (its postings order)', () => {
    const one = [blocks[0]!];
    const plain = plainStorage(one, []);
    for (const [name, helper] of [['none', null] as const, ...Object.entries(helpers)]) {
      const split = splitStorage(one, [], helper);
      for (const r of reqs()) expect(answer(engine, split, r), `${name}: ${r.query}`).toBe(answer(engine, plain, r));
    }
  });

  it('keeps the info annotations of rate over non-counters, in order', () => {
    const r = range('sum(rate({__name__=~"gauge|req_total"}[5m]))', T0 + 60 * MIN, T0 + 90 * MIN, 60_000);
    const want = answer(engine, plainStorage(blocks, head), r);
    expect(want).toContain('metric might not be a counter');
    expect(answer(engine, splitStorage(blocks, head, helpers.all!), r)).toBe(want);
  });

  it('computes a unit a helper claimed and never finished itself, after a wait', () => {
    let claimed = 0;
    const stuck: Helper = (job) => {
      const control = new Int32Array(job.control);
      claimed = job.units - 1;
      expect(Atomics.compareExchange(control, CONTROL.STATES + claimed, UNIT.FREE, UNIT.HELPER)).toBe(UNIT.FREE);
    };
    const r = range('sum by (code) (rate(req_total[5m]))', T0 + 60 * MIN, T0 + 170 * MIN, 15_000);
    const began = Date.now();
    expect(answer(engine, splitStorage(blocks, head, stuck), r)).toBe(answer(engine, plainStorage(blocks, head), r));
    expect(claimed).toBeGreaterThan(0);
    expect(Date.now() - began).toBeGreaterThanOrEqual(STEAL_MS);
  });

  it('stops a helper told to stop in the middle of a unit at the next series, leaving the unit to the owner', () => {
    // The pool's stop word arrives while the helper reads its first unit's first series (its
    // worker was given a query): the query must not wait for the rest of the unit.
    let reads = 0;
    let helped = -1;
    const interrupted: Helper = (job, blocks) => {
      const control = new Int32Array(job.control);
      const counting = blocks.map((b) => ({
        tombstones: b.tombstones,
        querier: (qmint: number, qmaxt: number) => {
          const q = b.querier(qmint, qmaxt);
          return {
            samples: (id: number, lo: number, hi: number) => {
              reads++;
              Atomics.store(control, CONTROL.STOP, 1);
              return q.samples(id, lo, hi);
            },
          };
        },
      })) as unknown as Block[];
      helped = helpWith(job, () => counting);
      expect(Atomics.load(control, CONTROL.STATES)).toBe(UNIT.FAILED);
    };
    const r = range('sum by (code) (rate(req_total[5m]))', T0 + 60 * MIN, T0 + 170 * MIN, 15_000);
    expect(answer(engine, splitStorage(blocks, head, interrupted), r)).toBe(answer(engine, plainStorage(blocks, head), r));
    expect(helped).toBe(0);
    // One series of the unit read, not the unit's 8 series (each read in both blocks).
    expect(reads).toBeLessThanOrEqual(2);
  });

  it('times out while waiting for a stuck helper past the deadline', () => {
    const stuck: Helper = (job) => {
      const control = new Int32Array(job.control);
      for (let u = 0; u < job.units; u++) Atomics.store(control, CONTROL.STATES + u, UNIT.HELPER);
    };
    const r = range('sum by (code) (rate(req_total[5m]))', T0 + 60 * MIN, T0 + 170 * MIN, 15_000, { deadline: Date.now() + 5 });
    expect(answer(engine, splitStorage(blocks, head, stuck), r)).toBe('timeout: query timed out in expression evaluation');
  });

  it('applies the sample limit as the sequential engine', () => {
    // 150 req_total series × 441 steps; the limit lets the result through but not the candidates.
    for (const maxSamples of [1000, 150 * 441 - 1, 150 * 441, 10_000_000]) {
      const limited = new Engine({ maxSamples });
      for (const r of reqs().slice(0, 4)) {
        expect(answer(limited, splitStorage(blocks, head, helpers.all!), r), `${maxSamples} ${r.query}`).toBe(answer(limited, plainStorage(blocks, head), r));
      }
    }
  });

  it('counts the same query stats', () => {
    const strip = (json: string) => {
      const j = JSON.parse(json);
      return { result: j.data.result, samples: j.data.stats.samples };
    };
    const perStep = new Engine({ features: { ...DEFAULT_FEATURES, perStepStats: true } });
    for (const r of reqs().slice(0, 3)) {
      const req = { ...r, stats: 'all' as const };
      expect(strip(answer(perStep, splitStorage(blocks, head, helpers.all!), req))).toEqual(strip(answer(perStep, plainStorage(blocks, head), req)));
    }
  });
});

describe('split range rows over random series', () => {
  const engine = new Engine();
  const value = fc.oneof(
    { weight: 20, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
    { weight: 1, arbitrary: fc.constantFrom(NaN, STALE_NAN, Infinity, -Infinity, 0, -0) },
  );
  const seriesArb = fc.record({
    code: fc.constantFrom('200', '404', '500'),
    first: fc.integer({ min: 0, max: 40 * MIN }),
    step: fc.constantFrom(10_000, 15_000, 15_001, 60_000),
    values: fc.array(value, { minLength: 1, maxLength: 150 }),
    counter: fc.boolean(),
  });
  const queryArb = fc.record({
    op: fc.constantFrom('sum', 'avg', 'count', 'min', 'max', 'group', 'stddev', 'stdvar'),
    fn: fc.constantFrom('rate', 'increase', 'delta', 'sum_over_time', 'avg_over_time', 'max_over_time', 'stddev_over_time', 'last_over_time', 'resets', 'idelta'),
    by: fc.constantFrom('', 'by (code)', 'without (inst)', 'by (__name__)'),
    rangeMin: fc.constantFrom(1, 5, 11),
  });

  it('gives the sequential answers bit for bit', () => {
    fc.assert(
      fc.property(fc.array(seriesArb, { minLength: MIN_SPLIT_SERIES, maxLength: MIN_SPLIT_SERIES + 80 }), queryArb, fc.constantFrom('all', 'three', 'odd', 'failing'), (list, q, helper) => {
        const head: SeriesSamples[] = list.map((s, i) => {
          const n = s.values.length;
          const ts = new Float64Array(n);
          const vs = new Float64Array(n);
          let acc = 0;
          for (let k = 0; k < n; k++) {
            ts[k] = s.first + k * s.step;
            acc = s.counter ? acc + Math.abs(s.values[k]!) : s.values[k]!;
            vs[k] = s.counter && k % 37 === 36 ? 0 : acc;
          }
          return { labels: fromObject({ __name__: i % 2 === 0 ? 'm_total' : 'm', code: s.code, inst: String(i) }), ts, vs, count: n };
        });
        head.sort((a, b) => compare(a.labels, b.labels));
        const query = `${q.op} ${q.by} (${q.fn}({__name__=~"m|m_total"}[${q.rangeMin}m]))`;
        const r = range(query, 5 * MIN, 60 * MIN, 30_000);
        expect(answer(engine, splitStorage([], head, helpers[helper]!), r)).toBe(answer(engine, plainStorage([], head), r));
      }),
      { numRuns: 60 },
    );
  });
});
