/**
 * A stream of the log store ({@link LogStore} in store.ts): its label set and ref, its chunks on
 * disk, its head (entries not yet cut into a chunk, as columns) and what Loki's ordering and
 * duplicate rules need to remember.
 */
import type { Labels } from '../../model/labels.js';
import type { ChunkMeta } from './chunks.js';

/** One stream's state: identity, chunks on disk, the head in memory, and ordering bookkeeping. */
export interface Stream {
  readonly ref: number;
  readonly labels: Labels;
  readonly key: string;
  readonly chunks: ChunkMeta[];
  head: { ms: number[]; nanos: number[]; lines: string[]; meta: Labels[] | null };
  headBytes: number;
  headMinMs: number;
  headMaxMs: number;
  /** WAL segment of the oldest record with entries in the head. */
  headSegment: number;
  /** Seq of the newest WAL record with entries in the head. */
  headSeq: number;
  /** Wall clock of the head's first and last append, ms. */
  headCreated: number;
  headLastAppend: number;
  /** Seq of the newest WAL record already in a chunk. */
  flushedSeq: number;
  /**
   * Seq of the record being built or replayed that already put entries in the head: the head is
   * not cut then, so a chunk never holds part of a record (a stream may appear twice in a push).
   */
  openSeq: number;
  highestMs: number;
  highestNanos: number;
  /** The last accepted entry, for Loki's duplicate check. */
  lastMs: number;
  lastNanos: number;
  lastLine: string;
}

/** The persisted identity of a label set (in WAL records and chunk headers): its JSON array. */
export function streamKey(ls: Labels): string {
  return JSON.stringify(ls);
}

/** A head with no entries. */
export function emptyHead(): Stream['head'] {
  return { ms: [], nanos: [], lines: [], meta: null };
}
