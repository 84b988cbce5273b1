/**
 * WAL segment files and their page framing, as Prometheus's `tsdb/wlog` (see upstream
 * `tsdb/docs/format/wal.md`): a WAL directory holds numbered segment files (`00000000`,
 * `00000001`, … — 8 digits), each a sequence of 32 KiB pages. A record is split into fragments that
 * never cross a page boundary; each fragment has a 7-byte header
 * `type <1> | length <2, BE> | CRC-32C of the data <4, BE>`; type 1 = full record, 2/3/4 = first,
 * middle, last fragment, 0 = the rest of the page is zero padding.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Encbuf } from '../encoding.js';
import { crc32c } from './crc32c.js';

/**
 * Page size (upstream `pageSize`). Fragments never cross pages, so a torn or corrupt write damages
 * at most the records of the page it lands in, and a reader resynchronises at the next page.
 */
export const PAGE_SIZE = 32 * 1024;

/** Fragment header size: type (1) + length (2) + CRC-32C (4). */
export const RECORD_HEADER_SIZE = 7;

/**
 * Default segment size, as upstream `--storage.tsdb.wal-segment-size` (128 MiB): large enough that
 * segment creation is rare, small enough that retention can delete WAL history in steps.
 */
export const DEFAULT_SEGMENT_SIZE = 128 * 1024 * 1024;

/** Fragment types (low 3 bits of the header's first byte). */
export const FragmentType = {
  PageTerm: 0,
  Full: 1,
  First: 2,
  Middle: 3,
  Last: 4,
} as const;

/** File name of segment `index`: 8 decimal digits, zero padded. */
export function segmentFileName(index: number): string {
  return String(index).padStart(8, '0');
}

/** Path of segment `index` in `dir`. */
export function segmentPath(dir: string, index: number): string {
  return join(dir, segmentFileName(index));
}

/**
 * The segment number a file name stands for, or null: names are {@link segmentFileName}s — digits,
 * zero-padded to 8, of a safe integer — so `99999999999999999999` (which would round to another
 * number) or `1` (which would be read from `00000001`) are not segments.
 */
export function parseSegmentName(name: string): number | null {
  if (!/^\d+$/.test(name)) return null;
  const n = Number(name);
  return Number.isSafeInteger(n) && segmentFileName(n) === name ? n : null;
}

/** What {@link scanSegments} found in a WAL directory. */
export interface SegmentScan {
  /** Segment numbers, ascending. */
  segments: number[];
  /** Names made of digits that are not segment names (ignored; Prometheus skips them too). */
  ignored: string[];
  /** Ranges of segment numbers missing between the first and the last segment, `[from, to]`. */
  gaps: [number, number][];
}

/** Segment files of `dir`, the digit-only names that are not segments, and gaps in the numbering. */
export function scanSegments(dir: string): SegmentScan {
  const segments: number[] = [];
  const ignored: string[] = [];
  for (const name of readdirSync(dir)) {
    if (!/^\d+$/.test(name)) continue;
    const n = parseSegmentName(name);
    if (n === null) ignored.push(name);
    else segments.push(n);
  }
  segments.sort((a, b) => a - b);
  const gaps: [number, number][] = [];
  for (let i = 1; i < segments.length; i++) {
    if (segments[i]! > segments[i - 1]! + 1) gaps.push([segments[i - 1]! + 1, segments[i]! - 1]);
  }
  return { segments, ignored: ignored.sort(), gaps };
}

/** Indices of the segment files in `dir` (see {@link parseSegmentName}), ascending. */
export function listSegments(dir: string): number[] {
  return scanSegments(dir).segments;
}

/**
 * Upper bound of the framed size of records totalling `bytes` bytes (`count` records) written at
 * any page offset: one header per fragment plus, per record, a possible padded page end.
 */
export function framedSizeBound(bytes: number, count: number): number {
  const fragments = Math.ceil(bytes / (PAGE_SIZE - RECORD_HEADER_SIZE)) + count;
  return bytes + fragments * RECORD_HEADER_SIZE + count * RECORD_HEADER_SIZE;
}

/**
 * Frames `rec` into `out` as fragments, starting at byte `offset` of the segment (so page
 * boundaries fall where they will in the file). Returns the segment offset after the record.
 * Records must not be empty.
 */
