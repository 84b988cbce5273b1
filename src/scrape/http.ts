/**
 * HTTP GET for scrapes and HTTP service discovery, with the scrape config's `HTTPClientConfig`:
 * basic auth, authorization, bearer tokens, OAuth2 client credentials (oauth2.ts), TLS settings,
 * extra headers, redirects, HTTP proxies (proxy.ts). Transports: plain `http://` requests
 * without a proxy go over the lean HTTP/1.1 client of http1.ts (persistent connections, prebuilt
 * request bytes, byte-scanned responses), unless their headers need `node:http`'s handling;
 * everything else over `node:http`/`node:https` keep-alive agents, or HTTP/2 sessions for
 * `https` targets when `enable_http2` is on and the server negotiates `h2` by ALPN (h2.ts). Both
 * HTTP/1.1 paths share the response handling below, so statuses, redirects, gzip, limits,
 * timeouts and error texts are the same.
 *
 * As upstream, the timeout covers the whole request — connecting, the response headers, reading
 * and decompressing the body — and the body size limit applies to the decompressed body. gzip
 * bodies are inflated as they stream in and the request is abandoned (inflater included) as soon
 * as the deadline passes or the limit is reached, so memory stays proportional to what was read in
 * time and a gzip bomb is never inflated past the limit. The body is copied as it arrives into one
 * buffer — the caller's `bodyBuffer` when it fits (scrape loops pass the buffer of their last
 * scrape, so a steady target's scrapes allocate nothing), else one sized from `Content-Length`, or
 * grown by doubling for chunked and gzip bodies.
 *
 * Error texts follow Go's `net/http` client as Prometheus shows them in `lastError`: errors before
 * the response headers name the URL (`Get "http://host:9100/metrics": context deadline exceeded`),
 * errors while reading the body do not (`context deadline exceeded`, `unexpected EOF`,
 * `gzip: invalid header`).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { ClientHttp2Session, ClientHttp2Stream, OutgoingHttpHeaders } from 'node:http2';
import type { Readable } from 'node:stream';
import type { SecureVersion, TLSSocket } from 'node:tls';
import { urlToHttpOptions } from 'node:url';
import { createGunzip, type Gunzip } from 'node:zlib';
import type { HTTPClientConfig } from '../config/prometheus.js';
import { readSecretOrEmpty, requestHeaders, type TLSConfig } from '../config/prometheus/http.js';
import { H2Sessions } from './h2.js';
import { OAuth2TokenSource } from './oauth2.js';
import { openTunnel, proxyAuthorization, proxyFor, ReusingHttpsAgent, TunnelAgent } from './proxy.js';
import { goQuote } from '../model/goquote.js';
import { locationParseError } from './location.js';
import { Http1Pool, ProtocolError, type ExchangeHandlers, type ResponseHead } from './http1.js';

/**
 * Largest body read when no `body_size_limit` is set (bytes): the exposition parsers keep byte
 * offsets in `Int32Array`s, so bigger bodies cannot be parsed anyway. Upstream has no such cap.
 * Reaching it fails the request as the configured limit does.
 */
export const MAX_BODY_BYTES = 2 ** 31 - 1;

/**
 * Output chunk size of the gzip inflater (bytes). Also the most the body can overshoot the size
 * limit by before the request is abandoned. Node's default (16 KiB) costs four times the
 * callbacks on big bodies.
 */
const INFLATE_CHUNK_BYTES = 64 * 1024;

/** First capacity of a body buffer when neither the caller nor `Content-Length` gives one (bytes). */
const INITIAL_BODY_BYTES = 16 * 1024;
/**
 * The most allocated ahead from `Content-Length` (bytes): a larger body grows its buffer as it
 * arrives, so a target announcing a huge body it never sends reserves no more than this.
 */
const MAX_AHEAD_BODY_BYTES = 32 << 20;

/** Statuses that redirect a GET (Go's `redirectBehavior`). */
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/**
 * Connection-specific request headers (e.g. from `http_headers`) that HTTP/2 forbids: left out of
 * HTTP/2 requests, as Go's HTTP/2 transport leaves them out.
 */
const H2_DROPPED_HEADERS: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te']);

/** Maximum number of redirects followed (Go's default `CheckRedirect`). */
const MAX_REDIRECTS = 10;
/** Parsed URLs a client keeps (its targets are fetched again every interval); cleared when full. */
const MAX_CACHED_URLS = 10_000;

