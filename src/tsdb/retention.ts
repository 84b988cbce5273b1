/**
 * Which blocks retention deletes, as upstream's `deletableBlocks` (tsdb/db.go), with the blocks
 * ordered newest first by their end (maxTime):
 * - time (`BeyondTimeRetention`): the first block, after the newest, that ends more than the
 *   retention before the newest block's end, and every block after it — measured between block
 *   ends, not against the clock;
 * - size (`BeyondSizeRetention`), with a limit: counting the bytes on disk of everything that is not
 *   a block (the WAL and `chunks_head/`, upstream `Head.Size`), then each block's files (see
 *   `Block.size`), the first block taking the total past the limit, and every block after it.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Block } from './block/block.js';

/** The blocks to delete, and which rules chose some (each counts once in its retention metric). */
export interface ExpiredBlocks {
  blocks: Set<Block>;
  byTime: boolean;
  bySize: boolean;
}

/**
 * The blocks of `blocks` past a retention of `retentionMs` ms (`Infinity`: none by time) and of
 * `retentionBytes` bytes (0: no size limit); `otherBytes` gives the bytes on disk that are not
 * blocks, called only with a size limit.
 */
export function expiredBlocks(blocks: readonly Block[], retentionMs: number, retentionBytes: number, otherBytes: () => number): ExpiredBlocks {
  const expired: ExpiredBlocks = { blocks: new Set(), byTime: false, bySize: false };
  if (blocks.length === 0) return expired;
  const byEnd = [...blocks].sort((a, b) => b.meta.maxTime - a.meta.maxTime);
  const newest = byEnd[0]!.meta.maxTime;
  for (let i = 1; i < byEnd.length; i++) {
    if (newest - byEnd[i]!.meta.maxTime <= retentionMs) continue;
    for (let j = i; j < byEnd.length; j++) expired.blocks.add(byEnd[j]!);
    expired.byTime = true;
    break;
  }
  if (retentionBytes > 0) {
    let size = otherBytes();
    for (let i = 0; i < byEnd.length; i++) {
      size += byEnd[i]!.size();
      if (size <= retentionBytes) continue;
      for (let j = i; j < byEnd.length; j++) expired.blocks.add(byEnd[j]!);
      expired.bySize = true;
      break;
    }
  }
  return expired;
}

/**
 * Bytes of the files under `dir`, subdirectories included, as upstream's `fileutil.DirSize`
 * (what `wlog.Size` and the head chunk mapper's `Size` return): bytes on disk, not buffers.
 * Files deleted meanwhile count 0; a missing directory counts 0.
 */
export function dirBytes(dir: string): number {
  let n = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    try {
      const st = statSync(join(dir, name));
      n += st.isDirectory() ? dirBytes(join(dir, name)) : st.size;
    } catch {
      // Deleted meanwhile (a checkpoint replaced, a head chunk file truncated away).
    }
  }
  return n;
}