export function frameRecord(rec: Uint8Array, offset: number, out: Encbuf): number {
  let off = 0;
  let first = true;
  for (;;) {
    const rem = PAGE_SIZE - (offset % PAGE_SIZE);
    if (rem <= RECORD_HEADER_SIZE) {
      // No room for a fragment with data: pad the page with zeros (a leading 0 is a page term).
      out.reserve(rem);
      out.buf.fill(0, out.len, out.len + rem);
      out.len += rem;
      offset += rem;
      continue;
    }
    const len = Math.min(rec.length - off, rem - RECORD_HEADER_SIZE);
    const last = off + len === rec.length;
    const type = first ? (last ? FragmentType.Full : FragmentType.First) : last ? FragmentType.Last : FragmentType.Middle;
    out.putByte(type);
    out.putBE16(len);
    out.putBE32(crc32c(rec, off, off + len));
    out.putBytes(rec.subarray(off, off + len));
    offset += RECORD_HEADER_SIZE + len;
    off += len;
    first = false;
    if (last) return offset;
  }
}

/** Outcome of {@link readSegment}. */
export interface SegmentReadResult {
  /** Records delivered. */
  records: number;
  /**
   * Byte offset up to which the segment is valid: the segment length when intact, else the start
   * of the first damaged record (truncate here to repair).
   */
  validEnd: number;
  /** Why reading stopped early, or null when the whole segment is valid. */
  error: string | null;
}

/**
 * Reads every record of one segment's bytes, calling `onRecord` with each (a view valid only during
 * the call). Stops at the first damaged fragment — bad checksum, bad header, torn tail, fragments
 * out of sequence, non-zero padding — and reports where the valid prefix ends. Never throws for bad
 * input (exceptions from `onRecord` propagate).
 */
export function readSegment(buf: Uint8Array, assembly: Encbuf, onRecord: (rec: Uint8Array) => void): SegmentReadResult {
  const len = buf.length;
  let pos = 0;
  let recStart = 0;
  let assembling = false;
  let records = 0;
  const fail = (error: string): SegmentReadResult => ({ records, validEnd: assembling ? recStart : pos, error });
  while (pos < len) {
    const pageEnd = Math.min(len, (Math.floor(pos / PAGE_SIZE) + 1) * PAGE_SIZE);
    const typeByte = buf[pos]!;
    if (typeByte === FragmentType.PageTerm) {
      for (let k = pos + 1; k < pageEnd; k++) {
        if (buf[k] !== 0) return fail('unexpected non-zero byte in padded page');
      }
      pos = pageEnd;
      continue;
    }
    if (typeByte > FragmentType.Last) {
      return fail(typeByte & 0x18 ? `compressed WAL records are not supported (type byte ${typeByte})` : `invalid fragment type ${typeByte}`);
    }
    if (pos + RECORD_HEADER_SIZE > len) return fail('torn fragment header at end of segment');
    if (pos + RECORD_HEADER_SIZE > pageEnd) return fail('fragment header crosses a page boundary');
    const length = (buf[pos + 1]! << 8) | buf[pos + 2]!;
    const crc = ((buf[pos + 3]! << 24) | (buf[pos + 4]! << 16) | (buf[pos + 5]! << 8) | buf[pos + 6]!) >>> 0;
    const dataStart = pos + RECORD_HEADER_SIZE;
    const dataEnd = dataStart + length;
    if (dataEnd > len) return fail('torn record at end of segment');
    if (dataEnd > pageEnd) return fail(`invalid fragment size ${length}`);
    if (crc32c(buf, dataStart, dataEnd) !== crc) return fail('fragment checksum mismatch');
    switch (typeByte) {
      case FragmentType.Full:
        if (assembling) return fail('full record inside a fragmented record');
        recStart = pos;
        records++;
        onRecord(buf.subarray(dataStart, dataEnd));
        break;
      case FragmentType.First:
        if (assembling) return fail('first fragment inside a fragmented record');
        recStart = pos;
        assembling = true;
        assembly.reset();
        assembly.putBytes(buf.subarray(dataStart, dataEnd));
        break;
      case FragmentType.Middle:
        if (!assembling) return fail('middle fragment without a first fragment');
        assembly.putBytes(buf.subarray(dataStart, dataEnd));
        break;
      default:
        if (!assembling) return fail('last fragment without a first fragment');
        assembly.putBytes(buf.subarray(dataStart, dataEnd));
        assembling = false;
        records++;
        onRecord(assembly.bytes());
    }
    pos = dataEnd;
  }
  if (assembling) return fail('last record is torn');
  return { records, validEnd: len, error: null };
}
