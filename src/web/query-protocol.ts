/**
 * Messages between the query pool (main thread) and its query workers, and the packing of
 * selected series into one transferable buffer.
 *
 * A worker evaluates queries but the TSDB head lives on the main thread, so the worker's querier
 * asks the main thread for samples with a *synchronous* call: it posts a {@link SelectRequest} on
 * its RPC port, then blocks in `Atomics.wait` on a shared flag. The main thread answers in one or
 * more {@link SelectBatch}es (posted, then the flag set to 1 and notified), ended by a
 * {@link SelectDone} or a {@link SelectFailed}; the worker drains them with `receiveMessageOnPort`.
 * Request ids let a worker drop late batches of a select it gave up on. A split select (see
 * {@link SelectRequest.split}) is answered first with a {@link SelectBlocks} naming the blocks the
 * worker reads itself, then with batches of the head's series only. A worker may also post a
 * {@link HelpRequest} on its RPC port, which the pool hands to an idle worker as a {@link HelpMessage}.
 */
import type { Labels } from '../model/labels.js';
import type { MatchType } from '../model/matcher.js';
import type { EngineOptions, PromQLErrorType } from '../promql/index.js';
import type { SeriesSamples } from '../tsdb/types.js';
import type { QueryRequest } from './query-exec.js';
import type { HelpJob } from './range-split.js';

/** `workerData` of a query worker. */
export interface WorkerInit {
  engine: EngineOptions;
  /** Int32Array over it: index 0 is the "answer posted" flag. */
  control: SharedArrayBuffer;
  /** The worker's end of the select channel. */
  rpc: import('node:worker_threads').MessagePort;
  /** Number of workers in the pool (more than 1: the worker may ask for help, see `range-split.ts`). */
  peers: number;
}

/**
 * Worker → main (RPC port): have an idle worker help with the rows of a selection of query `qid`
 * (see `range-split.ts`); the pool hands `job` on as a {@link HelpMessage} or drops it.
 */
export interface HelpRequest {
  kind: 'help';
  qid: number;
  job: HelpJob;
}

/** Main → idle worker: help with `help` (computed at once, answered with a {@link HelpDone} when it computed any unit). */
export interface HelpMessage {
  help: HelpJob;
}

/** Helper → main: the number of units it computed for a {@link HelpMessage}. */
export interface HelpDone {
  helped: number;
}

/** Main → worker: evaluate a query. */
export interface QueryMessage {
  id: number;
  req: QueryRequest;
}

/** Worker → main: the answer to a {@link QueryMessage}. */
export type QueryAnswer =
  | { id: number; ok: true; json: string }
  | { id: number; ok: false; errorType: PromQLErrorType | 'internal'; message: string };

/** Worker → main (RPC port): select samples, as `storage.querier(qmint, qmaxt).select(…)`. */
export interface SelectRequest {
  /** Request id, unique per worker. */
  rid: number;
  /** Id of the query it belongs to. */
  qid: number;
  qmint: number;
  qmaxt: number;
  matchers: [MatchType, string, string][];
  mint: number;
  maxt: number;
  /** The query's deadline (ms, `Date.now()` clock): the main thread stops answering after it. */
  deadline: number;
  /**
   * Whether the worker reads blocks itself: the main thread may then answer with a
   * {@link SelectBlocks} naming the blocks to read, and batches of the head's series only.
   */
  split: boolean;
}

/**
 * Main → worker, first answer of a split select (see {@link SelectRequest.split}): the blocks
 * overlapping the querier's range, in the order the storage merges them (oldest first, before the
 * head), which the worker opens and reads itself; the batches that follow hold the head's series.
 */
export interface SelectBlocks {
  rid: number;
  kind: 'blocks';
  /** Overlapping blocks: ULID and directory. */
  blocks: { ulid: string; dir: string }[];
  /** ULIDs of every open block of the storage (the worker closes the others it holds). */
  live: string[];
}

/**
 * Main → worker: some of the selected series, in label order (packed by {@link packSeries}).
 * Label sets travel as one string and a length table ({@link unpackLabels} rebuilds them): cloning
 * one string costs a copy, cloning thousands of small arrays of strings costs far more.
 */
export interface SelectBatch {
  rid: number;
  kind: 'batch';
  /** Every label name and value of the batch's series, in order, concatenated. */
  labelText: string;
  /** Per series: its number of label strings (names and values), then each one's length (UTF-16 units). */
  labelLens: Uint32Array;
  counts: number[];
  /** For each series in order: its `count` timestamps, then its `count` values. */
  data: Float64Array;
}

/** Main → worker: the select is complete. */
export interface SelectDone {
  rid: number;
  kind: 'done';
}

/** Main → worker: the select failed (`timeout` past the deadline, or a storage error). */
export interface SelectFailed {
  rid: number;
  kind: 'failed';
  errorType: PromQLErrorType | 'internal';
  message: string;
}

/** Any main → worker message on the RPC port. */
export type SelectAnswer = SelectBlocks | SelectBatch | SelectDone | SelectFailed;

/**
 * Copies the samples of `series` into one buffer and their label sets into one string and length
 * table (the two buffers can be transferred without copies; see {@link SelectBatch}).
 */
export function packSeries(rid: number, series: readonly SeriesSamples[]): SelectBatch {
  let total = 0;
  let strings = 0;
  for (const s of series) {
    total += s.count;
    strings += s.labels.length;
  }
  const data = new Float64Array(total * 2);
  const labelLens = new Uint32Array(series.length + strings);
  const text: string[] = new Array(strings);
  const counts: number[] = new Array(series.length);
  let o = 0;
  let l = 0;
  let k = 0;
  for (let i = 0; i < series.length; i++) {
    const s = series[i]!;
    const ls = s.labels;
    labelLens[l++] = ls.length;
    for (let j = 0; j < ls.length; j++) {
      labelLens[l++] = ls[j]!.length;
      text[k++] = ls[j]!;
    }
    counts[i] = s.count;
    data.set(s.ts.subarray(0, s.count), o);
    data.set(s.vs.subarray(0, s.count), o + s.count);
    o += 2 * s.count;
  }
  return { rid, kind: 'batch', labelText: text.join(''), labelLens, counts, data };
}

/** The label sets of a batch packed by {@link packSeries}, in series order. */
export function unpackLabels(b: SelectBatch): Labels[] {
  const out: Labels[] = new Array(b.counts.length);
  const lens = b.labelLens;
  const text = b.labelText;
  let l = 0;
  let pos = 0;
  for (let i = 0; i < out.length; i++) {
    const n = lens[l++]!;
    const ls: string[] = new Array(n);
    for (let j = 0; j < n; j++) {
      const len = lens[l++]!;
      ls[j] = text.slice(pos, pos + len);
      pos += len;
    }
    out[i] = ls;
  }
  return out;
}
