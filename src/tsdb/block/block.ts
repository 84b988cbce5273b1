/**
 * An immutable block on disk (`<data dir>/<ULID>/`, see writer.ts) opened for queries, as
 * Prometheus's `tsdb.Block`: its meta.json, its index (symbols and postings offset table in memory,
 * the rest read on demand with positioned reads), its chunk segments and its tombstones (deleted
 * intervals, see tombstones.ts), which its queriers apply.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compareStrings, type Labels } from '../../model/labels.js';
import type { Matcher } from '../../model/matcher.js';
import { chunkSampleCount } from '../chunkenc/chunk.js';
import { HI } from '../chunkenc/floatbits.js';
import { BlockChunkDecoder } from '../chunkenc/blockchunk.js';
import { combinePostings, mergeDisjoint, type RefList } from '../postings.js';
import { dropDeleted, readTombstonesFile, TOMBSTONES_FILENAME, Tombstones, writeTombstonesFile } from '../tombstones.js';
import type { Querier, SeriesSamples } from '../types.js';
import { type ChunkBytes, ChunkReader } from './chunks.js';
import { CorruptionError } from './fileread.js';
import { IndexReader, type SeriesEntry } from './index_reader.js';
import { type BlockMeta, META_FILENAME, readMeta, writeMeta } from './meta.js';

/**
 * A block's chunk reader whose errors name the chunk reference and the block, as upstream's
 * querier does (`cannot populate chunk <ref> from block <ULID>: <reason>`, where the reason names
 * the segment file: a checksum mismatch, a segment too short for the chunk, …).
 */
class BlockChunks {
  constructor(
    private readonly chunks: ChunkReader,
    private readonly ulid: string,
  ) {}

  /** See `ChunkReader.read`. @throws {CorruptionError} naming the chunk reference and the block. */
  read(ref: number): ChunkBytes {
    try {
      return this.chunks.read(ref);
    } catch (e) {
      throw new CorruptionError(`cannot populate chunk ${ref} from block ${this.ulid}: ${(e as Error).message}`, { cause: e });
    }
  }
}

/** An open block. */
export class Block {
  private readonly reader: BlockChunks;

  private constructor(
    /** The block directory. */
    readonly dir: string,
    /** Its meta.json. */
    readonly meta: BlockMeta,
    /** The index reader (read directly by `lookout tsdb` tools and by query workers planning a split selection). */
    readonly index: IndexReader,
    private readonly chunks: ChunkReader,
    /** Deleted intervals by series id (the `tombstones` file; empty when absent). */
    readonly tombstones: Tombstones,
  ) {
    this.reader = new BlockChunks(chunks, meta.ulid);
  }

  /**
   * Opens the block in `dir`: reads meta.json and the tombstones file, checks the index's TOC,
   * symbol table and postings offset table, and the chunk segments' headers.
   * @throws {MetaError} / {@link CorruptionError} for damaged files, fs errors for missing ones.
   */
  static open(dir: string): Block {
    const meta = readMeta(dir);
    const tombstones = readTombstonesFile(dir);
    const index = IndexReader.open(join(dir, 'index'));
    try {
      return new Block(dir, meta, index, ChunkReader.open(join(dir, 'chunks')), tombstones);
    } catch (e) {
      index.close();
      throw e;
    }
  }

  /**
   * Deletes the samples in [mint, maxt] (ms, inclusive) of the series matching every matcher, as
   * upstream's `Block.Delete`: each matching series with a chunk overlapping the range gets the
   * interval clamped to its own time range as a tombstone; the tombstones file and meta.json's
   * `numTombstones` are rewritten (atomically) when any was added. Returns the number of series
   * affected.
   * @throws {Error} (fs errors, {@link CorruptionError}) when the index cannot be read or the
   * files cannot be written; the block's tombstones are then unchanged.
   */
  delete(matchers: readonly Matcher[], mint: number, maxt: number): number {
    const entry: SeriesEntry = { ids: [], chunks: [] };
    const added: number[] = [];
    for (const id of blockPostings(this.index, matchers)) {
      const e = this.index.series(id, entry);
      const n = e.chunks.length;
      if (n === 0 || !e.chunks.some((c) => c.minT <= maxt && c.maxT >= mint)) continue;
      added.push(id, Math.max(mint, e.chunks[0]!.minT), Math.min(maxt, e.chunks[n - 1]!.maxT));
    }
    if (added.length === 0) return 0;
    const next = new Tombstones();
    this.tombstones.forEach((ref, ivs) => {
      for (let i = 0; i < ivs.length; i += 2) next.add(ref, ivs[i]!, ivs[i + 1]!);
    });
    for (let i = 0; i < added.length; i += 3) next.add(added[i]!, added[i + 1]!, added[i + 2]!);
    writeTombstonesFile(this.dir, next);
    const meta = { ...this.meta, stats: { ...this.meta.stats, numTombstones: next.total() } };
    writeMeta(this.dir, meta);
    for (let i = 0; i < added.length; i += 3) this.tombstones.add(added[i]!, added[i + 1]!, added[i + 2]!);
    this.meta.stats.numTombstones = meta.stats.numTombstones;
    return added.length / 3;
  }

