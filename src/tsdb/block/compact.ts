/**
 * Compaction of blocks, as Prometheus's `LeveledCompactor` (tsdb/compact.go): overlapping blocks
 * are merged into one (vertical compaction), adjacent blocks that together fill a larger aligned
 * range (6 h, 18 h, … — three times the previous) are merged into one block, so a long retention
 * is held in few blocks with one index each, and blocks with many deleted samples are rewritten.
 * Chunks are copied byte for byte, except for series with deleted intervals (tombstones) or with
 * chunks overlapping in time, which are re-encoded; series present in several source blocks become
 * one series.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { compare, type Labels } from '../../model/labels.js';
import { type BlockChunkEncoding, DEFAULT_BLOCK_CHUNK_ENCODING } from '../chunkenc/blockchunk.js';
import { chunkSampleCount, Encoding } from '../chunkenc/chunk.js';
import type { Block } from './block.js';
import { ChunkWriter } from './chunks.js';
import type { SeriesEntry } from './index_reader.js';
import { mergeSamples } from '../merge_querier.js';
import type { SeriesSamples } from '../types.js';
import { type ChunkMeta, IndexWriter } from './index_writer.js';
import type { BlockMeta } from './meta.js';
import { newULID } from './ulid.js';
import { commitBlockDir, discardBlockDir, TMP_CREATION_SUFFIX, type WriteBlockOptions, writeSamplesAsChunks } from './writer.js';

/** Longest block compaction makes (upstream: 31 days). */
const MAX_BLOCK_MS = 31 * 24 * 3600_000;

/**
 * The block ranges (ms) of the compaction levels, as upstream `ExponentialBlockRanges(2h, 10, 3)`
 * cut at the longest block allowed, `maxBlockMs` (`--storage.tsdb.max-block-duration`; by default a
 * tenth of the retention, at most 31 days, so retention deletes data in steps of at most ~10 %).
 * The first range is the head's chunk range `baseMs` (`--storage.tsdb.min-block-duration`, 2 h),
 * kept even when longer than `maxBlockMs`. An infinite retention gives 31 days.
 */
export function blockRanges(retentionMs: number, baseMs = 2 * 3600_000, maxBlockMs = Math.min(MAX_BLOCK_MS, retentionMs / 10)): number[] {
  const out = [baseMs];
  for (let r = baseMs * 3; out.length < 10 && r <= maxBlockMs; r *= 3) out.push(r);
  return out;
}

/**
 * Groups blocks (ascending by time) by the aligned window of size `range` they fall in; blocks
 * longer than their window are left out (upstream `splitByRange`).
 */
function splitByRange(metas: readonly BlockMeta[], range: number): BlockMeta[][] {
  const groups: BlockMeta[][] = [];
  for (let i = 0; i < metas.length; ) {
    const t0 = Math.floor(metas[i]!.minTime / range) * range;
    if (metas[i]!.maxTime > t0 + range) {
      i++;
      continue;
    }
    const group: BlockMeta[] = [];
    for (; i < metas.length && metas[i]!.maxTime <= t0 + range; i++) group.push(metas[i]!);
    groups.push(group);
  }
  return groups;
}

/**
 * The blocks to compact next, or [] (upstream `LeveledCompactor.plan`, tsdb/compact.go), in order
 * of priority:
 * 1. Overlapping blocks (backfilled with `create-blocks-from`, restored from a snapshot, copied in):
 *    the first run of blocks, ascending by minTime, each starting before the highest maxTime of
 *    the blocks before it (upstream `selectOverlappingDirs`), newest block included; they are
 *    merged into one block (vertical compaction, always on in Prometheus 2.42). Unlike
 *    upstream, a run holding a block whose compaction failed is not selected again (upstream
 *    retries it every minute and plans nothing else meanwhile).
 * 2. Leaving the newest block alone (it was just cut from the head): from the smallest range up,
 *    the first group of two or more blocks in one aligned window that fills the window or ends
 *    before the newest block starts, without a block whose compaction failed (`selectDirs`).
 * 3. Going from the newest of those blocks back: a block spanning less than the middle range stops
 *    the search, unless its tombstones number at least its series (entirely deleted); a longer one
 *    with tombstones on more than 5% of its series (`numTombstones / (numSeries + 1)`) is returned
 *    alone, to be rewritten without its deleted samples.
 * @param metas open blocks ascending by minTime
 * @param ranges from {@link blockRanges}
 */
