/**
 * Follows one file path as promtail's file tailer does: reads complete lines from a byte offset,
 * survives rotation by rename (the old file's remainder is read to its end before the new file at
 * the path is opened from byte 0) and by truncation (copytruncate: a size below the read offset
 * restarts at byte 0), and waits while the path does not exist.
 *
 * It only reads when asked ({@link FileTailer.read}); the caller decides when (file-system events
 * and a polling interval) and records positions once the log store has acknowledged the lines.
 */
import { closeSync, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';

/** Bytes read per `read(2)` call. */
const CHUNK = 64 * 1024;
/**
 * A line longer than this is cut and handed on in pieces (Loki's default `max_line_size` is 256 KB;
 * the store decides what to do with long lines, the tailer only bounds its own buffer).
 */
export const MAX_LINE_BYTES = 1024 * 1024;

/** Lines read by one {@link FileTailer.read} call and the offset just past them. */
export interface ReadResult {
  /** Complete lines without their `\n` (and without a `\r` before it). */
  readonly lines: string[];
  /** UTF-8 bytes in `lines` plus their line ends, for the read-bytes counter. */
  readonly bytes: number;
  /** Offset in the file now at the path to record as the position once `lines` are stored. */
  readonly offset: number;
  /** True when the byte budget ran out before the end of the file. */
  readonly more: boolean;
  /** Set when the file was rotated (`'rename'`) or truncated (`'truncate'`) during this read. */
  readonly event?: 'rename' | 'truncate';
}

/** Tails one path; see the module comment. Not safe for concurrent `read` calls. */
export class FileTailer {
  private fd: number | null = null;
  private ino = 0;
  private dev = 0;
  /** Offset of the next byte to read from `fd`. */
  private readPos = 0;
  /** Bytes after the last line end read so far (an incomplete line). */
  private partial: Buffer = Buffer.alloc(0);
  private readonly buf = Buffer.allocUnsafe(CHUNK);

  /**
   * @param path the file to follow
   * @param startOffset where to start in the file found at `path` first (a saved position); a
   *   file shorter than that is read from byte 0, as promtail does
   */
  constructor(
    readonly path: string,
    private startOffset = 0,
  ) {}

  /** Whether a file is open at the moment. */
  get open(): boolean {
    return this.fd !== null;
  }

  /**
   * Reads complete lines up to about `budget` bytes. Never throws for a missing file (it waits
   * for one to appear); other I/O errors propagate.
   */
  read(budget: number): ReadResult {
    const lines: string[] = [];
    const counter = { bytes: 0 };
    let event: ReadResult['event'];
    let st: Stats | null = null;
    try {
      st = statSync(this.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (this.fd !== null && (st === null || st.ino !== this.ino || st.dev !== this.dev)) {
      // Renamed or deleted: finish the old file (its last partial line too: nobody appends to it
      // through this path any more), then switch to whatever is at the path now.
      this.readLines(Infinity, lines, counter);
      if (this.partial.length > 0) this.emit(this.partial, lines, counter);
      this.closeFile();
      this.startOffset = 0;
      event = 'rename';
    }
    if (this.fd === null && st !== null && st.isFile()) {
      this.fd = openSync(this.path, 'r');
      const fst = fstatSync(this.fd);
      this.ino = fst.ino;
      this.dev = fst.dev;
      this.readPos = this.startOffset <= fst.size ? this.startOffset : 0;
      this.startOffset = 0;
    }
    if (this.fd === null) return { lines, bytes: counter.bytes, offset: 0, more: false, event };
    if (fstatSync(this.fd).size < this.readPos) {
      this.readPos = 0;
      this.partial = Buffer.alloc(0);
      event = 'truncate';
    }
    const more = this.readLines(budget, lines, counter);
    return { lines, bytes: counter.bytes, offset: this.readPos - this.partial.length, more, event };
  }

  /** Closes the open file, if any. */
  close(): void {
    this.closeFile();
  }

  private closeFile(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.partial = Buffer.alloc(0);
    this.readPos = 0;
  }

  /** Reads from `readPos` until EOF or `budget`; returns true when stopped by the budget. */
  private readLines(budget: number, lines: string[], counter: { bytes: number }): boolean {
    let read = 0;
    for (;;) {
      if (read >= budget) return true;
      const n = readSync(this.fd!, this.buf, 0, CHUNK, this.readPos);
      if (n === 0) return false;
      this.readPos += n;
      read += n;
      const chunk = this.buf.subarray(0, n);
      let start = 0;
      for (let i = chunk.indexOf(10, 0); i >= 0; i = chunk.indexOf(10, start)) {
        const piece = chunk.subarray(start, i);
        if (this.partial.length > 0) {
          this.emit(Buffer.concat([this.partial, piece]), lines, counter);
          this.partial = Buffer.alloc(0);
        } else this.emit(piece, lines, counter);
        start = i + 1;
      }
      if (start < n) this.partial = Buffer.concat([this.partial, chunk.subarray(start)]);
      if (this.partial.length >= MAX_LINE_BYTES) {
        this.emit(this.partial, lines, counter);
        this.partial = Buffer.alloc(0);
      }
    }
  }

  private emit(bytes: Buffer, lines: string[], counter: { bytes: number }): void {
    counter.bytes += bytes.length + 1;
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 13 ? bytes.length - 1 : bytes.length;
    lines.push(bytes.toString('utf8', 0, end));
  }
}
