/**
 * The stream index: streams are found by label set only (no full-text index), as Loki's
 * inverted index. Each stream has a numeric ref; an inverted index maps label name → value →
 * refs (ascending), so equality and regex matchers that need a value select from postings
 * instead of scanning every stream.
 */
import { LabelsInterner, type Labels } from '../../model/labels.js';
import { matchesAll, type Matcher } from '../../model/matcher.js';

/** Label sets by ref plus the inverted index over them. */
export class StreamIndex {
  private readonly interner = new LabelsInterner();
  private readonly postings = new Map<string, Map<string, number[]>>();
  private readonly labelsByRef = new Map<number, Labels>();

  /** Adds a stream (refs must be added in ascending order); returns its interned label set. */
  add(ref: number, ls: Labels): Labels {
    const interned = this.interner.intern(ls);
    this.labelsByRef.set(ref, interned);
    for (let i = 0; i < interned.length; i += 2) {
      let values = this.postings.get(interned[i]!);
      if (!values) this.postings.set(interned[i]!, (values = new Map()));
      let refs = values.get(interned[i + 1]!);
      if (!refs) values.set(interned[i + 1]!, (refs = []));
      refs.push(ref);
    }
    return interned;
  }

  /** Removes a stream. */
  remove(ref: number): void {
    const ls = this.labelsByRef.get(ref);
    if (!ls) return;
    this.labelsByRef.delete(ref);
    this.interner.forget(ls);
    for (let i = 0; i < ls.length; i += 2) {
      const values = this.postings.get(ls[i]!)!;
      const refs = values.get(ls[i + 1]!)!;
      const at = refs.indexOf(ref);
      if (at >= 0) refs.splice(at, 1);
      if (refs.length === 0) values.delete(ls[i + 1]!);
      if (values.size === 0) this.postings.delete(ls[i]!);
    }
  }

  /** Number of streams. */
  get size(): number {
    return this.labelsByRef.size;
  }

  /**
   * Refs of streams matching every matcher, ascending. Matchers that cannot match an empty value
   * select from postings (intersected); the rest filter the candidates. With no such matcher
   * every stream is a candidate.
   */
  select(matchers: readonly Matcher[]): number[] {
    let candidates: number[] | null = null;
    const filters: Matcher[] = [];
    for (const m of matchers) {
      if (m.matchesEmpty()) {
        filters.push(m);
        continue;
      }
      const values = this.postings.get(m.name);
      let refs: number[];
      if (!values) refs = [];
      else if (m.type === '=') refs = values.get(m.value) ?? [];
      else {
        const lists: number[][] = [];
        for (const [v, r] of values) if (m.matches(v)) lists.push(r);
        refs = union(lists);
      }
      candidates = candidates === null ? refs : intersect(candidates, refs);
      if (candidates.length === 0) return [];
    }
    const base = candidates ?? [...this.labelsByRef.keys()].sort((a, b) => a - b);
    if (filters.length === 0) return base === candidates ? base.slice() : base;
    return base.filter((ref) => matchesAll(filters, this.labelsByRef.get(ref)!));
  }
}

function intersect(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push(a[i]!);
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  return out;
}

function union(lists: readonly number[][]): number[] {
  if (lists.length === 1) return lists[0]!;
  const set = new Set<number>();
  for (const l of lists) for (const r of l) set.add(r);
  return [...set].sort((a, b) => a - b);
}
