/**
 * A block's `meta.json`, as Prometheus's `tsdb/block.go` (`BlockMeta`, version 1): the block's
 * ULID, its time range [minTime, maxTime) in ms (maxTime exclusive), statistics, and its
 * compaction lineage (level, source blocks, parents). Written atomically: to `meta.json.tmp`,
 * fsynced, then renamed over `meta.json`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isULID } from './ulid.js';
import { writeFileAtomic } from '../../fs-atomic.js';

/** File name of a block's metadata. */
export const META_FILENAME = 'meta.json';

/** A parent block in {@link BlockMeta.compaction}. */
export interface BlockDesc {
  ulid: string;
  minTime: number;
  maxTime: number;
}

/** The content of `meta.json` (field names as upstream). */
export interface BlockMeta {
  ulid: string;
  /** First timestamp covered (ms, inclusive). */
  minTime: number;
  /** End of the range covered (ms, exclusive). */
  maxTime: number;
  stats: {
    numSamples?: number;
    numSeries?: number;
    numChunks?: number;
    numTombstones?: number;
  };
  compaction: {
    /** 1 for a block cut from the head; one more than the highest source level after a compaction. */
    level: number;
    /** ULIDs of the level-1 blocks whose data this block holds. */
    sources?: string[];
    /** Set on a block waiting for deletion. */
    deletable?: boolean;
    /** Blocks compacted into this one; left-over parents are deleted on open. */
    parents?: BlockDesc[];
    /** Set when compacting this block failed (it is then left out of compaction plans). */
    failed?: boolean;
    hints?: string[];
  };
  version: 1;
}

/** Thrown for a `meta.json` that is missing fields or has the wrong version. */
export class MetaError extends Error {
  override name = 'MetaError';
}

/**
 * Reads and checks `<dir>/meta.json`.
 * @throws {MetaError} for malformed content; fs errors when the file cannot be read.
 */
export function readMeta(dir: string): BlockMeta {
  const path = join(dir, META_FILENAME);
  let m: unknown;
  try {
    m = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== undefined) throw e;
    throw new MetaError(`${path}: ${(e as Error).message}`);
  }
  const meta = m as Partial<BlockMeta> | null;
  if (meta === null || typeof meta !== 'object') throw new MetaError(`${path}: not a JSON object`);
  if (meta.version !== 1) throw new MetaError(`${path}: unexpected meta file version ${String(meta.version)}`);
  if (typeof meta.ulid !== 'string' || !isULID(meta.ulid)) throw new MetaError(`${path}: invalid ulid ${JSON.stringify(meta.ulid)}`);
  if (!Number.isSafeInteger(meta.minTime) || !Number.isSafeInteger(meta.maxTime)) throw new MetaError(`${path}: invalid minTime/maxTime`);
  const compaction = meta.compaction ?? { level: 1 };
  if (!Number.isInteger(compaction.level)) throw new MetaError(`${path}: invalid compaction level`);
  return { ulid: meta.ulid, minTime: meta.minTime!, maxTime: meta.maxTime!, stats: meta.stats ?? {}, compaction, version: 1 };
}

/**
 * The JSON text of `meta` as upstream writes it (`json.MarshalIndent` with tabs; empty statistics
 * and lineage fields omitted).
 */
export function metaJSON(meta: BlockMeta): string {
  const stats: Record<string, number> = {};
  for (const k of ['numSamples', 'numSeries', 'numChunks', 'numTombstones'] as const) {
    const v = meta.stats[k];
    if (v) stats[k] = v;
  }
  const c = meta.compaction;
  const compaction: Record<string, unknown> = { level: c.level };
  if (c.sources?.length) compaction.sources = c.sources;
  if (c.deletable) compaction.deletable = true;
  if (c.parents?.length) compaction.parents = c.parents.map((p) => ({ ulid: p.ulid, minTime: p.minTime, maxTime: p.maxTime }));
  if (c.failed) compaction.failed = true;
  if (c.hints?.length) compaction.hints = c.hints;
  return JSON.stringify({ ulid: meta.ulid, minTime: meta.minTime, maxTime: meta.maxTime, stats, compaction, version: 1 }, null, '\t');
}

/**
 * Writes `<dir>/meta.json` atomically (temporary file, fsync, rename).
 * @throws {Error} (fs errors) when it cannot be written.
 */
export function writeMeta(dir: string, meta: BlockMeta): void {
  writeFileAtomic(join(dir, META_FILENAME), metaJSON(meta), true);
}
