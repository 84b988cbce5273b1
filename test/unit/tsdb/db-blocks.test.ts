import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Matcher } from '../../../src/model/matcher.js';
import { Block } from '../../../src/tsdb/block/block.js';
import { blockRanges, BlocksMergeWriter, planCompaction } from '../../../src/tsdb/block/compact.js';
import type { BlockMeta } from '../../../src/tsdb/block/meta.js';
import { HEAD_CHUNKS_MAGIC } from '../../../src/tsdb/chunks_head.js';
import { TSDB } from '../../../src/tsdb/db.js';
import { AppendResult } from '../../../src/tsdb/types.js';
import { listSegments } from '../../../src/tsdb/wal/segment.js';
import { CaptureLogger, killAckWriter, tsdbHarness } from './support.js';

const H = 3600_000;
const MIN = 60_000;
/** A 2-hour-aligned time. */
const T0 = 1_800_000_000_000;


const { tmp, openDB, closeNow } = tsdbHarness('lookout-tsdb-blocks-');

/** [t, v] of every sample of the series with `series`=`n`. */
function samples(db: TSDB, n: number, mint = -Infinity, maxt = Infinity): [number, number][] {
  const got = db.querier(mint, maxt).select([new Matcher('=', 'series', String(n))], mint, maxt);
  if (got.length === 0) return [];
  expect(got).toHaveLength(1);
  const s = got[0]!;
  return Array.from({ length: s.count }, (_, i) => [s.ts[i]!, s.vs[i]!]);
}

/** Appends rounds [from, to) of three series (`series`=0..2) at `step` ms: value round × 10 + series. */
function appendRounds(db: TSDB, from: number, to: number, step = MIN): void {
  const app = db.appender();
  const refs = [0, 1, 2].map((n) => app.seriesRef(['__name__', 'm', 'series', String(n)]));
  for (let i = from; i < to; i++) {
    for (let n = 0; n < 3; n++) expect(app.append(refs[n]!, T0 + i * step, i * 10 + n)).toBe(AppendResult.Ok);
  }
  app.commit();
}

function expected(n: number, from: number, to: number, step = MIN): [number, number][] {
  return Array.from({ length: to - from }, (_, k) => [T0 + (from + k) * step, (from + k) * 10 + n]);
}

function ulidDirs(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => /^[0-9A-Z]{26}$/.test(n))
    .sort();
}

async function metric(reg: Registry, name: string): Promise<number> {
  const got = await reg.getSingleMetric(name)!.get();
  return got.values.reduce((a, v) => a + v.value, 0);
}

