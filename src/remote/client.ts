/**
 * The HTTP client of remote write and read (upstream `storage/remote/client.go`): POSTs a
 * snappy-compressed protobuf body with the remote-write headers, the config's `headers`, its
 * `basic_auth`/`authorization`/`http_headers` (see `config/prometheus/http.ts`) and `tls_config`,
 * over a keep-alive agent, with `remote_timeout` covering the whole exchange.
 * `oauth2`, proxies and sigv4 are not supported by this client (requests then fail with a clear error).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { SecureVersion } from 'node:tls';
import { readSecretOrEmpty, requestHeaders, type HTTPClientConfig, type TLSConfig } from '../config/prometheus/http.js';

/** Most bytes of a response body kept (error messages are cut, as upstream keeps 512 bytes of them). */
const MAX_ERROR_BODY = 512;

/** The answer of one POST: status and (at most {@link MAX_ERROR_BODY} bytes of) body text, or the whole body when `full`. */
export interface PostResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Thrown for failures before a response arrived (connect, TLS, timeout): always worth a retry. */
export class RemoteNetworkError extends Error {
  override name = 'RemoteNetworkError';
}

const TLS_VERSIONS: Record<string, SecureVersion> = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' };

function tlsOptions(t: TLSConfig): https.AgentOptions {
  return {
    keepAlive: true,
    ca: t.ca || (t.caFile ? readFileSync(t.caFile) : undefined),
    cert: t.cert || (t.certFile ? readFileSync(t.certFile) : undefined),
    key: t.key || (t.keyFile ? readFileSync(t.keyFile) : undefined),
    rejectUnauthorized: !t.insecureSkipVerify,
    servername: t.serverName || undefined,
    minVersion: TLS_VERSIONS[t.minVersion],
    maxVersion: TLS_VERSIONS[t.maxVersion],
  };
}

/** A client for one remote endpoint. */
export class RemoteClient {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly setupError: string | null;

  /**
   * @param headers fixed request headers (the protocol's and the config's `headers`)
   * @param timeoutMs `remote_timeout` in ms
   */
  constructor(
    url: string,
    private readonly cfg: HTTPClientConfig,
    private readonly headers: Record<string, string>,
    private readonly timeoutMs: number,
  ) {
    this.url = new URL(url);
    let error: string | null = null;
    let agent: http.Agent = new http.Agent({ keepAlive: true });
    if (cfg.oauth2) error = 'oauth2 is not supported for remote write/read by Lookout';
    else if (cfg.proxyUrl || cfg.proxyFromEnvironment) error = 'proxies are not supported for remote write/read by Lookout';
    if (this.url.protocol === 'https:') {
      try {
        agent = new https.Agent(tlsOptions(cfg.tlsConfig));
      } catch (e) {
        error ??= `unable to load TLS configuration: ${(e as Error).message}`;
      }
    }
    this.agent = agent;
    this.setupError = error;
  }

  /** The endpoint URL as configured. */
  get endpoint(): string {
    return this.url.href;
  }

  /**
   * POSTs `body`; resolves with any HTTP status (the caller decides what is retried). Keeps the
   * whole response body when `full` (remote read), else its first 512 bytes.
   * @throws {RemoteNetworkError} for connection errors and the timeout
   */
  post(body: Uint8Array, full = false): Promise<PostResult> {
    if (this.setupError) return Promise.reject(new RemoteNetworkError(this.setupError));
    const headers: Record<string, string | number> = {
      ...this.headers,
      ...requestHeaders(this.cfg, readSecretOrEmpty),
      'content-length': body.length,
    };
    const lib = this.url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = lib.request(this.url, { method: 'POST', agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (c: Buffer) => {
          if (full || kept < MAX_ERROR_BODY) {
            chunks.push(c);
            kept += c.length;
          }
        });
        res.on('end', () => {
          clearTimeout(timer);
          const all = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: full ? all : all.subarray(0, MAX_ERROR_BODY) });
        });
        res.on('error', (e) => {
          clearTimeout(timer);
          reject(new RemoteNetworkError(e.message));
        });
      });
      const timer = setTimeout(() => req.destroy(new Error('context deadline exceeded')), this.timeoutMs);
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(new RemoteNetworkError(`Post "${this.url.href}": ${e.message}`));
      });
      req.end(body);
    });
  }

  /** Closes idle connections. */
  close(): void {
    this.agent.destroy();
  }
}
