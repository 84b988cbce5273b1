/**
 * The head appender, as Prometheus's `headAppender`: `append` validates a sample against the
 * committed state of its series (out of bounds, out of order, duplicate) and buffers it in typed
 * arrays; `commit` logs the batch to the WAL (when the head has one) and then applies it, so samples
 * become visible to queriers only after `commit`.
 */
import type { Labels } from '../model/labels.js';
import { AppendResult, type Appender, type SeriesRef } from './types.js';
import { ExemplarResult } from './exemplars.js';
import type { Head } from './head.js';

/** Exemplars queued by one appender: parallel arrays of series refs, label sets, values and timestamps (ms). */
export class ExemplarBatch {
  readonly refs: number[] = [];
  readonly labels: Labels[] = [];
  readonly values: number[] = [];
  readonly ts: number[] = [];
  /** Whether each timestamp came with the exemplar. */
  readonly hasTs: boolean[] = [];

  /** Number of queued exemplars. */
  get n(): number {
    return this.refs.length;
  }
}

/**
 * Samples buffered by one appender: parallel columns of series refs, timestamps (ms) and values
 * (`vbits` views the values' bits, so WAL encoding copies NaN payloads exactly).
 */
export class AppendBatch {
  refs: Uint32Array;
  ts: Float64Array;
  vs: Float64Array;
  vbits: Uint32Array;
  /** Number of buffered samples. */
  n = 0;
  /** Smallest and largest buffered timestamp (ms). */
  minT = Infinity;
  maxT = -Infinity;

  constructor(capacity = 256) {
    this.refs = new Uint32Array(capacity);
    this.ts = new Float64Array(capacity);
    this.vs = new Float64Array(capacity);
    this.vbits = new Uint32Array(this.vs.buffer);
  }

  /** Number of samples the buffers hold before growing. */
  get capacity(): number {
    return this.refs.length;
  }

  /** Buffers one sample. */
  push(ref: number, t: number, v: number): void {
    const n = this.n;
    if (n === this.refs.length) this.grow();
    this.refs[n] = ref;
    this.ts[n] = t;
    this.vs[n] = v;
    this.n = n + 1;
    if (t < this.minT) this.minT = t;
    if (t > this.maxT) this.maxT = t;
  }

  /** Empties the batch, keeping its memory. */
  clear(): void {
    this.n = 0;
    this.minT = Infinity;
    this.maxT = -Infinity;
  }

  private grow(): void {
    const cap = this.refs.length * 2;
    const refs = new Uint32Array(cap);
    refs.set(this.refs);
    const ts = new Float64Array(cap);
    ts.set(this.ts);
    const vs = new Float64Array(cap);
    vs.set(this.vs);
    this.refs = refs;
    this.ts = ts;
    this.vs = vs;
    this.vbits = new Uint32Array(vs.buffer);
  }
}

/**
 * An appender of the head. Reusable: after `commit` or `rollback` it is empty and may be used for
 * another batch. Always end a batch with `commit` or `rollback` — a batch left open keeps its
 * series from being garbage-collected.
 */
export class HeadAppender implements Appender {
  private batch: AppendBatch | null = null;
  private exemplars: ExemplarBatch | null = null;

  constructor(private readonly head: Head) {}

  /** See {@link Appender.seriesRef}. @throws {InvalidLabelsError} for an invalid label set. */
  seriesRef(labels: Labels): SeriesRef {
    return this.head.getOrCreateSeries(labels);
  }

  /** See {@link Appender.append}. */
  append(ref: SeriesRef, t: number, v: number): AppendResult {
    const r = this.head.appendable(ref, t, v);
    if (r !== AppendResult.Ok) return r;
    if (this.batch === null) this.batch = this.head.takeBatch(this);
    this.batch.push(ref, t, v);
    return AppendResult.Ok;
  }

  /**
   * See {@link Appender.appendExemplar}: validated against the stored exemplars of the series (as
   * upstream `ValidateExemplar`); `ExemplarResult.Disabled` when the head has no exemplar storage.
   */
  appendExemplar(ref: SeriesRef, labels: Labels, value: number, t: number, hasTs = true): number {
    const store = this.head.exemplars;
    if (store === null) return ExemplarResult.Disabled;
    // Labels with empty values are dropped, as upstream's `WithoutEmpty`.
    for (let i = 1; i < labels.length; i += 2) {
      if (labels[i] === '') {
        labels = labels.filter((_, k) => labels[k | 1] !== '');
        break;
      }
    }
    const r = store.validate(ref, labels, value, t, hasTs);
    if (r !== ExemplarResult.Ok) return r;
    const ex = (this.exemplars ??= new ExemplarBatch());
    ex.refs.push(ref);
    ex.labels.push(labels);
    ex.values.push(value);
    ex.ts.push(t);
    ex.hasTs.push(hasTs);
    return r;
  }

  /**
   * See {@link Appender.commit}.
   * @throws {WALWriteError} when the WAL write fails; nothing of the batch is applied and the
   * appender is empty afterwards (as after a rollback).
   */
  commit(): void {
    const b = this.batch;
    const ex = this.exemplars;
    this.batch = null;
    this.exemplars = null;
    try {
      this.head.commitBatch(b, ex);
    } finally {
      if (b) this.head.releaseBatch(this, b);
    }
  }

  /** See {@link Appender.rollback}. */
  rollback(): void {
    const b = this.batch;
    this.batch = null;
    this.exemplars = null;
    if (b) this.head.releaseBatch(this, b);
  }

  /** The buffered batch (for the head's garbage collection, which keeps its series alive). */
  pending(): AppendBatch | null {
    return this.batch;
  }
}
