/**
 * HTTP proxies for scrapes and HTTP service discovery (`proxy_url`, `no_proxy`,
 * `proxy_from_environment`, `proxy_connect_header`), as Prometheus's HTTP client uses them:
 * plain-HTTP targets are requested from the proxy with their absolute URL, HTTPS targets through a
 * `CONNECT` tunnel. Credentials in the proxy URL go in `Proxy-Authorization` (basic).
 *
 * Which requests use the proxy follows Go: `proxy_url` without `no_proxy` proxies everything;
 * with `no_proxy`, and with `proxy_from_environment` (`HTTP_PROXY`, `HTTPS_PROXY`, `NO_PROXY`, or
 * their lower-case forms), requests to `localhost` and loopback addresses go direct, as do hosts
 * that `no_proxy` names: `*`, an IP address, a CIDR block, or a domain (which also covers its
 * subdomains), each optionally with `:port`.
 */
import { BlockList, isIP } from 'node:net';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { HTTPClientConfig } from '../config/prometheus/http.js';

/** The proxy to use for `target`, or null to connect directly. */
export function proxyFor(target: URL, cfg: HTTPClientConfig, env: NodeJS.ProcessEnv = process.env): URL | null {
  let proxy = '';
  let noProxy = cfg.noProxy;
  if (cfg.proxyUrl) proxy = cfg.proxyUrl;
  else if (cfg.proxyFromEnvironment) {
    proxy = target.protocol === 'https:' ? (env.HTTPS_PROXY ?? env.https_proxy ?? '') : (env.HTTP_PROXY ?? env.http_proxy ?? '');
    noProxy = env.NO_PROXY ?? env.no_proxy ?? '';
  }
  if (!proxy) return null;
  if ((cfg.proxyFromEnvironment || noProxy) && !useProxy(target, noProxy)) return null;
  return new URL(proxy.includes('://') ? proxy : `http://${proxy}`);
}

function useProxy(target: URL, noProxy: string): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  if (host === 'localhost' || isLoopback(host)) return false;
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return false;
    if (entry.includes('/')) {
      if (inCIDR(host, entry)) return false;
      continue;
    }
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
    if (!m) continue;
    const name = m[1]!.replace(/^\[|\]$/g, '');
    if (m[2] && m[2] !== port) continue;
    if (isIP(name)) {
      if (name === host) return false;
      continue;
    }
    const domain = name.replace(/^\*?\./, '');
    if (host === domain || host.endsWith('.' + domain)) return false;
  }
  return true;
}

function isLoopback(host: string): boolean {
  return (isIP(host) === 4 && host.startsWith('127.')) || host === '::1';
}

function inCIDR(host: string, cidr: string): boolean {
  const family = isIP(host);
  const [net, bits] = cidr.split('/');
  if (!family || isIP(net!) !== family) return false;
  const list = new BlockList();
  try {
    list.addSubnet(net!, Number(bits), family === 4 ? 'ipv4' : 'ipv6');
  } catch {
    return false;
  }
  return list.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/** `Proxy-Authorization` for credentials in the proxy URL, or none. */
export function proxyAuthorization(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  const creds = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(creds).toString('base64')}` };
}

/**
 * Opens a `CONNECT` tunnel through `proxy` to `target` (`host:port`, IPv6 hosts in brackets) and
 * resolves with the raw tunnelled connection, on which the caller starts TLS.
 * @throws Error `proxyconnect: <status line>` when the proxy refuses the tunnel, `proxyconnect tcp:
 * <error>` when it cannot be reached (Go's words)
 */
export function openTunnel(proxy: URL, target: string, connectHeaders: Record<string, string>): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: Number(proxy.port || 80),
      method: 'CONNECT',
      path: target,
      headers: { host: target, ...connectHeaders, ...proxyAuthorization(proxy) },
    });
    req.once('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        reject(new Error(`proxyconnect: ${res.statusCode} ${res.statusMessage ?? ''}`.trimEnd()));
        return;
      }
      resolve(socket);
    });
    req.once('error', (e) => reject(new Error(`proxyconnect tcp: ${e.message}`)));
    req.end();
  });
}

/**
 * A keep-alive HTTPS agent that can be handed a TLS connection already open (one whose ALPN
 * negotiation settled on HTTP/1.1, see h2.ts): the next request to that address uses it instead of
 * connecting, and it then stays in the agent's keep-alive pool.
 */
export class ReusingHttpsAgent extends https.Agent {
  private readonly parked = new Map<string, Duplex>();

  /** Hands `socket`, connected to `host` (no brackets) and `port`, to the next request for that address. */
  park(host: string, port: number, socket: Duplex): void {
    this.parked.get(`${host}:${port}`)?.destroy();
    this.parked.set(`${host}:${port}`, socket);
  }

  /** Destroys the socket parked for `host`:`port` if no request took it. */
  unpark(host: string, port: number): void {
    const key = `${host}:${port}`;
    this.parked.get(key)?.destroy();
    this.parked.delete(key);
  }

  /** The socket parked for the address of `options`, taken out, or null. */
  protected takeParked(options: { host?: string | null; port?: number | string | null }): Duplex | null {
    const key = `${options.host}:${options.port}`;
    const s = this.parked.get(key) ?? null;
    this.parked.delete(key);
    return s;
  }

  override createConnection(options: tls.ConnectionOptions & { host?: string; port?: number }, callback: (err: Error | null, socket?: Duplex) => void): Duplex | undefined {
    return this.takeParked(options) ?? (super.createConnection as (o: typeof options, cb: typeof callback) => Duplex | undefined)(options, callback);
  }

  override destroy(): void {
    for (const s of this.parked.values()) s.destroy();
    this.parked.clear();
    super.destroy();
  }
}

/**
 * An HTTPS agent whose connections are TLS sessions inside a `CONNECT` tunnel through `proxy`
 * (keep-alive as the direct agent). A refused `CONNECT` fails the request with
 * `proxyconnect: <status line>`; a proxy that cannot be reached with `proxyconnect tcp: <error>`.
 */
export class TunnelAgent extends ReusingHttpsAgent {
  constructor(
    private readonly proxy: URL,
    private readonly connectHeaders: Record<string, string>,
    options: https.AgentOptions,
  ) {
    super(options);
  }

  override createConnection(options: tls.ConnectionOptions & { host?: string; port?: number }, callback: (err: Error | null, socket?: Duplex) => void): Duplex | undefined {
    const parked = this.takeParked(options);
    if (parked) return parked;
    openTunnel(this.proxy, `${options.host}:${options.port}`, this.connectHeaders).then(
      (socket) => callback(null, tls.connect({ ...options, socket, servername: options.servername || options.host })),
      (e: Error) => callback(e),
    );
    return undefined;
  }
}
