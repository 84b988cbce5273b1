/**
 * Query results, as the four PromQL value types of the Prometheus HTTP API (`resultType`
 * `vector`, `matrix`, `scalar`, `string`). Timestamps are integer milliseconds; the web layer
 * converts to float seconds when encoding JSON.
 */
import type { Labels } from '../model/labels.js';

/** One sample of an instant vector. */
export interface VectorSample {
  labels: Labels;
  /** Evaluation timestamp (ms). */
  t: number;
  v: number;
}

/** One series of a range result: points at ascending timestamps. */
export interface MatrixSeries {
  labels: Labels;
  /** Timestamps (ms). */
  ts: Float64Array;
  vs: Float64Array;
}

/** A query's value, in one of the four result types of the HTTP API. */
export type QueryValue =
  | { type: 'vector'; samples: VectorSample[] }
  | { type: 'matrix'; series: MatrixSeries[] }
  | { type: 'scalar'; t: number; v: number }
  | { type: 'string'; t: number; v: string };

/** A query's answer with its annotations (the API's `warnings` and `infos`). */
export interface QueryResult {
  value: QueryValue;
  warnings: string[];
  infos: string[];
}