/** Thrown for a failed request; `bodySizeLimit` marks the body-size-limit case. */
export class HttpGetError extends Error {
  override name = 'HttpGetError';
  constructor(
    message: string,
    readonly bodySizeLimit = false,
  ) {
    super(message);
  }
}

/** A successful response. */
export interface HttpGetResult {
  status: number;
  /** `Content-Type` header, `''` when absent. */
  contentType: string;
  /** Decompressed body: a view of {@link bodyBuffer}, valid until that buffer is read into again. */
  body: Buffer;
  /**
   * The buffer the body was read into: the request's `bodyBuffer`, or a larger one allocated
   * when the body did not fit. Pass it as `bodyBuffer` of a later request to reuse it.
   */
  bodyBuffer: Buffer;
}

/** Options of one request. */
export interface HttpGetOptions {
  /** Whole-request timeout in ms (connect, headers, body read and decompression, redirects). */
  timeoutMs: number;
  headers: Record<string, string>;
  /**
   * Decompressed body bytes at which the request fails (`body size limit exceeded`); 0 for no
   * limit other than {@link MAX_BODY_BYTES}.
   */
  bodySizeLimit?: number;
  /** Only status 200 is a success (scrapes); otherwise any status is returned. */
  require200?: boolean;
  /** Aborts the request (shutdown). May be shared by any number of requests. */
  signal?: AbortSignal;
  /**
   * Buffer to read the decompressed body into when it fits (see {@link HttpGetResult.bodyBuffer});
   * its old content is overwritten, so no earlier body read into it may still be in use.
   */
  bodyBuffer?: Buffer;
}

/**
 * A body being read: the bytes are copied into one buffer, replaced by one twice as large (or as
 * large as needed) when full. Chunks handed to {@link append} need not outlive the call.
 */
class BodyReader {
  size = 0;

  constructor(private buf: Buffer) {}

  append(c: Uint8Array): void {
    const need = this.size + c.length;
    if (need > this.buf.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(need, this.buf.length * 2, INITIAL_BODY_BYTES));
      this.buf.copy(grown, 0, 0, this.size);
      this.buf = grown;
    }
    this.buf.set(c, this.size);
    this.size = need;
  }

  /** The body read so far and the buffer holding it. */
  result(): { body: Buffer; bodyBuffer: Buffer } {
    return { body: this.buf.subarray(0, this.size), bodyBuffer: this.buf };
  }
}

/**
 * The buffer a body is read into: `given` when it holds `contentLength` bytes (or it is unknown,
 * -1), else a new one of `contentLength` bytes (at most `limit`: a larger body fails anyway; and
 * at most {@link MAX_AHEAD_BODY_BYTES}, beyond which it grows as the body arrives).
 */
function bodyBufferFor(given: Buffer | undefined, contentLength: number, limit: number): Buffer {
  if (given !== undefined && contentLength <= given.length) return given;
  if (contentLength < 0) return Buffer.allocUnsafeSlow(INITIAL_BODY_BYTES);
  return Buffer.allocUnsafeSlow(Math.min(contentLength, limit, MAX_AHEAD_BODY_BYTES));
}

/** A redirect to follow: the resolved URL of the next hop and the `Location` it came from. */
interface Redirect {
  next: string;
  location: string;
}

/** Flow control of a response body being read. */
interface BodyFlow {
  pause(): void;
  resume(): void;
  /** Stops reading and drops the connection (a redirect being followed). */
  abandon(): void;
}

/** Takes a response body as it arrives. */
interface BodySink {
  data(chunk: Buffer): void;
  /** The whole body arrived. */
  end(): void;
}

/** A parsed request URL with what requests to it reuse. Never mutated but for `lean`. */
interface CachedURL {
  url: URL;
  /** `http.request` options as Node derives them from the URL. */
  options: http.RequestOptions;
  /**
   * The last HTTP/1.1 request head built for the lean transport, with the header names and values
   * (in order) it was built from (see {@link HttpClient.leanRequest}).
   */
  lean: { headers: string[]; bytes: Buffer | null } | null;
}

