/**
 * Deletion of series (tombstones) in the head and in blocks, clean_tombstones, compaction dropping
 * deleted samples, and snapshots — checked against promtool 2.42 reading the same directories.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Matcher } from '../../../src/model/matcher.js';
import { Block } from '../../../src/tsdb/block/block.js';
import { blockRanges, BlocksMergeWriter, planCompaction } from '../../../src/tsdb/block/compact.js';
import type { BlockMeta } from '../../../src/tsdb/block/meta.js';
import { snapshotName, TSDB } from '../../../src/tsdb/db.js';
import {
  addInterval,
  decodeTombstonesFile,
  decodeTombstonesRecord,
  encodeTombstonesFile,
  encodeTombstonesRecord,
  Tombstones,
} from '../../../src/tsdb/tombstones.js';
import { Encbuf } from '../../../src/tsdb/encoding.js';
import { AppendResult } from '../../../src/tsdb/types.js';
import { haveProgram } from '../../support/processes.js';
import { QuietLogger, tsdbHarness } from './support.js';

const PROMTOOL = '/usr/bin/promtool';
const H = 3600_000;
const MIN = 60_000;
const T0 = 1_800_000_000_000;

const { tmp, openDB, closeNow } = tsdbHarness('lookout-tsdb-delete-', () => new QuietLogger());

const sel = (n: number): Matcher[] => [new Matcher('=', 'series', String(n))];

/** Timestamps of the samples of series `n`. */
function times(db: TSDB, n: number, mint = -Infinity, maxt = Infinity): number[] {
  const got = db.querier(mint, maxt).select(sel(n), mint, maxt);
  if (got.length === 0) return [];
  const s = got[0]!;
  return Array.from(s.ts.subarray(0, s.count));
}

/** Appends rounds [from, to) of series 0..2 at 1-minute steps (value = round). */
function appendRounds(db: TSDB, from: number, to: number): void {
  const app = db.appender();
  const refs = [0, 1, 2].map((n) => app.seriesRef(['__name__', 'm', 'series', String(n)]));
  for (let i = from; i < to; i++) for (const r of refs) expect(app.append(r, T0 + i * MIN, i)).toBe(AppendResult.Ok);
  app.commit();
}

/** Rounds [from, to) as timestamps. */
const rounds = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, k) => T0 + (from + k) * MIN);

const ulidDirs = (dir: string): string[] => readdirSync(dir).filter((n) => /^[0-9A-Z]{26}$/.test(n)).sort();

