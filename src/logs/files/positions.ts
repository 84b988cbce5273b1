/**
 * Promtail's positions file: how far each tailed file has been read, so a restart resumes where
 * the last run stopped. Same YAML shape as promtail, so either program can pick up the other's:
 *
 * ```yaml
 * positions:
 *   /var/log/app.log: "10274"
 * ```
 *
 * Offsets are byte offsets just past the last line handed to (and acknowledged by) the log store.
 * Writes go to a temporary file renamed over the old one, so a crash never leaves half a file.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { writeFileAtomic } from '../../fs-atomic.js';

/** Thrown when the positions file is not valid and `ignoreInvalidYaml` is off (as promtail refuses to start). */
export class PositionsError extends Error {
  override name = 'PositionsError';
}

/** In-memory positions, saved with {@link Positions.save}. */
export class Positions {
  private readonly offsets = new Map<string, number>();
  private dirty = false;

  /**
   * Loads `file` (a missing file is an empty set of positions).
   * @param ignoreInvalidYaml start empty instead of throwing when the file cannot be parsed
   * @throws {PositionsError} for an unparsable file when `ignoreInvalidYaml` is false
   */
  constructor(
    readonly file: string,
    ignoreInvalidYaml = false,
  ) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new PositionsError(`reading positions file ${file}: ${(e as Error).message}`);
    }
    try {
      const doc = parse(text) as { positions?: Record<string, unknown> } | null;
      for (const [path, v] of Object.entries(doc?.positions ?? {})) {
        const n = Number(v);
        if (!Number.isSafeInteger(n) || n < 0) throw new Error(`invalid offset ${JSON.stringify(v)} for ${path}`);
        this.offsets.set(path, n);
      }
    } catch (e) {
      if (!ignoreInvalidYaml) throw new PositionsError(`invalid positions file ${file}: ${(e as Error).message} (set positions.ignore_invalid_yaml to start afresh)`);
      this.offsets.clear();
    }
  }

  /** Saved byte offset of `path`, 0 when unknown. */
  get(path: string): number {
    return this.offsets.get(path) ?? 0;
  }

  /** Records the byte offset of `path`. */
  set(path: string, offset: number): void {
    if (this.offsets.get(path) === offset) return;
    this.offsets.set(path, offset);
    this.dirty = true;
  }

  /** Forgets `path` (a file that is gone, as promtail drops its entry). */
  remove(path: string): void {
    if (this.offsets.delete(path)) this.dirty = true;
  }

  /** Writes the file when anything changed since the last save. Errors propagate (the caller logs them). */
  save(): void {
    if (!this.dirty) return;
    const positions: Record<string, string> = {};
    for (const [path, offset] of [...this.offsets].sort((a, b) => (a[0] < b[0] ? -1 : 1))) positions[path] = String(offset);
    // Resolved: Node's recursive mkdirSync loops forever on a relative path once the working directory is gone.
    mkdirSync(resolve(dirname(this.file)), { recursive: true });
    writeFileAtomic(this.file, stringify({ positions }, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' }), false);
    this.dirty = false;
  }
}
