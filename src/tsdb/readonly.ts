/**
 * Read-only access to a data directory, for tools (`lookout tsdb dump|analyze`), as Prometheus's
 * `DBReadOnly`: the blocks and the head rebuilt from the WAL in memory, without taking the lock,
 * applying retention or changing any file — so it works on the directory of a running server.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { Block } from './block/block.js';
import { isULID } from './block/ulid.js';
import { TMP_CREATION_SUFFIX, TMP_DELETION_SUFFIX } from './block/writer.js';
import { Head } from './head.js';
import { replayWAL } from './head_wal.js';
import { blocksAndHeadQuerier } from './merge_querier.js';
import type { Querier } from './types.js';

/**
 * Opens every block directory (`<ULID>/`) of `dir`, sorted by {@link byMinTime}. Blocks named as parents of
 * another block (a crash came between writing a compacted block and deleting its sources) are
 * left out. Unless `readOnly`, those, and leftovers of interrupted block writes and deletions
 * (`*.tmp-for-creation`, `*.tmp-for-deletion`), are deleted; read-only, they are only skipped.
 * @throws {Error} naming the block when one cannot be opened.
 */
export function openBlocks(dir: string, log: Logger, readOnly: boolean): Block[] {
  const blocks: Block[] = [];
  try {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (name.endsWith(TMP_CREATION_SUFFIX) || name.endsWith(TMP_DELETION_SUFFIX)) {
        if (readOnly) continue;
        log.info('Removing leftover block directory', { dir: path });
        rmSync(path, { recursive: true, force: true });
        continue;
      }
      if (!isULID(name) || !statSync(path).isDirectory()) continue;
      try {
        blocks.push(Block.open(path));
      } catch (e) {
        throw new Error(`opening block ${path}: ${(e as Error).message}`, { cause: e });
      }
    }
  } catch (e) {
    for (const b of blocks) b.close();
    throw e;
  }
  const parents = new Set(blocks.flatMap((b) => (b.meta.compaction.parents ?? []).map((p) => p.ulid)));
  const kept = blocks.filter((b) => !parents.has(b.meta.ulid));
  for (const b of blocks) {
    if (!parents.has(b.meta.ulid)) continue;
    b.close();
    if (readOnly) continue;
    log.info('Deleting a block already compacted into another', { dir: b.dir });
    rmSync(b.dir, { recursive: true, force: true });
  }
  return kept.sort(byMinTime);
}

/**
 * Orders blocks by minTime, then by ULID (creation time): where blocks overlap, queries and
 * vertical compaction keep the sample of the later one at equal timestamps, so the order must not
 * depend on the directory listing.
 */
export function byMinTime(a: Block, b: Block): number {
  return a.meta.minTime - b.meta.minTime || (a.meta.ulid < b.meta.ulid ? -1 : a.meta.ulid > b.meta.ulid ? 1 : 0);
}

/** A data directory opened read-only. */
export class ReadOnlyTSDB {
  private constructor(
    /** The blocks, ascending by time. */
    readonly blocks: readonly Block[],
    /** The head rebuilt from the WAL (samples newer than the newest block). */
    readonly head: Head,
  ) {}

  /**
   * Opens the blocks of `dir` and replays its WAL (if any) into an in-memory head.
   * @throws {Error} when `dir` does not exist or a block cannot be opened; fs errors.
   */
  static open(dir: string, log: Logger): ReadOnlyTSDB {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${dir}: not a directory`);
    const blocks = openBlocks(dir, log, true);
    const head = new Head();
    const walDir = join(dir, 'wal');
    // The highest block end (blocks may overlap until compaction merges them).
    const blocksMaxT = blocks.reduce((t, b) => Math.max(t, b.meta.maxTime), -Infinity);
    try {
      if (existsSync(walDir)) replayWAL(head, walDir, blocksMaxT, log, undefined, true);
    } catch (e) {
      for (const b of blocks) b.close();
      throw e;
    }
    return new ReadOnlyTSDB(blocks, head);
  }

  /** A querier over [mint, maxt] (ms, inclusive) of the blocks and the head, merged. */
  querier(mint: number, maxt: number): Querier {
    return blocksAndHeadQuerier(this.blocks, this.head, mint, maxt);
  }

  /** Closes the blocks' files. */
  close(): void {
    for (const b of this.blocks) b.close();
  }
}
