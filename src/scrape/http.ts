/**
 * HTTP GET for scrapes and HTTP service discovery, over `node:http`/`node:https` keep-alive
 * agents, with the scrape config's `HTTPClientConfig`: basic auth, authorization, bearer tokens,
 * TLS settings, extra headers, redirects. Timeouts abort the request; gzip bodies are inflated;
 * bodies at or above the size limit fail the request, as upstream.
 *
 * Error texts follow Go's `net/http` client as Prometheus shows them in `lastError`, e.g.
 * `Get "http://host:9100/metrics": context deadline exceeded`.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { SecureVersion } from 'node:tls';
import { createGunzip } from 'node:zlib';
import type { HTTPClientConfig } from '../config/prometheus.js';
import { requestHeaders } from '../config/prometheus/http.js';

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
  /** Decompressed body. */
  body: Buffer;
}

/** Options of one request. */
export interface HttpGetOptions {
  /** Whole-request timeout in ms (connect, headers and body). */
  timeoutMs: number;
  headers: Record<string, string>;
  /** Body bytes at which the request fails; 0 for no limit. */
  bodySizeLimit?: number;
  /** Only status 200 is a success (scrapes); otherwise any status is returned. */
  require200?: boolean;
  /** Aborts the request (shutdown). */
  signal?: AbortSignal;
}

/** Keep-alive agents and settings for one HTTP client configuration (one per scrape pool). */
export class HttpClient {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent | null;
  /** Why requests cannot be made with this configuration (unsupported or unreadable settings), or null. */
  private readonly setupError: string | null;

  constructor(private readonly cfg: HTTPClientConfig) {
    this.httpAgent = new http.Agent({ keepAlive: true, keepAliveMsecs: 30_000 });
    let error: string | null = null;
    let httpsAgent: https.Agent | null = null;
    if (cfg.oauth2) error = 'oauth2 is not supported by the Lookout scraper';
    else if (cfg.proxyUrl || cfg.proxyFromEnvironment) error = 'HTTP proxies are not supported by the Lookout scraper';
    try {
      const t = cfg.tlsConfig;
      httpsAgent = new https.Agent({
        keepAlive: true,
        keepAliveMsecs: 30_000,
        ca: t.ca || (t.caFile ? readFileSync(t.caFile) : undefined),
        cert: t.cert || (t.certFile ? readFileSync(t.certFile) : undefined),
        key: t.key || (t.keyFile ? readFileSync(t.keyFile) : undefined),
        rejectUnauthorized: !t.insecureSkipVerify,
        servername: t.serverName || undefined,
        minVersion: tlsVersion(t.minVersion),
        maxVersion: tlsVersion(t.maxVersion),
      });
    } catch (e) {
      error ??= `unable to load TLS configuration: ${(e as Error).message}`;
    }
    this.httpsAgent = httpsAgent;
    this.setupError = error;
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent?.destroy();
  }

  /**
   * GETs `url`, following redirects when configured (at most 10).
   * @throws {HttpGetError} for connection errors, timeouts, non-200 statuses (with `require200`),
   * body size limit, bad gzip
   */
  async get(url: string, opts: HttpGetOptions): Promise<HttpGetResult> {
    const prefix = `Get ${JSON.stringify(url)}: `;
    if (this.setupError) throw new HttpGetError(prefix + this.setupError);
    const deadline = Date.now() + opts.timeoutMs;
    let current = url;
    for (let redirects = 0; ; redirects++) {
      // Secret files are read on each request, as upstream; an unreadable one sends ''.
      const headers = { ...opts.headers, ...requestHeaders(this.cfg, readSecret) };
      const res = await this.once(current, headers, deadline, opts, prefix);
      if ('location' in res) {
        if (!this.cfg.followRedirects) throw new HttpGetError(`server returned HTTP status ${res.statusLine}`);
        if (redirects >= 9) throw new HttpGetError(`${prefix}stopped after 10 redirects`);
        current = new URL(res.location, current).toString();
        continue;
      }
      return res;
    }
  }

  private once(
    url: string,
    headers: Record<string, string>,
    deadline: number,
    opts: HttpGetOptions,
    prefix: string,
  ): Promise<HttpGetResult | { location: string; statusLine: string }> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (msg: string, bodySizeLimit = false) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        req.destroy();
        reject(new HttpGetError(msg, bodySizeLimit));
      };
      const done = (v: HttpGetResult | { location: string; statusLine: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        resolve(v);
      };
      const onAbort = () => fail(`${prefix}context canceled`);
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        reject(new HttpGetError(`${prefix}invalid URL`));
        return;
      }
      const isHttps = parsed.protocol === 'https:';
      if (!isHttps && parsed.protocol !== 'http:') {
        reject(new HttpGetError(`${prefix}unsupported protocol scheme ${JSON.stringify(parsed.protocol.replace(/:$/, ''))}`));
        return;
      }
      const req = (isHttps ? https : http).request(parsed, {
        method: 'GET',
        headers,
        agent: isHttps ? this.httpsAgent! : this.httpAgent,
      });
      const timer = setTimeout(() => fail(`${prefix}context deadline exceeded`), Math.max(0, deadline - Date.now()));
      opts.signal?.addEventListener('abort', onAbort);
      req.on('error', (e) => fail(prefix + describeNetError(e as NodeJS.ErrnoException, parsed)));
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        const statusLine = `${status} ${http.STATUS_CODES[status] ?? res.statusMessage ?? ''}`;
        const location = res.headers.location;
        if ([301, 302, 303, 307, 308].includes(status) && location) {
          res.resume();
          done({ location, statusLine });
          return;
        }
        if (opts.require200 && status !== 200) {
          res.resume();
          fail(`server returned HTTP status ${statusLine}`);
          return;
        }
        const limit = opts.bodySizeLimit && opts.bodySizeLimit > 0 ? opts.bodySizeLimit : Infinity;
        const gzip = res.headers['content-encoding'] === 'gzip';
        const stream = gzip ? res.pipe(createGunzip()) : res;
        const chunks: Buffer[] = [];
        let size = 0;
        stream.on('data', (c: Buffer) => {
          size += c.length;
          if (size >= limit) {
            fail('body size limit exceeded', true);
            return;
          }
          chunks.push(c);
        });
        stream.on('error', (e: Error) => fail(gzip ? `gzip: ${e.message}` : prefix + e.message));
        res.on('aborted', () => fail(`${prefix}unexpected EOF`));
        stream.on('end', () => done({ status, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks, size) }));
      });
      req.end();
    });
  }

}

function readSecret(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
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
