import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { fromObject, type Labels } from '../../../src/model/labels.js';
import { Matcher } from '../../../src/model/matcher.js';
import { isStaleNaN, STALE_NAN } from '../../../src/model/value.js';
import { Block } from '../../../src/tsdb/block/block.js';
import { CorruptionError } from '../../../src/tsdb/block/fileread.js';
import { HeadBlockWriter, writeHeadBlock } from '../../../src/tsdb/block/writer.js';
import { Head } from '../../../src/tsdb/head.js';
import { MergeQuerier } from '../../../src/tsdb/merge_querier.js';
import type { SeriesSamples } from '../../../src/tsdb/types.js';
import { haveProgram } from '../../support/processes.js';

const H = 3600_000;
/** A 2-hour-aligned start time. */
const T0 = 1_699_999_200_000;
const PROMTOOL = '/usr/bin/promtool';

const dirs: string[] = [];
const blocks: Block[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'lookout-block-'));
  dirs.push(d);
  return d;
}
function openBlock(dir: string): Block {
  const b = Block.open(dir);
  blocks.push(b);
  return b;
}
afterEach(() => {
  for (const b of blocks.splice(0)) b.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function m(type: '=' | '!=' | '=~' | '!~', name: string, value: string): Matcher {
  return new Matcher(type, name, value);
}

function points(s: SeriesSamples): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < s.count; i++) out.push([s.ts[i]!, s.vs[i]!]);
  return out;
}

/**
 * A head with three series over [T0, T0 + 3 h) at 15 s: up{job=api} (value 1, a staleness marker
 * at T0 + 1 h), up{job=web} (k / 4) and req_total{code=200,job=api} (k); plus late{job=x} with one
 * sample at T0 + 2.5 h only.
 */
function fixture(): { head: Head; sets: Labels[] } {
  const head = new Head();
  const app = head.appender();
  const sets: Labels[] = [
    fromObject({ __name__: 'up', job: 'api' }),
    fromObject({ __name__: 'up', job: 'web' }),
    fromObject({ __name__: 'req_total', job: 'api', code: '200' }),
  ];
  const refs = sets.map((ls) => app.seriesRef(ls));
  for (let k = 0; k < 720; k++) {
    const t = T0 + k * 15_000;
    app.append(refs[0]!, t, t === T0 + H ? STALE_NAN : 1);
    app.append(refs[1]!, t, k / 4);
    app.append(refs[2]!, t, k);
  }
  app.append(app.seriesRef(fromObject({ __name__: 'late', job: 'x' })), T0 + 2.5 * H, 42);
  app.commit();
  return { head, sets };
}

