/**
 * Input series of a rule unit test, loaded step by step as upstream's `promqltest.LazyLoader`:
 * the series of a test group are expanded once (`load <interval>` notation: sample i at
 * `start + i × interval`), and {@link LazyLoader.appendTill} appends the samples up to an
 * evaluation time just before the rules run at it, so rules and later queries only see what was
 * loaded so far.
 *
 * Native histogram values (`{{…}}`) are parsed and counted but not stored: Lookout's storage holds
 * float samples only. Their series are listed in {@link LazyLoader.histogramSeries}.
 */
import { key, type Labels } from '../../model/labels.js';
import { parseSeriesDesc, SeriesPoint } from '../../promql/index.js';
import { AppendResult, type Storage } from '../../tsdb/types.js';
import type { InputSeries } from './file.js';

interface Pending {
  labels: Labels;
  /** Timestamps (ms) of the float samples, ascending. */
  ts: number[];
  /**
   * Their values. A typed array: V8 canonicalises NaNs stored in plain double arrays, which
   * would turn staleness markers into ordinary NaNs.
   */
  vs: Float64Array;
  /** Next sample to append. */
  next: number;
}

/** Thrown for an input series that does not parse; the message names the entry's position. */
export class InputSeriesError extends Error {
  override name = 'InputSeriesError';
}

const APPEND_ERRORS: Record<number, string> = {
  [AppendResult.OutOfOrder]: 'out of order sample',
  [AppendResult.Duplicate]: 'duplicate sample for timestamp',
  [AppendResult.OutOfBounds]: 'out of bounds',
  [AppendResult.UnknownSeries]: 'unknown series',
};

/** Appends a test group's input series to a storage as evaluation time advances. */
export class LazyLoader {
  private readonly pending: Pending[] = [];
  /** Label sets of input series that hold native histogram values (not loaded). */
  readonly histogramSeries: Labels[] = [];

  /**
   * Expands `series` with sample i at `startMs + i × intervalMs`. A later entry with the same
   * label set replaces an earlier one, as upstream's load command.
   * @throws {InputSeriesError} for a malformed series or value sequence.
   */
  constructor(
    private readonly storage: Storage,
    series: readonly InputSeries[],
    startMs: number,
    intervalMs: number,
  ) {
    const byKey = new Map<string, Pending>();
    for (const s of series) {
      let desc;
      try {
        desc = parseSeriesDesc(`${s.series} ${s.values}`);
      } catch (e) {
        throw new InputSeriesError(`${s.node.file}:${s.node.line}:${s.node.column}: ${s.node.path}: ${(e as Error).message}`);
      }
      const vs = new Float64Array(desc.kinds.length);
      const p: Pending = { labels: desc.labels, ts: [], vs, next: 0 };
      let hasHistogram = false;
      for (let i = 0; i < desc.kinds.length; i++) {
        if (desc.kinds[i] === SeriesPoint.Float) {
          vs[p.ts.length] = desc.values[i]!;
          p.ts.push(startMs + i * intervalMs);
        } else if (desc.kinds[i] === SeriesPoint.Histogram) hasHistogram = true;
      }
      if (hasHistogram) this.histogramSeries.push(desc.labels);
      byKey.set(key(desc.labels), p);
    }
    this.pending = [...byKey.values()];
  }

  /**
   * Appends every not-yet-loaded sample with timestamp ≤ `t` (ms) and commits.
   * @returns the storage's rejections as messages (empty when all samples were stored).
   */
  appendTill(t: number): string[] {
    const app = this.storage.appender();
    const errors: string[] = [];
    for (const p of this.pending) {
      if (p.next >= p.ts.length || p.ts[p.next]! > t) continue;
      const ref = app.seriesRef(p.labels);
      while (p.next < p.ts.length && p.ts[p.next]! <= t) {
        const res = app.append(ref, p.ts[p.next]!, p.vs[p.next]!);
        if (res !== AppendResult.Ok) errors.push(`${APPEND_ERRORS[res] ?? 'append failed'} at ${p.ts[p.next]} ms`);
        p.next++;
      }
    }
    app.commit();
    return errors;
  }
}