/** Header names the lean transport leaves to `node:http` (they change the framing or the connection). */
const LEAN_RESERVED_HEADERS: ReadonlySet<string> = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'expect', 'upgrade', 'te', 'keep-alive']);
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Header value bytes `node:http` accepts. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Transport choices of an {@link HttpClient}. */
export interface HttpClientOptions {
  /**
   * Plain `http://` requests without a proxy go over the lean HTTP/1.1 transport (http1.ts)
   * rather than `node:http` (default true; false is for tests comparing both).
   */
  leanHttp1?: boolean;
}

/** Keep-alive agents and settings for one HTTP client configuration (one per scrape pool). */
export class HttpClient {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: ReusingHttpsAgent | null;
  /** Why requests cannot be made with this configuration (unsupported or unreadable settings), or null. */
  private readonly setupError: string | null;
  /** Access tokens when the config has `oauth2`. */
  private readonly tokens: OAuth2TokenSource | null;
  private tlsOptions: https.AgentOptions = {};
  /** HTTPS agents tunnelling through a proxy, by proxy URL. */
  private readonly tunnels = new Map<string, TunnelAgent>();
  private readonly connectHeaders: Record<string, string>;
  /** HTTP/2 sessions for `https` requests with `enable_http2` (see h2.ts); null when disabled. */
  private readonly h2: H2Sessions | null;
  /** Parsed request URLs and their `http.request` options, by URL text. */
  private readonly urls = new Map<string, CachedURL>();
  /** Persistent connections of the lean HTTP/1.1 transport (plain `http://` without proxy), null when off. */
  private readonly lean: Http1Pool | null;

  constructor(
    private readonly cfg: HTTPClientConfig,
    options: HttpClientOptions = {},
  ) {
    this.lean = options.leanHttp1 === false ? null : new Http1Pool();
    this.httpAgent = new http.Agent({ keepAlive: true, keepAliveMsecs: 30_000 });
    this.connectHeaders = Object.fromEntries(Object.entries(cfg.proxyConnectHeader).map(([k, v]) => [k, v.join(', ')]));
    let error: string | null = null;
    let httpsAgent: ReusingHttpsAgent | null = null;
    let tokens: OAuth2TokenSource | null = null;
    if (cfg.oauth2?.grantType === 'urn:ietf:params:oauth:grant-type:jwt-bearer') error = 'the oauth2 JWT-bearer grant is not supported by the Lookout scraper';
    try {
      this.tlsOptions = tlsOptions(cfg.tlsConfig);
      httpsAgent = new ReusingHttpsAgent(this.tlsOptions);
      if (cfg.oauth2) tokens = new OAuth2TokenSource(cfg.oauth2, new https.Agent(tlsOptions(cfg.oauth2.tlsConfig)));
    } catch (e) {
      error ??= `unable to load TLS configuration: ${(e as Error).message}`;
    }
    this.httpsAgent = httpsAgent;
    this.h2 = cfg.enableHttp2 && httpsAgent ? new H2Sessions(this.tlsOptions) : null;
    this.tokens = tokens;
    this.setupError = error;
  }

  /** Closes idle keep-alive connections and the HTTP/2 sessions. */
  close(): void {
    this.h2?.close();
    this.lean?.close();
    this.httpAgent.destroy();
    this.httpsAgent?.destroy();
    for (const a of this.tunnels.values()) a.destroy();
  }

  /**
   * GETs `url`. A redirect's `Location` is checked as Go's `url.Parse` does, also when redirects
   * are not followed (`Get "<url>": failed to parse Location header "<loc>": parse …`); with
   * `follow_redirects` at most {@link MAX_REDIRECTS} are followed (`Get "<loc>": stopped after 10
   * redirects`), else the redirect is the response.
   * @throws {HttpGetError} for connection errors, timeouts, cancellation, non-200 statuses (with
   * `require200`), a malformed redirect, the body size limit, bad gzip
   */
  async get(url: string, opts: HttpGetOptions): Promise<HttpGetResult> {
    if (this.setupError) throw new HttpGetError(`Get ${goQuote(url)}: ${this.setupError}`);
    const deadline = Date.now() + opts.timeoutMs;
    let current = url;
    for (let hops = 1; ; hops++) {
      // Secret files are read on each request, as upstream; an unreadable one sends ''.
      const headers = { ...opts.headers, ...requestHeaders(this.cfg, readSecretOrEmpty) };
      if (this.tokens) headers.authorization = `Bearer ${await this.bearerToken(current, deadline)}`;
      const res = await this.once(current, headers, deadline, opts);
      if (!('next' in res)) return res;
      if (hops >= MAX_REDIRECTS) throw new HttpGetError(`Get ${goQuote(res.location)}: stopped after ${MAX_REDIRECTS} redirects`);
      current = res.next;
    }
  }

