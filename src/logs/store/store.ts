/**
 * The log store: Loki's ingester and chunk store in one, on local disk. Implements
 * {@link LogWriter} (push), {@link LogReader} (what LogQL reads) and {@link LogTailSource}.
 *
 * - Streams are indexed by label set only ({@link StreamIndex}).
 * - Accepted entries go to the stream's head (columns in memory) and to the WAL; a push resolves
 *   once its WAL record is synced. A head is cut into a compressed chunk ({@link encodeBlock})
 *   when it holds {@link HEAD_CUT_BYTES} of lines, when idle for Loki's `chunk_idle_period`
 *   (30 m), when older than `max_chunk_age` (2 h), and on close; chunks are appended to chunk
 *   files; WAL segments whose entries are all in synced chunks are deleted.
 * - Ordering as Loki with `unordered_writes: true` (its default): entries may arrive out of
 *   order, but one older than the stream's newest entry minus `max_chunk_age / 2` (1 h) is
 *   rejected ("entry too far behind") and counted; an entry equal (time and line) to the stream's
 *   last accepted one is dropped silently as a duplicate, as Loki does.
 * - Retention by time (whole chunk files whose newest entry is older than the retention) and by
 *   size (oldest chunk files first until chunk files + WAL fit).
 *
 * Layout: `<dir>/wal/<8-digit segment>`, `<dir>/chunks/<8-digit segment>`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { logger, type Logger } from '../../log.js';
import { compare, EMPTY_LABELS, toGoString, type Labels } from '../../model/labels.js';
import type { Matcher } from '../../model/matcher.js';
import type {
  Direction,
  LogReader,
  LogTailSource,
  LogTime,
  LogWriter,
  PushEntry,
  PushResult,
  PushStream,
  SelectedStream,
  TailListener,
} from '../types.js';
import { decodeBlock, encodeBlock, headRun, sortedOrder, type EntryColumns, type Run } from './block.js';
import { ByteWriter } from './bytes.js';
import { ChunkFiles, type ChunkMeta } from './chunks.js';
import { StreamCursor, type Source } from './cursor.js';
import { StreamIndex } from './index.js';
import { emptyHead, streamKey, type Stream } from './stream.js';
import { storeMetrics, TENANT, type StoreMetrics } from './metrics.js';
import { fileSize } from './segments.js';
import { DEFAULT_LIMITS, tooFarBehind, validateEntry, validateLabels, type LogLimits } from './validate.js';
import { LogWal, WalRecordBuilder, type WalRecord } from './wal.js';

/**
 * Line bytes at which a head is cut into a chunk: 256 KiB, Loki's default `block_size`. DEFLATE's
 * window is 32 KiB, so larger blocks gain little ratio but cost more to decode for a small query.
 */
export const HEAD_CUT_BYTES = 256 * 1024;
/** Loki's `chunk_idle_period` default: a head without new entries for this long is cut, ms. */
export const CHUNK_IDLE_PERIOD_MS = 30 * 60_000;
/** How often heads are checked for idleness/age and retention is applied, ms. */
export const MAINTENANCE_INTERVAL_MS = 30_000;
/**
 * Line bytes of decoded chunks kept for reuse by later queries: 64 MiB, so a dashboard refreshing
 * the last hour of a few busy streams decodes each chunk once.
 */
export const DECODED_CACHE_BYTES = 64 << 20;
/** Most error messages returned for one push (the rest are counted only). */
const MAX_ERRORS = 100;

/** Options of {@link LogStore.open}. */
export interface LogStoreOptions {
  /** Directory holding `wal/` and `chunks/` (created when missing). */
  dir: string;
  /** Entries older than this are deleted (by whole chunk file), ms; 0 = keep forever. Default 15 d. */
  retentionMs?: number;
  /** Most bytes of chunk files + WAL; oldest chunk files are deleted past it. 0 = no limit (default). */
  retentionBytes?: number;
  /** Line bytes at which a head is cut into a chunk (default {@link HEAD_CUT_BYTES}). */
  headCutBytes?: number;
  /** Limits, Loki's defaults for what is not given. */
  limits?: Partial<LogLimits>;
  registry?: Registry;
  log?: Logger;
  /** Wall clock, ms (tests); default `Date.now`. */
  now?: () => number;
  /** Whether to run maintenance on a timer (default true; tests call {@link LogStore.maintain}). */
  background?: boolean;
}

