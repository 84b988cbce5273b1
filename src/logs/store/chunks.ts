/**
 * Chunk files: compressed blocks of one stream each, appended to numbered segment files in
 * `<dir>/chunks/` and read back with positioned reads. A record is self-describing (its stream's
 * label set, time bounds, entry count, the last WAL record it holds), so opening the store scans
 * record headers only — no separate index file to keep consistent.
 *
 * Record payload: `u8 version (1) · f64 min ms · f64 max ms · f64 WAL seq · u32 entries ·
 * u32 raw line bytes · u32 key bytes · label-set key (UTF-8) · compressed block`.
 *
 * A segment is closed at {@link CHUNK_SEGMENT_BYTES} or after {@link CHUNK_SEGMENT_MAX_AGE_MS}, so
 * retention can delete whole files.
 */
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import type { Logger } from '../../log.js';
import { checkCrc, FRAME_HEADER, fileSize, frame, listSegments, readAt, removeSegment, segmentPath, syncDir, truncateFile } from './segments.js';

/** Segment size at which a new chunk file starts, bytes: 64 MiB (retention deletes whole files). */
export const CHUNK_SEGMENT_BYTES = 64 << 20;
/**
 * Wall-clock age at which a new chunk file starts, ms: 2 h, Loki's `max_chunk_age`, so time
 * retention frees space in steps of about that much.
 */
export const CHUNK_SEGMENT_MAX_AGE_MS = 2 * 3600_000;
const VERSION = 1;
/** Fixed part of a record before the key: frame + version + 3 × f64 + 3 × u32. */
const FIXED = FRAME_HEADER + 1 + 24 + 12;

/** Where a chunk is and what it holds. */
export interface ChunkMeta {
  readonly segment: number;
  /** Offset of the compressed block in the segment file. */
  readonly blockOffset: number;
  readonly blockLength: number;
  /** Earliest and latest entry time, ms (inclusive). */
  readonly minMs: number;
  readonly maxMs: number;
  /** The last WAL record seq whose entries of this stream the chunk holds. */
  readonly walSeq: number;
  readonly entries: number;
  /** Uncompressed line bytes. */
  readonly rawBytes: number;
  /** CRC-32 of the record payload, checked on read. */
  readonly recordOffset: number;
  readonly recordLength: number;
}

/** A segment's size and newest entry, for retention. */
export interface ChunkSegmentInfo {
  readonly id: number;
  bytes: number;
  maxMs: number;
}

/** Thrown when a chunk read back does not match its checksum. */
export class ChunkReadError extends Error {
  override name = 'ChunkReadError';
}

/** The chunk segment files of one store. */
export class ChunkFiles {
  private readonly readFds = new Map<number, number>();
  private writeFd = -1;
  private writeSegment = 0;
  private writeStartedMs = 0;
  private dirty = false;
  readonly segments = new Map<number, ChunkSegmentInfo>();

