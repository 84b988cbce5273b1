/** Typed-array column growth shared by the head's series columns, XOR append state and chunk table. */
import { describe, expect, it } from 'vitest';
import { Matcher } from '../../../src/model/matcher.js';
import { growColumn } from '../../../src/tsdb/columns.js';
import { Head } from '../../../src/tsdb/head.js';

describe('growColumn', () => {
  it('keeps the element type and the entries, zero-filling the new ones', () => {
    const f = growColumn(Float64Array.of(1.5, -2), 4);
    expect(f).toBeInstanceOf(Float64Array);
    expect([...f]).toEqual([1.5, -2, 0, 0]);
    const u = growColumn(Uint16Array.of(65535), 3);
    expect(u).toBeInstanceOf(Uint16Array);
    expect([...u]).toEqual([65535, 0, 0]);
    const i = growColumn(Int32Array.of(-7), 2);
    expect([...i]).toEqual([-7, 0]);
  });

  it('lets the head outgrow its initial column capacity (1024 series) without losing samples', () => {
    const head = new Head();
    const app = head.appender();
    const refs: number[] = [];
    for (let i = 0; i < 3000; i++) refs.push(app.seriesRef(['__name__', 'x', 'i', String(i)]));
    for (let k = 0; k < 3; k++) refs.forEach((r, i) => app.append(r, 1000 * (k + 1), i + k / 10));
    app.commit();
    const got = head.querier(0, 1e15).select([new Matcher('=', 'i', '2999')], 0, 1e15);
    expect(got.length).toBe(1);
    const s = got[0]!;
    const pts: [number, number][] = [];
    for (let i = 0; i < s.count; i++) pts.push([s.ts[i]!, s.vs[i]!]);
    expect(pts).toEqual([[1000, 2999], [2000, 2999.1], [3000, 2999.2]]);
    expect(head.numSeries()).toBe(3000);
  });
});