/** Index statistics, as Loki's `/loki/api/v1/index/stats`. */
export interface IndexStats {
  streams: number;
  chunks: number;
  entries: number;
  bytes: number;
}

/** The log store. Create with {@link LogStore.open}. */
export class LogStore implements LogReader, LogWriter, LogTailSource {
  private readonly streams = new Map<number, Stream>();
  private readonly byKey = new Map<string, Stream>();
  private readonly index = new StreamIndex();
  private readonly wal: LogWal;
  private readonly chunks: ChunkFiles;
  private readonly metrics: StoreMetrics;
  private readonly limits: LogLimits;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly listeners = new Set<TailListener>();
  private readonly record = new WalRecordBuilder();
  private readonly blockWriter = new ByteWriter(HEAD_CUT_BYTES * 2);
  private readonly headCutBytes: number;
  /** Decoded chunks by `segment:offset`, least recently used first (Map order). */
  private readonly decoded = new Map<string, { run: Run; bytes: number }>();
  private decodedBytes = 0;
  private nextRef = 1;
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(private readonly opts: LogStoreOptions) {
    this.log = opts.log ?? logger('logs');
    this.now = opts.now ?? Date.now;
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.headCutBytes = opts.headCutBytes ?? HEAD_CUT_BYTES;
    this.metrics = storeMetrics(opts.registry);
    mkdirSync(opts.dir, { recursive: true });
    this.chunks = new ChunkFiles(join(opts.dir, 'chunks'), this.log, this.now);
    this.wal = new LogWal(join(opts.dir, 'wal'), this.log, () => this.metrics.walCorruptions.inc());
  }

  /**
   * Opens (or creates) a store: scans chunk files, replays the WAL (truncating a torn tail with a
   * warning), and starts background maintenance. Throws on I/O errors.
   */
  static open(opts: LogStoreOptions): LogStore {
    const s = new LogStore(opts);
    const started = Date.now();
    s.chunks.open((key, meta) => {
      const st = s.streamFor(key, null);
      st.chunks.push(meta);
      if (meta.walSeq > st.flushedSeq) st.flushedSeq = meta.walSeq;
      if (meta.walSeq > s.seq) s.seq = meta.walSeq;
      s.noteHighest(st, meta.maxMs, 999_999);
    });
    s.wal.replay((rec, segment) => s.replayRecord(rec, segment));
    s.metrics.walReplayDuration.set((Date.now() - started) / 1000);
    s.metrics.memoryStreams.set({ tenant: TENANT }, s.streams.size);
    s.updateChunkGauges();
    if (opts.background !== false) {
      s.timer = setInterval(() => {
        try {
          s.maintain();
        } catch (e) {
          s.log.error('Log store maintenance failed', { err: (e as Error).message });
        }
      }, MAINTENANCE_INTERVAL_MS);
      s.timer.unref();
    }
    return s;
  }

  private replayRecord(rec: WalRecord, segment: number): void {
    if (rec.seq > this.seq) this.seq = rec.seq;
    for (const ws of rec.streams) {
      const st = this.streamFor(ws.key, null);
      if (rec.seq <= st.flushedSeq) continue;
      if (st.headBytes >= this.headCutBytes && st.openSeq !== rec.seq) this.cutHead(st, 'full');
      st.openSeq = rec.seq;
      for (let i = 0; i < ws.ms.length; i++) this.appendHead(st, ws.ms[i]!, ws.nanos[i]!, ws.lines[i]!, ws.meta[i]!, Buffer.byteLength(ws.lines[i]!));
      this.noteRecord(st, rec.seq, segment);
    }
  }

  /** The stream for a label-set key, created (and indexed) when new; `labels` given when known. */
  private streamFor(key: string, labels: Labels | null): Stream {
    let st = this.byKey.get(key);
    if (st) return st;
    const ref = this.nextRef++;
    const ls = this.index.add(ref, labels ?? (JSON.parse(key) as Labels));
    st = {
      ref,
      labels: ls,
      key,
      chunks: [],
      head: emptyHead(),
      headBytes: 0,
      headMinMs: Infinity,
      headMaxMs: -Infinity,
      headSegment: 0,
      headSeq: 0,
      headCreated: 0,
      headLastAppend: 0,
      flushedSeq: 0,
      openSeq: 0,
      highestMs: -Infinity,
      highestNanos: 0,
      lastMs: -Infinity,
      lastNanos: 0,
      lastLine: '',
    };
    this.byKey.set(key, st);
    this.streams.set(ref, st);
    this.metrics.streamsCreated.inc({ tenant: TENANT });
    return st;
  }