  constructor(
    private readonly dir: string,
    private readonly log: Logger,
    /** Wall clock, ms. */
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Scans every segment's record headers and calls `found` per chunk with its label-set key.
   * A record running past the end of the newest segment (a chunk write cut by a crash; its
   * entries are still in the WAL) is truncated with a warning; the newest segment's records are
   * also checked against their CRC.
   */
  open(found: (key: string, meta: ChunkMeta) => void): void {
    const ids = listSegments(this.dir);
    for (const id of ids) {
      const path = segmentPath(this.dir, id);
      const last = id === ids.at(-1);
      const size = fileSize(path);
      const fd = openSync(path, 'r');
      const info: ChunkSegmentInfo = { id, bytes: size, maxMs: -Infinity };
      let pos = 0;
      let bad = '';
      while (pos < size) {
        const head = readAt(fd, pos, FIXED);
        if (head.length < FIXED) {
          bad = 'torn chunk header';
          break;
        }
        const len = head.readUInt32LE(0);
        const crc = head.readUInt32LE(4);
        const keyLen = head.readUInt32LE(FIXED - 4);
        if (pos + FRAME_HEADER + len > size || head[8] !== VERSION || FIXED - FRAME_HEADER + keyLen > len) {
          bad = 'torn or unknown chunk record';
          break;
        }
        if (last && !checkCrc(readAt(fd, pos + FRAME_HEADER, len), crc)) {
          bad = 'chunk checksum mismatch';
          break;
        }
        const key = readAt(fd, pos + FIXED, keyLen).toString('utf8');
        const blockOffset = pos + FIXED + keyLen;
        const meta: ChunkMeta = {
          segment: id,
          minMs: head.readDoubleLE(9),
          maxMs: head.readDoubleLE(17),
          walSeq: head.readDoubleLE(25),
          entries: head.readUInt32LE(33),
          rawBytes: head.readUInt32LE(37),
          blockOffset,
          blockLength: pos + FRAME_HEADER + len - blockOffset,
          recordOffset: pos,
          recordLength: FRAME_HEADER + len,
        };
        if (meta.maxMs > info.maxMs) info.maxMs = meta.maxMs;
        found(key, meta);
        pos += FRAME_HEADER + len;
      }
      closeSync(fd);
      if (bad) {
        this.log.warn('Truncating torn chunk segment tail; its entries are replayed from the WAL', { segment: path, offset: pos, reason: bad });
        truncateFile(path, pos);
        info.bytes = pos;
      }
      this.segments.set(id, info);
    }
    this.startSegment((ids.at(-1) ?? 0) + 1);
  }

  private startSegment(id: number): void {
    this.closeWriter();
    this.writeSegment = id;
    this.writeFd = openSync(segmentPath(this.dir, id), 'a');
    syncDir(this.dir);
    this.writeStartedMs = this.now();
    this.segments.set(id, { id, bytes: 0, maxMs: -Infinity });
  }

  private closeWriter(): void {
    if (this.writeFd < 0) return;
    if (this.dirty) fdatasyncSync(this.writeFd);
    this.dirty = false;
    closeSync(this.writeFd);
    this.writeFd = -1;
  }

  /** Appends one chunk (not yet synced: call {@link sync}). */
  append(key: string, minMs: number, maxMs: number, walSeq: number, entries: number, rawBytes: number, block: Buffer): ChunkMeta {
    let info = this.segments.get(this.writeSegment)!;
    if (info.bytes > 0 && (info.bytes >= CHUNK_SEGMENT_BYTES || this.now() - this.writeStartedMs >= CHUNK_SEGMENT_MAX_AGE_MS)) {
      this.startSegment(this.writeSegment + 1);
      info = this.segments.get(this.writeSegment)!;
    }
    const keyBytes = Buffer.from(key, 'utf8');
    const rec = Buffer.allocUnsafe(FIXED + keyBytes.length + block.length);
    rec[8] = VERSION;
    rec.writeDoubleLE(minMs, 9);
    rec.writeDoubleLE(maxMs, 17);
    rec.writeDoubleLE(walSeq, 25);
    rec.writeUInt32LE(entries, 33);
    rec.writeUInt32LE(rawBytes, 37);
    rec.writeUInt32LE(keyBytes.length, 41);
    keyBytes.copy(rec, FIXED);
    block.copy(rec, FIXED + keyBytes.length);
    frame(rec.subarray(FRAME_HEADER), rec, 0);
    const recordOffset = info.bytes;
    writeSync(this.writeFd, rec);
    this.dirty = true;
    info.bytes += rec.length;
    if (maxMs > info.maxMs) info.maxMs = maxMs;
    return {
      segment: this.writeSegment,
      minMs,
      maxMs,
      walSeq,
      entries,
      rawBytes,
      blockOffset: recordOffset + FIXED + keyBytes.length,
      blockLength: block.length,
      recordOffset,
      recordLength: rec.length,
    };
  }

  /** Makes every appended chunk durable. */
  sync(): void {
    if (this.writeFd >= 0 && this.dirty) fdatasyncSync(this.writeFd);
    this.dirty = false;
  }

  /** The compressed block of a chunk, checked against its record CRC. Throws {@link ChunkReadError}. */
  read(meta: ChunkMeta): Buffer {
    let fd = this.readFds.get(meta.segment);
    if (fd === undefined) {
      fd = openSync(segmentPath(this.dir, meta.segment), 'r');
      this.readFds.set(meta.segment, fd);
    }
    const rec = readAt(fd, meta.recordOffset, meta.recordLength);
    if (rec.length !== meta.recordLength || !checkCrc(rec.subarray(FRAME_HEADER), rec.readUInt32LE(4))) {
      throw new ChunkReadError(`chunk at ${segmentPath(this.dir, meta.segment)}:${meta.recordOffset} is corrupt`);
    }
    return rec.subarray(meta.blockOffset - meta.recordOffset);
  }

  /** The segment chunks are being written to (never deleted by retention). */
  get activeSegment(): number {
    return this.writeSegment;
  }

  /** Deletes a whole segment (retention). */
  remove(id: number): void {
    const fd = this.readFds.get(id);
    if (fd !== undefined) closeSync(fd);
    this.readFds.delete(id);
    this.segments.delete(id);
    removeSegment(this.dir, id);
  }

  /** Closes the segment being written and starts the next one (so retention may delete it). */
  rotate(): void {
    if ((this.segments.get(this.writeSegment)?.bytes ?? 0) > 0) this.startSegment(this.writeSegment + 1);
  }

  /** Syncs and closes every file. */
  close(): void {
    this.closeWriter();
    if (this.segments.get(this.writeSegment)?.bytes === 0) {
      this.segments.delete(this.writeSegment);
      removeSegment(this.dir, this.writeSegment);
    }
    for (const fd of this.readFds.values()) closeSync(fd);
    this.readFds.clear();
  }
}
