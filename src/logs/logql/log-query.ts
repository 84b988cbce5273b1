/**
 * Evaluation of LogQL log queries (`{app="x"} |= "error" | json`) over a {@link LogReader}, as
 * Loki's `query_range` for streams: entries in `[start, end)`, the first `limit` of them in
 * `direction` order over all streams, grouped into result streams by their labels after the
 * pipeline (parsed labels and structured metadata included).
 */
import { compareStrings, key as labelsKey, toGoString as labelsToString, type Labels } from '../../model/labels.js';
import type { Direction, LogReader, LogTime, SelectedStream } from '../types.js';
import type { LogSelector } from './ast.js';
import { compilePipeline, EntryState } from './pipeline.js';
import type { QueryStats } from './stats.js';

/** One result stream: its labels and entries (parallel arrays, in the query's direction). */
export interface LogStreamResult {
  readonly labels: Labels;
  /** Integer ms since the epoch of each entry. */
  readonly ms: number[];
  /** Nanoseconds inside the ms (0…999999) of each entry. */
  readonly nanos: number[];
  readonly lines: string[];
}

/** Parameters of a log query: `[start, end)`, at most `limit` entries, `direction` order. */
export interface LogQueryParams {
  readonly start: LogTime;
  readonly end: LogTime;
  readonly limit: number;
  readonly direction: Direction;
}

interface HeapItem {
  stream: SelectedStream;
  baseKey: string;
}

/**
 * A binary heap of streams ordered by their cursor's current entry time (ascending for `sign` 1,
 * descending for -1). An item's key changes only when its cursor advances, which is always the top's.
 */
class CursorHeap {
  private readonly items: HeapItem[] = [];
  constructor(private readonly sign: number) {}

  peek(): HeapItem | undefined {
    return this.items[0];
  }

  push(item: HeapItem): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(a[i]!, a[parent]!)) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }

  /** Removes the top item. */
  pop(): void {
    const last = this.items.pop()!;
    if (this.items.length === 0) return;
    this.items[0] = last;
    this.siftTop();
  }

  /** Restores heap order after the top item's cursor advanced. */
  siftTop(): void {
    const a = this.items;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && this.before(a[l]!, a[m]!)) m = l;
      if (r < a.length && this.before(a[r]!, a[m]!)) m = r;
      if (m === i) return;
      [a[i], a[m]] = [a[m]!, a[i]!];
      i = m;
    }
  }

  private before(x: HeapItem, y: HeapItem): boolean {
    const cx = x.stream.entries;
    const cy = y.stream.entries;
    return this.sign * (cx.ms - cy.ms || cx.nanos - cy.nanos) < 0;
  }
}

interface Candidate {
  ms: number;
  nanos: number;
  line: string;
  labels: Labels;
  key: string;
}

/**
 * Runs a log query. Result streams are sorted by their label text, as Loki's `Streams`.
 * @throws {LogQLParseError} when a stage does not compile (template, regexp, pattern).
 */
export function evaluateLogQuery(reader: LogReader, sel: LogSelector, p: LogQueryParams, stats: QueryStats): LogStreamResult[] {
  const pipeline = compilePipeline(sel.stages);
  if (p.limit <= 0) return [];
  const state = new EntryState();
  const streams = reader.select(sel.matchers, p.start, p.end, p.direction);
  const candidates: Candidate[] = [];
  const limit = p.limit;
  const sign = p.direction === 'forward' ? 1 : -1;
  // Streams are merged in `direction` order (a heap keyed by each cursor's current entry), so the
  // query stops reading once it has `limit` matches over all streams, plus any entries tied in time
  // with the last of them (the final sort orders ties by labels, as it would over every entry).
  const heap = new CursorHeap(sign);
  for (const st of streams) if (st.entries.next()) heap.push({ stream: st, baseKey: labelsKey(st.labels) });
  let boundary: { ms: number; nanos: number } | undefined;
  for (let top = heap.peek(); top; top = heap.peek()) {
    const st = top.stream;
    const c = st.entries;
    if (boundary && (c.ms !== boundary.ms || c.nanos !== boundary.nanos)) break;
    const line = c.line;
    stats.read(Buffer.byteLength(line));
    state.reset(st.labels, c.metadata, line, c.ms, c.nanos);
    if (pipeline.process(state)) {
      const labels = state.labels();
      candidates.push({ ms: c.ms, nanos: c.nanos, line: state.line, labels, key: labels === st.labels ? top.baseKey : labelsKey(labels) });
      if (candidates.length === limit) boundary = { ms: c.ms, nanos: c.nanos };
    }
    if (c.next()) heap.siftTop();
    else heap.pop();
  }
  candidates.sort((a, b) => sign * (a.ms - b.ms || a.nanos - b.nanos) || compareStrings(a.key, b.key));
  if (candidates.length > limit) candidates.length = limit;
  stats.entriesReturned += candidates.length;
  const byKey = new Map<string, LogStreamResult>();
  for (const e of candidates) {
    let s = byKey.get(e.key);
    if (!s) {
      s = { labels: e.labels, ms: [], nanos: [], lines: [] };
      byKey.set(e.key, s);
    }
    s.ms.push(e.ms);
    s.nanos.push(e.nanos);
    s.lines.push(e.line);
  }
  const out = [...byKey.values()];
  const text = new Map(out.map((s) => [s, labelsToString(s.labels)]));
  out.sort((a, b) => compareStrings(text.get(a)!, text.get(b)!));
  return out;
}