  private noteHighest(st: Stream, ms: number, nanos: number): void {
    if (ms > st.highestMs || (ms === st.highestMs && nanos > st.highestNanos)) {
      st.highestMs = ms;
      st.highestNanos = nanos;
    }
  }

  private appendHead(st: Stream, ms: number, nanos: number, line: string, meta: Labels, bytes: number): void {
    const h = st.head;
    if (h.ms.length === 0) st.headCreated = this.now();
    st.headLastAppend = this.now();
    if (meta.length > 0 && h.meta === null) h.meta = new Array<Labels>(h.ms.length).fill(EMPTY_LABELS);
    h.ms.push(ms);
    h.nanos.push(nanos);
    h.lines.push(line);
    if (h.meta) h.meta.push(meta.length > 0 ? meta : EMPTY_LABELS);
    st.headBytes += bytes;
    if (ms < st.headMinMs) st.headMinMs = ms;
    if (ms > st.headMaxMs) st.headMaxMs = ms;
    this.noteHighest(st, ms, nanos);
    st.lastMs = ms;
    st.lastNanos = nanos;
    st.lastLine = line;
  }

  private noteRecord(st: Stream, seq: number, segment: number): void {
    if (st.headSeq <= st.flushedSeq) st.headSegment = segment;
    st.headSeq = seq;
  }

  /** Cuts a stream's head into a chunk (written, not yet synced). */
  private cutHead(st: Stream, reason: string): void {
    const n = st.head.ms.length;
    if (n === 0) return;
    const cols: EntryColumns = st.head;
    const order = sortedOrder(cols, n);
    const block = encodeBlock(cols, n, order, this.blockWriter);
    const meta = this.chunks.append(st.key, st.headMinMs, st.headMaxMs, st.headSeq, n, st.headBytes, block);
    st.chunks.push(meta);
    st.flushedSeq = st.headSeq;
    st.head = emptyHead();
    st.headBytes = 0;
    st.headMinMs = Infinity;
    st.headMaxMs = -Infinity;
    this.metrics.chunksFlushed.inc({ reason });
    this.metrics.chunkStoredBytes.inc({ tenant: TENANT }, block.length);
    this.metrics.chunkEntries.observe(n);
  }

