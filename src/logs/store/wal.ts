/**
 * The log store's write-ahead log, as Loki's ingester WAL: every accepted push is one record,
 * written and `fdatasync`ed before the push is acknowledged, so acknowledged entries survive
 * `kill -9` and power loss. Segments rotate at {@link WAL_SEGMENT_BYTES}; segments whose entries
 * are all in flushed chunks are deleted. On open, every record is read back in order; a torn tail
 * (a record cut short or failing its CRC) is truncated with a warning, as Prometheus and Loki do.
 *
 * Record payload: `f64 seq · uvarint streams · streams × (string label-set key · uvarint n ·
 * n × (varint ms, uvarint nanos, string line, uvarint pairs, pairs × (string, string)))`.
 * `seq` increases by one per record across restarts; a chunk remembers the last seq it holds, so
 * replay skips what was already flushed.
 */
import { closeSync, fdatasync, fdatasyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { Labels } from '../../model/labels.js';
import type { Logger } from '../../log.js';
import { ByteReader, ByteWriter, CorruptRecordError } from './bytes.js';
import { checkCrc, FRAME_HEADER, frame, listSegments, removeSegment, segmentPath, syncDir, truncateFile } from './segments.js';

/** Segment size at which the WAL starts a new file, bytes: 32 MiB, small enough to delete soon after a flush. */
export const WAL_SEGMENT_BYTES = 32 << 20;

/** One decoded WAL record. */
export interface WalRecord {
  readonly seq: number;
  readonly streams: readonly WalStream[];
}

/** One stream's entries in a WAL record (columns). */
export interface WalStream {
  readonly key: string;
  readonly ms: number[];
  readonly nanos: number[];
  readonly lines: string[];
  readonly meta: Labels[];
}

/** Builds a record payload stream by stream (reused across pushes). */
export class WalRecordBuilder {
  readonly w = new ByteWriter(64 * 1024);
  private countAt = 0;
  private streams = 0;

  /** Starts a record with sequence number `seq`. */
  begin(seq: number): void {
    this.w.reset();
    this.w.f64(seq);
    this.countAt = this.w.len;
    this.w.u32(0);
    this.streams = 0;
  }

  /** Starts a stream (its persisted label-set key) of `n` entries; `n` calls of {@link entry} follow. */
  stream(key: string, n: number): void {
    this.w.string(key);
    this.w.uvarint(n);
    this.streams++;
  }

  /** Appends one entry: time (integer ms + nanoseconds in the ms), line, structured metadata. */
  entry(ms: number, nanos: number, line: string, meta: Labels): void {
    this.w.varint(ms);
    this.w.uvarint(nanos);
    this.w.string(line);
    this.w.uvarint(meta.length >> 1);
    for (const s of meta) this.w.string(s);
  }

  /** The finished payload (valid until the next `begin`). */
  finish(): Buffer {
    this.w.patchU32(this.countAt, this.streams);
    return this.w.view();
  }
}

/** Decodes a record payload. Throws {@link CorruptRecordError}. */
export function decodeWalRecord(payload: Buffer): WalRecord {
  const r = new ByteReader(payload);
  const seq = r.f64();
  const count = r.u32();
  const streams: WalStream[] = [];
  for (let s = 0; s < count; s++) {
    const key = r.string();
    const n = r.uvarint();
    if (n > payload.length) throw new CorruptRecordError(`WAL stream claims ${n} entries`);
    const st: WalStream = { key, ms: new Array(n), nanos: new Array(n), lines: new Array(n), meta: new Array(n) };
    for (let i = 0; i < n; i++) {
      st.ms[i] = r.varint();
      st.nanos[i] = r.uvarint();
      st.lines[i] = r.string();
      const pairs = r.uvarint();
      const m: string[] = new Array(pairs * 2);
      for (let j = 0; j < pairs * 2; j++) m[j] = r.string();
      st.meta[i] = m;
    }
    streams.push(st);
  }
  return { seq, streams };
}

/** The WAL: append records, sync them in groups, replay, truncate. */
export class LogWal {
  private fd = -1;
  private size = 0;
  private segment = 0;
  private pending: Promise<void> | null = null;
  private inflight: Promise<void> = Promise.resolve();
  private readonly header = Buffer.allocUnsafe(FRAME_HEADER);

  constructor(
    private readonly dir: string,
    private readonly log: Logger,
    private readonly onCorruption: () => void,
  ) {}

  /**
   * Reads every record of every segment in order, calling `apply` for each (with its segment), then opens a new
   * segment for writing. A torn or corrupt record ends its segment: the file is cut there (with
   * a warning) and reading goes on with the next segment.
   */
  replay(apply: (rec: WalRecord, segment: number) => void): void {
    const ids = listSegments(this.dir);
    for (const id of ids) {
      const path = segmentPath(this.dir, id);
      const buf = readFileSync(path);
      let pos = 0;
      while (pos < buf.length) {
        let bad = '';
        if (pos + FRAME_HEADER > buf.length) bad = 'torn record header';
        else {
          const len = buf.readUInt32LE(pos);
          const end = pos + FRAME_HEADER + len;
          if (end > buf.length) bad = 'torn record';
          else {
            const payload = buf.subarray(pos + FRAME_HEADER, end);
            if (!checkCrc(payload, buf.readUInt32LE(pos + 4))) bad = 'record checksum mismatch';
            else {
              try {
                apply(decodeWalRecord(payload), id);
              } catch (e) {
                if (!(e instanceof CorruptRecordError)) throw e;
                bad = e.message;
              }
            }
            if (!bad) pos = end;
          }
        }
        if (bad) {
          this.log.warn('Truncating corrupt or torn WAL segment tail', { segment: path, offset: pos, reason: bad, droppedBytes: buf.length - pos });
          this.onCorruption();
          truncateFile(path, pos);
          break;
        }
      }
    }
    this.openSegment((ids.at(-1) ?? 0) + 1);
  }

  private openSegment(id: number): void {
    if (this.fd >= 0) {
      fdatasyncSync(this.fd);
      closeSync(this.fd);
    }
    this.segment = id;
    this.fd = openSync(segmentPath(this.dir, id), 'a');
    syncDir(this.dir);
    this.size = 0;
  }

  /** The segment the next record goes to. */
  get currentSegment(): number {
    return this.segment;
  }

  /**
   * Appends a record (written to the OS at once, not yet synced) and returns its segment.
   * Call {@link sync} before acknowledging.
   */
  append(payload: Buffer): number {
    if (this.size > 0 && this.size + payload.length + FRAME_HEADER > WAL_SEGMENT_BYTES) this.openSegment(this.segment + 1);
    frame(payload, this.header, 0);
    writeSync(this.fd, this.header);
    writeSync(this.fd, payload);
    this.size += FRAME_HEADER + payload.length;
    return this.segment;
  }

  /**
   * Resolves once everything appended before the call is on disk. Concurrent callers share one
   * `fdatasync` (group commit): a sync starts only after the one in flight ends, and covers every
   * record written until it starts.
   */
  sync(): Promise<void> {
    if (this.pending) return this.pending;
    this.pending = this.inflight.then(() => {
      this.pending = null;
      const fd = this.fd;
      this.inflight = new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err && err.code !== 'EBADF' ? reject(err) : resolve())));
      return this.inflight;
    });
    return this.pending;
  }

  /** Starts a new segment when the current one holds records (so it can be deleted once flushed). */
  rotate(): void {
    if (this.size > 0) this.openSegment(this.segment + 1);
  }

  /** Deletes segments before `id` (their records are all in synced chunks). */
  truncateBefore(id: number): void {
    for (const s of listSegments(this.dir)) if (s < id && s !== this.segment) removeSegment(this.dir, s);
  }

  /** Bytes in WAL segments on disk. */
  diskBytes(sizeOf: (path: string) => number): number {
    let total = 0;
    for (const s of listSegments(this.dir)) total += sizeOf(segmentPath(this.dir, s));
    return total;
  }

  /** Syncs and closes the open segment. */
  close(): void {
    if (this.fd < 0) return;
    fdatasyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
  }
}
