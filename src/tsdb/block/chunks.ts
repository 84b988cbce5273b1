/**
 * A block's chunk segment files (`<block>/chunks/000001`, …), as Prometheus's
 * `tsdb/docs/format/chunks.md`:
 *
 * ```
 * magic 0x85BD40DD <4, BE> | version 1 <1> | padding <3>
 * chunk*: len <uvarint> | encoding <1> | data <len> | CRC-32C of encoding and data <4, BE>
 * ```
 *
 * A chunk reference is `segment index × 2^32 + byte offset` (the index counts files from 0 while
 * their names count from 1, as upstream). Segments hold at most 512 MiB.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { type BlockChunkEncoding, DEFAULT_BLOCK_CHUNK_ENCODING } from '../chunkenc/blockchunk.js';
import { Encbuf } from '../encoding.js';
import { crc32c } from '../wal/crc32c.js';
import { CorruptionError, FileWindow } from './fileread.js';

/** Magic number of a block chunk segment (upstream `MagicChunks`). */
export const CHUNKS_MAGIC = 0x85bd40dd;

/** Segment header: magic (4) + version (1) + padding (3). */
export const CHUNKS_HEADER = 8;

/** Largest segment (upstream `DefaultChunkSegmentSize`, 512 MiB). */
export const DEFAULT_CHUNK_SEGMENT_SIZE = 512 * 1024 * 1024;

/** Bytes written at once: amortises syscalls without holding much memory. */
const WRITE_BUFFER = 1 << 20;

/** 2^32, the segment index's place value in a chunk reference. */
const SEQ_SHIFT = 4294967296;

/** File name of chunk segment number `n` (from 1): 6 digits. */
export function chunkSegmentName(n: number): string {
  return String(n).padStart(6, '0');
}

/** Numbered files in `dir`, in numeric order. */
export function sequenceFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => /^\d+$/.test(n))
    .sort((a, b) => Number(a) - Number(b))
    .map((n) => join(dir, n));
}

function uvarintLen(n: number): number {
  let l = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    l++;
  }
  return l;
}

/** Writes chunks into new segment files of a block being built. */
export class ChunkWriter {
  private fd = -1;
  private seq = -1;
  private pos = 0;
  private readonly buf = new Encbuf(WRITE_BUFFER + 4096);
  private readonly fds: number[] = [];
  /** Total bytes written (all segments). */
  size = 0;

  /** @throws {Error} (fs errors) when `dir` cannot be created. */
  constructor(
    private readonly dir: string,
    private readonly segmentSize = DEFAULT_CHUNK_SEGMENT_SIZE,
    /** The encoding samples written through this writer are encoded in (see `writeSamplesAsChunks`). */
    readonly encoding: BlockChunkEncoding = DEFAULT_BLOCK_CHUNK_ENCODING,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /**
   * Appends a chunk (`encoding`, bytes [start, end) of `data`) and returns its reference.
   * @throws {Error} (fs errors) when a write fails.
   */
  write(encoding: number, data: Uint8Array, start = 0, end = data.length): number {
    const len = end - start;
    const rec = uvarintLen(len) + 1 + len + 4;
    if (this.fd < 0 || (this.pos + rec > this.segmentSize && this.pos > CHUNKS_HEADER)) this.cut();
    const ref = this.seq * SEQ_SHIFT + this.pos;
    const b = this.buf;
    b.putUvarint(len);
    const crcStart = b.len;
    b.putByte(encoding);
    b.reserve(len + 4);
    b.buf.set(data.subarray(start, end), b.len);
    b.len += len;
    b.putBE32(crc32c(b.buf, crcStart, b.len));
    this.pos += rec;
    this.size += rec;
    if (b.len >= WRITE_BUFFER) this.flush();
    return ref;
  }

  /** Writes out the buffer, fsyncs and closes every segment. @throws {Error} (fs errors). */
  close(): void {
    this.flush();
    for (const fd of this.fds.splice(0)) {
      fsyncSync(fd);
      closeSync(fd);
    }
    this.fd = -1;
  }

  /** Closes the files without syncing (after a failure). Never throws. */
  abort(): void {
    for (const fd of this.fds.splice(0)) {
      try {
        closeSync(fd);
      } catch {
        // Already unusable; the block directory is removed by the caller.
      }
    }
    this.fd = -1;
  }

  private flush(): void {
    const b = this.buf;
    let off = 0;
    while (off < b.len) off += writeSync(this.fd, b.buf, off, b.len - off);
    b.reset();
  }

  private cut(): void {
    if (this.fd >= 0) this.flush();
    this.seq++;
    this.fd = openSync(join(this.dir, chunkSegmentName(this.seq + 1)), 'w');
    this.fds.push(this.fd);
    this.pos = CHUNKS_HEADER;
    this.size += CHUNKS_HEADER;
    const b = this.buf;
    b.putBE32(CHUNKS_MAGIC);
    b.putByte(1);
    b.putByte(0);
    b.putByte(0);
    b.putByte(0);
  }
}

/** One chunk read from a segment: its encoding and bytes `buf[start…end)` (a view valid until the next read). */
export interface ChunkBytes {
  encoding: number;
  buf: Uint8Array;
  start: number;
  end: number;
}

/** Longest chunk length prefix: a uvarint of a length below 2^32 takes at most 5 bytes. */
const MAX_LEN_BYTES = 5;

/**
 * Shortest chunk data: the 2-byte sample count every encoding starts with. With the length, the
 * encoding byte and the CRC, a chunk record takes at least 8 bytes, so no two chunks start in the
 * same 8-byte slot of a segment (see {@link ChunkReader}).
 */
const MIN_CHUNK_DATA = 2;

/** log2 of the bytes of segment covered by one lazily allocated page of "checked" bits (64 KiB). */
const CHECKED_PAGE_SHIFT = 16;

/**
 * Reads chunks of a block's segments by reference, with positioned reads.
 *
 * Each chunk's CRC-32C is verified on its first read through this reader and not again: blocks
 * are immutable, so a chunk that was intact stays intact while the block is open. (Prometheus
 * verifies the checksum on every read; the first read fails the same way here.) A verified chunk
 * is remembered as one bit per 8-byte slot of its segment (chunk records take at least 8 bytes,
 * so each slot holds at most one chunk start), in 1 KiB bitmaps allocated per 64 KiB of segment
 * read: about 1/64 of the chunk bytes read, at most.
 */
export class ChunkReader {
  private readonly out: ChunkBytes = { encoding: 0, buf: new Uint8Array(0), start: 0, end: 0 };
  /** Per segment, per 64 KiB page: the bits of the 8-byte slots whose chunk was verified. */
  private readonly checked: (Uint8Array | undefined)[][];

