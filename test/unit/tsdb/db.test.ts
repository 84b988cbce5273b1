import { existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Matcher } from '../../../src/model/matcher.js';
import { isStaleNaN, STALE_NAN } from '../../../src/model/value.js';
import { TSDB } from '../../../src/tsdb/db.js';
import { LockError } from '../../../src/tsdb/lock.js';
import { AppendResult } from '../../../src/tsdb/types.js';
import { listSegments, segmentPath } from '../../../src/tsdb/wal/segment.js';
import { WALWriteError } from '../../../src/tsdb/wal/wal.js';
import { CaptureLogger, exited, killAckWriter, spawnFixture, tsdbHarness } from './support.js';

const H = 3600_000;

const { tmp, openDB } = tsdbHarness('lookout-tsdb-');

function values(db: TSDB, name: string): [number, number][] {
  const got = db.querier(-Infinity, Infinity).select([new Matcher('=', '__name__', name)], -Infinity, Infinity);
  if (got.length === 0) return [];
  const s = got[0]!;
  return Array.from({ length: s.count }, (_, i) => [s.ts[i]!, s.vs[i]!]);
}

async function metric(reg: Registry, name: string): Promise<number> {
  const got = await reg.getSingleMetric(name)!.get();
  return got.values.reduce((a, v) => a + v.value, 0);
}

