/**
 * Follows a TSDB's WAL directory as Prometheus's `tsdb/wlog/watcher.go` does for remote write:
 * reads series records (ref → labels) and samples records from the segment files, in order, as
 * they are written, and hands the samples to a {@link WatcherSink}.
 *
 * - Start: series are read from the newest checkpoint and every segment that exists when the
 *   watcher starts, their samples skipped — remote write starts "at the end", as upstream. Upstream
 *   skips samples older than its start time; Lookout skips the samples records already on disk at
 *   start instead, so samples with old timestamps written later (backfill through the receiver)
 *   are sent too.
 * - Tail: the current segment is polled (`fstat`) every `pollMs` and new complete fragments are
 *   parsed incrementally (page framing of `tsdb/wal/segment.ts`); once a later segment exists the
 *   current one is complete and the watcher moves on.
 * - Backpressure: when the sink takes only part of a record's samples, the rest is kept and the
 *   watcher stops reading until the sink accepts more (the WAL on disk is the buffer, so a
 *   receiver outage loses nothing while the segments are still there).
 * - Checkpoints: a segment deleted under the watcher is finished from its open descriptor; when the
 *   next segment is gone too the watcher jumps to the oldest remaining one (those samples are lost,
 *   logged) and re-reads the newest checkpoint's series; series whose last record was in a
 *   segment covered by a new checkpoint and that are not in it are forgotten (upstream
 *   `SeriesReset`).
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import type { Labels } from '../model/labels.js';
import type { Logger } from '../log.js';
import { Encbuf, StringCache } from '../tsdb/encoding.js';
import { listCheckpoints } from '../tsdb/wal/checkpoint.js';
import { crc32c } from '../tsdb/wal/crc32c.js';
import { decodeSamples, decodeSeries, RecordType, recordType, SampleBatch } from '../tsdb/wal/record.js';
import { FragmentType, listSegments, PAGE_SIZE, readSegment, RECORD_HEADER_SIZE, segmentPath } from '../tsdb/wal/segment.js';

/** Where the watcher delivers what it reads. */
export interface WatcherSink {
  /** A series record's series (also re-delivered from checkpoints). */
  storeSeries(ref: number, labels: Labels): void;
  /** The series is gone from the WAL (see `SeriesReset` above): drop its labels. */
  removeSeries(ref: number): void;
  /**
   * Samples `from … batch.length` of `batch` (refs, ms timestamps, value bits as hi/lo words);
   * returns how many it took, starting at `from` (fewer when its queues are full).
   */
  appendSamples(batch: SampleBatch, from: number): number;
}

/** Options of {@link WALWatcher}. */
export interface WALWatcherOptions {
  /** How often the current segment is checked for new data, ms (default 100). */
  pollMs?: number;
  /** Most bytes parsed per event-loop turn while catching up (default 4 MiB). */
  maxBytesPerTurn?: number;
  log?: Logger;
  /** Called once per record read (for `prometheus_wal_watcher_records_read_total`), with the record type name. */
  onRecord?: (type: 'series' | 'samples' | 'unknown') => void;
  /** Called with the segment now being read (for `prometheus_wal_watcher_current_segment`). */
  onSegment?: (segment: number) => void;
}

/** Follows one WAL directory; see the module comment. */
export class WALWatcher {
  private readonly pollMs: number;
  private readonly maxBytesPerTurn: number;
  private seg = -1;
  private fd = -1;
  private off = 0;
  private readonly assembly = new Encbuf(64 * 1024);
  private assembling = false;
  private readBuf = new Uint8Array(PAGE_SIZE * 4);
  private readonly batch = new SampleBatch();
  /** Samples of the current record not yet taken by the sink, from this index. */
  private pendingFrom = -1;
  private readonly strings = new StringCache();
  /** Segment of each series' last record, for forgetting series on a new checkpoint. */
  private readonly seriesSegment = new Map<number, number>();
  private checkpointIndex = -1;
  /** Segment current at start, and its size then: samples records before that offset are not sent. */
  private startSeg = -1;
  private startSize = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private running = false;

  constructor(
    private readonly walDir: string,
    private readonly sink: WatcherSink,
    private readonly opts: WALWatcherOptions = {},
  ) {
    this.pollMs = opts.pollMs ?? 100;
    this.maxBytesPerTurn = opts.maxBytesPerTurn ?? 4 << 20;
  }

