/**
 * Merging series that end up with the same label set (after `label_replace`, `label_join` or the
 * removal of metric names), as upstream `mergeSeriesWithSameLabelset`: their points are combined,
 * and two points at the same step are an error. Also the removal of metric names itself.
 */
import { key, METRIC_NAME, type Labels } from '../../model/labels.js';
import { PromQLError } from '../errors.js';
import type { StepSeries } from './types.js';

/** Upstream's error for two series with equal labels at one step. */
export const DUPLICATE_LABELSET = 'vector cannot contain metrics with the same labelset';

/** Labels removed together with the metric name (upstream schema metadata labels). */
export const METADATA_LABELS: readonly string[] = [METRIC_NAME, '__type__', '__unit__'];

/** Labels with `__name__`, `__type__`, `__unit__` removed (the same array when it has none). */
export function dropMetadata(ls: Labels): Labels {
  let found = false;
  for (let i = 0; i < ls.length; i += 2) if (METADATA_LABELS.includes(ls[i]!)) found = true;
  if (!found) return ls;
  const out: string[] = [];
  for (let i = 0; i < ls.length; i += 2) if (!METADATA_LABELS.includes(ls[i]!)) out.push(ls[i]!, ls[i + 1]!);
  return out;
}

/**
 * Merges series with equal labels, in first-seen order; the merged series keeps the first one's
 * `dropName`. Input series may be modified.
 * @throws {PromQLError} `execution` when two of them have a point at the same step.
 */
export function mergeSameLabels(series: StepSeries[]): StepSeries[] {
  if (series.length <= 1) return series;
  const byKey = new Map<string, StepSeries>();
  const out: StepSeries[] = [];
  for (const s of series) {
    const k = key(s.labels);
    const base = byKey.get(k);
    if (!base) {
      byKey.set(k, s);
      out.push(s);
      continue;
    }
    for (let i = 0; i < s.has.length; i++) {
      if (!s.has[i]) continue;
      if (base.has[i]) throw new PromQLError('execution', DUPLICATE_LABELSET);
      base.has[i] = 1;
      base.vs[i] = s.vs[i]!;
    }
  }
  return out;
}

/**
 * Name removal without the `promql-delayed-name-removal` feature (upstream's default): the
 * metadata labels of series marked `dropName` go at once, where the node that marked them is
 * evaluated. Series that then share a label set are merged as {@link mergeSameLabels} (as
 * upstream's per-step check of function and operator results), or, with `anyOverlap` (range-vector
 * functions, whose whole result upstream checks), fail even when their points never meet.
 * @throws {PromQLError} `execution` `vector cannot contain metrics with the same labelset`.
 */
export function dropNamesNow(series: StepSeries[], anyOverlap: boolean): StepSeries[] {
  let dropped = false;
  for (const s of series) {
    if (!s.dropName) continue;
    s.labels = dropMetadata(s.labels);
    s.dropName = false;
    dropped = true;
  }
  if (!dropped || series.length <= 1) return series;
  if (!anyOverlap) return mergeSameLabels(series);
  const seen = new Set<string>();
  for (const s of series) {
    const k = key(s.labels);
    if (seen.has(k)) throw new PromQLError('execution', DUPLICATE_LABELSET);
    seen.add(k);
  }
  return series;
}
