/**
 * A lean HTTP/1.1 client transport over `net.Socket` for plain `http://` requests without a proxy:
 * persistent connections per origin (`host:port`), the request written as prebuilt bytes, the
 * response read by scanning bytes (status line, headers, `Content-Length`, chunked or
 * read-to-close bodies). It skips `node:http`'s per-request objects (ClientRequest,
 * IncomingMessage, agent bookkeeping, streams), which cost about as much CPU per scrape as
 * parsing a 1,000-series body. Sockets read into one shared buffer (`net` `onread`), not through
 * the readable stream: no Buffer is allocated per read and no stream code runs per read.
 *
 * It only moves bytes: what the response means (statuses, redirects, gzip, size limits,
 * timeouts, error texts) is decided by the caller (http.ts) through {@link ExchangeHandlers}.
 *
 * As Go's transport: 1xx responses other than 101 are skipped; a reused connection that the
 * server closed before answering is retried once on a new connection (the request is an
 * idempotent GET); idle connections are closed after {@link IDLE_TIMEOUT_MS}; a response
 * without `Content-Length` or chunked encoding is read until the server closes.
 */
import net from 'node:net';

/** Idle connections older than this are closed (ms; Prometheus's `IdleConnTimeout` is 5 min). */
const IDLE_TIMEOUT_MS = 5 * 60_000;
/** How often at most idle connections are checked for {@link IDLE_TIMEOUT_MS} (ms). */
const SWEEP_EVERY_MS = 30_000;
/** Largest response head accepted (bytes; Go's default `MaxResponseHeaderBytes`). */
const MAX_HEAD_BYTES = 10 << 20;
/** Largest chunk size accepted in a chunked body (bytes). */
const MAX_CHUNK_BYTES = 2 ** 40;
/** TCP keep-alive probe delay (ms), as the `node:http` keep-alive agent sets it. */
const TCP_KEEPALIVE_MS = 30_000;
/** Size of the buffer every connection reads into (bytes; the most one socket read returns). */
const READ_BUFFER_BYTES = 64 * 1024;
/**
 * The buffer all connections read into. Reads are handled synchronously, one at a time, on the
 * one JS thread, so one buffer serves them all; whatever must outlive a read is copied out.
 */
let readBuffer: Buffer | null = null;

function sharedReadBuffer(): Buffer {
  readBuffer ??= Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
  return readBuffer;
}

const CR = 13;
const LF = 10;
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/;
const CLOSE_TOKEN = /(?:^|,)\s*close\s*(?:,|$)/i;
const KEEP_ALIVE_TOKEN = /(?:^|,)\s*keep-alive\s*(?:,|$)/i;

/** The parts of a response head the scrape client uses. Header values have surrounding blanks trimmed; the first of repeated headers wins. */
export interface ResponseHead {
  status: number;
  /** Reason phrase of the status line, `''` when absent. */
  reason: string;
  /** `Content-Type`, `''` when absent. */
  contentType: string;
  /** `Content-Encoding`, `''` when absent. */
  contentEncoding: string;
  /** `Location`, undefined when absent. */
  location: string | undefined;
  /**
   * Body bytes announced by `Content-Length` (0 for bodyless statuses), -1 when the body is
   * chunked or read until the server closes.
   */
  contentLength: number;
}

/**
 * A malformed response (status line, headers, body framing). `message` is Go's text for it
 * (`malformed HTTP response "…"`, `invalid byte in chunk length`…).
 */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

/**
 * Callbacks of one exchange, called in order: `head` once, then `data` any number of times and
 * `end`, or `error` at any point (then nothing else). Any of them may call
 * {@link Exchange.destroy}; no callback follows that.
 */
export interface ExchangeHandlers {
  head(h: ResponseHead): void;
  /**
   * A piece of the body (chunked framing removed). It views the shared read buffer: valid only
   * during the call, so whatever is kept must be copied.
   */
  data(chunk: Buffer): void;
  end(): void;
  /**
   * The exchange failed: a socket error (connect errors included), a {@link ProtocolError}, or
   * null when the connection closed before the response was complete.
   */
  error(e: NodeJS.ErrnoException | ProtocolError | null): void;
}

