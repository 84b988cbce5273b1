import fc from 'fast-check';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { fromObject, type Labels } from '../../../src/model/labels.js';
import { Matcher } from '../../../src/model/matcher.js';
import { isStaleNaN, STALE_NAN } from '../../../src/model/value.js';
import { Head, InvalidLabelsError } from '../../../src/tsdb/head.js';
import { SeriesColumns, SeriesLookup, SymbolTable } from '../../../src/tsdb/head_series.js';
import { headStatus, statusJSON } from '../../../src/tsdb/status.js';
import { AppendResult, type SeriesSamples } from '../../../src/tsdb/types.js';

const H = 3600_000;
/** A 2-hour-aligned start time (chunk ranges are multiples of 2 h). */
const T0 = 1_699_999_200_000;

function m(type: '=' | '!=' | '=~' | '!~', name: string, value: string): Matcher {
  return new Matcher(type, name, value);
}

function points(s: SeriesSamples): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < s.count; i++) out.push([s.ts[i]!, s.vs[i]!]);
  return out;
}

async function metric(reg: Registry, name: string): Promise<number> {
  const got = await reg.getSingleMetric(name)!.get();
  return got.values.reduce((a, v) => a + v.value, 0);
}

/** A head with three series: up{job=api,instance=a}, up{job=web,instance=b}, http_requests_total{job=api,code=200}. */
function fixture(): { head: Head; refs: number[] } {
  const head = new Head();
  const app = head.appender();
  const sets: Labels[] = [
    fromObject({ __name__: 'up', job: 'api', instance: 'a' }),
    fromObject({ __name__: 'up', job: 'web', instance: 'b' }),
    fromObject({ __name__: 'http_requests_total', job: 'api', code: '200' }),
  ];
  const refs = sets.map((ls) => app.seriesRef(ls));
  for (let k = 0; k < 10; k++) refs.forEach((r, i) => app.append(r, T0 + k * 1000, i * 100 + k));
  app.commit();
  return { head, refs };
}

