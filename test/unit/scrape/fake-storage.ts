/**
 * A recording in-memory Storage for scrape tests: hands out series refs, applies the head's
 * append rules (out of order, duplicate timestamp with another value, same sample ignored), keeps
 * committed samples in order, and counts commits and rollbacks.
 */
import { key, toObject, type Labels } from '../../../src/model/labels.js';
import { isStaleNaN } from '../../../src/model/value.js';
import { AppendResult, type Appender, type Querier, type SeriesRef, type Storage } from '../../../src/tsdb/types.js';

/** One committed sample; `stale` is true for the staleness marker (its NaN payload is not kept in `v`). */
export interface RecordedSample {
  labels: Record<string, string>;
  name: string;
  t: number;
  v: number;
  stale: boolean;
}

export class RecordingStorage implements Storage {
  readonly series: Labels[] = [[]];
  private readonly refs = new Map<string, SeriesRef>();
  private readonly lastT = new Map<SeriesRef, number>();
  private readonly lastV = new Map<SeriesRef, number>();
  /** Refs that `append` reports as unknown once (simulates head GC). */
  readonly forget = new Set<SeriesRef>();
  readonly samples: RecordedSample[] = [];
  commits = 0;
  rollbacks = 0;
  appenders = 0;

  appender(): Appender {
    this.appenders++;
    const pending: { ref: SeriesRef; t: number; v: number; stale: boolean }[] = [];
    const pendingLast = new Map<SeriesRef, { t: number; v: number }>();
    return {
      seriesRef: (ls) => {
        const k = key(ls);
        let ref = this.refs.get(k);
        if (ref === undefined) {
          ref = this.series.length;
          this.series.push(ls);
          this.refs.set(k, ref);
        }
        return ref;
      },
      append: (ref, t, v) => {
        if (ref <= 0 || ref >= this.series.length) return AppendResult.UnknownSeries;
        if (this.forget.delete(ref)) {
          const ls = this.series[ref]!;
          const fresh = this.series.length;
          this.series.push(ls);
          this.refs.set(key(ls), fresh);
          return AppendResult.UnknownSeries;
        }
        const last = pendingLast.get(ref) ?? (this.lastT.has(ref) ? { t: this.lastT.get(ref)!, v: this.lastV.get(ref)! } : undefined);
        if (last) {
          if (t < last.t) return AppendResult.OutOfOrder;
          if (t === last.t) {
            const same = Object.is(last.v, v) || (Number.isNaN(last.v) && Number.isNaN(v) && isStaleNaN(last.v) === isStaleNaN(v));
            return same ? AppendResult.Ok : AppendResult.Duplicate;
          }
        }
        pending.push({ ref, t, v, stale: isStaleNaN(v) });
        pendingLast.set(ref, { t, v });
        return AppendResult.Ok;
      },
      commit: () => {
        this.commits++;
        for (const p of pending) {
          const ls = this.series[p.ref]!;
          const labels = toObject(ls);
          this.samples.push({ labels, name: labels.__name__ ?? '', t: p.t, v: p.v, stale: p.stale });
          this.lastT.set(p.ref, p.t);
          this.lastV.set(p.ref, p.v);
        }
        pending.length = 0;
      },
      rollback: () => {
        this.rollbacks++;
        pending.length = 0;
      },
    };
  }

  querier(): Querier {
    throw new Error('not used by scrape tests');
  }

  /** Committed samples of one metric name, in commit order. */
  of(name: string): RecordedSample[] {
    return this.samples.filter((s) => s.name === name);
  }
}
