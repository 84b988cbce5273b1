/**
 * Head chunk files, as Prometheus's `chunks_head/` (`tsdb/chunks/head_chunks.go`): completed head
 * chunks leave the JS heap and are appended to numbered files in `<data dir>/chunks_head/`; queries
 * and compaction read them back with positioned reads (`pread`), Node having no `mmap`. Head memory
 * is then dominated by the open chunks.
 *
 * File layout (upstream's, so the files are recognisable to its tools):
 *
 * ```
 * magic 0x0130BC91 <4, BE> | version 1 <1> | padding <3>
 * chunk*: series ref <8, BE> | mint <8, BE> | maxt <8, BE> | encoding <1> | len <uvarint> | data <len> | CRC-32C <4, BE>
 * ```
 *
 * The CRC covers everything from the series ref to the end of the data. Files are named `000001`,
 * `000002`, … (6 digits) and hold at most 128 MiB each.
 *
 * Durability is not these files' job: the WAL holds every sample until it is in a block, so on open
 * the directory is emptied and the head rebuilt from the WAL. A write that fails (disk full) keeps
 * the chunk in the write buffer and is retried at the next flush; chunks are never lost from a
 * running head.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Encbuf } from './encoding.js';
import { ChunkReadError, type ChunkStore } from './head_chunks.js';
import { Encoding } from './chunkenc/chunk.js';
import { crc32c } from './wal/crc32c.js';

/** Magic number at the start of a head chunk file (upstream `MagicHeadChunks`). */
export const HEAD_CHUNKS_MAGIC = 0x0130bc91;

/** File header: magic (4) + version (1) + padding (3). */
export const HEAD_CHUNK_FILE_HEADER = 8;

/**
 * Largest head chunk file (upstream `MaxHeadChunkFileSize`, 128 MiB): files are deleted whole once
 * every chunk in them is older than the head, so smaller files free disk sooner, larger ones mean
 * fewer open descriptors.
 */
export const MAX_HEAD_CHUNK_FILE_SIZE = 128 * 1024 * 1024;

/**
 * Buffered bytes that trigger a write: large enough that a busy head writes a few times a second at
 * most, small enough that the buffer is a rounding error in head memory.
 */
const FLUSH_BYTES = 256 * 1024;

/** Series ref (8) + mint (8) + maxt (8) + encoding (1) in front of each chunk's length. */
const RECORD_PREFIX = 25;

/** 2^32: an address is `file index × 2^32 + byte offset of the chunk data`. */
const FILE_SHIFT = 4294967296;

/** File name of head chunk file `index`: 6 digits, zero padded. */
export function headChunkFileName(index: number): string {
  return String(index).padStart(6, '0');
}

interface ChunkFile {
  fd: number;
  /** Newest sample (ms) of any chunk in the file. */
  maxT: number;
  /** Bytes of chunk data not yet released. */
  live: number;
  /** Bytes written to the file (the rest of the file's content is in the write buffer). */
  flushed: number;
}

function uvarintLen(n: number): number {
  let l = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    l++;
  }
  return l;
}

/** Options of {@link HeadChunkFiles.open}. */
export interface HeadChunkFilesOptions {
  /** Called when a buffered write fails (it is retried at the next flush). */
  onWriteError?: (err: unknown) => void;
  /** Largest file size in bytes (default {@link MAX_HEAD_CHUNK_FILE_SIZE}; smaller in tests). */
  maxFileSize?: number;
}

/** Completed head chunks in files. Implements {@link ChunkStore}. */
export class HeadChunkFiles implements ChunkStore {
  private readonly files = new Map<number, ChunkFile>();
  private cur = 0;
  /** Logical size of the current file (written + buffered). */
  private size = 0;
  private readonly buf = new Encbuf(FLUSH_BYTES + 4096);
  private scratch = new Uint8Array(4096);
  private closed = false;
  private readonly maxFileSize: number;

  private constructor(
    /** The `chunks_head` directory. */
    readonly dir: string,
    private readonly opts: HeadChunkFilesOptions,
  ) {
    this.maxFileSize = opts.maxFileSize ?? MAX_HEAD_CHUNK_FILE_SIZE;
  }