describe('Head series and appends', () => {
  it('gives one ref per label set, increasing, and returns it again for equal labels', () => {
    const head = new Head();
    const app = head.appender();
    const a = app.seriesRef(['__name__', 'x', 'a', '1']);
    const b = app.seriesRef(['__name__', 'x', 'a', '2']);
    expect(a).toBe(1);
    expect(b).toBe(2);
    expect(app.seriesRef(['__name__', 'x', 'a', '1'])).toBe(a);
    expect(head.numSeries()).toBe(2);
    expect(head.labelsOf(b)).toEqual(['__name__', 'x', 'a', '2']);
  });

  it('rejects invalid label sets with a clear error', () => {
    const app = new Head().appender();
    expect(() => app.seriesRef([])).toThrow(InvalidLabelsError);
    expect(() => app.seriesRef(['b', '1', 'a', '2'])).toThrow(/not sorted/);
    expect(() => app.seriesRef(['a', '1', 'a', '2'])).toThrow(/not sorted and unique/);
    expect(() => app.seriesRef(['a', ''])).toThrow(/empty value/);
    expect(() => app.seriesRef(['a'])).toThrow(/odd/);
  });

  it('makes samples visible only after commit, and rollback discards them', () => {
    const head = new Head();
    const app = head.appender();
    const r = app.seriesRef(['__name__', 'x']);
    expect(app.append(r, 1000, 1)).toBe(AppendResult.Ok);
    expect(head.querier(0, 1e15).select([m('=', '__name__', 'x')], 0, 1e15)).toEqual([]);
    app.commit();
    expect(points(head.querier(0, 1e15).select([m('=', '__name__', 'x')], 0, 1e15)[0]!)).toEqual([[1000, 1]]);
    app.append(r, 2000, 2);
    app.rollback();
    app.commit();
    expect(points(head.querier(0, 1e15).select([m('=', '__name__', 'x')], 0, 1e15)[0]!)).toEqual([[1000, 1]]);
  });

  it('rejects out-of-order and duplicate samples as upstream, and ignores exact repeats', async () => {
    const reg = new Registry();
    const head = new Head({ registry: reg });
    const app = head.appender();
    const r = app.seriesRef(['__name__', 'x']);
    app.append(r, 1000, 1);
    app.append(r, 2000, NaN);
    app.commit();
    expect(app.append(r, 1500, 5)).toBe(AppendResult.OutOfOrder);
    expect(app.append(r, 2000, 5)).toBe(AppendResult.Duplicate);
    expect(app.append(r, 2000, STALE_NAN)).toBe(AppendResult.Duplicate);
    expect(app.append(r, 2000, NaN)).toBe(AppendResult.Ok);
    app.commit();
    app.append(r, 3000, 0);
    app.commit();
    expect(app.append(r, 3000, -0)).toBe(AppendResult.Duplicate);
    expect(app.append(r, 3000, 0)).toBe(AppendResult.Ok);
    app.commit();
    const s = head.querier(0, 1e15).select([m('=', '__name__', 'x')], 0, 1e15)[0]!;
    expect(s.count).toBe(3);
    expect(await metric(reg, 'prometheus_tsdb_out_of_order_samples_total')).toBe(1);
    expect(await metric(reg, 'prometheus_tsdb_head_samples_appended_total')).toBe(3);
  });

  it('drops a sample that became out of order within its own batch, counting it at commit', async () => {
    const reg = new Registry();
    const head = new Head({ registry: reg });
    const app = head.appender();
    const r = app.seriesRef(['__name__', 'x']);
    expect(app.append(r, 2000, 2)).toBe(AppendResult.Ok);
    expect(app.append(r, 1000, 1)).toBe(AppendResult.Ok);
    app.commit();
    expect(points(head.querier(0, 1e15).select([m('=', '__name__', 'x')], 0, 1e15)[0]!)).toEqual([[2000, 2]]);
    expect(await metric(reg, 'prometheus_tsdb_out_of_order_samples_total')).toBe(1);
  });

  it('answers UnknownSeries for refs it never gave out', () => {
    const app = new Head().appender();
    expect(app.append(0, 1, 1)).toBe(AppendResult.UnknownSeries);
    expect(app.append(7, 1, 1)).toBe(AppendResult.UnknownSeries);
    expect(app.append(-1, 1, 1)).toBe(AppendResult.UnknownSeries);
  });

  it('rejects non-integer timestamps as out of bounds', () => {
    const app = new Head().appender();
    const r = app.seriesRef(['__name__', 'x']);
    expect(app.append(r, 1.5, 1)).toBe(AppendResult.OutOfBounds);
    expect(app.append(r, NaN, 1)).toBe(AppendResult.OutOfBounds);
  });

  it('keeps the staleness marker bit-exact through the head', () => {
    const head = new Head();
    const app = head.appender();
    const r = app.seriesRef(['__name__', 'x']);
    app.append(r, 1000, 1);
    app.append(r, 2000, STALE_NAN);
    app.append(r, 3000, NaN);
    app.commit();
    const s = head.querier(0, 1e15).select([m('=', '__name__', 'x')], 0, 1e15)[0]!;
    expect([isStaleNaN(s.vs[0]!), isStaleNaN(s.vs[1]!), isStaleNaN(s.vs[2]!), Number.isNaN(s.vs[2]!)]).toEqual([false, true, false, true]);
  });
});

