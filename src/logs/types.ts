/**
 * The seam between the log store (`src/logs/store/`) and LogQL (`src/logs/logql/`), as Loki's
 * `logproto` separates its ingester from its query engine.
 *
 * Loki timestamps are integer nanoseconds since the epoch, which a JS number cannot hold exactly
 * (2^53 ns is 104 days). Inside Lookout a log timestamp is therefore two numbers: `ms` (integer
 * milliseconds since the epoch, as everywhere else in Lookout) and `nanos` (the remaining
 * nanoseconds, an integer 0…999999). Order is by `ms`, then `nanos`. At the HTTP boundary they are
 * turned back into Loki's decimal nanosecond strings.
 */
import type { Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';

/** A log timestamp: integer ms since the epoch plus the nanoseconds inside that ms (0…999999). */
export interface LogTime {
  readonly ms: number;
  readonly nanos: number;
}

/** Query direction, as Loki's `direction` parameter: oldest first or newest first. */
export type Direction = 'forward' | 'backward';

/**
 * Reads one stream's entries in the direction asked for, one at a time, without an object per
 * entry: `next()` advances and the fields describe the current entry until the next call.
 */
export interface LogEntryCursor {
  /** Advances to the next entry; false when the range is exhausted. */
  next(): boolean;
  /** Current entry's time: integer ms since the epoch. */
  readonly ms: number;
  /** Current entry's nanoseconds inside `ms`, 0…999999. */
  readonly nanos: number;
  /** Current entry's log line (UTF-8 decoded). */
  readonly line: string;
  /** Current entry's structured metadata as a sorted flat label set; EMPTY_LABELS when none. */
  readonly metadata: Labels;
}

/** One stream selected by a query: its label set (sorted, flat) and a cursor over its entries. */
export interface SelectedStream {
  readonly labels: Labels;
  readonly entries: LogEntryCursor;
}

/**
 * Read access to stored logs, what LogQL evaluates against. Ranges are `[start, end)` as Loki's
 * query_range (start inclusive, end exclusive).
 */
export interface LogReader {
  /**
   * Streams whose label set matches every matcher (at least one matcher must select a non-empty
   * value, as Loki), with entries in `[start, end)` in `direction` order; streams without entries
   * in the range are left out. Stream order is unspecified.
   */
  select(matchers: readonly Matcher[], start: LogTime, end: LogTime, direction: Direction): SelectedStream[];
  /** Label names of streams with entries overlapping `[start, end)`, sorted. */
  labelNames(start: LogTime, end: LogTime): string[];
  /** Values of label `name` over streams with entries overlapping `[start, end)`, sorted. */
  labelValues(name: string, start: LogTime, end: LogTime, matchers?: readonly Matcher[]): string[];
}

/** One entry of a push, as Loki's `EntryAdapter`: time, line and structured metadata. */
export interface PushEntry {
  readonly ms: number;
  readonly nanos: number;
  readonly line: string;
  /** Sorted flat label set; EMPTY_LABELS when none. */
  readonly metadata: Labels;
}

/** One stream of a push: its label set (sorted, flat, validated) and entries in request order. */
export interface PushStream {
  readonly labels: Labels;
  readonly entries: readonly PushEntry[];
}

/**
 * Outcome of a push, as Loki's distributor reports it: how many entries were stored and, for the
 * rest, why not (e.g. "entry too far behind"). A push with any rejected entry answers 400 with
 * the reasons, while the accepted ones stay stored, as Loki does.
 */
export interface PushResult {
  readonly accepted: number;
  readonly rejected: number;
  /** One human-readable reason per rejected entry (may be capped), naming stream and timestamp. */
  readonly errors: readonly string[];
}

/** Write access to the log store: what the push API, file tailing and the LogQL ruler use. */
export interface LogWriter {
  /**
   * Stores the entries; resolves once they are durable in the WAL (acknowledged entries survive
   * `kill -9`). Never throws for bad entries: they are counted in the result.
   */
  push(streams: readonly PushStream[]): Promise<PushResult>;
}

/** Live entries for `/loki/api/v1/tail`: called once per stored entry, after it is durable. */
export type TailListener = (labels: Labels, entry: PushEntry) => void;

/** A source of newly stored entries; `subscribe` returns the function that unsubscribes. */
export interface LogTailSource {
  subscribe(listener: TailListener): () => void;
}