  private tunnel(proxy: URL): TunnelAgent {
    let a = this.tunnels.get(proxy.href);
    if (!a) {
      a = new TunnelAgent(proxy, this.connectHeaders, this.tlsOptions);
      this.tunnels.set(proxy.href, a);
    }
    return a;
  }

  private async bearerToken(url: string, deadline: number): Promise<string> {
    try {
      return await this.tokens!.get(deadline);
    } catch (e) {
      throw new HttpGetError(`Get ${goQuote(url)}: ${(e as Error).message}`);
    }
  }

  /**
   * `url` parsed, with its `http.request` options (as Node derives them from a URL), from the
   * cache when seen before. @throws {TypeError} for an invalid URL.
   */
  private parseURL(url: string): CachedURL {
    let p = this.urls.get(url);
    if (p === undefined) {
      const parsed = new URL(url);
      p = { url: parsed, options: urlToHttpOptions(parsed), lean: null };
      if (this.urls.size >= MAX_CACHED_URLS) this.urls.clear();
      this.urls.set(url, p);
    }
    return p;
  }

  /**
   * The HTTP/1.1 request head (bytes) for a GET of `u` with `headers` on the lean transport, as
   * `node:http` would send it (header names as given, `Host` from the URL) minus its
   * `Connection: keep-alive` (HTTP/1.1's default, which Go does not send either); built again
   * only when the header names, values or their order change. Null when the headers need
   * `node:http`'s handling: a name repeated (in any case), a framing or connection header, or a
   * character `node:http` rejects.
   */
  private leanRequest(u: CachedURL, headers: Record<string, string>): Buffer | null {
    if (u.lean !== null && sameHeaders(u.lean.headers, headers)) return u.lean.bytes;
    let text = `GET ${u.options.path ?? '/'} HTTP/1.1\r\nHost: ${u.url.host}\r\n`;
    const list: string[] = [];
    for (const name in headers) {
      text += `${name}: ${headers[name]}\r\n`;
      list.push(name, headers[name]!);
    }
    text += '\r\n';
    const names = new Set<string>();
    let ok = true;
    for (const name in headers) {
      const lower = name.toLowerCase();
      if (names.has(lower) || LEAN_RESERVED_HEADERS.has(lower) || !HEADER_NAME.test(name) || !HEADER_VALUE.test(headers[name]!)) ok = false;
      names.add(lower);
    }
    u.lean = { headers: list, bytes: ok ? Buffer.from(text, 'latin1') : null };
    return u.lean.bytes;
  }

