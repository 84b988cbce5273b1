import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { Matcher } from '../../../src/model/matcher.js';
import { STALE_NAN } from '../../../src/model/value.js';
import { Block } from '../../../src/tsdb/block/block.js';
import { writeHeadBlock } from '../../../src/tsdb/block/writer.js';
import type { BlockChunkEncoding } from '../../../src/tsdb/chunkenc/blockchunk.js';
import { Encoding } from '../../../src/tsdb/chunkenc/chunk.js';
import { Head } from '../../../src/tsdb/head.js';
import type { SeriesSamples } from '../../../src/tsdb/types.js';

const H = 3600_000;
/** A 2-hour-aligned time. */
const T0 = 1_800_007_200_000;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** [t, value high word, value low word] of each sample, so NaN payloads compare exactly. */
function triples(s: SeriesSamples | undefined): number[][] {
  if (s === undefined) return [];
  const w = new Uint32Array(s.vs.buffer, s.vs.byteOffset, 2 * s.count);
  return Array.from({ length: s.count }, (_, i) => [s.ts[i]!, w[2 * i]!, w[2 * i + 1]!]);
}

const value = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -1e6, max: 1e6 }).map((m) => m / 100) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 50 }) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(STALE_NAN, NaN, -0, Infinity) },
);

/** A series: its values (runs of equal values, as gauges that stay put), its gaps, its block chunk encoding, and ranges to read. */
const series = fc.record({
  values: fc.array(fc.tuple(value, fc.integer({ min: 1, max: 40 })), { minLength: 1, maxLength: 40 }).map((runs) => runs.flatMap(([v, r]) => Array<number>(r).fill(v)).slice(0, 700)),
  /** Gap i (ms) is `base` plus a deterministic jitter below `jitter` + 1 (0: regular scrapes). */
  gaps: fc.record({ base: fc.integer({ min: 1, max: 30_000 }), jitter: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 20_000 })) }),
  encoding: fc.constantFrom<BlockChunkEncoding>('lookout', 'xor'),
  ranges: fc.array(fc.tuple(fc.double({ min: -0.2, max: 1.2, noNaN: true }), fc.double({ min: -0.2, max: 1.2, noNaN: true })), { minLength: 1, maxLength: 6 }),
});

describe('block reads of a time range', () => {
  it('equal the whole series cut to the range, for every chunk encoding and any range', () => {
    const encodings = new Set<number>();
    fc.assert(
      fc.property(series, ({ values, gaps, encoding, ranges }) => {
        const head = new Head();
        const app = head.appender();
        const ref = app.seriesRef(['__name__', 'x']);
        const ts: number[] = [];
        let t = T0;
        for (let i = 0; i < values.length && t < T0 + 2 * H; i++) {
          app.append(ref, t, values[i]!);
          ts.push(t);
          t += gaps.base + ((i * 7919) % (gaps.jitter + 1));
        }
        app.commit();
        const parent = mkdtempSync(join(tmpdir(), 'lookout-block-range-'));
        dirs.push(parent);
        const meta = writeHeadBlock(head, parent, T0, T0 + 2 * H, { chunkEncoding: encoding })!;
        const block = Block.open(join(parent, meta.ulid));
        try {
          const x = [new Matcher('=', '__name__', 'x')];
          const whole = triples(block.querier(-Infinity, Infinity).select(x, -Infinity, Infinity)[0]);
          expect(whole.map((s) => s[0])).toEqual(ts);
          const entry = { ids: [] as number[], chunks: [] as { minT: number; maxT: number; ref: number }[] };
          const id = block.index.allPostings()[0]!;
          const chunks = block.index.series(id, entry).chunks.map((c) => ({ ...c }));
          for (const c of chunks) encodings.add(block.chunkBytes(c.ref).encoding);
          // Range ends: random points of the series' span, and each chunk's bounds, the gaps
          // between chunks and points before and after the series.
          const first = ts[0]!;
          const last = ts[ts.length - 1]!;
          const points = ranges.flatMap(([a, b]) => [Math.round(first + a * (last - first)), Math.round(first + b * (last - first))]);
          for (const c of chunks) points.push(c.minT - 1, c.minT, c.minT + 1, c.maxT - 1, c.maxT, c.maxT + 1);
          points.push(first - 100_000, last + 100_000);
          for (let i = 0; i + 1 < points.length; i += 2) {
            for (const [lo, hi] of [
              [Math.min(points[i]!, points[i + 1]!), Math.max(points[i]!, points[i + 1]!)],
              [points[i]!, points[i]!],
            ] as const) {
              const want = whole.filter(([tt]) => tt! >= lo && tt! <= hi);
              expect(triples(block.querier(lo, hi).select(x, -Infinity, Infinity)[0])).toEqual(want);
              expect(triples(block.querier(-Infinity, Infinity).select(x, lo, hi)[0])).toEqual(want);
            }
          }
          // Ranges between two chunks hold nothing.
          for (let i = 0; i + 1 < chunks.length; i++) {
            const lo = chunks[i]!.maxT + 1;
            const hi = chunks[i + 1]!.minT - 1;
            if (lo <= hi) expect(block.querier(lo, hi).select(x, lo, hi)).toEqual([]);
          }
        } finally {
          block.close();
        }
      }),
      { numRuns: 60 },
    );
    // Both encodings (and Lookout's fallback to XOR) were exercised.
    expect(encodings).toEqual(new Set([Encoding.XOR, Encoding.Lookout]));
  });

  it('reads the ranges of many series into shared pages without mixing them up', () => {
    const head = new Head();
    const app = head.appender();
    const n = 300;
    const refs = Array.from({ length: n }, (_, j) => app.seriesRef(['__name__', 'm', 'j', String(j).padStart(3, '0')]));
    for (let k = 0; k < 480; k++) for (let j = 0; j < n; j++) app.append(refs[j]!, T0 + k * 15_000, j % 7 === 0 && k === 200 ? STALE_NAN : j * 1000 + k * (j % 5));
    app.commit();
    const parent = mkdtempSync(join(tmpdir(), 'lookout-block-range-'));
    dirs.push(parent);
    const meta = writeHeadBlock(head, parent, T0, T0 + 2 * H)!;
    const block = Block.open(join(parent, meta.ulid));
    try {
      const m = [new Matcher('=', '__name__', 'm')];
      const whole = block.querier(-Infinity, Infinity).select(m, -Infinity, Infinity).map(triples);
      for (const [lo, hi] of [
        [T0 + 55 * 60_000, T0 + 2 * H],
        [T0 + 29 * 60_000 + 7_000, T0 + 61 * 60_000],
        [T0 + 15_000, T0 + 15_000],
      ] as const) {
        const got = block.querier(lo, hi).select(m, lo, hi);
        expect(got).toHaveLength(n);
        expect(got.map(triples)).toEqual(whole.map((s) => s.filter(([t]) => t! >= lo && t! <= hi)));
      }
    } finally {
      block.close();
    }
  });
});
