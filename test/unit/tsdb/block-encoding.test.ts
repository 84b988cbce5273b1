import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Matcher } from '../../../src/model/matcher.js';
import { STALE_NAN } from '../../../src/model/value.js';
import { Block } from '../../../src/tsdb/block/block.js';
import { BlocksMergeWriter } from '../../../src/tsdb/block/compact.js';
import { CorruptionError } from '../../../src/tsdb/block/fileread.js';
import { writeHeadBlock } from '../../../src/tsdb/block/writer.js';
import { chunkSampleCount, Encoding } from '../../../src/tsdb/chunkenc/chunk.js';
import { TSDB } from '../../../src/tsdb/db.js';
import { Head } from '../../../src/tsdb/head.js';
import type { SeriesSamples } from '../../../src/tsdb/types.js';
import { crc32c } from '../../../src/tsdb/wal/crc32c.js';
import { haveProgram } from '../../support/processes.js';
import { QuietLogger, tsdbHarness } from './support.js';

const H = 3600_000;
const MIN = 60_000;
/** A 6-hour-aligned time. */
const T0 = 1_800_014_400_000;
const PROMTOOL = '/usr/bin/promtool';

const { tmp, openDB, closeLater, closeNow } = tsdbHarness('lookout-block-encoding-', () => new QuietLogger());

const KINDS = ['counter', 'gauge3', 'slow', 'float', 'special'] as const;

/**
 * Value k of series `kind`: a counter, a 3-decimal gauge, slowly growing full-precision floats,
 * floats jumping between signs, and a decimal gauge with odd values in it.
 */
function value(kind: (typeof KINDS)[number], k: number): number {
  switch (kind) {
    case 'counter':
      return 2 ** 40 + k * 1237 + ((k * 7919) % 331);
    case 'gauge3':
      return Math.round(Math.sin(k / 10) * 50_000) / 1000;
    case 'slow':
      return Math.sqrt(k + 2) * Math.PI;
    case 'float':
      return Math.sin(k * 12.9898) * 43758.5453;
    case 'special':
      return k === 17 ? STALE_NAN : k === 40 ? -0 : k === 90 ? Infinity : k === 300 ? NaN : k / 4;
  }
}

/** The value bits of a series' samples with their timestamps, as [t, hi, lo] triples. */
function triples(s: SeriesSamples): number[][] {
  const w = new Uint32Array(s.vs.buffer, s.vs.byteOffset, 2 * s.count);
  return Array.from({ length: s.count }, (_, i) => [s.ts[i]!, w[2 * i]!, w[2 * i + 1]!]);
}

function want(kind: (typeof KINDS)[number], from: number, to: number, step: number): number[][] {
  const vs = Float64Array.from({ length: to - from }, (_, i) => value(kind, from + i));
  // Float64Array.from canonicalises NaN payloads on some paths: set the staleness marker's bits.
  const w = new Uint32Array(vs.buffer);
  const stale = new Uint32Array(Float64Array.of(STALE_NAN).buffer);
  for (let i = 0; i < vs.length; i++) if (kind === 'special' && from + i === 17) w.set(stale, 2 * i);
  return triples({ labels: [], ts: Float64Array.from({ length: to - from }, (_, i) => T0 + (from + i) * step), vs, count: to - from });
}

function fill(db: TSDB, rounds: number, step: number): void {
  const app = db.appender();
  const refs = KINDS.map((k) => app.seriesRef(['__name__', 'm', 'kind', k]));
  for (let k = 0; k < rounds; k++) for (let j = 0; j < KINDS.length; j++) app.append(refs[j]!, T0 + k * step, value(KINDS[j]!, k));
  app.commit();
}

function select(db: TSDB, kind: string): SeriesSamples {
  const got = db.querier(-Infinity, Infinity).select([new Matcher('=', 'kind', kind)], -Infinity, Infinity);
  expect(got).toHaveLength(1);
  return got[0]!;
}

