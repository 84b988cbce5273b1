/**
 * Storage seams, as Prometheus's `storage` package: producers write through an {@link Appender},
 * consumers read through a {@link Querier}. The head, blocks, remote storage and test fixtures all
 * implement these, so the PromQL engine and the scrape loop never know which they talk to.
 *
 * Units: timestamps are integer milliseconds since the epoch; values are float64.
 */
import type { Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';

/** A series' numeric reference inside one storage. Positive; 0 means "unknown". */
export type SeriesRef = number;

/** Result codes of {@link Appender.append}. Not exceptions: per-sample errors are counted, not thrown. */
export const AppendResult = {
  Ok: 0,
  /** t is older than the series' newest sample (upstream `storage.ErrOutOfOrderSample`). */
  OutOfOrder: 1,
  /** same t as the newest sample but a different value (upstream `ErrDuplicateSampleForTimestamp`). */
  Duplicate: 2,
  /** t is older than the storage still accepts, e.g. below the head's minimum (upstream `ErrOutOfBounds`). */
  OutOfBounds: 3,
  /** the ref is not (or no longer) a series of this storage; call `seriesRef` again. */
  UnknownSeries: 4,
} as const;
export type AppendResult = (typeof AppendResult)[keyof typeof AppendResult];

/**
 * A batch of writes, applied atomically by {@link commit}. Not thread-safe; one per producer per
 * batch (one per scrape, one per rule-group evaluation). Appending the same (t, v) as the series'
 * newest sample is accepted and ignored, as upstream.
 */
export interface Appender {
  /**
   * Returns the ref of the series with exactly these labels, creating it if needed. `labels` must be
   * a valid sorted set (see `model/labels`) that includes `__name__`. Refs are never reused; a
   * series removed from the head (garbage-collected) makes {@link append} return
   * `AppendResult.UnknownSeries`, and callers that cache refs then ask for a new one.
   */
  seriesRef(labels: Labels): SeriesRef;
  /**
   * Queues the sample (t ms, v) for series `ref`; `v` may be `STALE_NAN` (see `model/value`).
   * Returns {@link AppendResult.Ok} or the reason it was rejected; rejected samples are not stored.
   */
  append(ref: SeriesRef, t: number, v: number): AppendResult;
  /**
   * Makes every queued sample durable (written to the WAL, so a `kill -9` after `commit` returns
   * loses none of them) and visible to queriers. Synchronous: returns once written.
   */
  commit(): void;
  /** Discards every queued sample. */
  rollback(): void;
  /**
   * Optional (storages without exemplar storage leave it out): queues an exemplar of series `ref` —
   * its label set (sorted), value and timestamp in ms (`hasTs` false when `t` is the scrape's time,
   * not the exemplar's own) — stored at {@link commit} (and written to the WAL with the batch).
   * Returns a `tsdb/exemplars` `ExemplarResult` code: 0 when queued; a duplicate, out-of-order,
   * too-long or disabled exemplar is not queued.
   */
  appendExemplar?(ref: SeriesRef, labels: Labels, value: number, t: number, hasTs?: boolean): number;
}

/** Samples of one series in a time range, decoded into typed arrays (ascending timestamps). */
export interface SeriesSamples {
  readonly labels: Labels;
  /** Timestamps in ms. Length ≥ `count`; entries past `count` are garbage. */
  readonly ts: Float64Array;
  /** Values; may contain `STALE_NAN` staleness markers. Length ≥ `count`. */
  readonly vs: Float64Array;
  /** Number of valid samples. */
  readonly count: number;
}

/**
 * Thrown by a {@link Querier} for stored data that cannot be read (a damaged block file); the
 * message names what is damaged. Queries fail with it as Prometheus's `execution` errors (HTTP
 * 422), and the server goes on serving other data.
 */
export class StorageReadError extends Error {
  override name = 'StorageReadError';
}

/** Read access to a consistent view of the storage for one time range (ms, both ends inclusive). */
export interface Querier {
  /**
   * Series that match every matcher and have at least one sample in [mint, maxt], sorted by labels
   * (`model/labels.compare`), each with its samples in [mint, maxt]. At least one matcher should
   * not match the empty string, as upstream requires (the engine checks this).
   */
  select(matchers: readonly Matcher[], mint: number, maxt: number): SeriesSamples[];
  /** Label sets of matching series with samples in the range, without samples (for /api/v1/series). */
  series(matchers: readonly Matcher[], mint: number, maxt: number): Labels[];
  /** Sorted label names of series matching all matchers (all series when none are given). */
  labelNames(matchers: readonly Matcher[]): string[];
  /** Sorted values of label `name` over series matching all matchers (all series when none). */
  labelValues(name: string, matchers: readonly Matcher[]): string[];
}

/** Something that hands out queriers and appenders: the TSDB, or a test fixture. */
export interface Storage {
  appender(): Appender;
  querier(mint: number, maxt: number): Querier;
}
