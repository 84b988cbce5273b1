/**
 * One series' result row of a range-vector function (`rate(x[5m])`, `*_over_time`, …): the
 * window slid along the steps over the series' samples and the function's kernel applied at each.
 * Shared by the evaluator (which computes every row of a selection in order) and the threads that
 * compute part of a selection's rows for it (see {@link DeferredSelection}), so that both give
 * the same bits.
 */
import type { Labels } from '../../model/labels.js';
import type { Matcher } from '../../model/matcher.js';
import type { Querier, SeriesSamples } from '../../tsdb/types.js';
import type { Slide } from '../functions/extrapolation.js';
import { RANGE_FUNCTIONS, type RangeFunction, type Window } from '../functions/range.js';
import { SlideWindows } from '../functions/slide-windows.js';
import type { RangeSeries } from './types.js';

/** Per-step loops check the deadline every 65,536 steps (a few ms), beside the per-series checks. */
const STEP_CHECK_MASK = 0xffff;

/** The windows of a range argument along the steps. */
export interface RangeWindows {
  /** Window end (ms, inclusive) at each step; one entry per step. */
  ends: Float64Array;
  /** The selector's range (ms): windows are (end − rangeMs, end]. */
  rangeMs: number;
  /** `anchored`/`smoothed` selectors: extra ms of samples kept before the range start and after its end. */
  before: number;
  after: number;
  anchored: boolean;
  smoothed: boolean;
}

/**
 * What the rows of a range function over a range selector depend on, besides the samples: plain
 * data (structured-clonable), so another thread can compute rows as the evaluator does.
 */
export interface RangeRowSpec extends RangeWindows {
  /** The function's name in `RANGE_FUNCTIONS` (`present_over_time` for `absent_over_time`, which is computed with it). */
  func: string;
  /** The grid's first step time and interval (ms), for the kernels' evaluation time. */
  start: number;
  interval: number;
}

/**
 * Computes rows of one range function: {@link row} fills a step column with the function's value
 * and presence for one series. Reuses its buffers across series; not for concurrent use.
 */
export class RangeRows {
  private readonly w: Window;
  /** The kernel fused with the step loop, for plain ranges (it checks no deadline within a series). */
  private readonly fused: ((s: Slide) => number) | null;
  private readonly slide: Slide;
  /** Samples windowed by the general loop (the fused loop counts in `slide.windowed`). */
  private windowedGeneral = 0;

  /**
   * @param fn the function (see {@link rangeFunction}).
   * @param scalars values of the function's scalar arguments per step, in argument order.
   * @param perStep where samples windowed per step are added (query stats), or null.
   * @param warn adds a warning annotation at the range argument.
   * @param checkDeadline throws once the query's deadline has passed (called every 65,536 steps).
   */
  constructor(
    private readonly fn: RangeFunction,
    private readonly spec: RangeRowSpec,
    private readonly scalars: readonly Float64Array[],
    private readonly perStep: Float64Array | null,
    warn: (msg: string) => void,
    private readonly checkDeadline: () => void,
  ) {
    this.w = {
      ts: new Float64Array(0),
      vs: new Float64Array(0),
      lo: 0,
      hi: 0,
      rangeStart: 0,
      rangeEnd: 0,
      rangeMs: spec.rangeMs,
      evalT: 0,
      args: new Float64Array(scalars.length),
      warn,
      anchored: spec.anchored,
      smoothed: spec.smoothed,
      resets: new Int32Array(0),
      out: 0,
    };
    this.fused = fn.slide !== undefined && !spec.anchored && !spec.smoothed ? fn.slide : null;
    const empty = new Float64Array(0);
    this.slide = {
      ts: empty,
      vs: empty,
      count: 0,
      resets: this.w.resets,
      ends: spec.ends,
      rangeMs: spec.rangeMs,
      out: empty,
      has: new Uint8Array(0),
      perStep,
      windowed: 0,
      windows: new SlideWindows(spec.ends.length),
    };
  }

  /** Samples windowed so far, over all rows (for `totalQueryableSamples`). */
  get windowed(): number {
    return this.windowedGeneral + this.slide.windowed;
  }

  /**
   * Writes the function's value and presence at each step of `s` (samples without staleness
   * markers) into `vs`/`has` (one entry per step; only where there is a point, so they must come
   * zeroed) and returns the number of points.
   * @throws what the kernel throws, and the deadline check's error.
   */
  row(s: RangeSeries | SeriesSamples, vs: Float64Array, has: Uint8Array): number {
    const w = this.w;
    w.ts = s.ts;
    w.vs = s.vs;
    if (this.fn.resetCounts) w.resets = this.fused === null ? resetCounts(s.vs, s.count, w.resets) : lastResetCount(s.vs, s.count, w.resets);
    if (this.fused === null) return this.slideWindow(s.count, vs, has);
    const slide = this.slide;
    slide.ts = s.ts;
    slide.vs = s.vs;
    slide.count = s.count;
    slide.resets = w.resets;
    slide.out = vs;
    slide.has = has;
    return this.fused(slide);
  }

