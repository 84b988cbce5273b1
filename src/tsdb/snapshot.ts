/**
 * Helpers of `TSDB.snapshot` (the admin API's `/api/v1/admin/tsdb/snapshot`): the snapshot's name
 * and the hard-linking of block directories into it.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, linkSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** A snapshot name for time `ms`: `20060102T150405Z-<16 random hex digits>`, as upstream's API. */
export function snapshotName(ms: number): string {
  const iso = new Date(ms).toISOString();
  const stamp = iso.slice(0, 19).replace(/[-:]/g, '') + 'Z';
  return `${stamp}-${randomBytes(8).toString('hex')}`;
}

/** Hard-links (copies, where a link fails) every file under `src` into `dst`, creating directories. @throws fs errors. */
export function linkTree(src: string, dst: string): void {
  mkdirSync(dst, { recursive: true });
  for (const name of readdirSync(src)) {
    const from = join(src, name);
    const to = join(dst, name);
    if (statSync(from).isDirectory()) {
      linkTree(from, to);
      continue;
    }
    try {
      linkSync(from, to);
    } catch {
      copyFileSync(from, to);
    }
  }
}
