/**
 * Compaction of blocks into larger ones, as Prometheus's `LeveledCompactor`: adjacent blocks that
 * together fill a larger aligned range (6 h, 18 h, … — three times the previous) are merged into
 * one block, so a long retention is held in few blocks with one index each. Chunks are copied byte
 * for byte, except for series with deleted intervals (tombstones), which are re-encoded without the
 * deleted samples; series present in several source blocks become one series.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { compare, type Labels } from '../../model/labels.js';
import { chunkSampleCount } from '../chunkenc/chunk.js';
import type { Block } from './block.js';
import { ChunkWriter } from './chunks.js';
import type { SeriesEntry } from './index_reader.js';
import { type ChunkMeta, IndexWriter } from './index_writer.js';
import type { BlockMeta } from './meta.js';
import { newULID } from './ulid.js';
import { commitBlockDir, discardBlockDir, TMP_CREATION_SUFFIX, type WriteBlockOptions, writeSamplesAsChunks } from './writer.js';

/** Longest block compaction makes (upstream: 31 days). */
const MAX_BLOCK_MS = 31 * 24 * 3600_000;

/**
 * The block ranges (ms) of the compaction levels, as upstream `ExponentialBlockRanges(2h, 10, 3)`
 * cut at the longest block allowed: a tenth of the retention, at most 31 days (so retention
 * deletes data in steps of at most ~10 %). The first range is the head's 2 h.
 */
export function blockRanges(retentionMs: number, baseMs = 2 * 3600_000): number[] {
  const max = Math.min(MAX_BLOCK_MS, retentionMs / 10);
  const out = [baseMs];
  for (let r = baseMs * 3; out.length < 10 && r <= max; r *= 3) out.push(r);
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
 * The blocks to merge next, or [] (upstream `LeveledCompactor.Plan`): the
 * newest block is left alone (it was just cut from the head); then, from the smallest range up,
 * the first group of two or more blocks in one aligned window that fills the window or ends before
 * the newest block starts. Groups with overlapping blocks (backfilled into an existing range) are
 * skipped: merging those (upstream's vertical compaction) is not implemented; queries merge them.
 * Failing that, as upstream, going from the newest block back while blocks span at least the middle
 * range, the first with tombstones on more than 5% of its series (`numTombstones / (numSeries + 1)`)
 * is returned alone, to be rewritten without its deleted samples.
 * @param metas open blocks ascending by minTime, not overlapping
 * @param ranges from {@link blockRanges}
 */
export function planCompaction(metas: readonly BlockMeta[], ranges: readonly number[]): BlockMeta[] {
  const merge = planMerge(metas, ranges);
  if (merge.length > 0 || ranges.length === 0) return merge;
  const minRange = ranges[Math.floor(ranges.length / 2)]!;
  for (let i = metas.length - 1; i >= 0; i--) {
    const m = metas[i]!;
    if (m.maxTime - m.minTime < minRange) break;
    if ((m.stats.numTombstones ?? 0) / ((m.stats.numSeries ?? 0) + 1) > 0.05) return [m];
  }
  return [];
}

/** The merge part of {@link planCompaction}. */
function planMerge(metas: readonly BlockMeta[], ranges: readonly number[]): BlockMeta[] {
  if (ranges.length < 2 || metas.length < 2) return [];
  const candidates = metas.slice(0, -1);
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

/**
 * A block being merged from source blocks (ascending by time, not overlapping), series by series
 * so the TSDB can spread the work over event-loop turns: {@link start} writes the symbol table,
 * {@link writeSeries} the next merged series, {@link finish} the postings and meta.json, then moves
 * the block into place. The sources must stay open until then.
 */
export class BlocksMergeWriter {
  private readonly chunks: ChunkWriter;
  private readonly index: IndexWriter;
  private readonly symbolIds = new Map<string, number>();
  private readonly cursors: Cursor[] = [];
  private readonly metas: ChunkMeta[] = [];
  private readonly ids: number[] = [];
  private numSamples = 0;
  private numSeries = 0;
  private numChunks = 0;

  private constructor(
    private readonly sources: readonly Block[],
    private readonly parent: string,
    readonly ulid: string,
    private readonly tmp: string,
    segmentSize: number | undefined,
  ) {
    this.chunks = new ChunkWriter(join(tmp, 'chunks'), segmentSize);
    try {
      this.index = new IndexWriter(join(tmp, 'index'));
    } catch (e) {
      this.chunks.abort();
      throw e;
    }
  }

  /**
   * Creates `<parent>/<ULID>.tmp-for-creation` and writes the union of the sources' symbols.
   * @throws {Error} (fs errors, `CorruptionError` of a source).
   */
  static start(sources: readonly Block[], parent: string, opts: WriteBlockOptions = {}): BlocksMergeWriter {
    const ulid = newULID(opts.ulidTime ?? Date.now());
    const tmp = join(parent, ulid + TMP_CREATION_SUFFIX);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    let w: BlocksMergeWriter;
    try {
      w = new BlocksMergeWriter(sources, parent, ulid, tmp, opts.segmentSize);
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
    const { cursors, metas, ids } = this;
    for (let k = 0; k < n && cursors.length > 0; k++) {
      let min = cursors[0]!.labels;
      for (const c of cursors) if (compare(c.labels, min) < 0) min = c.labels;
      metas.length = 0;
      // Cursors are in source (time) order, so the chunks come out in time order.
      for (let i = 0; i < cursors.length; i++) {
        const c = cursors[i]!;
        if (compare(c.labels, min) !== 0) continue;
        const id = c.ids[c.pos]!;
        if (c.block.tombstones.size > 0 && c.block.tombstones.get(id) !== undefined) {
          // Deleted samples are dropped here: the series is decoded and re-encoded without them.
          const kept = c.block.querier(-Infinity, Infinity).samples(id, -Infinity, Infinity);
          if (kept !== null) {
            writeSamplesAsChunks(kept, this.chunks, metas);
            this.numSamples += kept.count;
          }
        } else {
          for (const m of c.entry.chunks) {
            const b = c.block.chunkBytes(m.ref);
            metas.push({ minT: m.minT, maxT: m.maxT, ref: this.chunks.write(b.encoding, b.buf, b.start, b.end) });
            this.numSamples += chunkSampleCount(b.buf, b.start);
          }
        }
        c.pos++;
        if (!this.load(c)) {
          cursors.splice(i, 1);
          i--;
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
   * lineage) and renames it to `<parent>/<ULID>`. Returns the metadata.
   * @throws {Error} (fs errors); call {@link abort} then.
   */
  finish(): BlockMeta {
    this.chunks.close();
    this.index.close();
    const metas = this.sources.map((b) => b.meta);
    const sources = new Set<string>();
    for (const m of metas) for (const s of m.compaction.sources ?? [m.ulid]) sources.add(s);
    const meta: BlockMeta = {
      ulid: this.ulid,
      minTime: Math.min(...metas.map((m) => m.minTime)),
      maxTime: Math.max(...metas.map((m) => m.maxTime)),
      stats: { numSamples: this.numSamples, numSeries: this.numSeries, numChunks: this.numChunks },
      compaction: {
        level: Math.max(...metas.map((m) => m.compaction.level)) + 1,
        sources: [...sources].sort(),
        parents: metas.map((m) => ({ ulid: m.ulid, minTime: m.minTime, maxTime: m.maxTime })),
      },
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