  /**
   * Stores pushed streams. Each stream's label set and entries are checked against Loki's limits
   * and ordering rule; accepted entries are appended and written to the WAL, and the promise
   * resolves once the WAL is synced. Rejections are counted in `loki_discarded_samples_total`
   * and described in the result (at most 100 messages).
   */
  async push(streams: readonly PushStream[]): Promise<PushResult> {
    if (this.closed) throw new Error('log store is closed');
    const nowMs = this.now();
    let accepted = 0;
    let rejected = 0;
    const errors: string[] = [];
    const reject = (reason: string, bytes: number, message: string | null) => {
      rejected++;
      this.metrics.discardedSamples.inc({ reason, tenant: TENANT });
      this.metrics.discardedBytes.inc({ reason, tenant: TENANT }, bytes);
      if (message !== null && errors.length < MAX_ERRORS) errors.push(message);
    };
    const seq = this.seq + 1;
    this.record.begin(seq);
    const touched: Stream[] = [];
    const tail: [Labels, PushEntry][] | null = this.listeners.size > 0 ? [] : null;
    let receivedLines = 0;
    let receivedBytes = 0;
    for (const ps of streams) {
      receivedLines += ps.entries.length;
      const bad = validateLabels(ps.labels, this.limits);
      if (bad) {
        for (const e of ps.entries) {
          const bytes = Buffer.byteLength(e.line);
          receivedBytes += bytes;
          reject(bad.reason, bytes, null);
        }
        if (errors.length < MAX_ERRORS) errors.push(bad.message);
        continue;
      }
      const key = streamKey(ps.labels);
      const isNew = !this.byKey.has(key);
      const st = this.streamFor(key, ps.labels);
      if (isNew) this.metrics.memoryStreams.set({ tenant: TENANT }, this.streams.size);
      if (st.headBytes >= this.headCutBytes && st.openSeq !== seq) this.cutHead(st, 'full');
      const shown = toGoString(st.labels);
      let n = 0;
      let ignored = 0;
      const ignoredMsgs: string[] = [];
      // The WAL stream header needs the count first: decide per entry, then write.
      const ok: number[] = [];
      for (let i = 0; i < ps.entries.length; i++) {
        const e = ps.entries[i]!;
        const bytes = Buffer.byteLength(e.line);
        receivedBytes += bytes;
        const invalid = validateEntry(shown, e.ms, e.nanos, bytes, nowMs, this.limits);
        if (invalid) {
          reject(invalid.reason, bytes, invalid.message);
          continue;
        }
        const cutoffMs = st.highestMs - this.limits.maxChunkAgeMs / 2;
        if (e.ms < cutoffMs) {
          ignored++;
          if (ignoredMsgs.length < MAX_ERRORS) ignoredMsgs.push(tooFarBehind(e.ms, e.nanos, cutoffMs));
          reject('too_far_behind', bytes, null);
          continue;
        }
        if (e.ms === st.lastMs && e.nanos === st.lastNanos && e.line === st.lastLine) continue;
        this.appendHead(st, e.ms, e.nanos, e.line, e.metadata, bytes);
        st.openSeq = seq;
        ok.push(i);
        n++;
        if (tail) tail.push([st.labels, e]);
      }
      if (ignored > 0 && errors.length < MAX_ERRORS) {
        errors.push(`${ignoredMsgs.map((m) => m + ',\n').join('')}user '${TENANT}', total ignored: ${ignored} out of ${ps.entries.length} for stream: ${shown}`);
      }
      if (n === 0) continue;
      this.record.stream(key, n);
      for (const i of ok) {
        const e = ps.entries[i]!;
        this.record.entry(e.ms, e.nanos, e.line, e.metadata);
      }
      accepted += n;
      touched.push(st);
    }
    this.metrics.linesReceived.inc({ tenant: TENANT }, receivedLines);
    this.metrics.bytesReceived.inc({ tenant: TENANT }, receivedBytes);
    if (touched.length > 0) {
      this.seq = seq;
      const payload = this.record.finish();
      const segment = this.wal.append(payload);
      for (const st of touched) this.noteRecord(st, seq, segment);
      this.metrics.walRecords.inc();
      this.metrics.walBytes.inc(payload.length + 8);
      await this.wal.sync();
      if (tail) {
        for (const [ls, e] of tail) {
          for (const l of this.listeners) {
            try {
              l(ls, e);
            } catch (err) {
              this.log.error('Tail listener failed', { err: (err as Error).message });
            }
          }
        }
      }
    }
    return { accepted, rejected, errors };
  }

  /**
   * Counts entries rejected before reaching the store (a stream whose label text did not parse)
   * as received and discarded with Loki's `reason`.
   */
  discard(reason: string, entries: number, bytes: number): void {
    this.metrics.linesReceived.inc({ tenant: TENANT }, entries);
    this.metrics.bytesReceived.inc({ tenant: TENANT }, bytes);
    this.metrics.discardedSamples.inc({ reason, tenant: TENANT }, entries);
    this.metrics.discardedBytes.inc({ reason, tenant: TENANT }, bytes);
  }