describe('TSDB durability', () => {
  it('replays committed samples (with staleness markers) and keeps refs across restarts', () => {
    const dir = tmp();
    const now = Date.now();
    let db = openDB({ dir });
    const app = db.appender();
    const a = app.seriesRef(['__name__', 'a', 'job', 'x']);
    const b = app.seriesRef(['__name__', 'b']);
    for (let k = 0; k < 300; k++) app.append(a, now - 300_000 + k * 1000, k);
    app.append(b, now - 1000, STALE_NAN);
    app.commit();
    app.append(b, now, 7);
    app.rollback();
    db.close();

    db = openDB({ dir });
    expect(values(db, 'a')).toHaveLength(300);
    expect(values(db, 'a')[299]).toEqual([now - 1000, 299]);
    // Checked on the Float64Array itself: a plain JS array may canonicalise the NaN payload.
    const bs = db.querier(0, Infinity).select([new Matcher('=', '__name__', 'b')], 0, Infinity)[0]!;
    expect(bs.count).toBe(1);
    expect(isStaleNaN(bs.vs[0]!)).toBe(true);
    const app2 = db.appender();
    expect(app2.seriesRef(['__name__', 'b'])).toBe(b);
    expect(app2.seriesRef(['__name__', 'c'])).toBe(3);
    expect(app2.append(a, now - 1000, 1)).toBe(AppendResult.Duplicate);
    expect(existsSync(join(dir, 'wal', '00000001'))).toBe(true);
  });

  it('survives kill -9: every acknowledged commit is there after reopening', async () => {
    const dir = tmp();
    const t0 = Date.now() - H;
    const lastAck = await killAckWriter([dir, String(t0), 'crash_test', '1000', '0.5'], 400);

    const db = openDB({ dir });
    const q = db.querier(-Infinity, Infinity);
    const series = q.select([new Matcher('=', '__name__', 'crash_test')], -Infinity, Infinity);
    expect(series).toHaveLength(20);
    for (const s of series) {
      const n = Number(s.labels[3]);
      expect(s.count).toBeGreaterThanOrEqual(lastAck + 1);
      for (let i = 0; i <= lastAck; i++) {
        if (s.ts[i] !== t0 + i * 1000 || s.vs[i] !== i * n + 0.5) throw new Error(`series ${n} sample ${i}: ${s.ts[i]} ${s.vs[i]}`);
      }
    }
  });

  it('truncates a torn tail with a warning, counts the corruption, and keeps working', async () => {
    const dir = tmp();
    const now = Date.now();
    let db = openDB({ dir });
    const app = db.appender();
    const r = app.seriesRef(['__name__', 'x']);
    for (let k = 0; k < 10; k++) {
      app.append(r, now - 10_000 + k * 1000, k);
      app.commit();
    }
    db.close();
    const seg = segmentPath(join(dir, 'wal'), 0);
    const size = statSync(seg).size;
    truncateSync(seg, size - 5);

    const log = new CaptureLogger();
    const reg = new Registry();
    db = openDB({ dir, log, registry: reg });
    expect(log.warnings()).toEqual(['WAL segment is damaged; truncating it at the last good record and deleting later segments']);
    expect(await metric(reg, 'prometheus_tsdb_wal_corruptions_total')).toBe(1);
    expect(values(db, 'x').map(([, v]) => v)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(statSync(seg).size).toBeLessThan(size - 5);
    const app2 = db.appender();
    app2.append(r, now, 42);
    app2.commit();
    db.close();

    const log2 = new CaptureLogger();
    db = openDB({ dir, log: log2 });
    expect(log2.warnings()).toEqual([]);
    expect(values(db, 'x').at(-1)).toEqual([now, 42]);
  });

  it('repairs a corrupt record in an older segment by cutting there and deleting later segments', () => {
    const dir = tmp();
    const now = Date.now();
    let db = openDB({ dir, walSegmentSize: 32 * 1024 });
    const app = db.appender();
    const refs = Array.from({ length: 50 }, (_, i) => app.seriesRef(['__name__', 'x', 'i', String(i)]));
    for (let k = 0; k < 200; k++) {
      for (const r of refs) app.append(r, now - 200_000 + k * 1000, k);
      app.commit();
    }
    db.close();
    const walDir = join(dir, 'wal');
    const segs = listSegments(walDir);
    expect(segs.length).toBeGreaterThan(3);
    const bytes = readFileSync(segmentPath(walDir, 1));
    // A byte in the data of the segment's last record (the file ends with that record's data).
    bytes[bytes.length - 3]! ^= 0xff;
    writeFileSync(segmentPath(walDir, 1), bytes);

    const log = new CaptureLogger();
    db = openDB({ dir, log });
    const warn = log.lines.find((l) => l.level === 'warn')!;
    expect(warn.fields).toMatchObject({ err: 'fragment checksum mismatch', deleted_segments: segs.length - 2 });
    expect(listSegments(walDir)).toEqual([0, 1, 2]);
    const kept = values(db, 'x');
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(200);
    // What survives is an in-order prefix of the commits.
    kept.forEach(([t, v], i) => expect([t, v]).toEqual([now - 200_000 + i * 1000, i]));
  });

  it('fails commits from appenders held across close', () => {
    const dir = tmp();
    const db = TSDB.open({ dir, log: new CaptureLogger() });
    const app = db.appender();
    const r = app.seriesRef(['__name__', 'x']);
    app.append(r, Date.now(), 1);
    db.close();
    expect(() => app.commit()).toThrow(WALWriteError);
    expect(() => db.appender()).toThrow(/closed/);
    db.close();
  });
});

describe('TSDB retention', () => {
  it('keeps head data older than the retention until compaction writes it to a block, as upstream', async () => {
    const dir = tmp();
    const t0 = 1_800_000_000_000;
    let now = t0;
    const reg = new Registry();
    let db = openDB({ dir, retentionMs: H, now: () => now });
    let app = db.appender();
    const a = app.seriesRef(['__name__', 'a']);
    const b = app.seriesRef(['__name__', 'b']);
    app.append(a, t0, 1);
    app.append(b, t0, 1);
    app.commit();
    now = t0 + 2.5 * H;
    app.append(b, now, 2);
    app.commit();
    await db.tick();
    expect(values(db, 'a')).toEqual([[t0, 1]]);
    expect(values(db, 'b')).toEqual([
      [t0, 1],
      [t0 + 2.5 * H, 2],
    ]);
    db.close();

    // Ingestion stopped for 30 days: the WAL is replayed whole, and queries still see the data.
    now = t0 + 30 * 24 * H;
    db = openDB({ dir, retentionMs: H, now: () => now, registry: reg });
    expect(values(db, 'a')).toEqual([[t0, 1]]);
    expect(db.head.numSeries()).toBe(2);
    app = db.appender();
    expect(app.seriesRef(['__name__', 'b'])).toBe(b);
    app.append(b, now, 3);
    app.commit();
    // Compaction cuts [t0, t0 + 2 h) and [t0 + 2 h, t0 + 4 h) from the head; retention then deletes
    // the first, which ends more than the retention before the newest block's end.
    await db.tick();
    expect(db.blocks().map((blk) => [blk.minTime - t0, blk.maxTime - t0])).toEqual([[2.5 * H, 4 * H]]);
    expect(values(db, 'a')).toEqual([]);
    expect(values(db, 'b')).toEqual([
      [t0 + 2.5 * H, 2],
      [now, 3],
    ]);
    expect(await metric(reg, 'prometheus_tsdb_head_series_removed_total')).toBe(1);
    expect(await metric(reg, 'prometheus_tsdb_time_retentions_total')).toBe(1);
    expect(app.append(b, t0 + 3 * H, 9)).toBe(AppendResult.OutOfBounds);
    await db.checkpointSettled();
    db.close();

    db = openDB({ dir, retentionMs: H, now: () => now });
    expect(values(db, 'a')).toEqual([]);
    expect(values(db, 'b')).toEqual([
      [t0 + 2.5 * H, 2],
      [now, 3],
    ]);
  });

  it('writes the checkpoint of a large head in slices across event-loop turns', async () => {
    const dir = tmp();
    const t0 = 1_800_000_000_000;
    let now = t0;
    let db = openDB({ dir, now: () => now });
    const app = db.appender();
    const refs = Array.from({ length: 25_000 }, (_, i) => app.seriesRef(['__name__', 'x', 'i', String(i)]));
    const round = (v: number): void => {
      for (const r of refs) app.append(r, now, v);
      app.commit();
    };
    round(1);
    now = t0 + 2 * H;
    await db.tick(); // Segment 0's oldest sample is 2 h old: start segment 1.
    round(2);
    now = t0 + 3.5 * H;
    round(3);
    // Compaction writes [t0, t0 + 2 h) to a block; segment 0 then holds only samples in the block.
    expect(await db.compact()).toBe(1);
    const walDir = join(dir, 'wal');
    expect(listSegments(walDir)).toEqual([0, 1]);
    expect(readdirSync(walDir)).toContain('checkpoint.00000000.tmp');
    await db.checkpointSettled();
    expect(readdirSync(walDir).sort()).toEqual(['00000001', 'checkpoint.00000000']);
    db.close();
    db = openDB({ dir, now: () => now });
    expect(db.head.numSeries()).toBe(25_000);
    const got = db.querier(0, Infinity).select([new Matcher('=', 'i', '24999')], 0, Infinity)[0]!;
    expect([got.count, ...got.ts.subarray(0, 3), ...got.vs.subarray(0, 3)]).toEqual([3, t0, t0 + 2 * H, t0 + 3.5 * H, 1, 2, 3]);
  });

  it('replays samples older than the retention: only samples already in a block are skipped', () => {
    const dir = tmp();
    let now = 1_800_000_000_000;
    let db = openDB({ dir, retentionMs: H, now: () => now });
    const app = db.appender();
    const r = app.seriesRef(['__name__', 'x']);
    app.append(r, now - 30 * 60_000, 1);
    app.append(r, now, 2);
    app.commit();
    db.close();
    now += 45 * 60_000;
    db = openDB({ dir, retentionMs: H, now: () => now });
    expect(values(db, 'x')).toEqual([
      [now - 75 * 60_000, 1],
      [now - 45 * 60_000, 2],
    ]);
  });

  it('rejects a non-positive retention', () => {
    expect(() => TSDB.open({ dir: tmp(), retentionMs: 0 })).toThrow(RangeError);
  });
});

describe('TSDB lock file', () => {
  it('refuses a second open of the same directory in this process, and allows it after close', () => {
    const dir = tmp();
    const db = TSDB.open({ dir, log: new CaptureLogger() });
    expect(() => TSDB.open({ dir, log: new CaptureLogger() })).toThrow(LockError);
    expect(readFileSync(join(dir, 'lock'), 'utf8').split('\n')[0]).toBe(String(process.pid));
    db.close();
    expect(existsSync(join(dir, 'lock'))).toBe(false);
    openDB({ dir });
  });

  it('refuses a directory held by another live process and takes it over once that process is killed', async () => {
    const dir = tmp();
    let locked!: () => void;
    const ready = new Promise<void>((r) => (locked = r));
    const child = spawnFixture('hold_lock.ts', [dir], (line) => {
      if (line === 'locked') locked();
    });
    await ready;
    expect(() => TSDB.open({ dir, log: new CaptureLogger() })).toThrow(new RegExp(`already locked by process ${child.pid}`));
    child.kill('SIGKILL');
    await exited(child);
    expect(existsSync(join(dir, 'lock'))).toBe(true);
    const db = openDB({ dir });
    expect(db.head.numSeries()).toBe(0);
  });

  it('takes over a lock file whose pid is not running', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'lock'), '999999999\n\n');
    expect(() => openDB({ dir })).not.toThrow();
  });
});

