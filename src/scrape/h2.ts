/**
 * HTTP/2 for `https` requests when `enable_http2` is true (the upstream default), as Go's
 * client configured by prometheus/common: a new TLS connection offers ALPN `h2` and `http/1.1`;
 * when the server picks `h2` the connection becomes an HTTP/2 session that later requests to the
 * same origin share; otherwise the connection goes to the keep-alive HTTPS agent for HTTP/1.1 and
 * the origin is remembered as HTTP/1.1-only, so later connections to it do not offer `h2`.
 * Through a proxy, the TLS connection runs inside a `CONNECT` tunnel and negotiates the same way.
 * Plain `http` targets always use HTTP/1.1 (no h2c), as Go. A session idle for
 * {@link H2_IDLE_MS} is closed (upstream's idle connection timeout), so sessions of targets that
 * went away do not linger; all sessions close with the client.
 */
import http2 from 'node:http2';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';

/** Idle time (ms) after which an HTTP/2 session is closed: prometheus/common's 5 minutes. */
export const H2_IDLE_MS = 5 * 60_000;

/**
 * How to send a request: on a shared HTTP/2 session, or over HTTP/1.1 through the client's
 * keep-alive HTTPS agent (direct or tunnelling), handing it `socket` (the TLS connection whose ALPN
 * negotiation chose HTTP/1.1) when there is one.
 */
export type H2Route = { session: http2.ClientHttp2Session } | { socket: tls.TLSSocket | null };

/** HTTP/2 sessions of one HTTP client configuration, one per origin (and proxy). */
export class H2Sessions {
  private readonly sessions = new Map<string, http2.ClientHttp2Session>();
  private readonly pending = new Map<string, Promise<H2Route>>();
  /** Origins whose server chose HTTP/1.1 (or offered no ALPN). */
  private readonly http1 = new Set<string>();
  private closed = false;

  /** @param tlsOptions the `tls_config` as TLS connection options (CA, client certificate, server name, versions, verification) */
  constructor(private readonly tlsOptions: tls.ConnectionOptions) {}

  /**
   * The route for a request to the `https` URL `url`: an open session, a new connection
   * negotiated now, or the HTTPS agent for an origin known to speak HTTP/1.1 only. With `via`,
   * connections are TLS inside the tunnel `via.open()` makes (one session per proxy and origin).
   * Concurrent first requests to one origin share one connection attempt.
   * @param deadline epoch ms after which a connection attempt is abandoned
   * @throws the socket's or tunnel's error when the connection fails (e.g. certificate verification)
   */
  route(url: URL, deadline: number, via: Via | null = null): Promise<H2Route> {
    const key = via ? `${via.key} ${url.origin}` : url.origin;
    if (this.http1.has(key)) return Promise.resolve({ socket: null });
    const s = this.sessions.get(key);
    if (s && !s.closed && !s.destroyed) return Promise.resolve({ session: s });
    const waiting = this.pending.get(key);
    if (waiting) return waiting.then((r) => ('session' in r ? r : { socket: null }));
    const p = this.connect(url, key, deadline, via).finally(() => this.pending.delete(key));
    this.pending.set(key, p);
    return p;
  }

  /** Closes every session (requests in flight finish first) and stops making new ones. */
  close(): void {
    this.closed = true;
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }

  private async connect(url: URL, key: string, deadline: number, via: Via | null): Promise<H2Route> {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    let expired = false;
    let socket: tls.TLSSocket | null = null;
    const timer = setTimeout(() => {
      expired = true;
      socket?.destroy(new Error('context deadline exceeded'));
    }, Math.max(0, deadline - Date.now()));
    try {
      const raw = via ? await via.open() : null;
      if (expired) {
        raw?.destroy();
        throw new Error('context deadline exceeded');
      }
      const s = tls.connect({
        ...this.tlsOptions,
        ...(raw ? { socket: raw } : {}),
        host,
        port: Number(url.port || 443),
        servername: this.tlsOptions.servername || (isIP(host) ? undefined : host),
        ALPNProtocols: ['h2', 'http/1.1'],
      });
      socket = s;
      // The listener stays: an error after the handshake, before the session or the HTTPS agent
      // owns the socket, must not go unhandled (rejecting a settled promise does nothing).
      await new Promise<void>((resolve, reject) => {
        s.on('error', reject);
        s.once('secureConnect', () => resolve());
      });
      if (s.alpnProtocol !== 'h2') {
        this.http1.add(key);
        return { socket: s };
      }
      const session = http2.connect(url.origin, { createConnection: () => s });
      // Stream errors reach the requests; a session error only ends the session.
      session.on('error', () => {});
      session.on('close', () => {
        if (this.sessions.get(key) === session) this.sessions.delete(key);
      });
      session.setTimeout(H2_IDLE_MS, () => session.close());
      session.unref();
      if (this.closed) session.close();
      else this.sessions.set(key, session);
      return { session };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A proxy to tunnel through: `key` tells proxies apart, `open` makes a `CONNECT` tunnel to the target. */
export interface Via {
  key: string;
  open(): Promise<Duplex>;
}
