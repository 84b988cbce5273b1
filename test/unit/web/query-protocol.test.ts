/**
 * Select batches carry label sets as one string and a length table (query-protocol.ts): the
 * worker must get back exactly the label sets and samples the main thread selected.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packSeries, unpackLabels } from '../../../src/web/query-protocol.js';

describe('select batch packing', () => {
  it('round-trips label sets (empty, non-ASCII, astral) and samples', () => {
    const series = [
      { labels: ['__name__', 'up', 'job', ''], ts: new Float64Array([1, 2, 9]), vs: new Float64Array([0.5, NaN, 7]), count: 2 },
      { labels: ['__name__', 'é☃😀', 'a', 'b\u0000c'], ts: new Float64Array([3]), vs: new Float64Array([-1]), count: 1 },
      { labels: [], ts: new Float64Array(0), vs: new Float64Array(0), count: 0 },
    ];
    const b = packSeries(7, series);
    expect(b.rid).toBe(7);
    expect(unpackLabels(b)).toEqual([['__name__', 'up', 'job', ''], ['__name__', 'é☃😀', 'a', 'b\u0000c'], []]);
    expect(b.counts).toEqual([2, 1, 0]);
    expect([...b.data]).toEqual([1, 2, 0.5, NaN, 3, -1]);
  });

  it('round-trips any label sets', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.string({ unit: 'binary' }), { maxLength: 8 }), { maxLength: 20 }), (sets) => {
        const series = sets.map((labels) => ({ labels, ts: new Float64Array(0), vs: new Float64Array(0), count: 0 }));
        expect(unpackLabels(packSeries(1, series))).toEqual(sets);
      }),
    );
  });
});