describe('TSDB compaction into blocks', () => {
  it('cuts the oldest 2 h of a head spanning more than 3 h into a block; queries merge block and head', async () => {
    const dir = tmp();
    const reg = new Registry();
    let now = T0 + 4 * H;
    let db = openDB({ dir, now: () => now, registry: reg });
    expect(await metric(reg, 'prometheus_tsdb_lowest_timestamp')).toBe(9223372036854775807);
    appendRounds(db, 0, 181); // [T0, T0 + 3 h]: exactly 3 h, not yet compactable.
    expect(await db.compact()).toBe(0);
    expect(await metric(reg, 'prometheus_tsdb_lowest_timestamp')).toBe(T0);
    expect(await metric(reg, 'prometheus_tsdb_retention_limit_bytes')).toBe(0);
    appendRounds(db, 181, 182);
    expect(await db.compact()).toBe(1);
    expect(db.blocks()).toEqual([
      {
        ulid: ulidDirs(dir)[0],
        minTime: T0,
        maxTime: T0 + 2 * H,
        stats: { numSamples: 3 * 120, numSeries: 3, numChunks: 3 },
        compaction: { level: 1, sources: [ulidDirs(dir)[0]] },
        version: 1,
      },
    ]);
    expect(db.head.minTime()).toBe(T0 + 2 * H);
    for (let n = 0; n < 3; n++) expect(samples(db, n)).toEqual(expected(n, 0, 182));
    expect(samples(db, 1, T0 + 2 * H - MIN, T0 + 2 * H)).toEqual(expected(1, 119, 121));
    expect(db.querier(T0, T0 + H).labelValues('series', [])).toEqual(['0', '1', '2']);
    expect(await metric(reg, 'prometheus_tsdb_compactions_total')).toBe(1);
    expect(await metric(reg, 'prometheus_tsdb_blocks_loaded')).toBe(1);
    const blockDir = join(dir, ulidDirs(dir)[0]!);
    const bytes = ['index', 'meta.json', 'chunks/000001'].reduce((a, f) => a + statSync(join(blockDir, f)).size, 0);
    expect(await metric(reg, 'prometheus_tsdb_storage_blocks_bytes')).toBe(bytes);

    // The compacted range is closed: older than the block's end, or than half a range before the newest sample.
    const app = db.appender();
    const ref = app.seriesRef(['__name__', 'm', 'series', '0']);
    expect(app.append(ref, T0 + 2 * H - 1, 1)).toBe(AppendResult.OutOfBounds);
    const other = app.seriesRef(['__name__', 'other']);
    expect(app.append(other, T0 + 2 * H + MIN - 1, 1)).toBe(AppendResult.OutOfBounds);
    expect(app.append(other, T0 + 2 * H + MIN, 1)).toBe(AppendResult.Ok);
    app.rollback();

    // The WAL still holds the block's samples (segment 0 also holds newer ones): replay skips them.
    expect(listSegments(join(dir, 'wal'))).toEqual([0, 1]);
    closeNow(db);
    mkdirSync(join(dir, '01ARZ3NDEKTSV4RRFFQ69G5FAV.tmp-for-creation', 'chunks'), { recursive: true });
    writeFileSync(join(dir, '01ARZ3NDEKTSV4RRFFQ69G5FAV.tmp-for-creation', 'index'), 'partial');
    now += H;
    const log = new CaptureLogger();
    db = openDB({ dir, now: () => now, log });
    expect(existsSync(join(dir, '01ARZ3NDEKTSV4RRFFQ69G5FAV.tmp-for-creation'))).toBe(false);
    expect(db.blocks().map((b) => [b.minTime, b.maxTime])).toEqual([[T0, T0 + 2 * H]]);
    for (let n = 0; n < 3; n++) expect(samples(db, n)).toEqual(expected(n, 0, 182));
    expect(log.lines.find((l) => l.msg === 'WAL replay completed')!.fields).toMatchObject({ samples: 3 * 62, samples_in_blocks: 3 * 120 });
  });

  it('writes a block in slices: ingestion and queries go on meanwhile, close abandons it cleanly', async () => {
    const dir = tmp();
    const now = T0 + 4 * H;
    let db = openDB({ dir, now: () => now });
    const N = 2_500;
    const app = db.appender();
    const refs = Array.from({ length: N }, (_, i) => app.seriesRef(['__name__', 'big', 'i', String(i)]));
    for (let k = 0; k <= 181; k++) for (const r of refs) app.append(r, T0 + k * MIN, k);
    app.commit();
    const running = db.compact();
    // After the first slice of 1,000 series: the block is not in place yet, the head still answers.
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp-for-creation'))).toHaveLength(1);
    expect(db.blocks()).toEqual([]);
    expect(db.querier(T0, T0).select([new Matcher('=', 'i', '2499')], T0, T0)[0]!.count).toBe(1);
    for (const r of refs) expect(app.append(r, T0 + 182 * MIN, 182)).toBe(AppendResult.Ok);
    app.commit();
    expect(await running).toBe(1);
    expect(db.blocks().map((b) => b.stats)).toEqual([{ numSamples: N * 120, numSeries: N, numChunks: N }]);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp'))).toEqual([]);
    const got = db.querier(-Infinity, Infinity).select([new Matcher('=', 'i', '1234')], -Infinity, Infinity)[0]!;
    expect([got.count, got.ts[0], got.ts[182], got.vs[182]]).toEqual([183, T0, T0 + 182 * MIN, 182]);
    closeNow(db);

    // Closing mid-write removes the unfinished block; the next open writes it again.
    const dir2 = tmp();
    db = openDB({ dir: dir2, now: () => now });
    const app2 = db.appender();
    const refs2 = Array.from({ length: N }, (_, i) => app2.seriesRef(['__name__', 'big', 'i', String(i)]));
    for (let k = 0; k <= 181; k++) for (const r of refs2) app2.append(r, T0 + k * MIN, k);
    app2.commit();
    const abandoned = db.compact();
    closeNow(db);
    expect(await abandoned).toBe(0);
    expect(readdirSync(dir2).filter((n) => n !== 'wal' && n !== 'chunks_head' && n !== 'lock')).toEqual([]);
    db = openDB({ dir: dir2, now: () => now });
    expect(await db.compact()).toBe(1);
    expect(db.blocks()).toHaveLength(1);
    expect(db.querier(-Infinity, Infinity).select([new Matcher('=', 'i', '7')], -Infinity, Infinity)[0]!.count).toBe(182);
  });

  it('cuts blocks of --storage.tsdb.min-block-duration and merges them up to --storage.tsdb.max-block-duration', async () => {
    const dir = tmp();
    let now = T0;
    const db = openDB({ dir, now: () => now, minBlockDurationMs: H, maxBlockDurationMs: 3 * H });
    appendRounds(db, 0, 6 * 60); // [T0, T0 + 6 h): 1 h blocks while the head spans more than 1.5 h.
    now = T0 + 6 * H;
    await db.tick();
    // 1 h blocks are cut up to T0 + 5 h (the head keeps the last 59 min); those in one aligned 3 h
    // window ([T0 + 1 h, T0 + 4 h) here: T0 + 1 h is a multiple of 3 h) are merged; the block alone in
    // its window and the newest block stay.
    expect((T0 + H) % (3 * H)).toBe(0);
    expect(db.blocks().map((b) => [(b.minTime - T0) / H, (b.maxTime - T0) / H])).toEqual([
      [0, 1],
      [1, 4],
      [4, 5],
    ]);
    expect(db.head.minTime()).toBe(T0 + 5 * H);
    for (let n = 0; n < 3; n++) expect(samples(db, n)).toEqual(expected(n, 0, 6 * 60));
  });

  it('deletes the WAL segments a block made redundant, after checkpointing the live series', async () => {
    const dir = tmp();
    let now = T0 + H;
    let db = openDB({ dir, now: () => now });
    appendRounds(db, 0, 60); // Segment 0: [T0, T0 + 59 min].
    now = T0 + 2 * H;
    await db.tick(); // Segment 0's oldest sample is 2 h old: start segment 1.
    appendRounds(db, 60, 200); // Segment 1: [T0 + 1 h, T0 + 3 h 19 min].
    now = T0 + 3.5 * H;
    await db.tick();
    await db.checkpointSettled();
    expect(db.blocks().map((b) => [b.minTime, b.maxTime, b.stats.numSamples])).toEqual([[T0, T0 + 2 * H, 360]]);
    // Segment 1 was completed too (its oldest sample is 2 h old); it still holds head samples.
    expect(readdirSync(join(dir, 'wal')).sort()).toEqual(['00000001', '00000002', 'checkpoint.00000000']);
    closeNow(db);
    db = openDB({ dir, now: () => now });
    for (let n = 0; n < 3; n++) expect(samples(db, n)).toEqual(expected(n, 0, 200));
    expect(db.head.minTime()).toBe(T0 + 2 * H);
  });

  it('retention deletes whole blocks ending more than the retention before the newest block', async () => {
    const dir = tmp();
    const reg = new Registry();
    let now = T0;
    const db = openDB({ dir, now: () => now, retentionMs: 5 * H, registry: reg });
    appendRounds(db, 0, 13 * 12, 5 * MIN); // [T0, T0 + 12 h 55 min]
    now = T0 + 13 * H;
    await db.tick();
    // Blocks [0, 2), [2, 4), [4, 6), [6, 8), [8, 10) h were cut (the head keeps [10 h, 12 h 55 min]);
    // the newest ends at 10 h, so those ending at 2 h and 4 h (more than 5 h before it) are deleted.
    expect(db.blocks().map((b) => [(b.minTime - T0) / H, (b.maxTime - T0) / H])).toEqual([
      [4, 6],
      [6, 8],
      [8, 10],
    ]);
    expect(ulidDirs(dir)).toHaveLength(3);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp'))).toEqual([]);
    for (let n = 0; n < 3; n++) expect(samples(db, n)).toEqual(expected(n, 4 * 12, 13 * 12, 5 * MIN));
    expect(await metric(reg, 'prometheus_tsdb_time_retentions_total')).toBe(1);
    expect(await metric(reg, 'prometheus_tsdb_compactions_total')).toBe(5);
    expect(await metric(reg, 'prometheus_tsdb_blocks_loaded')).toBe(3);
  });

  it('retention by size deletes the oldest blocks that do not fit after the WAL and head chunk files', async () => {
    /** Five blocks [0, 2) … [8, 10) h of 50 series; returns the TSDB after compaction and retention. */
    const build = async (retentionBytes: number, reg: Registry): Promise<{ db: TSDB; dir: string }> => {
      let now = T0;
      const dir = tmp();
      // A 10 h retention keeps compaction at 2 h blocks (the largest block is a tenth of it).
      const db = openDB({ dir, now: () => now, retentionMs: 10 * H, retentionBytes, registry: reg });
      const app = db.appender();
      const refs = Array.from({ length: 50 }, (_, i) => app.seriesRef(['__name__', 'm', 'series', String(i)]));
      for (let k = 0; k < 13 * 12; k++) for (const r of refs) app.append(r, T0 + k * 5 * MIN, k * r);
      app.commit();
      now = T0 + 13 * H;
      await db.tick();
      return { db, dir };
    };
    const reg1 = new Registry();
    const { db: first, dir: firstDir } = await build(0, reg1);
    expect(first.blocks()).toHaveLength(5);
    // The WAL and head chunk files as upstream counts them: bytes on disk (retention.test.ts has the exact cases).
    const du = (d: string): number => readdirSync(d).reduce((n, f) => n + (statSync(join(d, f)).isDirectory() ? du(join(d, f)) : statSync(join(d, f)).size), 0);
    const head = du(join(firstDir, 'wal')) + du(join(firstDir, 'chunks_head'));
    expect(await metric(reg1, 'prometheus_tsdb_head_chunks_storage_size_bytes')).toBeGreaterThan(0);
    const sizes = first.blocks().map((b) => ['index', 'meta.json', 'chunks/000001'].reduce((a, f) => a + statSync(join(firstDir, b.ulid, f)).size, 0));
    expect(sizes.reduce((a, n) => a + n, 0)).toBe(await metric(reg1, 'prometheus_tsdb_storage_blocks_bytes'));
    closeNow(first);

    // Room for the head, the two newest blocks and half of the third: the three oldest go.
    const reg2 = new Registry();
    const { db, dir } = await build(head + sizes[4]! + sizes[3]! + Math.floor(sizes[2]! / 2), reg2);
    expect(db.blocks().map((b) => [(b.minTime - T0) / H, (b.maxTime - T0) / H])).toEqual([
      [6, 8],
      [8, 10],
    ]);
    expect(await metric(reg2, 'prometheus_tsdb_size_retentions_total')).toBe(1);
    expect(await metric(reg2, 'prometheus_tsdb_time_retentions_total')).toBe(0);
    expect(await metric(reg2, 'prometheus_tsdb_retention_limit_bytes')).toBe(head + sizes[4]! + sizes[3]! + Math.floor(sizes[2]! / 2));
    expect(await metric(reg2, 'prometheus_tsdb_lowest_timestamp')).toBe(T0 + 6 * H);
    expect(await metric(reg2, 'prometheus_tsdb_lowest_timestamp_seconds')).toBe((T0 + 6 * H) / 1000);
    expect(ulidDirs(dir)).toEqual(db.blocks().map((b) => b.ulid).sort());
  });

  it('keeps a block ending exactly the retention before the newest one', async () => {
    const dir = tmp();
    let now = T0;
    let db = openDB({ dir, now: () => now, retentionMs: 4 * H });
    appendRounds(db, 0, 9 * 12, 5 * MIN); // [T0, T0 + 8 h 55 min]: blocks [0, 2), [2, 4), [4, 6) h.
    now = T0 + 9 * H;
    await db.tick();
    const hours = (): number[][] => db.blocks().map((b) => [(b.minTime - T0) / H, (b.maxTime - T0) / H]);
    expect(hours()).toEqual([
      [0, 2],
      [2, 4],
      [4, 6],
    ]);
    closeNow(db);
    db = openDB({ dir, now: () => now, retentionMs: 4 * H - 1 });
    expect(hours()).toEqual([
      [2, 4],
      [4, 6],
    ]);
    expect(samples(db, 2)).toEqual(expected(2, 2 * 12, 9 * 12, 5 * MIN));
  });

  it('refuses to open with a damaged block, naming it', async () => {
    const dir = tmp();
    const now = T0 + 4 * H;
    const db = openDB({ dir, now: () => now });
    appendRounds(db, 0, 182);
    expect(await db.compact()).toBe(1);
    closeNow(db);
    const index = join(dir, ulidDirs(dir)[0]!, 'index');
    writeFileSync(index, readFileSync(index).subarray(0, 100));
    expect(() => TSDB.open({ dir, now: () => now, log: new CaptureLogger() })).toThrow(`opening block ${join(dir, ulidDirs(dir)[0]!)}: ${index}: `);
    // The failed open released the lock. With the damaged block moved away, the samples the WAL
    // still holds come back from it.
    rmSync(join(dir, ulidDirs(dir)[0]!), { recursive: true });
    const again = openDB({ dir, now: () => now });
    expect(samples(again, 0)).toEqual(expected(0, 0, 182));
  });
});