export function planCompaction(metas: readonly BlockMeta[], ranges: readonly number[]): BlockMeta[] {
  const overlapping = overlappingBlocks(metas);
  if (overlapping.length > 0) return overlapping;
  const candidates = metas.slice(0, -1);
  const merge = planMerge(candidates, ranges);
  if (merge.length > 0 || ranges.length === 0) return merge;
  const minRange = ranges[Math.floor(ranges.length / 2)]!;
  for (let i = candidates.length - 1; i >= 0; i--) {
    const m = candidates[i]!;
    const stones = m.stats.numTombstones ?? 0;
    const series = m.stats.numSeries ?? 0;
    if (m.maxTime - m.minTime < minRange) return stones > 0 && stones >= series ? [m] : [];
    if (stones / (series + 1) > 0.05) return [m];
  }
  return [];
}

/**
 * The first run of overlapping blocks in `metas` (ascending by minTime), or [] (upstream
 * `selectOverlappingDirs`); runs holding a block whose compaction failed are passed over.
 */
function overlappingBlocks(metas: readonly BlockMeta[]): BlockMeta[] {
  if (metas.length < 2) return [];
  let run: BlockMeta[] = [];
  let maxt = metas[0]!.maxTime;
  for (let i = 1; i < metas.length; i++) {
    const m = metas[i]!;
    if (m.minTime < maxt) {
      if (run.length === 0) run.push(metas[i - 1]!);
      run.push(m);
    } else if (run.length > 0) {
      if (!run.some((b) => b.compaction.failed)) return run;
      run = [];
    }
    maxt = Math.max(maxt, m.maxTime);
  }
  return run.some((b) => b.compaction.failed) ? [] : run;
}

/**
 * Whether blocks of `metas` (ascending by minTime) overlap in time: the TSDB logs a warning at
 * open, as upstream's `OverlappingBlocks` check in `reloadBlocks`.
 */
export function hasOverlaps(metas: readonly BlockMeta[]): boolean {
  let maxt = -Infinity;
  for (const m of metas) {
    if (m.minTime < maxt) return true;
    maxt = Math.max(maxt, m.maxTime);
  }
  return false;
}

/** Step 2 of {@link planCompaction}, over the blocks but the newest. */
function planMerge(candidates: readonly BlockMeta[], ranges: readonly number[]): BlockMeta[] {
  if (ranges.length < 2 || candidates.length < 2) return [];
  const highTime = candidates[candidates.length - 1]!.minTime;
  for (const range of ranges.slice(1)) {
    for (const group of splitByRange(candidates, range)) {
      if (group.length < 2 || group.some((m, i) => m.compaction.failed || (i > 0 && m.minTime < group[i - 1]!.maxTime))) continue;
      const mint = group[0]!.minTime;
      const maxt = group[group.length - 1]!.maxTime;
      if (maxt - mint === range || maxt <= highTime) return group;
    }
  }
  return [];
}

/** The next series of one source block, with its labels and chunk metas. */
interface Cursor {
  block: Block;
  ids: Uint32Array;
  pos: number;
  entry: SeriesEntry;
  labels: Labels;
}

/** A chunk of a source block taking part in the merged series being written. */
interface SourceChunk {
  minT: number;
  maxT: number;
  ref: number;
  block: Block;
}

/**
 * A block being merged from source blocks (ascending by minTime; they may overlap in time), series
 * by series so the TSDB can spread the work over event-loop turns: {@link start} writes the symbol
 * table, {@link writeSeries} the next merged series, {@link finish} the postings and meta.json,
 * then moves the block into place. The sources must stay open until then.
 *
 * A series' chunks are copied byte for byte, in time order, unless two of them overlap in time
 * (vertical compaction of overlapping blocks) or the series has deleted intervals in a source:
 * its samples are then decoded from every source, merged by timestamp — of samples with the same
 * timestamp the one from the later source is kept, as the TSDB's merge querier does, so queries
 * return the same samples before and after — and re-encoded (see `writeSamplesAsChunks`).
 * Upstream's compacting chunk series merger re-encodes only the runs of overlapping chunks, and
 * its chained sample merge keeps one sample per timestamp without a documented preference.
 */
