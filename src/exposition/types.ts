/**
 * Shared types of the exposition parsers (Prometheus text 0.0.4 and OpenMetrics 1.0 text), in the
 * shape of Prometheus's `model/textparse.Parser`.
 */
import type { Labels } from '../model/labels.js';

/** What {@link ExpositionParser.next} found, as upstream `textparse.Entry`. */
export const EntryType = { EOF: 0, Series: 1, Type: 2, Help: 3, Unit: 4, Comment: 5 } as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

/**
 * Metric family types, as OpenMetrics names them (upstream `model.MetricType`). The text format's
 * `untyped` is reported as `'unknown'`.
 */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'info' | 'stateset' | 'unknown';

/** Which text format a body is in. */
export type ExpositionFormat = 'text' | 'openmetrics';

/** Thrown for malformed input; `line` is 1-based. Message in the style of Prometheus's textparse errors. */
export class ExpositionParseError extends Error {
  /** 1-based line of the entry that failed. */
  readonly line: number;

  constructor(message: string, line: number) {
    super(message);
    this.name = 'ExpositionParseError';
    this.line = line;
  }
}

/** An OpenMetrics exemplar: its label set (sorted), value and optional timestamp in ms. */
export interface Exemplar {
  labels: Labels;
  value: number;
  /** Milliseconds since the epoch (OpenMetrics sends float seconds; truncated as upstream). */
  timestamp?: number;
}

/**
 * Pull parser over a whole scrape body, in the style of Prometheus's `textparse.Parser`.
 *
 * Accessors describe the entry returned by the last {@link next} call and are only meaningful for
 * the entry kinds named in their docs. `next`, `seriesKey`, `value` and `timestamp` allocate no
 * objects (`seriesKey` returns one string).
 */
export interface ExpositionParser {
  /** Advances to the next entry; returns EntryType.EOF at the end. Throws ExpositionParseError. */
  next(): EntryType;
  /**
   * Series: the exact text of metric name + label set as sent (without value/timestamp) — the
   * scrape cache key. Two lines with equal keys are the same series. Cheap (one string slice, no
   * parsing of labels). The string has one char per byte (a latin1 view), so it is the text
   * itself for ASCII lines and a 1:1 image of the bytes otherwise; do not display it.
   */
  seriesKey(): string;
  /**
   * Series: byte offsets `[start, end)` of the {@link seriesKey} text in the body, so a cache can
   * compare or copy the key's bytes without making a string.
   */
  seriesKeyStart(): number;
  /** Series: end (exclusive) of the key's bytes in the body (see {@link seriesKeyStart}). */
  seriesKeyEnd(): number;
  /**
   * Hint for the next series line: the key bytes `src[start, end)` it probably has (a key's bytes
   * from an earlier body of this format, e.g. the same line of the target's previous scrape), or
   * `src` null for none. When the line's key bytes are exactly those, the text parser skips scanning
   * the label set and {@link seriesKeyMatched} is true. The hint only changes speed, never the
   * result; the OpenMetrics parser ignores it. `src` must not change until the next {@link next}
   * returns.
   */
  expectSeriesKey(src: Uint8Array | null, start: number, end: number): void;
  /** Series: whether the line's key bytes equal the hint given before this {@link next} call. */
  seriesKeyMatched(): boolean;
  /**
   * Series: the label set incl. `__name__`, escapes decoded, sorted (model/labels); labels with an
   * empty value are left out. Only called for cache misses. Throws ExpositionParseError for
   * duplicate label names and for label text that is not valid UTF-8.
   */
  labels(): Labels;
  /** Series: the sample value (NaN, +Inf, -Inf accepted; hex and Go-invalid floats rejected). */
  value(): number;
  /** Series: explicit timestamp in ms (text: int ms; OpenMetrics: float seconds → ms), undefined if none. */
  timestamp(): number | undefined;
  /** Series (OpenMetrics only): the exemplar on this line, or null. Throws ExpositionParseError for invalid UTF-8. */
  exemplar(): Exemplar | null;
  /** Type/Help/Unit: the metric family name (escapes of a quoted name decoded). */
  family(): string;
  /** Type: the type. */
  type(): MetricType;
  /** Help: unescaped help text. */
  help(): string;
  /** Unit: unit text. */
  unit(): string;
  /** 1-based line number of the current entry. */
  line(): number;
}