  /** Registers a listener for entries stored from now on (called after they are durable). */
  subscribe(listener: TailListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private sources(st: Stream, startMs: number, endMs: number): Source[] {
    const out: Source[] = [];
    for (const c of st.chunks) {
      if (c.maxMs < startMs || c.minMs > endMs) continue;
      out.push({
        minMs: c.minMs,
        maxMs: c.maxMs,
        load: () => this.loadChunk(st, c),
      });
    }
    const n = st.head.ms.length;
    if (n > 0 && st.headMaxMs >= startMs && st.headMinMs <= endMs) {
      const run = headRun(st.head, n);
      out.push({ minMs: st.headMinMs, maxMs: st.headMaxMs, load: () => run });
    }
    return out;
  }

  /** A chunk's entries, from the decoded-chunk cache or read and decoded (null when unreadable, logged). */
  private loadChunk(st: Stream, c: ChunkMeta): Run | null {
    const key = `${c.segment}:${c.recordOffset}`;
    const hit = this.decoded.get(key);
    if (hit) {
      this.decoded.delete(key);
      this.decoded.set(key, hit);
      return hit.run;
    }
    let run: Run;
    try {
      run = decodeBlock(this.chunks.read(c));
    } catch (e) {
      this.log.error('Skipping unreadable chunk', { stream: toGoString(st.labels), err: (e as Error).message });
      return null;
    }
    this.decoded.set(key, { run, bytes: c.rawBytes });
    this.decodedBytes += c.rawBytes;
    for (const [k, v] of this.decoded) {
      if (this.decodedBytes <= DECODED_CACHE_BYTES) break;
      this.decoded.delete(k);
      this.decodedBytes -= v.bytes;
    }
    return run;
  }

  /** See {@link LogReader.select}; ranges are `[start, end)`. */
  select(matchers: readonly Matcher[], start: LogTime, end: LogTime, direction: Direction): SelectedStream[] {
    const out: SelectedStream[] = [];
    for (const ref of this.index.select(matchers)) {
      const st = this.streams.get(ref)!;
      const src = this.sources(st, start.ms, end.ms);
      if (src.length === 0) continue;
      const cursor = new StreamCursor(src, start, end, direction);
      if (cursor.prime()) out.push({ labels: st.labels, entries: cursor });
    }
    return out;
  }

  private overlaps(st: Stream, startMs: number, endMs: number): boolean {
    if (st.head.ms.length > 0 && st.headMaxMs >= startMs && st.headMinMs <= endMs) return true;
    for (const c of st.chunks) if (c.maxMs >= startMs && c.minMs <= endMs) return true;
    return false;
  }

  /** Label sets of streams matching `matchers` with entries in `[start, end)` (by chunk bounds), sorted. */
  series(matchers: readonly Matcher[], start: LogTime, end: LogTime): Labels[] {
    const out: Labels[] = [];
    for (const ref of this.index.select(matchers)) {
      const st = this.streams.get(ref)!;
      if (this.overlaps(st, start.ms, end.ms)) out.push(st.labels);
    }
    return out.sort(compare);
  }

  /** See {@link LogReader.labelNames}. */
  labelNames(start: LogTime, end: LogTime): string[] {
    const names = new Set<string>();
    for (const st of this.streams.values()) {
      if (!this.overlaps(st, start.ms, end.ms)) continue;
      for (let i = 0; i < st.labels.length; i += 2) names.add(st.labels[i]!);
    }
    return [...names].sort();
  }

  /** See {@link LogReader.labelValues}. */
  labelValues(name: string, start: LogTime, end: LogTime, matchers?: readonly Matcher[]): string[] {
    const values = new Set<string>();
    const refs = matchers && matchers.length > 0 ? this.index.select(matchers) : [...this.streams.keys()];
    for (const ref of refs) {
      const st = this.streams.get(ref)!;
      if (!this.overlaps(st, start.ms, end.ms)) continue;
      for (let i = 0; i < st.labels.length; i += 2) if (st.labels[i] === name) values.add(st.labels[i + 1]!);
    }
    return [...values].sort();
  }

  /**
   * Streams, chunks (the head counts as one), entries and uncompressed line bytes of streams
   * matching `matchers` whose chunks overlap `[start, end)` — whole chunks are counted, as
   * Loki's index statistics are estimates from chunk references.
   */
  stats(matchers: readonly Matcher[], start: LogTime, end: LogTime): IndexStats {
    const s: IndexStats = { streams: 0, chunks: 0, entries: 0, bytes: 0 };
    for (const ref of this.index.select(matchers)) {
      const st = this.streams.get(ref)!;
      let any = false;
      for (const c of st.chunks) {
        if (c.maxMs < start.ms || c.minMs > end.ms) continue;
        any = true;
        s.chunks++;
        s.entries += c.entries;
        s.bytes += c.rawBytes;
      }
      if (st.head.ms.length > 0 && st.headMaxMs >= start.ms && st.headMinMs <= end.ms) {
        any = true;
        s.chunks++;
        s.entries += st.head.ms.length;
        s.bytes += st.headBytes;
      }
      if (any) s.streams++;
    }
    return s;
  }

  /** Cuts every non-empty head into a chunk, syncs the chunk files and drops the WAL they cover. */
  flush(): void {
    for (const st of this.streams.values()) this.cutHead(st, 'forced');
    this.syncAndTruncateWal();
  }

  private syncAndTruncateWal(): void {
    this.chunks.sync();
    let oldest = Infinity;
    for (const st of this.streams.values()) if (st.head.ms.length > 0 && st.headSegment < oldest) oldest = st.headSegment;
    // Every entry is in a chunk: the open segment's records are all flushed too.
    if (oldest === Infinity) this.wal.rotate();
    this.wal.truncateBefore(Math.min(oldest, this.wal.currentSegment));
    this.updateChunkGauges();
  }

  private updateChunkGauges(): void {
    let heads = 0;
    for (const st of this.streams.values()) if (st.head.ms.length > 0) heads++;
    this.metrics.memoryChunks.set(heads);
    this.metrics.diskBytes.set(this.diskBytes());
  }

  /** Bytes of chunk files and WAL segments on disk. */
  diskBytes(): number {
    let total = 0;
    for (const s of this.chunks.segments.values()) total += s.bytes;
    return total + this.wal.diskBytes(fileSize);
  }

  /**
   * Periodic work (every {@link MAINTENANCE_INTERVAL_MS} unless `background: false`): cuts heads
   * idle for {@link CHUNK_IDLE_PERIOD_MS} or older than `max_chunk_age`, syncs chunks, deletes
   * covered WAL segments, then applies retention.
   */
  maintain(): void {
    if (this.closed) return;
    const now = this.now();
    for (const st of this.streams.values()) {
      if (st.head.ms.length === 0) continue;
      if (now - st.headLastAppend >= CHUNK_IDLE_PERIOD_MS) this.cutHead(st, 'idle');
      else if (now - st.headCreated >= this.limits.maxChunkAgeMs) this.cutHead(st, 'max_age');
    }
    this.syncAndTruncateWal();
    this.applyRetention(now);
  }

  private applyRetention(now: number): void {
    const retentionMs = this.opts.retentionMs ?? 15 * 24 * 3600_000;
    const retentionBytes = this.opts.retentionBytes ?? 0;
    const removed = new Set<number>();
    const ids = () => [...this.chunks.segments.keys()].sort((a, b) => a - b);
    if (retentionMs > 0) {
      const cutoff = now - retentionMs;
      const active = this.chunks.segments.get(this.chunks.activeSegment);
      if (active && active.bytes > 0 && active.maxMs < cutoff) this.chunks.rotate();
      for (const id of ids()) {
        const info = this.chunks.segments.get(id)!;
        if (id !== this.chunks.activeSegment && info.bytes > 0 && info.maxMs < cutoff) removed.add(id);
      }
    }
    if (retentionBytes > 0) {
      let total = this.diskBytes();
      for (const id of removed) total -= this.chunks.segments.get(id)!.bytes;
      for (const id of ids()) {
        if (total <= retentionBytes) break;
        if (removed.has(id)) continue;
        if (id === this.chunks.activeSegment) {
          this.chunks.rotate();
          if (id === this.chunks.activeSegment) break;
        }
        removed.add(id);
        total -= this.chunks.segments.get(id)!.bytes;
      }
    }
    if (removed.size === 0) return;
    for (const id of removed) {
      this.log.info('Deleting log chunk file past retention', { segment: id });
      this.chunks.remove(id);
    }
    for (const [k, v] of this.decoded) {
      if (!removed.has(Number(k.slice(0, k.indexOf(':'))))) continue;
      this.decoded.delete(k);
      this.decodedBytes -= v.bytes;
    }
    for (const st of [...this.streams.values()]) {
      const kept = st.chunks.filter((c) => !removed.has(c.segment));
      if (kept.length === st.chunks.length) continue;
      st.chunks.length = 0;
      st.chunks.push(...kept);
      if (kept.length === 0 && st.head.ms.length === 0) {
        this.index.remove(st.ref);
        this.streams.delete(st.ref);
        this.byKey.delete(st.key);
        this.metrics.streamsRemoved.inc({ tenant: TENANT });
      }
    }
    this.metrics.memoryStreams.set({ tenant: TENANT }, this.streams.size);
    this.updateChunkGauges();
  }

  /** Number of streams known (in memory or on disk). */
  get streamCount(): number {
    return this.streams.size;
  }

  /** Flushes every head, syncs and closes files. Pushes after this throw. */
  close(): void {
    if (this.closed) return;
    if (this.timer) clearInterval(this.timer);
    this.flush();
    this.closed = true;
    this.chunks.close();
    this.wal.close();
  }
}