/** promtool tsdb dump's lines for series `n`, as "value timestamp". */
function promtoolDump(dir: string, n: number): string[] {
  const out = execFileSync(PROMTOOL, ['tsdb', 'dump', dir], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const prefix = `{__name__="m", series="${n}"} `;
  return out
    .split('\n')
    .filter((l) => l.startsWith(prefix))
    .map((l) => l.slice(prefix.length));
}

describe('intervals and the tombstones encodings', () => {
  it('merges overlapping and adjacent intervals, keeps disjoint ones sorted', () => {
    expect(addInterval([], 5, 10)).toEqual([5, 10]);
    expect(addInterval([5, 10], 11, 20)).toEqual([5, 20]);
    expect(addInterval([5, 10], 12, 20)).toEqual([5, 10, 12, 20]);
    expect(addInterval([5, 10, 12, 20], 0, 3)).toEqual([0, 3, 5, 10, 12, 20]);
    expect(addInterval([5, 10, 12, 20, 30, 40], 8, 13)).toEqual([5, 20, 30, 40]);
    expect(addInterval([5, 10], 6, 7)).toEqual([5, 10]);
    expect(addInterval([5, 10, 30, 40], 50, 60)).toEqual([5, 10, 30, 40, 50, 60]);
  });

  it('writes the file byte for byte as upstream (magic, version, entries, CRC32C of the entries)', () => {
    const ts = new Tombstones();
    ts.add(3, -5, 300);
    ts.add(1, 10, 20);
    const b = encodeTombstonesFile(ts);
    // 01 30 ba 30 | 01 | ref 1: 01, 10 → 14, 20 → 28 | ref 3: 03, −5 → 09, 300 → d8 04 | crc
    expect(Buffer.from(b.subarray(0, b.length - 4)).toString('hex')).toBe('0130ba30' + '01' + '011428' + '0309d804');
    expect(decodeTombstonesFile(b, 't').get(3)).toEqual([-5, 300]);
    const bad = b.slice();
    bad[6]! ^= 1;
    expect(() => decodeTombstonesFile(bad, '/x/tombstones')).toThrow('/x/tombstones: tombstones checksum mismatch');
    expect(() => decodeTombstonesFile(b.subarray(0, 6), 'f')).toThrow('f: tombstones file too short (6 bytes)');
  });

  it('round-trips any set of intervals through the file and the WAL record', () => {
    const entry = fc.tuple(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: -1e12, max: 1e12 }), fc.integer({ min: 0, max: 1e9 }));
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 30 }), (entries) => {
        const ts = new Tombstones();
        for (const [ref, mint, len] of entries) ts.add(ref, mint, mint + len);
        const back = decodeTombstonesFile(encodeTombstonesFile(ts), 'f');
        const flat = (t: Tombstones): [number, number[]][] => {
          const out: [number, number[]][] = [];
          t.forEach((ref, ivs) => out.push([ref, [...ivs]]));
          return out;
        };
        expect(flat(back)).toEqual(flat(ts));
        const enc = new Encbuf();
        encodeTombstonesRecord(enc, entries.flatMap(([ref, mint, len]) => [ref, mint, mint + len]));
        const got: number[] = [];
        decodeTombstonesRecord(enc.bytes(), (ref, mint, maxt) => got.push(ref, mint, maxt));
        expect(got).toEqual(entries.flatMap(([ref, mint, len]) => [ref, mint, mint + len]));
      }),
    );
  });

  it('names snapshots as upstream: UTC time, a dash, 16 hex digits', () => {
    expect(snapshotName(Date.UTC(2026, 10, 30, 4, 15, 20, 999))).toMatch(/^20261130T041520Z-[0-9a-f]{16}$/);
  });
});