  private constructor(private readonly files: FileWindow[]) {
    this.checked = files.map(() => []);
  }

  /**
   * Opens every segment of `dir` and checks its header.
   * @throws {CorruptionError} for a segment with a bad magic number or version; fs errors when
   * files cannot be opened.
   */
  static open(dir: string): ChunkReader {
    const files: FileWindow[] = [];
    try {
      for (const path of sequenceFiles(dir)) {
        const f = FileWindow.open(path);
        files.push(f);
        if (f.size < CHUNKS_HEADER) throw new CorruptionError(`${path}: invalid segment header (${f.size} bytes)`);
        const h = f.read(0, CHUNKS_HEADER);
        const magic = ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
        if (magic !== CHUNKS_MAGIC) throw new CorruptionError(`${path}: invalid magic number ${magic.toString(16)}`);
        if (h[4] !== 1) throw new CorruptionError(`${path}: invalid chunk format version ${h[4]}`);
      }
    } catch (e) {
      for (const f of files) f.close();
      throw e;
    }
    return new ChunkReader(files);
  }

  /** Total bytes of the segments. */
  size(): number {
    let n = 0;
    for (const f of this.files) n += f.size;
    return n;
  }

  /**
   * The chunk at reference `ref`.
   * @throws {CorruptionError} for a reference outside the segments, a malformed or too short
   * length, or a checksum mismatch (on the chunk's first read).
   */
  read(ref: number): ChunkBytes {
    const seq = Math.floor(ref / SEQ_SHIFT);
    const pos = ref - seq * SEQ_SHIFT;
    const f = this.files[seq];
    if (f === undefined) throw new CorruptionError(`chunk reference ${ref}: segment index ${seq} out of range`);
    // Views of the file window's buffer, not copies or new views: one chunk read per sample read.
    const headLen = Math.max(0, Math.min(MAX_LEN_BYTES, f.size - pos));
    const ho = f.at(pos, headLen);
    const head = f.bytes;
    let len = 0;
    let shift = 1;
    let i = 0;
    for (; i < headLen; i++) {
      const b = head[ho + i]!;
      len += (b & 0x7f) * shift;
      if (b < 0x80) break;
      shift *= 0x80;
    }
    if (i === headLen) throw new CorruptionError(`${f.path}: reading chunk length at ${pos} failed`);
    const encStart = pos + i + 1;
    const total = 1 + len + 4;
    if (encStart + total > f.size) {
      throw new CorruptionError(`${f.path}: segment doesn't include enough bytes to read the chunk at ${pos} - required: ${encStart + total}, available: ${f.size}`);
    }
    if (len < MIN_CHUNK_DATA) throw new CorruptionError(`${f.path}: chunk at ${pos} has ${len} bytes of data, less than its sample count`);
    const o = f.at(encStart, total);
    const buf = f.bytes;
    const pages = this.checked[seq]!;
    const page = pos >>> CHECKED_PAGE_SHIFT;
    const slot = (pos >>> 3) & ((1 << (CHECKED_PAGE_SHIFT - 3)) - 1);
    let bits = pages[page];
    if (bits === undefined || (bits[slot >>> 3]! & (1 << (slot & 7))) === 0) {
      const c = o + total - 4;
      const want = ((buf[c]! << 24) | (buf[c + 1]! << 16) | (buf[c + 2]! << 8) | buf[c + 3]!) >>> 0;
      const got = crc32c(buf, o, c);
      if (want !== got) {
        throw new CorruptionError(`${f.path}: checksum mismatch for the chunk at ${pos}: expected:${want.toString(16).padStart(8, '0')}, actual:${got.toString(16).padStart(8, '0')}`);
      }
      if (bits === undefined) bits = pages[page] = new Uint8Array(1 << (CHECKED_PAGE_SHIFT - 6));
      bits[slot >>> 3]! |= 1 << (slot & 7);
    }
    const out = this.out;
    out.encoding = buf[o]!;
    out.buf = buf;
    out.start = o + 1;
    out.end = o + total - 4;
    return out;
  }

  /** Closes the segment files. Idempotent. */
  close(): void {
    for (const f of this.files) f.close();
  }
}