/** One request/response exchange in flight. */
export interface Exchange {
  /** Abandons the exchange and closes its connection (timeouts, limits, errors). Idempotent. */
  destroy(): void;
  /** Stops reading the socket (backpressure from the body consumer). */
  pause(): void;
  resume(): void;
}

const enum Phase {
  Head,
  Length,
  Chunked,
  UntilClose,
  Done,
}

const enum ChunkState {
  Size,
  Extension,
  Data,
  DataEnd,
  Trailer,
}

/** The caller's handle on an exchange; follows it to a new connection when it is retried. */
class ExchangeHandle implements Exchange {
  constructor(public conn: Connection) {}

  destroy(): void {
    if (this.conn.current === this) this.conn.destroy();
  }

  pause(): void {
    if (this.conn.current === this) this.conn.pause();
  }

  resume(): void {
    if (this.conn.current === this) this.conn.resume();
  }
}

/** One persistent connection and the exchange it is serving, if any. */
class Connection {
  readonly socket: net.Socket;
  /** The exchange in flight, null while idle. */
  current: ExchangeHandle | null = null;
  /** Handlers of the exchange in flight, null while idle. */
  private handlers: ExchangeHandlers | null = null;
  /** The request bytes in flight (for a retry on a fresh connection). */
  private request: Buffer | null = null;
  /** Exchanges completed on this connection (a reused connection may have been closed by the server). */
  served = 0;
  idleSince = 0;
  dead = false;
  private received = false;
  private phase = Phase.Done;
  private pending: Buffer | null = null;
  private remaining = 0;
  private chunkState = ChunkState.Size;
  private chunkSize = 0;
  private chunkDigits = 0;
  private lineLength = 0;
  private keepAlive = true;
  /** Reads are paused by the exchange's consumer (backpressure). */
  private paused = false;

  constructor(
    private readonly pool: Http1Pool,
    readonly key: string,
    host: string,
    port: number,
  ) {
    this.socket = net.connect({
      host,
      port,
      onread: { buffer: sharedReadBuffer, callback: (n, b) => this.onRead(n, b) },
    });
    this.socket.setNoDelay(true);
    this.socket.setKeepAlive(true, TCP_KEEPALIVE_MS);
    this.socket.on('end', () => this.onEnd());
    this.socket.on('error', (e: NodeJS.ErrnoException) => this.onClose(e));
    this.socket.on('close', () => this.onClose(null));
  }

  /** Sends `request` on this idle connection and reports the response to `h`. */
  send(request: Buffer, h: ExchangeHandlers, handle: ExchangeHandle): void {
    this.current = handle;
    this.handlers = h;
    this.request = request;
    this.received = false;
    this.phase = Phase.Head;
    this.pending = null;
    // The last exchange may have ended while its consumer held the reads paused.
    if (this.paused) this.resume();
    this.socket.ref();
    this.socket.write(request);
  }

  /** Stops reading the socket (see {@link Exchange.pause}). */
  pause(): void {
    this.paused = true;
    this.socket.pause();
  }

  resume(): void {
    this.paused = false;
    this.socket.resume();
  }

  /** Closes the connection; the exchange in flight, if any, gets no more callbacks. */
  destroy(): void {
    this.handlers = null;
    this.kill();
  }

  private kill(): void {
    if (this.dead) return;
    this.dead = true;
    this.pool.forget(this);
    this.socket.destroy();
  }

  /** The connection ended or failed: fails the exchange in flight (or retries it once on a fresh connection). */
  private onClose(e: NodeJS.ErrnoException | null): void {
    const h = this.handlers;
    const request = this.request;
    const handle = this.current;
    this.handlers = null;
    this.kill();
    if (h === null) return;
    if (this.served > 0 && !this.received && request !== null && handle !== null) {
      // The server closed a kept-alive connection as the request went out: nothing was
      // answered, so the GET is sent again on a new connection (as Go's transport does).
      this.pool.retry(this.key, request, h, handle);
      return;
    }
    h.error(e);
  }