describe('deleting series', () => {
  it('hides deleted head samples at once, and after a restart (WAL tombstones record)', async () => {
    const dir = tmp();
    let db = openDB({ dir, now: () => T0 + H });
    appendRounds(db, 0, 30);
    await db.delete([sel(1)], T0 + 10 * MIN, T0 + 19 * MIN);
    await db.delete([sel(2), [new Matcher('=', '__name__', 'nope')]], -Infinity, Infinity);
    const want1 = [...rounds(0, 10), ...rounds(20, 30)];
    expect(times(db, 0)).toEqual(rounds(0, 30));
    expect(times(db, 1)).toEqual(want1);
    expect(times(db, 2)).toEqual([]);
    expect(db.querier(-Infinity, Infinity).series([new Matcher('=', '__name__', 'm')], -Infinity, Infinity).map((ls) => ls[3])).toEqual(['0', '1']);
    // A range within the deleted interval finds nothing; one around it finds the rest.
    expect(times(db, 1, T0 + 12 * MIN, T0 + 15 * MIN)).toEqual([]);
    expect(times(db, 1, T0 + 9 * MIN, T0 + 20 * MIN)).toEqual([T0 + 9 * MIN, T0 + 20 * MIN]);
    closeNow(db);
    db = openDB({ dir, now: () => T0 + H });
    expect(times(db, 1)).toEqual(want1);
    expect(times(db, 2)).toEqual([]);
    expect(db.head.tombstones.get(db.head.postings.get('series', '1')![0]!)).toEqual([T0 + 10 * MIN, T0 + 19 * MIN]);
  });

  it('cuts head series without their deleted samples into blocks', async () => {
    const dir = tmp();
    const db = openDB({ dir, now: () => T0 + 4 * H });
    appendRounds(db, 0, 182);
    await db.delete([sel(0)], T0 + 30 * MIN, T0 + 59 * MIN);
    expect(await db.compact()).toBe(1);
    const meta = db.blocks()[0]!;
    expect(meta.stats).toEqual({ numSamples: 3 * 120 - 30, numSeries: 3, numChunks: 3 });
    expect(existsSync(join(dir, meta.ulid, 'tombstones'))).toBe(false);
    expect(times(db, 0)).toEqual([...rounds(0, 30), ...rounds(60, 182)]);
  });

  it('writes no block for a head range whose every sample was deleted', async () => {
    const dir = tmp();
    const db = openDB({ dir, now: () => T0 + 4 * H });
    appendRounds(db, 0, 182);
    await db.delete([[new Matcher('=', '__name__', 'm')]], T0, T0 + 2 * H - 1);
    expect(await db.compact()).toBe(0);
    expect(db.blocks()).toEqual([]);
    expect(ulidDirs(dir)).toEqual([]);
    expect(db.head.minTime()).toBe(T0 + 2 * H);
    expect(times(db, 1)).toEqual(rounds(120, 182));
    const name = await db.snapshotInDataDir(false);
    expect(ulidDirs(join(dir, 'snapshots', name))).toHaveLength(1);
    await db.delete([[new Matcher('=', '__name__', 'm')]], -Infinity, Infinity);
    const empty = await db.snapshotInDataDir(false);
    expect(ulidDirs(join(dir, 'snapshots', empty))).toEqual([]);
  });

  it('deletes from blocks with a tombstones file promtool reads; clean_tombstones rewrites the block without the samples', async () => {
    const dir = tmp();
    let now = T0 + 4 * H;
    let db = openDB({ dir, now: () => now, blockChunkEncoding: 'xor' });
    appendRounds(db, 0, 182);
    expect(await db.compact()).toBe(1);
    const ulid = db.blocks()[0]!.ulid;
    // Block [T0, T0+2h) and head: one delete spans both.
    await db.delete([sel(1)], T0 + 100 * MIN, T0 + 130 * MIN);
    await db.delete([sel(2)], -Infinity, Infinity);
    const want1 = [...rounds(0, 100), ...rounds(131, 182)];
    expect(times(db, 1)).toEqual(want1);
    expect(times(db, 2)).toEqual([]);
    const meta: BlockMeta = JSON.parse(readFileSync(join(dir, ulid, 'meta.json'), 'utf8'));
    expect(meta.stats.numTombstones).toBe(2);
    // Each interval is clamped to the series' chunks in the block.
    const stones = decodeTombstonesFile(readFileSync(join(dir, ulid, 'tombstones')), 't');
    const got: [number, readonly number[]][] = [];
    stones.forEach((ref, ivs) => got.push([ref, ivs]));
    expect(got.map(([, ivs]) => ivs)).toEqual([
      [T0 + 100 * MIN, T0 + 119 * MIN],
      [T0, T0 + 119 * MIN],
    ]);
    if (haveProgram(PROMTOOL)) {
      expect(promtoolDump(dir, 1).map((l) => Number(l.split(' ')[1]))).toEqual(want1);
      expect(promtoolDump(dir, 2)).toEqual([]);
    }
    closeNow(db);
    db = openDB({ dir, now: () => now, blockChunkEncoding: 'xor' });
    expect(times(db, 1)).toEqual(want1);
    expect(times(db, 2)).toEqual([]);

    await db.cleanTombstones();
    const [rewritten] = db.blocks();
    expect(rewritten!.ulid).not.toBe(ulid);
    expect(rewritten!.stats).toEqual({ numSamples: 120 + 100, numSeries: 2, numChunks: 2 });
    expect(existsSync(join(dir, ulid))).toBe(false);
    expect(existsSync(join(dir, rewritten!.ulid, 'tombstones'))).toBe(false);
    expect(times(db, 1)).toEqual(want1);
    expect(times(db, 2)).toEqual([]);
    if (haveProgram(PROMTOOL)) expect(promtoolDump(dir, 1).map((l) => Number(l.split(' ')[1]))).toEqual(want1);
    now += H;
  });

  it('removes a block whose every sample was deleted when cleaning tombstones', async () => {
    const dir = tmp();
    const db = openDB({ dir, now: () => T0 + 4 * H });
    appendRounds(db, 0, 182);
    expect(await db.compact()).toBe(1);
    const ulid = db.blocks()[0]!.ulid;
    await db.delete([[new Matcher('=', '__name__', 'm')]], T0, T0 + 2 * H - 1);
    await db.cleanTombstones();
    expect(db.blocks()).toEqual([]);
    expect(ulidDirs(dir)).toEqual([]);
    expect(existsSync(join(dir, ulid))).toBe(false);
    expect(times(db, 0)).toEqual(rounds(120, 182));
  });

  it('clean_tombstones rewrites a compacted block as level 1 with its own ULID as source and the old block as parent, as upstream', async () => {
    const dir = tmp();
    let now = T0;
    const reg = new Registry();
    let db = openDB({ dir, now: () => now, registry: reg });
    appendRounds(db, 0, 13 * 60); // [T0, T0 + 13 h): blocks [0, 4) h (level 2), [4, 6), [6, 8), [8, 10) h.
    now = T0 + 13 * H;
    await db.tick();
    const old = db.blocks()[0]!;
    expect([old.minTime, old.maxTime, old.compaction.level]).toEqual([T0, T0 + 4 * H, 2]);
    await db.delete([sel(1)], T0 + 30 * MIN, T0 + 3 * H);
    const compactions = async (): Promise<number> => (await reg.getSingleMetric('prometheus_tsdb_compactions_total')!.get()).values[0]!.value;
    const ran = await compactions();
    await db.cleanTombstones();
    // A rewrite is a compactor write, counted as upstream counts it.
    expect(await compactions()).toBe(ran + 1);
    const rewritten = db.blocks()[0]!;
    expect(rewritten.ulid).not.toBe(old.ulid);
    expect(rewritten.minTime).toBe(T0);
    expect(rewritten.maxTime).toBe(T0 + 4 * H);
    expect(rewritten.compaction).toEqual({ level: 1, sources: [rewritten.ulid], parents: [{ ulid: old.ulid, minTime: T0, maxTime: T0 + 4 * H }] });
    expect(JSON.parse(readFileSync(join(dir, rewritten.ulid, 'meta.json'), 'utf8')).compaction).toEqual({
      level: 1,
      sources: [rewritten.ulid],
      parents: [{ ulid: old.ulid, minTime: T0, maxTime: T0 + 4 * H }],
    });
    expect(rewritten.stats).toEqual({ numSamples: 3 * 240 - 151, numSeries: 3, numChunks: 2 + 1 + 2 });
    expect(ulidDirs(dir)).toEqual(db.blocks().map((b) => b.ulid).sort());
    const want1 = [...rounds(0, 30), ...rounds(181, 13 * 60)];
    expect(times(db, 1)).toEqual(want1);
    expect(times(db, 0)).toEqual(rounds(0, 13 * 60));
    closeNow(db);
    db = openDB({ dir, now: () => now });
    expect(db.blocks()[0]!.ulid).toBe(rewritten.ulid);
    expect(times(db, 1)).toEqual(want1);

    // A crash between writing a rewritten block and deleting the old one: the old block, named as
    // the new one's parent, is deleted at the next start; no sample shows twice.
    await db.delete([sel(2)], T0, T0 + H);
    const before = db.blocks()[0]!;
    closeNow(db);
    const src = Block.open(join(dir, before.ulid));
    const w = BlocksMergeWriter.rewrite(src, dir);
    w.writeSeries(Infinity);
    const crashed = w.finish();
    src.close();
    expect(ulidDirs(dir)).toContain(before.ulid);
    db = openDB({ dir, now: () => now });
    expect(db.blocks()[0]!.ulid).toBe(crashed.ulid);
    expect(ulidDirs(dir)).not.toContain(before.ulid);
    expect(times(db, 2)).toEqual(rounds(61, 13 * 60));
    expect(times(db, 1)).toEqual(want1);
  });

  it('plans a rewrite of a long block with tombstones on more than 5% of its series, as upstream', () => {
    const ranges = blockRanges(15 * 24 * H, 2 * H);
    const meta = (minTime: number, maxTime: number, numSeries: number, numTombstones: number): BlockMeta => ({
      ulid: `01ARZ3NDEKTSV4RRFFQ69G5F${String(minTime / H).padStart(2, '0')}`,
      minTime,
      maxTime,
      stats: { numSeries, numTombstones },
      compaction: { level: 2 },
      version: 1,
    });
    const long = ranges[Math.floor(ranges.length / 2)]!;
    const a = meta(0, long, 99, 6);
    const newest = meta(long, long + 2 * H, 10, 0);
    expect(planCompaction([a, newest], ranges)).toEqual([a]);
    expect(planCompaction([meta(0, long, 99, 5), newest], ranges)).toEqual([]);
    // The newest block is never a candidate (upstream drops it before planning).
    expect(planCompaction([a], ranges)).toEqual([]);
    // A short block stops the search (upstream breaks at the first short block)…
    const short = meta(long, long + 2 * H, 10, 9);
    expect(planCompaction([a, short, meta(long + 2 * H, long + 4 * H, 1, 0)], ranges)).toEqual([]);
    // …unless it is entirely deleted (as many tombstones as series): then it is rewritten.
    const gone = meta(long, long + 2 * H, 10, 10);
    expect(planCompaction([a, gone, meta(long + 2 * H, long + 4 * H, 1, 0)], ranges)).toEqual([gone]);
  });
});