  /**
   * Marks the block as failed in compaction (`"failed": true` in meta.json, written atomically), as
   * upstream's `setCompactionFailed`: the planner leaves it out, so a damaged block is not retried
   * every minute. The mark stays in memory when meta.json cannot be written.
   * @throws {Error} (fs errors) when meta.json cannot be written.
   */
  setCompactionFailed(): void {
    this.meta.compaction.failed = true;
    writeMeta(this.dir, this.meta);
  }

  /** Whether the block holds samples of [mint, maxt] (ms, inclusive); its own maxTime is exclusive. */
  overlaps(mint: number, maxt: number): boolean {
    return this.meta.minTime <= maxt && this.meta.maxTime > mint;
  }

  /**
   * Bytes of the block's files (index, chunk segments, tombstones, meta.json), as
   * `prometheus_tsdb_storage_blocks_bytes` counts.
   */
  size(): number {
    const stones = join(this.dir, TOMBSTONES_FILENAME);
    const stonesSize = existsSync(stones) ? statSync(stones).size : 0;
    return this.index.size() + this.chunks.size() + stonesSize + statSync(join(this.dir, META_FILENAME)).size;
  }

  /** A querier over [mint, maxt] (ms, inclusive). Valid while the block is open. */
  querier(mint: number, maxt: number): BlockQuerier {
    return new BlockQuerier(this.index, this.reader, mint, maxt, this.tombstones);
  }

  /**
   * The chunk at reference `ref` (encoding and bytes; a view valid until the next read), checksum
   * verified on the chunk's first read while the block is open (see `ChunkReader`).
   * @throws {CorruptionError} for a damaged chunk, naming the reference and the block.
   */
  chunkBytes(ref: number): ChunkBytes {
    return this.reader.read(ref);
  }

  /** Closes the block's files. Idempotent. */
  close(): void {
    this.index.close();
    this.chunks.close();
  }
}

/**
 * Sorted series ids of the block matching every matcher, with the semantics of
 * `postingsForMatchers` (postings.ts): a matcher not matching "" intersects the union of the lists
 * of the values it matches; one matching "" subtracts the union of the lists of the values it does
 * not match. Regexes run once per distinct value of the label in the block.
 */
export function blockPostings(ix: IndexReader, matchers: readonly Matcher[]): RefList {
  const narrow: RefList[] = [];
  const subtract: RefList[] = [];
  for (const m of matchers) {
    if (m.type === '=' && m.value !== '') {
      const list = ix.postings(m.name, m.value);
      if (list.length === 0) return list;
      narrow.push(list);
      continue;
    }
    const want = !m.matchesEmpty();
    const lists: RefList[] = [];
    ix.forEachValue(m.name, (v, off) => {
      if (m.matches(v) === want) lists.push(ix.postingsAt(off));
    });
    if (want) {
      if (lists.length === 0) return [];
      narrow.push(lists.length === 1 ? lists[0]! : mergeDisjoint(lists));
    } else if (lists.length > 0) {
      subtract.push(lists.length === 1 ? lists[0]! : mergeDisjoint(lists));
    }
  }
  return combinePostings(narrow, subtract, () => ix.allPostings());
}

/** The label set of samples read without labels (see `BlockQuerier.samples`). */
const NO_LABELS: Labels = [];

/** Samples in a querier's first output page (see `BlockQuerier.samples`). */
const FIRST_PAGE = 1024;
/** Samples in an output page, at most (unless one series needs more): 1 MiB of timestamps. */
const MAX_PAGE = 131_072;

/** A querier over [mint, maxt] (ms, inclusive) of one block. */
export class BlockQuerier implements Querier {
  private readonly decoder = new BlockChunkDecoder();
  private readonly entry: SeriesEntry = { ids: [], chunks: [] };
  /**
   * Output page of {@link samples}: the series' timestamps and values are views into it (two
   * allocations per page instead of two per series), `pageBits` the values' 32-bit words, and
   * `pagePos` the first free sample.
   */
  private pageTs = new Float64Array(0);
  private pageVs = new Float64Array(0);
  private pageBits = new Uint32Array(0);
  private pagePos = 0;
  private nextPage = FIRST_PAGE;

  constructor(
    private readonly index: IndexReader,
    private readonly chunks: Pick<ChunkReader, 'read'>,
    private readonly mint: number,
    private readonly maxt: number,
    private readonly tombstones: Tombstones = new Tombstones(),
  ) {}

  /**
   * See {@link Querier.select}; the range is intersected with the querier's.
   * @throws {CorruptionError} for a damaged index entry or chunk (checksums are verified; a
   * chunk's on its first read while the block is open).
   */
  select(matchers: readonly Matcher[], mint: number, maxt: number): SeriesSamples[] {
    const lo = Math.max(mint, this.mint);
    const hi = Math.min(maxt, this.maxt);
    if (lo > hi) return [];
    const out: SeriesSamples[] = [];
    for (const id of blockPostings(this.index, matchers)) {
      const s = this.samples(id, lo, hi);
      if (s !== null) out.push(s);
    }
    return out;
  }

