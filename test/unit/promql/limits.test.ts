/**
 * Query limits and deep expressions: deadlines (engine timeout and per-query deadline, checked
 * during evaluation), the sample limit checked before dense columns are allocated, and nesting
 * depth — parentheses, signs and operator chains parse, check, evaluate and print without
 * recursion; what still recurses fails with a clean PromQLError instead of a stack overflow.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Engine, exprType, formatExpr, parseExpr, PromQLError, walk, type Expr } from '../../../src/promql/index.js';
import type { Querier, SeriesSamples } from '../../../src/tsdb/types.js';
import { loadHead } from './helpers.js';

const M = 60_000;

function error(f: () => unknown): PromQLError {
  try {
    f();
  } catch (e) {
    if (e instanceof PromQLError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

afterEach(() => vi.restoreAllMocks());

describe('deadlines', () => {
  const head = loadHead(M, 'm{a="1"} 1 2 3\nm{a="2"} 4 5 6');

  it('fails before evaluating when the deadline has passed (upstream "query execution")', () => {
    const e = error(() => new Engine().instantQuery(head, 'm', M, { deadline: Date.now() - 1 }));
    expect([e.type, e.message]).toEqual(['timeout', 'query timed out in query execution']);
  });

  it('stops during evaluation once the clock passes the deadline', () => {
    let clock = 1_000_000;
    vi.spyOn(Date, 'now').mockImplementation(() => clock);
    // The storage takes "10 s" to answer: the next deadline check fails.
    const slow = {
      querier(mint: number, maxt: number): Querier {
        const q = head.querier(mint, maxt);
        return {
          ...q,
          select: (ms, lo, hi): SeriesSamples[] => {
            clock += 10_000;
            return q.select(ms, lo, hi);
          },
          series: q.series.bind(q),
          labelNames: q.labelNames.bind(q),
          labelValues: q.labelValues.bind(q),
        };
      },
    };
    const e = error(() => new Engine({ timeoutMs: 5_000 }).instantQuery(slow, 'sum(m)', M));
    expect([e.type, e.message]).toEqual(['timeout', 'query timed out in expression evaluation']);
    // The per-query deadline wins when it is earlier than the engine's timeout…
    clock = 1_000_000;
    const e2 = error(() => new Engine({ timeoutMs: 60_000 }).instantQuery(slow, 'sum(m)', M, { deadline: clock + 5_000 }));
    expect(e2.message).toBe('query timed out in expression evaluation');
    // …and the engine's timeout when it is.
    clock = 1_000_000;
    expect(new Engine({ timeoutMs: 60_000 }).instantQuery(slow, 'sum(m)', M, { deadline: clock + 50_000 }).value).toEqual({
      type: 'vector',
      samples: [{ labels: [], t: M, v: 7 }],
    });
  });

  it('takes a per-query lookback delta', () => {
    const sparse = loadHead(M, 'g 1 _ _ _');
    expect(new Engine().instantQuery(sparse, 'g', 3 * M).value).toEqual({ type: 'vector', samples: [{ labels: ['__name__', 'g'], t: 3 * M, v: 1 }] });
    expect(new Engine().instantQuery(sparse, 'g', 3 * M, { lookbackDeltaMs: M }).value).toEqual({ type: 'vector', samples: [] });
  });
});

describe('sample limit', () => {
  const head = loadHead(M, 'm{a="1"} 1 2 3\nm{a="2"} 4 5 6');
  it('fails before allocating columns that could hold more points than allowed', () => {
    const engine = new Engine({ maxSamples: 10 });
    // 2 series × 6 steps = 12 > 10, although only 6 points exist.
    const e = error(() => engine.rangeQuery(head, 'm', 0, 5 * M, M));
    expect([e.type, e.message]).toEqual(['execution', 'query processing would load too many samples into memory in query execution']);
    expect(engine.rangeQuery(head, 'm', 0, 4 * M, M).value.type).toBe('matrix');
    // A subquery grid of more steps than the limit fails at once, without evaluating its inner query.
    expect(error(() => new Engine().instantQuery(head, 'count_over_time(vector(1)[1y:1ms])', M)).message).toBe(
      'query processing would load too many samples into memory in query execution',
    );
  });
});

describe('deep expressions', () => {
  const engine = new Engine();
  const head = loadHead(M, 'm{a="1"} 1 2 3');
  const value = (q: string) => engine.instantQuery(head, q, M).value;

  it('parses and evaluates 20,000 nested parentheses and 20,000 signs', () => {
    expect(value('('.repeat(20_000) + '7' + ')'.repeat(20_000))).toEqual({ type: 'scalar', t: M, v: 7 });
    expect(value('-'.repeat(20_001) + 'm')).toEqual({ type: 'vector', samples: [{ labels: ['a', '1'], t: M, v: -2 }] });
    expect(value('- '.repeat(20_000) + '(m)')).toEqual({ type: 'vector', samples: [{ labels: ['a', '1'], t: M, v: 2 }] });
  });

  it('evaluates long operator chains of either associativity', () => {
    expect(value('1' + ' + 1'.repeat(5_000))).toEqual({ type: 'scalar', t: M, v: 5_001 });
    expect(value('m' + ' + m'.repeat(3_000))).toEqual({ type: 'vector', samples: [{ labels: ['a', '1'], t: M, v: 6_002 }] });
    expect(value('2' + ' ^ 1'.repeat(5_000))).toEqual({ type: 'scalar', t: M, v: 2 });
    expect(value('(1 + '.repeat(3_000) + '1' + ')'.repeat(3_000))).toEqual({ type: 'scalar', t: M, v: 3_001 });
  });

  it('types, walks and prints deep trees', () => {
    const chain = parseExpr('m' + ' - m'.repeat(10_000));
    expect(exprType(chain)).toBe('vector');
    expect(exprType(parseExpr('1' + ' * 2'.repeat(10_000)))).toBe('scalar');
    let selectors = 0;
    let deepest = 0;
    walk(parseExpr('('.repeat(10_000) + 'm' + ')'.repeat(10_000)), (n: Expr, path) => {
      if (n.type === 'VectorSelector') selectors++;
      deepest = Math.max(deepest, path.length);
    });
    expect([selectors, deepest]).toEqual([1, 10_000]);
    const text = 'm' + ' - m'.repeat(10_000);
    expect(formatExpr(chain)).toBe(text);
    expect(formatExpr(parseExpr('-(' + '('.repeat(10_000) + 'm' + ')'.repeat(10_001)))).toBe('-(' + '('.repeat(10_000) + 'm' + ')'.repeat(10_001));
  });

  it('keeps upstream type errors and their positions inside deep expressions', () => {
    const e = error(() => parseExpr('('.repeat(5_000) + 'rate(m)' + ')'.repeat(5_000)));
    expect(e.message).toBe('1:5006: parse error: expected type range vector in call to function "rate", got instant vector');
    expect(error(() => parseExpr('1' + ' + 1'.repeat(3_000) + ' + "s"')).message).toBe(
      '1:12005: parse error: binary expression must contain only scalar and instant vector types',
    );
  });

  it('reports evaluation beyond the stack as an execution error', () => {
    const leaf = parseExpr('m');
    let e: Expr = leaf;
    for (let i = 0; i < 100_000; i++) {
      e = { type: 'AggregateExpr', op: 'sum', expr: e, param: null, grouping: [], without: false, pos: leaf.pos };
    }
    const err = error(() => engine.instantQuery(head, e, M));
    expect([err.type, err.message]).toEqual([
      'execution',
      'unexpected error: expression nested too deeply to evaluate (maximum call stack size exceeded)',
    ]);
  });

  it('parses nested calls and aggregations of any depth', () => {
    expect(exprType(parseExpr('abs('.repeat(100_000) + 'm' + ')'.repeat(100_000)))).toBe('vector');
    const e = parseExpr('sum by (a) ('.repeat(10_000) + 'm' + ')'.repeat(10_000));
    expect(e.type === 'AggregateExpr' && e.grouping).toEqual(['a']);
    expect(value('timestamp('.repeat(1_000) + 'm' + ')'.repeat(1_000))).toEqual({ type: 'vector', samples: [{ labels: ['a', '1'], t: M, v: 60 }] });
    expect(error(() => parseExpr('abs('.repeat(1_000) + 'm,' + ')'.repeat(1_000))).message).toBe(
      '1:4002: parse error: trailing commas not allowed in function call args',
    );
    expect(error(() => parseExpr('sum(abs(' + 'rate(m[1m]) ' + 'x))')).message).toBe('1:21: parse error: unexpected identifier "x" in aggregation');
  });

  it('reports nesting beyond the stack as a bad_data parse error with a position', () => {
    const q = 'm[' + '('.repeat(100_000) + '1' + ')'.repeat(100_000) + ']';
    const e = error(() => parseExpr(q));
    expect(e.type).toBe('bad_data');
    expect(e.message).toMatch(/^1:\d+: parse error: expression nested too deeply \(maximum call stack size exceeded\)$/);
    expect(e.positionRange!.start).toBeGreaterThan(2);
  });
});