export class BlocksMergeWriter {
  private readonly chunks: ChunkWriter;
  private readonly index: IndexWriter;
  private readonly symbolIds = new Map<string, number>();
  private readonly cursors: Cursor[] = [];
  private readonly metas: ChunkMeta[] = [];
  private readonly found: SourceChunk[] = [];
  private readonly ids: number[] = [];
  private numSamples = 0;
  private numSeries = 0;
  private numChunks = 0;
  /** Set by {@link rewrite}: the block gets level 1 and itself as source, as upstream's `Write`. */
  private rewritten = false;
  /**
   * Whether source blocks overlap in time (upstream counts such a compaction in
   * `prometheus_tsdb_vertical_compactions_total`).
   */
  readonly overlapping: boolean;

  private constructor(
    private readonly sources: readonly Block[],
    private readonly parent: string,
    readonly ulid: string,
    private readonly tmp: string,
    segmentSize: number | undefined,
    encoding: BlockChunkEncoding,
  ) {
    this.overlapping = hasOverlaps(sources.map((b) => b.meta));
    this.chunks = new ChunkWriter(join(tmp, 'chunks'), segmentSize, encoding);
    try {
      this.index = new IndexWriter(join(tmp, 'index'));
    } catch (e) {
      this.chunks.abort();
      throw e;
    }
  }

