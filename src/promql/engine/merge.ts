/**
 * Merging series that end up with the same label set (after `label_replace`, `label_join` or the
 * final removal of metric names), as upstream `mergeSeriesWithSameLabelset`: their points are
 * combined, and two points at the same step are an error.
 */
import { key } from '../../model/labels.js';
import { PromQLError } from '../errors.js';
import type { StepSeries } from './types.js';

/** Upstream's error for two series with equal labels at one step. */
export const DUPLICATE_LABELSET = 'vector cannot contain metrics with the same labelset';

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