describe('Head chunk cutting', () => {
  function chunkSamples(head: Head, ref: number): number[] {
    const out: number[] = [];
    const c = head.cols;
    for (let id = c.firstChunk[ref]!; id !== -1; id = head.chunks.next[id]!) {
      const buf = head.store.read(head.chunks.addr[id]!, head.chunks.len[id]!);
      out.push((buf[0]! << 8) | buf[1]!);
      expect(head.chunks.samples[id]).toBe(out[out.length - 1]);
    }
    out.push(c.xor.count[ref]!);
    return out;
  }

  it('cuts ~120-sample chunks at a regular interval and at the 2 h range boundary', () => {
    const head = new Head();
    const app = head.appender();
    const r = app.seriesRef(['__name__', 'x']);
    for (let k = 0; k <= 480; k++) app.append(r, T0 + k * 15_000, k);
    app.commit();
    // 2 h at 15 s = 480 samples: four chunks of 120, then the sample at exactly T0 + 2 h opens a new one.
    expect(chunkSamples(head, r)).toEqual([120, 120, 120, 120, 1]);
    expect(head.numChunks()).toBe(5);
  });

  it('cuts at 2 × 120 samples when the rate rises after the end time was predicted', () => {
    const head = new Head();
    const app = head.appender();
    const r = app.seriesRef(['__name__', 'x']);
    let t = T0;
    for (let k = 0; k < 30; k++) app.append(r, (t += 60_000), k);
    for (let k = 0; k < 300; k++) app.append(r, (t += 1), k);
    app.commit();
    expect(chunkSamples(head, r)).toEqual([240, 90]);
  });

  it('cuts before a chunk exceeds 1024 bytes', () => {
    const head = new Head();
    const app = head.appender();
    const r = app.seriesRef(['__name__', 'x']);
    for (let k = 0; k < 400; k++) app.append(r, T0 + k * 1000, Math.sin(k) * 1e6);
    app.commit();
    const c = head.cols;
    for (let id = c.firstChunk[r]!; id !== -1; id = head.chunks.next[id]!) expect(head.chunks.len[id]).toBeLessThanOrEqual(1024);
    const counts = chunkSamples(head, r);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(400);
    expect(counts[0]).toBeLessThan(120);
    const s = head.querier(0, 1e15).select([m('=', '__name__', 'x')], 0, 1e15)[0]!;
    expect(s.count).toBe(400);
    expect(s.vs[399]).toBe(Math.sin(399) * 1e6);
  });
});