  /**
   * Creates `<parent>/<ULID>.tmp-for-creation` and writes the union of the sources' symbols.
   * Re-encoded series get `opts.chunkEncoding`; copied chunks keep theirs, except that with `xor`
   * a series holding a chunk of another encoding is re-encoded, so the block is Prometheus-readable.
   * @throws {Error} (fs errors, `CorruptionError` of a source).
   */
  static start(sources: readonly Block[], parent: string, opts: WriteBlockOptions = {}): BlocksMergeWriter {
    const ulid = newULID(opts.ulidTime ?? Date.now());
    const tmp = join(parent, ulid + TMP_CREATION_SUFFIX);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    let w: BlocksMergeWriter;
    try {
      w = new BlocksMergeWriter(sources, parent, ulid, tmp, opts.segmentSize, opts.chunkEncoding ?? DEFAULT_BLOCK_CHUNK_ENCODING);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
    try {
      const set = new Set<string>();
      for (const b of sources) for (let i = 0; i < b.index.symbolCount(); i++) set.add(b.index.symbol(i));
      const symbols = [...set].sort();
      for (let i = 0; i < symbols.length; i++) w.symbolIds.set(symbols[i]!, i);
      w.index.addSymbols(symbols);
      for (const block of sources) {
        const c: Cursor = { block, ids: block.index.allPostings(), pos: 0, entry: { ids: [], chunks: [] }, labels: [] };
        if (w.load(c)) w.cursors.push(c);
      }
    } catch (e) {
      w.abort();
      throw e;
    }
    return w;
  }

  /**
   * Starts rewriting `block` alone without its deleted samples, as upstream's `Block.CleanTombstones`
   * through `LeveledCompactor.Write`: the new block keeps the old one's time range, gets compaction
   * level 1, its own ULID as only source, and the old block as parent.
   * @throws {Error} as {@link start}.
   */
  static rewrite(block: Block, parent: string, opts: WriteBlockOptions = {}): BlocksMergeWriter {
    const w = BlocksMergeWriter.start([block], parent, opts);
    w.rewritten = true;
    return w;
  }

  /** Decodes the series at the cursor; false when the source is exhausted. */
  private load(c: Cursor): boolean {
    if (c.pos >= c.ids.length) return false;
    c.block.index.series(c.ids[c.pos]!, c.entry);
    c.labels = c.block.index.labelsOf(c.entry);
    return true;
  }

  /**
   * Writes the next `n` merged series. Returns true when every series is written.
   * @throws {Error} (fs errors, `CorruptionError` of a source); call {@link abort} then.
   */
  writeSeries(n: number): boolean {
    const { cursors, metas, ids, found } = this;
    for (let k = 0; k < n && cursors.length > 0; k++) {
      let min = cursors[0]!.labels;
      for (const c of cursors) if (compare(c.labels, min) < 0) min = c.labels;
      // The series in each source holding it, in source order (for the decoding path).
      const holders: { block: Block; id: number }[] = [];
      let rewrite = false;
      found.length = 0;
      for (let i = 0; i < cursors.length; i++) {
        const c = cursors[i]!;
        if (compare(c.labels, min) !== 0) continue;
        const id = c.ids[c.pos]!;
        holders.push({ block: c.block, id });
        if (c.block.tombstones.size > 0 && c.block.tombstones.get(id) !== undefined) rewrite = true;
        for (const m of c.entry.chunks) found.push({ minT: m.minT, maxT: m.maxT, ref: m.ref, block: c.block });
        c.pos++;
        if (!this.load(c)) {
          cursors.splice(i, 1);
          i--;
        }
      }
      if (holders.length > 1) {
        found.sort((a, b) => a.minT - b.minT);
        for (let i = 1; i < found.length && !rewrite; i++) if (found[i]!.minT <= found[i - 1]!.maxT) rewrite = true;
      }
      // Blocks written as `xor` stay Prometheus-readable: Lookout chunks of older blocks are re-encoded.
      if (!rewrite && this.chunks.encoding === 'xor') {
        for (const m of found) {
          if (m.block.chunkBytes(m.ref).encoding === Encoding.XOR) continue;
          rewrite = true;
          break;
        }
      }
      metas.length = 0;
      if (rewrite) {
        const merged = mergeSources(holders);
        if (merged !== null) {
          writeSamplesAsChunks(merged, this.chunks, metas);
          this.numSamples += merged.count;
        }
      } else {
        for (const m of found) {
          const b = m.block.chunkBytes(m.ref);
          metas.push({ minT: m.minT, maxT: m.maxT, ref: this.chunks.write(b.encoding, b.buf, b.start, b.end) });
          this.numSamples += chunkSampleCount(b.buf, b.start);
        }
      }
      if (metas.length === 0) continue;
      ids.length = 0;
      for (const s of min) ids.push(this.symbolIds.get(s)!);
      this.index.addSeries(ids, metas);
      this.numSeries++;
      this.numChunks += metas.length;
    }
    return cursors.length === 0;
  }

  /**
   * Completes the block (chunk segments fsynced, postings, TOC, meta.json with level and
   * lineage: one more than the sources' highest level, the union of their sources, and them as
   * parents — upstream `CompactBlockMetas`; see {@link rewrite} for a rewritten block) and renames it to `<parent>/<ULID>`. Returns the metadata.
   * @throws {Error} (fs errors); call {@link abort} then.
   */
  finish(): BlockMeta {
    this.chunks.close();
    this.index.close();
    const metas = this.sources.map((b) => b.meta);
    const sources = new Set<string>();
    for (const m of metas) for (const s of m.compaction.sources ?? [m.ulid]) sources.add(s);
    const parents = metas.map((m) => ({ ulid: m.ulid, minTime: m.minTime, maxTime: m.maxTime }));
    const meta: BlockMeta = {
      ulid: this.ulid,
      minTime: Math.min(...metas.map((m) => m.minTime)),
      maxTime: Math.max(...metas.map((m) => m.maxTime)),
      stats: { numSamples: this.numSamples, numSeries: this.numSeries, numChunks: this.numChunks },
      compaction: this.rewritten
        ? { level: 1, sources: [this.ulid], parents }
        : { level: Math.max(...metas.map((m) => m.compaction.level)) + 1, sources: [...sources].sort(), parents },
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
 * The samples of one series held by several source blocks (in source order), deleted samples left
 * out, merged by timestamp; at equal timestamps the later source's sample is kept. Value bits are
 * copied, so NaN payloads (staleness markers) survive. Null when no sample is left.
 * @throws {CorruptionError} for a damaged chunk of a source.
 */
function mergeSources(holders: readonly { block: Block; id: number }[]): SeriesSamples | null {
  let out: SeriesSamples | null = null;
  for (const h of holders) {
    const s = h.block.querier(-Infinity, Infinity).samples(h.id, -Infinity, Infinity);
    if (s === null) continue;
    out = out === null ? s : mergeSamples(out, s);
  }
  return out;
}