  /** One request/response exchange; resolves with the response or the redirect to follow. */
  private once(url: string, headers: Record<string, string>, deadline: number, opts: HttpGetOptions): Promise<HttpGetResult | Redirect> {
    /** `Get "<url>": `, the start of errors named with the URL (built only for an error). */
    const prefix = () => `Get ${goQuote(url)}: `;
    return new Promise((resolve, reject) => {
      let cached: CachedURL;
      try {
        cached = this.parseURL(url);
      } catch {
        reject(new HttpGetError(`${prefix()}invalid URL`));
        return;
      }
      const { url: parsed, options: urlOptions } = cached;
      const isHttps = parsed.protocol === 'https:';
      if (!isHttps && parsed.protocol !== 'http:') {
        reject(new HttpGetError(`${prefix()}unsupported protocol scheme ${goQuote(parsed.protocol.replace(/:$/, ''))}`));
        return;
      }
      if (opts.signal?.aborted) {
        reject(new HttpGetError(`${prefix()}context canceled`));
        return;
      }
      let settled = false;
      /** Response headers are in: later errors come from reading the body and carry no URL. */
      let responded = false;
      let inflate: Gunzip | null = null;
      /** The request or HTTP/2 stream once sent; none while the connection is negotiated. */
      let req: { destroy(): void } | null = null;
      const settle = () => {
        settled = true;
        clearTimeout(timer);
        unwatch();
      };
      const fail = (msg: string, bodySizeLimit = false) => {
        if (settled) return;
        settle();
        inflate?.destroy();
        req?.destroy();
        reject(new HttpGetError(msg, bodySizeLimit));
      };
      /** A transport-level failure: named with the URL before the response, bare while reading the body (as Go). */
      const failTransport = (msg: string) => fail(responded ? msg : prefix() + msg);
      const done = (v: HttpGetResult | Redirect) => {
        if (settled) return;
        settle();
        resolve(v);
      };
      /**
       * Called when the deadline passes before the response headers: an HTTP/2 session that did
       * not answer in time may be dead, so it takes no new requests (later ones connect anew).
       */
      let unanswered: (() => void) | null = null;
      const timer = setTimeout(() => {
        if (!responded) unanswered?.();
        failTransport('context deadline exceeded');
      }, Math.max(0, deadline - Date.now()));
      const unwatch = opts.signal ? onAbort(opts.signal, () => failTransport('context canceled')) : () => {};
      /**
       * Handles a response head: HTTP/1.1 or HTTP/2 (which has no reason phrase). Returns where
       * the body goes, or null when the exchange is over (redirect followed, failed status).
       */
      const onResponse = (
        status: number,
        reason: string,
        location: string | undefined,
        contentEncoding: unknown,
        contentType: string,
        contentLength: number,
        flow: BodyFlow,
      ): BodySink | null => {
        responded = true;
        const statusLine = `${status} ${http.STATUS_CODES[status] ?? reason}`;
        if (REDIRECT_STATUSES.has(status) && location) {
          const parseErr = locationParseError(location);
          if (parseErr !== null) {
            fail(`${prefix()}failed to parse Location header ${goQuote(location)}: ${parseErr}`);
            return null;
          }
          if (this.cfg.followRedirects) {
            let next: string;
            try {
              next = new URL(location, url).toString();
            } catch {
              fail(`${prefix()}failed to parse Location header ${goQuote(location)}: invalid URL`);
              return null;
            }
            flow.abandon();
            done({ next, location });
            return null;
          }
        }
        if (opts.require200 && status !== 200) {
          fail(`server returned HTTP status ${statusLine}`);
          return null;
        }
        const configured = opts.bodySizeLimit ?? 0;
        const limit = configured > 0 && configured <= MAX_BODY_BYTES ? configured : MAX_BODY_BYTES + 1;
        const gzip = contentEncoding === 'gzip';
        const reader = new BodyReader(bodyBufferFor(opts.bodyBuffer, gzip ? -1 : contentLength, limit));
        const take = (c: Uint8Array) => {
          if (settled) return;
          if (reader.size + c.length >= limit) fail('body size limit exceeded', true);
          else if (Date.now() >= deadline) failTransport('context deadline exceeded');
          else reader.append(c);
        };
        const finish = () => {
          if (settled) return;
          const { body, bodyBuffer } = reader.result();
          done({ status, contentType, body, bodyBuffer });
        };
        if (!gzip) return { data: take, end: finish };
        const gunzip = createGunzip({ chunkSize: INFLATE_CHUNK_BYTES });
        inflate = gunzip;
        let compressedBytes = 0;
        gunzip.on('data', take);
        gunzip.on('error', (e: NodeJS.ErrnoException) => fail(gzipError(e, compressedBytes)));
        gunzip.on('end', finish);
        return {
          data: (c) => {
            if (settled) return;
            compressedBytes += c.length;
            // A copy: the inflater reads its input later, and lean-transport chunks view a
            // buffer the next socket read overwrites.
            if (!gunzip.write(Buffer.from(c))) {
              flow.pause();
              gunzip.once('drain', () => flow.resume());
            }
          },
          end: () => {
            if (!settled) gunzip.end();
          },
        };
      };
      /**
       * Reads a `node:http` response or HTTP/2 stream `res` into `sink`; `complete` tells whether
       * the whole body arrived when it closes.
       */
      const readStream = (res: Readable, sink: BodySink | null, complete: () => boolean): void => {
        if (sink === null) return;
        res.on('data', sink.data);
        res.on('end', sink.end);
        // The connection closed before the whole body arrived (Go: unexpected EOF on read).
        res.on('error', () => fail('unexpected EOF'));
        res.on('close', () => {
          if (!complete()) fail('unexpected EOF');
        });
      };
      const streamFlow = (res: Readable): BodyFlow => ({ pause: () => res.pause(), resume: () => res.resume(), abandon: () => res.destroy() });
      const proxy = proxyFor(parsed, this.cfg);
      /**
       * HTTP/1.1: directly or through a proxy. `tlsSocket` (a connection whose ALPN settled on
       * HTTP/1.1) is handed to the HTTPS agent for this request and its keep-alive pool.
       */
      const http1 = (tlsSocket: TLSSocket | null): http.ClientRequest => {
        const host = parsed.hostname.replace(/^\[|\]$/g, '');
        const port = Number(parsed.port || 443);
        const parkIn = tlsSocket ? (proxy ? this.tunnel(proxy) : this.httpsAgent!) : null;
        if (tlsSocket) parkIn?.park(host, port, tlsSocket);
        const r = !proxy
          ? (isHttps ? https : http).request({ ...urlOptions, method: 'GET', headers, agent: isHttps ? this.httpsAgent! : this.httpAgent })
          : isHttps
            ? https.request(parsed, { method: 'GET', headers, agent: this.tunnel(proxy) })
            : http.request({
                host: proxy.hostname.replace(/^\[|\]$/g, ''),
                port: Number(proxy.port || 80),
                path: parsed.href,
                method: 'GET',
                headers: { ...headers, host: parsed.host, ...proxyAuthorization(proxy) },
                agent: this.httpAgent,
              });
        parkIn?.unpark(host, port);
        r.on('error', (e) => failTransport(describeNetError(e as NodeJS.ErrnoException, parsed)));
        r.on('response', (res) => {
          const h = res.headers;
          const sink = onResponse(res.statusCode ?? 0, res.statusMessage ?? '', h.location, h['content-encoding'], String(h['content-type'] ?? ''), headerLength(h['content-length']), streamFlow(res));
          readStream(res, sink, () => res.complete);
        });
        r.end();
        return r;
      };
      /** HTTP/2: one stream on the origin's shared session. */
      const http2Stream = (session: ClientHttp2Session): ClientHttp2Stream => {
        const h2Headers: OutgoingHttpHeaders = { ':method': 'GET', ':scheme': 'https', ':authority': parsed.host, ':path': parsed.pathname + parsed.search };
        for (const [k, v] of Object.entries(headers)) {
          const name = k.toLowerCase();
          if (!H2_DROPPED_HEADERS.has(name)) h2Headers[name] = v;
        }
        const stream = session.request(h2Headers, { endStream: true });
        unanswered = () => session.close();
        stream.on('error', (e) => {
          if (!responded) failTransport(describeNetError(e as NodeJS.ErrnoException, parsed));
        });
        stream.on('response', (h) => {
          let ended = false;
          stream.once('end', () => {
            ended = true;
          });
          const sink = onResponse(Number(h[':status']), '', h.location, h['content-encoding'], String(h['content-type'] ?? ''), headerLength(h['content-length']), streamFlow(stream));
          readStream(stream, sink, () => ended);
        });
        return stream;
      };
      const lean = this.lean;
      // Credentials in the URL become a basic-auth header in node:http: left to it.
      const leanBytes = lean !== null && !isHttps && !proxy && parsed.username === '' && parsed.password === '' ? this.leanRequest(cached, headers) : null;
      if (lean !== null && leanBytes !== null) {
        let sink: BodySink | null = null;
        const handlers: ExchangeHandlers = {
          head: (h: ResponseHead) => {
            sink = onResponse(h.status, h.reason, h.location, h.contentEncoding, h.contentType, h.contentLength, {
              pause: () => exchange.pause(),
              resume: () => exchange.resume(),
              abandon: () => exchange.destroy(),
            });
          },
          data: (c) => sink?.data(c),
          end: () => sink?.end(),
          error: (e) => {
            if (e instanceof ProtocolError) failTransport(e.message);
            else if (responded) fail('unexpected EOF');
            else failTransport(e === null ? 'read: connection reset by peer' : describeNetError(e, parsed));
          },
        };
        const exchange = lean.exchange(parsed.hostname.replace(/^\[|\]$/g, ''), Number(parsed.port || 80), leanBytes, handlers);
        req = exchange;
        return;
      }
      if (!this.h2 || !isHttps) {
        req = http1(null);
        return;
      }
      const target = parsed.port ? parsed.host : `${parsed.host}:443`;
      const via = proxy ? { key: proxy.href, open: () => openTunnel(proxy, target, this.connectHeaders) } : null;
      this.h2.route(parsed, deadline, via).then(
        (route) => {
          if (settled) {
            if ('socket' in route) route.socket?.destroy();
            return;
          }
          try {
            req = 'session' in route ? http2Stream(route.session) : http1(route.socket);
          } catch (e) {
            failTransport(describeNetError(e as NodeJS.ErrnoException, parsed));
          }
        },
        (e: NodeJS.ErrnoException) => failTransport(describeNetError(e, parsed)),
      );
    });
  }
}