  private onEnd(): void {
    const h = this.handlers;
    if (h !== null && this.phase === Phase.UntilClose) {
      this.handlers = null;
      this.kill();
      h.end();
      return;
    }
    this.onClose(null);
  }

  /** Fails the exchange with a malformed-response error. */
  private protocolError(message: string): void {
    const h = this.handlers!;
    this.handlers = null;
    this.kill();
    h.error(new ProtocolError(message));
  }

  /** The body is complete: the connection goes back to the pool (or closes), then `end`. */
  private finish(h: ExchangeHandlers, leftover: boolean): void {
    this.handlers = null;
    this.current = null;
    this.request = null;
    this.phase = Phase.Done;
    this.served++;
    if (this.keepAlive && !leftover) {
      this.socket.unref();
      this.pool.release(this);
    } else {
      this.kill();
    }
    h.end();
  }

  /** A socket read of `n` bytes into `b` (the shared read buffer); true keeps the socket reading. */
  private onRead(n: number, b: Uint8Array): boolean {
    this.onData((b as Buffer).subarray(0, n));
    return true;
  }

  private onData(b: Buffer): void {
    const h = this.handlers;
    if (h === null) {
      // Bytes nobody asked for: the connection cannot be trusted any more.
      this.kill();
      return;
    }
    this.received = true;
    let buf = b;
    let off = 0;
    if (this.phase === Phase.Head) {
      if (this.pending !== null) {
        buf = Buffer.concat([this.pending, b]);
        this.pending = null;
      }
      for (;;) {
        const end = headEnd(buf, off);
        if (end < 0) {
          if (buf.length - off > MAX_HEAD_BYTES) this.protocolError(`net/http: server response headers exceeded ${MAX_HEAD_BYTES} bytes; aborted`);
          // A copy: `buf` may be the shared read buffer, which the next read overwrites.
          else this.pending = Buffer.from(buf.subarray(off));
          return;
        }
        const head = this.parseHead(buf, off, end);
        off = end;
        if (head === null) return;
        if (head.status >= 100 && head.status < 200 && head.status !== 101) {
          this.phase = Phase.Head;
          continue;
        }
        h.head(head);
        if (this.handlers !== h) return;
        break;
      }
    }
    this.body(h, buf, off);
  }

  /** Parses the head in `buf[start, end)`; sets the body phase. Null after a protocol error. */
  private parseHead(buf: Buffer, start: number, end: number): ResponseHead | null {
    const lines = buf.toString('latin1', start, end).split('\n');
    const status = STATUS_LINE.exec(trimCR(lines[0]!));
    if (status === null) {
      this.protocolError(`malformed HTTP response ${JSON.stringify(trimCR(lines[0]!))}`);
      return null;
    }
    const head: ResponseHead = { status: Number(status[2]), reason: status[3] ?? '', contentType: '', contentEncoding: '', location: undefined, contentLength: -1 };
    let contentLength = '';
    let transferEncoding = '';
    let connection = '';
    for (let i = 1; i < lines.length; i++) {
      const line = trimCR(lines[i]!);
      if (line === '') continue;
      const colon = line.indexOf(':');
      if (colon <= 0) {
        this.protocolError(`malformed MIME header line: ${line}`);
        return null;
      }
      const value = line.slice(colon + 1).trim();
      switch (line.slice(0, colon).toLowerCase()) {
        case 'content-type':
          if (head.contentType === '') head.contentType = value;
          break;
        case 'content-encoding':
          if (head.contentEncoding === '') head.contentEncoding = value;
          break;
        case 'location':
          head.location ??= value;
          break;
        case 'content-length':
          if (contentLength !== '' && contentLength !== value) {
            this.protocolError('http: message cannot contain multiple Content-Length headers');
            return null;
          }
          contentLength = value;
          break;
        case 'transfer-encoding':
          transferEncoding = value;
          break;
        case 'connection':
          connection = connection === '' ? value : `${connection},${value}`;
          break;
      }
    }
    this.keepAlive = status[1] === '1' ? !CLOSE_TOKEN.test(connection) : KEEP_ALIVE_TOKEN.test(connection);
    const s = head.status;
    if ((s >= 100 && s < 200) || s === 204 || s === 304) {
      this.phase = Phase.Length;
      this.remaining = 0;
      head.contentLength = 0;
    } else if (transferEncoding !== '') {
      if (transferEncoding.toLowerCase() !== 'chunked') {
        this.protocolError(`unsupported transfer encoding: ${JSON.stringify(transferEncoding)}`);
        return null;
      }
      this.phase = Phase.Chunked;
      this.chunkState = ChunkState.Size;
      this.chunkSize = 0;
      this.chunkDigits = 0;
    } else if (contentLength !== '') {
      if (!/^\d{1,15}$/.test(contentLength)) {
        this.protocolError(`bad Content-Length ${JSON.stringify(contentLength)}`);
        return null;
      }
      this.phase = Phase.Length;
      this.remaining = Number(contentLength);
      head.contentLength = this.remaining;
    } else {
      this.phase = Phase.UntilClose;
      this.keepAlive = false;
    }
    return head;
  }

