/**
 * Cursor over one stream's entries in a time range, reading chunks lazily: the stream's sources
 * (chunks and the head) are grouped into clusters of overlapping time bounds; a cluster is
 * decoded (and, when it holds several sources, merged) only when the cursor reaches it. Chunks
 * of one stream rarely overlap (only when entries came out of order), so a cluster is usually
 * one chunk.
 */
import { EMPTY_LABELS, type Labels } from '../../model/labels.js';
import type { Direction, LogEntryCursor, LogTime } from '../types.js';
import { mergeRuns, type Run } from './block.js';

/** Something holding entries of a stream with known bounds (ms, inclusive). */
export interface Source {
  readonly minMs: number;
  readonly maxMs: number;
  /** Decodes the entries; null when unreadable (already logged). */
  load(): Run | null;
}

/** First index of `run` whose time is ≥ `t`. */
function lowerBound(run: Run, t: LogTime): number {
  let lo = 0;
  let hi = run.n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (run.ms[mid]! < t.ms || (run.ms[mid] === t.ms && run.nanos[mid]! < t.nanos)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Groups sources (sorted here by minMs) into clusters whose bounds overlap. */
function clusters(sources: Source[]): Source[][] {
  sources.sort((a, b) => a.minMs - b.minMs || a.maxMs - b.maxMs);
  const out: Source[][] = [];
  let end = -Infinity;
  for (const s of sources) {
    if (out.length > 0 && s.minMs <= end) {
      out[out.length - 1]!.push(s);
      end = Math.max(end, s.maxMs);
    } else {
      out.push([s]);
      end = s.maxMs;
    }
  }
  return out;
}

/** A {@link LogEntryCursor} over sources of one stream, entries in `[start, end)`. */
export class StreamCursor implements LogEntryCursor {
  ms = 0;
  nanos = 0;
  private readonly groups: Source[][];
  private g = -1;
  private run: Run | null = null;
  private i = 0;
  private lo = 0;
  private hi = 0;
  private primed = false;
  private lineIdx = -1;
  private lineText = '';

  constructor(
    sources: Source[],
    private readonly start: LogTime,
    private readonly end: LogTime,
    private readonly direction: Direction,
  ) {
    this.groups = clusters(sources);
    if (direction === 'backward') this.groups.reverse();
  }

  /**
   * Positions on the first entry without consuming it (the next `next()` returns it). False when
   * the range holds no entry, so the stream can be left out of a selection.
   */
  prime(): boolean {
    this.primed = this.advance();
    return this.primed;
  }

  next(): boolean {
    if (this.primed) {
      this.primed = false;
      return true;
    }
    return this.advance();
  }

  get line(): string {
    if (this.lineIdx !== this.i) {
      this.lineText = this.run!.lineAt(this.i);
      this.lineIdx = this.i;
    }
    return this.lineText;
  }

  get metadata(): Labels {
    return this.run ? this.run.metaAt(this.i) : EMPTY_LABELS;
  }

  private advance(): boolean {
    for (;;) {
      if (this.run) {
        if (this.direction === 'forward' ? ++this.i < this.hi : --this.i >= this.lo) {
          this.ms = this.run.ms[this.i]!;
          this.nanos = this.run.nanos[this.i]!;
          return true;
        }
        this.run = null;
      }
      if (++this.g >= this.groups.length) return false;
      const runs: Run[] = [];
      for (const s of this.groups[this.g]!) {
        const r = s.load();
        if (r && r.n > 0) runs.push(r);
      }
      if (runs.length === 0) continue;
      const run = mergeRuns(runs);
      this.lo = lowerBound(run, this.start);
      this.hi = lowerBound(run, this.end);
      if (this.lo >= this.hi) continue;
      this.run = run;
      this.lineIdx = -1;
      this.i = this.direction === 'forward' ? this.lo - 1 : this.hi;
    }
  }
}