describe('TSDB compaction of blocks', () => {
  it('merges the 2 h blocks of one 6 h window into a level-2 block, keeping the newest apart', async () => {
    const dir = tmp();
    let now = T0;
    const reg = new Registry();
    const db = openDB({ dir, now: () => now, registry: reg });
    const app = db.appender();
    const early = app.seriesRef(['__name__', 'early']);
    const refs = [0, 1, 2].map((n) => app.seriesRef(['__name__', 'm', 'series', String(n)]));
    for (let k = 0; k < 13 * 12; k++) {
      for (let n = 0; n < 3; n++) app.append(refs[n]!, T0 + k * 5 * MIN, k * 10 + n);
      if (k < 24) app.append(early, T0 + k * 5 * MIN, -k);
    }
    app.commit();
    now = T0 + 13 * H;
    await db.tick();
    const blocks = db.blocks();
    // Windows are aligned to the epoch: T0 is 2 h past a multiple of 6 h, so [T0, T0 + 4 h) closes a
    // window that ends before the newest candidate ([T0 + 6 h, T0 + 8 h)) starts; [T0 + 4 h, T0 + 10 h)
    // is not full yet and [T0 + 8 h, T0 + 10 h), the newest block, is never a candidate.
    expect(blocks.map((b) => [(b.minTime - T0) / H, (b.maxTime - T0) / H, b.compaction.level])).toEqual([
      [0, 4, 2],
      [4, 6, 1],
      [6, 8, 1],
      [8, 10, 1],
    ]);
    expect(blocks[0]!.stats).toEqual({ numSamples: 3 * 48 + 24, numSeries: 4, numChunks: 3 * 2 + 1 });
    const parents = blocks[0]!.compaction.parents!;
    expect(parents.map((p) => [(p.minTime - T0) / H, (p.maxTime - T0) / H])).toEqual([
      [0, 2],
      [2, 4],
    ]);
    expect(blocks[0]!.compaction.sources).toEqual(parents.map((p) => p.ulid).sort());
    expect(ulidDirs(dir)).toEqual(blocks.map((b) => b.ulid).sort());
    for (let n = 0; n < 3; n++) expect(samples(db, n)).toEqual(expected(n, 0, 13 * 12, 5 * MIN));
    const e = db.querier(-Infinity, Infinity).select([new Matcher('=', '__name__', 'early')], -Infinity, Infinity)[0]!;
    expect([e.count, e.ts[23], e.vs[23]]).toEqual([24, T0 + 23 * 5 * MIN, -23]);
    expect(await metric(reg, 'prometheus_tsdb_compactions_total')).toBe(6);
  });

  it('deletes the sources of a compacted block left behind by a crash, at open', async () => {
    const dir = tmp();
    let now = T0;
    let db = openDB({ dir, now: () => now, retentionMs: 10 * H });
    appendRounds(db, 0, 9 * 12, 5 * MIN);
    now = T0 + 9 * H;
    await db.tick();
    expect(db.blocks()).toHaveLength(3);
    closeNow(db);
    // Merge the two oldest as compaction would, but "crash" before deleting them.
    const sources = ulidDirs(dir)
      .map((u) => Block.open(join(dir, u)))
      .sort((a, b) => a.meta.minTime - b.meta.minTime)
      .slice(0, 2);
    const w = BlocksMergeWriter.start(sources, dir);
    w.writeSeries(Infinity);
    const merged = w.finish();
    for (const b of sources) b.close();
    expect(ulidDirs(dir)).toHaveLength(4);
    const log = new CaptureLogger();
    db = openDB({ dir, now: () => now, retentionMs: 10 * H, log });
    expect(db.blocks().map((b) => [b.ulid, (b.minTime - T0) / H, (b.maxTime - T0) / H])).toEqual([
      [merged.ulid, 0, 4],
      [db.blocks()[1]!.ulid, 4, 6],
    ]);
    expect(ulidDirs(dir)).toHaveLength(2);
    expect(log.lines.filter((l) => l.msg === 'Deleting a block already compacted into another')).toHaveLength(2);
    for (let n = 0; n < 3; n++) expect(samples(db, n)).toEqual(expected(n, 0, 9 * 12, 5 * MIN));
  });

  it('plans as upstream: windows that are full or end before the newest block, the newest left alone', () => {
    const m = (minH: number, maxH: number, ulid = `B${minH}`): BlockMeta => ({ ulid, minTime: minH * H, maxTime: maxH * H, stats: {}, compaction: { level: 1 }, version: 1 });
    const ranges = blockRanges(15 * 24 * H);
    expect(ranges.map((r) => r / H)).toEqual([2, 6, 18]);
    expect(blockRanges(10 * H)).toEqual([2 * H]);
    expect(planCompaction([m(0, 2), m(2, 4), m(4, 6)], ranges)).toEqual([]);
    expect(planCompaction([m(0, 2), m(2, 4), m(4, 6), m(6, 8)], ranges).map((x) => x.ulid)).toEqual(['B0', 'B2', 'B4']);
    // [6, 8) and [8, 10) share a 6 h window that is not full, and it does not end before the newest block's start.
    expect(planCompaction([m(0, 6), m(6, 8), m(8, 10), m(10, 12)], ranges)).toEqual([]);
    // A window ending before the newest block's start is merged even when not full (a gap).
    expect(planCompaction([m(0, 2), m(4, 6), m(6, 8), m(8, 10)], ranges).map((x) => x.ulid)).toEqual(['B0', 'B4']);
    expect(planCompaction([m(0, 6), m(6, 12), m(12, 18), m(18, 20)], ranges).map((x) => x.ulid)).toEqual(['B0', 'B6', 'B12']);
    // Overlapping blocks (a backfill) come first (vertical compaction; see compact-vertical.test.ts).
    expect(planCompaction([m(0, 2), m(1, 2, 'X'), m(2, 4), m(4, 6), m(6, 8)], ranges).map((x) => x.ulid)).toEqual(['B0', 'X']);
  });
});

