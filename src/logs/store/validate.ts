/**
 * Validation of pushed streams and entries, with Loki's default limits, messages and discard
 * reasons (its distributor's `validation` package and ingester's out-of-order check). Timestamps
 * in messages are formatted as Go formats `time.Time` (`%v` and RFC 3339), in UTC.
 */
import { isValidLabelName, toGoString, type Labels } from '../../model/labels.js';

/** Loki's per-tenant limits that apply to a push, with Loki's defaults. */
export interface LogLimits {
  /** `max_line_size`: longest line accepted, bytes (256 KB); 0 = no limit. */
  maxLineSize: number;
  /** `reject_old_samples` + `reject_old_samples_max_age` (1 week): oldest accepted entry, ms before now; 0 = off. */
  rejectOldSamplesMaxAgeMs: number;
  /** `creation_grace_period` (10 m): how far into the future an entry may be, ms. */
  creationGracePeriodMs: number;
  /** `max_label_names_per_series` (15). */
  maxLabelNamesPerSeries: number;
  /** `max_label_name_length` (1024). */
  maxLabelNameLength: number;
  /** `max_label_value_length` (2048). */
  maxLabelValueLength: number;
  /**
   * `max_chunk_age` (2 h): with `unordered_writes` (on by default), an entry older than the
   * stream's newest entry minus half of this is rejected as too far behind.
   */
  maxChunkAgeMs: number;
}

/** Loki's default limits. */
export const DEFAULT_LIMITS: LogLimits = {
  maxLineSize: 256 * 1024,
  rejectOldSamplesMaxAgeMs: 7 * 24 * 3600_000,
  creationGracePeriodMs: 10 * 60_000,
  maxLabelNamesPerSeries: 15,
  maxLabelNameLength: 1024,
  maxLabelValueLength: 2048,
  maxChunkAgeMs: 2 * 3600_000,
};

/** A rejected stream or entry: Loki's discard reason (the metric label) and message. */
export interface Rejection {
  readonly reason: string;
  readonly message: string;
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

/** Go `time.Time.String()` in UTC: `2006-01-02 15:04:05.123456789 +0000 UTC` (fraction trimmed). */
export function goTimeString(ms: number, nanos: number): string {
  const d = new Date(ms);
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
  const time = `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  const frac = (((ms % 1000) + 1000) % 1000) * 1_000_000 + nanos;
  const fs = frac === 0 ? '' : '.' + pad(frac, 9).replace(/0+$/, '');
  return `${date} ${time}${fs} +0000 UTC`;
}

/** Go `time.RFC3339` in UTC: `2006-01-02T15:04:05Z` (whole seconds). */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Checks a stream's label set; null when valid. */
export function validateLabels(ls: Labels, limits: LogLimits): Rejection | null {
  if (ls.length === 0) return { reason: 'missing_labels', message: 'error at least one label pair is required per stream' };
  const s = toGoString(ls);
  if (ls.length / 2 > limits.maxLabelNamesPerSeries) {
    return {
      reason: 'max_label_names_per_series',
      message: `entry for stream '${s}' has ${ls.length / 2} label names; limit ${limits.maxLabelNamesPerSeries}`,
    };
  }
  for (let i = 0; i < ls.length; i += 2) {
    const name = ls[i]!;
    if (!isValidLabelName(name)) return { reason: 'invalid_labels', message: `error parsing labels '${s}' with error: invalid label name '${name}'` };
    if (name.length > limits.maxLabelNameLength) return { reason: 'label_name_too_long', message: `stream '${s}' has label name too long: '${name}'` };
    if (ls[i + 1]!.length > limits.maxLabelValueLength) {
      return { reason: 'label_value_too_long', message: `stream '${s}' has label value too long: '${ls[i + 1]}'` };
    }
    if (i > 0 && ls[i - 2] === name) return { reason: 'duplicate_label_names', message: `stream '${s}' has duplicate label name: '${name}'` };
  }
  return null;
}

/** Checks an entry against the line-size and timestamp limits (`nowMs`: wall clock); null when valid. */
export function validateEntry(stream: string, ms: number, nanos: number, lineBytes: number, nowMs: number, limits: LogLimits): Rejection | null {
  if (limits.rejectOldSamplesMaxAgeMs > 0 && ms < nowMs - limits.rejectOldSamplesMaxAgeMs) {
    return {
      reason: 'greater_than_max_sample_age',
      message: `entry for stream '${stream}' has timestamp too old: ${goTimeString(ms, nanos)}, oldest acceptable timestamp is: ${goTimeString(nowMs - limits.rejectOldSamplesMaxAgeMs, 0)}`,
    };
  }
  if (ms > nowMs + limits.creationGracePeriodMs) {
    return { reason: 'too_far_in_future', message: `entry for stream '${stream}' has timestamp too new: ${goTimeString(ms, nanos)}` };
  }
  if (limits.maxLineSize > 0 && lineBytes > limits.maxLineSize) {
    return {
      reason: 'line_too_long',
      message: `Max entry size '${limits.maxLineSize}' bytes exceeded for stream '${stream}' while adding an entry with length '${lineBytes}' bytes`,
    };
  }
  return null;
}

/**
 * The ingester's message for an entry older than the stream's cutoff, wrapped as Loki reports
 * each ignored entry: `entry with timestamp … ignored, reason: 'entry too far behind, …'`.
 */
export function tooFarBehind(ms: number, nanos: number, cutoffMs: number): string {
  return `entry with timestamp ${goTimeString(ms, nanos)} ignored, reason: 'entry too far behind, entry timestamp is: ${rfc3339(ms)}, oldest acceptable timestamp is: ${rfc3339(cutoffMs)}'`;
}
