/** Series descriptions (the `load` notation of PromQL tests and promtool). */
import { describe, expect, it } from 'vitest';
import { toObject } from '../../../src/model/labels.js';
import { isStaleNaN } from '../../../src/model/value.js';
import { parseSeriesDesc, SeriesDescError, SeriesPoint } from '../../../src/promql/index.js';

function values(line: string): (number | string)[] {
  const d = parseSeriesDesc(line);
  return Array.from(d.kinds, (k, i) =>
    k === SeriesPoint.Omitted ? '_' : k === SeriesPoint.Histogram ? 'h' : isStaleNaN(d.values[i]!) ? 'stale' : d.values[i]!,
  );
}

describe('parseSeriesDesc', () => {
  it('reads the metric name and labels', () => {
    expect(toObject(parseSeriesDesc('http_requests{job="api", "a.b"="c"} 1').labels)).toEqual({
      __name__: 'http_requests',
      job: 'api',
      'a.b': 'c',
    });
    expect(toObject(parseSeriesDesc('{"my.metric", x="y"} 1').labels)).toEqual({ __name__: 'my.metric', x: 'y' });
    expect(toObject(parseSeriesDesc('sum 1').labels)).toEqual({ __name__: 'sum' });
  });
  it('expands repetitions, steps, gaps and staleness markers', () => {
    expect(values('m 1 2x2 0+10x3 10-2.5x2 _ _x2 stale -1 Inf')).toEqual([
      1, 2, 2, 2, 0, 10, 20, 30, 10, 7.5, 5, '_', '_', '_', 'stale', -1, Infinity,
    ]);
  });
  it('reads 0x10 as a repetition, not hex (as upstream)', () => {
    expect(values('m 0x2')).toEqual([0, 0, 0]);
  });
  it('recognises native histogram literals, also with blanks and increments', () => {
    expect(values('m {{schema:0 sum:5 count:4 buckets:[1 2 1]}} {{}}x1 {{sum:1}}+{{sum:2}}x2 3')).toEqual([
      'h', 'h', 'h', 'h', 'h', 'h', 3,
    ]);
  });
  it('applies steps by repeated addition', () => {
    expect(values('m 0+0.1x3')).toEqual([0, 0.1, 0.2, 0.30000000000000004]);
  });
  it('rejects malformed values', () => {
    expect(() => parseSeriesDesc('m 1+x3')).toThrow(SeriesDescError);
    expect(() => parseSeriesDesc('m{a="b" 1')).toThrow(SeriesDescError);
    expect(() => parseSeriesDesc('m {{sum:1')).toThrow(SeriesDescError);
  });
});
