/**
 * Cuts a time range of the head into an immutable block on disk, as Prometheus's
 * `LeveledCompactor.Write` does for the head (`tsdb/compact.go`):
 *
 * ```
 * <data dir>/<ULID>/meta.json      see meta.ts
 * <data dir>/<ULID>/index          see index_writer.ts
 * <data dir>/<ULID>/chunks/000001  see chunks.ts
 * ```
 *
 * The block is built in `<ULID>.tmp-for-creation`, every file fsynced, then renamed into place, so a
 * crash mid-write leaves only a temporary directory that the next open removes; the head and its
 * WAL are truncated only after the rename.
 *
 * With the `lookout` chunk encoding (the default, see chunkenc/blockchunk.ts) every series' samples
 * in the range are re-encoded into compact Lookout chunks of at most 120 samples (XOR where the
 * values do not suit it).
 * With `xor` (blocks Prometheus can read), the head's chunks are copied byte for byte when they lie
 * inside [mint, maxt), as upstream does (head chunks never straddle a multiple of the chunk range,
 * so for a range cut at such a multiple all do). A series with a chunk straddling a bound is
 * re-encoded into XOR chunks of at most 120 samples and 1024 bytes (the head's own limits), and so
 * is a series with deleted intervals (see `Head.delete`), without its deleted samples. No tombstones file is written (the block has no
 * deletions; upstream readers treat a missing file as empty).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { compare, type Labels } from '../../model/labels.js';
import { type BlockChunkEncoding, DEFAULT_BLOCK_CHUNK_ENCODING } from '../chunkenc/blockchunk.js';
import { Encoding, MAX_BYTES_PER_XOR_CHUNK, SAMPLES_PER_CHUNK } from '../chunkenc/chunk.js';
import { HI, LO } from '../chunkenc/floatbits.js';
import { encodeLookoutChunk, LOOKOUT_CHUNK_SAMPLES, lookoutChunkBounds } from '../chunkenc/lookout.js';
import { XorChunk } from '../chunkenc/xor.js';
import type { Head } from '../head.js';
import { NO_CHUNK } from '../head_chunks.js';
import { NO_SLOT } from '../head_series.js';
import { HeadQuerier } from '../querier.js';
import type { SeriesSamples } from '../types.js';
import { ChunkWriter } from './chunks.js';
import { type ChunkMeta, IndexWriter } from './index_writer.js';
import { type BlockMeta, writeMeta } from './meta.js';
import { newULID } from './ulid.js';

/** Suffix of a block directory being written (upstream `tmpForCreationBlockDirSuffix`). */
export const TMP_CREATION_SUFFIX = '.tmp-for-creation';

/** Suffix of a block directory being deleted (upstream `tmpForDeletionBlockDirSuffix`). */
export const TMP_DELETION_SUFFIX = '.tmp-for-deletion';

/** Options of {@link writeHeadBlock} and {@link HeadBlockWriter.start}. */
export interface WriteBlockOptions {
  /** Time (ms) the block's ULID is made for; default now. */
  ulidTime?: number;
  /** Chunk segment size in bytes (default 512 MiB; smaller in tests). */
  segmentSize?: number;
  /**
   * Encoding of the block's chunks (`--storage.tsdb.block-chunk-encoding`), default
   * {@link DEFAULT_BLOCK_CHUNK_ENCODING}: `xor` for blocks Prometheus can read.
   */
  chunkEncoding?: BlockChunkEncoding;
}

/**
 * Writes the head's samples in [mint, maxt) (ms; `maxt` exclusive, as a block's `maxTime`) into a
 * new block under `parent`, in one go (tools, tests; the TSDB writes in slices with
 * {@link HeadBlockWriter}). Returns its metadata, or null when the head holds no sample in the
 * range (no block is written, as upstream).
 * @throws {Error} (fs errors, {@link ChunkReadError}) when the block cannot be written; the
 * temporary directory is removed first.
 */
