/**
 * Printing expressions back to text: the outputs below are what Prometheus 2.42 returned as the
 * `query` of recording rules with these expressions (checked with the Debian binary).
 */
import { describe, expect, it } from 'vitest';
import { formatExpr, parseExpr } from '../../../src/promql/index.js';

const CASES: [string, string][] = [
  ['sum(rate(http_requests_total{job="api",code=~"5.."}[5m]))by(job)', 'sum by (job) (rate(http_requests_total{code=~"5..",job="api"}[5m]))'],
  ['sum without(instance, code)(rate(x[1h30m]))', 'sum without (instance, code) (rate(x[1h30m]))'],
  ['topk(3, x offset 5m)', 'topk(3, x offset 5m)'],
  ['x @ 1700000000.5', 'x @ 1700000000.500'],
  ['x[5m] @ 1700000000 offset 1m', 'x[5m] @ 1700000000.000 offset 1m'],
  ['rate(x[5m])[1h:1m] offset -10m', 'rate(x[5m])[1h:1m] offset -10m'],
  ['max_over_time(x[90d:1w])', 'max_over_time(x[90d:1w])'],
  ['a + on(job) group_left(version) b', 'a + on (job) group_left (version) b'],
  ['a / ignoring(code) group_right b', 'a / ignoring (code) group_right () b'],
  ['a > bool 5', 'a > bool 5'],
  ['a and on() b', 'a and on () b'],
  ['- (x + 1)', '-(x + 1)'],
  ['"a\\nb\\"c"', '"a\\nb\\"c"'],
  ['1e3 + 0x10', '1000 + 16'],
  ['Inf', '+Inf'],
  ['quantile(0.9, x) by (le)', 'quantile by (le) (0.9, x)'],
  ['{__name__=~"a.+", b!="c"}', '{__name__=~"a.+",b!="c"}'],
  ['x{b="c", a="d"}', 'x{a="d",b="c"}'],
  ['x offset 1d2h', 'x offset 1d2h'],
  ['sum(x) without()', 'sum without () (x)'],
  ['x[1m:]', 'x[1m:]'],
  ['2^-1', '2 ^ -1'],
  ['(1 + 2) * 3', '(1 + 2) * 3'],
];

describe('formatExpr', () => {
  it.each(CASES)('%s', (input, want) => {
    expect(formatExpr(parseExpr(input))).toBe(want);
  });
  it('prints what parses to the same expression', () => {
    for (const q of ['x[2m*(10+5)]', 'x offset -(1m + 5s)', 'count_over_time(x[step() + 1ms])', 'a * fill_left(1) fill_right(-2) b', '{"a.b"="c"}']) {
      const once = formatExpr(parseExpr(q));
      expect([q, formatExpr(parseExpr(once))]).toEqual([q, once]);
    }
  });
});