describe('writeHeadBlock and Block', () => {
  it('writes [mint, maxt) of the head as a block and reads back exactly those samples', () => {
    const { head } = fixture();
    const parent = tmp();
    const meta = writeHeadBlock(head, parent, T0, T0 + 2 * H, { ulidTime: T0 + 3 * H, chunkEncoding: 'xor' })!;
    expect(readdirSync(parent)).toEqual([meta.ulid]);
    expect(readdirSync(join(parent, meta.ulid)).sort()).toEqual(['chunks', 'index', 'meta.json']);
    expect(readdirSync(join(parent, meta.ulid, 'chunks'))).toEqual(['000001']);
    expect(JSON.parse(readFileSync(join(parent, meta.ulid, 'meta.json'), 'utf8'))).toEqual({
      ulid: meta.ulid,
      minTime: T0,
      maxTime: T0 + 2 * H,
      stats: { numSamples: 3 * 480, numSeries: 3, numChunks: 3 * 4 },
      compaction: { level: 1, sources: [meta.ulid] },
      version: 1,
    });

    const block = openBlock(join(parent, meta.ulid));
    const q = block.querier(-Infinity, Infinity);
    const all = q.select([m('=~', '__name__', '.+')], -Infinity, Infinity);
    expect(all.map((s) => s.labels)).toEqual([
      ['__name__', 'req_total', 'code', '200', 'job', 'api'],
      ['__name__', 'up', 'job', 'api'],
      ['__name__', 'up', 'job', 'web'],
    ]);
    expect(all.map((s) => s.count)).toEqual([480, 480, 480]);
    const req = points(all[0]!);
    expect(req[0]).toEqual([T0, 0]);
    expect(req[479]).toEqual([T0 + 2 * H - 15_000, 479]);
    expect(req.every(([t, v], k) => t === T0 + k * 15_000 && v === k)).toBe(true);
    const api = all[1]!;
    expect(isStaleNaN(api.vs[240]!)).toBe(true);
    expect(api.ts[240]).toBe(T0 + H);
    expect(api.vs[239]).toBe(1);

    // Range limits, inclusive on both ends.
    const web = q.select([m('=', 'job', 'web')], T0 + 15_000, T0 + 45_000);
    expect(web.map(points)).toEqual([
      [
        [T0 + 15_000, 0.25],
        [T0 + 30_000, 0.5],
        [T0 + 45_000, 0.75],
      ],
    ]);
    expect(q.select([m('=', 'job', 'web')], T0 + 2 * H, Infinity)).toEqual([]);
    expect(block.overlaps(T0 + 2 * H, Infinity)).toBe(false);
    expect(block.overlaps(T0 + 2 * H - 1, Infinity)).toBe(true);
  });

  it('answers matchers, label names and values like the head', () => {
    const { head } = fixture();
    const parent = tmp();
    const meta = writeHeadBlock(head, parent, T0, T0 + 3 * H)!;
    const block = openBlock(join(parent, meta.ulid));
    const bq = block.querier(T0, T0 + 3 * H - 1);
    const hq = head.querier(T0, T0 + 3 * H - 1);
    const cases: Matcher[][] = [
      [m('=', '__name__', 'up')],
      [m('=', 'job', 'api')],
      [m('=', 'job', 'api'), m('!=', '__name__', 'up')],
      [m('=~', '__name__', 'up|late')],
      [m('=~', 'job', '.+'), m('!~', 'job', 'a.*')],
      [m('=~', '__name__', '.+'), m('=', 'code', '')],
      [m('=', 'job', 'nope')],
      [m('=~', 'code', '2..'), m('=', '__name__', 'req_total')],
    ];
    for (const ms of cases) {
      expect(bq.select(ms, T0, T0 + 3 * H).map((s) => [s.labels, points(s)])).toEqual(hq.select(ms, T0, T0 + 3 * H).map((s) => [s.labels, points(s)]));
      expect(bq.series(ms, T0, T0 + 3 * H)).toEqual(hq.series(ms, T0, T0 + 3 * H));
      expect(bq.labelNames(ms)).toEqual(hq.labelNames(ms));
      expect(bq.labelValues('job', ms)).toEqual(hq.labelValues('job', ms));
    }
    expect(bq.labelNames([])).toEqual(['__name__', 'code', 'job']);
    expect(bq.labelValues('__name__', [])).toEqual(['late', 'req_total', 'up']);
    expect(bq.series([m('=', '__name__', 'late')], T0, T0 + 2 * H)).toEqual([]);
  });

  it('re-encodes series whose head chunks straddle the range, keeping exactly the samples inside', () => {
    const { head } = fixture();
    const parent = tmp();
    const meta = writeHeadBlock(head, parent, T0 + 30 * 60_000, T0 + 90 * 60_000, { chunkEncoding: 'xor' })!;
    // 240 samples per series, in chunks of at most 120 samples.
    expect(meta.stats).toEqual({ numSamples: 3 * 240, numSeries: 3, numChunks: 3 * 2 });
    const block = openBlock(join(parent, meta.ulid));
    const got = block.querier(-Infinity, Infinity).select([m('=', '__name__', 'req_total')], -Infinity, Infinity);
    expect(points(got[0]!)).toEqual(Array.from({ length: 240 }, (_, i) => [T0 + (120 + i) * 15_000, 120 + i]));
  });

  it('spreads chunks over several segment files when one is full', () => {
    const { head } = fixture();
    const parent = tmp();
    const meta = writeHeadBlock(head, parent, T0, T0 + 3 * H, { segmentSize: 1024, chunkEncoding: 'xor' })!;
    expect(readdirSync(join(parent, meta.ulid, 'chunks')).length).toBeGreaterThan(2);
    const got = openBlock(join(parent, meta.ulid)).querier(-Infinity, Infinity).select([m('=~', '__name__', '.+')], -Infinity, Infinity);
    const want = head.querier(T0, T0 + 3 * H - 1).select([m('=~', '__name__', '.+')], T0, T0 + 3 * H - 1);
    expect(got.map((s) => [s.labels, points(s)])).toEqual(want.map((s) => [s.labels, points(s)]));
  });

  it('stops a slice after the series that reaches the sample budget, and the block is the same as written at once', () => {
    const { head } = fixture();
    const dir = tmp();
    // [T0, T0 + 2 h): 480 samples in each of the three full series, none of late{job=x}.
    const w = HeadBlockWriter.start(head, dir, T0, T0 + 2 * H)!;
    expect(w.writeSeries(10, 1)).toBe(false);
    expect(w.writeSeries(10, 480)).toBe(false);
    expect(w.writeSeries(10, 1)).toBe(true);
    const meta = w.finish();
    expect(meta.stats).toEqual({ numSamples: 3 * 480, numSeries: 3, numChunks: 12 });
    const whole = writeHeadBlock(head, tmp(), T0, T0 + 2 * H)!;
    const a = openBlock(join(dir, meta.ulid)).querier(T0, T0 + 2 * H).select([m('=~', '__name__', '.+')], T0, T0 + 2 * H);
    const b = openBlock(join(dirs.at(-1)!, whole.ulid)).querier(T0, T0 + 2 * H).select([m('=~', '__name__', '.+')], T0, T0 + 2 * H);
    expect(a.map(points)).toEqual(b.map(points));
  });

  it('writes nothing for a range without samples', () => {
    const { head } = fixture();
    const parent = tmp();
    expect(writeHeadBlock(head, parent, T0 + 4 * H, T0 + 6 * H)).toBeNull();
    expect(readdirSync(parent)).toEqual([]);
  });

  it('keeps every value bit exactly (NaN payloads, infinities, -0) through a block', () => {
    fc.assert(
      fc.property(fc.array(fc.double(), { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 60_000 }), (vals, step) => {
        const head = new Head();
        const app = head.appender();
        const ref = app.seriesRef(['__name__', 'x']);
        for (let i = 0; i < vals.length; i++) app.append(ref, T0 + i * step, vals[i]!);
        app.commit();
        const parent = tmp();
        const meta = writeHeadBlock(head, parent, T0, T0 + 2 * H)!;
        const block = Block.open(join(parent, meta.ulid));
        try {
          const got = block.querier(T0, Infinity).select([m('=', '__name__', 'x')], T0, Infinity)[0]!;
          const want = head.querier(T0, T0 + 2 * H - 1).select([m('=', '__name__', 'x')], T0, T0 + 2 * H - 1)[0]!;
          expect(got.count).toBe(want.count);
          expect(Array.from(got.ts.subarray(0, got.count))).toEqual(Array.from(want.ts.subarray(0, want.count)));
          expect(Array.from(new Uint32Array(got.vs.buffer, 0, 2 * got.count))).toEqual(Array.from(new Uint32Array(want.vs.buffer, 0, 2 * want.count)));
        } finally {
          block.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it('reports a damaged chunk with a checksum error naming the file', () => {
    const { head } = fixture();
    const parent = tmp();
    const meta = writeHeadBlock(head, parent, T0, T0 + 2 * H, { chunkEncoding: 'xor' })!;
    const seg = join(parent, meta.ulid, 'chunks', '000001');
    const bytes = readFileSync(seg);
    bytes[100] ^= 0xff;
    writeFileSync(seg, bytes);
    const block = openBlock(join(parent, meta.ulid));
    expect(() => block.querier(T0, Infinity).select([m('=~', '__name__', '.+')], T0, Infinity)).toThrow(CorruptionError);
    expect(() => block.querier(T0, Infinity).select([m('=~', '__name__', '.+')], T0, Infinity)).toThrow(/000001: checksum mismatch for the chunk at \d+/);
  });

  it('refuses a block whose index is damaged', () => {
    const { head } = fixture();
    const parent = tmp();
    const meta = writeHeadBlock(head, parent, T0, T0 + 2 * H)!;
    const index = join(parent, meta.ulid, 'index');
    const bytes = readFileSync(index);
    bytes[bytes.length - 10] ^= 0xff;
    writeFileSync(index, bytes);
    expect(() => Block.open(join(parent, meta.ulid))).toThrow(/index: TOC checksum mismatch/);
  });
});

describe('MergeQuerier', () => {
  it('merges a block and the head: one series per label set, samples by time, the later querier winning ties', () => {
    const { head } = fixture();
    const parent = tmp();
    const meta = writeHeadBlock(head, parent, T0, T0 + 2 * H)!;
    const block = openBlock(join(parent, meta.ulid));
    head.truncate(T0 + 2 * H);
    const q = new MergeQuerier([block.querier(T0, T0 + 3 * H), head.querier(T0, T0 + 3 * H)]);
    const all = q.select([m('=~', '__name__', '.+')], T0, T0 + 3 * H);
    expect(all.map((s) => [s.labels, s.count])).toEqual([
      [['__name__', 'late', 'job', 'x'], 1],
      [['__name__', 'req_total', 'code', '200', 'job', 'api'], 720],
      [['__name__', 'up', 'job', 'api'], 720],
      [['__name__', 'up', 'job', 'web'], 720],
    ]);
    expect(points(all[1]!).every(([t, v], k) => t === T0 + k * 15_000 && v === k)).toBe(true);
    expect(isStaleNaN(all[2]!.vs[240]!)).toBe(true);
    expect(q.series([m('=', 'job', 'api')], T0, T0 + 3 * H)).toEqual([
      ['__name__', 'req_total', 'code', '200', 'job', 'api'],
      ['__name__', 'up', 'job', 'api'],
    ]);
    expect(q.labelValues('job', [])).toEqual(['api', 'web', 'x']);
    expect(q.labelNames([m('=', 'job', 'x')])).toEqual(['__name__', 'job']);

    const a = { labels: ['__name__', 'd'], ts: Float64Array.of(1, 2, 3), vs: Float64Array.of(10, 20, 30), count: 3 };
    const b = { labels: ['__name__', 'd'], ts: Float64Array.of(3, 4), vs: Float64Array.of(31, 40), count: 2 };
    const fixed = (s: SeriesSamples) => ({ select: () => [s], series: () => [], labelNames: () => [], labelValues: () => [] });
    expect(points(new MergeQuerier([fixed(a), fixed(b)]).select([], 0, 10)[0]!)).toEqual([
      [1, 10],
      [2, 20],
      [3, 31],
      [4, 40],
    ]);
  });
});

describe.runIf(haveProgram(PROMTOOL))('block format compatibility with promtool 2.42', () => {
  it('promtool tsdb dump prints exactly the samples of a Lookout block', () => {
    const { head } = fixture();
    const parent = tmp();
    const meta = writeHeadBlock(head, parent, T0, T0 + 2 * H, { chunkEncoding: 'xor' })!;
    mkdirSync(join(parent, 'wal'));
    const out = execFileSync(PROMTOOL, ['tsdb', 'dump', parent], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(3 * 480);
    expect(lines[0]).toBe(`{__name__="req_total", code="200", job="api"} 0 ${T0}`);
    expect(lines[479]).toBe(`{__name__="req_total", code="200", job="api"} 479 ${T0 + 2 * H - 15_000}`);
    expect(lines[480 + 240]).toBe(`{__name__="up", job="api"} NaN ${T0 + H}`);
    expect(lines[960 + 3]).toBe(`{__name__="up", job="web"} 0.75 ${T0 + 45_000}`);
    expect(existsSync(join(parent, meta.ulid))).toBe(true);
  });

  it('promtool tsdb analyze reads the index: series, label pairs and chunks', () => {
    const { head } = fixture();
    const parent = tmp();
    const meta = writeHeadBlock(head, parent, T0, T0 + 2 * H, { chunkEncoding: 'xor' })!;
    // --extended also reads every chunk (its fullness histogram).
    const out = execFileSync(PROMTOOL, ['tsdb', 'analyze', '--extended', parent, meta.ulid], { encoding: 'utf8' });
    expect(out).toContain(`Block ID: ${meta.ulid}`);
    expect(out).toContain('Duration: 2h0m0s\nSeries: 3\nLabel names: 3\nPostings (unique label pairs): 5\nPostings entries (total label pairs): 7\n');
    expect(out).toMatch(/Most common label pairs:\n(2 job=api\n2 __name__=up|2 __name__=up\n2 job=api)\n/);
    expect(out).toContain('Highest cardinality metric names:\n2 up\n1 req_total\n');
    expect(out).toMatch(/ 90%: \n {4}100%: #{100}\n/);
  });

  it('reads a block that promtool wrote (create-blocks-from openmetrics)', () => {
    const parent = tmp();
    const input = join(parent, 'in.om');
    writeFileSync(input, '# TYPE m gauge\nm{a="1"} 1 1700000000\nm{a="1"} 2.5 1700000015\nm{a="2"} -3 1700000000\n# EOF\n');
    const out = join(parent, 'data');
    execFileSync(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', input, out], { encoding: 'utf8' });
    const [ulid] = readdirSync(out).filter((n) => /^[0-9A-Z]{26}$/.test(n));
    const block = openBlock(join(out, ulid!));
    const got = block.querier(-Infinity, Infinity).select([m('=', '__name__', 'm')], -Infinity, Infinity);
    expect(got.map((s) => [s.labels, points(s)])).toEqual([
      [
        ['__name__', 'm', 'a', '1'],
        [
          [1700000000_000, 1],
          [1700000015_000, 2.5],
        ],
      ],
      [['__name__', 'm', 'a', '2'], [[1700000000_000, -3]]],
    ]);
  });
});