export function writeHeadBlock(head: Head, parent: string, mint: number, maxt: number, opts: WriteBlockOptions = {}): BlockMeta | null {
  const w = HeadBlockWriter.start(head, parent, mint, maxt, opts);
  if (w === null) return null;
  try {
    w.writeSeries(Infinity);
    return w.finish();
  } catch (e) {
    w.abort();
    throw e;
  }
}

/**
 * A block being written from the head, series by series, so the TSDB can spread the work over
 * event-loop turns: {@link start} lists and sorts the series and writes the symbol table,
 * {@link writeSeries} writes the chunks and index entries of the next series, {@link finish}
 * writes the postings and meta.json and moves the block into place. The range must receive no
 * more samples meanwhile (the TSDB's compaction window ensures it) and the head must not be
 * truncated; chunks completed in between are found where they went.
 */
export class HeadBlockWriter {
  private readonly q: HeadQuerier;
  private readonly chunks: ChunkWriter;
  private readonly index: IndexWriter;
  private readonly metas: ChunkMeta[] = [];
  private readonly ids: number[] = [];
  private next = 0;
  private numSamples = 0;
  private numSeries = 0;
  private numChunks = 0;

  private constructor(
    private readonly head: Head,
    private readonly parent: string,
    private readonly mint: number,
    private readonly maxt: number,
    /** Refs of the series to write, in label-set order. */
    private readonly refs: number[],
    private readonly labels: Labels[],
    private readonly symbolIds: Map<string, number>,
    readonly ulid: string,
    private readonly tmp: string,
    segmentSize: number | undefined,
    encoding: BlockChunkEncoding,
  ) {
    this.q = new HeadQuerier(head, mint, maxt - 1);
    this.chunks = new ChunkWriter(join(tmp, 'chunks'), segmentSize, encoding);
    try {
      this.index = new IndexWriter(join(tmp, 'index'));
    } catch (e) {
      this.chunks.abort();
      throw e;
    }
  }

