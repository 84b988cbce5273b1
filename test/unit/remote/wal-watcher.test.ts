import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Labels } from '../../../src/model/labels.js';
import { WALWatcher, type WatcherSink } from '../../../src/remote/wal-watcher.js';
import { HI } from '../../../src/tsdb/chunkenc/floatbits.js';
import { Encbuf } from '../../../src/tsdb/encoding.js';
import { CheckpointWriter } from '../../../src/tsdb/wal/checkpoint.js';
import { encodeSamples, encodeSeries, type SampleBatch } from '../../../src/tsdb/wal/record.js';
import { WAL } from '../../../src/tsdb/wal/wal.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** A sink taking at most `room` samples per call (Infinity: all), recording what it got. */
class Sink implements WatcherSink {
  series = new Map<number, string>();
  removed: number[] = [];
  got: [number, number, number][] = [];
  room = Infinity;
  storeSeries(ref: number, labels: Labels): void {
    this.series.set(ref, labels.join(','));
  }
  removeSeries(ref: number): void {
    this.removed.push(ref);
    this.series.delete(ref);
  }
  appendSamples(batch: SampleBatch, from: number): number {
    const n = Math.min(batch.length - from, this.room);
    const f = new Float64Array(1);
    const u = new Uint32Array(f.buffer);
    for (let i = from; i < from + n; i++) {
      u[HI] = batch.hi[i]!;
      u[1 - HI] = batch.lo[i]!;
      this.got.push([batch.refs[i]!, batch.ts[i]!, f[0]!]);
    }
    return n;
  }
}

function series(ref: number, name: string): Uint8Array {
  const e = new Encbuf(64);
  encodeSeries(e, [ref], 0, 1, () => ['__name__', name]);
  return e.bytes().slice();
}

function samples(rows: [number, number, number][]): Uint8Array {
  const e = new Encbuf(64);
  const vs = new Float64Array(rows.map((r) => r[2]));
  encodeSamples(e, rows.map((r) => r[0]), new Float64Array(rows.map((r) => r[1])), new Uint32Array(vs.buffer), rows.length, HI);
  return e.bytes().slice();
}

function setup(): { dir: string; wal: WAL; sink: Sink; watcher: WALWatcher } {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-watcher-'));
  const wal = WAL.open(dir);
  const sink = new Sink();
  const watcher = new WALWatcher(dir, sink, { pollMs: 5 });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => wal.close(), () => watcher.stop());
  return { dir, wal, sink, watcher };
}

async function until(what: string, check: () => boolean): Promise<void> {
  const end = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('WALWatcher', () => {
  it('starts at the end: series already on disk are known, their samples are not sent', async () => {
    const { wal, sink, watcher } = setup();
    wal.log([series(1, 'a'), samples([[1, 10, 1]])], 10, 10);
    watcher.start();
    wal.log([samples([[1, 20, 2]])], 20, 20);
    wal.log([series(2, 'b'), samples([[2, 30, 3], [1, 30, 4]])], 30, 30);
    await until('3 samples', () => sink.got.length === 3);
    expect(sink.got).toEqual([
      [1, 20, 2],
      [2, 30, 3],
      [1, 30, 4],
    ]);
    expect([...sink.series]).toEqual([
      [1, '__name__,a'],
      [2, '__name__,b'],
    ]);
  });

  it('reads records spanning pages and segments, and holds back while the sink is full', async () => {
    const { wal, sink, watcher } = setup();
    watcher.start();
    sink.room = 0;
    const rows: [number, number, number][] = [];
    for (let i = 0; i < 5000; i++) rows.push([1, i, i]);
    wal.log([series(1, 'a'), samples(rows)], 0, 4999);
    wal.nextSegment();
    wal.log([samples([[1, 5000, 5000]])], 5000, 5000);
    await new Promise((r) => setTimeout(r, 50));
    expect(sink.got).toEqual([]);
    sink.room = 700;
    watcher.poke();
    await until('5001 samples', () => sink.got.length === 5001);
    expect(sink.got.map((r) => r[1])).toEqual(Array.from({ length: 5001 }, (_, i) => i));
    expect(watcher.currentSegment()).toBe(1);
  });

  it('skips segments removed under it, reads the new checkpoint and forgets series it dropped', async () => {
    const { dir, wal, sink, watcher } = setup();
    wal.log([series(1, 'a'), series(2, 'b')], Infinity, -Infinity);
    watcher.start();
    sink.room = 0;
    wal.log([samples([[1, 1, 1]])], 1, 1);
    wal.nextSegment();
    wal.log([samples([[1, 2, 2]])], 2, 2);
    wal.nextSegment();
    wal.log([series(3, 'c'), samples([[3, 3, 3]])], 3, 3);
    // Checkpoint 1 keeps series 1 only; segments 0 and 1 go.
    const cp = new CheckpointWriter(dir, 1);
    cp.add(series(1, 'a'));
    cp.finish();
    wal.removeSegmentsUpTo(1);
    sink.room = Infinity;
    watcher.poke();
    await until('series 3 sample', () => sink.got.some((r) => r[0] === 3));
    // Segment 0 was open: finished from its descriptor; segment 1 was gone.
    expect(sink.got).toEqual([
      [1, 1, 1],
      [3, 3, 3],
    ]);
    expect(sink.removed).toEqual([2]);
    expect([...sink.series.keys()].sort()).toEqual([1, 3]);
  });
});
