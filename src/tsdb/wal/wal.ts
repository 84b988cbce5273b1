/**
 * The write-ahead log writer, as Prometheus's `tsdb/wlog.WL`: records are framed into 32 KiB pages
 * (see `segment.ts`) and appended to the current segment file; a new segment starts when the
 * current one would exceed the segment size, and on every open (the previous process's last page
 * may be torn, so it is never written to again).
 *
 * Durability: {@link WAL.log} frames the whole batch of records in memory and hands it to the kernel
 * with one synchronous `write(2)`, without `fsync`. Once `log` returns, the data is in the page cache
 * and survives the process being killed (`kill -9`, OOM, crash); only a kernel crash or power loss
 * before writeback can lose it — upstream Prometheus makes the same trade (it fsyncs only when a
 * segment is completed and on close, as this writer does). Per-commit fsync would cost a disk
 * flush per scrape.
 *
 * Each segment's sample time range is tracked so retention can tell which segments hold only
 * expired data.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { Encbuf } from '../encoding.js';
import type { WALMetrics } from '../metrics.js';
import type { Logger } from '../../log.js';
import { DEFAULT_SEGMENT_SIZE, framedSizeBound, frameRecord, PAGE_SIZE, scanSegments, segmentFileName, segmentPath } from './segment.js';

/** Thrown when a WAL write fails (disk full, I/O error); the batch was not logged. */
export class WALWriteError extends Error {
  override name = 'WALWriteError';
}

/** Sample time range of one segment (ms); min > max while it holds no samples. */
interface SegmentRange {
  minT: number;
  maxT: number;
}

/** Options of {@link WAL.open}. */
export interface WALOptions {
  /** Maximum segment size in bytes (default 128 MiB, as upstream); a larger single batch still fits. */
  segmentSize?: number;
  metrics?: WALMetrics;
  /** Where {@link WAL.open} warns about files that are not segments and missing segments. */
  log?: Logger;
}

/** An open WAL directory, appending to its newest segment. */
export class WAL {
  private fd = -1;
  private cur = -1;
  private size = 0;
  private closed = false;
  private readonly out = new Encbuf(64 * 1024);
  private readonly ranges = new Map<number, SegmentRange>();
  private readonly sizes = new Map<number, number>();
  private readonly segmentSize: number;

  private constructor(
    readonly dir: string,
    opts: WALOptions,
    private readonly metrics?: WALMetrics,
  ) {
    this.segmentSize = opts.segmentSize ?? DEFAULT_SEGMENT_SIZE;
  }

  /**
   * Opens `dir` (created if missing) and starts a new segment after the newest existing one.
   * `ranges` gives the sample time ranges of existing segments, as found by replay. Warns (via
   * `opts.log`) about digit-only names that are not segment names, which are ignored (as
   * Prometheus ignores names that do not parse as numbers), and about segments missing between the
   * first and the last (Prometheus refuses such a WAL with "segments are not sequential"; the
   * records of the missing segments are lost either way, so Lookout goes on with the rest).
   * @throws {Error} (Node fs errors) when the directory or segment cannot be created.
   */
  static open(dir: string, opts: WALOptions = {}, ranges?: ReadonlyMap<number, { minT: number; maxT: number }>): WAL {
    mkdirSync(dir, { recursive: true });
    const w = new WAL(dir, opts, opts.metrics);
    const scan = scanSegments(dir);
    const existing = scan.segments;
    for (const name of scan.ignored) opts.log?.warn('Ignoring a file in the WAL directory that is not a segment', { dir, file: name });
    for (const [from, to] of scan.gaps) {
      opts.log?.warn('WAL segments are missing; their records are lost', {
        dir,
        missing: from === to ? segmentFileName(from) : `${segmentFileName(from)}-${segmentFileName(to)}`,
      });
    }
    for (const i of existing) {
      w.sizes.set(i, statSync(segmentPath(dir, i)).size);
      const r = ranges?.get(i);
      w.ranges.set(i, r ? { minT: r.minT, maxT: r.maxT } : { minT: Infinity, maxT: -Infinity });
    }
    w.openSegment(existing.length > 0 ? existing[existing.length - 1]! + 1 : 0);
    return w;
  }