describe('TSDB status and metrics', () => {
  it('exposes WAL metrics and head status', async () => {
    const dir = tmp();
    const reg = new Registry();
    const db = openDB({ dir, registry: reg });
    const app = db.appender();
    app.append(app.seriesRef(['__name__', 'x', 'job', 'j']), Date.now(), 1);
    app.commit();
    expect(await metric(reg, 'prometheus_tsdb_wal_segment_current')).toBe(0);
    expect(await metric(reg, 'prometheus_tsdb_head_series_created_total')).toBe(1);
    expect(await metric(reg, 'prometheus_tsdb_wal_storage_size_bytes')).toBeGreaterThan(0);
    const text = await reg.metrics();
    expect(text).toContain('prometheus_tsdb_head_samples_appended_total{type="float"} 1');
    expect(text).toContain('prometheus_tsdb_storage_blocks_bytes 0');
    expect(text).toContain('prometheus_tsdb_blocks_loaded 0');
    db.close();
    expect(reg.getSingleMetric('prometheus_tsdb_head_series')).toBeUndefined();
    const again = openDB({ dir, registry: reg });
    expect(await metric(reg, 'prometheus_tsdb_head_series')).toBe(1);
    expect(again.status().seriesCountByLabelValuePair).toEqual([
      { name: '__name__=x', value: 1 },
      { name: 'job=j', value: 1 },
    ]);
  });
});

