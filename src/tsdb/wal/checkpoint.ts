/**
 * WAL checkpoints, as Prometheus's `tsdb/wlog/checkpoint.go`: `checkpoint.NNNNNNNN` is a directory
 * (inside the WAL directory) holding segment files with the records that must outlive segments
 * 0…NNNNNNNN — here, a series record for every live series. After it is written, those segments can
 * be deleted; replay reads the newest checkpoint first, then the segments after NNNNNNNN.
 *
 * A checkpoint is written to `checkpoint.NNNNNNNN.tmp`, fsynced and renamed, so a crash leaves either
 * the old state or the complete new checkpoint (stale `.tmp` directories are removed).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Encbuf } from '../encoding.js';
import { frameRecord, segmentFileName } from './segment.js';

const PREFIX = 'checkpoint.';

/** Directory name of checkpoint `index`: `checkpoint.` + 8 digits. */
export function checkpointDirName(index: number): string {
  return PREFIX + segmentFileName(index);
}

/** Completed checkpoints in `walDir`, ascending by index. */
export function listCheckpoints(walDir: string): { index: number; dir: string }[] {
  const out: { index: number; dir: string }[] = [];
  for (const name of readdirSync(walDir)) {
    const m = /^checkpoint\.(\d+)$/.exec(name);
    if (m) out.push({ index: Number(m[1]), dir: join(walDir, name) });
  }
  return out.sort((a, b) => a.index - b.index);
}

/** Removes unfinished `checkpoint.*.tmp` directories left by a crash. */
export function removeTmpCheckpoints(walDir: string): void {
  for (const name of readdirSync(walDir)) {
    if (name.startsWith(PREFIX) && name.endsWith('.tmp')) rmSync(join(walDir, name), { recursive: true, force: true });
  }
}

/**
 * Writes checkpoint `index` record by record into `checkpoint.NNNNNNNN.tmp`; {@link finish} makes it
 * durable and renames it into place, {@link abort} removes it. Writing can be spread over many
 * event-loop turns.
 */
export class CheckpointWriter {
  private readonly final: string;
  private readonly tmp: string;
  private fd: number;
  private offset = 0;
  private readonly out = new Encbuf(256 * 1024);

  /** @throws {Error} (fs errors) when the temporary directory or file cannot be created. */
  constructor(walDir: string, index: number) {
    this.final = join(walDir, checkpointDirName(index));
    this.tmp = this.final + '.tmp';
    rmSync(this.tmp, { recursive: true, force: true });
    mkdirSync(this.tmp);
    this.fd = openSync(join(this.tmp, segmentFileName(0)), 'w');
  }

  /** Appends one (non-empty) record. @throws {Error} (fs errors). */
  add(rec: Uint8Array): void {
    this.offset = frameRecord(rec, this.offset, this.out);
    if (this.out.len >= 1 << 20) this.flush();
  }

  /** Flushes, fsyncs and renames the checkpoint into place. @throws {Error} (fs errors). */
  finish(): void {
    this.flush();
    fsyncSync(this.fd);
    this.closeFile();
    rmSync(this.final, { recursive: true, force: true });
    renameSync(this.tmp, this.final);
    syncDir(dirname(this.final));
  }

  /** Discards the unfinished checkpoint. Never throws. */
  abort(): void {
    try {
      this.closeFile();
    } catch {
      // Already closed or unusable; the directory is removed below.
    }
    rmSync(this.tmp, { recursive: true, force: true });
  }

  private flush(): void {
    const data = this.out.bytes();
    let off = 0;
    while (off < data.length) off += writeSync(this.fd, data, off, data.length - off);
    this.out.reset();
  }

  private closeFile(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    closeSync(fd);
  }
}

/** Deletes checkpoints with an index below `index`; returns how many were deleted. */
export function deleteCheckpointsBefore(walDir: string, index: number): number {
  let n = 0;
  for (const c of listCheckpoints(walDir)) {
    if (c.index >= index) continue;
    rmSync(c.dir, { recursive: true, force: true });
    n++;
  }
  return n;
}

/** Fsyncs a directory so a rename in it is durable (best effort where unsupported). */
export function syncDir(dir: string): void {
  let fd = -1;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems do not support fsync on directories.
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}