describe('Head querier', () => {
  const names = (r: SeriesSamples[]): string[] => r.map((s) => s.labels.join(','));

  it('selects with every matcher type, sorted by labels', () => {
    const { head } = fixture();
    const q = head.querier(0, 1e15);
    const sel = (...ms: Matcher[]): string[] => names(q.select(ms, 0, 1e15));
    expect(sel(m('=', '__name__', 'up'))).toEqual(['__name__,up,instance,a,job,api', '__name__,up,instance,b,job,web']);
    expect(sel(m('=', 'job', 'api'))).toEqual(['__name__,http_requests_total,code,200,job,api', '__name__,up,instance,a,job,api']);
    expect(sel(m('=', '__name__', 'up'), m('!=', 'job', 'api'))).toEqual(['__name__,up,instance,b,job,web']);
    expect(sel(m('=~', 'job', 'a.*|w.b'))).toHaveLength(3);
    expect(sel(m('=~', 'job', 'a'))).toEqual([]);
    expect(sel(m('!~', 'instance', 'a|b'))).toEqual(['__name__,http_requests_total,code,200,job,api']);
    expect(sel(m('=', 'job', 'api'), m('=', 'code', ''))).toEqual(['__name__,up,instance,a,job,api']);
    expect(sel(m('=~', '__name__', '.+'), m('!=', 'code', ''))).toEqual(['__name__,http_requests_total,code,200,job,api']);
    expect(sel(m('=', 'nope', 'x'))).toEqual([]);
  });

  it('returns only samples inside both the querier range and the select range', () => {
    const { head } = fixture();
    const q = head.querier(T0 + 2000, T0 + 6000);
    const s = q.select([m('=', 'instance', 'b')], T0 + 4000, T0 + 9000);
    expect(points(s[0]!)).toEqual([
      [T0 + 4000, 104],
      [T0 + 5000, 105],
      [T0 + 6000, 106],
    ]);
    expect(q.select([m('=', 'instance', 'b')], T0 + 20_000, T0 + 30_000)).toEqual([]);
    expect(head.querier(T0 + 20_000, T0 + 30_000).labelNames([])).toEqual([]);
  });

  it('reads samples across completed chunks and the open chunk', () => {
    const head = new Head();
    const app = head.appender();
    const r = app.seriesRef(['__name__', 'x']);
    for (let k = 0; k < 1000; k++) app.append(r, T0 + k * 15_000, k * 0.5);
    app.commit();
    const s = head.querier(0, 1e15).select([m('=', '__name__', 'x')], T0 + 100 * 15_000, T0 + 900 * 15_000)[0]!;
    expect(s.count).toBe(801);
    expect(s.ts[0]).toBe(T0 + 100 * 15_000);
    expect(s.vs[800]).toBe(450);
  });

  it('lists label names and values, optionally restricted by matchers', () => {
    const { head } = fixture();
    const q = head.querier(0, 1e15);
    expect(q.labelNames([])).toEqual(['__name__', 'code', 'instance', 'job']);
    expect(q.labelNames([m('=', '__name__', 'up')])).toEqual(['__name__', 'instance', 'job']);
    expect(q.labelValues('job', [])).toEqual(['api', 'web']);
    expect(q.labelValues('instance', [m('=', 'job', 'api')])).toEqual(['a']);
    expect(q.labelValues('nope', [])).toEqual([]);
  });

  it('lists series whose chunks overlap the range', () => {
    const { head } = fixture();
    const q = head.querier(0, 1e15);
    expect(q.series([m('=', '__name__', 'up')], T0 + 9000, 1e15)).toEqual([
      ['__name__', 'up', 'instance', 'a', 'job', 'api'],
      ['__name__', 'up', 'instance', 'b', 'job', 'web'],
    ]);
    expect(q.series([m('=', '__name__', 'up')], T0 + 10_000, 1e15)).toEqual([]);
  });
});

describe('Head retention (truncate)', () => {
  it('removes old chunks and series left empty; refs are never reused', async () => {
    const reg = new Registry();
    const head = new Head({ registry: reg });
    const app = head.appender();
    const old = app.seriesRef(['__name__', 'old']);
    const live = app.seriesRef(['__name__', 'live']);
    for (let k = 0; k < 1000; k++) {
      app.append(old, T0 + k * 15_000, k);
      app.append(live, T0 + k * 15_000, k);
    }
    app.append(live, T0 + 10 * H, 1);
    app.commit();
    const before = head.numChunks();
    const res = head.truncate(T0 + 5 * H);
    expect(res.removedSeries).toBe(1);
    expect(head.numSeries()).toBe(1);
    expect(head.numChunks()).toBeLessThan(before);
    expect(head.minTime()).toBeGreaterThanOrEqual(T0 + 4 * H);
    expect(app.append(old, T0 + 11 * H, 1)).toBe(AppendResult.UnknownSeries);
    expect(app.append(live, T0 + 4 * H, 1)).toBe(AppendResult.OutOfBounds);
    const again = app.seriesRef(['__name__', 'old']);
    expect(again).toBe(3);
    const q = head.querier(0, 1e15);
    expect(q.labelValues('__name__', [])).toEqual(['live', 'old']);
    const s = q.select([m('=', '__name__', 'live')], 0, 1e15)[0]!;
    expect(s.ts[0]).toBeGreaterThanOrEqual(T0 + 4 * H);
    expect(s.ts[s.count - 1]).toBe(T0 + 10 * H);
    expect(await metric(reg, 'prometheus_tsdb_head_series_removed_total')).toBe(1);
    expect(await metric(reg, 'prometheus_tsdb_head_series')).toBe(2);
  });

  it('removes a series that never got a sample only on the second pass, and keeps series with pending samples', () => {
    const head = new Head();
    const app = head.appender();
    const empty = app.seriesRef(['__name__', 'empty']);
    const pending = app.seriesRef(['__name__', 'pending']);
    const other = head.appender();
    other.append(pending, T0, 1);
    head.truncate(T0 - H);
    expect(head.isLive(empty)).toBe(true);
    head.truncate(T0 - H);
    expect(head.isLive(empty)).toBe(false);
    expect(head.isLive(pending)).toBe(true);
    other.commit();
    expect(head.querier(0, 1e15).select([m('=', '__name__', 'pending')], 0, 1e15)).toHaveLength(1);
  });
});

