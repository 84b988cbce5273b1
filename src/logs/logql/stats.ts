/**
 * Query statistics: what a query read, reported in Loki's `stats` object (the `summary` block
 * Grafana shows, plus the querier/ingester totals), and the query's deadline.
 */
import { LogQLTimeoutError } from './errors.js';

/** Lines read between two deadline checks. */
const CHECK_EVERY = 4096;

/** Counters filled while a query runs, and its deadline. */
export class QueryStats {
  /**
   * @param deadline `performance.now()` value after which the query fails with
   *   {@link LogQLTimeoutError} (checked every 4096 lines read); Infinity for none.
   */
  constructor(readonly deadline = Infinity) {}

  /** Log lines read from the store (before filtering). */
  linesProcessed = 0;
  /** Bytes of those lines (UTF-8). */
  bytesProcessed = 0;
  /** Entries (log queries) or samples (metric queries) returned. */
  entriesReturned = 0;

  /**
   * Counts one line of `bytes` read.
   * @throws {LogQLTimeoutError} once the deadline has passed.
   */
  read(bytes: number): void {
    this.bytesProcessed += bytes;
    if (++this.linesProcessed % CHECK_EVERY === 0 && performance.now() > this.deadline) throw new LogQLTimeoutError();
  }
}

/**
 * Loki's JSON `stats` for a finished query; `execSeconds` is the wall time of the evaluation.
 * Fields Lookout does not have (caches, shards, splits, queue time) are 0.
 */
export function statsJson(s: QueryStats, execSeconds: number): Record<string, unknown> {
  const perSec = (n: number) => (execSeconds > 0 ? Math.floor(n / execSeconds) : 0);
  return {
    summary: {
      bytesProcessedPerSecond: perSec(s.bytesProcessed),
      linesProcessedPerSecond: perSec(s.linesProcessed),
      totalBytesProcessed: s.bytesProcessed,
      totalLinesProcessed: s.linesProcessed,
      execTime: execSeconds,
      queueTime: 0,
      subqueries: 0,
      totalEntriesReturned: s.entriesReturned,
      splits: 0,
      shards: 0,
      totalPostFilterLines: 0,
      totalStructuredMetadataBytesProcessed: 0,
    },
    querier: {
      store: {
        totalChunksRef: 0,
        totalChunksDownloaded: 0,
        chunksDownloadTime: 0,
        chunk: {
          headChunkBytes: 0,
          headChunkLines: 0,
          decompressedBytes: s.bytesProcessed,
          decompressedLines: s.linesProcessed,
          compressedBytes: 0,
          totalDuplicates: 0,
        },
      },
    },
    ingester: {
      totalReached: 0,
      totalChunksMatched: 0,
      totalBatches: 0,
      totalLinesSent: 0,
      store: { totalChunksRef: 0, totalChunksDownloaded: 0, chunksDownloadTime: 0, chunk: { headChunkBytes: 0, headChunkLines: 0, decompressedBytes: 0, decompressedLines: 0, compressedBytes: 0, totalDuplicates: 0 } },
    },
  };
}