describe('TSDB head chunk files', () => {
  it('flushes completed head chunks to chunks_head/ files, reads them back, and rebuilds them from the WAL on restart', () => {
    const dir = tmp();
    let now = T0 + 3 * H;
    let db = openDB({ dir, now: () => now, headChunkFileSize: 2048 });
    appendRounds(db, 0, 2 * 60 * 6, 10_000); // 2 h at 10 s: 720 samples per series, 6 chunks each.
    const files = readdirSync(join(dir, 'chunks_head')).sort();
    expect(files.length).toBeGreaterThan(1);
    expect(files[0]).toBe('000001');
    const head = readFileSync(join(dir, 'chunks_head', '000001'));
    expect([head.readUInt32BE(0), head[4]]).toEqual([HEAD_CHUNKS_MAGIC, 1]);
    expect(db.head.memoryStats().chunkBytes).toBeGreaterThan(0);
    for (let n = 0; n < 3; n++) expect(samples(db, n)).toEqual(expected(n, 0, 720, 10_000));
    closeNow(db);
    now += MIN;
    db = openDB({ dir, now: () => now, headChunkFileSize: 2048 });
    for (let n = 0; n < 3; n++) expect(samples(db, n)).toEqual(expected(n, 0, 720, 10_000));
  });

  it('deletes head chunk files whose chunks all went into a block', async () => {
    const dir = tmp();
    const now = T0 + 4 * H;
    // Files this small hold one chunk each.
    const db = openDB({ dir, now: () => now, headChunkFileSize: 64 });
    appendRounds(db, 0, 3 * 60 + 1);
    // Each series' first chunk (120 samples, [T0, T0 + 119 min]) is complete; the rest are open.
    expect(readdirSync(join(dir, 'chunks_head')).sort()).toEqual(['000001', '000002', '000003']);
    appendRounds(db, 181, 182);
    expect(await db.compact()).toBe(1);
    // Every completed chunk went into the block; the current file stays open for the next chunks.
    expect(readdirSync(join(dir, 'chunks_head')).sort()).toEqual(['000003']);
    expect(db.head.memoryStats().chunkBytes).toBe(0);
    for (let n = 0; n < 3; n++) expect(samples(db, n)).toEqual(expected(n, 0, 182));
  });
});

describe('TSDB crash safety with blocks', () => {
  it('survives kill -9 while cutting blocks: every acknowledged sample is there after reopening, none twice', async () => {
    const dir = tmp();
    const t0 = Math.floor((Date.now() - 48 * H) / (2 * H)) * 2 * H;
    const lastAck = await killAckWriter([dir, String(t0), 'compact_test', '60000', '0.25', 'compact'], 700);

    const db = openDB({ dir });
    expect(db.blocks()[0]!.minTime).toBe(t0);
    const series = db.querier(-Infinity, Infinity).select([new Matcher('=', '__name__', 'compact_test')], -Infinity, Infinity);
    expect(series).toHaveLength(20);
    for (const s of series) {
      const n = Number(s.labels[3]);
      expect(s.count).toBeGreaterThanOrEqual(lastAck + 1);
      for (let i = 0; i < s.count; i++) {
        if (s.ts[i] !== t0 + i * 60_000 || s.vs[i] !== i * n + 0.25) throw new Error(`series ${n} sample ${i}: ${s.ts[i]} ${s.vs[i]}`);
      }
    }
  });
});
