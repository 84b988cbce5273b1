/**
 * An in-memory LogReader and LogTailSource for LogQL unit tests (test double of the log store).
 */
import { compareStrings, EMPTY_LABELS, fromObject, type Labels } from '../../../src/model/labels.js';
import { matchesAll, type Matcher } from '../../../src/model/matcher.js';
import type { Direction, LogEntryCursor, LogReader, LogTailSource, LogTime, PushEntry, SelectedStream, TailListener } from '../../../src/logs/types.js';

export interface MemEntry {
  ms: number;
  nanos?: number;
  line: string;
  metadata?: Record<string, string>;
}

interface Stored {
  labels: Labels;
  entries: { ms: number; nanos: number; line: string; metadata: Labels }[];
}

function before(a: { ms: number; nanos: number }, b: LogTime): boolean {
  return a.ms < b.ms || (a.ms === b.ms && a.nanos < b.nanos);
}

class ArrayCursor implements LogEntryCursor {
  private i = -1;
  constructor(private readonly items: Stored['entries']) {}
  next(): boolean {
    this.i++;
    return this.i < this.items.length;
  }
  get ms(): number {
    return this.items[this.i]!.ms;
  }
  get nanos(): number {
    return this.items[this.i]!.nanos;
  }
  get line(): string {
    return this.items[this.i]!.line;
  }
  get metadata(): Labels {
    return this.items[this.i]!.metadata;
  }
}

export class MemoryLogs implements LogReader, LogTailSource {
  private readonly streams: Stored[] = [];
  private readonly listeners = new Set<TailListener>();
  selects = 0;

  add(labels: Record<string, string>, entries: MemEntry[]): this {
    const ls = fromObject(labels);
    let s = this.streams.find((x) => x.labels.join('\xff') === ls.join('\xff'));
    if (!s) this.streams.push((s = { labels: ls, entries: [] }));
    for (const e of entries) {
      const entry = { ms: e.ms, nanos: e.nanos ?? 0, line: e.line, metadata: e.metadata ? fromObject(e.metadata) : EMPTY_LABELS };
      s.entries.push(entry);
      const pe: PushEntry = entry;
      for (const l of this.listeners) l(ls, pe);
    }
    s.entries.sort((a, b) => a.ms - b.ms || a.nanos - b.nanos);
    return this;
  }

  select(matchers: readonly Matcher[], start: LogTime, end: LogTime, direction: Direction): SelectedStream[] {
    this.selects++;
    const out: SelectedStream[] = [];
    for (const s of this.streams) {
      if (!matchesAll(matchers, s.labels)) continue;
      const items = s.entries.filter((e) => !before(e, start) && before(e, end));
      if (items.length === 0) continue;
      if (direction === 'backward') items.reverse();
      out.push({ labels: s.labels, entries: new ArrayCursor(items) });
    }
    return out;
  }

  labelNames(): string[] {
    const names = new Set<string>();
    for (const s of this.streams) for (let i = 0; i < s.labels.length; i += 2) names.add(s.labels[i]!);
    return [...names].sort(compareStrings);
  }

  labelValues(name: string): string[] {
    const vals = new Set<string>();
    for (const s of this.streams) for (let i = 0; i < s.labels.length; i += 2) if (s.labels[i] === name) vals.add(s.labels[i + 1]!);
    return [...vals].sort(compareStrings);
  }

  subscribe(listener: TailListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
