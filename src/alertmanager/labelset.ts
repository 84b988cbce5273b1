/**
 * Label sets as Alertmanager handles them (`model.LabelSet`, a `{name: value}` map): Go-style
 * string rendering (used in group keys), ordering (`Before`) and the alert ordering of
 * notifications (`types.AlertSlice`: by `job`, then `instance`, then label set).
 */
import { goQuote } from '../model/goquote.js';

/** A label set `{name: value}`. */
export type LabelSet = Readonly<Record<string, string>>;

/**
 * Upstream (prometheus/common 0.38) `LabelSet.String()`: `{a="1", b="2"}`, the `name=%q`
 * strings sorted as strings and joined with `, `.
 */
export function labelSetString(ls: LabelSet): string {
  const parts = Object.keys(ls).map((k) => `${k}=${goQuote(ls[k]!)}`);
  parts.sort();
  return `{${parts.join(', ')}}`;
}

const sortedNamesCache = new WeakMap<LabelSet, string[]>();

/** The label names of `ls`, sorted (cached per label set object; label sets are immutable). */
function sortedNames(ls: LabelSet): string[] {
  let names = sortedNamesCache.get(ls);
  if (!names) {
    names = Object.keys(ls).sort();
    sortedNamesCache.set(ls, names);
  }
  return names;
}

/**
 * Upstream `LabelSet.Before`: fewer labels first; then, walking the sorted union of both sets'
 * names, the first name missing on one side or with differing values decides (a set missing
 * the name sorts first).
 */
export function labelSetBefore(a: LabelSet, b: LabelSet): boolean {
  const na = sortedNames(a);
  const nb = sortedNames(b);
  if (na.length !== nb.length) return na.length < nb.length;
  let i = 0;
  let j = 0;
  while (i < na.length || j < nb.length) {
    const x = na[i];
    const y = nb[j];
    if (x === undefined || (y !== undefined && y < x)) return true; // y is missing from a
    if (y === undefined || x < y) return false; // x is missing from b
    const va = a[x]!;
    const vb = b[y]!;
    if (va !== vb) return va < vb;
    i++;
    j++;
  }
  return false;
}

/** Comparator for upstream `types.AlertSlice` order: `job`, then `instance`, then {@link labelSetBefore}. */
export function compareAlertLabels(a: LabelSet, b: LabelSet): number {
  for (const k of ['job', 'instance']) {
    const va = a[k];
    const vb = b[k];
    if (va === undefined && vb === undefined) continue;
    if (va === undefined) return 1;
    if (vb === undefined) return -1;
    if (va !== vb) return va < vb ? -1 : 1;
  }
  if (labelSetBefore(a, b)) return -1;
  if (labelSetBefore(b, a)) return 1;
  return 0;
}
