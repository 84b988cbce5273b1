/**
 * Head and block queriers decode whole chunks into reused scratch arrays and hand out exact-size
 * copies of the selected range: long series (many chunks, scratch growth), short ranges inside a
 * chunk, staleness markers (value bits) and consecutive selects must all come back exactly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Matcher } from '../../../src/model/matcher.js';
import { isStaleNaN, STALE_NAN } from '../../../src/model/value.js';
import { Block } from '../../../src/tsdb/block/block.js';
import { writeHeadBlock } from '../../../src/tsdb/block/writer.js';
import { Head } from '../../../src/tsdb/head.js';
import type { Querier, SeriesSamples } from '../../../src/tsdb/types.js';

const N = 3000;
/** Sample i of series s: every 97th a staleness marker. */
const value = (s: number, i: number): number => (i % 97 === 96 ? STALE_NAN : s * 1e6 + i * 0.25);

function fill(): Head {
  const head = new Head();
  const app = head.appender();
  const refs = [0, 1, 2].map((s) => app.seriesRef(['__name__', 'm', 's', String(s)]));
  for (let i = 0; i < N; i++) for (let s = 0; s < 3; s++) app.append(refs[s]!, i * 1000, value(s, i));
  app.commit();
  return head;
}

function check(got: SeriesSamples[], lo: number, hi: number): void {
  expect(got.map((g) => g.labels[3])).toEqual(['0', '1', '2']);
  for (let s = 0; s < 3; s++) {
    const g = got[s]!;
    const first = Math.max(0, Math.ceil(lo / 1000));
    const last = Math.min(N - 1, Math.floor(hi / 1000));
    expect(g.count).toBe(last - first + 1);
    for (let k = 0; k < g.count; k++) {
      const i = first + k;
      expect(g.ts[k]).toBe(i * 1000);
      const want = value(s, i);
      if (isStaleNaN(want)) expect(isStaleNaN(g.vs[k]!)).toBe(true);
      else expect(g.vs[k]).toBe(want);
    }
  }
}

function selectAll(q: Querier, lo: number, hi: number): SeriesSamples[] {
  return q.select([new Matcher('=', '__name__', 'm')], lo, hi);
}

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

describe('querier scratch decoding', () => {
  it('returns every sample of long series and of short ranges, from the head and from a block', () => {
    const head = fill();
    dir = mkdtempSync(join(tmpdir(), 'lookout-scratch-'));
    const meta = writeHeadBlock(head, dir, 0, N * 1000)!;
    const block = Block.open(join(dir, meta.ulid));
    try {
      for (const q of [head.querier(0, Infinity), block.querier(0, Infinity)]) {
        // Whole range (scratch grows past its initial size), then short ranges reusing it.
        const whole = selectAll(q, 0, N * 1000);
        const short = selectAll(q, 1_500_500, 1_520_000);
        check(whole, 0, N * 1000);
        check(short, 1_500_500, 1_520_000);
        check(selectAll(q, 2_990_000, 5_000_000), 2_990_000, 5_000_000);
        // The first result is a copy: later selects did not overwrite it.
        check(whole, 0, N * 1000);
      }
    } finally {
      block.close();
    }
  });
});
