/**
 * The Orders API's request log: one JSON line per answered request, appended to a file that
 * Lookout tails (config/promtail.yml), e.g.
 *
 * `{"ts":"2026-01-01T10:00:00.123Z","level":"error","msg":"POST /api/orders 500","method":"POST","path":"/api/orders","endpoint":"create_order","status":500,"duration_ms":12.4,"error":"database query failed"}`
 *
 * `level` is `error` for 5xx answers, `warn` for 4xx and `info` otherwise. The file is rotated by
 * rename (to `<file>.1`, replacing an older one) when it passes {@link ROTATE_BYTES}, as logrotate
 * would, so a long demo run does not fill the disk.
 */
import { createWriteStream, mkdirSync, renameSync, statSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

/** Size at which the log file is rotated: 10 MiB, about a day of the default 5 requests/s. */
export const ROTATE_BYTES = 10 * 1024 * 1024;

/** One answered request. */
export interface AccessLogRecord {
  method: string;
  path: string;
  endpoint: string;
  status: number;
  durationMs: number;
  /** The error text of a 5xx answer, when it has one. */
  error?: string;
}

/** Appends {@link AccessLogRecord}s to a file as JSON lines. */
export class AccessLog {
  private stream: WriteStream;
  private written = 0;

  /** Opens (creating folders as needed) `file` for appending. */
  constructor(private readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    try {
      this.written = statSync(file).size;
    } catch {
      this.written = 0;
    }
    this.stream = createWriteStream(file, { flags: 'a' });
  }

  /** Writes one line; `nowMs` is the answer time in ms since the epoch. */
  write(r: AccessLogRecord, nowMs = Date.now()): void {
    const level = r.status >= 500 ? 'error' : r.status >= 400 ? 'warn' : 'info';
    const line = JSON.stringify({
      ts: new Date(nowMs).toISOString(),
      level,
      msg: `${r.method} ${r.path} ${r.status}`,
      method: r.method,
      path: r.path,
      endpoint: r.endpoint,
      status: r.status,
      duration_ms: Math.round(r.durationMs * 10) / 10,
      ...(r.error !== undefined ? { error: r.error } : {}),
    });
    this.stream.write(line + '\n');
    this.written += Buffer.byteLength(line) + 1;
    if (this.written >= ROTATE_BYTES) this.rotate();
  }

  /** Flushes and closes the file. */
  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(resolve));
  }

  private rotate(): void {
    const old = this.stream;
    old.end();
    renameSync(this.file, `${this.file}.1`);
    this.stream = createWriteStream(this.file, { flags: 'a' });
    this.written = 0;
  }
}
