/**
 * The head's inverted index, as Prometheus's `tsdb/index.MemPostings`: label name → label value →
 * ascending list of series refs ("postings"), plus the set operations that turn label matchers into
 * a list of candidate series (upstream `PostingsForMatchers`).
 *
 * Refs are handed out in increasing order, so appending a new series keeps every list sorted.
 * Memory: a JS array of small integers costs 8 bytes an entry on 64-bit V8 (no pointer
 * compression in Node) plus up to half again as growth slack, which made postings ~60 bytes per
 * series at 1M series with 5–7 labels each. A list longer than {@link TYPED_MIN_ENTRIES} is kept
 * in a `Uint32Array` grown by a quarter (4 bytes an entry, ≤ 25 % slack): ~26 bytes per series.
 * Short lists stay JS arrays, because a typed array costs ~150 bytes of fixed overhead, which
 * would make a label with a distinct value per series (one-entry lists) dearer than before.
 */
import type { Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';

/** Ascending series refs: a plain array or a typed view into the index (do not modify). */
export type RefList = readonly number[] | Uint32Array;

/**
 * Entries from which a list is a {@link RefBuffer}: the typed array's fixed cost (~150 bytes for
 * the array buffer and view objects) is then below the 4 bytes an entry saved.
 */
const TYPED_MIN_ENTRIES = 64;
/** A typed list that shrinks to this many entries (by deletion) becomes a JS array again. */
const UNTYPED_MAX_ENTRIES = TYPED_MIN_ENTRIES >> 1;

const EMPTY: RefList = Object.freeze([]) as readonly number[];

/** A long postings list: refs in `refs[0, length)`, ascending; the rest is growth room. */
class RefBuffer {
  constructor(
    public refs: Uint32Array,
    public length: number,
  ) {}
}

/** One stored list: short lists are JS arrays, long ones {@link RefBuffer}s. */
type Stored = number[] | RefBuffer;

/** A stored list as a {@link RefList} (a view for a typed list: valid until the list changes). */
function view(s: Stored): RefList {
  return s instanceof RefBuffer ? s.refs.subarray(0, s.length) : s;
}

/** Label name → value → sorted series refs. */
export class MemPostings {
  private readonly m = new Map<string, Map<string, Stored>>();

  /** Adds series `ref` (a positive integer below 2^32, usually above every ref added before) under each of its label pairs. */
  add(ref: number, ls: Labels): void {
    for (let i = 0; i < ls.length; i += 2) {
      const name = ls[i]!;
      let values = this.m.get(name);
      if (values === undefined) {
        values = new Map();
        this.m.set(name, values);
      }
      const value = ls[i + 1]!;
      const list = values.get(value);
      if (list === undefined) values.set(value, [ref]);
      else if (list instanceof RefBuffer) addTyped(list, ref);
      else if (list.length >= TYPED_MIN_ENTRIES) {
        const b = new RefBuffer(new Uint32Array(grownCapacity(list.length)), list.length);
        b.refs.set(list);
        values.set(value, b);
        addTyped(b, ref);
      } else if (list.length === 0 || list[list.length - 1]! < ref) list.push(ref);
      else insertSorted(list, ref);
    }
  }

  /**
   * Removes the refs for which `isDeleted(ref)` is true from the lists of the given label sets
   * (the label sets of the deleted series); empty lists and names disappear, and typed lists give
   * back room they no longer need.
   */
  delete(deleted: readonly Labels[], isDeleted: (ref: number) => boolean): void {
    const done = new Set<Stored>();
    for (const ls of deleted) {
      for (let i = 0; i < ls.length; i += 2) {
        const values = this.m.get(ls[i]!);
        if (!values) continue;
        const value = ls[i + 1]!;
        const list = values.get(value);
        if (!list || done.has(list)) continue;
        done.add(list);
        const k = list instanceof RefBuffer ? filterTyped(list, isDeleted) : filterArray(list, isDeleted);
        if (k === 0) {
          values.delete(value);
          if (values.size === 0) this.m.delete(ls[i]!);
        } else if (list instanceof RefBuffer) {
          if (k <= UNTYPED_MAX_ENTRIES) values.set(value, Array.from(list.refs.subarray(0, k)));
          else if (grownCapacity(k) < list.refs.length >> 1) list.refs = list.refs.slice(0, grownCapacity(k));
        }
      }
    }
  }

  /** Sorted refs of series with label `name` = `value` (empty when none; valid until the index changes). */
  get(name: string, value: string): RefList {
    const list = this.m.get(name)?.get(value);
    return list === undefined ? EMPTY : view(list);
  }

  /**
   * The values of label `name`, each with its list (whose `length` is its number of series), or
   * undefined when no series has the label (do not modify).
   */
  values(name: string): ReadonlyMap<string, { readonly length: number }> | undefined {
    return this.m.get(name);
  }

  /** The lists of the values of label `name` for which `pred(value)` holds. */
  lists(name: string, pred: (value: string) => boolean): RefList[] {
    const out: RefList[] = [];
    const values = this.m.get(name);
    if (values !== undefined) for (const [v, list] of values) if (pred(v)) out.push(view(list));
    return out;
  }

  /** Every label name that some series has (unsorted). */
  names(): IterableIterator<string> {
    return this.m.keys();
  }

  /** Label name → value → list (its `length` is the series count), for statistics (do not modify). */
  entries(): IterableIterator<[string, ReadonlyMap<string, { readonly length: number }>]> {
    return this.m.entries();
  }
}

/** Capacity for a typed list of `n` entries about to grow: a quarter more, at least {@link TYPED_MIN_ENTRIES}. */
function grownCapacity(n: number): number {
  return n + Math.max(TYPED_MIN_ENTRIES, n >>> 2);
}

function addTyped(b: RefBuffer, ref: number): void {
  const n = b.length;
  if (n === b.refs.length) {
    const refs = new Uint32Array(grownCapacity(n));
    refs.set(b.refs);
    b.refs = refs;
  }
  const refs = b.refs;
  if (n === 0 || refs[n - 1]! < ref) {
    refs[n] = ref;
    b.length = n + 1;
    return;
  }
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (refs[mid]! < ref) lo = mid + 1;
    else hi = mid;
  }
  if (refs[lo] === ref) return;
  refs.copyWithin(lo + 1, lo, n);
  refs[lo] = ref;
  b.length = n + 1;
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

/** Drops the deleted refs of `list` in place; returns how many remain. */
function filterArray(list: number[], isDeleted: (ref: number) => boolean): number {
  let k = 0;
  for (let j = 0; j < list.length; j++) if (!isDeleted(list[j]!)) list[k++] = list[j]!;
  list.length = k;
  return k;
}

/** Drops the deleted refs of `b` in place; returns how many remain. */
function filterTyped(b: RefBuffer, isDeleted: (ref: number) => boolean): number {
  const refs = b.refs;
  let k = 0;
  for (let j = 0; j < b.length; j++) if (!isDeleted(refs[j]!)) refs[k++] = refs[j]!;
  b.length = k;
  return k;
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
export function postingsForMatchers(p: MemPostings, matchers: readonly Matcher[], all: () => RefList): RefList {
  const narrow: RefList[] = [];
  const subtract: RefList[] = [];
  for (const m of matchers) {
    if (m.type === '=' && m.value !== '') {
      const list = p.get(m.name, m.value);
      if (list.length === 0) return EMPTY;
      narrow.push(list);
      continue;
    }
    const want = !m.matchesEmpty();
    if (want && p.values(m.name) === undefined) return EMPTY;
    const lists = p.lists(m.name, (v) => m.matches(v) === want);
    if (want) {
      if (lists.length === 0) return EMPTY;
      narrow.push(lists.length === 1 ? lists[0]! : mergeDisjoint(lists));
    } else if (lists.length > 0) {
      subtract.push(lists.length === 1 ? lists[0]! : mergeDisjoint(lists));
    }
  }
  return combinePostings(narrow, subtract, all);
}

/**
 * The refs in every list of `narrow` (all refs from `all()` when it is empty) and in none of
 * `subtract`: the last step of selecting series by matchers. Lists are sorted ascending; `narrow`
 * is reordered (shortest first).
 */
export function combinePostings(narrow: RefList[], subtract: readonly RefList[], all: () => RefList): RefList {
  let result: RefList;
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
export function mergeDisjoint(lists: readonly RefList[]): Uint32Array {
  let n = 0;
  for (const l of lists) n += l.length;
  const out = new Uint32Array(n);
  let k = 0;
  for (const l of lists) {
    if (l instanceof Uint32Array) {
      out.set(l, k);
      k += l.length;
    } else for (let i = 0; i < l.length; i++) out[k++] = l[i]!;
  }
  return out.sort();
}

/** Intersection of two sorted lists. */
export function intersect(a: RefList, b: RefList): number[] {
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
export function difference(a: RefList, b: RefList): number[] {
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    while (j < b.length && b[j]! < x) j++;
    if (j >= b.length || b[j] !== x) out.push(x);
  }
  return out;
}
