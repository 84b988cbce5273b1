/**
 * Small JSON state files for the Alertmanager (silences, notification log) in `--storage.path`:
 * written atomically (temporary file + rename) so a crash never leaves a torn file, and
 * coalesced by {@link StateWriter} so bursts of changes cost one write.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../fs-atomic.js';

/** Current format version written into state files. */
export const STATE_FORMAT_VERSION = 1;

/** Thrown when a state file exists but cannot be read or parsed. */
export class StateFileError extends Error {
  override name = 'StateFileError';
}

/**
 * Reads `{version, entries}` from `file`; a missing file gives `[]`.
 * @throws {StateFileError} for unreadable or malformed files.
 */
export function readState<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  try {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown; entries?: unknown };
    if (doc.version !== STATE_FORMAT_VERSION || !Array.isArray(doc.entries)) {
      throw new Error(`unsupported format (version ${String(doc.version)})`);
    }
    return doc.entries as T[];
  } catch (e) {
    throw new StateFileError(`reading ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Writes `{version, entries}` to `file` atomically; returns the byte size written. */
export function writeState(file: string, entries: readonly unknown[]): number {
  mkdirSync(dirname(file), { recursive: true });
  const body = JSON.stringify({ version: STATE_FORMAT_VERSION, entries });
  writeFileAtomic(file, body, false);
  return Buffer.byteLength(body);
}

/** How long changes are coalesced before the state file is rewritten (ms of real time), at least. */
export const WRITE_DELAY_MS = 1000;

/**
 * The delay grows with the cost of a rewrite (the whole file is written each time): it is at least
 * this many times the last write's duration, so rewriting a large state (say 100,000 notification
 * log entries) takes at most ~5% of the process's time instead of blocking it every second.
 */
export const WRITE_COST_FACTOR = 20;

/**
 * Rewrites a state file at most once per {@link WRITE_DELAY_MS} (or {@link WRITE_COST_FACTOR} ×
 * the last write's duration, if longer) after changes (a crash loses at most that much; upstream
 * snapshots only every 15 minutes). Uses real, unref'd timers so it never keeps the process
 * alive; {@link flush} writes pending changes at once (on stop).
 */
export class StateWriter {
  private timer: NodeJS.Timeout | null = null;
  private lastWriteMs = 0;

  constructor(
    private readonly file: string,
    private readonly entries: () => readonly unknown[],
    private readonly onError: (e: unknown) => void = () => {},
  ) {}

  /** Schedules a write. */
  markDirty(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), Math.max(WRITE_DELAY_MS, WRITE_COST_FACTOR * this.lastWriteMs));
    this.timer.unref();
  }

  /** Writes now if changes are pending. */
  flush(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
    const start = performance.now();
    try {
      writeState(this.file, this.entries());
    } catch (e) {
      this.onError(e);
    }
    this.lastWriteMs = performance.now() - start;
  }
}