  /**
   * Slides the window over one series' `count` samples (`w.ts`, `w.vs`) along the steps and
   * applies the kernel at each. A method of its own, called per series: when what the caller's
   * per-series loop does with a series deoptimizes that loop, the steps still run optimized code.
   */
  private slideWindow(count: number, vs: Float64Array, has: Uint8Array): number {
    const { fn, w, scalars, perStep } = this;
    const { ends, rangeMs, before, after, start: gridStart, interval } = this.spec;
    const ts = w.ts;
    const nArgs = scalars.length;
    let lo = 0;
    let hi = 0;
    let points = 0;
    let windowed = 0;
    for (let i = 0; i < ends.length; i++) {
      if ((i & STEP_CHECK_MASK) === STEP_CHECK_MASK) this.checkDeadline();
      const end = ends[i]!;
      const start = end - rangeMs;
      if (i > 0 && end < ends[i - 1]!) {
        lo = 0;
        hi = 0;
      }
      while (lo < count && ts[lo]! <= start - before) lo++;
      if (hi < lo) hi = lo;
      while (hi < count && ts[hi]! <= end + after) hi++;
      if (hi === lo) continue;
      windowed += hi - lo;
      if (perStep !== null) perStep[i]! += hi - lo;
      w.lo = lo;
      w.hi = hi;
      w.rangeStart = start;
      w.rangeEnd = end;
      w.evalT = gridStart + i * interval;
      for (let a = 0; a < nArgs; a++) w.args[a] = scalars[a]![i]!;
      if (fn.kernel(w)) {
        vs[i] = w.out;
        has[i] = 1;
        points++;
      }
    }
    this.windowedGeneral += windowed;
    return points;
  }
}

/**
 * The range function named `name`.
 * @throws {Error} for a name that is not a range-vector function.
 */
export function rangeFunction(name: string): RangeFunction {
  const fn = RANGE_FUNCTIONS.get(name);
  if (fn === undefined) throw new Error(`${name} is not a range-vector function`);
  return fn;
}

/** Names of the range functions, by function. */
const NAMES = new Map<RangeFunction, string>([...RANGE_FUNCTIONS].map(([name, fn]) => [fn, name]));

/** The name `fn` has in `RANGE_FUNCTIONS` (which {@link rangeFunction} maps back to it), or undefined. */
export function rangeFunctionName(fn: RangeFunction): string | undefined {
  return NAMES.get(fn);
}

/**
 * Prefix counts of counter resets of `vs[0..count)` (see `Window.resets`), written into `buf` when
 * it is long enough (else into a new array, returned either way).
 */
function resetCounts(vs: Float64Array, count: number, buf: Int32Array): Int32Array {
  const out = buf.length >= count ? buf : new Int32Array(Math.max(count, buf.length * 2));
  let n = 0;
  if (count > 0) out[0] = 0;
  for (let i = 1; i < count; i++) {
    if (vs[i]! < vs[i - 1]!) n++;
    out[i] = n;
  }
  return out;
}

/**
 * {@link resetCounts} for the fused step loops, which read the counts only when the last one is
 * not 0 (see `extrapolation.ts`): for a series without a counter reset only the last is written.
 */
function lastResetCount(vs: Float64Array, count: number, buf: Int32Array): Int32Array {
  let i = 1;
  while (i < count && !(vs[i]! < vs[i - 1]!)) i++;
  if (i < count) return resetCounts(vs, count, buf);
  const out = buf.length >= count ? buf : new Int32Array(Math.max(count, buf.length * 2));
  if (count > 0) out[count - 1] = 0;
  return out;
}

/**
 * A selection not read yet (see {@link SplitQuerier}): its series can be read all at once, as
 * `Querier.select` returns them, or turned into rows of a range function, possibly on several
 * threads, in the same order and with the same bits.
 */
export interface DeferredSelection {
  /** An upper bound of the number of series `select()` returns (for the sample limit). */
  readonly candidates: number;
  /** The selected series, exactly as `Querier.select` would have returned them. Call at most once. */
  select(): SeriesSamples[];
  /**
   * Calls `each`, in the order of `select()`'s series, for every series whose row of the range
   * function `spec.func` (no scalar arguments) has a point, with its labels, its row (`vs`, `has`:
   * one entry per step, valid only during the call) and its number of points. Staleness markers
   * are dropped before windowing, as the evaluator does. Call at most once, instead of `select()`.
   * @throws {PromQLError} `timeout` past `deadline` (ms, `Date.now()` clock), and what reading
   *   the samples throws.
   */
  eachRow(spec: RangeRowSpec, deadline: number, each: (labels: Labels, vs: Float64Array, has: Uint8Array, points: number) => void): void;
}

/** A querier that can defer a selection (see {@link DeferredSelection}). */
export interface SplitQuerier extends Querier {
  /** The selection of `select(matchers, mint, maxt)` (ms, inclusive), not read yet. */
  deferSelect(matchers: readonly Matcher[], mint: number, maxt: number): DeferredSelection;
}

/** Whether `q` can defer selections. */
export function isSplitQuerier(q: Querier): q is SplitQuerier {
  return typeof (q as Partial<SplitQuerier>).deferSelect === 'function';
}
