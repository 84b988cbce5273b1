/**
 * The head's inverted index, as Prometheus's `tsdb/index.MemPostings`: label name → label value →
 * ascending list of series refs ("postings"), plus the set operations that turn label matchers into
 * a list of candidate series (upstream `PostingsForMatchers`).
 *
 * Refs are handed out in increasing order, so appending a new series keeps every list sorted. Lists
 * are plain arrays of small integers (V8 stores them unboxed, 4 bytes each).
 */
import type { Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';

const EMPTY: readonly number[] = Object.freeze([]) as readonly number[];

/** Label name → value → sorted series refs. */
export class MemPostings {
  private readonly m = new Map<string, Map<string, number[]>>();

  /** Adds series `ref` (greater than every ref added before) under each of its label pairs. */
  add(ref: number, ls: Labels): void {
    for (let i = 0; i < ls.length; i += 2) {
      const name = ls[i]!;
      let values = this.m.get(name);
      if (values === undefined) {
        values = new Map();
        this.m.set(name, values);
      }
      const list = values.get(ls[i + 1]!);
      if (list === undefined) values.set(ls[i + 1]!, [ref]);
      else if (list[list.length - 1]! < ref) list.push(ref);
      else insertSorted(list, ref);
    }
  }

  /**
   * Removes the refs for which `isDeleted(ref)` is true from the lists of the given label sets
   * (the label sets of the deleted series); empty lists and names disappear.
   */
  delete(deleted: readonly Labels[], isDeleted: (ref: number) => boolean): void {
    const done = new Set<number[]>();
    for (const ls of deleted) {
      for (let i = 0; i < ls.length; i += 2) {
        const values = this.m.get(ls[i]!);
        if (!values) continue;
        const list = values.get(ls[i + 1]!);
        if (!list || done.has(list)) continue;
        done.add(list);
        let k = 0;
        for (let j = 0; j < list.length; j++) if (!isDeleted(list[j]!)) list[k++] = list[j]!;
        list.length = k;
        if (k === 0) {
          values.delete(ls[i + 1]!);
          if (values.size === 0) this.m.delete(ls[i]!);
        }
      }
    }
  }

  /** Sorted refs of series with label `name` = `value` (empty when none; do not modify). */
  get(name: string, value: string): readonly number[] {
    return this.m.get(name)?.get(value) ?? EMPTY;
  }

  /** The value → refs map of label `name`, or undefined when no series has it (do not modify). */
  values(name: string): ReadonlyMap<string, readonly number[]> | undefined {
    return this.m.get(name);
  }

  /** Every label name that some series has (unsorted). */
  names(): IterableIterator<string> {
    return this.m.keys();
  }

  /** Label name → value → refs, for statistics (do not modify). */
  entries(): IterableIterator<[string, ReadonlyMap<string, readonly number[]>]> {
    return this.m.entries();
  }
}

function insertSorted(list: number[], ref: number): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < ref) lo = mid + 1;
    else hi = mid;
  }
  if (list[lo] !== ref) list.splice(lo, 0, ref);
}

/**
 * Sorted refs of the series matching every matcher, given the index and the list of all live refs
 * (used when no matcher narrows the set). Semantics as upstream: a label that is absent matches as
 * the empty string, so `{a=""}` selects series without `a`, `{a!="x"}` includes series without `a`.
 *
 * - A matcher that does not match "" narrows: the union of the lists of the values it matches is
 *   intersected (for `=` a single lookup; regexes are evaluated once per distinct value, not per
 *   series).
 * - A matcher that matches "" subtracts the union of the lists of the values it does not match.
 */
export function postingsForMatchers(p: MemPostings, matchers: readonly Matcher[], all: () => readonly number[]): readonly number[] {
  const narrow: (readonly number[])[] = [];
  const subtract: (readonly number[])[] = [];
  for (const m of matchers) {
    if (m.type === '=' && m.value !== '') {
      const list = p.get(m.name, m.value);
      if (list.length === 0) return EMPTY;
      narrow.push(list);
      continue;
    }
    const values = p.values(m.name);
    if (!m.matchesEmpty()) {
      if (!values) return EMPTY;
      const lists: (readonly number[])[] = [];
      for (const [v, list] of values) if (m.matches(v)) lists.push(list);
      if (lists.length === 0) return EMPTY;
      narrow.push(lists.length === 1 ? lists[0]! : mergeDisjoint(lists));
    } else if (values) {
      const lists: (readonly number[])[] = [];
      for (const [v, list] of values) if (!m.matches(v)) lists.push(list);
      if (lists.length > 0) subtract.push(lists.length === 1 ? lists[0]! : mergeDisjoint(lists));
    }
  }
  return combinePostings(narrow, subtract, all);
}

/**
 * The refs in every list of `narrow` (all refs from `all()` when it is empty) and in none of
 * `subtract`: the last step of selecting series by matchers. Lists are sorted ascending; `narrow`
 * is reordered (shortest first).
 */
export function combinePostings(narrow: (readonly number[])[], subtract: readonly (readonly number[])[], all: () => readonly number[]): readonly number[] {
  let result: readonly number[];
  if (narrow.length === 0) {
    result = all();
  } else {
    narrow.sort((a, b) => a.length - b.length);
    result = narrow[0]!;
    for (let i = 1; i < narrow.length && result.length > 0; i++) result = intersect(result, narrow[i]!);
  }
  for (const s of subtract) {
    if (result.length === 0) break;
    result = difference(result, s);
  }
  return result;
}

/** Union of sorted lists that share no element (the lists of one label's values), sorted. */
export function mergeDisjoint(lists: readonly (readonly number[])[]): number[] {
  let n = 0;
  for (const l of lists) n += l.length;
  const out = new Int32Array(n);
  let k = 0;
  for (const l of lists) for (let i = 0; i < l.length; i++) out[k++] = l[i]!;
  out.sort();
  return Array.from(out);
}

/** Intersection of two sorted lists. */
export function intersect(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  if (a.length > b.length) [a, b] = [b, a];
  if (b.length > 16 * a.length) {
    // Much shorter a: binary-search each element in b, advancing the lower bound.
    let lo = 0;
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!;
      let hi = b.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (b[mid]! < x) lo = mid + 1;
        else hi = mid;
      }
      if (lo < b.length && b[lo] === x) out.push(x);
    }
    return out;
  }
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out;
}

/** Elements of sorted list `a` not in sorted list `b`. */
export function difference(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    while (j < b.length && b[j]! < x) j++;
    if (j >= b.length || b[j] !== x) out.push(x);
  }
  return out;
}