describe('Head memory reuse', () => {
  it('releases symbols, label-arena space and chunk pages of removed series', () => {
    const head = new Head();
    const app = head.appender();
    const old = Array.from({ length: 20_000 }, (_, i) => app.seriesRef(['__name__', 'old', 'id', `old-${i}`]));
    for (let k = 0; k < 130; k++) for (const r of old) app.append(r, T0 + k * 15_000, k);
    app.commit();
    const before = head.memoryStats();
    const symbolsBefore = head.cols.symbols.size;
    const arenaBefore = head.cols.labelArena.bytes.length;
    expect(before.chunkArena).toBeGreaterThan(0);
    head.truncate(T0 + 10 * H);
    expect(head.numSeries()).toBe(0);
    expect(head.cols.symbols.size).toBeLessThan(symbolsBefore - 19_000);
    expect(head.memoryStats().chunkBytes).toBe(0);
    expect(head.memoryStats().chunkArena).toBeLessThan(before.chunkArena);
    // New series reuse the freed label-arena space (compaction) and symbol ids.
    const fresh = Array.from({ length: 20_000 }, (_, i) => app.seriesRef(['__name__', 'new', 'id', `new-${i}`]));
    for (const r of fresh) app.append(r, T0 + 11 * H, 1);
    app.commit();
    expect(head.cols.labelArena.bytes.length).toBe(arenaBefore);
    expect(head.labelsOf(fresh[12_345]!)).toEqual(['__name__', 'new', 'id', 'new-12345']);
    const q = head.querier(0, 1e15);
    expect(q.labelValues('__name__', [])).toEqual(['new']);
    expect(q.select([m('=', 'id', 'new-19999')], 0, 1e15)).toHaveLength(1);
    expect(q.select([m('=~', 'id', 'old-.*')], 0, 1e15)).toEqual([]);
  });

  it('reuses the lowest free symbol id first, so shared strings keep short varint ids', () => {
    const t = new SymbolTable();
    const ids = Array.from({ length: 12 }, (_, i) => t.intern(`s${i}`));
    expect(ids).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    for (const id of [9, 2, 11, 5]) t.release(id);
    expect([t.intern('a'), t.intern('b'), t.intern('c'), t.intern('d'), t.intern('e')]).toEqual([2, 5, 9, 11, 12]);
    expect(t.strings[5]).toBe('b');
    expect(t.intern('s3')).toBe(3);
    expect(t.size).toBe(13);
  });

  it('stores label sets as varint symbol ids and decodes them back, for ids of 1 to 3 bytes', () => {
    const cols = new SeriesColumns();
    for (let i = 0; i < 20_000; i++) cols.symbols.intern(`filler-${i}`);
    const ls = ['__name__', 'filler-0', 'a', 'filler-200', 'b', 'filler-19999', 'zz', 'new'];
    cols.init(1, ls);
    cols.init(2, ['__name__', 'x']);
    expect(cols.labels(1)).toEqual(ls);
    expect(cols.labels(2)).toEqual(['__name__', 'x']);
    expect([cols.labelValue(1, 'b'), cols.labelValue(1, 'c')]).toEqual(['filler-19999', undefined]);
    expect([cols.labelsEqual(1, ls), cols.labelsEqual(1, [...ls.slice(0, 7), 'other'])]).toEqual([true, false]);
    const names: string[] = [];
    cols.forEachLabelName(1, (n) => names.push(n));
    expect(names).toEqual(['__name__', 'a', 'b', 'zz']);
  });

  it('resolves label sets whose hashes collide', () => {
    const cols = new SeriesColumns();
    const lookup = new SeriesLookup(cols);
    const a = ['__name__', 'a'];
    const b = ['__name__', 'b'];
    cols.init(1, a);
    cols.init(2, b);
    lookup.set(a, 7, 1);
    lookup.set(b, 7, 2);
    expect([lookup.get(a, 7), lookup.get(b, 7), lookup.size]).toEqual([1, 2, 2]);
    lookup.delete(a, 7, 1);
    expect([lookup.get(a, 7), lookup.get(b, 7)]).toEqual([0, 2]);
    lookup.delete(b, 7, 2);
    expect([lookup.get(b, 7), lookup.size]).toEqual([0, 0]);
  });

  it('finds every held label set and none deleted, through growth and deletions in crowded probe runs', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 3000 })), { minLength: 1, maxLength: 4000 }),
        fc.integer({ min: 1, max: 40 }),
        (ops, buckets) => {
          const cols = new SeriesColumns();
          const lookup = new SeriesLookup(cols);
          const ls = (i: number) => ['__name__', 'm', 'i', String(i)];
          // Few distinct hashes: long probe runs, wrap-around at the table end, many equal hashes.
          const hash = (i: number) => ((i % buckets) * 0x9e3779b1) | 0;
          const held = new Set<number>();
          for (let i = 1; i <= 3000; i++) cols.init(i, ls(i));
          for (const [add, i] of ops) {
            if (add && !held.has(i)) {
              lookup.set(ls(i), hash(i), i);
              held.add(i);
            } else if (!add) {
              lookup.delete(ls(i), hash(i), i);
              held.delete(i);
            }
          }
          expect(lookup.size).toBe(held.size);
          for (let i = 1; i <= 3000; i++) expect(lookup.get(ls(i), hash(i))).toBe(held.has(i) ? i : 0);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('TSDB status', () => {
  it('reports head stats and top-N lists as upstream computes them', () => {
    const { head } = fixture();
    const st = headStatus(head, 2);
    expect(st.headStats).toEqual({ numSeries: 3, numLabelPairs: 7, chunkCount: 3, minTime: T0, maxTime: T0 + 9000 });
    expect(st.seriesCountByMetricName).toEqual([
      { name: 'up', value: 2 },
      { name: 'http_requests_total', value: 1 },
    ]);
    expect(st.labelValueCountByLabelName).toEqual([
      { name: '__name__', value: 2 },
      { name: 'instance', value: 2 },
    ]);
    expect(st.seriesCountByLabelValuePair).toEqual([
      { name: '__name__=up', value: 2 },
      { name: 'job=api', value: 2 },
    ]);
    // __name__: (1+8+1+2)×2 for "up" + (1+8+1+19)×1 for "http_requests_total" = 24 + 29.
    expect(st.memoryInBytesByLabelName[0]).toEqual({ name: '__name__', value: 53 });
    expect(() => headStatus(head, 0)).toThrow(RangeError);
  });

  it('renders an empty head with upstream int64 bounds', () => {
    expect(statusJSON(headStatus(new Head()))).toBe(
      '{"headStats":{"numSeries":0,"numLabelPairs":0,"chunkCount":0,"minTime":9223372036854775807,"maxTime":-9223372036854775808},' +
        '"seriesCountByMetricName":[],"labelValueCountByLabelName":[],"memoryInBytesByLabelName":[],"seriesCountByLabelValuePair":[]}',
    );
  });
});
