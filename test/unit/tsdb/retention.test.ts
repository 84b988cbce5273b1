/**
 * Retention deletes exactly what Prometheus 2.42 deletes (tsdb/db.go `deletableBlocks`): blocks
 * ordered newest first by maxTime; time retention measures from the newest block's end, not from
 * the clock; size retention counts the WAL directory (segments and checkpoints), the head chunk
 * files and each block's files.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { Logger } from '../../../src/log.js';
import { readMeta, writeMeta } from '../../../src/tsdb/block/meta.js';
import { TSDB } from '../../../src/tsdb/db.js';
import { Head } from '../../../src/tsdb/head.js';
import { CheckpointEncoder } from '../../../src/tsdb/head_wal.js';
import { CheckpointWriter } from '../../../src/tsdb/wal/checkpoint.js';
import { type TestSeries, writeTestBlock } from './support.js';

const H = 3600_000;
const MIN = 60_000;
/** A 2-hour-aligned time. */
const T0 = 1_800_000_000_000;

class Quiet extends Logger {
  override info(): void {}
  override warn(): void {}
}

const dirs: string[] = [];
const open: TSDB[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'lookout-retention-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const db of open.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** One series over [fromH, toH) h at 10 min. */
function block(dir: string, fromH: number, toH: number, nSeries = 1): string {
  const series: TestSeries[] = Array.from({ length: nSeries }, (_, n) => [['__name__', 'm', 'series', String(n)], T0 + fromH * H, 10 * MIN, ((toH - fromH) * H) / (10 * MIN), (k) => k]);
  return writeTestBlock(dir, T0 + fromH * H, T0 + toH * H, series).ulid;
}

/** Marks a block as failed in compaction, so the planner leaves it (and blocks it overlaps) alone. */
function markFailed(dir: string, ulid: string): void {
  const meta = readMeta(join(dir, ulid));
  meta.compaction.failed = true;
  writeMeta(join(dir, ulid), meta);
}

/** Bytes of every file under `path`. */
function du(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((n, f) => n + du(join(path, f)), 0);
}

/** Opens a copy of `src` with the given retention; returns the time ranges (h) of the blocks kept. */
async function run(src: string, opts: { retentionMs?: number; retentionBytes?: number; now?: number }, reg = new Registry()): Promise<{ db: TSDB; kept: number[][] }> {
  const dir = tmp();
  cpSync(src, dir, { recursive: true });
  const db = TSDB.open({ dir, log: new Quiet(), registry: reg, now: () => opts.now ?? T0, retentionMs: opts.retentionMs, retentionBytes: opts.retentionBytes });
  open.push(db);
  await db.tick();
  return { db, kept: db.blocks().map((b) => [(b.minTime - T0) / H, (b.maxTime - T0) / H]) };
}

async function metric(reg: Registry, name: string): Promise<number> {
  const got = await reg.getSingleMetric(name)!.get();
  return got.values.reduce((a, v) => a + v.value, 0);
}

describe('time retention', () => {
  it('deletes exactly the blocks ending more than the retention before the newest block end, whatever the clock', async () => {
    const src = tmp();
    for (let h = 0; h < 20; h += 2) block(src, h, h + 2);
    const after = (fromH: number): number[][] => Array.from({ length: (20 - fromH) / 2 }, (_, i) => [fromH + 2 * i, fromH + 2 * i + 2]);
    // Newest end: 20 h. Retention 12 h keeps the block ending at 8 h (20 − 8 = 12, not more).
    // (With retentions under 60 h, compaction keeps 2 h blocks: the longest is a tenth of it.)
    expect((await run(src, { retentionMs: 12 * H })).kept).toEqual(after(6));
    expect((await run(src, { retentionMs: 12 * H - 1 })).kept).toEqual(after(8));
    expect((await run(src, { retentionMs: 11 * H })).kept).toEqual(after(8));
    // The clock does not matter for blocks: a year later the same blocks are kept.
    expect((await run(src, { retentionMs: 12 * H, now: T0 + 365 * 24 * H })).kept).toEqual(after(6));
    const reg = new Registry();
    expect((await run(src, { retentionMs: 3 * H }, reg)).kept).toEqual(after(16));
    expect(await metric(reg, 'prometheus_tsdb_time_retentions_total')).toBe(1);
    expect(await metric(reg, 'prometheus_tsdb_size_retentions_total')).toBe(0);
  });

  it('measures from the block ending last, not from the block starting last', async () => {
    const src = tmp();
    // A long block [0, 20) h and one inside it, [2, 4) h, both failed in compaction (left unmerged).
    const long = block(src, 0, 20);
    const inner = block(src, 2, 4);
    markFailed(src, long);
    markFailed(src, inner);
    // Newest end 20 h: [2, 4) h ends 16 h before it.
    expect((await run(src, { retentionMs: 15 * H })).kept).toEqual([[0, 20]]);
    expect((await run(src, { retentionMs: 16 * H })).kept).toEqual([
      [0, 20],
      [2, 4],
    ]);
  });
});

describe('size retention', () => {
  /** Five 2 h blocks of 20 series, and a WAL holding only a checkpoint of 500 series. */
  function source(): string {
    const src = tmp();
    for (let h = 0; h < 10; h += 2) block(src, h, h + 2, 20);
    const head = new Head();
    const app = head.appender();
    for (let i = 0; i < 500; i++) app.seriesRef(['__name__', 'checkpointed', 'i', String(i)]);
    app.commit();
    mkdirSync(join(src, 'wal'));
    const w = new CheckpointWriter(join(src, 'wal'), 0);
    const enc = new CheckpointEncoder(head);
    while (enc.remaining > 0) enc.encodeNext(1000, (rec) => w.add(rec));
    w.finish();
    head.close();
    return src;
  }

  it('counts the WAL directory with its checkpoints, the head chunk files and the blocks, newest block first', async () => {
    const src = source();
    // A run without a limit measures what the TSDB holds besides blocks once open.
    const { db: probe } = await run(src, { retentionMs: 100 * H });
    const probeDir = dirs[dirs.length - 1]!;
    const checkpoint = du(join(probeDir, 'wal', 'checkpoint.00000000'));
    expect(checkpoint).toBeGreaterThan(1000);
    const headBytes = du(join(probeDir, 'wal')) + du(join(probeDir, 'chunks_head'));
    const sizes = probe.blocks().map((b) => du(join(probeDir, b.ulid)));
    expect(sizes.reduce((a, n) => a + n, 0)).toBe(probe.blocksBytes());
    const newest = (k: number): number => sizes.slice(sizes.length - k).reduce((a, n) => a + n, 0);
    const all = [0, 2, 4, 6, 8].map((h) => [h, h + 2]);

    // Exactly at the limit: kept; one byte over: the oldest of them goes, with everything older.
    expect((await run(src, { retentionMs: 100 * H, retentionBytes: headBytes + newest(3) })).kept).toEqual(all.slice(2));
    const reg = new Registry();
    expect((await run(src, { retentionMs: 100 * H, retentionBytes: headBytes + newest(3) - 1 }, reg)).kept).toEqual(all.slice(3));
    expect(await metric(reg, 'prometheus_tsdb_size_retentions_total')).toBe(1);
    // The checkpoint counts: a limit with room for three blocks but for the checkpoint keeps fewer.
    const limit = headBytes - checkpoint + newest(3);
    const fit = [0, 1, 2, 3].filter((k) => headBytes + newest(k) <= limit).length - 1;
    expect(fit).toBeLessThan(3);
    expect((await run(src, { retentionMs: 100 * H, retentionBytes: limit })).kept).toEqual(all.slice(5 - fit));
    // Not even the WAL fits: every block goes.
    expect((await run(src, { retentionMs: 100 * H, retentionBytes: headBytes })).kept).toEqual([]);
  });

  it('deletes by end time: a block inside a longer one goes before it', async () => {
    const src = tmp();
    const long = block(src, 0, 20);
    const inner = block(src, 2, 4);
    markFailed(src, long);
    markFailed(src, inner);
    const { db: probe } = await run(src, { retentionMs: 100 * H });
    const probeDir = dirs[dirs.length - 1]!;
    const headBytes = du(join(probeDir, 'wal')) + du(join(probeDir, 'chunks_head'));
    const longBytes = du(join(probeDir, long));
    expect(probe.blocks()).toHaveLength(2);
    expect((await run(src, { retentionMs: 100 * H, retentionBytes: headBytes + longBytes })).kept).toEqual([[0, 20]]);
  });
});