/** Encoding codes of every chunk of a block. */
function chunkEncodings(dir: string): number[] {
  const b = Block.open(dir);
  closeLater(b);
  const out: number[] = [];
  const entry = { ids: [] as number[], chunks: [] as { minT: number; maxT: number; ref: number }[] };
  for (const id of b.index.allPostings()) for (const c of b.index.series(id, entry).chunks) out.push(b.chunkBytes(c.ref).encoding);
  return out;
}

describe('block chunk encodings', () => {
  it('writes Lookout chunks by default (one per series and 2 h block at 1 min), and every query path reads back the exact bits', async () => {
    const dir = tmp();
    let now = T0;
    const db = openDB({ dir, now: () => now });
    fill(db, 13 * 60, MIN);
    now = T0 + 13 * H;
    await db.tick();
    const metas = db.blocks();
    // Blocks were cut and the first 6 h window merged (chunks copied as they are).
    expect(metas.map((m) => [(m.minTime - T0) / H, (m.maxTime - T0) / H, m.compaction.level])).toEqual([
      [0, 6, 2],
      [6, 8, 1],
      [8, 10, 1],
    ]);
    // The sign-jumping float series goes XOR, the others one Lookout chunk per 2 h.
    expect(metas[1]!.stats).toEqual({ numSamples: 5 * 120, numSeries: 5, numChunks: 4 + 1 });
    const codes = chunkEncodings(join(dir, metas[1]!.ulid));
    expect(codes.filter((c) => c === Encoding.Lookout)).toHaveLength(4);
    expect(codes.filter((c) => c === Encoding.XOR)).toHaveLength(1);
    for (const kind of KINDS) expect(triples(select(db, kind))).toEqual(want(kind, 0, 13 * 60, MIN));
    // Sub-ranges cut inside a chunk, inclusive on both ends.
    const part = db.querier(T0 + 30 * MIN, T0 + 7 * H).select([new Matcher('=', 'kind', 'gauge3')], T0 + 30 * MIN, T0 + 7 * H)[0]!;
    expect(triples(part)).toEqual(want('gauge3', 30, 7 * 60 + 1, MIN));
    closeNow(db);
    const again = openDB({ dir, now: () => now });
    for (const kind of KINDS) expect(triples(select(again, kind))).toEqual(want(kind, 0, 13 * 60, MIN));
  });

  it('splits a series into equal Lookout chunks of at most 120 samples, so a short range reads one chunk', () => {
    const sizes = (count: number): { sizes: number[]; last5m: number } => {
      const head = new Head();
      const app = head.appender();
      const ref = app.seriesRef(['__name__', 'c']);
      for (let k = 0; k < count; k++) app.append(ref, T0 + k * 15_000, 1000 + k * 7);
      app.commit();
      const parent = tmp();
      const meta = writeHeadBlock(head, parent, T0, T0 + 3 * H)!;
      const b = Block.open(join(parent, meta.ulid));
      closeLater(b);
      const entry = { ids: [] as number[], chunks: [] as { minT: number; maxT: number; ref: number }[] };
      const out: number[] = [];
      let first = 0;
      for (const c of b.index.series(b.index.allPostings()[0]!, entry).chunks) {
        const bytes = b.chunkBytes(c.ref);
        expect(bytes.encoding).toBe(Encoding.Lookout);
        const n = chunkSampleCount(bytes.buf, bytes.start);
        expect([c.minT, c.maxT]).toEqual([T0 + first * 15_000, T0 + (first + n - 1) * 15_000]);
        out.push(n);
        first += n;
      }
      const last = T0 + (count - 1) * 15_000;
      const s = b.querier(T0, Infinity).select([new Matcher('=', '__name__', 'c')], last - 5 * MIN, last)[0]!;
      expect(Array.from(s.vs)).toEqual(Array.from({ length: 21 }, (_, i) => 1000 + (count - 21 + i) * 7));
      return { sizes: out, last5m: s.count };
    };
    expect(sizes(480)).toEqual({ sizes: [120, 120, 120, 120], last5m: 21 });
    expect(sizes(481)).toEqual({ sizes: [96, 96, 96, 96, 97], last5m: 21 });
    expect(sizes(120).sizes).toEqual([120]);
  });

  it('reads back the exact bits of any series through a block: long series split at 120 samples, runs of odd floats as XOR', () => {
    const value = fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: -1e9, max: 1e9 }).map((m) => m / 100) },
      { weight: 1, arbitrary: fc.double() },
      { weight: 1, arbitrary: fc.constantFrom(STALE_NAN, NaN, -0, Infinity) },
    );
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 2500 }), fc.integer({ min: 1, max: 2_000 }), (vals, step) => {
        const head = new Head();
        const app = head.appender();
        const ref = app.seriesRef(['__name__', 'x']);
        for (let i = 0; i < vals.length; i++) app.append(ref, T0 + i * step, vals[i]!);
        app.commit();
        const parent = tmp();
        const meta = writeHeadBlock(head, parent, T0, T0 + 2 * H)!;
        expect(meta.stats.numSamples).toBe(vals.length);
        const block = Block.open(join(parent, meta.ulid));
        try {
          const got = block.querier(T0, Infinity).select([new Matcher('=', '__name__', 'x')], T0, Infinity)[0]!;
          const want = head.querier(T0, T0 + 2 * H - 1).select([new Matcher('=', '__name__', 'x')], T0, T0 + 2 * H - 1)[0]!;
          expect(triples(got)).toEqual(triples(want));
        } finally {
          block.close();
        }
      }),
      { numRuns: 25 },
    );
  });

  it('writes XOR chunks only with blockChunkEncoding xor', async () => {
    const dir = tmp();
    let now = T0;
    const db = openDB({ dir, now: () => now, blockChunkEncoding: 'xor' });
    fill(db, 4 * 60, MIN);
    now = T0 + 4 * H;
    await db.tick();
    const metas = db.blocks();
    expect(metas).toHaveLength(1);
    expect(new Set(chunkEncodings(join(dir, metas[0]!.ulid)))).toEqual(new Set([Encoding.XOR]));
    for (const kind of KINDS) expect(triples(select(db, kind))).toEqual(want(kind, 0, 4 * 60, MIN));
  });

  it('compacting Lookout blocks with xor re-encodes their chunks, so the merged block is Prometheus-readable', () => {
    const dir = tmp();
    const head = new Head();
    const app = head.appender();
    const refs = KINDS.map((k) => app.seriesRef(['__name__', 'm', 'kind', k]));
    for (let k = 0; k < 4 * 60; k++) for (let j = 0; j < KINDS.length; j++) app.append(refs[j]!, T0 + k * MIN, value(KINDS[j]!, k));
    app.commit();
    const sources = [writeHeadBlock(head, dir, T0, T0 + 2 * H)!, writeHeadBlock(head, dir, T0 + 2 * H, T0 + 4 * H)!].map((m) => {
      expect(chunkEncodings(join(dir, m.ulid))).toContain(Encoding.Lookout);
      const b = Block.open(join(dir, m.ulid));
      closeLater(b);
      return b;
    });
    const w = BlocksMergeWriter.start(sources, dir, { chunkEncoding: 'xor' });
    w.writeSeries(Infinity);
    const merged = w.finish();
    expect(new Set(chunkEncodings(join(dir, merged.ulid)))).toEqual(new Set([Encoding.XOR]));
    const b = Block.open(join(dir, merged.ulid));
    closeLater(b);
    for (const kind of KINDS) {
      const got = b.querier(-Infinity, Infinity).select([new Matcher('=', 'kind', kind)], -Infinity, Infinity);
      expect(triples(got[0]!)).toEqual(want(kind, 0, 4 * 60, MIN));
    }
    // With the default encoding, chunks are copied as they are.
    const copy = BlocksMergeWriter.start(sources, dir);
    copy.writeSeries(Infinity);
    expect(chunkEncodings(join(dir, copy.finish().ulid)).sort()).toEqual(sources.flatMap((s) => chunkEncodings(s.dir)).sort());
  });

  it.runIf(haveProgram(PROMTOOL))('a block written with xor is read by promtool 2.42; on a Lookout block it reports an invalid chunk encoding', () => {
    const head = new Head();
    const app = head.appender();
    const ref = app.seriesRef(['__name__', 'g']);
    for (let k = 0; k < 480; k++) app.append(ref, T0 + k * 15_000, k / 8);
    app.commit();
    const xor = tmp();
    writeHeadBlock(head, xor, T0, T0 + 2 * H, { chunkEncoding: 'xor' });
    mkdirSync(join(xor, 'wal'));
    const lines = execFileSync(PROMTOOL, ['tsdb', 'dump', xor], { encoding: 'utf8' }).trimEnd().split('\n');
    expect(lines).toHaveLength(480);
    expect(lines[479]).toBe(`{__name__="g"} 59.875 ${T0 + 479 * 15_000}`);
    const compact = tmp();
    const meta = writeHeadBlock(head, compact, T0, T0 + 2 * H)!;
    mkdirSync(join(compact, 'wal'));
    // promtool's dump skips series whose chunks it cannot decode (printing nothing); analyze says why.
    expect(execFileSync(PROMTOOL, ['tsdb', 'dump', compact], { encoding: 'utf8' })).toBe('');
    const analyze = spawnSync(PROMTOOL, ['tsdb', 'analyze', '--extended', compact, meta.ulid], { encoding: 'utf8' });
    expect(analyze.status).toBe(1);
    expect(analyze.stderr).toContain('invalid chunk encoding "<unknown>"');
  });

  it('reports a chunk of an unknown encoding, or a malformed Lookout chunk, with a CorruptionError naming it', () => {
    const head = new Head();
    const app = head.appender();
    const ref = app.seriesRef(['__name__', 'g']);
    for (let k = 0; k < 100; k++) app.append(ref, T0 + k * 15_000, k * 3);
    app.commit();
    const parent = tmp();
    const meta = writeHeadBlock(head, parent, T0, T0 + 2 * H)!;
    const seg = join(parent, meta.ulid, 'chunks', '000001');
    const good = readFileSync(seg);
    // The one chunk: uvarint length at 8 (one byte here), encoding, data, CRC-32C of encoding + data.
    const len = good[8]!;
    expect(len).toBeLessThan(0x80);
    expect(good[9]).toBe(Encoding.Lookout);
    const rewrite = (patch: (b: Buffer) => void): void => {
      const b = Buffer.from(good);
      patch(b);
      b.writeUInt32BE(crc32c(b, 9, 10 + len), 10 + len);
      writeFileSync(seg, b);
    };
    const query = (): unknown => {
      const b = Block.open(join(parent, meta.ulid));
      try {
        return b.querier(-Infinity, Infinity).select([new Matcher('=', '__name__', 'g')], -Infinity, Infinity);
      } finally {
        b.close();
      }
    };
    expect((query() as SeriesSamples[])[0]!.count).toBe(100);
    rewrite((b) => (b[9] = 0x41));
    expect(query).toThrow(CorruptionError);
    expect(query).toThrow('unsupported chunk encoding unknown (0x41): this Lookout reads XOR (1) and Lookout (0x40) chunks');
    // An invalid sequence order (the first two bits after the sample count).
    rewrite((b) => (b[12] = 0xff));
    expect(query).toThrow('Lookout chunk: invalid sequence order 3');
    expect(readdirSync(join(parent, meta.ulid, 'chunks'))).toEqual(['000001']);
  });
});