  /**
   * See {@link Querier.series}: series with a chunk overlapping the range (chunks not read, except
   * for series with deleted intervals: those qualify when a sample in the range survives).
   */
  series(matchers: readonly Matcher[], mint: number, maxt: number): Labels[] {
    const lo = Math.max(mint, this.mint);
    const hi = Math.min(maxt, this.maxt);
    if (lo > hi) return [];
    const out: Labels[] = [];
    for (const id of blockPostings(this.index, matchers)) {
      const e = this.index.series(id, this.entry);
      if (!e.chunks.some((c) => c.minT <= hi && c.maxT >= lo)) continue;
      if (this.tombstones.size > 0 && this.tombstones.get(id) !== undefined) {
        if (this.samples(id, lo, hi) === null) continue;
        this.index.series(id, this.entry);
      }
      out.push(this.index.labelsOf(this.entry));
    }
    return out;
  }

  /** See {@link Querier.labelNames}. */
  labelNames(matchers: readonly Matcher[]): string[] {
    if (matchers.length === 0) return this.index.labelNames();
    const names = new Set<string>();
    for (const id of blockPostings(this.index, matchers)) {
      const ids = this.index.series(id, this.entry).ids;
      for (let i = 0; i < ids.length; i += 2) names.add(this.index.symbol(ids[i]!));
    }
    return [...names].sort(compareStrings);
  }

  /** See {@link Querier.labelValues}. */
  labelValues(name: string, matchers: readonly Matcher[]): string[] {
    if (matchers.length === 0) return this.index.labelValues(name);
    const values = new Set<string>();
    for (const id of blockPostings(this.index, matchers)) {
      const ids = this.index.series(id, this.entry).ids;
      for (let i = 0; i < ids.length; i += 2) {
        if (this.index.symbol(ids[i]!) === name) values.add(this.index.symbol(ids[i + 1]!));
      }
    }
    return [...values].sort(compareStrings);
  }

  /**
   * Lets the next {@link samples} call write from the start of the current output page again,
   * overwriting the samples returned so far: for readers done with each series before the next
   * (a query worker computing one row per series), which then allocate no page per query.
   */
  rewind(): void {
    this.pagePos = 0;
  }

  /**
   * Samples of series `id` in [lo, hi] (ms, inclusive, not limited to the querier's range) outside
   * its deleted intervals, or null when none. Also used to rewrite blocks with tombstones. The
   * returned arrays are views of the querier's output page (see {@link rewind}).
   * @param withLabels false: `labels` is empty (the series' label set is not read).
   * @throws {CorruptionError} for a damaged index entry or chunk.
   */
  samples(id: number, lo: number, hi: number, withLabels = true): SeriesSamples | null {
    const e = this.index.series(id, this.entry);
    // Each chunk is read once and decoded straight into the current output page; a series that
    // outgrows the page moves to a new one.
    let base = this.pagePos;
    let n = 0;
    for (const c of e.chunks) {
      if (c.minT > hi || c.maxT < lo) continue;
      const b = this.chunks.read(c.ref);
      BlockChunkDecoder.check(b.encoding);
      const need = n + chunkSampleCount(b.buf, b.start);
      if (base + need > this.pageTs.length) {
        this.newPage(need, base, n);
        base = 0;
      }
      n = this.decoder.decodeRange(b.encoding, b.buf, b.start, b.end, lo, hi, this.pageTs, this.pageBits, base + n, HI) - base;
    }
    if (n === 0) return null;
    this.pagePos = base + n;
    const ts = this.pageTs.subarray(base, base + n);
    const vs = this.pageVs.subarray(base, base + n);
    const labels = withLabels ? this.index.labelsOf(e) : NO_LABELS;
    const ivs = this.tombstones.size > 0 ? this.tombstones.get(id) : undefined;
    if (ivs !== undefined) return dropDeleted({ labels, ts, vs, count: n }, ivs);
    return { labels, ts, vs, count: n };
  }

  /**
   * Starts a new output page holding at least `need` samples (pages grow ×2 up to
   * {@link MAX_PAGE}), moving the `keep` samples of the series begun at `from` of the old one.
   */
  private newPage(need: number, from: number, keep: number): void {
    const size = Math.max(need, this.nextPage);
    this.nextPage = Math.min(MAX_PAGE, this.nextPage * 2);
    const ts = new Float64Array(size);
    const vs = new Float64Array(size);
    // Same-type set() copies bytes, so NaN payloads (staleness markers) survive.
    ts.set(this.pageTs.subarray(from, from + keep));
    vs.set(this.pageVs.subarray(from, from + keep));
    this.pageTs = ts;
    this.pageVs = vs;
    this.pageBits = new Uint32Array(vs.buffer);
    this.pagePos = 0;
  }
}