describe('snapshots', () => {
  it('links the blocks and writes the head as a block; the snapshot opens as a data directory', async () => {
    const dir = tmp();
    const db = openDB({ dir, now: () => T0 + 4 * H, blockChunkEncoding: 'xor' });
    appendRounds(db, 0, 182);
    expect(await db.compact()).toBe(1);
    await db.delete([sel(1)], T0 + 150 * MIN, T0 + 160 * MIN);
    const name = await db.snapshotInDataDir(false);
    const snap = join(dir, 'snapshots', name);
    const blocks = ulidDirs(snap);
    expect(blocks).toHaveLength(2);
    const old = db.blocks()[0]!.ulid;
    expect(blocks).toContain(old);
    expect(statSync(join(snap, old, 'index')).ino).toBe(statSync(join(dir, old, 'index')).ino);
    const headBlock: BlockMeta = JSON.parse(readFileSync(join(snap, blocks.find((b) => b !== old)!, 'meta.json'), 'utf8'));
    expect([headBlock.minTime, headBlock.maxTime]).toEqual([T0 + 120 * MIN, T0 + 181 * MIN + 1]);
    expect(headBlock.stats.numSamples).toBe(3 * 62 - 11);
    const skip = await db.snapshotInDataDir(true);
    expect(ulidDirs(join(dir, 'snapshots', skip))).toEqual([old]);
    if (haveProgram(PROMTOOL)) {
      // promtool dump wants a WAL directory (a Prometheus snapshot has none either).
      mkdirSync(join(snap, 'wal'));
      expect(promtoolDump(snap, 1).map((l) => Number(l.split(' ')[1]))).toEqual([...rounds(0, 150), ...rounds(161, 182)]);
    }
    const copy = openDB({ dir: snap, now: () => T0 + 4 * H });
    expect(times(copy, 0)).toEqual(rounds(0, 182));
    expect(times(copy, 1)).toEqual([...rounds(0, 150), ...rounds(161, 182)]);
  });
});
