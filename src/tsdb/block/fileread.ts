/**
 * Positioned reads of block files (Node has no `mmap` without a native addon): a
 * {@link FileWindow} reads a window of a file around each requested range with one `pread`, and
 * serves later ranges inside the window from memory. Queries read series entries and chunks in
 * file order (both are laid out in series order), so one read typically serves many ranges.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { StorageReadError } from '../types.js';

/** Thrown when a block file is damaged or shorter than its structure says. */
export class CorruptionError extends StorageReadError {
  override name = 'CorruptionError';
}

/**
 * Default window: a few dozen series entries or chunks (100–1000 bytes each), small enough that a
 * read of scattered ranges does not copy much more than it needs.
 */
const DEFAULT_WINDOW = 16 * 1024;

/** A read-only file with a read window. */
export class FileWindow {
  /** File size in bytes. */
  readonly size: number;
  private buf: Uint8Array;
  private start = 0;
  private end = 0;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    private readonly window: number,
  ) {
    this.size = fstatSync(fd).size;
    this.buf = new Uint8Array(window);
  }

  /** Opens `path` for reading. @throws {Error} (fs errors) when it cannot be opened. */
  static open(path: string, window = DEFAULT_WINDOW): FileWindow {
    const fd = openSync(path, 'r');
    try {
      return new FileWindow(path, fd, window);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  /**
   * Bytes [pos, pos + len) of the file: a view valid until the next call.
   * @throws {CorruptionError} when the range is not inside the file.
   */
  read(pos: number, len: number): Uint8Array {
    const o = this.at(pos, len);
    return this.buf.subarray(o, o + len);
  }

  /**
   * Makes bytes [pos, pos + len) of the file available in {@link bytes} and returns where they
   * start there (valid until the next call): {@link read} without allocating a view, for readers
   * of many small records.
   * @throws {CorruptionError} when the range is not inside the file.
   */
  at(pos: number, len: number): number {
    if (pos < 0 || len < 0 || pos + len > this.size) {
      throw new CorruptionError(`${this.path}: read of ${len} bytes at ${pos} is past the end of the file (${this.size} bytes)`);
    }
    if (pos >= this.start && pos + len <= this.end) return pos - this.start;
    const want = Math.min(this.size - pos, Math.max(len, this.window));
    if (this.buf.length < want) this.buf = new Uint8Array(want);
    let got = 0;
    while (got < want) {
      const n = readSync(this.fd, this.buf, got, want - got, pos + got);
      if (n === 0) break;
      got += n;
    }
    if (got < len) throw new CorruptionError(`${this.path}: short read of ${len} bytes at ${pos}`);
    this.start = pos;
    this.end = pos + got;
    return 0;
  }

  /** The window's buffer, which {@link at} offsets index (replaced when a larger read needs it). */
  get bytes(): Uint8Array {
    return this.buf;
  }

  /** Closes the file. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