/** Whether `headers` holds exactly the names and values of `list` (name, value, …), in the same order. */
function sameHeaders(list: readonly string[], headers: Record<string, string>): boolean {
  let i = 0;
  for (const name in headers) {
    if (list[i] !== name || list[i + 1] !== headers[name]) return false;
    i += 2;
  }
  return i === list.length;
}

/** A `Content-Length` header value as a byte count, -1 when absent or not a plain number. */
function headerLength(v: string | string[] | undefined): number {
  return typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : -1;
}

/**
 * Per signal, the callbacks of the requests waiting on it. A scrape manager's shutdown signal is
 * shared by every request in flight; one `abort` listener per request would pile up on it (Node
 * warns past 10: `MaxListenersExceededWarning`), so each signal gets one listener that calls the
 * callbacks registered at that time.
 */
const abortWaiters = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `cb` when `signal` aborts; returns the function that unregisters it. */
function onAbort(signal: AbortSignal, cb: () => void): () => void {
  let waiters = abortWaiters.get(signal);
  if (waiters === undefined) {
    const set = new Set<() => void>();
    waiters = set;
    abortWaiters.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        for (const f of [...set]) f();
        set.clear();
      },
      { once: true },
    );
  }
  const set = waiters;
  set.add(cb);
  return () => set.delete(cb);
}

