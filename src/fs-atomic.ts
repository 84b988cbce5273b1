/**
 * Replacing a file so that readers and crashes see either the old or the new content, never a
 * mix: write `<path>.tmp`, optionally fsync it, then rename it over `path` (atomic on POSIX).
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

/**
 * Atomically replaces `path` with `data`. With `fsync`, the new content is on disk before the
 * rename, as Prometheus writes `meta.json` and `tombstones` (the directory itself is not fsynced).
 * @throws {Error} fs errors; the temporary file is removed when writing it fails.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, fsync: boolean): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    if (fsync) fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}
