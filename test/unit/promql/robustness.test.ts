/**
 * Robustness: arbitrary token soup must either parse or fail with a PromQLError, and whatever
 * parses must evaluate or fail with a PromQLError — never crash with another exception.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { Engine, parseExpr, PromQLError, type Expr } from '../../../src/promql/index.js';
import { loadHead } from './helpers.js';

const TOKENS = [
  'foo', 'bar{a="b"}', '{x=~".+"}', '[5m]', '[5m:1m]', '(', ')', '+', '-', '*', '/', '^', '%', ' and ', ' or ',
  ' unless ', ' == ', ' > bool ', 'sum', 'rate', 'by (a)', ' on(a) ', ' group_left ', 'offset 5m', '@ 10', '1',
  '0x1f', '"s"', ',', 'topk(2,', 'histogram_quantile(0.9,', 'label_replace(', 'abs(', 'time()', 'scalar(',
  'vector(1)', 'count_values("x",', '[1h:]', 'avg_over_time(', '}', '{', ']', '[', ' ', 'Inf', 'NaN', '1e', '.',
  '`', "'", '\\', '@ start()', 'absent(', 'step()', 'anchored', 'smoothed', ' fill(0) ', 'info(',
  'sort_by_label(', 'quantile(0.5,', 'stddev by (a) (', 'max_over_time(', 'deriv(',
];

describe('robustness', () => {
  const head = loadHead(15_000, 'foo{a="1"} 1+1x20\nbar{a="b"} 2+1x20\nbaz{a="2"} 3+1x20');
  const engine = new Engine();
  it('fails only with PromQLError', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 12 }), (parts) => {
        let e: Expr;
        try {
          e = parseExpr(parts.join(''));
        } catch (err) {
          return err instanceof PromQLError;
        }
        for (const run of [() => engine.instantQuery(head, e, 200_000), () => engine.rangeQuery(head, e, 0, 300_000, 30_000)]) {
          try {
            run();
          } catch (err) {
            if (!(err instanceof PromQLError)) return false;
          }
        }
        return true;
      }),
      { numRuns: 3000 },
    );
  });
});