describe('TSDB open-chunk slabs', () => {
  it('tick packs the sparse slab pages slow-growing series were left on, losing no sample', async () => {
    const db = openDB({ dir: tmp() });
    const now = Date.now();
    const app = db.appender();
    const refs = Array.from({ length: 8000 }, (_, i) => app.seriesRef(['__name__', 'g', 'i', String(i)]));
    app.commit();
    // One series in 40 is a constant: its chunk stays in the 64-byte class while the rest move up.
    const value = (i: number, k: number) => (i % 40 === 0 ? 7 : Math.sin(i * 7 + k) * 1000);
    for (let k = 0; k < 20; k++) {
      const a = db.appender();
      refs.forEach((r, i) => a.append(r, now - 300_000 + k * 15_000, value(i, k)));
      a.commit();
    }
    const held = () => db.head.slots.bytesAllocated() - db.head.slots.bytesPooled();
    const before = held();
    await db.tick();
    // 7 of the 8 pages of 64-byte slots held a few constants each: 6 released, one kept spare.
    expect(before - held()).toBe(6 * 64 * 1024);
    const got = db.querier(-Infinity, Infinity).select([new Matcher('=', 'i', '7960')], -Infinity, Infinity)[0]!;
    expect([...got.vs.subarray(0, got.count)]).toEqual(Array(20).fill(7));
    await db.close();
  });
});