  /** Index of the segment being written. */
  currentSegment(): number {
    return this.cur;
  }

  /** Indices of all segments on disk, ascending. */
  segments(): number[] {
    return [...this.sizes.keys()].sort((a, b) => a - b);
  }

  /** Total bytes of all segments. */
  sizeBytes(): number {
    let n = 0;
    for (const s of this.sizes.values()) n += s;
    return n;
  }

  /** Sample time range of segment `i` (min > max when it holds no samples). */
  segmentRange(i: number): { minT: number; maxT: number } | undefined {
    return this.ranges.get(i);
  }

  /**
   * Appends `records` (encoded records, none empty) as one write; `minT`/`maxT` (ms) bound the
   * sample timestamps they contain (pass +Infinity/−Infinity for none).
   * @throws {WALWriteError} when the write fails; the segment is cut back to its previous size.
   */
  log(records: readonly Uint8Array[], minT: number, maxT: number): void {
    if (this.closed) throw new WALWriteError('WAL is closed');
    let bytes = 0;
    for (const r of records) bytes += r.length;
    try {
      if (this.fd < 0) this.openSegment(this.cur + 1);
      else if (this.size > 0 && this.size + framedSizeBound(bytes, records.length) > this.segmentSize) this.nextSegment();
    } catch (e) {
      this.metrics?.writesFailed.inc();
      throw new WALWriteError(`start WAL segment ${this.cur + 1}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const out = this.out;
    out.reset();
    let offset = this.size;
    for (const r of records) offset = frameRecord(r, offset, out);
    this.write(out.bytes());
    const range = this.ranges.get(this.cur)!;
    if (minT < range.minT) range.minT = minT;
    if (maxT > range.maxT) range.maxT = maxT;
  }

  private write(data: Uint8Array): void {
    const before = this.size;
    try {
      let off = 0;
      while (off < data.length) off += writeSync(this.fd, data, off, data.length - off);
    } catch (e) {
      this.metrics?.writesFailed.inc();
      try {
        ftruncateSync(this.fd, before);
      } catch {
        // The segment may now end in a torn record; replay truncates it.
      }
      throw new WALWriteError(`write to WAL segment ${this.cur}: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.size = before + data.length;
    this.sizes.set(this.cur, this.size);
    this.metrics?.pageFlushes.inc();
    const completed = Math.floor(this.size / PAGE_SIZE) - Math.floor(before / PAGE_SIZE);
    if (completed > 0) this.metrics?.completedPages.inc(completed);
  }

  /**
   * Completes the current segment (fsync) and starts the next one.
   * @throws {Error} (fs errors); a later {@link log} retries opening the next segment.
   */
  nextSegment(): void {
    this.closeSegment();
    this.openSegment(this.cur + 1);
  }

  /** Whether the current segment holds any data. */
  currentSegmentEmpty(): boolean {
    return this.size === 0;
  }

  /**
   * Deletes segments with index ≤ `upTo` (never the current one).
   * @throws {Error} (fs errors) when a file cannot be removed.
   */
  removeSegmentsUpTo(upTo: number): void {
    for (const i of this.segments()) {
      if (i > upTo || i === this.cur) continue;
      rmSync(segmentPath(this.dir, i), { force: true });
      this.sizes.delete(i);
      this.ranges.delete(i);
    }
  }

  /** Flushes the current segment to disk and closes it; further `log` calls throw. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.closeSegment();
  }

  private openSegment(i: number): void {
    this.fd = openSync(segmentPath(this.dir, i), 'a');
    this.cur = i;
    this.size = fstatSync(this.fd).size;
    this.sizes.set(i, this.size);
    if (!this.ranges.has(i)) this.ranges.set(i, { minT: Infinity, maxT: -Infinity });
  }

  private closeSegment(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    try {
      const start = process.hrtime.bigint();
      fsyncSync(fd);
      this.metrics?.fsyncDuration.observe(Number(process.hrtime.bigint() - start) / 1e9);
    } finally {
      closeSync(fd);
    }
  }
}