  /**
   * Creates `dir` if needed and removes the head chunk files a previous process left (the head is
   * rebuilt from the WAL), then creates the first file.
   * @throws {Error} (fs errors) when the directory cannot be created, emptied or written.
   */
  static open(dir: string, opts: HeadChunkFilesOptions = {}): HeadChunkFiles {
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir)) {
      if (/^\d+$/.test(name)) rmSync(join(dir, name), { force: true });
    }
    const files = new HeadChunkFiles(dir, opts);
    files.startFile(1);
    return files;
  }

  /** See {@link ChunkStore.store}. Never throws: a failing write keeps the bytes buffered. */
  store(ref: number, minT: number, maxT: number, src: Uint8Array, start: number, len: number): number {
    const recLen = RECORD_PREFIX + uvarintLen(len) + len + 4;
    if (this.size + recLen > this.maxFileSize && this.size > HEAD_CHUNK_FILE_HEADER) this.cut();
    const b = this.buf;
    const recStart = b.len;
    b.putBE64int(ref);
    b.putBE64int(minT);
    b.putBE64int(maxT);
    b.putByte(Encoding.XOR);
    b.putUvarint(len);
    const dataPos = this.size + (b.len - recStart);
    b.reserve(len + 4);
    b.buf.set(src.subarray(start, start + len), b.len);
    b.len += len;
    b.putBE32(crc32c(b.buf, recStart, b.len));
    this.size += b.len - recStart;
    const f = this.files.get(this.cur)!;
    if (maxT > f.maxT) f.maxT = maxT;
    f.live += len;
    if (b.len >= FLUSH_BYTES) this.flush();
    return this.cur * FILE_SHIFT + dataPos;
  }

  /** See {@link ChunkStore.read}. @throws {ChunkReadError} when the file is gone or short. */
  read(addr: number, len: number): Uint8Array {
    const index = Math.floor(addr / FILE_SHIFT);
    const pos = addr - index * FILE_SHIFT;
    const f = this.files.get(index);
    if (f === undefined) throw new ChunkReadError(`head chunk file ${headChunkFileName(index)} is not open (chunk at ${pos})`);
    if (pos >= f.flushed) {
      // Still in the write buffer: the buffer holds the current file's bytes from `flushed` on.
      const off = pos - f.flushed;
      return this.buf.buf.subarray(off, off + len);
    }
    if (this.scratch.length < len) this.scratch = new Uint8Array(Math.max(len, this.scratch.length * 2));
    let got: number;
    try {
      got = readSync(f.fd, this.scratch, 0, len, pos);
    } catch (e) {
      throw new ChunkReadError(`read head chunk file ${join(this.dir, headChunkFileName(index))} at ${pos}: ${(e as Error).message}`);
    }
    if (got !== len) throw new ChunkReadError(`head chunk file ${join(this.dir, headChunkFileName(index))} is short: ${got} of ${len} bytes at ${pos}`);
    return this.scratch.subarray(0, len);
  }

  /** See {@link ChunkStore.release}. */
  release(addr: number, len: number): void {
    const f = this.files.get(Math.floor(addr / FILE_SHIFT));
    if (f) f.live -= len;
  }

  /** Deletes every file but the current one whose chunks are all older than `mint` (ms). */
  truncate(mint: number): void {
    for (const [i, f] of this.files) {
      if (i === this.cur || f.maxT >= mint) continue;
      this.files.delete(i);
      closeSync(f.fd);
      rmSync(join(this.dir, headChunkFileName(i)), { force: true });
    }
  }

  /** Writes the buffered chunks to the current file. Returns false (and reports) when the write fails. */
  flush(): boolean {
    const b = this.buf;
    if (b.len === 0) return true;
    const f = this.files.get(this.cur)!;
    try {
      let off = 0;
      while (off < b.len) off += writeSync(f.fd, b.buf, off, b.len - off, f.flushed + off);
    } catch (e) {
      this.opts.onWriteError?.(e);
      return false;
    }
    f.flushed += b.len;
    b.reset();
    return true;
  }

  /** Bytes of memory held: the write buffer and the read scratch buffer. */
  bytesAllocated(): number {
    return this.buf.buf.length + this.scratch.length;
  }

  /** Bytes of live chunk data in the files (and the write buffer). */
  bytesLive(): number {
    let n = 0;
    for (const f of this.files.values()) n += f.live;
    return n;
  }

  /** Bytes of all head chunk files (written and buffered), for size-based retention. */
  sizeBytes(): number {
    let n = this.buf.len;
    for (const f of this.files.values()) n += f.flushed;
    return n;
  }

  /** Closes every file (they stay on disk until the next open). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    for (const f of this.files.values()) closeSync(f.fd);
    this.files.clear();
  }

  /** Starts the next file, after writing out the current one; stays on the current file when either fails. */
  private cut(): void {
    if (!this.flush()) return;
    try {
      this.startFile(this.cur + 1);
    } catch (e) {
      this.opts.onWriteError?.(e);
    }
  }

  /** Creates file `index` and makes it current (its header goes to the write buffer). */
  private startFile(index: number): void {
    const fd = openSync(join(this.dir, headChunkFileName(index)), 'w+');
    this.files.set(index, { fd, maxT: -Infinity, live: 0, flushed: 0 });
    this.cur = index;
    this.size = HEAD_CHUNK_FILE_HEADER;
    const b = this.buf;
    b.putBE32(HEAD_CHUNKS_MAGIC);
    b.putByte(1);
    b.putByte(0);
    b.putByte(0);
    b.putByte(0);
  }
}
