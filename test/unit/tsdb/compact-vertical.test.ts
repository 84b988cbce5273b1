/**
 * Vertical compaction: blocks overlapping in time (backfilled, restored from a snapshot) are merged
 * into one block, as Prometheus's `LeveledCompactor` does by default, and queries return the same
 * samples before and after.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Matcher } from '../../../src/model/matcher.js';
import { blockRanges, planCompaction } from '../../../src/tsdb/block/compact.js';
import type { BlockMeta } from '../../../src/tsdb/block/meta.js';
import { ReadOnlyTSDB } from '../../../src/tsdb/readonly.js';
import type { Querier } from '../../../src/tsdb/types.js';
import { haveProgram } from '../../support/processes.js';
import { CaptureLogger, tsdbHarness, writeTestBlock } from './support.js';

const PROMTOOL = '/usr/bin/promtool';
const H = 3600_000;
const MIN = 60_000;
/** A 2-hour-aligned time. */
const T0 = 1_800_000_000_000;


const { tmp, openDB } = tsdbHarness('lookout-vertical-');

const ulidDirs = (dir: string): string[] => readdirSync(dir).filter((n) => /^[0-9A-Z]{26}$/.test(n)).sort();

/** Every series of `q` as [labels joined, [[t, v], …]], value bits compared through Object.is. */
function dump(q: Querier): [string, [number, number][]][] {
  return q
    .select([new Matcher('=~', '__name__', '.+')], -Infinity, Infinity)
    .map((s) => [s.labels.join(','), Array.from({ length: s.count }, (_, i): [number, number] => [s.ts[i]!, s.vs[i]!])]);
}

async function metric(reg: Registry, name: string): Promise<number> {
  const got = await reg.getSingleMetric(name)!.get();
  return got.values.reduce((a, v) => a + v.value, 0);
}

