/**
 * Evaluation of LogQL log queries (`{app="x"} |= "error" | json`) over a {@link LogReader}, as
 * Loki's `query_range` for streams: entries in `[start, end)`, the first `limit` of them in
 * `direction` order over all streams, grouped into result streams by their labels after the
 * pipeline (parsed labels and structured metadata included).
 */
import { compareStrings, key as labelsKey, toGoString as labelsToString, type Labels } from '../../model/labels.js';
import type { Direction, LogReader, LogTime } from '../types.js';
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
  const state = new EntryState();
  const streams = reader.select(sel.matchers, p.start, p.end, p.direction);
  const candidates: Candidate[] = [];
  const limit = p.limit;
  for (const st of streams) {
    const c = st.entries;
    const baseKey = labelsKey(st.labels);
    let taken = 0;
    while (taken < limit && c.next()) {
      const line = c.line;
      stats.read(Buffer.byteLength(line));
      state.reset(st.labels, c.metadata, line, c.ms, c.nanos);
      if (!pipeline.process(state)) continue;
      const labels = state.labels();
      candidates.push({ ms: c.ms, nanos: c.nanos, line: state.line, labels, key: labels === st.labels ? baseKey : labelsKey(labels) });
      taken++;
    }
  }
  const sign = p.direction === 'forward' ? 1 : -1;
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