  /** Feeds body bytes `buf[off…]` to the exchange. */
  private body(h: ExchangeHandlers, buf: Buffer, off: number): void {
    switch (this.phase) {
      case Phase.Length: {
        const n = Math.min(this.remaining, buf.length - off);
        if (n > 0) {
          this.remaining -= n;
          h.data(off === 0 && n === buf.length ? buf : buf.subarray(off, off + n));
          if (this.handlers !== h) return;
        }
        if (this.remaining === 0) this.finish(h, off + n < buf.length);
        return;
      }
      case Phase.UntilClose:
        if (off < buf.length) h.data(off === 0 ? buf : buf.subarray(off));
        return;
      case Phase.Chunked:
        this.chunked(h, buf, off);
        return;
      default:
        return;
    }
  }

  /** Decodes chunked framing in `buf[off…]`, passing chunk data on. */
  private chunked(h: ExchangeHandlers, buf: Buffer, off: number): void {
    const len = buf.length;
    while (off < len) {
      switch (this.chunkState) {
        case ChunkState.Size: {
          const c = buf[off++]!;
          const digit = hexValue(c);
          if (digit >= 0) {
            this.chunkSize = this.chunkSize * 16 + digit;
            this.chunkDigits++;
            if (this.chunkSize > MAX_CHUNK_BYTES) return this.protocolError('http chunk length too large');
          } else if (c === LF || c === CR || c === 0x3b /* ; */ || c === 0x20 || c === 0x09) {
            if (this.chunkDigits === 0) return this.protocolError('invalid byte in chunk length');
            if (c === LF) this.chunkLineEnd();
            else this.chunkState = ChunkState.Extension;
          } else {
            return this.protocolError('invalid byte in chunk length');
          }
          break;
        }
        case ChunkState.Extension:
          if (buf[off++] === LF) this.chunkLineEnd();
          break;
        case ChunkState.Data: {
          const n = Math.min(this.chunkSize, len - off);
          this.chunkSize -= n;
          h.data(buf.subarray(off, off + n));
          if (this.handlers !== h) return;
          off += n;
          if (this.chunkSize === 0) this.chunkState = ChunkState.DataEnd;
          break;
        }
        case ChunkState.DataEnd: {
          const c = buf[off++]!;
          if (c === LF) {
            this.chunkState = ChunkState.Size;
            this.chunkSize = 0;
            this.chunkDigits = 0;
          } else if (c !== CR) {
            return this.protocolError('malformed chunked encoding');
          }
          break;
        }
        case ChunkState.Trailer: {
          const c = buf[off++]!;
          if (c === LF) {
            if (this.lineLength === 0) return this.finish(h, off < len);
            this.lineLength = 0;
          } else if (c !== CR) {
            this.lineLength++;
          }
          break;
        }
      }
    }
  }