  /**
   * Lists the series of the head with chunks in [mint, maxt), sorts them by label set, creates
   * `<parent>/<ULID>.tmp-for-creation` and writes the symbol table. Returns null when there are no
   * such series (nothing is created).
   * @throws {Error} (fs errors) when the directory or files cannot be created.
   */
  static start(head: Head, parent: string, mint: number, maxt: number, opts: WriteBlockOptions = {}): HeadBlockWriter | null {
    const q = new HeadQuerier(head, mint, maxt - 1);
    const refs: number[] = [];
    const labels: Labels[] = [];
    const symbolSet = new Set<string>();
    head.forEachRef((ref) => {
      if (!q.overlaps(ref, mint, maxt - 1)) return;
      const ls = head.cols.labels(ref);
      refs.push(ref);
      labels.push(ls);
      for (const s of ls) symbolSet.add(s);
    });
    if (refs.length === 0) return null;
    const order = Array.from(refs.keys()).sort((a, b) => compare(labels[a]!, labels[b]!));
    const symbols = [...symbolSet].sort();
    const symbolIds = new Map<string, number>();
    for (let i = 0; i < symbols.length; i++) symbolIds.set(symbols[i]!, i);
    const ulid = newULID(opts.ulidTime ?? Date.now());
    const tmp = join(parent, ulid + TMP_CREATION_SUFFIX);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    let w: HeadBlockWriter;
    try {
      w = new HeadBlockWriter(head, parent, mint, maxt, order.map((k) => refs[k]!), order.map((k) => labels[k]!), symbolIds, ulid, tmp, opts.segmentSize, opts.chunkEncoding ?? DEFAULT_BLOCK_CHUNK_ENCODING);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
    try {
      w.index.addSymbols(symbols);
    } catch (e) {
      w.abort();
      throw e;
    }
    return w;
  }

  /**
   * Writes the next `n` series (chunks and index entries), stopping early after the series that
   * brings the samples written by this call to `maxSamples` (re-encoding into the `lookout`
   * encoding, head chunks decoded included, costs ~150–250 ns a sample, so a budget bounds the
   * time of one call whatever the scrape interval). Returns true when every series is written.
   * @throws {Error} (fs errors, {@link ChunkReadError}); call {@link abort} then.
   */
  writeSeries(n: number, maxSamples = Infinity): boolean {
    const { head, mint, maxt, chunks, metas, ids } = this;
    const end = Math.min(this.refs.length, this.next + n);
    const stop = this.numSamples + maxSamples;
    for (; this.next < end && this.numSamples < stop; this.next++) {
      const ref = this.refs[this.next]!;
      let samples = chunks.encoding === 'xor' ? copyChunks(head, ref, mint, maxt, chunks, metas) : -1;
      if (samples < 0) samples = reencode(this.q, ref, mint, maxt, chunks, metas);
      if (samples === 0) continue;
      ids.length = 0;
      for (const str of this.labels[this.next]!) ids.push(this.symbolIds.get(str)!);
      this.index.addSeries(ids, metas);
      this.numSeries++;
      this.numChunks += metas.length;
      this.numSamples += samples;
    }
    return this.next >= this.refs.length;
  }

  /**
   * Completes the block: fsyncs the chunk segments, writes the postings and TOC, meta.json, and
   * renames the directory to `<parent>/<ULID>`. Returns the metadata.
   * @throws {Error} (fs errors); call {@link abort} then.
   */
  finish(): BlockMeta {
    this.chunks.close();
    this.index.close();
    const meta: BlockMeta = {
      ulid: this.ulid,
      minTime: this.mint,
      maxTime: this.maxt,
      stats: { numSamples: this.numSamples, numSeries: this.numSeries, numChunks: this.numChunks },
      compaction: { level: 1, sources: [this.ulid] },
      version: 1,
    };
    commitBlockDir(this.tmp, join(this.parent, this.ulid), meta);
    return meta;
  }

  /** Closes the files and removes the temporary directory. Never throws. */
  abort(): void {
    discardBlockDir(this.tmp, this.chunks, this.index);
  }
}

/**
 * Copies the head chunks of series `ref` inside [mint, maxt) to `out`, their metas into `metas`;
 * returns the number of samples, or -1 (nothing written) when a chunk straddles a bound or the
 * series has deleted intervals (it is then re-encoded without the deleted samples).
 */
function copyChunks(head: Head, ref: number, mint: number, maxt: number, out: ChunkWriter, metas: ChunkMeta[]): number {
  if (head.tombstones.size > 0 && head.tombstones.get(ref) !== undefined) return -1;
  const c = head.cols;
  const ch = head.chunks;
  for (let id = c.firstChunk[ref]!; id !== NO_CHUNK; id = ch.next[id]!) {
    if (ch.maxT[id]! >= mint && ch.minT[id]! < maxt && (ch.minT[id]! < mint || ch.maxT[id]! >= maxt)) return -1;
  }
  const slot = c.openSlot[ref]!;
  const open = slot !== NO_SLOT && c.xor.t[ref]! >= mint && c.openMinT[ref]! < maxt;
  if (open && (c.openMinT[ref]! < mint || c.xor.t[ref]! >= maxt)) return -1;
  metas.length = 0;
  let n = 0;
  for (let id = c.firstChunk[ref]!; id !== NO_CHUNK; id = ch.next[id]!) {
    if (ch.maxT[id]! < mint) continue;
    if (ch.minT[id]! >= maxt) break;
    metas.push({ minT: ch.minT[id]!, maxT: ch.maxT[id]!, ref: out.write(Encoding.XOR, head.store.read(ch.addr[id]!, ch.len[id]!)) });
    n += ch.samples[id]!;
  }
  if (open) {
    const off = head.slots.offset(slot);
    const end = off + ((c.openBits[ref]! + 7) >>> 3) + c.xor.tail[ref]!;
    metas.push({ minT: c.openMinT[ref]!, maxT: c.xor.t[ref]!, ref: out.write(Encoding.XOR, head.slots.buf(slot), off, end) });
    n += c.xor.count[ref]!;
  }
  return n;
}

/**
 * Re-encodes the samples of series `ref` in [mint, maxt) into chunks of `out.encoding` (see
 * {@link writeSamplesAsChunks}), written to `out`, their metas into `metas`; returns the number
 * of samples.
 */
function reencode(q: HeadQuerier, ref: number, mint: number, maxt: number, out: ChunkWriter, metas: ChunkMeta[]): number {
  metas.length = 0;
  const s = q.readSamples(ref, mint, maxt - 1);
  if (s === null) return 0;
  writeSamplesAsChunks(s, out, metas);
  return s.count;
}

/**
 * Encodes the samples of `s` into chunks of `out.encoding`, written to `out`; their metas are
 * appended to `metas`. `xor`: XOR chunks of at most 120 samples and 1024 bytes (the head's
 * limits). `lookout`: Lookout chunks of equal runs of at most {@link LOOKOUT_CHUNK_SAMPLES}
 * samples, each run the Lookout encoding does not suit as XOR chunks. Used for every series of a Lookout
 * block, and to rewrite series whose chunks cannot be copied (a chunk straddles the block's
 * bounds, samples were deleted, blocks overlap).
 */
export function writeSamplesAsChunks(s: SeriesSamples, out: ChunkWriter, metas: ChunkMeta[]): void {
  if (out.encoding === 'xor') {
    writeXorChunks(s, 0, s.count, out, metas);
    return;
  }
  const parts = Math.ceil(s.count / LOOKOUT_CHUNK_SAMPLES);
  for (let p = 0; p < parts; p++) {
    const from = lookoutChunkBounds(s.count, parts, p);
    const to = lookoutChunkBounds(s.count, parts, p + 1);
    const bytes = encodeLookoutChunk(s.ts, s.vs, from, to);
    if (bytes === null) writeXorChunks(s, from, to, out, metas);
    else metas.push({ minT: s.ts[from]!, maxT: s.ts[to - 1]!, ref: out.write(Encoding.Lookout, bytes) });
  }
}

/** Writes samples [from, to) of `s` as XOR chunks of at most 120 samples and 1024 bytes. */
function writeXorChunks(s: SeriesSamples, from: number, to: number, out: ChunkWriter, metas: ChunkMeta[]): void {
  if (to <= from) return;
  const bits = new Uint32Array(s.vs.buffer, s.vs.byteOffset, to * 2);
  let chunk = new XorChunk();
  let first = from;
  for (let i = from; i < to; i++) {
    const n = chunk.numSamples();
    if (n > 0 && (n >= SAMPLES_PER_CHUNK || chunk.sizeAfterNextAppend() > MAX_BYTES_PER_XOR_CHUNK)) {
      metas.push({ minT: s.ts[first]!, maxT: s.ts[i - 1]!, ref: out.write(Encoding.XOR, chunk.bytes()) });
      chunk = new XorChunk();
      first = i;
    }
    chunk.appendBits(s.ts[i]!, bits[2 * i + HI]!, bits[2 * i + LO]!);
  }
  metas.push({ minT: s.ts[first]!, maxT: s.ts[to - 1]!, ref: out.write(Encoding.XOR, chunk.bytes()) });
}

/**
 * Makes a block written in `tmp` (chunks and index closed) durable and visible: writes `meta.json`,
 * fsyncs, renames `tmp` to `dir`, and fsyncs the parent. Throws fs errors.
 */
export function commitBlockDir(tmp: string, dir: string, meta: BlockMeta): void {
  writeMeta(tmp, meta);
  syncDir(tmp);
  renameSync(tmp, dir);
  syncDir(dirname(dir));
}

/** Closes a block writer's files and removes its temporary directory. Never throws. */
export function discardBlockDir(tmp: string, chunks: ChunkWriter, index: IndexWriter): void {
  chunks.abort();
  index.abort();
  try {
    rmSync(tmp, { recursive: true, force: true });
  } catch {
    // Left for the next open, which removes every `.tmp-for-creation` directory.
  }
}

/** fsyncs a directory, so the entries created or renamed in it survive a power loss. */
export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
