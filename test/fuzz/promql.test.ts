/**
 * Fuzzing the PromQL parser (expressions and metric selectors) and promtool's series
 * descriptions: every input parses or throws `PromQLError` / `SeriesDescError`, within the bound.
 * Parsed expressions also print without error.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { parseExpr, parseMetricSelector, parseSeriesDesc, PromQLError, SeriesDescError } from '../../src/promql/index.js';
import { formatExpr } from '../../src/promql/printer.js';
import { expectTypedOutcome, mutatedText, runs, sharedSeeds, FUZZ_TIMEOUT_MS } from './support.js';

const SEEDS = [
  'sum by (job) (rate(http_requests_total{job=~"api|web", code!="500"}[5m] offset 1h @ 1700000000))',
  'histogram_quantile(0.9, sum without (instance) (rate(h_bucket[1m:15s])))',
  'topk(3, a) / on (x) group_left (y) b or vector(1) unless c > bool 2',
  '-a ^ 2 % 3 atan2 b',
  'count_values("v", x) + label_replace(up, "a", "$1", "b", "(.*)")',
  '{__name__=~"a.+", "utf8.name"="x"}',
  'quantile_over_time(0.5, m[6h] smoothed) + absent_over_time(nope[step()])',
  'rate(x[5m] anchored) fill_left(0) + y',
  '1 + 2 * 3 - 0x1f + 1e3 + Inf - NaN + 1h30m',
  'avg(x) by (a, b) limitk(2, y)',
];
const TOKENS = ['(', ')', '[', ']', '{', '}', '"', "'", '`', '\\', ',', ':', '=', '!=', '=~', '!~', '==', '>', '<=', '+', '-', '*', '/', '%', '^', ' ', '\n', '#', '@', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'sum', 'rate', 'topk', 'count_values', 'quantile', 'start()', 'end()', 'step()', '5m', '1h30m', '-1s', '1e400', '0x', 'Inf', 'NaN', '.5', 'x', '__name__', 'le', '\u00e9', '\ud83d\ude00'];

function promqlSeeds(): string[] {
  const out: string[] = [];
  for (const text of sharedSeeds('promql', /\.test$/, 200_000)) {
    for (const line of text.split('\n')) {
      const m = /^eval(?:_\w+)? (?:instant|range) (?:at \S+|from \S+ to \S+ step \S+) (.+)$/.exec(line.trim());
      if (m) out.push(m[1]!);
    }
  }
  return out.slice(0, 400);
}

const typed = (e: unknown) => e instanceof PromQLError;

describe('PromQL fuzzing', { timeout: FUZZ_TIMEOUT_MS }, () => {
  const exprs = mutatedText([...SEEDS, ...promqlSeeds()], TOKENS);

  it('parseExpr returns an expression that prints, or a PromQLError', () => {
    fc.assert(fc.property(exprs, (q) => expectTypedOutcome(q, (s) => formatExpr(parseExpr(s)), typed)), runs(600));
  });

  it('parseMetricSelector', () => {
    const selectors = mutatedText(['up', 'up{job="a",instance!~"b.*"}', '{"a.b"="c", d=~"e"}', 'x{}'], TOKENS);
    fc.assert(fc.property(selectors, (q) => expectTypedOutcome(q, parseMetricSelector, typed)), runs(300));
  });

  it('series descriptions (promtool unit tests)', () => {
    const descs = mutatedText(['up{job="a"} 1+1x10 _ 5 stale', 'x 0-2x3 1e3 Inf -NaN', '{{schema:0 sum:5 count:4 buckets:[1 2 1]}}x2', 'h {{count:1 offset:-2 buckets:[1] n_buckets:[2]}}+{{count:1}}x3'], [...TOKENS, 'x', '_', 'stale', '{{', '}}', 'schema:', 'buckets:', 'n_offset:']);
    fc.assert(fc.property(descs, (s) => expectTypedOutcome(s, parseSeriesDesc, (e) => e instanceof SeriesDescError)), runs(300));
  });
});