describe('vertical compaction', () => {
  it('plans overlapping blocks first, newest included, as upstream selectOverlappingDirs', () => {
    const m = (minH: number, maxH: number, ulid: string, failed = false): BlockMeta => ({
      ulid,
      minTime: minH * H,
      maxTime: maxH * H,
      stats: {},
      compaction: failed ? { level: 1, failed } : { level: 1 },
      version: 1,
    });
    const ranges = blockRanges(15 * 24 * H);
    const ids = (ms: BlockMeta[]): string[] => planCompaction(ms, ranges).map((x) => x.ulid);
    // The first run of overlaps, each block starting before the highest end seen so far.
    expect(ids([m(0, 2, 'A'), m(2, 4, 'B'), m(3, 5, 'C'), m(4, 6, 'D'), m(6, 8, 'E'), m(7, 8, 'F')])).toEqual(['B', 'C', 'D']);
    // A block inside a longer one, then one starting before the longer one ends.
    expect(ids([m(0, 6, 'A'), m(1, 2, 'B'), m(5, 7, 'C'), m(8, 10, 'D')])).toEqual(['A', 'B', 'C']);
    // The newest block takes part (it is left out only of the regular plan).
    expect(ids([m(0, 2, 'A'), m(2, 4, 'B'), m(3, 4, 'C')])).toEqual(['B', 'C']);
    // Same range twice (a snapshot restored next to the original).
    expect(ids([m(0, 2, 'A'), m(0, 2, 'B')])).toEqual(['A', 'B']);
    // Touching is not overlapping: maxTime is exclusive.
    expect(ids([m(0, 2, 'A'), m(2, 4, 'B')])).toEqual([]);
    // A run whose compaction failed is passed over; the next run is planned.
    expect(ids([m(0, 2, 'A', true), m(1, 3, 'B'), m(4, 6, 'C'), m(5, 6, 'D')])).toEqual(['C', 'D']);
    expect(ids([m(0, 2, 'A', true), m(1, 3, 'B')])).toEqual([]);
  });

  it('merges two overlapping Lookout blocks into one: same samples before and after, duplicates kept once, counted', async () => {
    const dir = tmp();
    const s = (n: number): string[] => ['__name__', 'm', 'series', String(n)];
    // A: series 0 and 1 over [0, 2) h at 1 min. B: series 1 at 30 s and series 2 over [1, 3) h —
    // series 1 has 60 timestamps in both, with different values. C: [4, 6) h, not overlapping.
    const a = writeTestBlock(dir, T0, T0 + 2 * H, [
      [s(0), T0, MIN, 120, (k) => k],
      [s(1), T0, MIN, 120, (k) => k + 0.5],
    ]);
    const b = writeTestBlock(dir, T0 + H, T0 + 3 * H, [
      [s(1), T0 + H, 30_000, 240, (k) => -k],
      [s(2), T0 + H, MIN, 120, (k) => 1000 + k],
    ]);
    const c = writeTestBlock(dir, T0 + 4 * H, T0 + 6 * H, [[s(0), T0 + 4 * H, MIN, 120, (k) => 2 * k]]);
    const ro = ReadOnlyTSDB.open(dir, new CaptureLogger());
    const before = dump(ro.querier(-Infinity, Infinity));
    ro.close();
    // Series 1: 120 from A + 240 from B − 60 shared timestamps; at a shared timestamp B's value.
    const s1 = before.find(([ls]) => ls === s(1).join(','))![1];
    expect(s1).toHaveLength(300);
    expect(s1.find(([t]) => t === T0 + 90 * MIN)).toEqual([T0 + 90 * MIN, -60]);
    expect(s1.find(([t]) => t === T0 + 30 * MIN)).toEqual([T0 + 30 * MIN, 30.5]);

    const reg = new Registry();
    const log = new CaptureLogger();
    const db = openDB({ dir, now: () => T0 + 7 * H, registry: reg, log });
    expect(log.lines.some((l) => l.level === 'warn' && l.msg === 'Overlapping blocks found; compaction merges them')).toBe(true);
    await db.compact();
    const blocks = db.blocks();
    expect(blocks.map((x) => [x.minTime, x.maxTime, x.compaction.level])).toEqual([
      [T0, T0 + 3 * H, 2],
      [T0 + 4 * H, T0 + 6 * H, 1],
    ]);
    expect(blocks[0]!.compaction.sources).toEqual([a.ulid, b.ulid].sort());
    expect(blocks[0]!.compaction.parents!.map((p) => p.ulid)).toEqual([a.ulid, b.ulid]);
    // (numChunks depends on the chunk encoder's size limits.)
    expect(blocks[0]!.stats).toMatchObject({ numSamples: 120 + 300 + 120, numSeries: 3 });
    expect(blocks[1]!.ulid).toBe(c.ulid);
    expect(ulidDirs(dir)).toEqual(blocks.map((x) => x.ulid).sort());
    expect(readdirSync(dir).filter((n) => n.includes('.tmp'))).toEqual([]);
    expect(dump(db.querier(-Infinity, Infinity))).toEqual(before);
    expect(await metric(reg, 'prometheus_tsdb_vertical_compactions_total')).toBe(1);
    expect(await metric(reg, 'prometheus_tsdb_compactions_total')).toBe(1);
    expect(log.lines.filter((l) => l.msg === 'Found overlapping blocks during compaction')).toHaveLength(1);

    db.close();
    const again = openDB({ dir, now: () => T0 + 7 * H });
    expect(again.blocks().map((x) => x.ulid)).toEqual(blocks.map((x) => x.ulid));
    expect(dump(again.querier(-Infinity, Infinity))).toEqual(before);
  });

  it('of two blocks with the same range (a snapshot restored next to the original), keeps the samples of the later ULID', async () => {
    const dir = tmp();
    const s = ['__name__', 'm', 'series', '0'];
    const x = writeTestBlock(dir, T0, T0 + 2 * H, [[s, T0, MIN, 120, (k) => k]]);
    const y = writeTestBlock(dir, T0, T0 + 2 * H, [[s, T0, MIN, 120, (k) => -k]]);
    const sign = x.ulid > y.ulid ? 1 : -1;
    const want = Array.from({ length: 120 }, (_, k) => [T0 + k * MIN, sign * k]);
    const db = openDB({ dir, now: () => T0 + 3 * H });
    expect(dump(db.querier(-Infinity, Infinity))).toEqual([[s.join(','), want]]);
    await db.compact();
    expect(db.blocks().map((b) => [b.minTime, b.maxTime, b.stats.numSamples])).toEqual([[T0, T0 + 2 * H, 120]]);
    expect(dump(db.querier(-Infinity, Infinity))).toEqual([[s.join(','), want]]);
  });

  it('keeps deleted samples out when merging overlapping blocks with tombstones', async () => {
    const dir = tmp();
    const s = ['__name__', 'm', 'series', '0'];
    writeTestBlock(dir, T0, T0 + 2 * H, [[s, T0, MIN, 120, (k) => k]]);
    let db = openDB({ dir, now: () => T0 + 3 * H });
    await db.delete([[new Matcher('=', 'series', '0')]], T0, T0 + 10 * MIN);
    db.close();
    writeTestBlock(dir, T0 + H, T0 + 3 * H, [[s, T0 + H, MIN, 120, (k) => 60 + k]]);
    db = openDB({ dir, now: () => T0 + 3 * H });
    await db.compact();
    expect(db.blocks()).toHaveLength(1);
    const got = dump(db.querier(-Infinity, Infinity))[0]![1];
    expect(got).toEqual(Array.from({ length: 180 - 11 }, (_, k) => [T0 + (11 + k) * MIN, 11 + k]));
  });

  it('merges a block promtool create-blocks-from wrote over a Lookout block', async (ctx) => {
    if (!haveProgram(PROMTOOL)) return ctx.skip();
    const dir = tmp();
    const s = ['__name__', 'm', 'series', '0'];
    writeTestBlock(dir, T0, T0 + 2 * H, [[s, T0, MIN, 120, (k) => k]]);
    // Backfill series 0 at 30 s offsets and a new series over [30, 90) min: inside the block's range.
    const input = join(tmp(), 'in.om');
    const lines = ['# TYPE m gauge'];
    for (let k = 0; k < 60; k++) {
      const t = T0 + 30 * MIN + k * MIN + 30_000;
      lines.push(`m{series="0"} ${-k} ${t / 1000}`);
      lines.push(`m{series="9"} ${k} ${t / 1000}`);
    }
    writeFileSync(input, `${lines.join('\n')}\n# EOF\n`);
    execFileSync(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', input, dir], { encoding: 'utf8' });
    expect(ulidDirs(dir)).toHaveLength(2);
    const ro = ReadOnlyTSDB.open(dir, new CaptureLogger());
    const before = dump(ro.querier(-Infinity, Infinity));
    ro.close();
    expect(before.map(([ls, pts]) => [ls, pts.length])).toEqual([
      [s.join(','), 180],
      ['__name__,m,series,9', 60],
    ]);

    const reg = new Registry();
    const db = openDB({ dir, now: () => T0 + 3 * H, registry: reg });
    await db.compact();
    expect(db.blocks().map((x) => [x.minTime, x.maxTime, x.compaction.level, x.stats.numSeries, x.stats.numSamples])).toEqual([[T0, T0 + 2 * H, 2, 2, 240]]);
    expect(dump(db.querier(-Infinity, Infinity))).toEqual(before);
    expect(await metric(reg, 'prometheus_tsdb_vertical_compactions_total')).toBe(1);
  });
});
