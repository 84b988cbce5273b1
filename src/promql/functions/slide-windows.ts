/**
 * Windows of the series a fused range-function step loop has slid over (see `range.ts`,
 * `RangeFunction.slide`), kept by the series' timestamps. Series scraped together share their
 * timestamps exactly (a scrape stamps every sample of the target with one time), so the windows
 * of a query's steps are found once per set of timestamps, and every other series with the same
 * timestamps only reads them: where its samples start and end at each step, and the
 * timing terms derived from those timestamps.
 */

/** Most bytes one {@link SlideWindows} holds. */
const BUDGET_BYTES = 8 * 1024 * 1024;
/** Sets built before {@link SlideWindows} judges whether they are reused; with fewer hits than sets, it builds no more. */
const TRIAL_SETS = 64;

/** The windows at every step of series with one set of timestamps. */
export interface WindowSet {
  /** The timestamps (ms): a copy of the series' first `ts.length`. */
  readonly ts: Float64Array;
  /** Per step: the window is the samples [lo, hi). */
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  /** Per step with at least 2 samples: the function's timing term (see `range.ts`). */
  readonly factor: Float64Array;
  /** Per step: 1 where the term holds for any values (see `range.ts`), 0 where values decide. */
  readonly quick: Uint8Array;
  /** Samples in the windows of all steps. */
  windowed: number;
  /** Whether {@link quick} is 1 at every step with at least 2 samples. */
  quickAll: boolean;
}

/**
 * The {@link WindowSet}s of one function over one grid of steps (one per evaluation of a range
 * function: the terms depend on the function). At most 8 MiB; after the first 64 sets, when
 * fewer series reused a set than there are sets (timestamps differ from series to series), no
 * more are built and the caller slides each series' window itself. Not for concurrent use.
 */
export class SlideWindows {
  private readonly byFirst = new Map<number, WindowSet>();
  private bytes = 0;
  private sets = 0;
  private hits = 0;

  /** @param steps the number of steps of the grid. */
  constructor(private readonly steps: number) {}

  /** The set for these timestamps (`ts[0..count)`, ms; count ≥ 1), or null when none was built. */
  find(ts: Float64Array, count: number): WindowSet | null {
    const set = this.byFirst.get(ts[0]!);
    if (set === undefined || set.ts.length !== count) return null;
    const own = set.ts;
    for (let i = count - 1; i > 0; i--) if (own[i] !== ts[i]) return null;
    this.hits++;
    return set;
  }

  /**
   * A new, unfilled set for these timestamps (`ts[0..count)`, ms; count ≥ 1), replacing the one
   * with the same first timestamp; null when the budget is spent or sets are not being reused.
   */
  add(ts: Float64Array, count: number): WindowSet | null {
    if (this.sets >= TRIAL_SETS && this.hits < this.sets) return null;
    const n = this.steps;
    const bytes = 8 * count + 17 * n;
    const old = this.byFirst.get(ts[0]!);
    const freed = old === undefined ? 0 : 8 * old.ts.length + 17 * n;
    if (this.bytes - freed + bytes > BUDGET_BYTES) return null;
    const set: WindowSet = {
      ts: ts.slice(0, count),
      lo: new Int32Array(n),
      hi: new Int32Array(n),
      factor: new Float64Array(n),
      quick: new Uint8Array(n),
      windowed: 0,
      quickAll: false,
    };
    this.byFirst.set(ts[0]!, set);
    this.bytes += bytes - freed;
    this.sets++;
    return set;
  }
}
