/**
 * Values the evaluator passes between nodes. Every instant-vector or scalar value is computed for
 * all steps of a {@link Grid} at once, as columns (`Float64Array` per series), so each node is
 * evaluated once per query and inner loops run over typed arrays without allocating per sample.
 */
import type { Labels } from '../../model/labels.js';

/**
 * The evaluation steps `start, start + interval, …, end` (ms). An instant query is a grid of
 * one step (`interval` 1 by convention, as upstream).
 */
export interface Grid {
  readonly start: number;
  readonly end: number;
  readonly interval: number;
  /** Number of steps: `floor((end - start) / interval) + 1`. */
  readonly n: number;
}

/** Builds a grid; `end < start` gives zero steps. */
export function makeGrid(start: number, end: number, interval: number): Grid {
  const n = end < start ? 0 : Math.floor((end - start) / interval) + 1;
  return { start, end, interval, n };
}

/** Timestamp (ms) of step `i`. */
export function stepTime(g: Grid, i: number): number {
  return g.start + i * g.interval;
}

/** One series of an instant vector over a grid. */
export interface StepSeries {
  labels: Labels;
  /** Value per step (meaningful where `has[i] === 1`). */
  vs: Float64Array;
  /** 1 where the series has a point at step i. */
  has: Uint8Array;
  /**
   * The metric name (and `__type__`/`__unit__`) is to be dropped when the query finishes, as
   * upstream's delayed name removal: functions and operators that change a metric's meaning set
   * it, `label_replace`/`label_join` writing `__name__` clear it.
   */
  dropName: boolean;
}

/** Raw samples of one series (a range vector), timestamps ascending (ms). */
export interface RangeSeries {
  labels: Labels;
  ts: Float64Array;
  vs: Float64Array;
  /** Valid length of `ts`/`vs`. */
  count: number;
  dropName: boolean;
}

/** An instant vector: series over the grid. */
export interface VectorValue {
  kind: 'vector';
  series: StepSeries[];
}

/** A scalar: one value per step (always present). */
export interface ScalarValue {
  kind: 'scalar';
  vs: Float64Array;
}

/** A string (only as a query's result). */
export interface StringValue {
  kind: 'string';
  v: string;
}

/** A range vector (only as the result of an instant query of a range selector or subquery). */
export interface MatrixValue {
  kind: 'matrix';
  series: RangeSeries[];
}

/** Any value a node evaluates to. */
export type Value = VectorValue | ScalarValue | StringValue | MatrixValue;

/** A new series with empty columns for `n` steps. */
export function newStepSeries(labels: Labels, n: number, dropName: boolean): StepSeries {
  return { labels, vs: new Float64Array(n), has: new Uint8Array(n), dropName };
}

/** Whether any step of the series has a point. */
export function hasAnyPoint(s: StepSeries): boolean {
  return s.has.indexOf(1) >= 0;
}
