/**
 * Per-query statistics, as the `stats` of Prometheus's `/api/v1/query{,_range}` (upstream
 * `util/stats`: `QueryTimers` and `QuerySamples`). The caller creates one {@link QueryStats},
 * passes it in `QueryOptions.stats`, and reads it after the query. Counting costs integer
 * additions only, no allocation: without a collector the evaluator adds nothing beyond one sum per
 * range-function window (and one `null` check per step there), and times no storage read.
 *
 * Sample counting follows upstream's model where Lookout's engine evaluates the same way:
 * - an instant vector selector adds one sample per step at which a series has a point;
 * - a range function adds, at each step, the samples in that step's window (of a range
 *   selector, or of a subquery's result); overlapping windows count their samples again;
 * - a range selector or subquery returned by an instant query adds the samples it returns;
 * - the inner evaluation of a subquery adds nothing (its points are counted in the windows).
 * Peak samples follow Lookout's own memory model, not upstream's (see {@link QueryStats.peakSamples}).
 */

/** Sample statistics of one query and its timings, all timings in milliseconds. */
export class QueryStats {
  /** Samples read by the evaluation (upstream `totalQueryableSamples`). */
  totalSamples = 0;
  /**
   * Most samples held at once by one node of the evaluation: the points of a node's result, or
   * the raw samples a range selector loaded for all its steps. Upstream's `peakSamples` is the
   * most points alive across the whole evaluator at one step; both agree on plain selectors.
   */
  peakSamples = 0;
  /**
   * Samples counted per step of the query's grid (upstream `totalQueryableSamplesPerStep`), or
   * null when per-step counts were not asked for.
   */
  readonly perStep: Float64Array | null;
  /** Time spent parsing the query and reading samples from storage (ms). */
  preparationMs = 0;
  /** Time spent evaluating, storage reads excluded (ms). */
  innerEvalMs = 0;
  /** Time spent building and sorting the result (ms). */
  resultSortMs = 0;

  /**
   * @param steps Number of steps of the query (1 for an instant query) when per-step counts are
   *   wanted; 0 for none.
   */
  constructor(steps = 0) {
    this.perStep = steps > 0 ? new Float64Array(steps) : null;
  }

  /** A collector for a subquery's inner evaluation: counts nothing per step, totals are dropped. */
  child(): QueryStats {
    return new QueryStats(0);
  }

  /** Records that one node held `n` samples at once. */
  hold(n: number): void {
    if (n > this.peakSamples) this.peakSamples = n;
  }
}