  /**
   * Reads the series of the checkpoint and of the segments present now (not their samples), then
   * starts following from the newest segment. Synchronous up to the start of tailing.
   */
  start(): void {
    const segments = listSegments(this.walDir);
    const last = segments.length > 0 ? segments[segments.length - 1]! : 0;
    this.readCheckpoint();
    for (const i of segments) {
      if (i >= last || i <= this.checkpointIndex) continue;
      this.readWholeSegmentSeries(i);
    }
    this.openSegment(last);
    this.startSeg = last;
    this.startSize = this.fd >= 0 ? fstatSync(this.fd).size : 0;
    this.schedule(0);
  }

  /** Stops polling and closes the open segment. Idempotent. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.closeSegment();
  }

  /** Reads what is available now, then goes on polling (for tests and after the sink frees room). */
  poke(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.schedule(0);
  }

  /** The segment being read. */
  currentSegment(): number {
    return this.seg;
  }

  private schedule(ms: number): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.turn();
    }, ms);
    this.timer.unref?.();
  }

  private turn(): void {
    if (this.stopped || this.running) return;
    this.running = true;
    let more = false;
    try {
      more = this.readAvailable();
    } catch (e) {
      this.opts.log?.error('WAL watcher failed reading a segment', { segment: this.seg, err: (e as Error).message });
    } finally {
      this.running = false;
    }
    this.schedule(more ? 0 : this.pollMs);
  }

  /** Delivers the kept samples of the last record; false when the sink is still full. */
  private flushPending(): boolean {
    if (this.pendingFrom < 0) return true;
    const took = this.sink.appendSamples(this.batch, this.pendingFrom);
    this.pendingFrom += took;
    if (this.pendingFrom < this.batch.length) return false;
    this.pendingFrom = -1;
    return true;
  }

  /** Parses new data of the current segment (and moves to later ones); true when there is more to do now. */
  private readAvailable(): boolean {
    if (!this.flushPending()) return false;
    let budget = this.maxBytesPerTurn;
    for (;;) {
      if (this.fd < 0 && !this.openNextExisting()) return false;
      const size = fstatSync(this.fd).size;
      let stuck = false;
      while (this.off < size) {
        if (budget <= 0) return true;
        const before = this.off;
        const ok = this.parseChunk(size);
        budget -= this.off - before;
        if (!ok) return false;
        if (this.off === before) {
          stuck = true;
          break;
        }
      }
      // Nothing more in this segment for now: move on only once a later one exists (the writer
      // never appends to a segment again once it started the next).
      const later = listSegments(this.walDir).find((i) => i > this.seg);
      if (later === undefined) return false;
      if (!stuck && fstatSync(this.fd).size > this.off) continue;
      if (stuck || this.assembling) this.opts.log?.warn('WAL segment ends in a torn record', { segment: this.seg });
      this.closeSegment();
      this.checkCheckpoint();
      this.openSegment(this.seg + 1);
    }
  }

  /**
   * Parses complete fragments in [off, size) (at most a few pages per call); returns false when the
   * sink is full (reading pauses there).
   */
  private parseChunk(size: number): boolean {
    const want = Math.min(size - this.off, this.readBuf.length);
    const pageBase = this.off;
    const n = readSync(this.fd, this.readBuf, 0, want, pageBase);
    const buf = this.readBuf;
    let p = 0;
    while (p < n) {
      const abs = pageBase + p;
      const pageEnd = (Math.floor(abs / PAGE_SIZE) + 1) * PAGE_SIZE - pageBase;
      const type = buf[p]!;
      if (type === FragmentType.PageTerm) {
        if (pageEnd > n) break;
        p = pageEnd;
        this.off = pageBase + p;
        continue;
      }
      if (p + RECORD_HEADER_SIZE > n) break;
      const len = (buf[p + 1]! << 8) | buf[p + 2]!;
      const dataStart = p + RECORD_HEADER_SIZE;
      const dataEnd = dataStart + len;
      if (dataEnd > n) {
        if (dataEnd - p > this.readBuf.length) this.readBuf = new Uint8Array(this.readBuf.length * 2);
        break;
      }
      const crc = ((buf[p + 3]! << 24) | (buf[p + 4]! << 16) | (buf[p + 5]! << 8) | buf[p + 6]!) >>> 0;
      if (type > FragmentType.Last || dataEnd > pageEnd || crc32c(buf, dataStart, dataEnd) !== crc) {
        // A damaged fragment: skip the rest of the page, as a reader resynchronises there.
        this.opts.log?.warn('WAL watcher skipped a damaged page', { segment: this.seg, offset: abs });
        this.assembling = false;
        p = Math.min(pageEnd, n);
        this.off = pageBase + p;
        if (pageEnd > n) break;
        continue;
      }
      const data = buf.subarray(dataStart, dataEnd);
      p = dataEnd;
      this.off = pageBase + p;
      let rec: Uint8Array | null = null;
      if (type === FragmentType.Full) {
        this.assembling = false;
        rec = data;
      } else if (type === FragmentType.First) {
        this.assembly.reset();
        this.assembly.putBytes(data);
        this.assembling = true;
      } else if (this.assembling) {
        this.assembly.putBytes(data);
        if (type === FragmentType.Last) {
          this.assembling = false;
          rec = this.assembly.bytes();
        }
      }
      if (rec !== null && !this.handleRecord(rec, this.seg !== this.startSeg || this.off > this.startSize)) return false;
    }
    return true;
  }

  /** Applies one record; false when its samples did not all fit in the sink. */
  private handleRecord(rec: Uint8Array, withSamples: boolean): boolean {
    const t = recordType(rec);
    try {
      if (t === RecordType.Series) {
        this.opts.onRecord?.('series');
        decodeSeries(
          rec,
          (ref, ls) => {
            this.seriesSegment.set(ref, this.seg);
            this.sink.storeSeries(ref, ls);
          },
          this.strings,
        );
        return true;
      }
      if (t === RecordType.Samples) {
        this.opts.onRecord?.('samples');
        if (!withSamples) return true;
        if (decodeSamples(rec, this.batch) === 0) return true;
        this.pendingFrom = 0;
        return this.flushPending();
      }
    } catch (e) {
      this.opts.log?.warn('WAL watcher skipped a malformed record', { segment: this.seg, err: (e as Error).message });
      return true;
    }
    this.opts.onRecord?.('unknown');
    return true;
  }

  private readWholeSegmentSeries(i: number): void {
    const path = segmentPath(this.walDir, i);
    if (!existsSync(path)) return;
    const prev = this.seg;
    this.seg = i;
    readSegment(readFileSync(path), new Encbuf(64 * 1024), (rec) => void this.handleRecord(rec, false));
    this.seg = prev;
  }

  /** Reads the newest checkpoint's series, forgetting series it supersedes. */
  private readCheckpoint(): void {
    const cp = listCheckpoints(this.walDir).pop();
    if (!cp || cp.index <= this.checkpointIndex) return;
    const inCheckpoint = new Set<number>();
    for (const i of listSegments(cp.dir)) {
      readSegment(readFileSync(segmentPath(cp.dir, i)), new Encbuf(64 * 1024), (rec) => {
        if (recordType(rec) !== RecordType.Series) return;
        decodeSeries(rec, (ref, ls) => {
          inCheckpoint.add(ref);
          this.seriesSegment.set(ref, cp.index);
          this.sink.storeSeries(ref, ls);
        }, this.strings);
      });
    }
    for (const [ref, seg] of this.seriesSegment) {
      if (seg <= cp.index && !inCheckpoint.has(ref)) {
        this.seriesSegment.delete(ref);
        this.sink.removeSeries(ref);
      }
    }
    this.checkpointIndex = cp.index;
  }

  private checkCheckpoint(): void {
    try {
      this.readCheckpoint();
    } catch (e) {
      this.opts.log?.warn('WAL watcher could not read a checkpoint', { err: (e as Error).message });
    }
  }

  private openSegment(i: number): void {
    this.seg = i;
    this.off = 0;
    this.assembling = false;
    try {
      this.fd = openSync(segmentPath(this.walDir, i), 'r');
      this.opts.onSegment?.(i);
    } catch {
      this.fd = -1;
    }
  }

  /** Opens the current segment or, when it is gone, the oldest later one; false when none exists yet. */
  private openNextExisting(): boolean {
    const next = listSegments(this.walDir).find((i) => i >= this.seg);
    if (next === undefined) return false;
    if (next > this.seg) {
      this.opts.log?.warn('WAL segments were removed before remote write read them; their samples are not sent', { from: this.seg, to: next - 1 });
      this.checkCheckpoint();
    }
    this.openSegment(next);
    return this.fd >= 0;
  }

  private closeSegment(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }
}