  /** The end of a chunk-size line: data follows, or the trailer after the last (empty) chunk. */
  private chunkLineEnd(): void {
    if (this.chunkSize === 0) {
      this.chunkState = ChunkState.Trailer;
      this.lineLength = 0;
    } else {
      this.chunkState = ChunkState.Data;
    }
  }
}

/** `\r` dropped from the end of `s`. */
function trimCR(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}

/** Value of an ASCII hex digit, -1 for other bytes. */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/**
 * Offset just past the empty line that ends a response head starting at `start` (lines end in
 * `\n` or `\r\n`), -1 when it has not arrived yet.
 */
function headEnd(buf: Buffer, start: number): number {
  let lineStart = start;
  for (let i = buf.indexOf(LF, start); i >= 0; i = buf.indexOf(LF, i + 1)) {
    const length = i - lineStart - (i > lineStart && buf[i - 1] === CR ? 1 : 0);
    if (length === 0 && i > start) return i + 1;
    lineStart = i + 1;
  }
  return -1;
}

/**
 * Persistent HTTP/1.1 connections by origin for one HTTP client configuration. Idle connections
 * hold no reference on the event loop.
 */
export class Http1Pool {
  private readonly idle = new Map<string, Connection[]>();
  private readonly all = new Set<Connection>();
  private lastSweep = Date.now();
  private closed = false;

  /**
   * Sends `request` (a complete HTTP/1.1 request head, no body) to `host:port` on an idle
   * connection, or a new one, and reports the response to `h`. Connect errors reach `h.error`.
   */
  exchange(host: string, port: number, request: Buffer, h: ExchangeHandlers): Exchange {
    const key = `${host}\0${port}`;
    const now = Date.now();
    if (now - this.lastSweep >= SWEEP_EVERY_MS) this.sweep(now);
    const conn = this.idle.get(key)?.pop() ?? this.connect(key, host, port);
    const handle = new ExchangeHandle(conn);
    conn.send(request, h, handle);
    return handle;
  }

  /** Closes every connection; exchanges in flight fail. */
  close(): void {
    this.closed = true;
    for (const c of [...this.all]) c.socket.destroy();
  }

  /** @internal An exchange completed and `c` can take the next one. */
  release(c: Connection): void {
    if (this.closed) {
      c.destroy();
      return;
    }
    c.idleSince = Date.now();
    let list = this.idle.get(c.key);
    if (list === undefined) {
      list = [];
      this.idle.set(c.key, list);
    }
    list.push(c);
  }

  /** @internal `c` closed: it takes no more exchanges. */
  forget(c: Connection): void {
    this.all.delete(c);
    const list = this.idle.get(c.key);
    if (list === undefined) return;
    const i = list.indexOf(c);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.idle.delete(c.key);
  }

  /** @internal Sends `request` again on a new connection (see {@link Connection}). */
  retry(key: string, request: Buffer, h: ExchangeHandlers, handle: ExchangeHandle): void {
    if (this.closed) {
      h.error(null);
      return;
    }
    const sep = key.lastIndexOf('\0');
    const conn = this.connect(key, key.slice(0, sep), Number(key.slice(sep + 1)));
    handle.conn = conn;
    conn.send(request, h, handle);
  }

  private connect(key: string, host: string, port: number): Connection {
    const c = new Connection(this, key, host, port);
    this.all.add(c);
    return c;
  }

  /** Closes connections idle for longer than {@link IDLE_TIMEOUT_MS}. */
  private sweep(now: number): void {
    this.lastSweep = now;
    for (const list of [...this.idle.values()]) {
      for (const c of [...list]) if (now - c.idleSince >= IDLE_TIMEOUT_MS) c.destroy();
    }
  }
}