/**
 * Go's text for a failed gzip stream: a bad header (also trailing garbage, which Go reads as the
 * next member's header) is `gzip: invalid header`, a CRC or length mismatch `gzip: invalid
 * checksum`, a truncated stream `unexpected EOF` (`EOF` when nothing came at all); other
 * corruption, which Go reports with an input offset zlib does not give, keeps zlib's words.
 */
function gzipError(e: NodeJS.ErrnoException, compressedBytes: number): string {
  switch (e.message) {
    case 'incorrect header check':
      return 'gzip: invalid header';
    case 'incorrect data check':
    case 'incorrect length check':
      return 'gzip: invalid checksum';
    case 'unexpected end of file':
      return compressedBytes === 0 ? 'EOF' : 'unexpected EOF';
    default:
      return `gzip: ${e.message}`;
  }
}

/** Keep-alive HTTPS agent options with a `tls_config`'s CA, client certificate, server name and versions. Throws for unreadable files. */
function tlsOptions(t: TLSConfig): https.AgentOptions {
  return {
    keepAlive: true,
    keepAliveMsecs: 30_000,
    ca: t.ca || (t.caFile ? readFileSync(t.caFile) : undefined),
    cert: t.cert || (t.certFile ? readFileSync(t.certFile) : undefined),
    key: t.key || (t.keyFile ? readFileSync(t.keyFile) : undefined),
    rejectUnauthorized: !t.insecureSkipVerify,
    servername: t.serverName || undefined,
    minVersion: tlsVersion(t.minVersion),
    maxVersion: tlsVersion(t.maxVersion),
  };
}

function tlsVersion(v: string): SecureVersion | undefined {
  const map: Record<string, SecureVersion> = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' };
  return map[v];
}

/** Go-style text for a socket error: `dial tcp 127.0.0.1:9: connect: connection refused`. */
function describeNetError(e: NodeJS.ErrnoException, url: URL): string {
  const addr = url.host;
  switch (e.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${addr}: connect: connection refused`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `dial tcp: lookup ${url.hostname}: no such host`;
    case 'ECONNRESET':
      return 'read: connection reset by peer';
    case 'EHOSTUNREACH':
      return `dial tcp ${addr}: connect: no route to host`;
    default:
      return e.message;
  }
}
