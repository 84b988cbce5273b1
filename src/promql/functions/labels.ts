/**
 * `label_replace` and `label_join`, as upstream: they rewrite series labels (not values), and
 * series that end up with equal label sets are merged (an error if both have a point at a step).
 * Writing `__name__` keeps the metric name even where an inner function would drop it.
 */
import { get as labelOf, isValidUTF8Name, LabelsBuilder, METRIC_NAME } from '../../model/labels.js';
import { compileAnchored, expand, namedGroups, RegexSyntaxError } from '../../model/regex.js';
import { PromQLError } from '../errors.js';
import { mergeSameLabels } from '../engine/merge.js';
import type { VectorValue } from '../engine/types.js';

/**
 * `label_replace(v, dst, replacement, src, regex)`: where the fully anchored RE2 `regex` matches
 * the value of `src`, sets `dst` to `replacement` with `$1`/`${name}` expanded (an empty result
 * deletes `dst`); other series are unchanged.
 * @throws {PromQLError} `execution` for an invalid regex or destination label name.
 */
export function labelReplace(v: VectorValue, dst: string, repl: string, src: string, regex: string): VectorValue {
  let re;
  let named: Record<string, number>;
  try {
    re = compileAnchored(regex);
    named = namedGroups(regex);
  } catch (e) {
    if (e instanceof RegexSyntaxError) throw new PromQLError('execution', `invalid regular expression in label_replace(): ${regex}`);
    throw e;
  }
  if (!isValidUTF8Name(dst)) throw new PromQLError('execution', `invalid destination label name in label_replace(): ${dst}`);
  const b = new LabelsBuilder();
  for (const s of v.series) {
    const groups = re.exec(labelOf(s.labels, src));
    if (!groups) continue;
    b.reset(s.labels).set(dst, expand(repl, groups, named));
    s.labels = b.labels();
    if (dst === METRIC_NAME) s.dropName = false;
  }
  return { kind: 'vector', series: mergeSameLabels(v.series) };
}

/**
 * `label_join(v, dst, separator, src…)`: sets `dst` to the values of the `src` labels joined by
 * `separator` (an empty result deletes `dst`).
 * @throws {PromQLError} `execution` for an invalid source or destination label name.
 */
export function labelJoin(v: VectorValue, dst: string, sep: string, srcs: string[]): VectorValue {
  for (const src of srcs) {
    if (!isValidUTF8Name(src)) throw new PromQLError('execution', `invalid source label name in label_join(): ${src}`);
  }
  if (!isValidUTF8Name(dst)) throw new PromQLError('execution', `invalid destination label name in label_join(): ${dst}`);
  const b = new LabelsBuilder();
  for (const s of v.series) {
    const joined = srcs.map((n) => labelOf(s.labels, n)).join(sep);
    b.reset(s.labels).set(dst, joined);
    s.labels = b.labels();
    if (dst === METRIC_NAME) s.dropName = false;
  }
  return { kind: 'vector', series: mergeSameLabels(v.series) };
}
